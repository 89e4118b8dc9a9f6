"""The ceiling for bench_portal: a WSGI app that serves one saved HTML page from memory, run
under the same gunicorn as Paragraf, so the ratio shows what Django adds to the protokoll page."""

import os
from pathlib import Path

BODY = Path(os.environ["PARAGRAF_BENCH_STATIC_FILE"]).read_bytes()


def app(environ, start_response):
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))]
    start_response("200 OK", headers)
    return [BODY]
