"""The audit trail: every change to a meeting, its agenda, protokoll, attendance, votes,
justering, anslag and the registers, with who made it, when, and the row before and after.

django-simple-history keeps one historical row per save and delete. The historical models
are registered here, in the audit app, so the recorded apps' models and migrations stay
as they are; their tables are `audit_historical<model>`. Changes made with
`QuerySet.update()` or `bulk_create()`/`bulk_update()` leave no historical row (see
docs/security.md, "Records").
"""

import simple_history

from attendance.models import AbsenceNotice, Attendance, Ballot, Disqualification, Reservation, Vote
from cases.models import Case, DelegatedDecision, Document, Motion, Remiss
from committees.models import Person
from meetings.models import AgendaItem, Anslag, Justering, Meeting, Paragraph, Signature

# Model → fields left out of its history.
RECORDED = {
    Meeting: [],
    AgendaItem: [],
    Paragraph: [],
    # The frozen snapshot is large and fixed by its content_hash, which is recorded.
    Justering: ["snapshot"],
    Signature: [],
    Anslag: [],
    Attendance: [],
    AbsenceNotice: [],
    Disqualification: [],
    Vote: [],
    # Ballots exist only for open votes (`vote_record` refuses them in a closed vote, which
    # records counts only), so their history says nothing the protokoll does not.
    Ballot: [],
    Reservation: [],
    Case: [],
    Remiss: [],
    Motion: [],
    DelegatedDecision: [],
    # The metadata of a handling; the file itself is never replaced (`document_upload`).
    Document: [],
    # Who a person is: the login link and the identity fields (committees/identity.py).
    Person: [],
}

for model, excluded in RECORDED.items():
    simple_history.register(model, app="audit", excluded_fields=excluded)
