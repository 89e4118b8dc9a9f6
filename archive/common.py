"""What every part of an archive package shares: the namespaces and profile values, the
stable identifiers (uuid5 of stable keys), the date format, and one file of the package."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from .selection import FileItem, PeriodContent

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
# The schemas copied into every package's schemas/ folder (the XML of the package uses them).
PACKAGE_SCHEMAS = (
    "mets.xsd",
    "xlink.xsd",
    "DILCISExtensionMETS.xsd",
    "DILCISExtensionSIPMETS.xsd",
    "ERMS_v3.xsd",
)

METS_NS = "http://www.loc.gov/METS/"
XLINK_NS = "http://www.w3.org/1999/xlink"
CSIP_NS = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
SIP_NS = "https://DILCIS.eu/XML/METS/SIPExtensionMETS"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ERMS_NS = "https://DILCIS.eu/XML/ERMS"
PREMIS_NS = "http://www.loc.gov/premis/v3"
NOTE_NS = "urn:paragraf:leverans:1"

SIP_PROFILE = "https://earksip.dilcis.eu/profile/E-ARK-SIP-v2-2-0.xml"
CONTENT_TYPE = "citserms_v3_0"
SOFTWARE = "Paragraf"
SOFTWARE_VERSION = "1.0 (archive export 1)"
REPRESENTATION = "rep1"

# The namespace of every identifier of a package (uuid5 of stable keys: the same data, the same ids).
ID_NAMESPACE = uuid.UUID("7d4f1c52-7f0e-5b0e-9a4e-2f6a3c1b8e10")

OPEN, CONFIDENTIAL = "open", "confidential"


def stable_uuid(*parts) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, "|".join(str(part) for part in parts)))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def iso(moment: dt.datetime) -> str:
    """A date-time in UTC with seconds, as METS and ERMS write it."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def xml_bytes(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def package_id(content: PeriodContent, kind: str) -> str:
    committee = content.committee
    key = stable_uuid("package", committee.organisation.name, committee.slug, content.period.label, kind)
    return f"uuid-{key}"


def package_name(content: PeriodContent, kind: str) -> str:
    return package_id(content, kind)


@dataclass(frozen=True)
class PackageFile:
    """A file of the representation's data folder, as it goes into the package."""

    path: str  # under representations/rep1/data/
    content: bytes
    created: dt.datetime
    item: FileItem | None  # None for a validation report
    report_of: str = ""  # the data path of the PDF a report validates

    @property
    def mimetype(self) -> str:
        if self.path.endswith(".pdf"):
            return "application/pdf"
        if self.path.endswith(".json"):
            return "application/json"
        return "text/xml"


def xml_element(parent, tag, text=None, ns=None, **attrs):
    """A child element of `parent` (attributes with None left out, values as text)."""
    element = etree.SubElement(
        parent, f"{{{ns}}}{tag}", {k: str(v) for k, v in attrs.items() if v is not None}
    )
    if text is not None:
        element.text = str(text)
    return element
