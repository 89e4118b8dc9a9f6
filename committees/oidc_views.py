"""The pages of the OpenID Connect flows (committees/oidc.py): "Log in with e-legitimation" on
the login page, and the callback URL the identity provider returns the browser to. A sign-in
ends here (the user is logged in); a justering or an invitation's signing is handed to the view
that started it (meetings/views/justering.py), which signs only for the person the token names."""

from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import oidc


def _safe_next(request, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False):
        return url
    return reverse("meetings:home")


@never_cache
@require_GET
def oidc_login(request):
    """Start a sign-in at the identity provider."""
    if not oidc.enabled():
        raise Http404
    next_url = _safe_next(request, request.GET.get("next", ""))
    return oidc.authorize_redirect(request, purpose=oidc.LOGIN, next_url=next_url, fresh=False)


@never_cache
@require_GET
def oidc_callback(request):
    """Where the provider sends the browser back: verify, then sign in or hand over."""
    if not oidc.enabled():
        raise Http404
    try:
        identity, flow = oidc.callback(request)
        if identity.purpose == oidc.LOGIN:
            user = oidc.login_for_identity(identity)
    except ValidationError as refused:
        return render(request, "registration/oidc_refused.html", {"refused": refused.messages[0]}, status=403)
    if identity.purpose != oidc.LOGIN:
        oidc.hand_over(request, identity)
        return redirect(_safe_next(request, flow["next"]))
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(_safe_next(request, flow["next"]))


class LoginView(auth_views.LoginView):
    """The members' login page: a local account's username and password, and, when an identity
    provider is configured, "Log in with e-legitimation" beside them."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            oidc_enabled=oidc.enabled(), oidc_provider_name=oidc.provider_name(), **kwargs
        )
