"""What the public may see: the one place that decides it.

Every public page, download, feed, search result and open-data object reads through the
selectors below, never through `Model.objects` directly, so that a forgotten filter cannot
leak a draft or a confidential paragraph. The rules:

- A protokoll is published once it is justerat: its justering is complete and the meeting is
  justerat, posted, taken down or archived. Drafts and frozen-but-unsigned protokoll are not.
- A confidential paragraph (OSL) of a published protokoll is shown only as its number and
  its ground: "§ n — Sekretess (OSL …)". `public_paragraph()` builds that masked view;
  public code never touches a paragraph's text fields through anything else.
- A meeting's agenda is public once the secretary publishes it (`Meeting.agenda_published`);
  confidential agenda items show only their public title or "Sekretess".
- A handling is public if it is not confidential and is attached to a public agenda item.
- A bilaga of a published protokoll (a handling attached to a §) is published in the protokoll
  PDF unless it or its § is confidential; then the public version names it by number as
  withheld (`withheld_in_public_protokoll`).
- A case (diarienummer) is public if it is not confidential and has a public paragraph or a
  public agenda item.
- The anslagstavla is public by nature: an anslag is current from the day it is posted until
  the day it is to be taken down; after that it is in the archive.
- The laga kraft state of an open § of a published protokoll is public (its state, the posting
  and appeal days, the day it vann laga kraft: `public_laga_kraft`); who appealed is not, and a
  confidential § shows no state.
- People are public as holders of an assignment in a committee (name, party, role), never
  their contact details.

One module on purpose (over 400 lines): the whole public rule set reads in one place, and the
canary crawler (tests/test_demo_crawl.py) proves it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.models import Ballot, Disqualification, Reservation, Vote
from cases.models import Case, Document
from committees.models import Assignment, Committee, Organisation, Party, Person
from meetings.lagakraft.rules import laga_kraft_for_paragraphs, laga_kraft_prefetch, laga_kraft_prefetched
from meetings.models import (
    AgendaItem,
    AgendaItemDocument,
    Anslag,
    Meeting,
    MeetingTransition,
    Paragraph,
    ParagraphAnnex,
)

Status = Meeting.Status


# --- Committees and people -----------------------------------------------------------------


def published_committees() -> QuerySet[Committee]:
    return Committee.objects.filter(is_active=True).select_related("organisation", "parent")


def published_assignments() -> QuerySet[Assignment]:
    """Current and past assignments of the published committees (name, party and role only)."""
    return Assignment.objects.filter(committee__in=published_committees()).select_related(
        "person__party", "committee"
    )


def published_persons() -> QuerySet[Person]:
    """People with an assignment in a published committee. Show name, party, title; never
    e-mail, phone or the user account."""
    return (
        Person.objects.filter(Exists(published_assignments().filter(person=OuterRef("pk"))))
        .select_related("party")
        .only("pk", "first_name", "last_name", "party", "title", "represents")
    )


# --- Meetings and protokoll ----------------------------------------------------------------


def published_meetings() -> QuerySet[Meeting]:
    """Meetings whose protokoll is justerat (and so public)."""
    return Meeting.objects.filter(
        status__in=Status.JUSTERAT_OR_LATER,
        justering__completed_at__isnull=False,
        committee__in=published_committees(),
    ).select_related("committee")


def upcoming_meetings(*, today: date | None = None) -> QuerySet[Meeting]:
    """Meetings still to be held, on the public calendar (time and place are public)."""
    today = today or timezone.localdate()
    return (
        Meeting.objects.filter(
            status__in=Status.UPCOMING, start__date__gte=today, committee__in=published_committees()
        )
        .select_related("committee")
        .order_by("start")
    )


def calendar_meetings() -> QuerySet[Meeting]:
    """Every meeting that is on the public calendar: upcoming ones and published ones."""
    return Meeting.objects.filter(
        Q(status__in=Status.UPCOMING) | Q(pk__in=published_meetings().values("pk")),
        committee__in=published_committees(),
    ).select_related("committee")


def published_paragraphs() -> QuerySet[Paragraph]:
    """The paragraphs of published protokoll, confidential ones included: show each through
    `public_paragraph()`, which masks a confidential one."""
    return Paragraph.objects.filter(meeting__in=published_meetings().values("pk")).select_related(
        "meeting__committee", "case"
    )


def withheld_in_public_protokoll() -> Q:
    """Meetings (a Q on Meeting) whose public protokoll must leave something out: a
    confidential § or a bilaga whose handling or § is confidential. Their public protokoll is
    the certified public version (portal/services.py), with the bilaga named as withheld and
    its pages not merged; the others publish the signed protokoll itself, bilagor included."""
    confidential_paragraph = Paragraph.objects.filter(meeting=OuterRef("pk"), confidential=True)
    confidential_annex = ParagraphAnnex.objects.filter(
        paragraph__meeting=OuterRef("pk"), document__confidential=True
    )
    return Q(Exists(confidential_paragraph)) | Q(Exists(confidential_annex))


def open_paragraphs() -> QuerySet[Paragraph]:
    """Published paragraphs that are not confidential: the ones whose text may be shown,
    indexed for search and offered as protokollsutdrag."""
    return published_paragraphs().filter(confidential=False)


@dataclass(frozen=True)
class PublicParagraph:
    """A paragraph as the public sees it. A confidential one has only its number, the OSL
    ground and (where the secretary set one) a neutral public title; every text is empty."""

    pk: int
    number: int
    meeting_id: int
    confidential: bool
    title: str
    osl_reference: str = ""
    diarienummer: str = ""
    case_id: int | None = None
    decision: str = ""
    summary: str = ""
    motions: str = ""
    procedure: str = ""
    notes: str = ""
    basis: str = ""
    send_to: str = ""
    immediate_justering: bool = False

    @property
    def label(self) -> str:
        return f"§ {self.number}"

    @property
    def heading(self) -> str:
        """ "§ 4 Title" or "§ 4 — Sekretess (OSL 26 kap. 1 §)"."""
        if self.confidential:
            return f"§ {self.number} — {self.title}"
        return f"§ {self.number} {self.title}"


def confidential_title(osl_reference: str, public_title: str = "") -> str:
    ground = (
        _("Sekretess (OSL %(reference)s)") % {"reference": osl_reference} if osl_reference else _("Sekretess")
    )
    return f"{public_title} ({ground})" if public_title else ground


def public_paragraph(paragraph: Paragraph) -> PublicParagraph:
    """The public view of a published paragraph (the caller got it from a selector above)."""
    if paragraph.confidential:
        return PublicParagraph(
            pk=paragraph.pk,
            number=paragraph.number,
            meeting_id=paragraph.meeting_id,
            confidential=True,
            title=confidential_title(paragraph.osl_reference, paragraph.public_title),
            osl_reference=paragraph.osl_reference,
        )
    case = paragraph.case if paragraph.case_id else None
    public_case = case is not None and not case.confidential
    return PublicParagraph(
        pk=paragraph.pk,
        number=paragraph.number,
        meeting_id=paragraph.meeting_id,
        confidential=False,
        title=paragraph.title,
        diarienummer=case.diarienummer if public_case else "",
        case_id=case.pk if public_case else None,
        decision=paragraph.decision,
        summary=paragraph.summary,
        motions=paragraph.motions,
        procedure=paragraph.procedure,
        notes=paragraph.notes,
        basis=paragraph.basis,
        send_to=paragraph.send_to,
        immediate_justering=paragraph.immediate_justering,
    )


@dataclass(frozen=True)
class PublicLagaKraft:
    """The laga kraft state of an open published § as the public sees it (never who appealed)."""

    state: str
    label: str
    posted_on: date
    last_posted_on: date
    appeal_ends_on: date
    final_on: date | None
    appealed: bool

    @property
    def is_final(self) -> bool:
        return self.state == "laga_kraft"


def _public_laga_kraft(state) -> PublicLagaKraft:
    return PublicLagaKraft(
        state=str(state.state),
        label=state.label,
        posted_on=state.posted_on,
        last_posted_on=state.last_posted_on,
        appeal_ends_on=state.appeal_ends_on,
        final_on=state.final_on,
        appealed=state.appealed,
    )


def public_laga_kraft_prefetch() -> list[Prefetch]:
    """For lists of published §§: prefetch what `public_laga_kraft_of` reads."""
    return laga_kraft_prefetch()


def public_laga_kraft_of(paragraph, *, today: date | None = None) -> PublicLagaKraft | None:
    """The laga kraft state of one published § (prefetched with `public_laga_kraft_prefetch`);
    None for a confidential § or one whose protokoll has no anslag."""
    if paragraph.confidential:
        return None
    state = laga_kraft_prefetched(paragraph, today=today)
    return _public_laga_kraft(state) if state is not None else None


def public_laga_kraft(paragraphs, *, today: date | None = None) -> dict[int, PublicLagaKraft]:
    """The laga kraft state (by pk) of the open §§ among `paragraphs` (got from a selector above,
    so published); a confidential § or one whose protokoll has no anslag gets none."""
    states = laga_kraft_for_paragraphs([p for p in paragraphs if not p.confidential], today=today)
    return {pk: _public_laga_kraft(state) for pk, state in states.items()}


# --- Agendas -------------------------------------------------------------------------------


def published_agenda_items() -> QuerySet[AgendaItem]:
    """Agenda items of meetings whose agenda the secretary has published (not cancelled).
    Show each through `public_agenda_title()`; a confidential one has no public content."""
    return (
        AgendaItem.objects.filter(
            meeting__agenda_published=True,
            meeting__committee__in=published_committees(),
        )
        .exclude(meeting__status=Status.CANCELLED)
        .select_related("meeting__committee", "case")
    )


def public_agenda_title(item: AgendaItem) -> str:
    """The item's title, or only its OSL ground when the item or its case is confidential."""
    if item.confidential:
        return confidential_title(item.osl_reference, item.public_title)
    if item.case_id and item.case.confidential:
        return confidential_title(item.case.osl_reference, item.public_title)
    return item.title


def open_agenda_items() -> QuerySet[AgendaItem]:
    """Published agenda items whose content may be shown: neither the item nor its case is
    confidential."""
    return published_agenda_items().filter(confidential=False).exclude(case__confidential=True)


def published_documents() -> QuerySet[Document]:
    """Handlingar that are not confidential and belong to a public agenda item whose item and
    case are not confidential."""
    links = AgendaItemDocument.objects.filter(
        document=OuterRef("pk"),
        agenda_item__in=open_agenda_items().values("pk"),
    )
    return Document.objects.filter(Exists(links), confidential=False).exclude(file="")


# --- Cases ---------------------------------------------------------------------------------


def published_cases() -> QuerySet[Case]:
    """Cases that are not confidential and appear in a public paragraph or agenda item."""
    in_paragraph = open_paragraphs().filter(case=OuterRef("pk"))
    in_agenda = open_agenda_items().filter(case=OuterRef("pk"))
    return Case.objects.filter(Q(Exists(in_paragraph)) | Q(Exists(in_agenda)), confidential=False)


# --- The anslagstavla ----------------------------------------------------------------------


def anslag_all() -> QuerySet[Anslag]:
    return Anslag.objects.filter(committee__in=published_committees()).select_related(
        "committee__organisation", "meeting"
    )


def current_anslag(*, today: date | None = None) -> QuerySet[Anslag]:
    """What is on the anslagstavla today: posted, and not yet due to be taken down."""
    today = today or timezone.localdate()
    return anslag_all().filter(posted_on__lte=today, take_down_on__gt=today, taken_down_at__isnull=True)


def archived_anslag(*, today: date | None = None) -> QuerySet[Anslag]:
    """Earlier anslag: taken down, or past their take-down day."""
    today = today or timezone.localdate()
    return anslag_all().filter(Q(taken_down_at__isnull=False) | Q(take_down_on__lte=today))


# --- Public agenda items (appended for the public pages) -----------------------------------


@dataclass(frozen=True)
class PublicAgendaItem:
    """An agenda item as the public sees it. `withheld` when the item or its case is
    confidential: then only its number and the masked title are shown, no diarienummer, no
    handlingar (as the public kallelse does)."""

    pk: int
    number: int
    title: str
    withheld: bool
    section: str = ""
    kind: str = ""
    kind_label: str = ""
    diarienummer: str = ""
    case_id: int | None = None
    time_note: str = ""


def public_agenda_item(item: AgendaItem, *, number: int) -> PublicAgendaItem:
    """The public view of an item from `published_agenda_items()`, numbered as in the kallelse."""
    case = item.case if item.case_id else None
    if item.confidential or (case is not None and case.confidential):
        title = (
            public_agenda_title(item)
            if item.confidential
            else confidential_title(case.osl_reference, item.public_title)
        )
        return PublicAgendaItem(pk=item.pk, number=number, title=title, withheld=True, section=item.section)
    return PublicAgendaItem(
        pk=item.pk,
        number=number,
        title=item.title,
        withheld=False,
        section=item.section,
        kind=item.kind,
        kind_label=item.get_kind_display(),
        diarienummer=case.diarienummer if case else "",
        case_id=case.pk if case else None,
        time_note=item.time_note,
    )


# --- Organisations (appended for the open-data API) ----------------------------------------


def published_organisations() -> QuerySet[Organisation]:
    """Organisations with at least one published committee: the bodies of the open-data API
    (name, short name, website and the organisation's own public e-mail)."""
    return Organisation.objects.filter(Exists(published_committees().filter(organisation=OuterRef("pk"))))


# --- Parties (appended for the open-data API) ----------------------------------------------


def published_parties() -> QuerySet[Party]:
    """Parties of the people in `published_persons()`: name and abbreviation, nothing else."""
    return Party.objects.filter(Exists(published_persons().filter(party=OuterRef("pk"))))


# --- The public calendars (appended for the ICS feeds) --------------------------------------

# A cancelled meeting stays on the public calendars, as cancelled, until this many days after
# its date, so that subscribed calendars learn of the cancellation instead of losing the event.
CANCELLED_KEPT_DAYS = 90


def calendar_cancelled_meetings(*, today: date | None = None) -> QuerySet[Meeting]:
    """Cancelled meetings that had been on the public calendar (cancelled through a recorded
    status change: a meeting created as cancelled never was) and whose date is at most
    `CANCELLED_KEPT_DAYS` ago. Only time, place and organ are shown, never an agenda."""
    today = today or timezone.localdate()
    cancelled_step = MeetingTransition.objects.filter(meeting=OuterRef("pk"), to_status=Status.CANCELLED)
    return Meeting.objects.filter(
        Exists(cancelled_step),
        status=Status.CANCELLED,
        start__date__gte=today - timedelta(days=CANCELLED_KEPT_DAYS),
        committee__in=published_committees(),
    ).select_related("committee")


def calendar_events(*, today: date | None = None) -> QuerySet[Meeting]:
    """What the public calendars (ICS) list: `calendar_meetings()` and the recently
    cancelled ones (`calendar_cancelled_meetings()`)."""
    return Meeting.objects.filter(
        Q(pk__in=calendar_meetings().values("pk"))
        | Q(pk__in=calendar_cancelled_meetings(today=today).values("pk"))
    ).select_related("committee")


# --- Votes, reservationer and jäv (appended for open data: OParl extension and CSV) ---------
#
# Only of open paragraphs of published protokoll, as the public protokoll prints them: the
# propositions and result of every omröstning, each member's ballot in an open vote (a closed
# vote has counts only), the reservationer with their written reasons and the jäv.


def published_votes() -> QuerySet[Vote]:
    return Vote.objects.filter(paragraph__in=open_paragraphs().values("pk")).order_by("order", "pk")


def published_ballots() -> QuerySet[Ballot]:
    """Ballots of open votes only; with `person_public`: whether the voter is a published person
    (an OParl Person the public may look up)."""
    return (
        Ballot.objects.filter(vote__in=published_votes().filter(kind=Vote.Kind.OPEN).values("pk"))
        .select_related("person__party")
        .annotate(person_public=Exists(published_persons().filter(pk=OuterRef("person_id"))))
        .order_by("person__last_name", "person__first_name", "pk")
    )


def published_reservations() -> QuerySet[Reservation]:
    return (
        Reservation.objects.filter(paragraph__in=open_paragraphs().values("pk"))
        .select_related("person__party")
        .annotate(person_public=Exists(published_persons().filter(pk=OuterRef("person_id"))))
        .order_by("person__last_name", "person__first_name", "pk")
    )


def published_disqualifications() -> QuerySet[Disqualification]:
    return (
        Disqualification.objects.filter(paragraph__in=open_paragraphs().values("pk"))
        .select_related("person__party", "substitute__party")
        .annotate(
            person_public=Exists(published_persons().filter(pk=OuterRef("person_id"))),
            substitute_public=Exists(published_persons().filter(pk=OuterRef("substitute_id"))),
        )
        .order_by("person__last_name", "person__first_name", "pk")
    )


def paragraph_record_prefetch() -> list[Prefetch]:
    """Prefetch a paragraph's public vote record onto `public_votes` (each with
    `public_ballots`), `public_reservations` and `public_disqualifications`. Through the
    selectors above, so a confidential or unpublished § gets empty lists whatever its rows."""
    return [
        Prefetch(
            "votes",
            queryset=published_votes().prefetch_related(
                Prefetch("ballots", queryset=published_ballots(), to_attr="public_ballots")
            ),
            to_attr="public_votes",
        ),
        Prefetch("reservations", queryset=published_reservations(), to_attr="public_reservations"),
        Prefetch(
            "disqualifications", queryset=published_disqualifications(), to_attr="public_disqualifications"
        ),
    ]


# --- What became public since a moment (appended for bevakning, alerts/digest.py) -----------
#
# Each selector returns what the public may see *and* became public at or after `since`, with
# the moment it did annotated as `public_since`. A protokoll (and its paragraphs) became public
# when its justering was completed; an agenda (the public kallelse) when the secretary first
# published it (the meeting's audit history); an anslag when it was created, or when the day it
# was to be posted came.


def protokoll_published_since(since: datetime) -> QuerySet[Meeting]:
    return (
        published_meetings()
        .filter(justering__completed_at__gte=since)
        .annotate(public_since=F("justering__completed_at"))
    )


def open_paragraphs_published_since(since: datetime) -> QuerySet[Paragraph]:
    """The open paragraphs (decisions) of the protokoll published since `since`."""
    return (
        open_paragraphs()
        .filter(meeting__justering__completed_at__gte=since)
        .annotate(public_since=F("meeting__justering__completed_at"))
    )


def agendas_published_since(since: datetime) -> QuerySet[Meeting]:
    """Meetings whose agenda is published (not cancelled) and was first published at or after
    `since`."""
    history = Meeting.history.model.objects.filter(id=OuterRef("pk"), agenda_published=True).order_by(
        "history_date"
    )
    return (
        Meeting.objects.filter(agenda_published=True, committee__in=published_committees())
        .exclude(status=Status.CANCELLED)
        .annotate(public_since=Subquery(history.values("history_date")[:1]))
        .filter(public_since__gte=since)
        .select_related("committee")
    )


def anslag_posted_since(since: datetime, *, today: date | None = None) -> QuerySet[Anslag]:
    """Anslag that are posted (their day has come) and were created at or after `since`, or
    whose posting day came after `since`'s day."""
    today = today or timezone.localdate()
    created = Anslag.history.model.objects.filter(id=OuterRef("pk")).order_by("history_date")
    return (
        anslag_all()
        .filter(posted_on__lte=today)
        .annotate(public_since=Subquery(created.values("history_date")[:1]))
        .filter(Q(public_since__gte=since) | Q(posted_on__gt=timezone.localdate(since)))
    )
