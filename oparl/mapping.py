"""One function per OParl 1.1 type: a published row (from `oparl.queries`) → its JSON object.

Paragraphs are shown only through `public_paragraph()` and agenda items only through
`public_agenda_item()`, so a confidential one gives just its number and "Sekretess (OSL …)".
People give their name, party and title, never an e-mail address or phone number.
Empty values are left out, as OParl asks.

One module (over 400 lines) because the OParl types refer to each other; the mapping of any
one type is short.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from django.urls import reverse
from django.utils import timezone

from portal.published import public_agenda_item, public_paragraph

from .lagakraft import laga_kraft_extension  # the paragraf:lagaKraft extension (oparl/lagakraft.py)
from .text import plain_text
from .votes import agenda_item_extension  # the paragraf:votes extension (oparl/votes.py)

OPARL_VERSION = "https://schema.oparl.org/1.1/"
# OParl's own suggested value for a political body ("Gremium").
ORGANIZATION_TYPE = "Gremium"
# A party group, as OParl names it (German "Fraktion"); `classification` says "parti".
PARTY_ORGANIZATION_TYPE = "Fraktion"
# Swedish public records (allmänna handlingar) are free to reuse; the API's data is given
# away under CC0 1.0 (docs/open-data.md, "License").
LICENSE = "https://creativecommons.org/publicdomain/zero/1.0/"


class Links:
    """Absolute URLs: the API's own objects and lists, and the public portal's pages."""

    def __init__(self, request):
        self.request = request

    def api(self, name: str, *args) -> str:
        return self.request.build_absolute_uri(reverse(f"oparl:{name}", args=args))

    def web(self, name: str, *args) -> str:
        return self.request.build_absolute_uri(reverse(f"portal:{name}", args=args))


def oparl_type(name: str) -> str:
    return f"{OPARL_VERSION}{name}"


def _clean(data: dict) -> dict:
    """Leave out what has no value (None or an empty string); keep False, 0 and lists."""
    return {key: value for key, value in data.items() if value is not None and value != ""}


def _datetime(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _date(value) -> str | None:
    return value.isoformat() if value else None


# --- The installation and the bodies -------------------------------------------------------------


def system(links: Links) -> dict:
    return {
        "id": links.api("system"),
        "type": oparl_type("System"),
        "oparlVersion": OPARL_VERSION,
        "name": "Paragraf",
        "license": LICENSE,
        "body": links.api("body_list"),
        "web": links.web("start"),
    }


def body(organisation, links: Links, *, terms) -> dict:
    pk = organisation.pk
    return _clean(
        {
            "id": links.api("body", pk),
            "type": oparl_type("Body"),
            "system": links.api("system"),
            "name": organisation.name,
            "shortName": organisation.short_name,
            "license": LICENSE,
            "website": organisation.website,
            "contactEmail": organisation.email,
            "organization": links.api("body_organization", pk),
            "person": links.api("body_person", pk),
            "meeting": links.api("body_meeting", pk),
            "paper": links.api("body_paper", pk),
            "agendaItem": links.api("body_agendaitem", pk),
            "file": links.api("body_file", pk),
            "membership": links.api("body_membership", pk),
            "locationList": links.api("body_location", pk),
            "legislativeTermList": links.api("body_legislativeterm", pk),
            "legislativeTerm": [legislative_term(term, links) for term in terms],
            "web": links.web("start"),
        }
    )


def legislative_term(term, links: Links) -> dict:
    return {
        "id": links.api("legislativeterm", term.start_year),
        "type": oparl_type("LegislativeTerm"),
        "name": f"Mandatperiod {term.start.year}–{term.end.year}",
        "startDate": term.start.isoformat(),
        "endDate": term.end.isoformat(),
    }


# --- Committees, people, assignments -------------------------------------------------------------


def organization(committee, links: Links) -> dict:
    """A committee. `public_assignments` is prefetched by `queries.organizations()`."""
    parent = committee.parent if committee.parent_id and committee.parent.is_active else None
    return _clean(
        {
            "id": links.api("organization", committee.pk),
            "type": oparl_type("Organization"),
            "body": links.api("body", committee.organisation_id),
            "name": committee.name,
            "shortName": committee.short_name,
            "membership": [links.api("membership", a.pk) for a in committee.public_assignments],
            "meeting": links.api("organization_meeting", committee.pk),
            "subOrganizationOf": links.api("organization", parent.pk) if parent else None,
            "organizationType": ORGANIZATION_TYPE,
            "classification": str(committee.get_kind_display()),
            "web": links.web("committee", committee.slug),
        }
    )


def person(person, links: Links) -> dict:
    """Name, party (as text, in the vendor property `paragraf:party`), title and assignments."""
    return _clean(
        {
            "id": links.api("person", person.pk),
            "type": oparl_type("Person"),
            "name": person.full_name,
            "familyName": person.last_name,
            "givenName": person.first_name,
            "status": [person.title] if person.title else None,
            "membership": [membership(a, links) for a in person.public_assignments],
            "paragraf:party": str(person.party) if person.party_id else None,
        }
    )


def membership(assignment, links: Links) -> dict:
    return _clean(
        {
            "id": links.api("membership", assignment.pk),
            "type": oparl_type("Membership"),
            "person": links.api("person", assignment.person_id),
            "organization": links.api("organization", assignment.committee_id),
            "role": str(assignment.get_role_display()),
            # Ordinarie ledamöter vote; an ersättare only when serving in a member's place.
            "votingRight": assignment.is_member,
            "startDate": _date(assignment.valid_from),
            "endDate": _date(assignment.valid_to),
        }
    )


# --- Meetings and their agenda -------------------------------------------------------------------


def meeting_name(meeting) -> str:
    return f"{meeting.committee.name} sammanträde {timezone.localtime(meeting.start):%Y-%m-%d}"


def meeting(meeting, links: Links) -> dict:
    """A meeting from `queries.meetings()`: its agenda is the paragraphs of the published
    protokoll, or the published agenda of a meeting still to be held."""
    if meeting.is_published:
        paragraphs = enumerate(meeting.public_paragraphs)
        items = [agenda_item_of_paragraph(p, links, position=i) for i, p in paragraphs]
    else:
        items = [agenda_item(item, links, position=i) for i, item in enumerate(meeting.public_agenda_items)]
    return _clean(
        {
            "id": links.api("meeting", meeting.pk),
            "type": oparl_type("Meeting"),
            "name": meeting_name(meeting),
            "meetingState": str(meeting.get_status_display()),
            "cancelled": False,  # cancelled meetings are not on the public calendar
            "start": _datetime(meeting.start),
            "end": _datetime(meeting.end),
            "location": location(meeting, links) if meeting.location else None,
            "organization": [links.api("organization", meeting.committee_id)],
            "agendaItem": items,
            # Only a PDF that can be served (queries.protokoll_meetings), as the File list.
            "resultsProtocol": protokoll_file(meeting, links) if meeting.has_protokoll_file else None,
            "web": links.web("meeting", meeting.pk),
        }
    )


def location(meeting, links: Links) -> dict:
    """A meeting's place, as written in the kallelse ("Regionens hus, sal A")."""
    return {
        "id": links.api("location", meeting.pk),
        "type": oparl_type("Location"),
        "description": meeting.location,
        "meetings": [links.api("meeting", meeting.pk)],
    }


def agenda_item_of_paragraph(paragraph, links: Links, *, position: int | None = None) -> dict:
    """A paragraph (§) of a published protokoll. A confidential one: number and name only."""
    public = public_paragraph(paragraph)
    data = {
        "id": links.api("paragraph", public.pk),
        "type": oparl_type("AgendaItem"),
        "meeting": links.api("meeting", public.meeting_id),
        "number": public.label,
        "order": paragraph.position if position is None else position,
        "name": public.title,
        "public": not public.confidential,
        "web": links.web("paragraph", public.meeting_id, public.number),
    }
    if not public.confidential:
        attachments = paragraph.agenda_item.attachments.all() if paragraph.agenda_item_id else []
        data.update(
            resolutionText=plain_text(public.decision),
            auxiliaryFile=[document_file(link.document, links) for link in attachments],
        )
        if public.case_id:
            data["consultation"] = links.api("consultation", paragraph.pk)
        data.update(agenda_item_extension(paragraph, public, links))  # paragraf:votes (oparl/votes.py)
        data.update(laga_kraft_extension(paragraph, public, links))  # paragraf:lagaKraft
    return _clean(data)


def agenda_item(item, links: Links, *, position: int | None = None) -> dict:
    """An item of the published agenda of a meeting still to be held, numbered as in the kallelse."""
    position = item.position if position is None else position
    public = public_agenda_item(item, number=position + 1)
    data = {
        "id": links.api("agendaitem", public.pk),
        "type": oparl_type("AgendaItem"),
        "meeting": links.api("meeting", item.meeting_id),
        "number": str(public.number),
        "order": position,
        "name": public.title,
        "public": not public.withheld,
        "web": links.web("meeting", item.meeting_id),
    }
    if not public.withheld:
        data["auxiliaryFile"] = [document_file(link.document, links) for link in item.attachments.all()]
        if public.case_id:
            data["consultation"] = links.api("agenda_consultation", item.pk)
    return _clean(data)


# --- Cases and files -----------------------------------------------------------------------------


def paper(case, links: Links) -> dict:
    """A case (ärende) with its diarienummer, public handlingar (`public_documents`) and the
    public §§ and agenda items that handled it (`public_paragraphs`, `public_agenda_items`)."""
    committee = case.committee if case.committee_id and case.committee.is_active else None
    consultations = [consultation(p, links) for p in case.public_paragraphs]
    consultations += [agenda_consultation(item, links) for item in case.public_agenda_items]
    return _clean(
        {
            "id": links.api("paper", case.pk),
            "type": oparl_type("Paper"),
            "body": links.api("body", case.organisation_id),
            "name": case.title,
            "reference": case.diarienummer,
            "date": _date(paper_date(case)),
            "paperType": paper_type(case),
            "underDirectionOf": [links.api("organization", committee.pk)] if committee else None,
            "auxiliaryFile": [document_file(document, links) for document in case.public_documents],
            "consultation": consultations,
            "web": links.web("case", case.pk),
        }
    )


def paper_type(case) -> str:
    """ "Motion" or "Remiss" when the case holds one (`queries.papers()` annotates), else "Ärende"."""
    if case.has_motion:
        return "Motion"
    if case.has_remiss:
        return "Remiss"
    return "Ärende"


def paper_date(case):
    """The registration day; else the earliest public handling's date (or upload day); else
    the day of the first meeting that handled it or will."""
    if case.registered_on:
        return case.registered_on
    days = [d.date or timezone.localdate(d.created_at) for d in case.public_documents]
    if not days:
        handled = [*case.public_paragraphs, *case.public_agenda_items]
        days = [timezone.localdate(row.meeting.start) for row in handled]
    return min(days, default=None)


def consultation(paragraph, links: Links) -> dict:
    """The § of a published protokoll that handled a public case (from `public_paragraphs`)."""
    return {
        "id": links.api("consultation", paragraph.pk),
        "type": oparl_type("Consultation"),
        "paper": links.api("paper", paragraph.case_id),
        "agendaItem": links.api("paragraph", paragraph.pk),
        "meeting": links.api("meeting", paragraph.meeting_id),
        "organization": [links.api("organization", paragraph.meeting.committee_id)],
        "authoritative": True,  # the § is the committee's decision
        "role": "Beslut",
    }


def agenda_consultation(item, links: Links) -> dict:
    """An open item of a published agenda (meeting still to be held) that will handle a case."""
    return {
        "id": links.api("agenda_consultation", item.pk),
        "type": oparl_type("Consultation"),
        "paper": links.api("paper", item.case_id),
        "agendaItem": links.api("agendaitem", item.pk),
        "meeting": links.api("meeting", item.meeting_id),
        "organization": [links.api("organization", item.meeting.committee_id)],
        "authoritative": False,  # not decided yet
        "role": str(item.get_kind_display()),
    }


def document_file(document, links: Links) -> dict:
    """A public handling."""
    return _clean(
        {
            "id": links.api("file", document.pk),
            "type": oparl_type("File"),
            "name": document.title,
            "fileName": _file_name(document),
            "mimeType": document.content_type,
            "date": _date(document.date),
            "size": document.size,
            "sha512Checksum": document.sha512,
            "accessUrl": links.web("document", document.pk),
            "downloadUrl": links.web("document", document.pk),
        }
    )


def _file_name(document) -> str:
    """The uploaded name; a DOCX/ODT converted to PDF is served as "<name>.pdf"."""
    name = PurePosixPath(document.original_name or document.file.name).name
    if document.content_type == "application/pdf" and not name.lower().endswith(".pdf"):
        name = f"{PurePosixPath(name).stem}.pdf"
    return name


def protokoll_file(meeting, links: Links) -> dict:
    """The justerat protokoll of a published meeting, as the public portal serves it."""
    return _clean(
        {
            "id": links.api("protokoll", meeting.pk),
            "type": oparl_type("File"),
            "name": f"Protokoll {meeting.committee.name} {timezone.localtime(meeting.start):%Y-%m-%d}",
            "fileName": "protokoll.pdf",
            "mimeType": "application/pdf",
            "date": _date(timezone.localdate(meeting.justering.completed_at)),
            "accessUrl": links.web("protokoll_pdf", meeting.pk),
            "downloadUrl": links.web("protokoll_pdf", meeting.pk),
            "meeting": [links.api("meeting", meeting.pk)],
            "web": links.web("protokoll", meeting.pk),
        }
    )


# --- Parties -------------------------------------------------------------------------------------


def party(party, links: Links) -> dict:
    """A party with people in the published committees (`public_members` prefetched)."""
    return _clean(
        {
            "id": links.api("party", party.pk),
            "type": oparl_type("Organization"),
            "name": party.name,
            "shortName": party.abbreviation,
            "organizationType": PARTY_ORGANIZATION_TYPE,
            "classification": "parti",
            "membership": [links.api("party_membership", person.pk) for person in party.public_members],
        }
    )


def party_membership(person, links: Links) -> dict:
    """A person's membership of their party: its id is the person's (one party per person)."""
    return {
        "id": links.api("party_membership", person.pk),
        "type": oparl_type("Membership"),
        "person": links.api("person", person.pk),
        "organization": links.api("party", person.party_id),
    }


# --- What stopped being public -------------------------------------------------------------------


def tombstone(record, links: Links, *, url_name: str, type_name: str) -> dict:
    """An object that was public and is no longer (OParl 1.1, "deleted"): nothing but its id,
    type and when it went."""
    return {
        "id": links.api(url_name, record.object_id),
        "type": oparl_type(type_name),
        "deleted": True,
        "modified": _datetime(record.modified),
    }
