"""The admin in Swedish and tidy (issue 14, "Swedish and tidy"): every app on the admin index has
a Swedish name (third-party apps through config/apps.py), the § favicon is linked from the
members' pages and the admin and is a static file, and a § of a frozen protokoll shows its rich
text rendered (sanitized HTML), never as raw `<p>…</p>`."""

import pytest
from django.contrib import admin
from django.contrib.staticfiles import finders
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from meetings.models import Meeting, Paragraph
from tests.factories import MeetingFactory, ParagraphFactory, UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(username="tidy-admin", is_staff=True, is_superuser=True)


@pytest.mark.django_db
def test_every_app_on_the_admin_index_has_a_swedish_name(client, superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    with translation.override("sv"):
        apps = {app["app_label"]: str(app["name"]) for app in admin.site.get_app_list(request)}
    assert apps["axes"] == "Inloggningsförsök"
    assert apps["otp_totp"] == "Tvåstegsverifiering"
    # Django's fallback name is the label, capitalised ("Axes", "Otp_Totp"): no app keeps it.
    untranslated = {label: name for label, name in apps.items() if name.lower() == label.replace("_", " ")}
    untranslated |= {label: name for label, name in apps.items() if name == label.title()}
    assert not untranslated, untranslated

    client.force_login(superuser)
    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    for english in (
        ">Axes<",
        ">Otp_Totp<",
        ">Access attempts<",
        ">Access logs<",
        ">Access failures<",
        ">TOTP devices<",
    ):
        assert english not in page
    assert ">TOTP-enheter<" in page
    assert "Inloggningsförsök" in page
    assert "Misslyckade inloggningar" in page


def test_the_favicon_is_a_static_svg_with_the_paragraph_sign():
    path = finders.find("favicon.svg")
    assert path, "static/favicon.svg is missing"
    with open(path, encoding="utf-8") as handle:
        svg = handle.read()
    assert svg.startswith("<svg") and "§" in svg


@pytest.mark.django_db
def test_the_favicon_is_linked_from_the_members_pages_and_the_admin(client, superuser):
    for url in (reverse("portal:start"), reverse("meetings:login"), reverse("admin:login")):
        page = client.get(url).content.decode()
        assert 'rel="icon"' in page, url
        assert "favicon" in page and 'href="data:,"' not in page, url
    client.force_login(superuser)
    page = client.get(reverse("admin:index")).content.decode()
    assert 'rel="icon"' in page and "favicon" in page


@pytest.mark.django_db
def test_a_paragraph_of_a_frozen_protokoll_shows_its_rich_text_rendered_not_escaped(client, superuser):
    paragraph = ParagraphFactory(
        decision="<p>Nämnden beslutar <strong>att godkänna</strong> förslaget.</p>",
        motions="<ul><li>Bifall</li></ul>",
    )
    # Stored HTML that the allow-list would never let through is sanitized again on display.
    Paragraph.objects.filter(pk=paragraph.pk).update(summary='<p>Kort</p><script>alert("x")</script>')
    Meeting.objects.filter(pk=paragraph.meeting_id).update(status=Meeting.Status.FROZEN[0])
    client.force_login(superuser)
    response = client.get(reverse("admin:meetings_paragraph_change", args=[paragraph.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<p>Nämnden beslutar <strong>att godkänna</strong> förslaget.</p>" in page
    assert "<ul><li>Bifall</li></ul>" in page
    assert "&lt;p&gt;" not in page and "&lt;strong&gt;" not in page
    assert 'alert("x")' not in page and "&lt;script" not in page
    assert "<p>Kort</p>" in page
    assert 'name="decision"' not in page  # read-only: no editor
    assert "Beslut" in page  # the field's label stays


@pytest.mark.django_db
def test_a_draft_paragraph_keeps_its_editor(client, superuser):
    paragraph = ParagraphFactory(meeting=MeetingFactory())
    client.force_login(superuser)
    page = client.get(reverse("admin:meetings_paragraph_change", args=[paragraph.pk])).content.decode()
    assert 'name="decision"' in page
