"""The account pages beside the login (meetings/urls.py): two-step verification."""

from django.urls import path

from . import otp_views

app_name = "account"

urlpatterns = [
    path("tvastegsverifiering/", otp_views.two_factor, name="two_factor"),
    path("tvastegsverifiering/qr.svg", otp_views.two_factor_qr, name="two_factor_qr"),
    path("verifiera-kod/", otp_views.otp_verify, name="otp_verify"),
]
