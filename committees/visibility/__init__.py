"""Who may see and change what: the one place that answers it, for every user but the public.

- `admin`: what a secretary (or, for the registers, an official) administers in the admin:
  `administered(user, model)` and `choosable(user, model)`, one rule per model
  (used by committees/scoping.py, the base of every ModelAdmin and inline).
- `members`: what a member sees on the members' pages: their meetings, the agenda and
  handlingar, the protokoll, the signing pages, and the secretary's pages outside the admin.
- `officials`: what an official sees in the registers outside the admin: the cases, the
  confidential ones only of their own committees.

What the public may see is portal/published.py's. tests/test_admin_scope_registry.py,
tests/test_permission_matrix.py and tests/test_visibility_matrix.py prove these answers
(docs/security.md).
"""

from .admin import (
    ADMINISTERED,
    CHOOSABLE,
    REGISTER_ROLES,
    administered,
    choosable,
    committees_administered,
)
from .members import (
    agenda_visible,
    agenda_visible_statuses,
    documents_offline_for,
    documents_visible_to,
    immediate_utdrag_visible_to,
    is_secretary_of,
    kallelse_offline_allowed,
    may_sign,
    meeting_visible_to,
    meetings_visible_to,
    member_committees,
    protokoll_meetings_visible_to,
    secretary_meetings,
    signatures_of,
)
from .officials import (
    case_confidential_visible_to,
    cases_visible_to,
    committees_for_official,
    user_is_official,
)

__all__ = [
    "ADMINISTERED",
    "CHOOSABLE",
    "REGISTER_ROLES",
    "administered",
    "agenda_visible",
    "agenda_visible_statuses",
    "case_confidential_visible_to",
    "cases_visible_to",
    "choosable",
    "committees_administered",
    "committees_for_official",
    "documents_offline_for",
    "documents_visible_to",
    "immediate_utdrag_visible_to",
    "is_secretary_of",
    "kallelse_offline_allowed",
    "may_sign",
    "meeting_visible_to",
    "meetings_visible_to",
    "member_committees",
    "protokoll_meetings_visible_to",
    "secretary_meetings",
    "signatures_of",
    "user_is_official",
]
