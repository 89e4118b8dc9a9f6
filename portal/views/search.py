"""Swedish full-text search over everything published: /sok/?q=…&organ=…&fran=…&till=…&sida=…

Reads only the search index (`portal.search`), which holds only what `portal.published`
returns. Bad parameters give a message on the page, never an error page. A fixed number of
queries per page, however many hits (see `portal.search.search_page`).
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from ..caching import public_cache
from ..published import published_committees
from ..search import MAX_QUERY, RANK_LIMIT, full_text_available, search_page

MAX_PAGE_DIGITS = 6


class SearchForm(forms.Form):
    """The search box and its filters, with Swedish GET parameters so a search can be bookmarked."""

    q = forms.CharField(
        label=_("Search for"),
        required=False,
        max_length=MAX_QUERY,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text=_('Words, a phrase in quotes, or a diarienummer such as "RJL 2022/2018".'),
    )
    organ = forms.ModelChoiceField(
        label=_("Committee"),
        queryset=published_committees().order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("All committees"),
        error_messages={"invalid_choice": _("There is no such committee.")},
    )
    fran = forms.DateField(
        label=_("From date"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Give the date as YYYY-MM-DD.")},
    )
    till = forms.DateField(
        label=_("To date"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Give the date as YYYY-MM-DD.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organ"].queryset = published_committees().order_by("name")
        self.fields["q"].error_messages["max_length"] = _(
            "The search text is too long: at most %(limit_value)d characters."
        )

    def clean_q(self):
        return " ".join(self.cleaned_data["q"].split())

    def clean(self):
        data = super().clean()
        if data.get("fran") and data.get("till") and data["fran"] > data["till"]:
            raise forms.ValidationError(_("The from date is after the to date."), code="dates_reversed")
        return data


def _page_number(raw: str | None) -> int | None:
    """The page asked for (1 if none); None if it is not a sensible page number."""
    if raw in (None, ""):
        return 1
    raw = raw.strip()
    if not raw.isdigit() or len(raw) > MAX_PAGE_DIGITS or int(raw) < 1:
        return None
    return int(raw)


@public_cache
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    context = {"form": form, "full_text": full_text_available(), "searched": False}
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        data = form.cleaned_data
        number = _page_number(request.GET.get("sida"))
        result = search_page(
            q=data["q"],
            number=number or 1,
            committee=data["organ"],
            date_from=data["fran"],
            date_to=data["till"],
        )
        query = request.GET.copy()
        query.pop("sida", None)
        context.update(
            searched=True,
            q=data["q"],
            count=result.count,
            ranked=result.ranked,
            rank_limit=RANK_LIMIT,
            page=result.page,
            page_error=number is None or result.page is None,
            hits=result.hits if number is not None else [],
            query=query.urlencode(),
        )
    return render(request, "portal/search.html", context)
