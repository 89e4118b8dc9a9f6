"""The paragraphs' numbers as text ("§§ 12–15"), written one way everywhere:
`meetings.models.paragraph_span` and its template filters."""

import pytest
from django.template import Context, Template

from meetings.models import paragraph_span


@pytest.mark.parametrize(
    ("numbers", "text"),
    [
        ([], ""),
        ([12], "§ 12"),
        ([12, 13], "§§ 12–13"),
        ([12, 13, 14, 15], "§§ 12–15"),
        ([15, 12, 14, 13, 13], "§§ 12–15"),  # any order, duplicates once
        ([1, 2, 3, 5], "§§ 1–3, 5"),
        ([4, 9], "§§ 4, 9"),
        ([1, 3, 4, 5, 8, 9], "§§ 1, 3–5, 8–9"),
        (range(123, 141), "§§ 123–140"),
    ],
)
def test_paragraph_span(numbers, text):
    assert paragraph_span(numbers) == text


def test_the_span_uses_an_en_dash_not_a_hyphen():
    assert "–" in paragraph_span([1, 2]) and "-" not in paragraph_span([1, 2])


def _render(source: str, **context) -> str:
    return Template("{% load paragraphs %}" + source).render(Context(context))


def test_the_template_filter_takes_paragraphs_rows_or_numbers():
    class Row:
        def __init__(self, number):
            self.number = number

    assert _render("{{ p|paragraph_span }}", p=[Row(3), Row(4), Row(5)]) == "§§ 3–5"
    assert _render("{{ p|paragraph_span }}", p=[{"number": 7}]) == "§ 7"
    assert _render("{{ p|paragraph_span }}", p=[1, 2, 4]) == "§§ 1–2, 4"
    assert _render("{{ p|paragraph_span }}", p=[]) == ""


def test_the_range_filter_takes_the_ends():
    assert _render("{{ a|paragraph_range:b }}", a=19, b=24) == "§§ 19–24"
    assert _render("{{ a|paragraph_range:b }}", a=23, b=23) == "§ 23"
    assert _render("{{ a|paragraph_range:b }}", a=None, b=None) == ""
