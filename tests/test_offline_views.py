"""Offline reading (meetings/views/offline.py): what a member's browser may store of a meeting,
the web app manifest, the service worker's headers and the logout's Clear-Site-Data."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from meetings.models import AgendaItemDocument, Meeting
from tests.factories import AgendaItemFactory, CommitteeFactory, MeetingFactory, PdfDocumentFactory, member_of

pytestmark = pytest.mark.django_db
OSL = "26 kap. 1 §"


@pytest.fixture
def setup():
    committee = CommitteeFactory()
    other = CommitteeFactory()
    start = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    meeting = MeetingFactory(committee=committee, start=start, status=Meeting.Status.SUMMONED)
    open_item = AgendaItemFactory(meeting=meeting)
    secret_item = AgendaItemFactory(meeting=meeting, confidential=True, osl_reference=OSL)
    public_doc = PdfDocumentFactory(title="Öppen handling")
    secret_doc = PdfDocumentFactory(title="Hemlig handling", confidential=True, osl_reference=OSL)
    doc_of_secret_item = PdfDocumentFactory(title="Handling i hemligt ärende")
    AgendaItemDocument.objects.create(agenda_item=open_item, document=public_doc)
    AgendaItemDocument.objects.create(agenda_item=open_item, document=secret_doc)
    AgendaItemDocument.objects.create(agenda_item=secret_item, document=doc_of_secret_item)
    other_meeting = MeetingFactory(committee=other, start=start, status=Meeting.Status.SUMMONED)
    return {
        "committee": committee,
        "meeting": meeting,
        "member": member_of(committee),
        "outsider": member_of(other),
        "docs": (public_doc, secret_doc, doc_of_secret_item),
        "other_meeting": other_meeting,
    }


def _manifest(client, user, meeting):
    client.force_login(user)
    return client.get(reverse("meetings:offline_manifest", args=[meeting.pk]))


def test_manifest_lists_what_the_member_may_read_without_confidential(client, setup):
    meeting = setup["meeting"]
    public_doc, secret_doc, doc_of_secret_item = setup["docs"]
    data = _manifest(client, setup["member"], meeting).json()
    urls = data["urls"]
    assert reverse("meetings:meeting", args=[meeting.pk]) in urls
    assert reverse("meetings:document", args=[meeting.pk, public_doc.pk]) in urls
    assert reverse("meetings:document", args=[meeting.pk, secret_doc.pk]) not in urls
    assert reverse("meetings:document", args=[meeting.pk, doc_of_secret_item.pk]) not in urls
    # The members' kallelse holds the confidential items too.
    assert reverse("meetings:kallelse", args=[meeting.pk]) not in urls
    assert [d["pk"] for d in data["documents"]] == [public_doc.pk]
    assert data["optional"] == [reverse("meetings:document", args=[meeting.pk, public_doc.pk]) + "las/"]
    assert "Hemlig" not in str(data)
    expires = timezone.datetime.fromisoformat(data["expires_at"])
    day = timezone.localtime(meeting.start).date()
    assert timezone.localtime(expires).date() == day + timedelta(days=2)
    assert any(u.endswith("offline/offline.js") for u in urls)


def test_manifest_lists_confidential_when_the_committee_allows(client, setup):
    committee = setup["committee"]
    committee.offline_confidential_allowed = True
    committee.save()
    meeting = setup["meeting"]
    urls = _manifest(client, setup["member"], meeting).json()["urls"]
    for document in setup["docs"]:
        assert reverse("meetings:document", args=[meeting.pk, document.pk]) in urls
    assert reverse("meetings:kallelse", args=[meeting.pk]) in urls


def test_manifest_of_a_meeting_before_the_kallelse_lists_no_handlingar(client, setup):
    meeting = setup["meeting"]
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.AGENDA_DRAFTED)
    data = _manifest(client, setup["member"], meeting).json()
    assert data["documents"] == []
    assert not any("/handlingar/" in u for u in data["urls"])


def test_outsiders_get_404_and_anonymous_the_login(client, setup):
    assert _manifest(client, setup["outsider"], setup["meeting"]).status_code == 404
    client.logout()
    response = client.get(reverse("meetings:offline_manifest", args=[setup["meeting"].pk]))
    assert response.status_code == 302 and reverse("meetings:login") in response.url


def test_service_worker_headers(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/mina-sammantraden/"
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    assert "ParagrafOfflineStore" in body and 'addEventListener("fetch"' in body


def test_web_app_manifest(client):
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    data = response.json()
    assert data["start_url"] == "/mina-sammantraden/"
    assert data["display"] == "standalone"
    assert data["name"] == "Paragraf – mina sammanträden"
    assert {icon["sizes"] for icon in data["icons"]} >= {"192x192", "512x512"}
    for icon in data["icons"]:
        assert finders.find(icon["src"].removeprefix(settings.STATIC_URL).removeprefix("/static/"))


def test_members_pages_link_the_manifest_and_the_offline_panel(client, setup):
    client.force_login(setup["member"])
    page = client.get(reverse("meetings:meeting", args=[setup["meeting"].pk])).content.decode()
    assert 'rel="manifest"' in page and "offline/offline.js" in page
    assert "data-offline-meeting" in page and "Spara för läsning offline" in page
    assert "<script>" not in page


def test_csp_allows_the_worker_and_the_manifest(client, setup):
    client.force_login(setup["member"])
    policy = client.get(reverse("meetings:home"))["Content-Security-Policy"]
    assert "worker-src 'self'" in policy and "manifest-src 'self'" in policy


def test_logout_clears_site_data(client, setup):
    client.force_login(setup["member"])
    response = client.post(reverse("meetings:logout"))
    assert response["Clear-Site-Data"] == '"cache", "storage"'
