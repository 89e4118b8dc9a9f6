"""The members' pages and their login, and the public verification page. Paths are Swedish:
they are what members see."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("mina-sammantraden/", views.home, name="home"),
    path("mina-sammantraden/<int:pk>/", views.meeting_detail, name="meeting"),
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
    path("verifiera/", views.verify, name="verify"),
    path("signering/ocsp/", views.signing_ocsp, name="signing_ocsp"),
    path("signering/ca.crl", views.signing_crl, name="signing_crl"),
    path(
        "konto/logga-in/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("konto/logga-ut/", auth_views.LogoutView.as_view(), name="logout"),
]
