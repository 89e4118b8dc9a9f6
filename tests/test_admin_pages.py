"""Every admin list and add page renders, for a superuser and for a secretary."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import CommitteeFactory, MeetingFactory, UserFactory, secretary_of

pytestmark = pytest.mark.django_db

REGISTERED = sorted((model._meta.app_label, model._meta.model_name) for model in admin.site._registry)


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_changelist_and_add_page_render_for_superuser(superuser_client, app_label, model_name):
    MeetingFactory()
    changelist = superuser_client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    assert changelist.status_code == 200
    add = superuser_client.get(reverse(f"admin:{app_label}_{model_name}_add"))
    assert add.status_code in (200, 403)  # 403 where rows are made only by services


@pytest.mark.parametrize(
    ("app_label", "model_name"),
    [r for r in REGISTERED if r[0] in {"committees", "cases", "meetings", "attendance"}],
)
def test_changelist_renders_for_secretary(client, app_label, model_name):
    committee = CommitteeFactory()
    MeetingFactory(committee=committee)
    client.force_login(secretary_of(committee))
    response = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    assert response.status_code in (200, 403)


def test_meeting_change_page_shows_agenda_inline_in_swedish(superuser_client):
    meeting = MeetingFactory()
    page = superuser_client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk]))
    assert page.status_code == 200
    assert "agenda" in page.content.decode().lower() or "dagordning" in page.content.decode()
