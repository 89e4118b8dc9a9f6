"""Protokollsutdrag once the protokoll is justerat, and omedelbar justering of a single §.

Protokollsutdrag are made on demand and sealed with the organisation's e-sigill
(`protokollsutdrag_get_or_create`), or certified personally by the justering's secretary when
she does so herself (`protokollsutdrag_personal_bestyrkande`, through the service
`protokoll_bestyrk`); the extract the ordförande and a justerare sign at the meeting for
omedelbar justering is `immediate_justering_state` and friends.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.reader import PdfFileReader

from meetings import signing
from meetings.errors import JusteringRefusal, SigningRefusal
from meetings.justering.document import paragraph_snapshot
from meetings.models import Justering, Meeting, Paragraph, RenderedDocument, Signature
from meetings.protokoll.context import BESTYRKANDE_FIELD
from meetings.protokoll.document import protokollsutdrag_render_pdf

# --- Protokollsutdrag: sealed by the organisation, or certified by the secretary herself -------


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


def _sign_as(
    pdf: bytes, *, person, field_name: str, reason: str, location: str, certify: bool, assurance=None
) -> bytes:
    """A person's signature: with `assurance` (how they just authenticated) on a certificate
    for this signature alone; without, on their long-lived certificate."""
    if assurance is None and signing.signing_ca_exists():
        signing.person_certificate_issue(person=person)
    return signing.pdf_sign(
        pdf,
        person=person,
        field_name=field_name,
        reason=reason,
        location=location,
        certify=certify,
        assurance=assurance,
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
    if meeting.status not in Meeting.Status.JUSTERAT_OR_LATER:
        raise ValidationError(
            _("A protokollsutdrag can be certified only when the protokoll is justerat."),
            code=SigningRefusal.NOT_JUSTERAT,
        )


def _extract(paragraph: Paragraph, *, content_hash: str):
    return RenderedDocument.objects.filter(
        meeting=paragraph.meeting,
        paragraph=paragraph,
        kind=RenderedDocument.Kind.EXTRACT,
        content_hash=content_hash,
    ).first()


def _build_extract(paragraph: Paragraph, *, content_hash: str, certifier, sign) -> RenderedDocument:
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
    if secretary is None or paragraph.meeting.status not in Meeting.Status.JUSTERAT_OR_LATER:
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


def protokollsutdrag_personal_bestyrkande(
    *, paragraph: Paragraph, person, assurance=None
) -> RenderedDocument:
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
        # Her signature completes the extract: its archive timestamp follows (B-LTA with a TSA).
        sign=lambda pdf, field_name: signing.pdf_archive_timestamp(
            _sign_as(
                pdf,
                person=person,
                field_name=field_name,
                reason=_("Bestyrkande: I certify that the extract is a true copy of the protokoll"),
                location=meeting.committee.organisation.name,
                certify=True,
                assurance=assurance,
            )
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
            code=SigningRefusal.NOT_IMMEDIATE,
            params={"paragraph": paragraph.label},
        )
    roles = {s.role for s in state.signers}
    if Signature.Role.CHAIR not in roles or Signature.Role.ADJUSTER not in roles:
        raise ValidationError(
            _("Choose the ordförande and the justerare before the paragraph is justerat."),
            code=JusteringRefusal.NO_SIGNERS,
        )

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
    *, document: RenderedDocument, signature: Signature, first: bool, reason: str, assurance=None
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
        assurance=assurance,
    )
    _store(document, signed, PurePath(document.file.name).name)
    document.save(update_fields=["file", "sha256"])


def immediate_utdrag_certify(*, document: RenderedDocument, justering: Justering) -> bool:
    """Seal the Bestyrkande of a completed immediate extract with the organisation's e-sigill
    (the server does it on its own, so in the organisation's name, never a person's)."""
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
        meeting__status__in=Meeting.Status.HELD_NOT_JUSTERAT,
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
