"""The remiss register: statuses with dates, deadlines highlighted in words, reminders once each."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.models import Remiss
from cases.services import remiss_set_status
from cases.tasks import remind_remiss_deadlines
from tests.factories import (
    CommitteeFactory,
    DocumentFactory,
    PersonFactory,
    RemissFactory,
    UserFactory,
    member_of,
    secretary_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee():
    return CommitteeFactory(name="Nämnd för arbetsmarknad", short_name="ANA")


def test_besvarad_needs_the_paragraph_or_the_yttrande(committee):
    remiss = RemissFactory(committee=committee)

    with pytest.raises(ValidationError) as error:
        remiss_set_status(remiss=remiss, status=Remiss.Status.ANSWERED)
    assert error.value.code == "answer_missing"
    remiss.refresh_from_db()
    assert remiss.status == Remiss.Status.RECEIVED

    yttrande = DocumentFactory(kind="yttrande", title="Yttrande över remiss")
    answered = remiss_set_status(
        remiss=remiss, status=Remiss.Status.ANSWERED, answer_document=yttrande, on=date(2022, 9, 20)
    )
    assert (answered.status, answered.status_date, answered.answer_document) == (
        Remiss.Status.ANSWERED,
        date(2022, 9, 20),
        yttrande,
    )


def test_remiss_reminder_sent_once_per_threshold(committee):
    official = PersonFactory(first_name="Olle", email="olle@example.org")
    today = timezone.localdate()
    RemissFactory(
        committee=committee,
        title="Remiss om turism",
        responsible=official,
        answer_by=today + timedelta(days=14),
    )

    remind_remiss_deadlines()
    remind_remiss_deadlines()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["olle@example.org"]
    assert "Remiss om turism" in mail.outbox[0].subject

    Remiss.objects.update(answer_by=today + timedelta(days=3))
    remind_remiss_deadlines()
    remind_remiss_deadlines()
    assert len(mail.outbox) == 2


def test_answered_remiss_gets_no_reminder(committee):
    official = PersonFactory(email="olle@example.org")
    RemissFactory(
        committee=committee,
        responsible=official,
        answer_by=timezone.localdate() + timedelta(days=2),
        status=Remiss.Status.ANSWERED,
    )
    remind_remiss_deadlines()
    assert mail.outbox == []


def test_register_lists_remisser_by_deadline_with_overdue_and_due_soon_said_in_words(client, committee):
    today = timezone.localdate()
    RemissFactory(committee=committee, title="Sen remiss", answer_by=today - timedelta(days=2))
    RemissFactory(committee=committee, title="Snart remiss", answer_by=today + timedelta(days=10))
    RemissFactory(committee=committee, title="Senare remiss", answer_by=today + timedelta(days=60))
    RemissFactory(title="Annan nämnds remiss", answer_by=today)
    client.force_login(secretary_of(committee))

    page = client.get(reverse("cases:remisser")).content.decode()

    assert page.index("Sen remiss") < page.index("Snart remiss") < page.index("Senare remiss")
    assert "badge--overdue" in page and "badge--due-soon" in page
    assert "Annan nämnds remiss" not in page


def test_register_filters_by_status(client, committee):
    RemissFactory(committee=committee, title="Mottagen remiss")
    RemissFactory(committee=committee, title="Avstådd remiss", status=Remiss.Status.DECLINED)
    client.force_login(secretary_of(committee))

    page = client.get(reverse("cases:remisser"), {"status": "avstar"}).content.decode()

    assert "Avstådd remiss" in page and "Mottagen remiss" not in page


def test_register_is_for_officials_only(client, committee):
    assert client.get(reverse("cases:remisser")).status_code == 302  # to the login
    client.force_login(member_of(committee))
    assert client.get(reverse("cases:remisser")).status_code == 403
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("cases:remisser")).status_code == 200


def test_admin_refuses_besvarad_without_paragraph_or_yttrande(admin_client, committee):
    remiss = RemissFactory(committee=committee, title="Remiss om turism")
    url = reverse("admin:cases_remiss_change", args=[remiss.pk])
    data = {
        "direction": "I",
        "title": remiss.title,
        "sender": remiss.sender,
        "received_on": "2022-09-01",
        "committee": committee.pk,
        "status": Remiss.Status.ANSWERED,
    }

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    remiss.refresh_from_db()
    assert remiss.status == Remiss.Status.RECEIVED
