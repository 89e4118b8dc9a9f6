"""The records-management content of a package as CITS ERMS 3 (metadata/descriptive/erms.xml):
the sammanträden with their documents, the ärenden with the §§ that decided in them, the
delegationsbeslut and remisser registers; confidential records with their OSL restriction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.utils import timezone
from lxml import etree

from .common import (
    ERMS_NS,
    OPEN,
    REPRESENTATION,
    SOFTWARE,
    PackageFile,
    iso,
    package_id,
    sha256,
    stable_uuid,
    xml_bytes,
    xml_element,
)
from .selection import PeriodContent

# --- ERMS -----------------------------------------------------------------------------------


def _e(parent, tag, text=None, ns=ERMS_NS, **attrs):
    return xml_element(parent, tag, text, ns=ns, **attrs)


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
