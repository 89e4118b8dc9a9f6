"""The members' pages and their login, and the public verification page. Paths are Swedish:
they are what members see."""

from django.urls import path

from committees.oidc_views import LoginView

from . import views

app_name = "meetings"

urlpatterns = [
    path("mina-sammantraden/", views.home, name="home"),
    path("mina-sammantraden/<int:pk>/", views.meeting_detail, name="meeting"),
    path("mina-sammantraden/<int:pk>/offline.json", views.offline_manifest, name="offline_manifest"),
    path("mina-sammantraden/offline/", views.offline_page, name="offline_page"),
    path("manifest.webmanifest", views.webmanifest, name="webmanifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("mina-sammantraden/<int:pk>/kallelse.pdf", views.kallelse_pdf, name="kallelse"),
    path(
        "mina-sammantraden/<int:pk>/handlingar/<int:document_pk>/",
        views.document_download,
        name="document",
    ),
    path("mina-sammantraden/<int:pk>/forhinder/", views.absence, name="absence"),
    path("mina-sammantraden/<int:pk>/protokoll.pdf", views.protokoll_pdf, name="protokoll"),
    path(
        "mina-sammantraden/<int:pk>/paragrafer/<int:paragraph_pk>/protokollsutdrag.pdf",
        views.protokollsutdrag_pdf,
        name="protokollsutdrag",
    ),
    path(
        "mina-sammantraden/<int:pk>/paragrafer/<int:paragraph_pk>/omedelbar-justering/",
        views.immediate_justering,
        name="immediate_justering",
    ),
    path("justera/<int:signature_pk>/", views.justering_sign, name="justering"),
    path(
        "justera/<int:signature_pk>/e-legitimation/", views.justering_oidc_start, name="justering_oidc_start"
    ),
    path(
        "justera/<int:signature_pk>/e-legitimation/klar/",
        views.justering_oidc_finish,
        name="justering_oidc_finish",
    ),
    path("justera/inbjudan/<str:token>/", views.external_justering, name="external_justering"),
    path(
        "justera/inbjudan/<str:token>/protokoll.pdf",
        views.external_justering_pdf,
        name="external_justering_pdf",
    ),
    path(
        "justera/inbjudan/<str:token>/klar/",
        views.external_justering_finish,
        name="external_justering_finish",
    ),
    path("verifiera/", views.verify, name="verify"),
    path("signering/ocsp/", views.signing_ocsp, name="signing_ocsp"),
    path("signering/ca.crl", views.signing_crl, name="signing_crl"),
    path(
        "konto/logga-in/",
        LoginView.as_view(),
        name="login",
    ),
    path("konto/logga-ut/", views.LogoutView.as_view(), name="logout"),
]
