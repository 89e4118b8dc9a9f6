"""Services of the cases app, split by register; import them from here."""

from .delegation import (
    delegated_decision_allocate_number,
    delegated_decision_register,
    delegation_point_check,
    delegation_points_for_decision_maker,
    delegation_points_valid_on,
    person_delegate_roles,
)
from .diarium import case_allocate_serial, case_register, diarienummer_parse
from .remisser import (
    motions_unanswered,
    remiss_deadline_state,
    remiss_set_status,
    remisser_register,
    remisser_remind_deadlines,
)

__all__ = [
    "case_allocate_serial",
    "case_register",
    "delegated_decision_allocate_number",
    "delegated_decision_register",
    "delegation_point_check",
    "delegation_points_for_decision_maker",
    "delegation_points_valid_on",
    "diarienummer_parse",
    "motions_unanswered",
    "person_delegate_roles",
    "remiss_deadline_state",
    "remiss_set_status",
    "remisser_register",
    "remisser_remind_deadlines",
]
