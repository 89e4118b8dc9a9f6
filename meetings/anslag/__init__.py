"""The digital anslagstavla in one place: its rules, its beat tasks and its public pages
(templates in templates/portal/anslag*.html)."""
