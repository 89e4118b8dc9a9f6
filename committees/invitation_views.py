"""The page of a login invitation (/konto/inbjudan/<token>/): the person it names chooses their
password, which creates their login (committees/invitations.py), and is then signed in and sent
to their own pages, where "Att justera" lists what they are asked to sign. The same answer for
everyone when the link cannot be used: 404 with the reason (unknown, used or expired)."""

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from .access import two_factor_required
from .invitations import (
    login_invitation_accept,
    login_invitation_find,
    login_invitation_validate_password,
)


class InvitationPasswordForm(forms.Form):
    password1 = forms.CharField(label=gettext_lazy("Password"), strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(
        label=gettext_lazy("The same password again"), strip=False, widget=forms.PasswordInput
    )

    def __init__(self, *args, invitation, **kwargs):
        self.invitation = invitation
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same."))
        elif first:
            try:
                login_invitation_validate_password(invitation=self.invitation, password=first)
            except ValidationError as error:
                self.add_error("password1", error)
        return data


@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def invitation(request, token):
    try:
        found = login_invitation_find(token)
    except ValidationError as refused:
        return render(
            request, "registration/login_invitation.html", {"refused": refused.messages[0]}, status=404
        )
    if request.user.is_authenticated:
        return render(
            request, "registration/login_invitation.html", {"signed_in": True, "person": found.person}
        )
    form = InvitationPasswordForm(request.POST or None, invitation=found)
    if request.method == "POST" and form.is_valid():
        try:
            user = login_invitation_accept(token=token, password=form.cleaned_data["password1"])
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Your login is created. Your username is %(username)s.")
                % {"username": user.get_username()},
            )
            if two_factor_required(user):
                return redirect("account:two_factor")
            return redirect("meetings:home")
    return render(
        request,
        "registration/login_invitation.html",
        {"form": form, "person": found.person, "username": found.person.email.lower(), "invitation": found},
    )
