"""Published is immutable, so render it once (portal/prerender.py): a published protokoll's page
and its § permalinks are stored in each language when it is published, equal to what the view
renders; each change that can alter them after publishing re-renders them; and a stored page is
never served for what is no longer public, whatever path the change took."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.locks import protokoll_lock_install, protokoll_lock_uninstall
from committees.models import Committee
from meetings.anslag.rules import anslag_post, anslag_take_down
from meetings.models import Justering, Meeting, Paragraph
from meetings.services.lifecycle import meeting_transition
from meetings.services.paragraphs import protokoll_create_draft
from portal.models import StoredPage
from portal.prerender import prerender_meeting
from tests.factories import (
    AgendaItemFactory,
    CaseFactory,
    CommitteeFactory,
    MeetingFactory,
    local,
    member_of,
    store_signed_file,
)

pytestmark = pytest.mark.django_db

Status = Meeting.Status
SECRET = "Personärende KANARIE-FÖRRENDERAD-3317"


@pytest.fixture
def organ():
    return CommitteeFactory(name="Kommunalt forum", short_name="KF", slug="kommunalt-forum")


@pytest.fixture
def case():
    return CaseFactory(prefix="KS", year=2022, serial=2018, title="Motion om kultur för hälsa")


def held(organ, case, start=None) -> Meeting:
    meeting = MeetingFactory(committee=organ, start=start or local(2024, 10, 11), status=Status.HELD)
    AgendaItemFactory(meeting=meeting, order=1, title="Motion om kultur för hälsa", case=case)
    AgendaItemFactory(meeting=meeting, order=2, title=SECRET)
    AgendaItemFactory(meeting=meeting, order=3, title="Övriga frågor")
    protokoll_create_draft(meeting=meeting)
    meeting.refresh_from_db()
    return meeting


def publish(meeting, capture) -> Meeting:
    """Justerat as the signing ends it: the signed file, the completed justering, the status
    change (whose on-commit callbacks run the render, tasks eager)."""
    justering, _created = Justering.objects.get_or_create(meeting=meeting)
    store_signed_file(justering)
    Justering.objects.filter(pk=justering.pk).update(completed_at=timezone.now())
    Meeting.objects.filter(pk=meeting.pk).update(status=Status.READY_FOR_JUSTERING)
    meeting.refresh_from_db()
    with capture(execute=True):
        meeting_transition(meeting=meeting, to_status=Status.JUSTERAT)
    meeting.refresh_from_db()
    return meeting


@pytest.fixture
def published(organ, case, django_capture_on_commit_callbacks):
    return publish(held(organ, case), django_capture_on_commit_callbacks)


def pages_of(meeting) -> list[str]:
    return [reverse("portal:protokoll", args=[meeting.pk])] + [
        reverse("portal:paragraph", args=[meeting.pk, number])
        for number in meeting.paragraphs.order_by("number").values_list("number", flat=True)
    ]


def live(client, url, language="sv") -> str:
    """What the view renders: a session cookie (here one that names no session) makes the
    request one the stored page is not for."""
    client.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    try:
        response = client.get(url)
        assert response.status_code == 200 and response.templates, url
        return response.content.decode()
    finally:
        del client.cookies[settings.SESSION_COOKIE_NAME]


def served(client, url, language="sv"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url)


def stored(meeting, number=0, language="sv") -> str:
    return StoredPage.objects.get(meeting=meeting, number=number, language=language).html


def assert_stored_equals_live(client, meeting):
    for language in ("sv", "en"):
        for url in pages_of(meeting):
            number = int(url.rstrip("/").rsplit("/", 1)[1]) if "/paragrafer/" in url else 0
            assert stored(meeting, number, language) == live(client, url, language), (url, language)


# --- Rendered once, equal to the view ------------------------------------------------------------


def test_publishing_stores_every_page_in_both_languages_equal_to_what_the_view_renders(client, published):
    numbers = list(published.paragraphs.values_list("number", flat=True))
    assert StoredPage.objects.filter(meeting=published).count() == 2 * (1 + len(numbers))
    assert_stored_equals_live(client, published)
    english = stored(published, 0, "en")
    assert '<html lang="en">' in english and "Log in" in english and "Paragraphs" in english
    assert '<html lang="sv">' in stored(published, 0, "sv") and "Logga in" in stored(published, 0, "sv")


def test_an_anonymous_reader_gets_the_stored_page_by_one_query_and_no_template(client, published):
    for language in ("sv", "en"):
        for url in pages_of(published):
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200
            assert len(queries) == 1 and not response.templates, url
            number = int(url.rstrip("/").rsplit("/", 1)[1]) if "/paragrafer/" in url else 0
            assert response.content.decode() == stored(published, number, language)
            assert response["Content-Language"] == language
            assert "Content-Security-Policy" in response and not response.cookies


def test_a_signed_in_member_gets_the_live_page_with_her_own_header(client, organ, published):
    member = member_of(organ, username="rachel", first_name="Rachel")
    prerender_meeting(meeting_id=published.pk)  # her assignment changed the committee's pages
    client.force_login(member)
    response = client.get(reverse("portal:protokoll", args=[published.pk]))
    html = response.content.decode()
    assert response.templates and "Rachel" in html and "meetings/logout" not in stored(published)
    assert "Rachel" not in stored(published) and 'name="csrfmiddlewaretoken"' in html
    assert "private" in response["Cache-Control"]


def test_a_request_with_a_query_string_or_a_flash_message_gets_the_live_page(client, published):
    url = reverse("portal:protokoll", args=[published.pk])
    assert client.get(url + "?utm=x").templates
    client.cookies["messages"] = "anything"
    assert client.get(url).templates


# --- Nothing stored for what is not published ------------------------------------------------------


def test_nothing_is_stored_for_a_draft_or_a_frozen_unsigned_protokoll(
    client, organ, case, django_capture_on_commit_callbacks
):
    draft = held(organ, case, local(2024, 12, 13))
    frozen = held(organ, case, local(2024, 11, 15))
    with django_capture_on_commit_callbacks(execute=True):
        Meeting.objects.filter(pk=frozen.pk).update(status=Status.READY_FOR_JUSTERING)
        draft.save()
        frozen.save()
    assert prerender_meeting(meeting_id=frozen.pk) == {"written": 0, "removed": 0}
    assert not StoredPage.objects.exists()
    for meeting in (draft, frozen):
        assert client.get(reverse("portal:protokoll", args=[meeting.pk])).status_code == 404


# --- Each change after publishing re-renders ----------------------------------------------------------


def test_posting_the_anslag_re_renders_the_stored_pages(
    client, published, django_capture_on_commit_callbacks
):
    before = stored(published)
    with django_capture_on_commit_callbacks(execute=True):
        anslag = anslag_post(meeting=published)
    after = stored(published)
    assert after != before and reverse("portal:anslag", args=[anslag.pk]) in after
    assert reverse("portal:anslag", args=[anslag.pk]) not in before
    assert_stored_equals_live(client, published)
    assert served(client, reverse("portal:protokoll", args=[published.pk])).content.decode() == after


def test_taking_the_anslag_down_re_renders_and_the_protokoll_stays_public(
    client, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        anslag = anslag_post(meeting=published, posted_on=timezone.localdate() - timedelta(days=40))
    rendered_at = StoredPage.objects.get(meeting=published, number=0, language="sv").rendered_at
    with django_capture_on_commit_callbacks(execute=True):
        anslag_take_down(anslag=anslag)
    published.refresh_from_db()
    assert published.status == Status.TAKEN_DOWN
    assert StoredPage.objects.get(meeting=published, number=0, language="sv").rendered_at > rendered_at
    assert_stored_equals_live(client, published)
    assert not served(client, reverse("portal:protokoll", args=[published.pk])).templates


def test_editing_or_deleting_the_anslag_re_renders(client, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        anslag = anslag_post(meeting=published)
    with django_capture_on_commit_callbacks(execute=True):
        anslag.storage_location = "Kommunarkivet, Storgatan 1"
        anslag.save()
    assert "Kommunarkivet, Storgatan 1" in stored(published)
    with django_capture_on_commit_callbacks(execute=True):
        anslag.delete()
    assert "Kommunarkivet" not in stored(published)
    assert_stored_equals_live(client, published)


def test_a_case_made_confidential_re_renders_and_the_old_page_is_gone_at_once(
    client, published, case, django_capture_on_commit_callbacks
):
    url = reverse("portal:protokoll", args=[published.pk])
    assert "KS 2022/2018" in stored(published) and "KS 2022/2018" in served(client, url).content.decode()
    with django_capture_on_commit_callbacks(execute=False) as pending:
        case.confidential, case.osl_reference = True, "26 kap. 1 §"
        case.save()
        # Before the re-render runs, the stored pages are already gone: the live page answers.
        assert not StoredPage.objects.filter(meeting=published).exists()
        response = served(client, url)
        assert response.templates and "KS 2022/2018" not in response.content.decode()
    for callback in pending:
        callback()
    assert "KS 2022/2018" not in stored(published)
    assert_stored_equals_live(client, published)
    assert not served(client, url).templates


def test_a_renamed_committee_or_person_re_renders(
    client, organ, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        organ.name = "Kommunalt forum för kultur"
        organ.save()
    assert "Kommunalt forum för kultur" in stored(published)
    chair = published.chair
    if chair is not None:
        with django_capture_on_commit_callbacks(execute=True):
            chair.last_name = "Omdöpt-Efternamn"
            chair.save()
        assert "Omdöpt-Efternamn" in stored(published)
    assert_stored_equals_live(client, published)


# --- Never served for what is no longer public ---------------------------------------------------------


def test_a_paragraph_of_a_published_protokoll_cannot_be_masked_through_the_application(published):
    paragraph = published.paragraphs.get(title=SECRET)
    paragraph.confidential, paragraph.osl_reference = True, "26 kap. 1 §"
    with pytest.raises(Exception, match="(?i)locked|justering|cannot"):
        paragraph.save()


def test_a_paragraph_masked_behind_the_applications_back_is_never_served_from_the_stored_page(
    client, published
):
    url = reverse("portal:paragraph", args=[published.pk, published.paragraphs.get(title=SECRET).number])
    assert SECRET in stored(published) and not served(client, url).templates
    # A correction made directly in the database (no signal, no task): the lock lifted for it.
    protokoll_lock_uninstall(connection=connection)
    try:
        Paragraph.objects.filter(meeting=published, title=SECRET).update(
            confidential=True, osl_reference="26 kap. 1 §"
        )
    finally:
        protokoll_lock_install(connection=connection)
    assert SECRET in stored(published)  # the row is still there, but it no longer matches
    for page in (url, reverse("portal:protokoll", args=[published.pk])):
        response = served(client, page)
        assert response.status_code == 200 and response.templates
        assert "KANARIE-FÖRRENDERAD" not in response.content.decode()
        assert "KANARIE-FÖRRENDERAD" not in served(client, page, "en").content.decode()


def test_a_protokoll_no_longer_public_is_not_served_even_with_its_stored_pages_left(client, organ, published):
    Committee.objects.filter(pk=organ.pk).update(is_active=False)  # no signal: the rows stay
    assert StoredPage.objects.filter(meeting=published).exists()
    for url in pages_of(published):
        assert client.get(url).status_code == 404
    Committee.objects.filter(pk=organ.pk).update(is_active=True)
    assert all(client.get(url).status_code == 200 for url in pages_of(published))


def test_a_page_of_another_rendering_version_is_not_served(client, published):
    StoredPage.objects.filter(meeting=published).update(version="an-older-deploy", html="OLD")
    response = client.get(reverse("portal:protokoll", args=[published.pk]))
    assert response.templates and "OLD" != response.content.decode()


# --- The WSGI fast path (config/wsgi.py) --------------------------------------------------------------


def _wsgi(path, **environ):
    from django.core import signals
    from django.db import close_old_connections

    from config.wsgi import application

    request_environ = RequestFactory().get(path).environ
    request_environ.update(environ)
    answer = {}
    # As Django's test client does: the test's transaction keeps its connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        response = application(
            request_environ, lambda status, headers: answer.update(status=status, headers=headers)
        )
        body = b"".join(response)
        if hasattr(response, "close"):
            response.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return answer["status"], dict(answer["headers"]), body


def test_the_wsgi_fast_path_answers_the_stored_page_with_the_headers_of_the_whole_stack(client, published):
    for language in ("sv", "en"):
        for url in pages_of(published):
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            django_answer = client.get(url)
            status, headers, body = _wsgi(url, HTTP_COOKIE=f"{settings.LANGUAGE_COOKIE_NAME}={language}")
            assert status == "200 OK" and body == django_answer.content, url
            assert headers == dict(django_answer.items()), url
            assert "Set-Cookie" not in headers and headers["Content-Language"] == language


def test_the_wsgi_fast_path_leaves_everyone_else_to_django(client, published):
    url = reverse("portal:protokoll", args=[published.pk])
    stored_html = stored(published).encode()
    # Django answers these (a session, a flash message, a query string, a foreign host, HEAD).
    for environ in (
        {"HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}=x"},
        {"HTTP_COOKIE": "messages=x"},
    ):
        status, headers, body = _wsgi(url, **environ)
        assert status == "200 OK" and body == stored_html  # the live page, equal to the stored one
    status, _headers, body = _wsgi(url, QUERY_STRING="a=1")
    assert status == "200 OK" and body != stored_html and b"a%3D1" in body  # the language switch's next
    status, _headers, _body = _wsgi(url, HTTP_HOST="evil.example")
    assert status.startswith("400")
    assert _wsgi(url, REQUEST_METHOD="HEAD")[2] == b""
    Committee.objects.filter(pk=published.committee_id).update(is_active=False)
    assert _wsgi(url)[0].startswith("404")
