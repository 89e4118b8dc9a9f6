"""The METS documents of a package: the package METS (CSIP 2.2.0 + SIP 2.2.0) and the
representation METS, every file with its size, date, MIME type and SHA-256."""

from __future__ import annotations

from django.conf import settings
from lxml import etree

from .common import (
    CONTENT_TYPE,
    CSIP_NS,
    METS_NS,
    REPRESENTATION,
    SIP_NS,
    SIP_PROFILE,
    SOFTWARE,
    SOFTWARE_VERSION,
    XLINK_NS,
    XSI_NS,
    PackageFile,
    iso,
    sha256,
    stable_uuid,
    xml_bytes,
)

# --- METS -----------------------------------------------------------------------------------


def _m(parent, name, **attrs):
    return etree.SubElement(parent, f"{{{METS_NS}}}{name}", attrs)


def _href(attrs: dict, href: str) -> dict:
    return {"LOCTYPE": "URL", f"{{{XLINK_NS}}}type": "simple", f"{{{XLINK_NS}}}href": href, **attrs}


def _file_attrs(file_id, data: bytes, mimetype, created):
    return {
        "ID": file_id,
        "MIMETYPE": mimetype,
        "SIZE": str(len(data)),
        "CREATED": iso(created),
        "CHECKSUM": sha256(data),
        "CHECKSUMTYPE": "SHA-256",
    }


def _mets_root(objid, label, created, *, organisation=None, representation=False):
    nsmap = {None: METS_NS, "xlink": XLINK_NS, "csip": CSIP_NS, "sip": SIP_NS, "xsi": XSI_NS}
    base = "../../schemas/" if representation else "schemas/"
    root = etree.Element(f"{{{METS_NS}}}mets", nsmap=nsmap)
    root.set(
        f"{{{XSI_NS}}}schemaLocation",
        f"{METS_NS} {base}mets.xsd {XLINK_NS} {base}xlink.xsd {CSIP_NS} {base}DILCISExtensionMETS.xsd "
        f"{SIP_NS} {base}DILCISExtensionSIPMETS.xsd",
    )
    root.set("OBJID", objid)
    root.set("LABEL", label)
    root.set("TYPE", "Mixed")
    root.set(f"{{{CSIP_NS}}}CONTENTINFORMATIONTYPE", CONTENT_TYPE)
    root.set("PROFILE", SIP_PROFILE)
    header = _m(root, "metsHdr", CREATEDATE=iso(created), RECORDSTATUS="NEW")
    header.set(f"{{{CSIP_NS}}}OAISPACKAGETYPE", "SIP")
    agent = _m(header, "agent", ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    etree.SubElement(agent, f"{{{METS_NS}}}name").text = SOFTWARE
    note = etree.SubElement(agent, f"{{{METS_NS}}}note")
    note.text = SOFTWARE_VERSION
    note.set(f"{{{CSIP_NS}}}NOTETYPE", "SOFTWARE VERSION")
    if organisation is not None:
        for role in ("ARCHIVIST", "CREATOR"):  # the archival creator (SIP9) and the submitter (SIP15)
            agent = _m(header, "agent", ROLE=role, TYPE="ORGANIZATION")
            etree.SubElement(agent, f"{{{METS_NS}}}name").text = organisation.name
            if organisation.org_number:
                note = etree.SubElement(agent, f"{{{METS_NS}}}note")
                note.text = organisation.org_number
                note.set(f"{{{CSIP_NS}}}NOTETYPE", "IDENTIFICATIONCODE")
        agreement = getattr(settings, "PARAGRAF_ARCHIVE_SUBMISSION_AGREEMENT", "")
        if agreement:  # SIP5: the leveransöverenskommelse with the archive
            _m(header, "altRecordID", TYPE="SUBMISSIONAGREEMENT").text = agreement
    return root


def build_representation_mets(objid: str, label: str, files: list[PackageFile], *, created) -> bytes:
    # CSIP1/CSIPSTR10: a representation METS's OBJID is the name of the representation's folder.
    root = _mets_root(REPRESENTATION, label, created, representation=True)
    file_sec = _m(root, "fileSec", ID=f"{objid}-{REPRESENTATION}-filesec")
    group_id = f"{objid}-{REPRESENTATION}-data"
    group = _m(file_sec, "fileGrp", ID=group_id, USE="Data")
    group.set(f"{{{CSIP_NS}}}CONTENTINFORMATIONTYPE", CONTENT_TYPE)
    for f in files:
        file_id = "file-" + stable_uuid(objid, "file", f.path)
        element = _m(group, "file", **_file_attrs(file_id, f.content, f.mimetype, f.created))
        _m(element, "FLocat", **_href({}, f"data/{f.path}"))
    struct = _m(root, "structMap", ID=f"{objid}-{REPRESENTATION}-structmap", TYPE="PHYSICAL", LABEL="CSIP")
    div = _m(struct, "div", ID=f"{objid}-{REPRESENTATION}-div", LABEL=f"{objid}-{REPRESENTATION}")
    data = _m(div, "div", ID=f"{objid}-{REPRESENTATION}-div-data", LABEL="Data")
    _m(data, "fptr", FILEID=group_id)
    return xml_bytes(root)


def build_root_mets(
    objid,
    label,
    organisation,
    *,
    metadata: dict,
    documentation: dict,
    schemas: dict,
    representation_mets: bytes,
    created,
) -> bytes:
    root = _mets_root(objid, label, created, organisation=organisation)
    dmd_ids, digiprov_ids = [], []
    for path, (data, md_type) in metadata.items():
        md_id = "md-" + stable_uuid(objid, "metadata", path)
        mdref = {
            "MIMETYPE": "text/xml",
            "SIZE": str(len(data)),
            "CREATED": iso(created),
            "CHECKSUM": sha256(data),
            "CHECKSUMTYPE": "SHA-256",
        }
        if md_type == "PREMIS":
            digiprov_ids.append(md_id)
            continue
        dmd_ids.append(md_id)
        section = _m(root, "dmdSec", ID=md_id, CREATED=iso(created), STATUS="CURRENT")
        _m(section, "mdRef", **_href({"MDTYPE": "OTHER", "OTHERMDTYPE": md_type, **mdref}, path))
    if digiprov_ids:
        amd = _m(root, "amdSec", ID=f"{objid}-amdsec")
        for path, (data, md_type) in metadata.items():
            if md_type != "PREMIS":
                continue
            md_id = "md-" + stable_uuid(objid, "metadata", path)
            section = _m(amd, "digiprovMD", ID=md_id, STATUS="CURRENT")
            _m(
                section,
                "mdRef",
                **_href(
                    {
                        "MDTYPE": "PREMIS",
                        "MIMETYPE": "text/xml",
                        "SIZE": str(len(data)),
                        "CREATED": iso(created),
                        "CHECKSUM": sha256(data),
                        "CHECKSUMTYPE": "SHA-256",
                    },
                    path,
                ),
            )
    file_sec = _m(root, "fileSec", ID=f"{objid}-filesec")
    groups = {}
    for use, entries in (("Documentation", documentation), ("Schemas", schemas)):
        group_id = f"{objid}-{use.lower()}"
        groups[use] = group_id
        group = _m(file_sec, "fileGrp", ID=group_id, USE=use)
        for path, data in entries.items():
            mimetype = "text/xml"
            element = _m(
                group,
                "file",
                **_file_attrs("file-" + stable_uuid(objid, "file", path), data, mimetype, created),
            )
            _m(element, "FLocat", **_href({}, path))
    rep_use = f"Representations/{REPRESENTATION}"
    rep_group_id = f"{objid}-{REPRESENTATION}"
    group = _m(file_sec, "fileGrp", ID=rep_group_id, USE=rep_use)
    group.set(f"{{{CSIP_NS}}}CONTENTINFORMATIONTYPE", CONTENT_TYPE)
    rep_path = f"representations/{REPRESENTATION}/METS.xml"
    element = _m(
        group,
        "file",
        **_file_attrs(
            "file-" + stable_uuid(objid, "file", rep_path), representation_mets, "text/xml", created
        ),
    )
    _m(element, "FLocat", **_href({}, rep_path))

    struct = _m(root, "structMap", ID=f"{objid}-structmap", TYPE="PHYSICAL", LABEL="CSIP")
    div = _m(struct, "div", ID=f"{objid}-div", LABEL=objid)
    attrs = {}
    if dmd_ids:
        attrs["DMDID"] = " ".join(dmd_ids)
    if digiprov_ids:
        attrs["ADMID"] = " ".join(digiprov_ids)
    _m(div, "div", ID=f"{objid}-div-metadata", LABEL="Metadata", **attrs)
    for use in ("Documentation", "Schemas"):
        sub = _m(div, "div", ID=f"{objid}-div-{use.lower()}", LABEL=use)
        _m(sub, "fptr", FILEID=groups[use])
    rep = _m(div, "div", ID=f"{objid}-div-{REPRESENTATION}", LABEL=rep_use)
    _m(rep, "mptr", **_href({f"{{{XLINK_NS}}}title": rep_group_id}, rep_path))
    return xml_bytes(root)
