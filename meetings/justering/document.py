"""What justering freezes and signs, and what it tells the signers.

- the content snapshot and the frozen PDF with its empty signature fields, and each signer's
  signature as an incremental update of that PDF;
- the e-mail asking each required signer to justera (`justering_notify_signers`, once per
  signer) and what a signer has left to sign (`signatures_awaiting`).

The state changes themselves (freeze, sign, reopen) are the services in
meetings/justering/services.py; this module holds the document and notification work they do.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from meetings import signing
from meetings.models import Justering, Meeting, Paragraph, Signature
from meetings.protokoll.annexes import annex_snapshot
from meetings.protokoll.document import protokoll_render

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
    reservations, the bilagor (number, §, handling and its file's hash) and signers.
    Its hash is the justering's content hash."""
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
        "attendance_as_annex": meeting.attendance_as_annex,
        "annexes": annex_snapshot(meeting),
        "signers": signers,
    }


def snapshot_hash(snapshot: dict) -> str:
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def justering_store_frozen_pdf(*, justering: Justering) -> None:
    """Render the frozen protokoll, pre-create one empty signature field per required signer
    and store it as both the frozen file and the (still unsigned) signed file."""
    meeting = justering.meeting
    rendered = protokoll_render(meeting=meeting, public=False, strict=True)
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


def justering_apply_signature(
    *, justering: Justering, signature: Signature, reason: str, assurance: signing.Assurance | None = None
) -> None:
    """Add one signer's signature to the protokoll of record (an incremental update).

    The first signature is the certification signature; it permits only the signing of
    the fields that were pre-created at freezing. With a timestamp authority each signature
    is timestamped with its validation data embedded (B-LT), and the last one is followed by
    the document timestamp (B-LTA), in the same update of the file: once every signature is
    recorded the protokoll's files no longer change (audit/locks.py).
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
        assurance=assurance,
    )
    last = not justering.signatures.filter(signed_at__isnull=True).exclude(pk=signature.pk).exists()
    if last:
        signed = signing.pdf_archive_timestamp(signed)
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
