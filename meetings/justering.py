"""What justering freezes and signs, and what it tells the signers.

- the content snapshot and the frozen PDF with its empty signature fields, and each signer's
  signature as an incremental update of that PDF;
- the e-mail asking each required signer to justera (`justering_notify_signers`, once per
  signer) and what a signer has left to sign (`signatures_awaiting`);
- protokollsutdrag once the protokoll is justerat: made on demand and sealed with the
  organisation's e-sigill (`protokollsutdrag_get_or_create`), or certified personally by the
  justering's secretary when she does so herself (`protokollsutdrag_personal_bestyrkande`,
  through the service `protokoll_bestyrk`); and the extract the ordförande and a justerare
  sign at the meeting for omedelbar justering (`immediate_justering_state` and friends).

The state changes themselves (freeze, sign, reopen, sign a § at once) are the services
`protokoll_freeze`, `protokoll_sign`, `protokoll_unfreeze` and
`paragraph_immediate_justering_sign` in meetings/services.py; this module holds the document
and notification work they do.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.reader import PdfFileReader

from . import signing
from .models import Justering, Meeting, Paragraph, RenderedDocument, Signature

logger = logging.getLogger(__name__)


def paragraph_snapshot(p: Paragraph) -> dict:
    """Everything one § says, as plain data (part of the protokoll snapshot, and the content a
    protokollsutdrag is built from)."""
    return {
        "number": p.number,
        "year": p.year,
        "title": p.title,
        "case": p.case.diarienummer if p.case else "",
        "decision": p.decision,
        "summary": p.summary,
        "basis": p.basis,
        "motions": p.motions,
        "procedure": p.procedure,
        "notes": p.notes,
        "send_to": p.send_to,
        "immediate_justering": p.immediate_justering,
        "confidential": p.confidential,
        "osl_reference": p.osl_reference,
        "jav": sorted([d.person_id, d.substitute_id, d.reason] for d in p.disqualifications.all()),
        "reservations": sorted([r.person_id, r.text] for r in p.reservations.all()),
        "votes": [
            {
                "kind": v.kind,
                "election": v.is_election,
                "yes": v.proposition_yes,
                "no": v.proposition_no,
                "counts": [v.yes_count, v.no_count, v.abstain_count],
                "result": v.result,
                "casting_vote": v.casting_vote_used,
                "ballots": sorted([b.person_id, b.choice] for b in v.ballots.all()),
            }
            for v in p.votes.order_by("order", "pk")
        ],
    }


def protokoll_snapshot(meeting: Meeting) -> dict:
    """Everything the protokoll says, as plain data: paragraphs, attendance, jäv, votes,
    reservations and signers. Its hash is the justering's content hash."""
    paragraphs = [paragraph_snapshot(p) for p in meeting.paragraphs.order_by("order").select_related("case")]
    attendance = sorted(
        [
            a.person_id,
            a.status,
            a.capacity,
            a.serving,
            a.replaces_id,
            a.from_paragraph_id,
            a.to_paragraph_id,
            a.arrived_at.isoformat() if a.arrived_at else None,
            a.left_at.isoformat() if a.left_at else None,
        ]
        for a in meeting.attendances.all()
    )
    signers = []
    if hasattr(meeting, "justering"):
        signers = [[s.person_id, s.role] for s in meeting.justering.signatures.order_by("order", "pk")]
    return {
        "meeting": meeting.pk,
        "committee": meeting.committee_id,
        "start": meeting.start.isoformat(),
        "end": meeting.end.isoformat() if meeting.end else None,
        "location": meeting.location,
        "paragraphs": paragraphs,
        "attendance": attendance,
        "signers": signers,
    }


def snapshot_hash(snapshot: dict) -> str:
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def justering_store_frozen_pdf(*, justering: Justering) -> None:
    """Render the frozen protokoll, pre-create one empty signature field per required signer
    and store it as both the frozen file and the (still unsigned) signed file."""
    from .protokoll import protokoll_render

    meeting = justering.meeting
    rendered = protokoll_render(meeting=meeting, public=False)
    signatures = list(justering.signatures.order_by("order", "pk"))
    fields_by_name = {f.name: f for f in rendered.signature_fields}
    chosen = []
    for signature in signatures:
        name = f"signature-{signature.pk}"
        if name not in fields_by_name:
            raise signing.SigningError(f"The protokoll has no signature box for {signature.person}.")
        chosen.append(fields_by_name[name])
        signature.field_name = name
    Signature.objects.bulk_update(signatures, ["field_name"])
    pdf = signing.pdf_add_signature_fields(rendered.pdf, chosen)
    name = f"protokoll-{meeting.committee.slug}-{meeting.start:%Y-%m-%d}.pdf"
    justering.frozen_file.save(name, ContentFile(pdf), save=False)
    justering.frozen_sha256 = hashlib.sha256(pdf).hexdigest()
    justering.signed_file.save(name, ContentFile(pdf), save=False)
    justering.signed_sha256 = justering.frozen_sha256
    justering.save(update_fields=["frozen_file", "frozen_sha256", "signed_file", "signed_sha256"])


def justering_apply_signature(*, justering: Justering, signature: Signature, reason: str) -> None:
    """Add one signer's signature to the protokoll of record (an incremental update).

    The first signature is the certification signature; it permits only the signing of
    the fields that were pre-created at freezing.
    """
    with justering.signed_file.open("rb") as handle:
        current = handle.read()
    if hashlib.sha256(current).hexdigest() != justering.signed_sha256:
        raise signing.SigningError("The stored protokoll does not match its recorded checksum.")
    first = not justering.signatures.filter(signed_at__isnull=False).exclude(pk=signature.pk).exists()
    location = justering.meeting.committee.organisation.name
    signed = signing.pdf_sign(
        current,
        person=signature.person,
        field_name=signature.field_name,
        reason=reason,
        location=location,
        certify=first,
    )
    name = justering.signed_file.name.rsplit("/", 1)[-1]
    justering.signed_file.save(name, ContentFile(signed), save=False)
    justering.signed_sha256 = hashlib.sha256(signed).hexdigest()
    justering.save(update_fields=["signed_file", "signed_sha256"])


# --- Asking the signers (e-mail) ---------------------------------------------------------------


def justering_signing_url(signature: Signature) -> str:
    """The absolute address of one signer's signing page (settings.PARAGRAF_BASE_URL)."""
    return settings.PARAGRAF_BASE_URL.rstrip("/") + reverse("meetings:justering", args=[signature.pk])


def _justering_request_email(signature: Signature) -> EmailMessage:
    meeting = signature.justering.meeting
    with translation.override(settings.LANGUAGE_CODE):
        date = timezone.localtime(meeting.start).date()
        context = {
            "person": signature.person,
            "role": signature.get_role_display(),
            "meeting": meeting,
            "committee": meeting.committee,
            "date": f"{date:%Y-%m-%d}",
            "deadline": f"{signature.justering.deadline:%Y-%m-%d}" if signature.justering.deadline else "",
            "url": justering_signing_url(signature),
            "secretary": meeting.secretary,
        }
        subject = _("To sign (justering): protokoll %(committee)s %(date)s") % {
            "committee": meeting.committee.name,
            "date": context["date"],
        }
        reply_to = meeting.secretary.email if meeting.secretary_id and meeting.secretary.email else ""
        return EmailMessage(
            subject=subject,
            body=render_to_string("meetings/email/justering_request.txt", context),
            to=[signature.person.email],
            reply_to=[reply_to] if reply_to else None,
        )


@dataclass
class NotifyResult:
    sent: int = 0
    failed: int = 0
    without_email: list[str] = field(default_factory=list)


def justering_notify_signers(*, justering_id: int) -> NotifyResult:
    """E-mail every required signer of a frozen protokoll who has not been asked yet.

    Safe to run any number of times: each signature is locked while its e-mail is sent and
    `notified_at` is set in the same transaction, so nobody gets the request twice. Does
    nothing once the protokoll is reopened or justerat. A signer without an e-mail address
    is skipped (the secretary is told when freezing) and asked once an address is added.
    """
    result = NotifyResult()
    justering = Justering.objects.select_related("meeting").filter(pk=justering_id).first()
    if justering is None or justering.meeting.status != Meeting.Status.READY_FOR_JUSTERING:
        return result
    pending = justering.signatures.filter(notified_at__isnull=True, signed_at__isnull=True)
    for signature_id in list(pending.values_list("pk", flat=True)):
        with transaction.atomic():
            signature = (
                Signature.objects.select_for_update(of=("self",))
                .select_related("person", "justering__meeting__committee", "justering__meeting__secretary")
                .get(pk=signature_id)
            )
            if signature.notified_at or signature.signed_at:
                continue
            if not signature.person.email:
                result.without_email.append(signature.person.full_name)
                continue
            try:
                _justering_request_email(signature).send()
            except Exception as error:  # noqa: BLE001 - any mail failure is logged and retried
                logger.warning("Justering request to signature %s failed: %s", signature.pk, error)
                result.failed += 1
                continue
            signature.notified_at = timezone.now()
            signature.save(update_fields=["notified_at"])
            result.sent += 1
    return result


def justeringar_pending_notification() -> list[int]:
    """Frozen protokoll with signers not yet asked (for the periodic sweep)."""
    return list(
        Justering.objects.filter(
            meeting__status=Meeting.Status.READY_FOR_JUSTERING,
            signatures__notified_at__isnull=True,
            signatures__signed_at__isnull=True,
            signatures__person__email__gt="",
        )
        .distinct()
        .values_list("pk", flat=True)
    )


# --- What a signer has to sign ------------------------------------------------------------------


def signatures_awaiting(*, user) -> list[Signature]:
    """The user's own signatures still to give on protokoll that are ready for justering,
    the earliest deadline first; each has `overdue` set."""
    if not user.is_authenticated:
        return []
    signatures = list(
        Signature.objects.filter(
            person__user=user,
            signed_at__isnull=True,
            justering__meeting__status=Meeting.Status.READY_FOR_JUSTERING,
        )
        .select_related("justering__meeting__committee")
        .order_by("justering__deadline", "justering__meeting__start")
    )
    today = timezone.localdate()
    for signature in signatures:
        signature.overdue = bool(signature.justering.deadline and signature.justering.deadline < today)
    return signatures


# --- Protokollsutdrag: sealed by the organisation, or certified by the secretary herself -------

JUSTERAT_OR_LATER = (
    Meeting.Status.JUSTERAT,
    Meeting.Status.POSTED,
    Meeting.Status.TAKEN_DOWN,
    Meeting.Status.ARCHIVED,
)
# While a paragraph with omedelbar justering may be signed at the meeting.
IMMEDIATE_SIGNING_STATUSES = (
    Meeting.Status.HELD,
    Meeting.Status.PROTOKOLL_DRAFTED,
    Meeting.Status.READY_FOR_JUSTERING,
)


def pdf_signed_field_names(pdf: bytes) -> list[str]:
    """The names of the signature fields of a PDF that hold a signature, in signing order."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    return [embedded.field_name for embedded in reader.embedded_signatures]


def _hash(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _paragraph_for_document(paragraph: Paragraph) -> Paragraph:
    return Paragraph.objects.select_related("meeting__committee__organisation", "case").get(pk=paragraph.pk)


def _utdrag_filename(paragraph: Paragraph, suffix: str = "") -> str:
    meeting = paragraph.meeting
    local = timezone.localtime(meeting.start)
    return f"protokollsutdrag-{meeting.committee.slug}-{local:%Y-%m-%d}-p{paragraph.number}{suffix}.pdf"


def _secretary_signature(justering: Justering) -> Signature | None:
    return (
        justering.signatures.filter(role=Signature.Role.SECRETARY)
        .select_related("person")
        .order_by("order", "pk")
        .first()
    )


def certified_copy_possible(*, justering: Justering | None) -> bool:
    """Whether Paragraf can certify a copy of this justerat protokoll now (a protokollsutdrag's
    Bestyrkande, the public version of a protokoll with a confidential §): the one condition the
    downloads check, and the public pages and OParl link such a copy only when it holds. Such
    copies are certified with the organisation's e-sigill, so that is: the signing CA exists."""
    return justering is not None and signing.signing_ca_exists()


def _sign_as(pdf: bytes, *, person, field_name: str, reason: str, location: str, certify: bool) -> bytes:
    if signing.signing_ca_exists():
        signing.person_certificate_issue(person=person)
    return signing.pdf_sign(
        pdf, person=person, field_name=field_name, reason=reason, location=location, certify=certify
    )


def _seal(pdf: bytes, *, organisation, field_name: str, reason: str, certify: bool) -> bytes:
    return signing.pdf_seal(
        pdf,
        organisation=organisation,
        field_name=field_name,
        reason=reason,
        location=organisation.name,
        certify=certify,
    )


def _store(document: RenderedDocument, pdf: bytes, name: str) -> None:
    document.file.save(name, ContentFile(pdf), save=False)
    document.sha256 = hashlib.sha256(pdf).hexdigest()


def protokollsutdrag_content_hash(*, paragraph: Paragraph, justering: Justering, by=None) -> str:
    """What a certified extract is built from: the § as justerat and the justering itself, and
    for a personal bestyrkande the person who certifies it (`by`)."""
    data = {
        "kind": "protokollsutdrag",
        "paragraph": paragraph.pk,
        "content": paragraph_snapshot(paragraph),
        "justering": justering.content_hash,
        "signed": justering.signed_sha256,
        "completed": justering.completed_at.isoformat() if justering.completed_at else None,
    }
    if by is not None:
        data["bestyrkt av"] = by.pk
    return _hash(data)


def _justerat_or_refuse(meeting: Meeting) -> None:
    if meeting.status not in JUSTERAT_OR_LATER:
        raise ValidationError(
            _("A protokollsutdrag can be certified only when the protokoll is justerat."),
            code="not_justerat",
        )


def _extract(paragraph: Paragraph, *, content_hash: str):
    return RenderedDocument.objects.filter(
        meeting=paragraph.meeting,
        paragraph=paragraph,
        kind=RenderedDocument.Kind.EXTRACT,
        content_hash=content_hash,
    ).first()


def _build_extract(paragraph: Paragraph, *, content_hash: str, certifier, sign) -> RenderedDocument:
    from .protokoll import BESTYRKANDE_FIELD, protokollsutdrag_render_pdf

    rendered = protokollsutdrag_render_pdf(paragraph=paragraph, certifier=certifier)
    fields = [f for f in rendered.signature_fields if f.name == BESTYRKANDE_FIELD]
    if not fields:
        raise signing.SigningError("The protokollsutdrag has no Bestyrkande box.")
    pdf = sign(signing.pdf_add_signature_fields(rendered.pdf, fields), BESTYRKANDE_FIELD)
    document = RenderedDocument(
        meeting=paragraph.meeting,
        paragraph=paragraph,
        kind=RenderedDocument.Kind.EXTRACT,
        content_hash=content_hash,
        page_count=rendered.page_count,
    )
    _store(document, pdf, _utdrag_filename(paragraph))
    document.save()
    return document


def protokollsutdrag_personal(*, paragraph: Paragraph) -> RenderedDocument | None:
    """The extract of a § that the justering's secretary certified herself, if she has."""
    paragraph = _paragraph_for_document(paragraph)
    justering = Justering.objects.filter(meeting=paragraph.meeting).first()
    secretary = _secretary_signature(justering) if justering else None
    if secretary is None or paragraph.meeting.status not in JUSTERAT_OR_LATER:
        return None
    content_hash = protokollsutdrag_content_hash(
        paragraph=paragraph, justering=justering, by=secretary.person
    )
    return _extract(paragraph, content_hash=content_hash)


def protokollsutdrag_get_or_create(*, paragraph: Paragraph) -> RenderedDocument:
    """The protokollsutdrag of one § of a justerat protokoll, certified ("Bestyrkande").

    The secretary's personal bestyrkande where she has made one (`protokoll_bestyrk`); else
    the extract made on demand, which the server seals in the field "bestyrkande" with the
    organisation's e-sigill (never in a person's name). Stored as a RenderedDocument (kind
    EXTRACT) keyed by its content hash, so each extract is built and signed once.
    """
    paragraph = _paragraph_for_document(paragraph)
    meeting = paragraph.meeting
    _justerat_or_refuse(meeting)
    personal = protokollsutdrag_personal(paragraph=paragraph)
    if personal is not None:
        return personal
    organisation = meeting.committee.organisation
    with transaction.atomic():
        justering = Justering.objects.select_for_update().get(meeting=meeting)
        content_hash = protokollsutdrag_content_hash(paragraph=paragraph, justering=justering)
        existing = _extract(paragraph, content_hash=content_hash)
        if existing is not None:
            return existing
        return _build_extract(
            paragraph,
            content_hash=content_hash,
            certifier=None,
            sign=lambda pdf, field_name: _seal(
                pdf,
                organisation=organisation,
                field_name=field_name,
                reason=_("Certification: the extract is a true copy of the protokoll"),
                certify=True,
            ),
        )


def protokollsutdrag_personal_bestyrkande(*, paragraph: Paragraph, person) -> RenderedDocument:
    """The secretary's own bestyrkande of one §'s extract, signed with her certificate (the
    caller has checked that she is the justering's secretary and re-entered her password)."""
    paragraph = _paragraph_for_document(paragraph)
    meeting = paragraph.meeting
    _justerat_or_refuse(meeting)
    justering = Justering.objects.select_for_update().get(meeting=meeting)
    content_hash = protokollsutdrag_content_hash(paragraph=paragraph, justering=justering, by=person)
    existing = _extract(paragraph, content_hash=content_hash)
    if existing is not None:
        return existing
    return _build_extract(
        paragraph,
        content_hash=content_hash,
        certifier=person,
        sign=lambda pdf, field_name: _sign_as(
            pdf,
            person=person,
            field_name=field_name,
            reason=_("Bestyrkande: I certify that the extract is a true copy of the protokoll"),
            location=meeting.committee.organisation.name,
            certify=True,
        ),
    )


# --- Omedelbar justering: the extract the ordförande and a justerare sign at the meeting -------


@dataclass
class ImmediateJustering:
    """Where the omedelbar justering of one § stands: the extract being signed (None until it
    is first needed) and who has signed it."""

    paragraph: Paragraph
    justering: Justering | None
    document: RenderedDocument | None
    signers: list[Signature]
    signed: set[int]  # Signature ids whose field holds a signature

    @property
    def complete(self) -> bool:
        """The ordförande and at least one justerare have signed."""
        roles = {s.role for s in self.signers if s.pk in self.signed}
        return Signature.Role.CHAIR in roles and Signature.Role.ADJUSTER in roles

    def signature_of(self, user) -> Signature | None:
        return next((s for s in self.signers if s.person.user_id == user.pk), None)


def _immediate_signers(justering: Justering | None) -> list[Signature]:
    if justering is None:
        return []
    return list(
        justering.signatures.filter(role__in=[Signature.Role.CHAIR, Signature.Role.ADJUSTER])
        .select_related("person")
        .order_by("order", "pk")
    )


def immediate_utdrag_content_hash(*, paragraph: Paragraph, signers: list[Signature]) -> str:
    """What the extract signed at the meeting is built from: the § as it stands and its signers.
    A change to either makes a new extract (signatures on the old one no longer count)."""
    return _hash(
        {
            "kind": "omedelbar justering",
            "paragraph": paragraph.pk,
            "content": paragraph_snapshot(paragraph),
            "signers": [[s.pk, s.person_id, s.role] for s in signers],
        }
    )


def immediate_justering_state(*, paragraph: Paragraph) -> ImmediateJustering:
    """The omedelbar justering of a § as it stands (reads the stored extract's signatures)."""
    paragraph = _paragraph_for_document(paragraph)
    justering = Justering.objects.filter(meeting_id=paragraph.meeting_id).first()
    signers = _immediate_signers(justering)
    document = None
    signed: set[int] = set()
    if signers:
        document = RenderedDocument.objects.filter(
            meeting_id=paragraph.meeting_id,
            paragraph=paragraph,
            kind=RenderedDocument.Kind.EXTRACT,
            content_hash=immediate_utdrag_content_hash(paragraph=paragraph, signers=signers),
        ).first()
    if document is not None:
        with document.file.open("rb") as handle:
            names = set(pdf_signed_field_names(handle.read()))
        signed = {s.pk for s in signers if f"signature-{s.pk}" in names}
    return ImmediateJustering(paragraph, justering, document, signers, signed)


def immediate_utdrag_get_or_create(*, paragraph: Paragraph) -> RenderedDocument:
    """The extract of a § with omedelbar justering, with every signer's empty field (and the
    Bestyrkande) pre-created, stored unsigned until the first signer signs it."""
    state = immediate_justering_state(paragraph=paragraph)
    if state.document is not None:
        return state.document
    paragraph = state.paragraph
    if not paragraph.immediate_justering:
        raise ValidationError(
            _("%(paragraph)s is not marked for omedelbar justering."),
            code="not_immediate",
            params={"paragraph": paragraph.label},
        )
    roles = {s.role for s in state.signers}
    if Signature.Role.CHAIR not in roles or Signature.Role.ADJUSTER not in roles:
        raise ValidationError(
            _("Choose the ordförande and the justerare before the paragraph is justerat."),
            code="no_signers",
        )
    from .protokoll import BESTYRKANDE_FIELD, protokollsutdrag_render_pdf

    rendered = protokollsutdrag_render_pdf(paragraph=paragraph)
    wanted = {f"signature-{s.pk}" for s in state.signers} | {BESTYRKANDE_FIELD}
    fields = [f for f in rendered.signature_fields if f.name in wanted]
    missing = wanted - {f.name for f in fields}
    if missing:
        raise signing.SigningError(f"The protokollsutdrag has no signature box for {sorted(missing)}.")
    document = RenderedDocument(
        meeting=paragraph.meeting,
        paragraph=paragraph,
        kind=RenderedDocument.Kind.EXTRACT,
        content_hash=immediate_utdrag_content_hash(paragraph=paragraph, signers=state.signers),
        page_count=rendered.page_count,
    )
    _store(document, signing.pdf_add_signature_fields(rendered.pdf, fields), _utdrag_filename(paragraph))
    document.save()
    return document


def immediate_utdrag_apply_signature(
    *, document: RenderedDocument, signature: Signature, first: bool, reason: str
) -> None:
    """Add one signer's signature to the extract (the first one certifies it)."""
    with document.file.open("rb") as handle:
        current = handle.read()
    if document.sha256 and hashlib.sha256(current).hexdigest() != document.sha256:
        raise signing.SigningError("The stored protokollsutdrag does not match its recorded checksum.")
    signed = _sign_as(
        current,
        person=signature.person,
        field_name=f"signature-{signature.pk}",
        reason=reason,
        location=signature.justering.meeting.committee.organisation.name,
        certify=first,
    )
    _store(document, signed, PurePath(document.file.name).name)
    document.save(update_fields=["file", "sha256"])


def immediate_utdrag_certify(*, document: RenderedDocument, justering: Justering) -> bool:
    """Seal the Bestyrkande of a completed immediate extract with the organisation's e-sigill
    (the server does it on its own, so in the organisation's name, never a person's)."""
    from .protokoll import BESTYRKANDE_FIELD

    with document.file.open("rb") as handle:
        current = handle.read()
    if BESTYRKANDE_FIELD in pdf_signed_field_names(current):
        return True
    signed = _seal(
        current,
        organisation=justering.meeting.committee.organisation,
        field_name=BESTYRKANDE_FIELD,
        reason=_("Certification: the extract is a true copy of the protokoll"),
        certify=False,
    )
    _store(document, signed, PurePath(document.file.name).name)
    document.save(update_fields=["file", "sha256"])
    return True


def immediate_justeringar_awaiting(*, user) -> list[ImmediateJustering]:
    """Paragraphs with omedelbar justering that the user (as ordförande or justerare) has not
    signed yet, of meetings whose protokoll is not yet justerat."""
    if not user.is_authenticated:
        return []
    paragraphs = Paragraph.objects.filter(
        immediate_justering=True,
        meeting__status__in=IMMEDIATE_SIGNING_STATUSES,
        meeting__justering__signatures__person__user=user,
        meeting__justering__signatures__role__in=[Signature.Role.CHAIR, Signature.Role.ADJUSTER],
    ).distinct()
    waiting = []
    for paragraph in paragraphs.order_by("meeting__start", "order"):
        state = immediate_justering_state(paragraph=paragraph)
        mine = state.signature_of(user)
        if mine is not None and mine.pk not in state.signed and not state.complete:
            waiting.append(state)
    return waiting
