"""`{% load paragraphs %}`: the paragraphs' numbers as text, through `meetings.models.paragraph_span`."""

from django import template

from meetings.models import paragraph_span as _paragraph_span

register = template.Library()


def _number(item) -> int:
    if isinstance(item, int):
        return item
    if isinstance(item, dict):
        return item["number"]
    return item.number


@register.filter
def paragraph_span(paragraphs) -> str:
    """`{{ paragraphs|paragraph_span }}`: "§§ 1–3, 5" of paragraphs, rows with a number, or numbers."""
    return _paragraph_span(_number(item) for item in paragraphs or ())


@register.filter
def paragraph_range(first, last) -> str:
    """`{{ first|paragraph_range:last }}`: "§§ 12–15" of a range known by its ends; "" without them."""
    if not first:
        return ""
    return _paragraph_span(range(first, (last or first) + 1))
