"""The preservation metadata of a package as PREMIS 3 (metadata/preservation/premis.xml)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from lxml import etree

from .common import (
    PREMIS_NS,
    SOFTWARE,
    SOFTWARE_VERSION,
    XSI_NS,
    PackageFile,
    iso,
    package_id,
    sha256,
    stable_uuid,
    xml_bytes,
    xml_element,
)
from .selection import PeriodContent

# --- PREMIS ---------------------------------------------------------------------------------


def _p(parent, tag, text=None, **attrs):
    return xml_element(parent, tag, text, ns=PREMIS_NS, **attrs)


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
