"""The signers as the secretary's workspace chooses and follows them (workspace/views/signers.py):
who may be chosen, a reminder to one signer, and the login invitation of a signer without one.

Chosen with `protokoll_set_signers` (services.py), which asks nothing about uppdrag: the
ordförande and the justerare are chosen among those present, the secretary also among the
meeting's secretary, the committee's secretaries and the user herself, none needing an uppdrag.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from committees.invitations import login_invitation_send
from committees.models import Assignment, Person
from meetings.errors import JusteringRefusal
from meetings.justering.document import _justering_request_email
from meetings.models import Meeting, Signature


def _people(condition):
    return (
        Person.objects.filter(condition)
        .select_related("party")
        .distinct()
        .order_by("last_name", "first_name")
    )


PRESENT = "present"  # attendance.models.Attendance.Status.PRESENT (attendance is a higher layer)


def present_people(meeting: Meeting):
    return meeting.attendances.filter(status=PRESENT).values("person_id")


def chosen_people(meeting: Meeting):
    return Signature.objects.filter(justering__meeting=meeting).values("person_id")


def signer_choices(meeting: Meeting, user) -> tuple:
    """(people for ordförande and justerare, people for the secretary). The first: those present
    (and those chosen before); while no attendance is recorded, also the meeting's chair and the
    committee's current members. The second: those, the meeting's secretary, the committee's
    secretaries and the user's own person."""
    present = present_people(meeting)
    condition = Q(pk__in=present) | Q(pk__in=chosen_people(meeting))
    if not present.exists():
        on = timezone.localtime(meeting.start).date()
        assigned = (
            Assignment.objects.filter(committee_id=meeting.committee_id).current(on).values("person_id")
        )
        condition |= Q(pk__in=assigned) | Q(pk__in=[p for p in [meeting.chair_id] if p])
    secretaries = Assignment.objects.filter(
        committee_id=meeting.committee_id, role=Assignment.Role.SECRETARY
    ).values("person_id")
    own = [p for p in (meeting.secretary_id, getattr(getattr(user, "person", None), "pk", None)) if p]
    return _people(condition), _people(condition | Q(pk__in=secretaries) | Q(pk__in=own))


def signature_state(signature: Signature, meeting: Meeting) -> str:
    """ "signed", "notified" (e-mailed, awaiting), "awaiting" (sent for justering, not e-mailed
    yet), or "chosen" (not sent for justering)."""
    if signature.signed_at:
        return "signed"
    if meeting.status != Meeting.Status.READY_FOR_JUSTERING:
        return "chosen"
    return "notified" if signature.notified_at else "awaiting"


@transaction.atomic
def justering_remind_signer(*, signature: Signature) -> Signature:
    """E-mail one signer who has not signed the request to justera again."""
    signature = (
        Signature.objects.select_for_update(of=("self",))
        .select_related("person", "justering__meeting__committee", "justering__meeting__secretary")
        .get(pk=signature.pk)
    )
    if signature.justering.meeting.status != Meeting.Status.READY_FOR_JUSTERING:
        raise ValidationError(
            _("The protokoll has not been sent for justering."), code=JusteringRefusal.NOT_READY
        )
    if signature.signed_at:
        raise ValidationError(_("%(name)s has already signed."), params={"name": signature.person.full_name})
    if not signature.person.email:
        raise ValidationError(
            _("%(name)s has no e-mail address: tell them another way."),
            params={"name": signature.person.full_name},
        )
    _justering_request_email(signature).send()
    signature.notified_at = timezone.now()
    signature.save(update_fields=["notified_at"])
    return signature


def signer_invite(*, signature: Signature, by):
    """Send the signer without a login an invitation to create one (and then sign)."""
    meeting = signature.justering.meeting
    reason = _("You are asked to sign (justera) the protokoll of %(committee)s %(date)s as %(role)s.") % {
        "committee": meeting.committee.name,
        "date": f"{timezone.localtime(meeting.start):%Y-%m-%d}",
        "role": signature.get_role_display(),
    }
    return login_invitation_send(person=signature.person, by=by, reason=reason)
