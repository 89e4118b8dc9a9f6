"""A small public world for the portal's whole-site tests (canary, accessibility, no-JS).

One committee with:
- a justerat, posted protokoll (real signatures) with an open § (with a case) and a
  confidential § whose title and decision hold a canary string;
- a drafted protokoll and a frozen-but-unsigned one, each with its own canary;
- an upcoming meeting with a published agenda: a public item with a public handling, a
  confidential item (canary) and a confidential handling (canary in its PDF text).
No canary may appear anywhere the public can reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from committees.models import Assignment
from meetings.anslag.rules import anslag_post
from meetings.justering.services import protokoll_freeze, protokoll_set_signers, protokoll_sign
from meetings.models import AgendaItemDocument, Meeting
from meetings.services.paragraphs import protokoll_create_draft
from portal.search import search_reindex_all
from tests.factories import (
    AgendaItemFactory,
    CaseFactory,
    CommitteeFactory,
    MeetingFactory,
    PdfDocumentFactory,
    local,
    member_of,
    secretary_of,
)

PASSWORD = "pw-for-tests-1"  # UserFactory's

CANARY_CONFIDENTIAL = "KANARIE-SEKRETESS-7731"
CANARY_DRAFT = "KANARIE-UTKAST-5519"
CANARY_FROZEN = "KANARIE-OJUSTERAT-2291"
CANARY_AGENDA = "KANARIE-DAGORDNING-4410"
CANARY_DOCUMENT = "KANARIE-HANDLING-8802"
CANARIES = (CANARY_CONFIDENTIAL, CANARY_DRAFT, CANARY_FROZEN, CANARY_AGENDA, CANARY_DOCUMENT)

OPEN_TITLE = "Motion om kultur för hälsa"
OPEN_DECISION = "Kommunalt forum bifaller motionen om kultur för hälsa."


@dataclass
class PublicWorld:
    committee: object
    published: Meeting
    draft: Meeting
    frozen: Meeting
    upcoming: Meeting
    public_document: object


def _held_meeting(committee, secretary, chair, start, items):
    meeting = MeetingFactory(
        committee=committee, start=start, status=Meeting.Status.HELD, secretary=secretary, chair=chair
    )
    for order, fields in enumerate(items, start=1):
        AgendaItemFactory(meeting=meeting, order=order, **fields)
    protokoll_create_draft(meeting=meeting)
    meeting.refresh_from_db()
    return meeting


def _fill(meeting, **by_title):
    for paragraph in meeting.paragraphs.all():
        for field, value in by_title.get(paragraph.title, {}).items():
            setattr(paragraph, field, value)
        paragraph.save()


def public_world() -> PublicWorld:
    committee = CommitteeFactory(name="Kommunalt forum", short_name="KF", slug="kommunalt-forum")
    secretary = secretary_of(committee, username="josefine")
    chair = member_of(committee, role=Assignment.Role.CHAIR, username="rachel", first_name="Rachel")
    adjuster = member_of(committee, username="kerstin", first_name="Kerstin")
    case = CaseFactory(prefix="KS", year=2022, serial=2018, title="Motion om kultur för hälsa")

    secret_title = f"Personärende {CANARY_CONFIDENTIAL}"
    published = _held_meeting(
        committee,
        secretary.person,
        chair.person,
        local(2024, 10, 11, 9, 0),
        [
            {"title": OPEN_TITLE, "case": case},
            {"title": secret_title, "confidential": True, "osl_reference": "26 kap. 1 §"},
        ],
    )
    _fill(
        published,
        **{
            OPEN_TITLE: {"decision": f"<p>{OPEN_DECISION}</p>"},
            secret_title: {
                "confidential": True,
                "osl_reference": "26 kap. 1 §",
                "decision": f"<p>Beslut {CANARY_CONFIDENTIAL}</p>",
            },
        },
    )
    protokoll_set_signers(
        meeting=published, chair=chair.person, adjusters=[adjuster.person], secretary=secretary.person
    )
    protokoll_freeze(meeting=published, by=secretary)
    published.refresh_from_db()
    for signature in published.justering.signatures.select_related("person__user"):
        protokoll_sign(signature=signature, user=signature.person.user, password=PASSWORD)
    published.refresh_from_db()
    if published.status == Meeting.Status.JUSTERAT:  # tasks run eagerly; post if they did not
        anslag_post(meeting=published)
        published.refresh_from_db()

    draft = _held_meeting(
        committee,
        secretary.person,
        chair.person,
        local(2024, 12, 13, 9, 0),
        [{"title": f"Utkast {CANARY_DRAFT}"}],
    )
    _fill(draft, **{f"Utkast {CANARY_DRAFT}": {"decision": f"<p>{CANARY_DRAFT}</p>"}})

    frozen = _held_meeting(
        committee,
        secretary.person,
        chair.person,
        local(2024, 11, 15, 9, 0),
        [{"title": f"Ojusterat {CANARY_FROZEN}"}],
    )
    protokoll_set_signers(
        meeting=frozen, chair=chair.person, adjusters=[adjuster.person], secretary=secretary.person
    )
    protokoll_freeze(meeting=frozen, by=secretary)
    frozen.refresh_from_db()

    upcoming = MeetingFactory(
        committee=committee,
        start=timezone.now() + timedelta(days=10),
        status=Meeting.Status.SUMMONED,
        agenda_published=True,
        secretary=secretary.person,
    )
    public_item = AgendaItemFactory(meeting=upcoming, order=1, title="Budget för kultur 2027", case=case)
    AgendaItemFactory(
        meeting=upcoming,
        order=2,
        title=f"Personärende {CANARY_AGENDA}",
        confidential=True,
        osl_reference="39 kap. 3 §",
    )
    public_document = PdfDocumentFactory(title="Tjänsteskrivelse budget", pages=("Budget kultur",))
    secret_document = PdfDocumentFactory(
        title=f"Bilaga {CANARY_DOCUMENT}",
        pages=(f"Text {CANARY_DOCUMENT}",),
        confidential=True,
        osl_reference="39 kap. 3 §",
    )
    AgendaItemDocument.objects.create(agenda_item=public_item, document=public_document, order=1)
    AgendaItemDocument.objects.create(agenda_item=public_item, document=secret_document, order=2)
    # The index follows commits; tests inside one transaction never commit, so build it here.
    search_reindex_all()
    return PublicWorld(committee, published, draft, frozen, upcoming, public_document)
