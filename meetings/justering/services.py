"""The steps of justering: the signers, freezing the protokoll for justering and reopening it,
each signature, the secretary's bestyrkande and omedelbar justering of a single §.

The document work these steps do (snapshot, frozen PDF, signatures, e-mails, utdrag) is in
meetings/justering/document.py and meetings/justering/utdrag.py.
"""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from committees import oidc
from committees.models import Person
from meetings import signing
from meetings.errors import JusteringRefusal, SigningRefusal
from meetings.justering.document import (
    justering_apply_signature,
    justering_store_frozen_pdf,
    protokoll_snapshot,
    snapshot_hash,
)
from meetings.justering.utdrag import (
    immediate_justering_state,
    immediate_utdrag_apply_signature,
    immediate_utdrag_certify,
    immediate_utdrag_get_or_create,
    protokollsutdrag_personal_bestyrkande,
)
from meetings.models import (
    Justering,
    Meeting,
    Paragraph,
    RenderedDocument,
    Signature,
)
from meetings.services.lifecycle import TransitionError, _lock_meeting, _require, meeting_transition
from meetings.services.numbering import paragraph_year, paragraphs_renumber, series_committee
from meetings.services.paragraphs import _require_draftable
from meetings.tasks import post_anslag, send_justering_requests

logger = logging.getLogger(__name__)

Status = Meeting.Status


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
        raise ValidationError(
            _("Choose the ordförande who justerar the protokoll."), code=JusteringRefusal.NO_CHAIR
        )
    adjusters = list(dict.fromkeys(p for p in adjusters if p is not None))
    if not adjusters:
        raise ValidationError(_("At least one justerare must be chosen."), code=JusteringRefusal.NO_ADJUSTER)
    if len(adjusters) > MAX_ADJUSTERS:
        raise ValidationError(
            _("Choose one or two justerare, not %(count)d."),
            code=JusteringRefusal.TOO_MANY_ADJUSTERS,
            params={"count": len(adjusters)},
        )
    people = [chair, *adjusters] + ([secretary] if secretary else [])
    twice = [p for index, p in enumerate(people) if p in people[:index]]
    if twice:
        raise ValidationError(
            _("%(name)s cannot sign the protokoll in two roles; choose someone else."),
            code=JusteringRefusal.SIGNER_TWICE,
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
        raise TransitionError(_("The protokoll has no paragraphs."), code=JusteringRefusal.NO_PARAGRAPHS)
    justering = Justering.objects.filter(meeting=meeting).first()
    roles = set(justering.signatures.values_list("role", flat=True)) if justering else set()
    if Signature.Role.CHAIR not in roles or Signature.Role.ADJUSTER not in roles:
        raise TransitionError(
            _("Choose the ordförande and at least one justerare before sending for justering."),
            code=JusteringRefusal.NO_SIGNERS,
        )
    # A later protokoll may go first (a justerare falls ill): an earlier draft of the series
    # then keeps the numbers it has (numbering.meeting_pinned); frozen numbers never change.
    year = paragraph_year(meeting)
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
        raise ValidationError(
            _("Give the reason for reopening the protokoll."), code=JusteringRefusal.REASON_REQUIRED
        )
    justering = meeting.justering
    signed = list(justering.signatures.filter(signed_at__isnull=False).select_related("person"))
    note = reason.strip()
    if signed:
        note += " " + _("(signatures discarded: %(names)s)") % {
            "names": ", ".join(s.person.full_name for s in signed)
        }
    meeting_transition(meeting=meeting, to_status=Status.PROTOKOLL_DRAFTED, by=by, note=note[:300])
    # A draft again: its numbers are pinned if a later protokoll is frozen, else free.
    paragraphs_renumber(committee=series_committee(meeting), year=paragraph_year(meeting))
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
    signature, meeting = _signature_for_signing(signature)
    if signature.person.user_id != user.pk:
        raise ValidationError(
            _("Only %(person)s can sign as %(role)s."),
            code=SigningRefusal.NOT_SIGNER,
            params={"person": signature.person, "role": signature.get_role_display()},
        )
    if not user.check_password(password or ""):
        raise ValidationError(_("The password is not correct."), code=SigningRefusal.WRONG_PASSWORD)
    assurance = signing.Assurance.local_password(user=user, name=signature.person.full_name)
    return _protokoll_apply(signature=signature, meeting=meeting, assurance=assurance, by=user)


@transaction.atomic
def protokoll_sign_with_identity(
    *, signature: Signature, assurance: signing.Assurance, claims: dict, user=None, invitation=None
) -> Signature:
    """One required signer justerar after a fresh authentication at the identity provider
    (committees/oidc.py verified the ID token: signature, nonce, state, auth_time, acr). The
    server signs only when the token (`claims`) names the person of the signature by the
    matching claim, and records the authentication (`assurance`) on the signature. The signer
    is either a login linked to that person (`user`) or, with no login, the holder of an unused
    signing invitation of this signature (`invitation`, meetings/justering/external.py).
    Everything else is as protokoll_sign."""
    signature, meeting = _signature_for_signing(signature)
    if user is not None:
        if signature.person.user_id != user.pk:
            raise ValidationError(
                _("Only %(person)s can sign as %(role)s."),
                code=SigningRefusal.NOT_SIGNER,
                params={"person": signature.person, "role": signature.get_role_display()},
            )
    elif invitation is None or invitation.signature_id != signature.pk or invitation.used_at:
        raise ValidationError(
            _("Only %(person)s can sign as %(role)s."),
            code=SigningRefusal.NOT_SIGNER,
            params={"person": signature.person, "role": signature.get_role_display()},
        )
    if assurance.method != "oidc" or not oidc.acr_at_least(
        assurance.level, settings.PARAGRAF_OIDC_SIGNING_ACR
    ):
        raise ValidationError(
            _("The identification was not at the assurance level signing requires."),
            code=SigningRefusal.LEVEL_TOO_LOW,
        )
    if not oidc.person_matches(signature.person, claims) or claims.get("sub") != assurance.subject:
        raise ValidationError(
            _(
                "You identified yourself as someone else than %(person)s, who signs as %(role)s. "
                "Nothing was signed."
            ),
            code=SigningRefusal.IDENTITY_MISMATCH,
            params={"person": signature.person.full_name, "role": signature.get_role_display()},
        )
    return _protokoll_apply(signature=signature, meeting=meeting, assurance=assurance, by=user)


def identity_assurance(identity: oidc.Identity) -> signing.Assurance:
    """The assurance of a signature made after the verified authentication `identity`."""
    return signing.Assurance(
        method="oidc",
        provider=identity.provider,
        level=identity.level,
        authenticated_at=identity.authenticated_at,
        subject=identity.subject,
        name=identity.name,
    )


def _signature_for_signing(signature: Signature) -> tuple[Signature, Meeting]:
    signature = (
        Signature.objects.select_for_update()
        .select_related("person", "justering__meeting__committee__organisation")
        .get(pk=signature.pk)
    )
    meeting = _lock_meeting(signature.justering.meeting)
    _require(meeting, Status.READY_FOR_JUSTERING, _("Signing the protokoll"))
    return signature, meeting


def _protokoll_apply(*, signature: Signature, meeting, assurance: signing.Assurance, by) -> Signature:
    if signature.signed_at:
        raise ValidationError(
            _("You have already signed this protokoll."), code=SigningRefusal.ALREADY_SIGNED
        )
    justering = Justering.objects.select_for_update().get(pk=signature.justering_id)
    # The backend issues a certificate for this signature alone, from the assurance.
    justering_apply_signature(
        justering=justering,
        signature=signature,
        reason=_("Justering of the protokoll as %(role)s") % {"role": signature.get_role_display()},
        assurance=assurance,
    )
    signature.signed_at = timezone.now()
    signature.signed_by = by
    signature.certificate_subject = signature.person.full_name
    recorded = assurance.record_on(signature)
    signature.save(update_fields=["signed_at", "signed_by", "certificate_subject", *recorded])
    if not justering.signatures.filter(signed_at__isnull=True).exists():
        justering.completed_at = signature.signed_at
        justering.save(update_fields=["completed_at"])
        meeting_transition(meeting=meeting, to_status=Status.JUSTERAT, by=by)
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
            code=SigningRefusal.NOT_SECRETARY,
        )
    if meeting.status not in Status.JUSTERAT_OR_LATER:
        raise ValidationError(
            _("A protokollsutdrag can be certified only when the protokoll is justerat."),
            code=SigningRefusal.NOT_JUSTERAT,
        )
    if not user.check_password(password or ""):
        raise ValidationError(_("The password is not correct."), code=SigningRefusal.WRONG_PASSWORD)
    assurance = signing.Assurance.local_password(user=user, name=signature.person.full_name)
    return [
        protokollsutdrag_personal_bestyrkande(
            paragraph=paragraph, person=signature.person, assurance=assurance
        )
        for paragraph in meeting.paragraphs.order_by("order", "number")
    ]


def _enqueue_post_anslag(meeting_id: int) -> None:
    """Queue the posting of the anslag. With the broker down the signature still stands; the
    beat task alert_unposted_protokoll (meetings/anslag/tasks.py) tells the secretary, who can post
    it from the admin."""
    from kombu.exceptions import OperationalError

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
            code=SigningRefusal.NOT_IMMEDIATE,
            params={"paragraph": paragraph.label},
        )
    if meeting.status not in Status.HELD_NOT_JUSTERAT:
        raise TransitionError(
            _(
                "%(paragraph)s can be justerad at once only before the protokoll is justerat; "
                'the meeting is "%(status)s".'
            ),
            code=SigningRefusal.WRONG_STATUS,
            params={"paragraph": paragraph.label, "status": Status(meeting.status).label},
        )
    justering = Justering.objects.select_for_update().filter(meeting=meeting).first()
    state = immediate_justering_state(paragraph=paragraph)
    signature = state.signature_of(user)
    if signature is None:
        raise ValidationError(
            _("Only the ordförande and the justerare sign a paragraph with omedelbar justering."),
            code=SigningRefusal.NOT_SIGNER,
        )
    if not user.check_password(password or ""):
        raise ValidationError(_("The password is not correct."), code=SigningRefusal.WRONG_PASSWORD)
    if signature.pk in state.signed:
        raise ValidationError(
            _("You have already signed this paragraph."), code=SigningRefusal.ALREADY_SIGNED
        )
    if state.complete:
        raise ValidationError(
            _("%(paragraph)s is already justerad by the ordförande and a justerare."),
            code=SigningRefusal.ALREADY_JUSTERAD,
            params={"paragraph": paragraph.label},
        )
    document = state.document or immediate_utdrag_get_or_create(paragraph=paragraph)
    immediate_utdrag_apply_signature(
        document=document,
        signature=signature,
        first=not state.signed,
        reason=_("Omedelbar justering of %(paragraph)s as %(role)s")
        % {"paragraph": paragraph.label, "role": signature.get_role_display()},
        assurance=signing.Assurance.local_password(user=user, name=signature.person.full_name),
    )
    state.signed.add(signature.pk)
    if state.complete:
        immediate_utdrag_certify(document=document, justering=justering)
    return document
