"""The tabs of a meeting's workspace page, in the order of the meeting's life.

An area adds its page here by URL name; a tab whose view does not exist (yet) is left out.
"""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

TABS = (
    ("workspace:meeting", _("Overview")),
    ("workspace:agenda", _("Agenda")),
    ("workspace:kallelse", _("Kallelse")),
    ("workspace:attendance", _("Attendance")),
    ("workspace:protokoll", _("Protokoll")),
    ("workspace:bilagor", _("Bilagor")),
    ("workspace:justering", _("Justering")),
    ("workspace:laga_kraft", _("Laga kraft")),
)


def meeting_tabs(request, meeting) -> list[dict]:
    current = request.resolver_match.view_name if request.resolver_match else ""
    tabs = []
    for name, label in TABS:
        try:
            url = reverse(name, args=[meeting.pk])
        except NoReverseMatch:
            continue
        tabs.append({"url": url, "label": label, "current": name == current})
    return tabs
