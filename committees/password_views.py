"""Password reset by e-mail (/konto/glomt-losenord/): Django's own flow (single-use tokens, the
project's password validators), in Swedish, throttled, and the same answer whether or not the
address belongs to anyone.

- The link goes to the login's own e-mail address (User.email, which only an administrator
  edits), never to a person's contact address (a secretary edits that).
- At most PARAGRAF_PASSWORD_RESET_PER_ADDRESS requests per address and
  PARAGRAF_PASSWORD_RESET_PER_IP per client address in PARAGRAF_PASSWORD_RESET_WINDOW seconds
  (Django's cache: Redis in production); above that the page says so (429) and sends nothing.
  The count is the same for an unknown address, so it tells nothing either.
- A reset does not log in: the next login asks for the password and then, for a user with a
  device, the two-step code (committees/access.py). It clears the user's login lockout
  (django-axes): the lockout protects the old password, which the reset has replaced.
"""

import hashlib
from urllib.parse import urlsplit

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpResponseRedirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from .access import client_ip_address


def password_reset_allowed(*, email: str, ip_address: str | None) -> bool:
    """Count one request for the address and the client; False once either is over its limit."""
    window = settings.PARAGRAF_PASSWORD_RESET_WINDOW
    limits = [
        (
            "address",
            hashlib.sha256(email.strip().lower().encode()).hexdigest(),
            settings.PARAGRAF_PASSWORD_RESET_PER_ADDRESS,
        ),
        ("ip", ip_address or "unknown", settings.PARAGRAF_PASSWORD_RESET_PER_IP),
    ]
    allowed = True
    for kind, value, limit in limits:
        key = f"password-reset:{kind}:{value}"
        cache.add(key, 0, window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window)
            count = 1
        allowed = allowed and count <= limit
    return allowed


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("account:password_reset_done")

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if not password_reset_allowed(email=email, ip_address=client_ip_address(self.request)):
            minutes = settings.PARAGRAF_PASSWORD_RESET_WINDOW // 60
            form.add_error(
                None,
                _(
                    "Too many requests for a new password. No e-mail was sent; try again in "
                    "%(minutes)d minutes, or contact the administrator."
                )
                % {"minutes": minutes},
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        site = urlsplit(settings.PARAGRAF_BASE_URL)
        # The link uses the address the site is served at (settings), never the request's Host
        # header, which a client chooses.
        # (Django's PasswordResetView passes neither domain_override nor use_https on to the form.)
        form.save(
            domain_override=site.netloc,
            use_https=site.scheme == "https",
            token_generator=self.token_generator,
            from_email=self.from_email,
            email_template_name=self.email_template_name,
            subject_template_name=self.subject_template_name,
            request=self.request,
            html_email_template_name=self.html_email_template_name,
            extra_email_context=self.extra_email_context,
        )
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("account:password_reset_complete")
    post_reset_login = False  # the login after it asks for the two-step code as always

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
