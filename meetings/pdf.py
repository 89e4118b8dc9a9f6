"""HTML → PDF/A: the one rendering function for the documents Paragraf builds.

The kallelse's front page, the protokoll and the demo handlingar are Django templates, each
with its print stylesheet built on the base one (`templates/print/base.css`: the A4 page, its
margins, the fonts, the running header and footer), rendered here by WeasyPrint as PDF/A-2b: fonts
embedded (WeasyPrint always embeds the subset it uses), an sRGB OutputIntent, XMP
metadata with the PDF/A identification, and the document's title and language.

The stylesheets are included inline (`<style>{% include … %}</style>`). WeasyPrint is given a
fetcher that serves only the project's static files and `data:` URLs, so a template can
neither reach the network nor read arbitrary files on the server.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

PDF_VARIANT = "pdf/a-2b"
# The PDF's /Lang and the HTML's lang attribute: a full BCP 47 tag for screen readers.
LANGUAGE_TAGS = {"sv": "sv-SE", "en": "en-GB"}
# The base URL templates are resolved against: `/static/...` becomes file:///static/...,
# which the fetcher maps to the static file (never to the file system root).
BASE_URL = "file:///"


def language_tag(lang: str) -> str:
    """ "sv" → "sv-SE"; a full tag is kept as it is."""
    return LANGUAGE_TAGS.get(lang, lang)


class StaticFilesFetcher(URLFetcher):
    """Serves the project's static files and data: URLs to WeasyPrint; refuses everything else."""

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = _static_path(url)
        if path is None:
            raise ValueError(f"Paragraf's documents may only load the project's static files, not {url}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})


def _static_path(url: str) -> Path | None:
    """The file a static URL ("file:///static/css/print.css" or STATIC_URL + name) points at."""
    static_url = settings.STATIC_URL or "/static/"
    if url.startswith("file://"):
        path = unquote(urlsplit(url).path)
        prefix = "/" + urlsplit(static_url).path.lstrip("/")
    else:
        path, prefix = url, static_url
    if not path.startswith(prefix):
        return None
    name = path[len(prefix) :]
    if not name or ".." in Path(name).parts:
        return None
    found = finders.find(name)
    if found:
        return Path(found)
    collected = Path(settings.STATIC_ROOT) / name
    return collected if collected.is_file() else None


def render_pdf(
    template_name: str, context: dict, *, title: str, lang: str = "sv", tagged: bool = True
) -> bytes:
    """Render a Django template to PDF/A-2b bytes with the given title and language.

    `tagged` adds the structure tree (headings, paragraphs, tables, lists) for screen
    readers. Documents that are signed in several revisions leave it out: pyHanko's
    check of what each revision changed walks the whole tree, and validating a
    four-signature protokoll went from about 0.1 s to 4 s with it (benchmarks/).

    The template gets `document_title` and `document_lang` (the BCP 47 tag) in its context;
    the title and language are also set on the PDF itself, whatever the template's
    <title> and <html lang> say.
    """
    tag = language_tag(lang)
    html = render_to_string(template_name, {**context, "document_title": title, "document_lang": tag})
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesFetcher()).render(
        pdf_variant=PDF_VARIANT, pdf_tags=tagged
    )
    document.metadata.title = title
    document.metadata.lang = tag
    return document.write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=tagged)
