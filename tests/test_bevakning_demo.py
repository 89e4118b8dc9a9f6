"""The demo's bevakning (issue 19, "Done means"): in the demo of `make demo` an anonymous reader
subscribes to Kommunalt forum, confirms, and gets a digest when the forum's draft protokoll is
frozen and justerat by its four signers (their demo logins' passwords), on commit."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from alerts.models import Subscription
from demo.management.commands.load_demo import DEMO_PASSWORD
from meetings.justering.services import protokoll_freeze, protokoll_sign
from meetings.models import Meeting

pytestmark = pytest.mark.django_db


def test_a_reader_follows_kommunalt_forum_and_gets_the_justerat_protokoll(
    demo_loaded, client, django_capture_on_commit_callbacks
):
    committee_page = client.get(reverse("portal:committee", args=["kommunalt-forum"]))
    assert reverse("alerts:subscribe") + "?organ=kommunalt-forum" in committee_page.content.decode()
    form = {"email": "lasare@example.org", "kind": "organ", "organ": "kommunalt-forum", "frequency": "direkt"}
    assert client.post(reverse("alerts:subscribe"), form).status_code == 302
    confirm = re.search(r"/bevakning/bekrafta/[^\s/]+/", mail.outbox[-1].body).group(0)
    assert client.post(confirm).status_code == 200
    assert Subscription.objects.filter(email="lasare@example.org", committee__slug="kommunalt-forum").exists()

    meeting = Meeting.objects.get(committee__slug="kommunalt-forum", status=Meeting.Status.PROTOKOLL_DRAFTED)
    secretary = meeting.justering.signatures.get(role="sekreterare").person.user
    with django_capture_on_commit_callbacks(execute=True):
        protokoll_freeze(meeting=meeting, by=secretary)
        for signature in meeting.justering.signatures.select_related("person__user"):
            protokoll_sign(signature=signature, user=signature.person.user, password=DEMO_PASSWORD)
    meeting.refresh_from_db()
    assert meeting.status in Meeting.Status.JUSTERAT_OR_LATER

    digests = [m for m in mail.outbox if m.subject.startswith("Bevakning:")]
    assert digests and digests[0].to == ["lasare@example.org"]
    assert reverse("portal:protokoll", args=[meeting.pk]) in digests[0].body
    assert "Gnistrafors" not in "".join(m.body for m in digests), "the demo's confidential person"
    assert digests[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
