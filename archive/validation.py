"""Validating an E-ARK SIP on disk, offline: used by the export (an invalid package is never
moved into place) and by the tests.

- both METS.xml files against mets.xsd with the CSIP and SIP extension schemas (the XLink
  import of mets.xsd is resolved to the local xlink.xsd; the parser may not use the network);
- the CSIP 2.2.0 and SIP 2.2.0 requirements a schema cannot express, checked by code, each
  finding named by its requirement id (CSIP…, SIP…, CSIPSTR… for the folder structure);
- every file the METS files list: present, its size and SHA-256 recomputed, and no file in the
  package that no METS lists;
- the ERMS content against ERMS_v3.xsd and erms_v3.sch (lxml's isoschematron);
- every signed PDF in the package still validating (meetings.signing.pdf_verify).

One module of a little over 400 lines: the profile checks are one table-like function per METS
section, and keeping them beside the schema loading lets a reader see every check in one place.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from lxml import etree, isoschematron

from meetings import signing

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
METS_NS = "http://www.loc.gov/METS/"
XLINK_NS = "http://www.w3.org/1999/xlink"
CSIP_NS = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
ERMS_NS = "https://DILCIS.eu/XML/ERMS"
NS = {"m": METS_NS, "xlink": XLINK_NS, "csip": CSIP_NS}
SIP_PROFILE = "https://earksip.dilcis.eu/profile/E-ARK-SIP-v2-2-0.xml"
XLINK_LOCATION = "http://www.loc.gov/standards/xlink/xlink.xsd"


@dataclass(frozen=True)
class Finding:
    requirement: str  # CSIP14, SIP2, CSIPSTR4, XSD, ERMS-XSD, ERMS-SCH, CHECKSUM, SIGNATURE
    where: str
    message: str

    def __str__(self):
        return f"{self.requirement} {self.where}: {self.message}"


class PackageInvalid(Exception):
    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__("\n".join(str(f) for f in findings))


class _LocalSchemas(etree.Resolver):
    """Resolves the schema locations mets.xsd names on the web to the local copies."""

    def resolve(self, url, pubid, context):
        if url in (XLINK_LOCATION, "http://www.w3.org/1999/xlink.xsd"):
            return self.resolve_filename(str(SCHEMA_DIR / "xlink.xsd"), context)
        name = url.rsplit("/", 1)[-1]
        if url.startswith(("http://", "https://")) and (SCHEMA_DIR / name).is_file():
            return self.resolve_filename(str(SCHEMA_DIR / name), context)
        return None


def _parser() -> etree.XMLParser:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(_LocalSchemas())
    return parser


_schemas: dict[str, object] = {}


def mets_schema() -> etree.XMLSchema:
    """mets.xsd together with the CSIP and SIP extension schemas, all from local files."""
    if "mets" not in _schemas:
        wrapper = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
          <xs:import namespace="{METS_NS}" schemaLocation="{(SCHEMA_DIR / "mets.xsd").as_uri()}"/>
          <xs:import namespace="{XLINK_NS}" schemaLocation="{(SCHEMA_DIR / "xlink.xsd").as_uri()}"/>
          <xs:import namespace="{CSIP_NS}"
                     schemaLocation="{(SCHEMA_DIR / "DILCISExtensionMETS.xsd").as_uri()}"/>
          <xs:import namespace="https://DILCIS.eu/XML/METS/SIPExtensionMETS"
                     schemaLocation="{(SCHEMA_DIR / "DILCISExtensionSIPMETS.xsd").as_uri()}"/>
        </xs:schema>"""
        document = etree.fromstring(
            wrapper.encode(), _parser(), base_url=(SCHEMA_DIR / "wrapper.xsd").as_uri()
        )
        _schemas["mets"] = etree.XMLSchema(etree.ElementTree(document))
    return _schemas["mets"]


def erms_schema() -> etree.XMLSchema:
    if "erms" not in _schemas:
        _schemas["erms"] = etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "ERMS_v3.xsd"), _parser()))
    return _schemas["erms"]


def erms_schematron() -> isoschematron.Schematron:
    """erms_v3.sch. It declares queryBinding="xslt2", which lxml's XSLT 1 implementation refuses;
    its assertions are plain XPath 1 (normalize-space, count), so it is compiled as XSLT 1."""
    if "sch" not in _schemas:
        document = etree.parse(str(SCHEMA_DIR / "erms_v3.sch"), _parser())
        document.getroot().set("queryBinding", "xslt1")
        _schemas["sch"] = isoschematron.Schematron(document, store_report=True)
    return _schemas["sch"]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_profile(doc, where: str, *, package_root: bool) -> list[Finding]:
    """The CSIP/SIP requirements of one METS document that XSD cannot express."""
    found: list[Finding] = []
    root = doc.getroot()

    def need(requirement, ok, message):
        if not ok:
            found.append(Finding(requirement, where, message))

    def xp(path, node=root):
        return node.xpath(path, namespaces=NS)

    need("CSIP1", bool(root.get("OBJID")), "mets/@OBJID is missing")
    need("CSIP2", bool(root.get("TYPE")), "mets/@TYPE is missing")
    need(
        "CSIP3",
        root.get("TYPE") != "OTHER" or bool(root.get(f"{{{CSIP_NS}}}OTHERTYPE")),
        "OTHER needs csip:OTHERTYPE",
    )
    need(
        "CSIP4",
        package_root or bool(root.get(f"{{{CSIP_NS}}}CONTENTINFORMATIONTYPE")),
        "a representation METS needs csip:CONTENTINFORMATIONTYPE",
    )
    need("CSIP6", bool(root.get("PROFILE")), "mets/@PROFILE is missing")
    need("SIP2", root.get("PROFILE") == SIP_PROFILE, f"mets/@PROFILE is not {SIP_PROFILE}")
    headers = xp("m:metsHdr")
    need("CSIP117", len(headers) == 1, "exactly one metsHdr")
    if headers:
        header = headers[0]
        need("CSIP7", bool(header.get("CREATEDATE")), "metsHdr/@CREATEDATE is missing")
        need("CSIP9", bool(header.get(f"{{{CSIP_NS}}}OAISPACKAGETYPE")), "csip:OAISPACKAGETYPE is missing")
        need("SIP4", header.get(f"{{{CSIP_NS}}}OAISPACKAGETYPE") == "SIP", "csip:OAISPACKAGETYPE is not SIP")
        software = xp("m:agent[@ROLE='CREATOR'][@TYPE='OTHER'][@OTHERTYPE='SOFTWARE']", header)
        need("CSIP10", len(software) >= 1, "no agent for the software that made the package")
        need("CSIP11", len(xp("m:agent[@ROLE='CREATOR']", header)) >= 1, "no agent with ROLE CREATOR")
        need("CSIP12", len(xp("m:agent[@TYPE='OTHER']", header)) >= 1, "no agent with TYPE OTHER")
        need("CSIP13", len(software) >= 1, "no agent with OTHERTYPE SOFTWARE")
        for agent in software:
            need("CSIP14", len(xp("m:name", agent)) == 1, "the software agent has no name")
            need("CSIP15", len(xp("m:note", agent)) == 1, "the software agent has no note (version)")
            need(
                "CSIP16",
                len(xp("m:note[@csip:NOTETYPE='SOFTWARE VERSION']", agent)) == 1,
                "the software agent's note is not typed SOFTWARE VERSION",
            )
        if package_root:
            submitters = xp("m:agent[@ROLE='CREATOR'][@TYPE='ORGANIZATION' or @TYPE='INDIVIDUAL']", header)
            need("SIP15", len(submitters) >= 1, "no submitting agent")
            for agent in submitters:
                need("SIP18", len(xp("m:name", agent)) == 1, "the submitting agent has no name")
            for agent in xp("m:agent[@ROLE='ARCHIVIST']", header):
                need("SIP11", agent.get("TYPE") in ("ORGANIZATION", "INDIVIDUAL"), "archival creator type")
                need("SIP12", len(xp("m:name", agent)) == 1, "the archival creator has no name")
                for note in xp("m:note", agent):
                    need("SIP14", note.get(f"{{{CSIP_NS}}}NOTETYPE") == "IDENTIFICATIONCODE", "note type")
    ids = [e.get("ID") for e in root.iter() if isinstance(e.tag, str) and e.get("ID")]
    need("CSIP18", len(ids) == len(set(ids)), "the xml ids are not unique")
    for section in xp("m:dmdSec"):
        need("CSIP18", bool(section.get("ID")), "dmdSec without ID")
        need("CSIP19", bool(section.get("CREATED")), "dmdSec without CREATED")
        found += _check_mdref(
            xp("m:mdRef", section),
            where,
            ("CSIP22", "CSIP23", "CSIP24", "CSIP25", "CSIP26", "CSIP27", "CSIP28", "CSIP29", "CSIP30"),
        )
    for section in xp("m:amdSec/m:digiprovMD"):
        need("CSIP33", bool(section.get("ID")), "digiprovMD without ID")
        found += _check_mdref(
            xp("m:mdRef", section),
            where,
            ("CSIP36", "CSIP37", "CSIP38", "CSIP39", "CSIP40", "CSIP41", "CSIP42", "CSIP43", "CSIP44"),
        )
    file_secs = xp("m:fileSec")
    need("CSIP58", len(file_secs) <= 1, "more than one fileSec")
    for file_sec in file_secs:
        need("CSIP59", bool(file_sec.get("ID")), "fileSec without ID")
        groups = xp("m:fileGrp", file_sec)
        uses = [g.get("USE") or "" for g in groups]
        if package_root:
            need("CSIP60", "Documentation" in uses, "no Documentation file group")
            need("CSIP113", "Schemas" in uses, "no Schemas file group")
            need(
                "CSIP114", any(u.startswith("Representations") for u in uses), "no Representations file group"
            )
        for group in groups:
            need("CSIP64", bool(group.get("USE")), "fileGrp without USE")
            need("CSIP65", bool(group.get("ID")), "fileGrp without ID")
            files = xp("m:file", group)
            need("CSIP66", len(files) >= 1, f"the file group {group.get('USE')} has no file")
            for file in files:
                for requirement, attribute in (
                    ("CSIP67", "ID"),
                    ("CSIP68", "MIMETYPE"),
                    ("CSIP69", "SIZE"),
                    ("CSIP70", "CREATED"),
                    ("CSIP71", "CHECKSUM"),
                    ("CSIP72", "CHECKSUMTYPE"),
                ):
                    need(
                        requirement, bool(file.get(attribute)), f"file {file.get('ID')} without @{attribute}"
                    )
                locations = xp("m:FLocat", file)
                need("CSIP76", len(locations) == 1, f"file {file.get('ID')} needs exactly one FLocat")
                for location in locations:
                    need("CSIP77", location.get("LOCTYPE") == "URL", "FLocat/@LOCTYPE is not URL")
                    need("CSIP78", location.get(f"{{{XLINK_NS}}}type") == "simple", "FLocat/@xlink:type")
                    need("CSIP79", bool(location.get(f"{{{XLINK_NS}}}href")), "FLocat/@xlink:href is missing")
    maps = xp("m:structMap[@LABEL='CSIP']")
    need("CSIP80", len(xp("m:structMap")) >= 1, "no structMap")
    need("CSIP82", len(maps) == 1, "exactly one structMap labelled CSIP")
    for struct in maps:
        need("CSIP81", struct.get("TYPE") == "PHYSICAL", "the CSIP structMap is not PHYSICAL")
        need("CSIP83", bool(struct.get("ID")), "the CSIP structMap has no ID")
        divs = xp("m:div", struct)
        need("CSIP84", len(divs) == 1, "the CSIP structMap needs one main div")
        for div in divs:
            need("CSIP85", bool(div.get("ID")), "the main div has no ID")
            group_ids = {g.get("ID"): g.get("USE") for g in xp("m:fileSec/m:fileGrp")}
            if xp("m:dmdSec") or xp("m:amdSec"):
                metadata = xp("m:div[@LABEL='Metadata']", div)
                need("CSIP88", len(metadata) == 1, "no Metadata division")
                for sub in metadata:
                    need("CSIP89", bool(sub.get("ID")), "the Metadata division has no ID")
                    admids = (sub.get("ADMID") or "").split()
                    dmdids = (sub.get("DMDID") or "").split()
                    for section in xp("m:amdSec/*[@STATUS='CURRENT']"):
                        need("CSIP91", section.get("ID") in admids, f"{section.get('ID')} not referenced")
                    for section in xp("m:dmdSec[@STATUS='CURRENT']"):
                        need("CSIP92", section.get("ID") in dmdids, f"{section.get('ID')} not referenced")
            for label, (id_requirement, pointer_requirement) in {
                "Documentation": ("CSIP94", "CSIP116"),
                "Schemas": ("CSIP98", "CSIP118"),
            }.items():
                for sub in xp(f"m:div[@LABEL='{label}']", div):
                    need(id_requirement, bool(sub.get("ID")), f"the {label} division has no ID")
                    pointers = [p.get("FILEID") for p in xp("m:fptr", sub)]
                    need(
                        pointer_requirement,
                        any(group_ids.get(p) == label for p in pointers),
                        f"the {label} division does not point to the {label} file group",
                    )
            for sub in xp("m:div[starts-with(@LABEL, 'Representations/')]", div):
                need("CSIP106", bool(sub.get("ID")), "a representation division has no ID")
                pointers = xp("m:mptr", sub)
                need("CSIP109", len(pointers) == 1, "a representation division needs one mptr")
                for pointer in pointers:
                    need(
                        "CSIP107",
                        group_ids.get(pointer.get(f"{{{XLINK_NS}}}title")) == sub.get("LABEL"),
                        "the division's LABEL is not its file group's USE",
                    )
                    need(
                        "CSIP108",
                        pointer.get(f"{{{XLINK_NS}}}title") in group_ids,
                        "mptr/@xlink:title is not a file group id",
                    )
                    need("CSIP110", bool(pointer.get(f"{{{XLINK_NS}}}href")), "mptr/@xlink:href is missing")
                    need("CSIP111", pointer.get(f"{{{XLINK_NS}}}type") == "simple", "mptr/@xlink:type")
                    need("CSIP112", pointer.get("LOCTYPE") == "URL", "mptr/@LOCTYPE is not URL")
    return found


def _check_mdref(refs, where, requirements) -> list[Finding]:
    loctype, xtype, href, mdtype, mime, size, created, checksum, checksum_type = requirements
    found = []
    for ref in refs:
        for requirement, ok in (
            (loctype, ref.get("LOCTYPE") == "URL"),
            (xtype, ref.get(f"{{{XLINK_NS}}}type") == "simple"),
            (href, bool(ref.get(f"{{{XLINK_NS}}}href"))),
            (mdtype, bool(ref.get("MDTYPE"))),
            (mime, bool(ref.get("MIMETYPE"))),
            (size, bool(ref.get("SIZE"))),
            (created, bool(ref.get("CREATED"))),
            (checksum, bool(ref.get("CHECKSUM"))),
            (checksum_type, ref.get("CHECKSUMTYPE") == "SHA-256"),
        ):
            if not ok:
                found.append(Finding(requirement, where, f"mdRef {ref.get(f'{{{XLINK_NS}}}href')}"))
    return found


def _listed_files(doc, base: Path):
    """(path, size, checksum, METS element) of every file and metadata file a METS lists."""
    for element in doc.getroot().iter(f"{{{METS_NS}}}file", f"{{{METS_NS}}}mdRef"):
        if element.tag == f"{{{METS_NS}}}file":
            location = element.find(f"{{{METS_NS}}}FLocat")
            href = location.get(f"{{{XLINK_NS}}}href") if location is not None else None
        else:
            href = element.get(f"{{{XLINK_NS}}}href")
        if href:
            yield base / unquote(href), element.get("SIZE"), element.get("CHECKSUM"), element


def _check_structure(root: Path, objid: str) -> list[Finding]:
    found = []

    def need(requirement, ok, message):
        if not ok:
            found.append(Finding(requirement, root.name, message))

    need("CSIPSTR2", root.name == objid, f"the root folder is not named after the OBJID {objid}")
    need("CSIPSTR4", (root / "METS.xml").is_file(), "no METS.xml in the root folder")
    need("CSIPSTR5", (root / "metadata").is_dir(), "no metadata folder")
    need("CSIPSTR6", (root / "metadata" / "preservation").is_dir(), "no metadata/preservation folder")
    need("CSIPSTR7", (root / "metadata" / "descriptive").is_dir(), "no metadata/descriptive folder")
    need("CSIPSTR9", (root / "representations").is_dir(), "no representations folder")
    for representation in sorted((root / "representations").glob("*")):
        need("CSIPSTR11", (representation / "data").is_dir(), f"{representation.name} has no data folder")
        need("CSIPSTR12", (representation / "METS.xml").is_file(), f"{representation.name} has no METS.xml")
    need("CSIPSTR15", (root / "schemas").is_dir(), "no schemas folder")
    need("CSIPSTR16", (root / "documentation").is_dir(), "no documentation folder")
    return found


def validate_package(root: Path) -> list[str]:
    """Check the package in folder `root`; raise PackageInvalid with every finding. Returns
    the names of the checks made (for the command's report)."""
    root = Path(root)
    findings: list[Finding] = []
    checked: set[Path] = set()
    mets_files = [root / "METS.xml", *sorted(root.glob("representations/*/METS.xml"))]
    if not (root / "METS.xml").is_file():
        raise PackageInvalid([Finding("CSIPSTR4", root.name, "no METS.xml in the root folder")])
    objid = ""
    schema = mets_schema()
    for mets in mets_files:
        where = mets.relative_to(root).as_posix()
        try:
            doc = etree.parse(str(mets), _parser())
        except etree.XMLSyntaxError as error:
            findings.append(Finding("XML", where, str(error)))
            continue
        if mets == root / "METS.xml":
            objid = doc.getroot().get("OBJID", "")
        if not schema.validate(doc):
            findings += [Finding("XSD", where, f"line {e.line}: {e.message}") for e in schema.error_log]
        findings += _check_profile(doc, where, package_root=mets == root / "METS.xml")
        checked.add(mets)
        for path, size, checksum, _element in _listed_files(doc, mets.parent):
            relative = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
            if not path.resolve().is_relative_to(root.resolve()):
                findings.append(Finding("CSIP79", where, f"{relative} points outside the package"))
                continue
            if not path.is_file():
                findings.append(Finding("CSIP79", where, f"{relative} is listed but missing"))
                continue
            checked.add(path)
            if size and int(size) != path.stat().st_size:
                findings.append(
                    Finding("CSIP69", where, f"{relative}: size {path.stat().st_size}, METS says {size}")
                )
            if checksum and checksum.lower() != _sha256(path):
                findings.append(Finding("CSIP71", where, f"{relative}: the SHA-256 does not match"))
    findings += _check_structure(root, objid)
    unlisted = sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p not in checked
    )
    findings += [
        Finding("CSIP58", root.name, f"{name} is in the package but no METS lists it") for name in unlisted
    ]
    for erms in sorted((root / "metadata" / "descriptive").glob("*.xml")):
        where = erms.relative_to(root).as_posix()
        doc = etree.parse(str(erms), _parser())
        if doc.getroot().tag != f"{{{ERMS_NS}}}erms":
            continue
        if not erms_schema().validate(doc):
            findings += [
                Finding("ERMS-XSD", where, f"line {e.line}: {e.message}") for e in erms_schema().error_log
            ]
        schematron = erms_schematron()
        if not schematron.validate(doc):
            failed = schematron.validation_report.xpath(
                "//svrl:failed-assert/svrl:text", namespaces={"svrl": "http://purl.oclc.org/dsdl/svrl"}
            )
            findings += [Finding("ERMS-SCH", where, " ".join(t.xpath("string()").split())) for t in failed]
        for appendix in doc.getroot().iter(f"{{{ERMS_NS}}}appendix"):
            if not (root / appendix.get("path")).is_file():
                findings.append(
                    Finding("ERMS-PATH", where, f"appendix {appendix.get('path')} is not in the package")
                )
    for pdf in sorted(root.glob("representations/*/data/**/*.pdf")):
        # Every PDF is checked: a protokoll and a protokollsutdrag must carry signatures that
        # hold; any other PDF that is signed must still validate too.
        where = pdf.relative_to(root).as_posix()
        must_be_signed = pdf.name == "protokoll.pdf" or pdf.parent.name == "protokollsutdrag"
        try:
            reports = signing.pdf_verify(pdf.read_bytes())
        except Exception as error:  # a broken PDF: say so, with the others
            findings.append(Finding("SIGNATURE", where, f"cannot be read: {error}"))
            continue
        if not reports:
            if must_be_signed:
                findings.append(Finding("SIGNATURE", where, "has no signature"))
            continue
        if not reports[-1].covers_whole_document:
            findings.append(Finding("SIGNATURE", where, "was changed after the last signature"))
        for item in reports:
            if not item.ok:
                findings.append(
                    Finding("SIGNATURE", where, f"{item.field_name}: {item.reason or item.problem}")
                )
    if findings:
        raise PackageInvalid(findings)
    return ["XSD", "CSIP", "SIP", "CSIPSTR", "CHECKSUM", "ERMS-XSD", "ERMS-SCH", "SIGNATURE"]
