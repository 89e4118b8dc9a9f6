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

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from lxml import etree

from .reports import signature_reports
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


# --- ERMS -----------------------------------------------------------------------------------


def _e(parent, tag, text=None, ns=ERMS_NS, **attrs):
    element = etree.SubElement(
        parent, f"{{{ns}}}{tag}", {k: str(v) for k, v in attrs.items() if v is not None}
    )
    if text is not None:
        element.text = str(text)
    return element


def _erms_agent(parent, agent_type, name, *, organisation="", role=""):
    agent = _e(parent, "agent", agentType=agent_type)
    _e(agent, "name", name)
    if organisation:
        _e(agent, "organisation", organisation)
    if role:
        _e(agent, "role", role)
    return agent


def _erms_dates(parent, dates):
    dates = [(kind, moment) for kind, moment in dates if moment]
    if dates:
        element = _e(parent, "dates")
        for kind, moment in dates:
            _e(element, "date", iso(moment), dateType=kind)


def _as_moment(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


def _erms_restriction(parent, osl_reference: str):
    restriction = _e(parent, "restriction", restrictionType="confidential")
    _e(restriction, "explanatoryText", "Sekretess enligt offentlighets- och sekretesslagen (2009:400).")
    _e(restriction, "regulation", osl_reference or "OSL")


def _erms_record(
    parent,
    *,
    system_id,
    object_id,
    record_type,
    title,
    status=None,
    restriction="",
    direction=None,
    agents=(),
    description="",
    dates=(),
    signatures=None,
    appendices=(),
    relations=(),
    running_number=None,
    extra_ids=(),
):
    record = _e(
        parent,
        "record",
        systemIdentifier=system_id,
        recordType=record_type,
        recordPhysicalOrDigital="digital",
    )
    _e(record, "objectId", object_id)
    for id_type, value in extra_ids:
        _e(record, "extraId", value, extraIdType=id_type)
    _e(record, "title", title)
    if status:
        _e(record, "status", value=status)
    if running_number is not None:
        _e(record, "runningNumber", running_number)
    for relation_type, target in relations:
        _e(record, "relation", target, relationType=relation_type)
    if restriction:
        _erms_restriction(record, restriction)
    if direction:
        _e(record, "direction", directionDefinition=direction)
    if agents:
        element = _e(record, "agents")
        for agent in agents:
            _erms_agent(element, *agent[:2], **(agent[2] if len(agent) > 2 else {}))
    if description:
        _e(record, "description", description)
    _erms_dates(record, dates)
    if signatures is not None:
        element = _e(record, "eSignatures")
        _e(element, "eSignature", present="true" if signatures else "false")
    if appendices:
        info = _e(record, "additionalInformation")
        for name, path, description_text in appendices:
            _e(info, "appendix", name=name, path=path, description=description_text, fileFormat="PDF/A")
    return record


def _plain(html: str) -> str:
    return " ".join(etree.HTML(f"<div>{html}</div>").xpath("string()").split()) if html else ""


def build_erms(content: PeriodContent, kind: str, files: list[PackageFile], *, created: dt.datetime) -> bytes:
    committee, organisation = content.committee, content.committee.organisation
    pid = package_id(content, kind)
    root = etree.Element(f"{{{ERMS_NS}}}erms", nsmap={None: ERMS_NS})
    control = _e(root, "control")
    _e(control, "identification", pid, identificationType="package")
    _e(control, "identification", f"{committee.name} {content.period.label}", identificationType="title")
    maintenance = _e(control, "maintenanceInformation")
    _e(maintenance, "maintenanceStatus", value="new")
    agency = _e(maintenance, "maintenanceAgency")
    _e(agency, "agencyName", organisation.name)
    history = _e(maintenance, "maintenanceHistory")
    event = _e(history, "maintenanceEvent")
    _e(event, "eventType", value="created")
    _e(event, "eventDateTime", iso(created))
    _erms_agent(event, "creator", SOFTWARE)

    open_package = kind == OPEN
    by_meeting: dict[str, list[PackageFile]] = {}
    for f in files:
        if f.item:
            by_meeting.setdefault(f.item.meeting_key, []).append(f)

    aggregations = _e(root, "aggregations")

    # Sammanträden: one file (akt) per meeting, its documents as records.
    meetings_class = _e(
        aggregations,
        "aggregation",
        systemIdentifier=stable_uuid(pid, "class", "meetings"),
        aggregationType="class",
    )
    _e(meetings_class, "objectId", f"{committee.slug}/sammantraden/{content.period.label}")
    _e(meetings_class, "title", f"Sammanträden {committee.name} {content.period.label}")
    for meeting_content in content.meetings:
        meeting = meeting_content.meeting
        meeting_files = by_meeting.get(meeting_content.key, [])
        if not meeting_files:
            continue
        day = timezone.localtime(meeting.start)
        aggregation = _e(
            meetings_class,
            "aggregation",
            systemIdentifier=stable_uuid(pid, "meeting", meeting.signature_reference),
            aggregationType="file",
        )
        _e(aggregation, "objectId", f"{committee.slug}/{meeting_content.key}")
        _e(aggregation, "title", f"Sammanträde {committee.name} {day:%Y-%m-%d}")
        _e(aggregation, "status", value="closed")
        _erms_dates(
            aggregation, [("start", meeting.start), ("finished", meeting_content.justering.completed_at)]
        )
        signers = list(meeting_content.justering.signatures.select_related("person").order_by("order", "pk"))
        for f in meeting_files:
            item = f.item
            agents = []
            dates = [("created", item.created)]
            if item.kind == "protokoll":
                for signature in signers:
                    agents.append(
                        (
                            "main_signatory" if signature.role == "ordforande" else "other_signatory",
                            signature.person.full_name,
                            {"role": signature.get_role_display()},
                        )
                    )
                dates.append(("decision", meeting.start))
            data_path = f"representations/{REPRESENTATION}/data/{f.path}"
            report = f"representations/{REPRESENTATION}/data/{f.path[:-4]}-signaturvalidering.xml"
            appendices = [(Path(f.path).name, data_path, item.title)]
            relations = [("reference", report)] if item.signed else []
            _erms_record(
                aggregation,
                system_id=stable_uuid(pid, "file", f.path),
                object_id=f.path,
                record_type=item.kind,
                title=item.title,
                restriction=item.osl_reference if item.confidential else "",
                agents=agents,
                dates=dates,
                signatures=bool(item.signed) if item.signed else None,
                appendices=appendices,
                relations=relations,
                extra_ids=[("sha256", sha256(f.content))],
            )

    # Ärenden: one caseFile per ärende, the §§ that decided in it as records.
    paragraphs_by_case: dict[int, list] = {}
    for meeting_content in content.meetings:
        for paragraph in meeting_content.paragraphs:
            if paragraph.case_id:
                paragraphs_by_case.setdefault(paragraph.case_id, []).append((meeting_content, paragraph))

    def secret_paragraphs(case):
        return any(p.confidential for _m, p in paragraphs_by_case.get(case.pk, []))

    # The open package: the open ärenden (without their confidential §§); the confidential one:
    # the confidential ärenden, and the open ärenden in which a confidential § was decided.
    cases = [
        c
        for c in content.cases
        if (not c.confidential if open_package else (c.confidential or secret_paragraphs(c)))
    ]
    if cases:
        cases_class = _e(
            aggregations,
            "aggregation",
            systemIdentifier=stable_uuid(pid, "class", "cases"),
            aggregationType="class",
        )
        _e(cases_class, "objectId", f"{organisation.diarium_prefix or 'diarium'}/arenden")
        _e(cases_class, "title", "Ärenden")
        for case in cases:
            aggregation = _e(
                cases_class,
                "aggregation",
                systemIdentifier=stable_uuid(pid, "case", case.diarienummer),
                aggregationType="caseFile",
            )
            _e(aggregation, "objectId", case.diarienummer)
            _e(aggregation, "title", case.title)
            _e(aggregation, "status", value="closed" if case.status == case.Status.CLOSED else "open")
            if case.confidential:
                _erms_restriction(aggregation, case.osl_reference)
            if case.committee_id:
                agents = _e(aggregation, "agents")
                _erms_agent(agents, "responsible_person", case.committee.name, organisation=organisation.name)
            _erms_dates(aggregation, [("created", _as_moment(case.registered_on))])
            for meeting_content, paragraph in paragraphs_by_case.get(case.pk, []):
                if open_package and paragraph.confidential:
                    continue
                if not open_package and not (case.confidential or paragraph.confidential):
                    continue
                protokoll = f"representations/{REPRESENTATION}/data/{meeting_content.key}/protokoll.pdf"
                _erms_record(
                    aggregation,
                    system_id=stable_uuid(
                        pid, "paragraph", meeting_content.meeting.signature_reference, paragraph.number
                    ),
                    object_id=f"{committee.slug} {paragraph.year} § {paragraph.number}",
                    record_type="beslut",
                    title=paragraph.title,
                    running_number=paragraph.number,
                    restriction=paragraph.osl_reference if paragraph.confidential else "",
                    description=_plain(paragraph.decision),
                    dates=[("decision", meeting_content.meeting.start)],
                    relations=[("part_of", protokoll)],
                )

    # Delegationsbeslut and remisser: the register rows.
    decisions = [
        d for d in content.delegated_decisions if bool(d.case and d.case.confidential) != open_package
    ]
    if decisions:
        register = _e(
            aggregations,
            "aggregation",
            systemIdentifier=stable_uuid(pid, "class", "delegation"),
            aggregationType="class",
        )
        _e(register, "objectId", f"{committee.slug}/delegationsbeslut/{content.period.label}")
        _e(register, "title", "Delegationsbeslut")
        for decision in decisions:
            relations = [("reference", decision.case.diarienummer)] if decision.case else []
            if decision.reported_in_paragraph_id:
                relations.append(("reference", f"{committee.slug} § {decision.reported_in_paragraph.number}"))
            _erms_record(
                register,
                system_id=stable_uuid(
                    pid,
                    "delegation",
                    decision.decision_maker.full_name,
                    decision.year,
                    decision.decision_maker_number,
                ),
                object_id=decision.registration_id
                or f"{decision.decision_maker.full_name} {decision.number_label}",
                record_type="delegationsbeslut",
                title=decision.description[:500],
                running_number=decision.decision_maker_number,
                restriction=decision.case.osl_reference
                if decision.case and decision.case.confidential
                else "",
                agents=[
                    (
                        "authorising_person",
                        decision.decision_maker.full_name,
                        {"role": f"{decision.point.code} {decision.point.delegate_role}"},
                    )
                ],
                dates=[("decision_date", _as_moment(decision.decided_on))],
                relations=relations,
                extra_ids=[("delegationspunkt", decision.point.code)],
            )
    remisser = [r for r in content.remisser if bool(r.case and r.case.confidential) != open_package]
    if remisser:
        register = _e(
            aggregations,
            "aggregation",
            systemIdentifier=stable_uuid(pid, "class", "remisser"),
            aggregationType="class",
        )
        _e(register, "objectId", f"{committee.slug}/remisser/{content.period.label}")
        _e(register, "title", "Remisser")
        directions = {"I": "incoming", "U": "outgoing", "K": "internal_memo_for_follow-up"}
        for remiss in remisser:
            relations = [("reference", remiss.case.diarienummer)] if remiss.case else []
            if remiss.answered_by_paragraph_id:
                relations.append(("reference", f"{committee.slug} § {remiss.answered_by_paragraph.number}"))
            _erms_record(
                register,
                system_id=stable_uuid(
                    pid, "remiss", remiss.registration_id, remiss.received_on, remiss.title
                ),
                object_id=remiss.registration_id or remiss.title[:100],
                record_type="remiss",
                title=remiss.title,
                status="closed" if remiss.status in ("besvarad", "avstar") else "in_progress",
                direction=directions.get(remiss.direction, "incoming"),
                restriction=remiss.case.osl_reference if remiss.case and remiss.case.confidential else "",
                agents=[("sender", remiss.sender)],
                dates=[
                    ("received", _as_moment(remiss.received_on)),
                    ("decision_deadline", _as_moment(remiss.answer_by)),
                ],
                relations=relations,
            )
    return xml_bytes(root)


# --- PREMIS ---------------------------------------------------------------------------------


def _p(parent, tag, text=None, **attrs):
    return _e(parent, tag, text, ns=PREMIS_NS, **attrs)


def _premis_id(parent, kind, value):
    element = _p(parent, f"{kind}Identifier")
    _p(element, f"{kind}IdentifierType", "UUID")
    _p(element, f"{kind}IdentifierValue", value)


def _premis_link(parent, kind, value, role=None):
    element = _p(parent, f"linking{kind}Identifier")
    _p(element, f"linking{kind}IdentifierType", "UUID")
    _p(element, f"linking{kind}IdentifierValue", value)
    if role:
        _p(element, f"linking{kind}Role", role)


def build_premis(
    content: PeriodContent, kind: str, files: list[PackageFile], *, created: dt.datetime
) -> bytes:
    """The PREMIS 3 of the package: each file as an object (fixity, format), and the events
    that can be stated from the data: the protokoll's creation (frozen for justering), each
    signature, each extract's certification, the validation of the signatures and the export."""
    pid = package_id(content, kind)
    organisation = content.committee.organisation
    root = etree.Element(f"{{{PREMIS_NS}}}premis", nsmap={"premis": PREMIS_NS, "xsi": XSI_NS}, version="3.0")
    objects = {}
    for f in files:
        object_id = stable_uuid(pid, "object", f.path)
        objects[f.path] = object_id
        element = _p(root, "object")
        element.set(f"{{{XSI_NS}}}type", "premis:file")
        _premis_id(element, "object", object_id)
        characteristics = _p(element, "objectCharacteristics")
        fixity = _p(characteristics, "fixity")
        _p(fixity, "messageDigestAlgorithm", "SHA-256")
        _p(fixity, "messageDigest", sha256(f.content))
        _p(characteristics, "size", len(f.content))
        designation = _p(_p(characteristics, "format"), "formatDesignation")
        _p(
            designation,
            "formatName",
            {"application/pdf": "PDF/A", "application/json": "JSON"}.get(f.mimetype, "XML"),
        )
        _p(element, "originalName", f"data/{f.path}")

    software_id = stable_uuid("agent", SOFTWARE)
    organisation_id = stable_uuid("agent", organisation.name)
    people: dict[str, str] = {}
    events = []

    def event(event_type, when, detail, linked, agent=None, outcome="success"):
        events.append((event_type, when, detail, linked, agent, outcome))

    for meeting_content in content.meetings:
        justering = meeting_content.justering
        protokoll = f"{meeting_content.key}/protokoll.pdf"
        if protokoll not in objects:
            continue
        if justering.frozen_at:
            event(
                "creation",
                justering.frozen_at,
                "Protokollet fastställt för justering (låst).",
                [protokoll],
                software_id,
            )
        for signature in justering.signatures.select_related("person").order_by("order", "pk"):
            if signature.signed_at:
                person_id = people.setdefault(
                    signature.person.full_name, stable_uuid("person", signature.person.pk)
                )
                event(
                    "digital signature generation",
                    signature.signed_at,
                    f"Justering som {signature.get_role_display()}: {signature.person.full_name}.",
                    [protokoll],
                    person_id,
                )
    for f in files:
        if f.item and f.item.kind == "utdrag":
            event(
                "digital signature generation",
                f.created,
                "Protokollsutdrag bestyrkt.",
                [f.path],
                organisation_id,
            )
        if f.report_of:
            event(
                "digital signature validation",
                created,
                f"Underskrifterna i {f.report_of} validerade vid exporten ({Path(f.path).name}).",
                [f.report_of, f.path],
                software_id,
            )
    event(
        "packing",
        created,
        f"E-ARK SIP {pid} skapad av {SOFTWARE} {SOFTWARE_VERSION}.",
        [f.path for f in files],
        software_id,
    )

    for number, (event_type, when, detail, linked, agent, outcome) in enumerate(events, start=1):
        element = _p(root, "event")
        _premis_id(element, "event", stable_uuid(pid, "event", number, event_type, iso(when), *linked[:2]))
        _p(element, "eventType", event_type)
        _p(element, "eventDateTime", iso(when))
        _p(_p(element, "eventDetailInformation"), "eventDetail", detail)
        _p(_p(element, "eventOutcomeInformation"), "eventOutcome", outcome)
        if agent:
            _premis_link(element, "Agent", agent)
        for path in linked:
            _premis_link(element, "Object", objects[path])
    for agent_id, name, agent_type in [
        (software_id, f"{SOFTWARE} {SOFTWARE_VERSION}", "software"),
        (organisation_id, organisation.name, "organization"),
        *[(value, name, "person") for name, value in sorted(people.items())],
    ]:
        element = _p(root, "agent")
        _premis_id(element, "agent", agent_id)
        _p(element, "agentName", name)
        _p(element, "agentType", agent_type)
    return xml_bytes(root)


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
