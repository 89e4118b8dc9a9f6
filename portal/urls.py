"""The public portal: what anyone on the internet may read. Paths are Swedish."""

from django.urls import path

from meetings.anslag import views as anslag

from .views import feeds, open_data, pages, search

app_name = "portal"

urlpatterns = [
    path("", pages.start, name="start"),
    # The digital anslagstavla
    path("anslagstavla/", anslag.anslagstavla, name="anslagstavla"),
    path("anslagstavla/arkiv/", anslag.archive, name="anslag_archive"),
    path("anslagstavla/<int:pk>/", anslag.anslag, name="anslag"),
    # Committees, meetings and protokoll
    path("organ/", pages.committees, name="committees"),
    path("organ/<slug:slug>/", pages.committee, name="committee"),
    path("organ/<slug:slug>/kalender.ics", feeds.calendar_committee, name="committee_calendar"),
    path("protokoll/", pages.protokoll_list, name="protokoll_list"),
    path("protokoll/<int:pk>/", pages.protokoll, name="protokoll"),
    path("protokoll/<int:pk>/protokoll.pdf", pages.protokoll_pdf, name="protokoll_pdf"),
    path("protokoll/<int:pk>/voteringar.csv", open_data.protokoll_votes_csv, name="protokoll_votes_csv"),
    path("protokoll/<int:pk>/paragrafer/<int:number>/", pages.paragraph, name="paragraph"),
    path(
        "protokoll/<int:pk>/paragrafer/<int:number>/protokollsutdrag.pdf",
        pages.protokollsutdrag,
        name="protokollsutdrag",
    ),
    path(
        "protokoll/<int:pk>/paragrafer/<int:number>/laga-kraft-bevis.pdf",
        pages.laga_kraft_bevis,
        name="laga_kraft_bevis",
    ),
    path("sammantraden/<int:pk>/", pages.meeting, name="meeting"),
    path("arenden/<int:pk>/", pages.case, name="case"),
    path("handlingar/<int:pk>/", pages.document, name="document"),
    path("tillganglighet/", pages.accessibility, name="accessibility"),
    # Search, calendars, feeds
    path("sok/", search.search, name="search"),
    path("kalender.ics", feeds.calendar_all, name="calendar"),
]
if feeds.protokoll_feed is not None:
    urlpatterns += [
        path("flode/protokoll.atom", feeds.protokoll_feed, name="protokoll_feed"),
        path("flode/anslag.atom", feeds.anslag_feed, name="anslag_feed"),
        path("sok/flode.atom", feeds.search_feed, name="search_feed"),
    ]
