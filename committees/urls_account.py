"""The account pages beside the login (meetings/urls.py): two-step verification and the
password reset by e-mail,
and the login invitation a signer without a login receives (committees/invitation_views.py)."""

from django.urls import path

from . import invitation_views, oidc_views, otp_views, password_views

app_name = "account"

urlpatterns = [
    path("tvastegsverifiering/", otp_views.two_factor, name="two_factor"),
    path("tvastegsverifiering/qr.svg", otp_views.two_factor_qr, name="two_factor_qr"),
    path("verifiera-kod/", otp_views.otp_verify, name="otp_verify"),
    path("e-legitimation/", oidc_views.oidc_login, name="oidc_login"),
    path("e-legitimation/retur/", oidc_views.oidc_callback, name="oidc_callback"),
    path("inbjudan/<str:token>/", invitation_views.invitation, name="invitation"),
    path("glomt-losenord/", password_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "glomt-losenord/skickat/", password_views.PasswordResetDoneView.as_view(), name="password_reset_done"
    ),
    path(
        "nytt-losenord/<uidb64>/<token>/",
        password_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "nytt-losenord/klart/",
        password_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
