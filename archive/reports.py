"""The signature validation report of a signed PDF in the package, as XML and as JSON: what
`manage.py verify_pdf` says, per signature (meetings.signing.pdf_verify)."""

from __future__ import annotations

import json

from lxml import etree

from meetings import signing

REPORT_NS = "urn:paragraf:signaturvalidering:1"


def _when(value) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def signature_report_rows(pdf: bytes) -> list[dict]:
    rows = []
    for number, report in enumerate(signing.pdf_verify(pdf), start=1):
        rows.append(
            {
                "number": number,
                "field": report.field_name,
                "signer": report.signer,
                "seal": report.seal,
                "organisation": report.organisation,
                "account": report.account,
                "certificate_serial": report.serial,
                "certificate_issued": _when(report.issued_at),
                "signed_at": _when(report.signed_at),
                "intact": report.intact,
                "trusted": report.trusted,
                "covers_whole_document": report.covers_whole_document,
                "certifying": report.certifying,
                "modification_level": report.modification_level,
                "holds": report.ok,
                "problem": report.problem,
                "reason": report.reason,
                "revoked_at": _when(report.revoked_at),
                "revocation_reason": report.revocation_reason,
                "notes": list(report.notes),
            }
        )
    return rows


def signature_reports(pdf: bytes, *, file_path: str, sha256: str, checked_at: str) -> tuple[bytes, bytes]:
    """(XML, JSON) of the validation of `pdf`, which lies at `file_path` in the package.
    `checked_at` is the package's date (see docs/archive.md, "Dates"), not the clock."""
    rows = signature_report_rows(pdf)
    unchanged = bool(rows) and rows[-1]["covers_whole_document"]
    summary = {
        "file": file_path,
        "sha256": sha256,
        "checked_at": checked_at,
        "validator": "Paragraf meetings.signing.pdf_verify (pyHanko)",
        "signatures": rows,
        "unchanged_since_last_signature": unchanged,
        "all_hold": bool(rows) and unchanged and all(r["holds"] for r in rows),
    }
    as_json = (json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
    root = etree.Element(f"{{{REPORT_NS}}}signatureValidation", nsmap={None: REPORT_NS})
    for name, tag in (
        ("file", "file"),
        ("sha256", "sha256"),
        ("checked_at", "checkedAt"),
        ("validator", "validator"),
    ):
        etree.SubElement(root, f"{{{REPORT_NS}}}{tag}").text = summary[name]
    etree.SubElement(root, f"{{{REPORT_NS}}}unchangedSinceLastSignature").text = str(unchanged).lower()
    etree.SubElement(root, f"{{{REPORT_NS}}}allHold").text = str(summary["all_hold"]).lower()
    signatures = etree.SubElement(root, f"{{{REPORT_NS}}}signatures")
    for row in rows:
        element = etree.SubElement(signatures, f"{{{REPORT_NS}}}signature", number=str(row["number"]))
        for key in sorted(row):
            if key == "number":
                continue
            value = row[key]
            if key == "notes":
                for note in value:
                    etree.SubElement(element, f"{{{REPORT_NS}}}note").text = note
                continue
            text = str(value).lower() if isinstance(value, bool) else str(value)
            etree.SubElement(element, f"{{{REPORT_NS}}}{key.replace('_', '-')}").text = text
    as_xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return as_xml, as_json
