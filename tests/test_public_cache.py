"""Anonymous readers get public pages from a short-lived cache: the same answer for everyone
with the same language, never for a signed-in user, and the pages set no cookie."""

import pytest
from django.urls import reverse

from meetings.models import Meeting
from tests.factories import CommitteeFactory, MeetingFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached(settings):
    settings.PARAGRAF_PUBLIC_CACHE_SECONDS = 60


def _upcoming(committee, location):
    from datetime import timedelta

    from django.utils import timezone

    return MeetingFactory(
        committee=committee,
        start=timezone.now() + timedelta(days=5),
        status=Meeting.Status.PLANNED,
        location=location,
    )


def test_an_anonymous_page_is_served_from_the_cache_until_it_expires(client, cached):
    committee = CommitteeFactory(name="Kulturnämnden", slug="kultur")
    meeting = _upcoming(committee, "Stadshuset, sal 1")
    url = reverse("portal:meeting", args=[meeting.pk])
    assert "Stadshuset, sal 1" in client.get(url).content.decode()

    Meeting.objects.filter(pk=meeting.pk).update(location="Biblioteket")
    assert "Stadshuset, sal 1" in client.get(url).content.decode()  # the cached answer

    member = member_of(committee)
    client.force_login(member)
    assert "Biblioteket" in client.get(url).content.decode()  # signed in: never cached


def test_each_language_has_its_own_cached_page(client, cached):
    committee = CommitteeFactory(slug="kultur")
    url = reverse("portal:committee", args=[committee.slug])
    swedish = client.get(url).content.decode()
    client.get(reverse("language", args=["en"]) + "?next=/")
    english = client.get(url).content.decode()
    assert '<html lang="sv">' in swedish and '<html lang="en">' in english


def test_public_pages_set_no_cookie_and_hold_no_csrf_token(client):
    for url in (reverse("portal:start"), reverse("portal:protokoll_list"), reverse("portal:anslagstavla")):
        response = client.get(url)
        assert response.status_code == 200
        assert not response.cookies, url
        assert "csrfmiddlewaretoken" not in response.content.decode(), url


def test_the_language_link_sets_the_cookie_and_only_returns_to_this_site(client, settings):
    response = client.get(reverse("language", args=["en"]) + "?next=/protokoll/")
    assert response.status_code == 302 and response["Location"] == "/protokoll/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    response = client.get(reverse("language", args=["sv"]) + "?next=https://evil.example/")
    assert response["Location"] == "/"
    assert client.get(reverse("language", args=["xx"])).status_code == 404
