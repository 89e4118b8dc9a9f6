"""Services for the meeting as it happens, split by sub-domain:

- `absence`: förhinder reported by members;
- `substitutes`: which ersättare to call in, and calling them in;
- `participation`: närvaro, who takes part in each § (jäv, arrivals, departures), quorum;
- `votes`: omröstningar and reservationer;
- `reports`: each member's history and the report for arvode.
"""

from .absence import (
    absence_notify_secretaries,
    absence_report,
    absence_secretary_emails,
    absence_withdraw,
)
from .participation import (
    QuorumResult,
    attendance_record,
    disqualification_record,
    meeting_summoned_people,
    paragraphs_without_quorum,
    quorum_for_paragraph,
    serving_members,
)
from .reports import (
    attendance_history,
    attendance_report,
    attendance_report_csv,
    attendance_report_xlsx,
)
from .substitutes import substitute_confirm, substitute_notify, substitute_propose
from .votes import reservation_record, vote_record

__all__ = [
    "QuorumResult",
    "absence_notify_secretaries",
    "absence_report",
    "absence_secretary_emails",
    "absence_withdraw",
    "attendance_history",
    "attendance_record",
    "attendance_report",
    "attendance_report_csv",
    "attendance_report_xlsx",
    "disqualification_record",
    "meeting_summoned_people",
    "paragraphs_without_quorum",
    "quorum_for_paragraph",
    "reservation_record",
    "serving_members",
    "substitute_confirm",
    "substitute_notify",
    "substitute_propose",
    "vote_record",
]
