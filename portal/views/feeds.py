"""ICS calendars and Atom feeds."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


calendar_all = calendar_committee = _todo
protokoll_feed = anslag_feed = None  # Atom feeds (django.contrib.syndication Feed instances)
