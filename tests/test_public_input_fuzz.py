"""Bad input on the public side: whatever anyone puts in a query parameter or a public form,
the answer is a page (200, a redirect, 400 or 404), never a server error (500), and what was
sent is never written back into the HTML unescaped.

Property-based (hypothesis): each parameter gets arbitrary text (control characters, NUL,
very long strings, Unicode digits, SQL-ish and tsquery-ish strings, numbers as text, negative
and huge page numbers) and markup payloads. Reflection is checked with a marker: every
markup value holds a tag `<x-fuzz-N>`, which may appear in a page only escaped.

On PostgreSQL the search runs `websearch_to_tsquery` on the query text (scripts/test-services.sh).
"""

from __future__ import annotations

import json
import os
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.factories import CommitteeFactory, UserFactory
from tests.portal_data import public_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("signing_ca")]

FUZZ = settings(
    max_examples=int(os.environ.get("PARAGRAF_FUZZ_EXAMPLES", "40")),  # more for a longer hunt
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ALLOWED = {200, 302, 400, 404}
MARKER = "<x-fuzz-"

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "javascript:alert(1)",
    "' OR '1'='1",
    "1; DROP TABLE meetings_meeting; --",
    "%' AND 1=1 --",
    "\x00",
    "a\x00b",
    "%00",
    "\r\n\t\x0b\x0c\x1b",
    "\u202e\u200b\ufeff",
    "../../../etc/passwd",
    "{{ 7|add:7 }}{% debug %}",
    "${7*7}",
    "\\",
    '"',
    "'",
    "&amp;&lt;",
    # websearch_to_tsquery and to_tsquery syntax
    '"',
    '"kultur',
    "-",
    "--",
    "or",
    "OR OR",
    "!",
    "!!(",
    "a & b | !c",
    "<->",
    "kultur:*",
    "(((",
    "'''",
    "RJL 2022/2018",
    "KS 2022/2018",
    "2022/99999999999999999999",
    "Å 9999/1",
    # numbers as text
    "0",
    "-1",
    "1.5",
    "1e9",
    "NaN",
    "inf",
    "1_000",
    "٣",
    "２",
    "²",
    "99999999999999999999999999999999",
    "9" * 5000,
    "2024-02-30",
    "0000-01-01",
    "9999-12-31",
    "2024-13-01",
    "-2024-01-01",
    "kommunalt-forum",
    "2024",
    "beslut",
]

texts = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300)
long_texts = st.builds(
    lambda char, n: char * n, st.characters(exclude_categories=("Cs",)), st.integers(300, 20_000)
)
numbers = st.integers(min_value=-(10**40), max_value=10**40).map(str)
plain = st.one_of(texts, long_texts, numbers, st.sampled_from(PAYLOADS))
markup = st.builds(
    lambda before, n, quote, after: f"{before}{quote}<x-fuzz-{n}>{after}",
    st.one_of(texts, st.sampled_from(PAYLOADS)),
    st.integers(0, 9999),
    st.sampled_from(["", '"', "'", '">', "'>", "</textarea>", "</title>", "-->"]),
    st.one_of(texts, st.sampled_from(PAYLOADS)),
)
values = st.one_of(plain, markup)


def parameters(*names: str, **real: list[str]) -> st.SearchStrategy[dict]:
    """Some of the named parameters, each with a fuzzed value or (sometimes) a real one."""
    optional = {
        name: st.one_of(values, st.sampled_from(real[name])) if name in real else values for name in names
    }
    return st.fixed_dictionaries({}, optional=optional)


def assert_handled(response) -> None:
    assert response.status_code in ALLOWED, response.status_code
    body = response.content.decode("utf-8", errors="replace")
    assert MARKER not in body, "a parameter was written into the page unescaped"


# --- Public GET pages with parameters ----------------------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "names", "real"),
    [
        ("portal:search", ("q", "organ", "fran", "till", "sida"), {}),
        ("portal:search_feed", ("q", "organ", "fran", "till"), {}),
        ("alerts:subscribe", ("organ", "q", "diarienummer"), {}),
        ("portal:anslag_archive", ("organ", "ar", "sida"), {"ar": ["2024", "2025", "2026"]}),
        (
            "portal:protokoll_list",
            ("organ", "ar", "typ", "text", "sida"),
            {"ar": ["2024"], "typ": ["beslut"]},
        ),
    ],
)
def test_public_list_and_search_parameters_never_give_a_server_error_nor_reflect_markup(
    client, url_name, names, real
):
    public_world()
    url = reverse(url_name)
    real = {"organ": ["kommunalt-forum"], "q": ["kultur", "motion", "budget"], "text": ["kultur"]} | real
    real = {name: value for name, value in real.items() if name in names}

    @FUZZ
    @given(params=parameters(*names, **real))
    @example(params={"q": "<script>alert(1)</script>", "organ": '"><img src=x onerror=alert(1)>'})
    @example(params={"q": "kultur\x00", "organ": "\x00", "ar": "\x00", "text": "a\x00b", "sida": "\x00"})
    @example(params={"q": '"kultur', "sida": "-1", "fran": "2024-02-30", "till": "0000-01-01"})
    @example(params={"q": "!!( <-> :* & |", "sida": "9" * 5000, "ar": "9" * 5000, "typ": "<x-fuzz-1>"})
    @example(params={"q": "kultur OR -", "text": "KS 2022/99999999999999999999", "organ": "x" * 20_000})
    @example(params={"q": "KS 2022/" + "9" * 5000, "text": "KS 2022/" + "9" * 5000})
    @example(params={"text": "\U00010000" * 12_500})  # 50,000 bytes: SQLite's LIKE limit
    def check(params):
        assert_handled(client.get(url, params))

    check()


def test_odd_encodings_are_handled_and_echoed_input_is_shown_escaped(client):
    """Broken percent-encoding and repeated parameters; and the reflection check is not empty:
    these pages do show what was sent, escaped."""
    public_world()
    search = reverse("portal:search")
    for query in [
        "q=%ff%fe%00",
        "q=%",
        "q=kultur&q=%3Cx-fuzz-1%3E",
        "q=%E2%80",
        "sida=%ff&q=motion",
        "organ",
    ]:
        assert_handled(client.get(f"{search}?{query}"))
    marker = '"><x-fuzz-7>'
    for url, params in [
        (search, {"q": f"kultur {marker}"}),
        (reverse("portal:protokoll_list"), {"text": marker}),
        (reverse("meetings:login"), {"next": marker}),
    ]:
        response = client.get(url, params)
        assert_handled(response)
        assert "&lt;x-fuzz-7&gt;" in response.content.decode()


# --- OParl paging ------------------------------------------------------------------------------


def test_oparl_paging_parameters_give_json_never_a_server_error(client):
    committee = CommitteeFactory()
    body = committee.organisation.pk
    urls = [
        reverse("oparl:body_list"),
        reverse("oparl:body_meeting", args=[body]),
        reverse("oparl:body_legislativeterm", args=[body]),
        reverse("oparl:organization_meeting", args=[committee.pk]),
    ]

    @FUZZ
    @given(url=st.sampled_from(urls), params=parameters("page", "elementsPerPage"))
    @example(url=urls[0], params={"page": "9" * 5000, "elementsPerPage": "-9" * 3000})
    @example(url=urls[0], params={"page": "\x00", "elementsPerPage": "\x00"})
    @example(url=urls[0], params={"page": "-1", "elementsPerPage": "0"})
    @example(url=urls[0], params={"page": str(10**30), "elementsPerPage": str(10**30)})
    def check(url, params):
        response = client.get(url, params)
        # 400 for a page or page size that is not a whole number of at least 1 (docs/open-data.md).
        assert response.status_code in {200, 400, 404}, response.status_code
        json.loads(response.content)  # always a JSON body

    check()


# --- The login form --------------------------------------------------------------------------------


@override_settings(AXES_ENABLED=False)
def test_the_login_form_takes_any_username_password_and_next_without_a_server_error(client):
    UserFactory(username="josefine")
    url = reverse("meetings:login")

    @FUZZ
    @given(
        username=st.one_of(values, st.just("josefine")),
        password=st.one_of(values, st.just("pw-for-tests-1")),
        next_url=values,
    )
    @example(username="josefine\x00", password="\x00", next_url="<x-fuzz-1>")
    @example(username="x" * 20_000, password="y" * 20_000, next_url='"><x-fuzz-2>')
    @example(username='"><x-fuzz-3>', password="' OR '1'='1", next_url="javascript:alert(1)")
    def check(username, password, next_url):
        client.logout()
        assert_handled(client.get(url, {"next": next_url}))
        response = client.post(url, {"username": username, "password": password, "next": next_url})
        assert_handled(response)
        if response.status_code == 302:  # logged in: never sent to another site
            assert urlsplit(response["Location"]).netloc in ("", "testserver")

    check()


# --- The language switch ------------------------------------------------------------------------


def test_the_language_switch_takes_any_language_and_next_and_stays_on_the_site(client):
    url = reverse("set_language")

    @FUZZ
    @given(language=st.one_of(values, st.sampled_from(["sv", "en"])), next_url=values)
    @example(language="sv\x00", next_url="//evil.example/<x-fuzz-1>")
    @example(language="en", next_url="https://evil.example/")
    def check(language, next_url):
        response = client.post(url, {"language": language, "next": next_url})
        assert_handled(response)
        if response.status_code == 302:
            assert urlsplit(response["Location"]).netloc in ("", "testserver")

    check()


# --- The public verification page (/verifiera/) --------------------------------------------------


names = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), min_size=1, max_size=300),
    st.sampled_from(PAYLOADS),
    markup.map(lambda value: value + ".pdf"),
)


def _post_file_as_a_browser(client, url, name: str, content: bytes):
    """POST one file field the way a browser encodes it (HTML's multipart/form-data: `"`, CR and
    LF in the name percent-encoded), so that names Django's own test upload refuses to build,
    such as "/", reach the server too."""
    boundary = "----paragraf-fuzz-boundary"
    quoted = name.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{quoted}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode("utf-8", "surrogatepass")
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.generic("POST", url, body, content_type=f"multipart/form-data; boundary={boundary}")


def test_the_verification_page_takes_any_file_and_name_without_a_server_error(client):
    world = public_world()
    with world.published.justering.signed_file.open("rb") as handle:
        signed = handle.read()
    url = reverse("meetings:verify")
    contents = st.one_of(
        st.binary(max_size=4096),
        st.binary(max_size=4096).map(lambda data: b"%PDF-1.7\n" + data),
        st.just(signed),
        st.builds(lambda cut: signed[:cut], st.integers(0, len(signed))),
        st.builds(
            lambda at, byte: signed[:at] + bytes([byte]) + signed[at + 1 :],
            st.integers(0, len(signed) - 1),
            st.integers(0, 255),
        ),
    )

    @FUZZ
    @given(name=names, content=contents)
    @example(name="<x-fuzz-1>.pdf", content=signed)
    @example(name='"><x-fuzz-2>.pdf', content=signed)
    @example(name="a\x00b.pdf", content=signed)
    @example(name="/", content=signed)
    @example(name="protokoll.pdf", content=b"")
    @example(name="protokoll.pdf", content=b"%PDF-")
    def check(name, content):
        assert_handled(_post_file_as_a_browser(client, url, name, content))

    check()
    response = client.post(url, {"file": SimpleUploadedFile('"><x-fuzz-8>.pdf', signed, "application/pdf")})
    assert response.status_code == 200
    assert "&lt;x-fuzz-8&gt;.pdf" in response.content.decode()  # the file's name, escaped


def test_the_verification_page_takes_a_post_without_a_file_or_with_odd_fields(client):
    url = reverse("meetings:verify")
    assert_handled(client.post(url, {}))
    assert_handled(client.post(url, {"file": "<x-fuzz-1>"}))
    assert_handled(client.post(url, "\x00<x-fuzz-2>", content_type="application/octet-stream"))
    assert_handled(client.post(url, "--x\r\n\r\n<x-fuzz-3>", content_type="multipart/form-data; boundary=x"))
