"""The rows behind each OParl type, read only through the published selectors.

Each function adds to a selector of `portal.published` what the mapping needs in a fixed
number of queries (select_related, prefetches, the position of an agenda item in its
meeting), so a list page costs the same number of queries whatever its size. Lists are
ordered by primary key: a stable order that OParl requires for paging.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, IntegerField, Max, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from cases.models import Motion, Remiss
from committees.models import Organisation, Party, Person
from meetings.models import AgendaItem, AgendaItemDocument, Meeting, Paragraph
from portal.published import (
    calendar_meetings,
    open_agenda_items,
    open_paragraphs,
    paragraph_record_prefetch,
    public_laga_kraft_prefetch,
    published_agenda_items,
    published_assignments,
    published_cases,
    published_committees,
    published_documents,
    published_meetings,
    published_organisations,
    published_paragraphs,
    published_parties,
    published_persons,
)
from portal.services import with_public_protokoll_file


def public_attachments() -> QuerySet[AgendaItemDocument]:
    """Links from agenda items to their public handlingar, in the agenda's order."""
    return (
        AgendaItemDocument.objects.filter(document__in=published_documents())
        .select_related("document")
        .order_by("order", "id")
    )


def bodies() -> QuerySet[Organisation]:
    return published_organisations().order_by("pk")


def organizations() -> QuerySet:
    memberships = Prefetch(
        "assignments", queryset=published_assignments().order_by("pk"), to_attr="public_assignments"
    )
    return published_committees().prefetch_related(memberships).order_by("pk")


def persons() -> QuerySet[Person]:
    memberships = Prefetch(
        "assignments", queryset=published_assignments().order_by("pk"), to_attr="public_assignments"
    )
    return published_persons().prefetch_related(memberships).order_by("pk")


def persons_of(body: Organisation) -> QuerySet[Person]:
    in_body = published_assignments().filter(person=OuterRef("pk"), committee__organisation=body)
    return persons().filter(Exists(in_body))


def memberships() -> QuerySet:
    return published_assignments().order_by("pk")


def paragraphs() -> QuerySet[Paragraph]:
    """Published paragraphs with their position in the protokoll (0, 1, …) and the public
    handlingar of their agenda item."""
    earlier = published_paragraphs().filter(
        Q(order__lt=OuterRef("order")) | Q(order=OuterRef("order"), number__lt=OuterRef("number")),
        meeting=OuterRef("meeting"),
    )
    return (
        published_paragraphs()
        .annotate(position=_position(earlier))
        .prefetch_related(Prefetch("agenda_item__attachments", queryset=public_attachments()))
        .prefetch_related(*paragraph_record_prefetch())  # paragraf:votes (oparl/votes.py)
        .prefetch_related(*public_laga_kraft_prefetch())  # paragraf:lagaKraft (oparl/lagakraft.py)
        .order_by("pk")
    )


def upcoming_agenda_items() -> QuerySet[AgendaItem]:
    """The published agendas of meetings still to be held, with each item's position (0, 1, …)
    and its public handlingar. Once the protokoll is published, its paragraphs take over."""
    earlier = published_agenda_items().filter(
        Q(order__lt=OuterRef("order")) | Q(order=OuterRef("order"), id__lt=OuterRef("id")),
        meeting=OuterRef("meeting"),
    )
    return (
        published_agenda_items()
        .filter(meeting__status__in=Meeting.Status.UPCOMING)
        .annotate(position=_position(earlier))
        .prefetch_related(Prefetch("attachments", queryset=public_attachments()))
        .order_by("pk")
    )


def _position(earlier: QuerySet) -> Coalesce:
    """How many rows come before this one in its meeting: a correlated COUNT subquery."""
    counted = earlier.order_by().values("meeting").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted[:1], output_field=IntegerField()), 0)


def meetings() -> QuerySet[Meeting]:
    """The public calendar's meetings with their public agenda: the paragraphs of a published
    protokoll, else the published agenda."""
    items_of_paragraphs = (
        published_paragraphs()
        .prefetch_related(Prefetch("agenda_item__attachments", queryset=public_attachments()))
        .prefetch_related(*paragraph_record_prefetch())  # paragraf:votes (oparl/votes.py)
        .prefetch_related(*public_laga_kraft_prefetch())  # paragraf:lagaKraft (oparl/lagakraft.py)
        .order_by("order", "number")
    )
    agenda = (
        published_agenda_items()
        .filter(meeting__status__in=Meeting.Status.UPCOMING)
        .prefetch_related(Prefetch("attachments", queryset=public_attachments()))
        .order_by("order", "id")
    )
    return (
        calendar_meetings()
        .annotate(
            is_published=Exists(published_meetings().filter(pk=OuterRef("pk"))),
            has_protokoll_file=Exists(protokoll_meetings().filter(pk=OuterRef("pk"))),
        )
        .select_related("committee", "justering")
        .prefetch_related(
            Prefetch("paragraphs", queryset=items_of_paragraphs, to_attr="public_paragraphs"),
            Prefetch("agenda_items", queryset=agenda, to_attr="public_agenda_items"),
        )
        .order_by("pk")
    )


def protokoll_meetings() -> QuerySet[Meeting]:
    """Meetings whose justerat protokoll is a public file that can be served."""
    return (
        with_public_protokoll_file(published_meetings())
        .select_related("committee", "justering")
        .order_by("pk")
    )


def locations() -> QuerySet[Meeting]:
    """A meeting's place is its own Location object."""
    return calendar_meetings().exclude(location="").order_by("pk")


def papers() -> QuerySet:
    documents = Prefetch(
        "documents", queryset=published_documents().order_by("pk"), to_attr="public_documents"
    )
    paragraphs = Prefetch("paragraphs", queryset=consultations().order_by("pk"), to_attr="public_paragraphs")
    items = Prefetch(
        "agenda_items", queryset=agenda_consultations().order_by("pk"), to_attr="public_agenda_items"
    )
    return (
        published_cases()
        .annotate(
            has_motion=Exists(Motion.objects.filter(case=OuterRef("pk"))),
            has_remiss=Exists(Remiss.objects.filter(case=OuterRef("pk"))),
        )
        .select_related("committee")
        .prefetch_related(documents, paragraphs, items)
        .order_by("pk")
    )


def consultations() -> QuerySet[Paragraph]:
    """Open §§ of published protokoll that handled a public case: OParl Consultations."""
    return (
        open_paragraphs()
        .filter(case__in=published_cases().values("pk"))
        .exclude(case__confidential=True)
        .order_by("pk")
    )


def agenda_consultations() -> QuerySet[AgendaItem]:
    """Open items of the published agendas of meetings still to be held, with a public case."""
    return (
        open_agenda_items()
        .filter(meeting__status__in=Meeting.Status.UPCOMING, case__in=published_cases().values("pk"))
        .order_by("pk")
    )


def parties() -> QuerySet[Party]:
    members = Prefetch("people", queryset=party_members(), to_attr="public_members")
    return published_parties().prefetch_related(members).order_by("pk")


def party_members() -> QuerySet[Person]:
    """People of the published committees who belong to a party: their party memberships."""
    return published_persons().filter(party__isnull=False).order_by("pk")


def documents() -> QuerySet:
    return published_documents().order_by("pk")


def documents_of(body: Organisation) -> QuerySet:
    in_body = AgendaItemDocument.objects.filter(
        document=OuterRef("pk"), agenda_item__meeting__committee__organisation=body
    )
    return documents().filter(Exists(in_body))


# --- Mandatperioder --------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A mandatperiod: four years from 15 October of an election year (KL 5 kap. 5 §)."""

    start_year: int

    @property
    def start(self) -> date:
        return date(self.start_year, 10, 15)

    @property
    def end(self) -> date:
        return date(self.start_year + 4, 10, 14)


ELECTION_YEAR = 2022  # any general election year; they come every four years


def term_on(day: date) -> Term:
    year = day.year - (day.year - ELECTION_YEAR) % 4
    if day < date(year, 10, 15):
        year -= 4
    return Term(year)


def terms() -> list[Term]:
    """The terms from the first meeting on the public calendar to the last one (and today)."""
    today = timezone.localdate()
    span = calendar_meetings().aggregate(first=Min("start"), last=Max("start"))
    first = min(timezone.localdate(span["first"]), today) if span["first"] else today
    last = max(timezone.localdate(span["last"]), today) if span["last"] else today
    return [Term(year) for year in range(term_on(first).start_year, term_on(last).start_year + 1, 4)]
