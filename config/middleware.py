"""Swedish by default: the interface language is Swedish unless the user chose another."""

from django.conf import settings
from django.utils import translation


class LanguageMiddleware:
    """Activate the language from the language cookie (set by Django's set_language view),
    else settings.LANGUAGE_CODE. The browser's Accept-Language is not consulted: a Swedish
    authority's system speaks Swedish even to a browser set up in English."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
