"""The justering tab of the workspace: the secretary chooses the ordförande and the justerare
among those present and the secretary (herself, or an official present) without any uppdrag,
sends the protokoll for justering, sees each signature's state, reminds a signer and downloads
the frozen and the signed PDF."""

import pytest
from django.core import mail
from django.urls import reverse

from meetings.justering.services import protokoll_sign
from meetings.models import Meeting, Signature
from tests.factories import member_of
from tests.test_signer_invitation import World, fresh_certificates  # noqa: F401 - a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("signing_ca", "fresh_certificates")]


@pytest.fixture
def world():
    return World()


def url(world):
    return reverse("workspace:justering", args=[world.meeting.pk])


def test_signers_are_chosen_among_the_present_and_the_secretary_without_uppdrag(client, world):
    absent_member = member_of(world.committee, username="frånvarande", first_name="Frans", last_name="Borta")
    client.force_login(world.secretary)
    page = client.get(url(world))
    assert page.status_code == 200
    form = page.context["form"]
    offered = set(form.fields["adjuster"].queryset)
    assert offered == {world.chair.person, world.guest, world.official}  # those present
    assert absent_member.person not in offered
    secretaries = set(form.fields["secretary"].queryset)
    assert {world.secretary.person, world.official} <= secretaries  # herself, an official present

    response = client.post(
        url(world),
        {
            "action": "save",
            "chair": world.chair.person.pk,
            "adjuster": world.guest.pk,
            "second_adjuster": world.official.pk,
            "secretary": world.secretary.person.pk,
        },
    )
    assert response.status_code == 302
    signatures = world.meeting.justering.signatures.order_by("order")
    assert [(s.role, s.person.full_name) for s in signatures] == [
        ("sekreterare", "Josefine Colliander"),
        ("ordforande", "Rachel De Basso"),
        ("justerare", "Anna Gäst"),
        ("justerare", "Olof Tjänsteman"),
    ]
    page = client.get(url(world)).content.decode()
    assert page.count('value="invite"') == 2  # the guest and the official have no login


def test_an_absent_person_is_refused_and_nothing_is_saved(client, world):
    absent = member_of(world.committee, username="frånvarande")
    client.force_login(world.secretary)
    response = client.post(
        url(world), {"action": "save", "chair": world.chair.person.pk, "adjuster": absent.person.pk}
    )
    assert response.status_code == 200 and response.context["form"].errors["adjuster"]
    assert not Signature.objects.filter(justering__meeting=world.meeting).exists()


def test_send_for_justering_shows_states_reminds_and_offers_the_pdfs(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url(world),
            {
                "action": "freeze",
                "chair": world.chair.person.pk,
                "adjuster": world.guest.pk,
                "secretary": world.secretary.person.pk,
            },
        )
    assert response.status_code == 302
    world.meeting.refresh_from_db()
    assert world.meeting.status == Meeting.Status.READY_FOR_JUSTERING
    page = client.get(url(world))
    states = {s.person.full_name: s.state for s in page.context["signatures"]}
    assert states == {
        "Josefine Colliander": "notified",
        "Rachel De Basso": "notified",
        "Anna Gäst": "notified",
    }
    assert reverse("workspace:justering_frozen_pdf", args=[world.meeting.pk]) in page.content.decode()

    mail.outbox.clear()
    chair_signature = world.signature_of(world.chair.person)
    client.post(url(world), {"action": "remind", "signature": chair_signature.pk})
    assert [m.to for m in mail.outbox] == [["rachel@example.org"]]

    protokoll_sign(signature=chair_signature, user=world.chair, password="pw-for-tests-1")
    page = client.get(url(world))
    assert {s.person.full_name: s.state for s in page.context["signatures"]}["Rachel De Basso"] == "signed"
    signed = client.get(reverse("workspace:justering_signed_pdf", args=[world.meeting.pk]))
    body = b"".join(signed.streaming_content)
    assert signed.status_code == 200 and body.startswith(b"%PDF-")
    frozen = client.get(reverse("workspace:justering_frozen_pdf", args=[world.meeting.pk]))
    assert frozen.status_code == 200


def test_no_pdf_before_justering_and_reminder_refused_clearly(client, world):
    client.force_login(world.secretary)
    assert client.get(reverse("workspace:justering_frozen_pdf", args=[world.meeting.pk])).status_code == 404
    response = client.post(url(world), {"action": "remind", "signature": 999999})
    assert response.status_code == 404
