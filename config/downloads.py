"""Every file Paragraf serves (handlingar, kallelse, protokoll, protokollsutdrag, exports) goes
out through `file_response`, so a browser runs nothing in it:

- the Content-Type is the one the file was checked to be (handlingar by their content at upload,
  cases/documents.py; generated files by what made them), and `X-Content-Type-Options: nosniff`
  keeps the browser from guessing another;
- `Content-Security-Policy: default-src 'none'; sandbox` makes the document a unique origin
  with no scripts, forms, plugins or loads of its own, whatever it contains (the same policy
  config.middleware gives every response that is not an HTML page);
- a PDF is shown inline (the browser's PDF viewer works under that policy), anything else is a
  download (`Content-Disposition: attachment`), never rendered by the browser.

tests/test_file_responses.py opens every URL of the project as every role and checks these
headers on every file it gets, and that no view builds a file response without this helper.
"""

import io

from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

PDF = "application/pdf"
# One unique origin, nothing allowed: no script, style, image, form, plugin or frame of its own.
FILE_POLICY = "default-src 'none'; sandbox"  # as django-csp writes FILE_POLICY_DIRECTIVES
FILE_POLICY_DIRECTIVES = {"default-src": ["'none'"], "sandbox": True}


def file_response(
    content: bytes | io.IOBase,
    *,
    filename: str,
    content_type: str,
    inline: bool | None = None,
) -> HttpResponseBase:
    """A file download: `content` is bytes, or an open binary file (streamed, then closed).

    `inline` defaults to True for a PDF and may only be True for one: every other kind of file
    is served as an attachment."""
    mime = content_type.split(";")[0].strip().lower()
    if inline is None:
        inline = mime == PDF
    if inline and mime != PDF:
        raise ValueError(f"Only PDFs are shown inline, not {content_type}")
    if isinstance(content, bytes):  # made here and now (an export, a calendar): not streamed
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(not inline, filename)
    else:
        response = FileResponse(
            content, content_type=content_type, as_attachment=not inline, filename=filename
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_POLICY
    return response
