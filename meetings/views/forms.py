"""The forms of the members' pages: the password entered again to sign (`SigningForm`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from committees import access

from .. import signing
from ..errors import SigningRefusal


class SigningForm(forms.Form):
    """The password entered again before a signature (justering of the protokoll, the secretary's
    bestyrkande, omedelbar justering of a §), so that it is the person named who signs.

    The signing service checks the password; `sign` turns its refusal into the form's errors: a
    wrong password is the field's error and counts like a failed login (django-axes), anything
    else the form's. While the user is locked out (`locked_out`), the password is not checked at
    all. A form that was not posted is unbound and shows no errors.
    """

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password to confirm that it is you.")},
    )

    def __init__(self, request: HttpRequest, **kwargs):
        self.request = request
        self.result: Any = None
        super().__init__(request.POST if request.method == "POST" else None, **kwargs)

    def locked_out(self) -> bool:
        """Too many wrong passwords from here: answer with the lockout page, check nothing."""
        return self.is_bound and not access.password_recheck_allowed(self.request)

    def sign(self, action: Callable[[str], Any], *, failed: str) -> bool:
        """Call `action(password)` (a signing service) if the form is valid; True if it signed
        (its return value is `result`). `failed` is the message when the signing itself fails
        (a `signing.SigningError`), with `%(reason)s`."""
        if not self.is_valid():
            return False
        try:
            self.result = action(self.cleaned_data["password"])
        except ValidationError as refused:
            if getattr(refused, "code", None) == SigningRefusal.WRONG_PASSWORD:
                self.add_error("password", refused)
                access.password_recheck_failed(self.request)  # counts like a failed login
            else:
                self.add_error(None, refused)
            return False
        except signing.SigningError as error:
            self.add_error(None, failed % {"reason": error})
            return False
        return True

    @property
    def password_error(self) -> str:
        return " ".join(self.errors.get("password", [])) if self.is_bound else ""

    @property
    def error(self) -> str:
        return " ".join(self.non_field_errors()) if self.is_bound else ""
