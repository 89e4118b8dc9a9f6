"""What justering freezes: the content snapshot, the frozen PDF with its empty signature fields,
and each signer's signature as an incremental update of that PDF.

The state changes themselves (freeze, sign, reopen) are the services `protokoll_freeze`,
`protokoll_sign` and `protokoll_unfreeze` in meetings/services.py; this module holds the
document work they do.
"""

from __future__ import annotations

import hashlib
import json

from django.core.files.base import ContentFile

from . import signing
from .models import Justering, Meeting, Signature


def protokoll_snapshot(meeting: Meeting) -> dict:
    """Everything the protokoll says, as plain data: paragraphs, attendance, jäv, votes,
    reservations and signers. Its hash is the justering's content hash."""
    paragraphs = []
    for p in meeting.paragraphs.order_by("order").select_related("case"):
        paragraphs.append(
            {
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
        )
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
