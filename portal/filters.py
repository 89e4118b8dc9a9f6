"""The filter of the public protokoll list, with Swedish GET parameters so a filtered list
can be bookmarked: /protokoll/?organ=kommunalt-forum&ar=2024&typ=beslut&text=strategi"""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from meetings.models import AgendaItem

from .published import open_paragraphs, published_committees, published_meetings
from .search import MAX_QUERY

# At most 7 digits of serial (as the search): a longer one is no diarienummer, and int() of
# thousands of digits raises ValueError.
DIARIENUMMER = re.compile(r"(?:[A-ZÅÄÖ]+\s*)?(\d{4})\s*/\s*(\d{1,7})", re.IGNORECASE)


def _years() -> list[tuple[int, int]]:
    return [(d.year, d.year) for d in published_meetings().dates("start", "year", order="DESC")]


def _committees(request) -> QuerySet:
    return published_committees().order_by("name")


def paragraph_text_filter(text: str) -> Q:
    """Paragraphs whose title, decision or summary, or whose (open) case's title or
    diarienummer contain the text."""
    condition = (
        Q(title__icontains=text)
        | Q(decision__icontains=text)
        | Q(summary__icontains=text)
        | Q(case__title__icontains=text, case__confidential=False)
    )
    number = DIARIENUMMER.fullmatch(text.strip())
    if number:
        condition |= Q(case__year=int(number[1]), case__serial=int(number[2]), case__confidential=False)
    return condition


class ProtokollFilter(django_filters.FilterSet):
    """Published protokoll by organ and year; `typ` and `text` keep the protokoll with a
    matching open (non-confidential) §, and `matching_paragraphs()` says which."""

    organ = django_filters.ModelChoiceFilter(
        field_name="committee",
        queryset=_committees,
        to_field_name="slug",
        label=_("Committee"),
        empty_label=_("All committees"),
    )
    ar = django_filters.ChoiceFilter(
        choices=_years,
        method="filter_year",
        label=_("Year"),
        empty_label=_("All years"),
    )
    typ = django_filters.ChoiceFilter(
        choices=AgendaItem.Kind.choices,
        method="filter_nothing",
        label=_("Kind of matter"),
        empty_label=_("All kinds"),
    )
    text = django_filters.CharFilter(
        method="filter_nothing",
        max_length=MAX_QUERY,  # as the search; SQLite refuses LIKE patterns over 50,000 bytes
        label=_("Text or diarienummer"),
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def filter_year(self, queryset, name, value):
        return queryset.filter(start__year=int(value)) if value else queryset

    def filter_nothing(self, queryset, name, value):
        return queryset  # applied together in filter_queryset: both must match the same §

    def matching_paragraphs(self) -> QuerySet | None:
        """The open paragraphs that match `typ` and `text`; None when neither is given."""
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        kind, text = data.get("typ"), (data.get("text") or "").strip()
        if not kind and not text:
            return None
        paragraphs = open_paragraphs()
        if kind:
            paragraphs = paragraphs.filter(agenda_item__kind=kind)
        if text:
            paragraphs = paragraphs.filter(paragraph_text_filter(text))
        return paragraphs

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        paragraphs = self.matching_paragraphs()
        if paragraphs is not None:
            queryset = queryset.filter(pk__in=paragraphs.values("meeting_id"))
        return queryset
