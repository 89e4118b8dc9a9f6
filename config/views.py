"""Project-wide views: the language switch."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def language(request: HttpRequest, code: str) -> HttpResponseRedirect:
    """Remember the chosen language in its cookie and go back to the page (`next`).

    A plain link instead of Django's POST form: the public pages then carry no CSRF token and
    set no cookie, so an anonymous visitor's page can be served from the cache."""
    if code not in {language_code for language_code, _name in settings.LANGUAGES}:
        raise Http404
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response
