"""What a subscription's digest holds: the new protokoll, decisions, kallelser and anslag that
match it, read only through `portal.published` (and, for a search, `portal.search`, whose index
holds only what `portal.published` returns). Nothing confidential or unpublished can get in:
a decision is an open paragraph of a justerat protokoll, a kallelse a published agenda (named
by its meeting only), an anslag one on the public anslagstavla.

What each kind of subscription follows:
- a committee: its protokoll, its decisions, its kallelser and its anslag;
- a diarienummer: the decisions on the case and the kallelser that list it (an open agenda
  item), only while the case is not confidential;
- a search: the decisions and kallelser (an agenda item or a handling) the public search
  finds for it, and anslag whose title or text hold every word.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from portal import published
from portal.search import diarienummer_in_query, html_to_text, search_results

from .models import Subscription

Kind = Subscription.Kind


@dataclass(frozen=True)
class DigestItem:
    key: str  # "paragraph:12": what the sent log records
    kind: str  # protokoll, decision, kallelse, anslag
    label: str
    title: str
    path: str
    committee: str
    date: date | None
    public_since: datetime
    text: str = ""


def _local_date(moment) -> date:
    return timezone.localtime(moment).date()


def _case_condition(value: str, prefix_field: str) -> Q | None:
    found = diarienummer_in_query(value)
    if found is None:
        return None
    prefix, number = found
    year, serial = number.split("/")
    stem = prefix_field.removesuffix("prefix")
    condition = Q(**{f"{stem}year": int(year), f"{stem}serial": int(serial), f"{stem}confidential": False})
    if prefix:
        condition &= Q(**{f"{prefix_field}__iexact": prefix})
    return condition


def _protokoll(meeting) -> DigestItem:
    day = _local_date(meeting.start)
    return DigestItem(
        key=f"protokoll:{meeting.pk}",
        kind="protokoll",
        label=_("Protokoll"),
        title=_("Protokoll %(committee)s %(date)s") % {"committee": meeting.committee.name, "date": day},
        path=reverse("portal:protokoll", args=[meeting.pk]),
        committee=meeting.committee.name,
        date=day,
        public_since=meeting.public_since,
    )


def _decision(paragraph) -> DigestItem:
    public = published.public_paragraph(paragraph)
    title = public.heading
    if public.diarienummer:
        title = f"{title} ({public.diarienummer})"
    return DigestItem(
        key=f"paragraph:{paragraph.pk}",
        kind="decision",
        label=_("Decision"),
        title=title,
        path=reverse("portal:paragraph", args=[paragraph.meeting_id, paragraph.number]),
        committee=paragraph.meeting.committee.name,
        date=_local_date(paragraph.meeting.start),
        public_since=paragraph.public_since,
        text=Truncator(html_to_text(public.decision).strip()).chars(400),
    )


def _kallelse(meeting) -> DigestItem:
    day = _local_date(meeting.start)
    return DigestItem(
        key=f"kallelse:{meeting.pk}",
        kind="kallelse",
        label=_("Kallelse"),
        title=_("Kallelse %(committee)s %(date)s") % {"committee": meeting.committee.name, "date": day},
        path=reverse("portal:meeting", args=[meeting.pk]),
        committee=meeting.committee.name,
        date=day,
        public_since=meeting.public_since,
    )


def _anslag(anslag) -> DigestItem:
    # Public from its creation, or from the start of its posting day if that came later.
    posting = timezone.make_aware(datetime.combine(anslag.posted_on, time.min))
    return DigestItem(
        key=f"anslag:{anslag.pk}",
        kind="anslag",
        label=_("Anslag"),
        title=anslag.title,
        path=reverse("portal:anslag", args=[anslag.pk]),
        committee=anslag.committee.name,
        date=anslag.posted_on,
        public_since=max(filter(None, [anslag.public_since, posting])),
    )


def new_items(subscription: Subscription, *, since: datetime) -> list[DigestItem]:
    """The items matching the subscription that became public at or after `since`, oldest
    first."""
    protokoll = published.protokoll_published_since(since)
    decisions = published.open_paragraphs_published_since(since).select_related("meeting__committee", "case")
    kallelser = published.agendas_published_since(since)
    anslag = published.anslag_posted_since(since)

    if subscription.kind == Kind.COMMITTEE:
        committee = subscription.committee_id
        protokoll = protokoll.filter(committee_id=committee)
        decisions = decisions.filter(meeting__committee_id=committee)
        kallelser = kallelser.filter(committee_id=committee)
        anslag = anslag.filter(committee_id=committee)
    elif subscription.kind == Kind.CASE:
        on_case = _case_condition(subscription.diarienummer, "case__prefix")
        if on_case is None:
            return []
        protokoll, anslag = protokoll.none(), anslag.none()
        decisions = decisions.filter(on_case)
        listed = published.open_agenda_items().filter(on_case, meeting=OuterRef("pk"))
        kallelser = kallelser.filter(Exists(listed))
    else:
        entries = search_results(q=subscription.query, ranked=False).order_by()
        kinds = entries.model.Kind
        paragraph_ids = entries.filter(kind=kinds.PARAGRAPH).values("object_id")
        meeting_ids = entries.filter(kind__in=[kinds.AGENDA_ITEM, kinds.DOCUMENT]).values("meeting_id")
        protokoll = protokoll.none()
        decisions = decisions.filter(pk__in=paragraph_ids)
        kallelser = kallelser.filter(pk__in=meeting_ids)
        words = subscription.query.replace('"', " ").split()[:10]
        for word in words:
            anslag = anslag.filter(Q(title__icontains=word) | Q(body__icontains=word))

    items = [
        *(_protokoll(m) for m in protokoll),
        *(_decision(p) for p in decisions.order_by("meeting__start", "number")),
        *(_kallelse(m) for m in kallelser),
        *(_anslag(a) for a in anslag),
    ]
    return sorted(items, key=lambda item: (item.public_since, item.key))
