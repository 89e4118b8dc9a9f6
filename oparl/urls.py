"""OParl 1.1 open-data API (https://oparl.org/spezifikation/): published data only.

Object URLs are stable: they are built from primary keys (a mandatperiod from its first year).
"""

from django.urls import path, re_path

from . import views

app_name = "oparl"

urlpatterns = [
    path("", views.system, name="system"),
    path("body/", views.body_list, name="body_list"),
    path("body/<int:pk>/", views.body, name="body"),
    path("body/<int:pk>/organization/", views.body_organization, name="body_organization"),
    path("body/<int:pk>/person/", views.body_person, name="body_person"),
    path("body/<int:pk>/membership/", views.body_membership, name="body_membership"),
    path("body/<int:pk>/meeting/", views.body_meeting, name="body_meeting"),
    path("body/<int:pk>/agendaitem/", views.body_agendaitem, name="body_agendaitem"),
    path("body/<int:pk>/paper/", views.body_paper, name="body_paper"),
    path("body/<int:pk>/file/", views.body_file, name="body_file"),
    path("body/<int:pk>/location/", views.body_location, name="body_location"),
    path("body/<int:pk>/legislativeterm/", views.body_legislativeterm, name="body_legislativeterm"),
    path("organization/<int:pk>/", views.organization, name="organization"),
    path("organization/<int:pk>/meeting/", views.organization_meeting, name="organization_meeting"),
    path("person/<int:pk>/", views.person, name="person"),
    path("membership/<int:pk>/", views.membership, name="membership"),
    path("meeting/<int:pk>/", views.meeting, name="meeting"),
    # An agenda item of a meeting still to be held; a paragraph (§) of a published protokoll.
    path("agendaitem/<int:pk>/", views.agendaitem, name="agendaitem"),
    path("paragraph/<int:pk>/", views.paragraph, name="paragraph"),
    # The § (or upcoming agenda item) that handles a public case: an OParl Consultation.
    path("paragraph/<int:pk>/consultation/", views.consultation, name="consultation"),
    path("agendaitem/<int:pk>/consultation/", views.agenda_consultation, name="agenda_consultation"),
    # A party with people in the published committees, and a person's membership of it.
    path("party/<int:pk>/", views.party, name="party"),
    path("partymembership/<int:pk>/", views.party_membership, name="party_membership"),
    path("paper/<int:pk>/", views.paper, name="paper"),
    # A public handling; the justerat protokoll of a meeting.
    path("file/<int:pk>/", views.file, name="file"),
    path("protokoll/<int:pk>/", views.protokoll, name="protokoll"),
    path("location/<int:pk>/", views.location, name="location"),
    path("legislativeterm/<int:year>/", views.legislativeterm, name="legislativeterm"),
    re_path(r"^(?P<path>.*)$", views.not_found, name="not_found"),
]
