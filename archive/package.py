"""Building one E-ARK SIP (CSIP 2.2.0, SIP 2.2.0, CITS ERMS 3) in memory: every file of the
package as path → bytes, in a fixed order, with identifiers and dates taken from the data.

Layout (docs/archive.md):

    <OBJID>/METS.xml                                   the package METS (CSIP/SIP)
    <OBJID>/metadata/descriptive/erms.xml              ärenden, sammanträden, registers (ERMS)
    <OBJID>/metadata/preservation/premis.xml           objects, creation/signing/export events
    <OBJID>/documentation/leverans.xml                 what the package holds and what was withheld
    <OBJID>/schemas/…                                  every schema the XML uses
    <OBJID>/representations/rep1/METS.xml              the representation METS
    <OBJID>/representations/rep1/data/<meeting>/…      protokoll, bilagor, kallelse, utdrag,
                                                       signature validation reports
"""

from __future__ import annotations

from lxml import etree

from .common import (
    CONFIDENTIAL,
    NOTE_NS,
    OPEN,
    PACKAGE_SCHEMAS,
    REPRESENTATION,
    SCHEMA_DIR,
    PackageFile,
    iso,
    package_id,
    sha256,
    xml_bytes,
    xml_element,
)
from .erms import build_erms
from .mets import build_representation_mets, build_root_mets
from .premis import build_premis
from .reports import signature_reports
from .selection import FileItem, PeriodContent

__all__ = ["CONFIDENTIAL", "NOTE_NS", "OPEN", "SCHEMA_DIR", "build_package", "package_id"]


def _e(parent, tag, text=None, ns=NOTE_NS, **attrs):
    return xml_element(parent, tag, text, ns=ns, **attrs)


# --- The package note (documentation/) ------------------------------------------------------


def build_note(content: PeriodContent, kind: str, withheld: list[tuple[str, str, str]]) -> bytes:
    """What the package is, and what it leaves out: per withheld item its identifier, what
    kind of record it is and the OSL ground (never its title), and the package holding it."""
    root = etree.Element(f"{{{NOTE_NS}}}leverans", nsmap={None: NOTE_NS})
    _e(root, "organisation", content.committee.organisation.name, ns=NOTE_NS)
    _e(root, "arkivbildare", content.committee.name, ns=NOTE_NS)
    _e(
        root,
        "period",
        content.period.label,
        ns=NOTE_NS,
        start=str(content.period.start),
        end=str(content.period.end),
    )
    _e(root, "paket", package_id(content, kind), ns=NOTE_NS, kind=kind)
    if kind == CONFIDENTIAL:
        _e(root, "sekretess", "Paketet innehåller handlingar som omfattas av sekretess (OSL).", ns=NOTE_NS)
        _e(root, "oppetPaket", package_id(content, OPEN), ns=NOTE_NS)
    element = _e(root, "undantaget", ns=NOTE_NS, count=str(len(withheld)))
    for identifier, record_kind, osl in withheld:
        _e(
            element,
            "post",
            ns=NOTE_NS,
            id=identifier,
            kind=record_kind,
            grund=osl,
            paket=package_id(content, CONFIDENTIAL),
        )
    return xml_bytes(root)


def build_listing(files: list[PackageFile], objid: str) -> bytes:
    """The representation's innehållsförteckning: each file with its kind and SHA-256 (never
    empty: a package of register rows only still has this file in data/)."""
    root = etree.Element(f"{{{NOTE_NS}}}forteckning", nsmap={None: NOTE_NS}, paket=objid)
    for f in files:
        _e(
            root,
            "fil",
            ns=NOTE_NS,
            path=f"data/{f.path}",
            kind=f.item.kind if f.item else "signaturvalidering",
            sha256=sha256(f.content),
        )
    return xml_bytes(root)


# --- The whole package ----------------------------------------------------------------------


def build_package(
    content: PeriodContent, kind: str, items: list[FileItem], withheld: list[tuple[str, str, str]]
) -> tuple[str, dict[str, bytes]]:
    """(folder name, {relative path: bytes}) of one SIP, every path under the folder."""
    objid = package_id(content, kind)
    created = content.latest
    label = f"{content.committee.name} {content.period.label}"
    if kind == CONFIDENTIAL:
        label += " (sekretess)"
    files: list[PackageFile] = []
    for item in sorted(items, key=lambda i: i.path):
        files.append(PackageFile(path=item.path, content=item.content, created=item.created, item=item))
        if item.signed:
            as_xml, as_json = signature_reports(
                item.content,
                file_path=f"data/{item.path}",
                sha256=sha256(item.content),
                checked_at=iso(created),
            )
            stem = item.path[:-4]
            for suffix, data in (("xml", as_xml), ("json", as_json)):
                files.append(
                    PackageFile(
                        path=f"{stem}-signaturvalidering.{suffix}",
                        content=data,
                        created=created,
                        item=None,
                        report_of=item.path,
                    )
                )
    files.append(
        PackageFile(path="forteckning.xml", content=build_listing(files, objid), created=created, item=None)
    )
    erms = build_erms(content, kind, files, created=created)
    premis = build_premis(content, kind, files, created=created)
    representation_mets = build_representation_mets(objid, label, files, created=created)
    metadata = {
        "metadata/descriptive/erms.xml": (erms, "ERMS"),
        "metadata/preservation/premis.xml": (premis, "PREMIS"),
    }
    documentation = {"documentation/leverans.xml": build_note(content, kind, withheld)}
    schemas = {f"schemas/{name}": (SCHEMA_DIR / name).read_bytes() for name in PACKAGE_SCHEMAS}
    root_mets = build_root_mets(
        objid,
        label,
        content.committee.organisation,
        metadata=metadata,
        documentation=documentation,
        schemas=schemas,
        representation_mets=representation_mets,
        created=created,
    )
    tree = {"METS.xml": root_mets}
    tree.update({path: data for path, (data, _kind) in metadata.items()})
    tree.update(documentation)
    tree.update(schemas)
    tree[f"representations/{REPRESENTATION}/METS.xml"] = representation_mets
    for f in files:
        tree[f"representations/{REPRESENTATION}/data/{f.path}"] = f.content
    return objid, tree
