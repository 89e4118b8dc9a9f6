"""Benchmark: signing the protokoll (per signature) and validating a four-signature protokoll.

Targets (issue 4): one signature under 300 ms; validating a protokoll with four signatures
(sekreterare, ordförande, two justerare) under 500 ms.

The document is the real demo protokoll of Kommunalt forum 2024-10-11 (14 pages, 65-person
Bilaga 1), rendered by `meetings.protokoll.document.protokoll_render`, with four empty signature fields
pre-created as at freezing. Each signature is `meetings.signing.pdf_sign` with the configured
backend (the organisation's CA, a certificate issued for that signature from the signer's
assurance, PAdES, an incremental update): the same call `protokoll_sign` makes. Without a
timestamp authority (PARAGRAF_TSA_URL unset), so PAdES B-B: a TSA's answer time comes on top.
The CA and the certificates are made in a temporary signing directory, so the development keys
are never touched.

Run alone with `.venv/bin/python benchmarks/bench_signing.py`, or through benchmarks/run.py.
"""

from __future__ import annotations

import atexit
import io
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 5
TARGET_SIGNATURE_MS = 300
TARGET_VALIDATION_MS = 500
COMMITTEE = "Kommunalt forum"
MEETING_DATE = "2024-10-11"
SIGNERS = [
    ("Josefine", "Colliander"),
    ("Rachel", "De Basso"),
    ("Kerstin", "Hammar"),
    ("Therese", "Petersson"),
]


def _django_setup() -> None:
    """Set up Django on a temporary embedded database, unless the caller already did."""
    from django.conf import settings

    if settings.configured:
        return
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    local_dir = tempfile.mkdtemp(prefix="paragraf-bench-signing-")
    atexit.register(shutil.rmtree, local_dir, ignore_errors=True)
    os.environ["PARAGRAF_LOCAL_DIR"] = local_dir
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "PARAGRAF_SIGNING_DIR"):
        os.environ.pop(name, None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _four_fields(rendered):
    """The protokoll's own signature boxes when it has four, else four boxes on page 1."""
    from meetings.signing.pdf_signatures import SignatureField

    if len(rendered.signature_fields) >= len(SIGNERS):
        return rendered.signature_fields[: len(SIGNERS)]
    return [
        SignatureField(f"bench-{n}", 0, (40 + 130 * (n % 4), 60, 160 + 130 * (n % 4), 105))
        for n in range(len(SIGNERS))
    ]


def run() -> dict:
    """Sign the demo protokoll four times, ROUNDS times over, and validate the result."""
    _django_setup()
    from django.conf import settings
    from django.core.management import call_command

    from committees.models import Person
    from meetings import signing
    from meetings.models import Meeting
    from meetings.protokoll.document import protokoll_render

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    # pyHanko's stamp layout notes a rounding of the box width on every signature; not a finding.
    logging.getLogger("pyhanko").setLevel(logging.ERROR)
    signing_dir = Path(tempfile.mkdtemp(prefix="paragraf-bench-keys-"))
    previous_dir = settings.PARAGRAF_SIGNING_DIR
    settings.PARAGRAF_SIGNING_DIR = signing_dir
    try:
        call_command("migrate", verbosity=0)
        call_command("load_demo", stdout=io.StringIO())
        meeting = Meeting.objects.get(committee__name=COMMITTEE, start__date=MEETING_DATE)
        organisation = meeting.committee.organisation.name
        rendered = protokoll_render(meeting=meeting)
        fields = _four_fields(rendered)
        unsigned = signing.pdf_add_signature_fields(rendered.pdf, fields)

        signing.signing_ca_create(organisation_name=organisation, replace=True)
        from django.contrib.auth import get_user_model

        people = [  # certificates are issued only to a person's login
            Person.objects.create(
                first_name=first,
                last_name=f"{last} (benchmark)",
                user=get_user_model().objects.create_user(username=f"benchmark-{index}"),
            )
            for index, (first, last) in enumerate(SIGNERS)
        ]
        start = time.perf_counter()
        for person in people:
            signing.person_certificate_issue(person=person)
        certificates_s = time.perf_counter() - start

        def sign_all() -> tuple[bytes, list[float]]:
            pdf, timings = unsigned, []
            for index, (person, spec) in enumerate(zip(people, fields, strict=True)):
                begin = time.perf_counter()
                pdf = signing.pdf_sign(
                    pdf,
                    person=person,
                    field_name=spec.name,
                    reason="Justering",
                    location=organisation,
                    certify=index == 0,
                    # As protokoll_sign: a certificate for this signature alone (issue 16).
                    assurance=signing.Assurance.local_password(user=person.user, name=person.full_name),
                )
                timings.append(time.perf_counter() - begin)
            return pdf, timings

        signed, _warm_up = sign_all()  # fonts, keys, imports
        per_signature = []
        for _ in range(ROUNDS):
            signed, timings = sign_all()
            per_signature += timings

        reports = signing.pdf_verify(signed)  # warm-up
        validations = []
        for _ in range(ROUNDS):
            begin = time.perf_counter()
            reports = signing.pdf_verify(signed)
            validations.append(time.perf_counter() - begin)

        pdfsig_ms = None
        if shutil.which("pdfsig"):
            path = signing_dir / "signed.pdf"
            path.write_bytes(signed)
            begin = time.perf_counter()
            output = subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True, text=True).stdout
            pdfsig_ms = _ms(time.perf_counter() - begin)
            pdfsig_valid = output.count("Signature is Valid.")
        else:
            pdfsig_valid = None
    finally:
        settings.PARAGRAF_SIGNING_DIR = previous_dir
        shutil.rmtree(signing_dir, ignore_errors=True)

    signature_ms = _ms(statistics.median(per_signature))
    validation_ms = _ms(statistics.median(validations))
    return {
        "protokoll": f"{COMMITTEE} {MEETING_DATE}",
        "pages": rendered.page_count,
        "unsigned_kb": round(len(unsigned) / 1024, 1),
        "signed_kb": round(len(signed) / 1024, 1),
        "signatures": len(reports),
        "rounds": ROUNDS,
        "certificates_issue_4_s": round(certificates_s, 2),
        "signature_median_ms": signature_ms,
        "signature_max_ms": _ms(max(per_signature)),
        "first_signature_median_ms": _ms(statistics.median(per_signature[0 :: len(SIGNERS)])),
        "validation_4_signatures_median_ms": validation_ms,
        "all_intact_and_trusted": all(r.intact and r.trusted for r in reports),
        "pdfsig_valid_signatures": pdfsig_valid,
        "pdfsig_ms": pdfsig_ms,
        "target_signature_ms": TARGET_SIGNATURE_MS,
        "target_validation_ms": TARGET_VALIDATION_MS,
        "signature_within_target": signature_ms < TARGET_SIGNATURE_MS
        and max(per_signature) * 1000 < TARGET_SIGNATURE_MS,
        "validation_within_target": validation_ms < TARGET_VALIDATION_MS,
    }


NOTES = """
How to read these: `signature_median_ms` and `signature_max_ms` are over every one of the four
signatures in each round (the first is the certification signature; later ones are approval
signatures in pre-created fields, each an incremental update of a larger file). A signature is
what the server does once the signer has re-entered their password: load the person's key and
certificate, hash the document, build the CMS (PAdES B-B) and write the revision; the database
and file-storage work of `protokoll_sign` comes on top (a few milliseconds).
`validation_4_signatures_median_ms` is `meetings.signing.pdf_verify` (pyHanko: integrity,
trust chain to the organisation's CA, DocMDP/modification analysis of every revision), what
the Justering admin page and the public verification page run; `pdfsig_ms` is poppler's
independent check of the same file, for comparison (including process start).
"""


if __name__ == "__main__":
    figures = run()
    width = max(len(key) for key in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
