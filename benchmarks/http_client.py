"""A small HTTP client for the load benchmark: a logged-in browser without a browser.

Keeps cookies, reads a page's form (inputs, textareas, selects, with their current values)
and posts it back with changes, the way a secretary's browser would, CSRF token included.
"""

from __future__ import annotations

import http.cookiejar
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser


class FormReader(HTMLParser):
    """The fields of the first <form> whose id or action matches `selector` (or any form)."""

    def __init__(self, form_id: str | None = None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.done = False
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._select_chosen = False
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.done and (self.form_id is None or a.get("id") == self.form_id):
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "image", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._select_value, self._select_chosen = name, None, False
        elif tag == "option" and self._select is not None:
            # A browser submits the selected option, or the first one when none is selected.
            if "selected" in a:
                self._select_value = a.get("value", "")
                self._select_chosen = True
            elif self._select_value is None:
                self._select_value = a.get("value", "")

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None
        elif tag == "select" and self._select:
            if self._select_value is not None:
                self.fields.append((self._select, self._select_value))
            self._select = None
        elif tag == "form":
            self.inside, self.done = False, True

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def _csrf(self) -> str:
        return next((c.value for c in self.cookies if c.name == "csrftoken"), "")

    def request(self, path: str, data: list[tuple[str, str]] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        if body is not None:
            request.add_header("Referer", self.base + path)
            request.add_header("X-CSRFToken", self._csrf())
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=60) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode("utf-8", "replace")
        except OSError as error:
            status, text = 0, str(error)
        self.latencies.append(time.perf_counter() - started)
        if status == 0 or status >= 500:
            self.errors.append(f"{status} {path}")
        return status, text

    def form(self, path: str, form_id: str | None = None) -> list[tuple[str, str]]:
        status, text = self.request(path)
        reader = FormReader(form_id)
        reader.feed(text)
        return reader.fields

    def login(self, path: str, username: str, password: str) -> bool:
        fields = dict(self.form(path))
        fields.update({"username": username, "password": password})
        status, text = self.request(path, list(fields.items()))
        return status == 200 and 'name="password"' not in text or status in (301, 302)
