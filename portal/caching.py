"""A short-lived cache of public pages for anonymous visitors.

A published protokoll does not change, and most readers are anonymous: their pages are the
same for everyone with the same language, so each is rendered once per
`PARAGRAF_PUBLIC_CACHE_SECONDS` (default 60 s; 0 switches the cache off) and served from
the cache (Redis in production, per process otherwise) until then. Signed-in users, other
methods, errors and responses that set a cookie are never cached. What a page shows is
still decided by portal/published.py: the cache only repeats an answer for a minute.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language


def public_cache(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        seconds = settings.PARAGRAF_PUBLIC_CACHE_SECONDS
        if not seconds or request.method != "GET" or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"public-page:{get_language()}:{path}"
        response = cache.get(key)
        if response is None:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if response.status_code == 200 and not response.streaming and not response.cookies:
                cache.set(key, response, seconds)
        return response

    return wrapped
