"""The kallelse: the document (what it is built from, its PDF and stored copy) and its dispatch
(sending it by e-mail with a calendar invitation, and publishing the agenda)."""
