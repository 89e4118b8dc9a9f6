"""The password entered again to sign (meetings/views/forms.py `SigningForm`): one form for the
justering, the bestyrkande and the omedelbar justering, with clear errors; a wrong password
counts toward the lockout (tests/test_security_access.py), an empty one is refused by the form
without being checked or counted."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils.translation import gettext as _

from committees.models import Assignment
from meetings import justering
from meetings.errors import JusteringRefusal, SigningRefusal
from meetings.justering.services import protokoll_freeze, protokoll_set_signers
from meetings.models import Meeting
from meetings.services.paragraphs import protokoll_create_draft
from tests.factories import AgendaItemFactory, CommitteeFactory, MeetingFactory, member_of, secretary_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("signing_ca")]

PASSWORD = "pw-for-tests-1"  # UserFactory's


@pytest.fixture
def frozen():
    """A protokoll sent for justering: its ordförande, a justerare, its § with omedelbar justering."""
    committee = CommitteeFactory()
    secretary = secretary_of(committee)
    chair = member_of(committee, role=Assignment.Role.CHAIR)
    adjuster = member_of(committee)
    meeting = MeetingFactory(
        committee=committee, status=Meeting.Status.HELD, secretary=secretary.person, chair=chair.person
    )
    AgendaItemFactory(meeting=meeting, order=1, title="Budget")
    protokoll_create_draft(meeting=meeting)
    paragraph = meeting.paragraphs.get()
    paragraph.immediate_justering = True
    paragraph.save()
    protokoll_set_signers(
        meeting=meeting, chair=chair.person, adjusters=[adjuster.person], secretary=secretary.person
    )
    protokoll_freeze(meeting=meeting, by=secretary)
    return meeting, chair, paragraph


def test_an_empty_password_is_the_fields_error_and_is_not_counted_as_a_guess(client, frozen):
    meeting, chair, paragraph = frozen
    signature = meeting.justering.signatures.get(person=chair.person)
    client.force_login(chair)
    pages = [
        reverse("meetings:justering", args=[signature.pk]),
        reverse("meetings:immediate_justering", args=[meeting.pk, paragraph.pk]),
    ]
    for page in pages:
        response = client.post(page, {"password": ""})
        assert response.status_code == 200
        assert response.context["password_error"] == _("Enter your password to confirm that it is you.")
        assert not response.context["error"]
        html = response.content.decode()
        assert 'id="password-error"' in html and 'aria-invalid="true"' in html
    assert not AccessAttempt.objects.exists()
    signature.refresh_from_db()
    assert signature.signed_at is None


def test_a_wrong_password_is_the_fields_error_and_counts_one_failure(client, frozen):
    meeting, chair, paragraph = frozen
    client.force_login(chair)
    page = reverse("meetings:immediate_justering", args=[meeting.pk, paragraph.pk])
    response = client.post(page, {"password": "fel"})
    assert response.status_code == 200
    form = response.context["form"]
    assert [error.code for error in form.errors.as_data()["password"]] == [SigningRefusal.WRONG_PASSWORD]
    assert response.context["password_error"] == _("The password is not correct.")
    assert AccessAttempt.objects.get().failures_since_start == 1
    assert client.post(page, {"password": PASSWORD}).status_code == 302  # then it signs


def test_a_refusal_other_than_the_password_is_the_forms_error_shown_at_the_top(client, frozen):
    meeting, chair, _paragraph = frozen
    signature = meeting.justering.signatures.get(person=chair.person)
    client.force_login(chair)
    page = reverse("meetings:justering", args=[signature.pk])
    assert client.post(page, {"password": PASSWORD}).status_code == 302
    again = client.post(page, {"password": PASSWORD})  # already signed: not the password's fault
    assert again.status_code == 200 and not again.context["password_error"]
    assert again.context["error"] == _("You have already signed this protokoll.")
    assert 'id="sign-error"' in again.content.decode()
    assert not AccessAttempt.objects.exists()


def test_the_justering_services_name_every_refusal_code_from_the_enums():
    """Every `code=` in meetings/justering/ is a member of JusteringRefusal or SigningRefusal,
    never a string literal, so the views' and tests' comparisons cannot drift from the raise."""
    enums = {"JusteringRefusal": JusteringRefusal, "SigningRefusal": SigningRefusal}
    found, literal = [], []
    for path in sorted(Path(justering.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.keyword) and node.arg == "code"):
                continue
            value = node.value
            if (
                isinstance(value, ast.Attribute)
                and isinstance(value.value, ast.Name)
                and value.value.id in enums
                and value.attr in enums[value.value.id].__members__
            ):
                found.append(value.attr)
            else:
                literal.append(f"{path.name}:{value.lineno}: {ast.unparse(value)}")
    assert not literal, "codes not named from meetings.errors:\n" + "\n".join(literal)
    assert {"WRONG_PASSWORD", "NOT_SIGNER", "ALREADY_SIGNED", "NO_CHAIR"} <= set(found)
