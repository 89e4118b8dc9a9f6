"""The digital anslagstavla's public pages (routed in portal/urls.py): current anslag, one
anslag, the archive.

Everything is read through portal/published.py. Each anslag is shown with what the law asks
of it (KL 8 kap. 12 §): the organ, the day of the meeting, the paragraphs, the day of the
justering, the days it is posted and taken down, where the protokoll is kept, and the last
day to appeal (KL 13 kap. 5 §)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import django_filters
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetings.models import Anslag, paragraph_span
from portal.caching import public_cache
from portal.published import (
    anslag_all,
    archived_anslag,
    current_anslag,
    published_committees,
    published_meetings,
    published_paragraphs,
)

ARCHIVE_PAGE_SIZE = 25


@dataclass
class Notice:
    """An anslag with the facts it states, ready for the templates."""

    anslag: Anslag
    meeting_date: date | None = None
    paragraphs: str = ""
    justerat_on: date | None = None
    protokoll_url: str = ""

    @property
    def is_protokoll(self) -> bool:
        return self.anslag.kind == Anslag.Kind.PROTOKOLL

    @property
    def appealable(self) -> bool:
        return self.anslag.appeal_ends_on is not None


def notices(anslag_list) -> list[Notice]:
    """The facts of each anslag: its meeting's date, and for a protokoll its paragraphs, its
    justering day and the link to the published protokoll (three queries in all)."""
    anslag_list = list(anslag_list)
    meeting_ids = {a.meeting_id for a in anslag_list if a.meeting_id}
    published = {
        row["pk"]: row["justering__completed_at"]
        for row in published_meetings().filter(pk__in=meeting_ids).values("pk", "justering__completed_at")
    }
    numbers: dict[int, list[int]] = {}
    for meeting_id, number in (
        published_paragraphs().filter(meeting_id__in=published).values_list("meeting_id", "number")
    ):
        numbers.setdefault(meeting_id, []).append(number)
    result = []
    for anslag in anslag_list:
        notice = Notice(anslag=anslag)
        if anslag.meeting_id:
            notice.meeting_date = timezone.localtime(anslag.meeting.start).date()
        if anslag.kind == Anslag.Kind.PROTOKOLL and anslag.meeting_id in published:
            completed = published[anslag.meeting_id]
            notice.justerat_on = timezone.localtime(completed).date() if completed else None
            notice.paragraphs = paragraph_span(numbers.get(anslag.meeting_id, []))
            notice.protokoll_url = reverse("portal:protokoll", args=[anslag.meeting_id])
        result.append(notice)
    return result


@public_cache
def anslagstavla(request):
    """What is on the anslagstavla today."""
    today = timezone.localdate()
    items = current_anslag(today=today).order_by("-posted_on", "committee__name", "pk")
    return render(request, "portal/anslagstavla.html", {"notices": notices(items), "today": today})


@public_cache
def anslag(request, pk: int):
    """One anslag with every fact the law asks for, and how to appeal."""
    today = timezone.localdate()
    found = get_object_or_404(anslag_all(), pk=pk)
    current = current_anslag(today=today).filter(pk=pk).exists()
    if not current and not archived_anslag(today=today).filter(pk=pk).exists():
        raise Http404  # to be posted on a later day
    return render(request, "portal/anslag.html", {"notice": notices([found])[0], "current": current})


def _archive_years() -> list[tuple[int, int]]:
    return [(d.year, d.year) for d in archived_anslag().dates("posted_on", "year", order="DESC")]


class ArchiveFilter(django_filters.FilterSet):
    """The archive by organ and year, with the same Swedish GET parameters as the protokoll
    list: /anslagstavla/arkiv/?organ=kommunalt-forum&ar=2024"""

    organ = django_filters.ModelChoiceFilter(
        field_name="committee",
        queryset=lambda request: published_committees().order_by("name"),
        to_field_name="slug",
        label=_("Committee"),
        empty_label=_("All committees"),
    )
    ar = django_filters.ChoiceFilter(
        field_name="posted_on__year",
        choices=_archive_years,
        label=_("Year"),
        empty_label=_("All years"),
    )

    class Meta:
        model = Anslag
        fields = []


@public_cache
def archive(request):
    """Earlier anslag, newest first, a page at a time."""
    queryset = archived_anslag().order_by("-posted_on", "-pk")
    filterset = ArchiveFilter(request.GET or None, queryset=queryset, request=request)
    items = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
    page = Paginator(items, ARCHIVE_PAGE_SIZE).get_page(request.GET.get("sida"))
    query = request.GET.copy()
    query.pop("sida", None)
    return render(
        request,
        "portal/anslag_archive.html",
        {
            "filter": filterset,
            "form": filterset.form,
            "page": page,
            "notices": notices(page.object_list),
            "query": query.urlencode(),
        },
    )
