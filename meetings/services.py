"""Services for the life of a meeting: status transitions, paragraph numbering, justering, anslag.

Every change of a meeting's status goes through `meeting_transition`, which refuses
illegal steps with a clear message and records who made the step and when. The
named steps below add each step's own preconditions.
"""

import logging
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from committees.models import Assignment, Committee, Person

from . import signing
from .justering import (
    JUSTERAT_OR_LATER,
    immediate_justering_state,
    immediate_utdrag_apply_signature,
    immediate_utdrag_certify,
    immediate_utdrag_get_or_create,
    justering_apply_signature,
    justering_store_frozen_pdf,
    protokoll_snapshot,
    protokollsutdrag_personal_bestyrkande,
    snapshot_hash,
)
from .models import (
    AgendaItem,
    Anslag,
    Justering,
    Meeting,
    MeetingTransition,
    Paragraph,
    RenderedDocument,
    Signature,
)

logger = logging.getLogger(__name__)

Status = Meeting.Status


class TransitionError(ValidationError):
    """An illegal step in the life of a meeting."""


def _lock_meeting(meeting: Meeting) -> Meeting:
    locked = Meeting.objects.select_for_update().select_related("committee").get(pk=meeting.pk)
    meeting.status = locked.status
    return locked


@transaction.atomic
def meeting_transition(*, meeting: Meeting, to_status: str, by=None, note: str = "") -> Meeting:
    """Move a meeting to `to_status` if the life of a meeting allows it, recording the step."""
    locked = _lock_meeting(meeting)
    if not locked.can_move_to(to_status):
        raise TransitionError(
            _('The meeting cannot go from "%(from)s" to "%(to)s".'),
            code="illegal_transition",
            params={"from": Status(locked.status).label, "to": Status(to_status).label},
        )
    if to_status == Status.JUSTERAT:
        _require_signed(locked)
    MeetingTransition.objects.create(
        meeting=locked, from_status=locked.status, to_status=to_status, by=by, note=note
    )
    # A new status is a new version of the meeting's calendar event (its SEQUENCE).
    Meeting.objects.filter(pk=locked.pk).update(status=to_status, version=F("version") + 1)
    meeting.status = to_status
    meeting.version = locked.version + 1
    return meeting


def _require_signed(meeting: Meeting) -> None:
    """A protokoll is justerat only with its signed file: every required signer has signed
    it. The public pages and OParl link that file, so no path may make a meeting justerat
    without it."""
    justering = Justering.objects.filter(meeting=meeting).first()
    if (
        justering is None
        or not justering.signed_file
        or justering.signatures.filter(signed_at__isnull=True).exists()
    ):
        raise TransitionError(
            _("The protokoll is justerat only when every signer has signed it; it has no signed file yet."),
            code="not_signed",
        )


def _require(meeting: Meeting, status: str, action: str) -> None:
    if meeting.status != status:
        raise TransitionError(
            _('%(action)s needs the meeting to be "%(needed)s"; it is "%(actual)s".'),
            code="wrong_status",
            params={
                "action": action,
                "needed": Status(status).label,
                "actual": Status(meeting.status).label,
            },
        )


@transaction.atomic
def meeting_start_agenda(*, meeting: Meeting, by=None) -> Meeting:
    """Planned → agenda drafted."""
    return meeting_transition(meeting=meeting, to_status=Status.AGENDA_DRAFTED, by=by)


@transaction.atomic
def meeting_mark_summoned(*, meeting: Meeting, by=None) -> Meeting:
    """Agenda drafted → kallelse sent. The agenda must have at least one item."""
    _lock_meeting(meeting)
    if not meeting.agenda_items.exists():
        raise TransitionError(
            _("A kallelse cannot be sent for a meeting without agenda items."), code="empty_agenda"
        )
    return meeting_transition(meeting=meeting, to_status=Status.SUMMONED, by=by)


@transaction.atomic
def meeting_hold(*, meeting: Meeting, by=None) -> Meeting:
    """Kallelse sent → held."""
    return meeting_transition(meeting=meeting, to_status=Status.HELD, by=by)


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, by=None, note: str = "") -> Meeting:
    """Cancel a meeting that has not been held."""
    return meeting_transition(meeting=meeting, to_status=Status.CANCELLED, by=by, note=note)


# --- The agenda ------------------------------------------------------------------------------

AGENDA_EDITABLE = (Status.PLANNED, Status.AGENDA_DRAFTED, Status.SUMMONED)


def _require_agenda_editable(meeting: Meeting) -> None:
    if meeting.status not in AGENDA_EDITABLE:
        raise TransitionError(
            _('The agenda can be changed only before the meeting is held; the meeting is "%(status)s".'),
            code="agenda_locked",
            params={"status": Status(meeting.status).label},
        )


@transaction.atomic
def agenda_add_standard_items(*, meeting: Meeting) -> list[AgendaItem]:
    """Add the committee's standard items (its AgendaTemplateItem rows) that the agenda lacks.

    They go first, in the template's order, before the items already there; an item
    whose title is already on the agenda is not added twice.
    """
    meeting = _lock_meeting(meeting)
    _require_agenda_editable(meeting)
    present = set(meeting.agenda_items.values_list("title", flat=True))
    standard = meeting.committee.agenda_template.order_by("order", "id")
    template = [t for t in standard if t.title not in present]
    if not template:
        return []
    existing = list(meeting.agenda_items.order_by("order", "id"))
    added = [
        AgendaItem(
            meeting=meeting,
            title=t.title,
            section=t.section,
            kind=t.kind,
            proposal=t.proposal,
            generates=t.generates,
            order=index + 1,
        )
        for index, t in enumerate(template)
    ]
    for item in added:
        item.save()
    for index, item in enumerate(existing, start=len(added) + 1):
        item.order = index
    AgendaItem.objects.bulk_update(existing, ["order"])
    return added


@transaction.atomic
def agenda_reorder(*, meeting: Meeting, item_ids: list[int]) -> None:
    """Put the agenda items in the given order (every item of the meeting, once each)."""
    meeting = _lock_meeting(meeting)
    _require_agenda_editable(meeting)
    items = {item.pk: item for item in meeting.agenda_items.all()}
    if sorted(item_ids) != sorted(items):
        raise ValidationError(
            _("The new order must name every item of the agenda exactly once."), code="bad_order"
        )
    for index, pk in enumerate(item_ids, start=1):
        items[pk].order = index
    AgendaItem.objects.bulk_update(items.values(), ["order"])


# --- Paragraph numbering ---------------------------------------------------------------------


def paragraph_year(meeting: Meeting) -> int:
    """The calendar year whose § series a meeting's paragraphs belong to (local date)."""
    return timezone.localtime(meeting.start).year


def series_committee(meeting: Meeting) -> Committee:
    """The committee whose § series the meeting numbers in: its own (utskott, presidium too)."""
    return meeting.committee


def paragraphs_renumber(*, committee: Committee, year: int) -> None:
    """Number the paragraphs of one § series and year: 1, 2, 3… without gaps or duplicates.

    Paragraphs of frozen (locked) protokoll keep their numbers; those always form
    the start of the series, because `protokoll_freeze` refuses while an earlier
    meeting of the series is still a draft. Draft paragraphs follow in meeting
    date and protokoll order. Runs with the committee row locked, so two meetings
    drafted at once cannot take the same number.
    """
    Committee.objects.select_for_update().get(pk=committee.pk)
    paragraphs = list(
        Paragraph.objects.filter(committee=committee, year=year)
        .select_related("meeting")
        .order_by("meeting__start", "meeting_id", "order", "id")
    )
    fixed = [p for p in paragraphs if p.meeting.is_locked]
    drafts = [p for p in paragraphs if not p.meeting.is_locked]
    next_number = max((p.number for p in fixed), default=0) + 1
    changed = []
    for paragraph in drafts:
        if paragraph.number != next_number:
            paragraph.number = next_number
            changed.append(paragraph)
        next_number += 1
    if not changed:
        return
    # Two passes, so the unique constraint holds after each statement on every database.
    offset = 10_000_000  # above every placeholder number used while inserting
    for paragraph in changed:
        paragraph.number += offset
    Paragraph.objects.bulk_update(changed, ["number"])
    for paragraph in changed:
        paragraph.number -= offset
    Paragraph.objects.bulk_update(changed, ["number"])


def _require_draftable(meeting: Meeting) -> None:
    if meeting.status not in (Status.HELD, Status.PROTOKOLL_DRAFTED):
        raise TransitionError(
            _('Paragraphs can be changed only while the protokoll is a draft; the meeting is "%(status)s".'),
            code="protokoll_locked",
            params={"status": Status(meeting.status).label},
        )


def _paragraph_from_item(meeting: Meeting, item: AgendaItem, *, order: int) -> Paragraph:
    basis = "\n".join(doc.title for doc in item.documents.order_by("attachments__order"))
    return Paragraph(
        meeting=meeting,
        agenda_item=item,
        committee=series_committee(meeting),
        year=paragraph_year(meeting),
        number=1_000_000 + order,
        order=order,
        title=item.title,
        case=item.case,
        decision=item.proposal,
        summary=item.summary,
        basis=basis,
        confidential=item.confidential,
        osl_reference=item.osl_reference,
        public_title=item.public_title,
    )


@transaction.atomic
def protokoll_create_draft(*, meeting: Meeting, by=None) -> list[Paragraph]:
    """Held → protokoll drafted: each handled agenda item becomes a § in agenda order.

    Items that were tabled (bordlagt) or withdrawn (utgår) get no paragraph.
    """
    meeting = _lock_meeting(meeting)
    _require(meeting, Status.HELD, _("Drafting the protokoll"))
    Committee.objects.select_for_update().get(pk=meeting.committee_id)
    items = meeting.agenda_items.filter(outcome=AgendaItem.Outcome.HANDLED, paragraph__isnull=True)
    paragraphs = [
        _paragraph_from_item(meeting, item, order=(index + 1) * 10)
        for index, item in enumerate(items.order_by("order", "id"))
    ]
    Paragraph.objects.bulk_create(paragraphs)
    meeting_transition(meeting=meeting, to_status=Status.PROTOKOLL_DRAFTED, by=by)
    paragraphs_renumber(committee=series_committee(meeting), year=paragraph_year(meeting))
    return list(meeting.paragraphs.order_by("order"))


@transaction.atomic
def paragraph_insert(*, meeting: Meeting, title: str, after: Paragraph | None = None, **fields) -> Paragraph:
    """Add a paragraph (an item raised at the meeting) after `after`, or first."""
    meeting = _lock_meeting(meeting)
    _require_draftable(meeting)
    Committee.objects.select_for_update().get(pk=meeting.committee_id)
    position = after.order + 5 if after else 5
    paragraph = Paragraph(
        meeting=meeting,
        committee=series_committee(meeting),
        year=paragraph_year(meeting),
        number=2_000_000,
        order=position,
        title=title,
        **fields,
    )
    paragraph.full_clean(exclude=["number"])
    paragraph.save()
    _compact_order(meeting)
    paragraphs_renumber(committee=series_committee(meeting), year=paragraph_year(meeting))
    paragraph.refresh_from_db()
    return paragraph


@transaction.atomic
def paragraph_move(*, paragraph: Paragraph, after: Paragraph | None) -> None:
    """Move a draft paragraph to just after `after` (or first) and renumber."""
    meeting = _lock_meeting(paragraph.meeting)
    _require_draftable(meeting)
    paragraph.order = after.order + 5 if after else 5
    Paragraph.objects.filter(pk=paragraph.pk).update(order=paragraph.order)
    _compact_order(meeting)
    paragraphs_renumber(committee=paragraph.committee, year=paragraph.year)


@transaction.atomic
def paragraph_delete(*, paragraph: Paragraph) -> None:
    """Remove a draft paragraph; the following numbers close the gap."""
    meeting = _lock_meeting(paragraph.meeting)
    _require_draftable(meeting)
    committee, year = paragraph.committee, paragraph.year
    paragraph.delete()
    paragraphs_renumber(committee=committee, year=year)


def _compact_order(meeting: Meeting) -> None:
    paragraphs = list(meeting.paragraphs.order_by("order", "id"))
    for index, paragraph in enumerate(paragraphs):
        paragraph.order = (index + 1) * 10
    Paragraph.objects.bulk_update(paragraphs, ["order"])


# --- Justering -------------------------------------------------------------------------------


def justering_deadline(meeting: Meeting) -> date:
    """The last day for justering: the committee's number of days after the meeting."""
    return timezone.localtime(meeting.start).date() + timedelta(days=meeting.committee.justering_days)


MAX_ADJUSTERS = 2


@transaction.atomic
def protokoll_set_signers(
    *, meeting: Meeting, chair: Person, adjusters: list[Person], secretary: Person | None = None
) -> Justering:
    """Record who justerar (§ 1 "Val av protokollsjusterare"): ordförande, one or two justerare
    and the sekreterare, each a different person. Replaces the signers chosen before."""
    meeting = _lock_meeting(meeting)
    _require_draftable(meeting)
    if chair is None:
        raise ValidationError(_("Choose the ordförande who justerar the protokoll."), code="no_chair")
    adjusters = list(dict.fromkeys(p for p in adjusters if p is not None))
    if not adjusters:
        raise ValidationError(_("At least one justerare must be chosen."), code="no_adjuster")
    if len(adjusters) > MAX_ADJUSTERS:
        raise ValidationError(
            _("Choose one or two justerare, not %(count)d."),
            code="too_many_adjusters",
            params={"count": len(adjusters)},
        )
    people = [chair, *adjusters] + ([secretary] if secretary else [])
    twice = [p for index, p in enumerate(people) if p in people[:index]]
    if twice:
        raise ValidationError(
            _("%(name)s cannot sign the protokoll in two roles; choose someone else."),
            code="signer_twice",
            params={"name": twice[0].full_name},
        )
    justering, _created = Justering.objects.get_or_create(
        meeting=meeting, defaults={"deadline": justering_deadline(meeting)}
    )
    justering.signatures.all().delete()
    signers = [(chair, Signature.Role.CHAIR)] + [(p, Signature.Role.ADJUSTER) for p in adjusters]
    if secretary:
        signers.insert(0, (secretary, Signature.Role.SECRETARY))
    Signature.objects.bulk_create(
        Signature(justering=justering, person=person, role=role, order=index)
        for index, (person, role) in enumerate(signers)
    )
    return justering


@transaction.atomic
def protokoll_freeze(*, meeting: Meeting, by=None) -> Meeting:
    """Protokoll drafted → ready for justering. From here the § numbers and texts are fixed."""
    meeting = _lock_meeting(meeting)
    _require(meeting, Status.PROTOKOLL_DRAFTED, _("Sending the protokoll for justering"))
    if not meeting.paragraphs.exists():
        raise TransitionError(_("The protokoll has no paragraphs."), code="no_paragraphs")
    justering = Justering.objects.filter(meeting=meeting).first()
    roles = set(justering.signatures.values_list("role", flat=True)) if justering else set()
    if Signature.Role.CHAIR not in roles or Signature.Role.ADJUSTER not in roles:
        raise TransitionError(
            _("Choose the ordförande and at least one justerare before sending for justering."),
            code="no_signers",
        )
    year = paragraph_year(meeting)
    earlier_draft = (
        Meeting.objects.filter(
            committee=meeting.committee,
            start__lt=meeting.start,
            paragraphs__year=year,
            status__in=[Status.HELD, Status.PROTOKOLL_DRAFTED],
        )
        .exclude(pk=meeting.pk)
        .first()
    )
    if earlier_draft:
        raise TransitionError(
            _(
                "The protokoll of the earlier meeting %(meeting)s must go to justering first, "
                "so that the § numbers follow in order."
            ),
            code="earlier_draft",
            params={"meeting": str(earlier_draft)},
        )
    paragraphs_renumber(committee=series_committee(meeting), year=year)
    meeting_transition(meeting=meeting, to_status=Status.READY_FOR_JUSTERING, by=by)
    snapshot = protokoll_snapshot(meeting)
    justering.snapshot = snapshot
    justering.content_hash = snapshot_hash(snapshot)
    justering.frozen_at = timezone.now()
    justering.deadline = justering.deadline or justering_deadline(meeting)
    justering.save(update_fields=["snapshot", "content_hash", "frozen_at", "deadline"])
    justering_store_frozen_pdf(justering=justering)
    # Each signer is e-mailed a link to their signing page once this is committed.
    transaction.on_commit(lambda: _enqueue_justering_requests(justering.pk))
    return meeting


def _enqueue_justering_requests(justering_id: int) -> None:
    from kombu.exceptions import OperationalError

    from .tasks import send_justering_requests

    try:
        send_justering_requests.delay(justering_id)
    except (OperationalError, RuntimeError):  # RuntimeError: the result backend is unreachable
        # The periodic sweep (send_pending_justering_requests) asks them once the broker is back.
        logger.exception(
            "Justering %s frozen but its e-mails not queued: the broker is unreachable", justering_id
        )


@transaction.atomic
def protokoll_unfreeze(*, meeting: Meeting, by=None, reason: str = "") -> Meeting:
    """Ready for justering → drafted again, until the last signature. The signatures given
    so far are discarded (the history keeps who reopened it, when and why)."""
    meeting = _lock_meeting(meeting)
    _require(meeting, Status.READY_FOR_JUSTERING, _("Reopening the protokoll"))
    if not reason.strip():
        raise ValidationError(_("Give the reason for reopening the protokoll."), code="reason_required")
    justering = meeting.justering
    signed = list(justering.signatures.filter(signed_at__isnull=False).select_related("person"))
    note = reason.strip()
    if signed:
        note += " " + _("(signatures discarded: %(names)s)") % {
            "names": ", ".join(s.person.full_name for s in signed)
        }
    meeting_transition(meeting=meeting, to_status=Status.PROTOKOLL_DRAFTED, by=by, note=note[:300])
    # Asked again (a new e-mail) when it is sent for justering the next time.
    justering.signatures.update(signed_at=None, signed_by=None, certificate_subject="", notified_at=None)
    justering.frozen_at = None
    justering.save(update_fields=["frozen_at"])
    return meeting


@transaction.atomic
def protokoll_sign(*, signature: Signature, user, password: str) -> Signature:
    """One required signer justerar, after entering their password again: the server signs
    the protokoll of record with that person's certificate. When every required signer has
    signed, the protokoll is justerat and its anslag is posted (a Celery task)."""
    signature = (
        Signature.objects.select_for_update()
        .select_related("person", "justering__meeting__committee__organisation")
        .get(pk=signature.pk)
    )
    meeting = _lock_meeting(signature.justering.meeting)
    _require(meeting, Status.READY_FOR_JUSTERING, _("Signing the protokoll"))
    if signature.person.user_id != user.pk:
        raise ValidationError(
            _("Only %(person)s can sign as %(role)s."),
            code="not_signer",
            params={"person": signature.person, "role": signature.get_role_display()},
        )
    if not user.check_password(password or ""):
        raise ValidationError(_("The password is not correct."), code="wrong_password")
    if signature.signed_at:
        raise ValidationError(_("You have already signed this protokoll."), code="already_signed")
    justering = Justering.objects.select_for_update().get(pk=signature.justering_id)
    if signing.signing_ca_exists():
        signing.person_certificate_issue(person=signature.person)
    justering_apply_signature(
        justering=justering,
        signature=signature,
        reason=_("Justering of the protokoll as %(role)s") % {"role": signature.get_role_display()},
    )
    signature.signed_at = timezone.now()
    signature.signed_by = user
    signature.certificate_subject = signature.person.full_name
    signature.save(update_fields=["signed_at", "signed_by", "certificate_subject"])
    if not justering.signatures.filter(signed_at__isnull=True).exists():
        justering.completed_at = signature.signed_at
        justering.save(update_fields=["completed_at"])
        meeting_transition(meeting=meeting, to_status=Status.JUSTERAT, by=user)
        transaction.on_commit(lambda: _enqueue_post_anslag(meeting.pk))
    return signature


@transaction.atomic
def protokoll_bestyrk(*, signature: Signature, user, password: str) -> list[RenderedDocument]:
    """The secretary's personal bestyrkande: the justering's sekreterare certifies the
    protokollsutdrag of every § of the justerat protokoll at once, after entering her password
    again; each is signed with her own certificate. Only she can do it: the signature must be
    the sekreterare's and its person linked to `user`. The public pages then offer these
    extracts instead of the ones sealed with the organisation's e-sigill."""
    signature = Signature.objects.select_related("person", "justering__meeting").get(pk=signature.pk)
    meeting = _lock_meeting(signature.justering.meeting)
    if signature.role != Signature.Role.SECRETARY or signature.person.user_id != user.pk:
        raise ValidationError(
            _("Only the secretary of the justering can certify its protokollsutdrag herself."),
            code="not_secretary",
        )
    if meeting.status not in JUSTERAT_OR_LATER:
        raise ValidationError(
            _("A protokollsutdrag can be certified only when the protokoll is justerat."),
            code="not_justerat",
        )
    if not user.check_password(password or ""):
        raise ValidationError(_("The password is not correct."), code="wrong_password")
    if signing.signing_ca_exists():
        signing.person_certificate_issue(person=signature.person)
    return [
        protokollsutdrag_personal_bestyrkande(paragraph=paragraph, person=signature.person)
        for paragraph in meeting.paragraphs.order_by("order", "number")
    ]


def _enqueue_post_anslag(meeting_id: int) -> None:
    """Queue the posting of the anslag. With the broker down the signature still stands; the
    beat task portal.anslag_tasks.alert_unposted_protokoll tells the secretary, who can post
    it from the admin."""
    from kombu.exceptions import OperationalError

    from .tasks import post_anslag

    try:
        post_anslag.delay(meeting_id)
    except (OperationalError, RuntimeError):
        logger.exception("Meeting %s justerat, anslag not queued: the broker is unreachable", meeting_id)


@transaction.atomic
def paragraph_immediate_justering_sign(*, paragraph: Paragraph, user, password: str) -> RenderedDocument:
    """Omedelbar justering: the ordförande or a justerare signs the protokollsutdrag of one §
    at the meeting, after entering their password again. The first signature certifies the
    extract; once the ordförande and a justerare have signed, the secretary's Bestyrkande is
    sealed too. Returns the extract (a RenderedDocument of kind EXTRACT)."""
    paragraph = Paragraph.objects.select_related("meeting").get(pk=paragraph.pk)
    meeting = _lock_meeting(paragraph.meeting)
    if not paragraph.immediate_justering:
        raise ValidationError(
            _("%(paragraph)s is not marked for omedelbar justering."),
            code="not_immediate",
            params={"paragraph": paragraph.label},
        )
    if meeting.status not in (Status.HELD, Status.PROTOKOLL_DRAFTED, Status.READY_FOR_JUSTERING):
        raise TransitionError(
            _(
                "%(paragraph)s can be justerad at once only before the protokoll is justerat; "
                'the meeting is "%(status)s".'
            ),
            code="wrong_status",
            params={"paragraph": paragraph.label, "status": Status(meeting.status).label},
        )
    justering = Justering.objects.select_for_update().filter(meeting=meeting).first()
    state = immediate_justering_state(paragraph=paragraph)
    signature = state.signature_of(user)
    if signature is None:
        raise ValidationError(
            _("Only the ordförande and the justerare sign a paragraph with omedelbar justering."),
            code="not_signer",
        )
    if not user.check_password(password or ""):
        raise ValidationError(_("The password is not correct."), code="wrong_password")
    if signature.pk in state.signed:
        raise ValidationError(_("You have already signed this paragraph."), code="already_signed")
    if state.complete:
        raise ValidationError(
            _("%(paragraph)s is already justerad by the ordförande and a justerare."),
            code="already_justerad",
            params={"paragraph": paragraph.label},
        )
    document = state.document or immediate_utdrag_get_or_create(paragraph=paragraph)
    immediate_utdrag_apply_signature(
        document=document,
        signature=signature,
        first=not state.signed,
        reason=_("Omedelbar justering of %(paragraph)s as %(role)s")
        % {"paragraph": paragraph.label, "role": signature.get_role_display()},
    )
    state.signed.add(signature.pk)
    if state.complete:
        immediate_utdrag_certify(document=document, justering=justering)
    return document


# --- Anslag ----------------------------------------------------------------------------------


def appeal_period_end(posted_on: date) -> date:
    """The last day to appeal: three weeks from posting (KL 13 kap. 5 §), moved to the next
    working day when it falls on a Saturday, Sunday or public holiday (lag 1930:173)."""
    from .calendar import next_working_day

    return next_working_day(posted_on + timedelta(weeks=3))


@transaction.atomic
def anslag_post(*, meeting: Meeting, by=None, posted_on: date | None = None) -> Anslag:
    """Justerat → anslag posted on the anslagstavla, up for the appeal period."""
    meeting = _lock_meeting(meeting)
    _require(meeting, Status.JUSTERAT, _("Posting the anslag"))
    posted_on = posted_on or timezone.localdate()
    appeal_end = appeal_period_end(posted_on)
    numbers = list(meeting.paragraphs.order_by("number").values_list("number", flat=True))
    span = f"§§ {numbers[0]}–{numbers[-1]}" if len(numbers) > 1 else f"§ {numbers[0]}"
    anslag = Anslag.objects.create(
        kind=Anslag.Kind.PROTOKOLL,
        committee=meeting.committee,
        meeting=meeting,
        title=_("Protokoll %(committee)s %(date)s, %(span)s")
        % {
            "committee": meeting.committee.name,
            "date": timezone.localtime(meeting.start).date().isoformat(),
            "span": span,
        },
        posted_on=posted_on,
        appeal_ends_on=appeal_end,
        take_down_on=appeal_end + timedelta(days=1),
        storage_location=meeting.committee.organisation.protokoll_storage,
    )
    meeting_transition(meeting=meeting, to_status=Status.POSTED, by=by)
    return anslag


@transaction.atomic
def anslag_take_down(*, anslag: Anslag, by=None) -> Anslag:
    """Take an anslag down once its appeal period is over; its meeting moves on."""
    anslag = Anslag.objects.select_for_update().get(pk=anslag.pk)
    if anslag.taken_down_at:
        return anslag
    today = timezone.localdate()
    if today < anslag.take_down_on:
        raise ValidationError(
            _("The anslag must stay up until %(date)s (the appeal period)."),
            code="appeal_running",
            params={"date": anslag.take_down_on.isoformat()},
        )
    anslag.taken_down_at = timezone.now()
    anslag.save(update_fields=["taken_down_at"])
    if anslag.meeting_id and anslag.kind == Anslag.Kind.PROTOKOLL:
        meeting_transition(meeting=anslag.meeting, to_status=Status.TAKEN_DOWN, by=by)
    return anslag


# The anslagstavla's other notices: a list of delegationsbeslut, a sammanträde, anything else.
NOTICE_KINDS = (Anslag.Kind.DELEGATION, Anslag.Kind.MEETING, Anslag.Kind.OTHER)


def anslag_notice_check(
    *,
    committee: Committee,
    kind: str,
    title: str,
    posted_on: date,
    meeting: Meeting | None = None,
    take_down_on: date | None = None,
) -> tuple[date | None, date]:
    """Check a notice before it is posted; return its (last day to appeal, day to take down).

    Delegationsbeslut posted on their own are appealed within three weeks of their own
    announcement (KL 13 kap. 5 §), so they stay up like a protokoll. A sammanträde notice
    stays up until the meeting has been held. Any other notice stays up until the day the
    secretary chooses."""
    if not (title or "").strip():
        raise ValidationError(_("Give the notice a title."), code="title_missing")
    if meeting is not None and meeting.committee_id != committee.pk:
        raise ValidationError(_("The meeting belongs to another committee."), code="other_committee")
    if kind == Anslag.Kind.DELEGATION:
        appeal_end = appeal_period_end(posted_on)
        return appeal_end, appeal_end + timedelta(days=1)
    if kind == Anslag.Kind.MEETING:
        if meeting is None:
            raise ValidationError(_("Choose the meeting the notice is about."), code="meeting_required")
        take_down_on = timezone.localtime(meeting.start).date() + timedelta(days=1)
        if take_down_on <= posted_on:
            raise ValidationError(
                _("The meeting has already been held; its notice cannot be posted now."), code="meeting_held"
            )
        return None, take_down_on
    if kind == Anslag.Kind.OTHER:
        if take_down_on is None:
            raise ValidationError(
                _("Choose the day the notice is to be taken down."), code="take_down_required"
            )
        if take_down_on <= posted_on:
            raise ValidationError(
                _("The notice must be taken down after the day it is posted."), code="take_down_too_early"
            )
        return None, take_down_on
    raise ValidationError(
        _("A justerat protokoll is posted from its meeting, not as a notice."), code="not_a_notice"
    )


@transaction.atomic
def anslag_post_notice(
    *,
    committee: Committee,
    kind: str,
    title: str,
    body: str = "",
    meeting: Meeting | None = None,
    posted_on: date | None = None,
    take_down_on: date | None = None,
) -> Anslag:
    """Post a notice that is not a protokoll on the anslagstavla, from today unless told;
    the day it is taken down follows from its kind (`anslag_notice_check`)."""
    posted_on = posted_on or timezone.localdate()
    appeal_ends_on, take_down_on = anslag_notice_check(
        committee=committee,
        kind=kind,
        title=title,
        posted_on=posted_on,
        meeting=meeting,
        take_down_on=take_down_on,
    )
    anslag = Anslag(
        kind=kind,
        committee=committee,
        meeting=meeting,
        title=title.strip(),
        body=(body or "").strip(),
        posted_on=posted_on,
        appeal_ends_on=appeal_ends_on,
        take_down_on=take_down_on,
        storage_location=committee.organisation.protokoll_storage if kind == Anslag.Kind.DELEGATION else "",
    )
    anslag.full_clean()
    anslag.save()
    return anslag


def delegated_decisions_notice_text(decisions) -> str:
    """One line per delegationsbeslut: number, date, delegation point, decision, decision maker."""
    return "\n".join(
        f"{d.number_label} {d.decided_on.isoformat()} {d.point.code}: {d.description} ({d.decision_maker})"
        for d in decisions
    )


def anslag_post_delegation_list(*, meeting: Meeting, posted_on: date | None = None) -> Anslag:
    """Post the list of the delegationsbeslut reported (anmälda) at a justerat meeting."""
    from cases.models import DelegatedDecision

    if meeting.status not in (Status.JUSTERAT, Status.POSTED, Status.TAKEN_DOWN, Status.ARCHIVED):
        raise TransitionError(
            _("The delegationsbeslut list is posted once the protokoll of the meeting is justerat."),
            code="not_justerat",
        )
    decisions = list(
        DelegatedDecision.objects.filter(reported_at_meeting=meeting)
        .select_related("point", "decision_maker")
        .order_by("decided_on", "pk")
    )
    if not decisions:
        raise ValidationError(_("No delegationsbeslut were reported at the meeting."), code="no_decisions")
    if Anslag.objects.filter(meeting=meeting, kind=Anslag.Kind.DELEGATION).exists():
        raise ValidationError(
            _("The delegationsbeslut list of this meeting is already posted."), code="already_posted"
        )
    return anslag_post_notice(
        committee=meeting.committee,
        kind=Anslag.Kind.DELEGATION,
        meeting=meeting,
        title=_("Delegationsbeslut reported to %(committee)s %(date)s")
        % {"committee": meeting.committee.name, "date": timezone.localtime(meeting.start).date().isoformat()},
        body=delegated_decisions_notice_text(decisions),
        posted_on=posted_on,
    )


# --- Keeping the anslagstavla (the beat tasks in portal/anslag_tasks.py) ---


def anslag_due_for_take_down(*, today: date | None = None):
    """Anslag still up whose take-down day has come."""
    today = today or timezone.localdate()
    return Anslag.objects.filter(taken_down_at__isnull=True, take_down_on__lte=today)


def anslag_take_down_due() -> list[int]:
    """Take down every anslag whose time is over; returns their ids. Safe to run again: an
    anslag already taken down is not due. One that cannot be taken down (its meeting is not
    in the state the life of a meeting expects) is logged and left for the secretary."""
    done = []
    for anslag in anslag_due_for_take_down().order_by("take_down_on", "pk"):
        try:
            anslag_take_down(anslag=anslag)
        except ValidationError:
            logger.exception("Anslag %s is due but could not be taken down", anslag.pk)
        else:
            done.append(anslag.pk)
    return done


POSTING_ALERT_AFTER = timedelta(days=1)
# Older justeringar are not alerted about: protokoll imported from before Paragraf (justerat,
# never posted here) would otherwise each send an e-mail the first time the beat runs.
POSTING_ALERT_WINDOW = timedelta(days=14)


def justeringar_unposted(*, now=None):
    """Justeringar completed over a day (and under two weeks) ago whose anslag is not posted,
    not yet alerted."""
    now = now or timezone.now()
    return Justering.objects.filter(
        meeting__status=Status.JUSTERAT,
        completed_at__lte=now - POSTING_ALERT_AFTER,
        completed_at__gte=now - POSTING_ALERT_WINDOW,
        posting_alert_sent_at__isnull=True,
    )


def justering_alert_unposted(*, justering_id: int) -> bool:
    """E-mail the meeting's secretary and the committee's secretaries that a justerat protokoll
    has no anslag yet (KL 8 kap. 12 §: at the latest the second day after justering). Sent
    once: `posting_alert_sent_at` is set in the same transaction. Returns whether it was sent."""
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.urls import reverse
    from django.utils import translation

    with transaction.atomic():
        justering = (
            Justering.objects.select_for_update(of=("self",))
            .select_related("meeting__committee", "meeting__secretary")
            .get(pk=justering_id)
        )
        meeting = justering.meeting
        if justering.posting_alert_sent_at or meeting.status != Status.JUSTERAT:
            return False
        people = [meeting.secretary, *committee_secretaries(meeting.committee)]
        recipients = sorted({person.email for person in people if person is not None and person.email})
        if not recipients:
            logger.warning("Protokoll %s is not posted and has no secretary to alert", meeting)
            return False
        with translation.override(settings.LANGUAGE_CODE):
            justerat_on = timezone.localtime(justering.completed_at).date()
            url = settings.PARAGRAF_BASE_URL + reverse("admin:meetings_meeting_change", args=[meeting.pk])
            names = {
                "committee": meeting.committee.name,
                "date": timezone.localtime(meeting.start).date().isoformat(),
                "justerat": justerat_on.isoformat(),
                "latest": (justerat_on + timedelta(days=2)).isoformat(),
                "action": _("Post the anslag on the anslagstavla"),
            }
            subject = _("Anslag not posted: protokoll %(committee)s %(date)s") % names
            text = _(
                "The protokoll of %(committee)s %(date)s was justerat on %(justerat)s, but its anslag "
                "is not on the anslagstavla. The anslag must be posted no later than %(latest)s "
                '(KL 8 kap. 12 §). Post it from the meeting in Paragraf (action "%(action)s"):'
            )
            body = f"{text % names}\n\n{url}\n"
        EmailMessage(subject=subject, body=body, to=recipients).send()
        justering.posting_alert_sent_at = timezone.now()
        justering.save(update_fields=["posting_alert_sent_at"])
        return True


@transaction.atomic
def meeting_archive(*, meeting: Meeting, by=None) -> Meeting:
    """Anslag taken down → archived."""
    return meeting_transition(meeting=meeting, to_status=Status.ARCHIVED, by=by)


def committee_secretaries(committee: Committee):
    """People currently assigned as the committee's secretary."""
    return Person.objects.filter(
        assignments__in=committee.assignments.current().filter(role=Assignment.Role.SECRETARY)
    )


# --- Concurrent edits (optimistic locking) ----------------------------------------------------


class ParagraphConflict(ValidationError):
    """A § was saved by someone else after the editor loaded it (its version moved on)."""


@transaction.atomic
def paragraph_update(*, paragraph: Paragraph, version: int) -> Paragraph:
    """Save the edits held by `paragraph`, made to the § as it was at `version`.

    The version is bumped by a conditional UPDATE (WHERE pk AND version), so of two
    secretaries who loaded the same version only the first save wins; the second gets
    `ParagraphConflict` and nothing of theirs is written. A concurrent save waits on the
    row lock of the first and then finds the version changed.
    """
    paragraph._refuse_if_protokoll_locked()  # before the UPDATE: a clear refusal, nothing written
    paragraph.full_clean()
    bumped = Paragraph.objects.filter(pk=paragraph.pk, version=version).update(version=version + 1)
    if not bumped:
        raise ParagraphConflict(_("Someone else saved this § while you edited it."), code="edit_conflict")
    paragraph.version = version + 1
    paragraph.save()  # sanitises the rich text
    return paragraph
