"""The meetings admin, one module per area a secretary works in: the meeting and its life
(meeting), the agenda, the paragraphs, justering (with the signers' form and selectors),
the anslagstavla, the register of överklaganden, sending the kallelse and the rendered
documents. Django's admin autodiscovery imports this package; importing the modules registers
their ModelAdmins."""

from meetings.admin import (  # noqa: F401
    agenda,
    anslag,
    appeals,
    documents,
    justering,
    kallelse,
    meeting,
    paragraphs,
)
