"""Justering for the people who sign: the secretary chooses the signers in the admin and sends
the protokoll for justering; each signer is e-mailed once, finds it under "Att justera", reads
it and signs with their password; the last signature makes it justerat and posts the anslag.
Protokollsutdrag made on demand are sealed with the organisation's e-sigill (the secretary's
own bestyrkande: tests/test_signing_trust.py); a public page verifies any signed PDF."""

import io
import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from committees.models import Assignment
from meetings import signing
from meetings.errors import JusteringRefusal, SigningRefusal
from meetings.justering.services import (
    paragraph_immediate_justering_sign,
    protokoll_freeze,
    protokoll_set_signers,
    protokoll_sign,
    protokoll_unfreeze,
)
from meetings.justering.utdrag import pdf_signed_field_names
from meetings.models import Anslag, Meeting, RenderedDocument, Signature
from meetings.protokoll.context import BESTYRKANDE_FIELD
from meetings.protokoll.document import protokoll_render_pdf
from meetings.services.paragraphs import protokoll_create_draft
from meetings.tasks import send_justering_requests
from tests.factories import (
    AgendaItemFactory,
    CaseFactory,
    CommitteeFactory,
    MeetingFactory,
    PartyFactory,
    local,
    member_of,
    secretary_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("signing_ca", "fresh_certificates")]

PASSWORD = "pw-for-tests-1"  # UserFactory's
Status = Meeting.Status
pdfsig = shutil.which("pdfsig")


def sv(message: str) -> str:
    """A UI text as the (Swedish) pages show it, translated or not yet."""
    with translation.override("sv"):
        return gettext(message)


def pdf_text(pdf: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def fresh_certificates():
    """Person certificates are keyed by the person's id, which SQLite may reuse between tests:
    start every test without any, so each signer's certificate carries their own name."""
    people = signing.signing_dir() / "people"
    shutil.rmtree(people, ignore_errors=True)
    yield
    shutil.rmtree(people, ignore_errors=True)


class Cast:
    """The committee, its meeting drafted from the agenda, and the people around it."""

    def __init__(self):
        self.committee = CommitteeFactory(name="Kommunalt forum", short_name="KF", slug="kommunalt-forum")
        self.secretary = secretary_of(self.committee, username="josefine")
        person = self.secretary.person
        person.first_name, person.last_name, person.email = "Josefine", "Colliander", "josefine@example.org"
        person.save()
        party_s, party_m, party_kd = (PartyFactory(abbreviation=a) for a in ("S", "M", "KD"))
        self.chair = member_of(
            self.committee,
            role=Assignment.Role.CHAIR,
            username="rachel",
            first_name="Rachel",
            last_name="De Basso",
            email="rachel@example.org",
            party=party_s,
        )
        self.adjuster = member_of(
            self.committee,
            username="kerstin",
            first_name="Kerstin",
            last_name="Hammar",
            email="kerstin@example.org",
            party=party_m,
        )
        self.second_adjuster = member_of(
            self.committee,
            username="therese",
            first_name="Therese",
            last_name="Petersson",
            email="therese@example.org",
            party=party_kd,
        )
        self.member = member_of(self.committee, username="per", first_name="Per", last_name="Eriksson")
        self.outsider = member_of(CommitteeFactory(name="Annan nämnd"), username="olle")
        self.meeting = MeetingFactory(
            committee=self.committee,
            start=local(2024, 10, 11, 9, 0),
            status=Status.HELD,
            secretary=person,
            chair=self.chair.person,
        )
        AgendaItemFactory(meeting=self.meeting, order=1, title="Val av protokollsjusterare")
        AgendaItemFactory(
            meeting=self.meeting,
            order=2,
            title="Regional utvecklingsstrategi",
            case=CaseFactory(year=2024, serial=3336),
            proposal="<p>Kommunalt forum ställer sig bakom strategin.</p>",
        )
        protokoll_create_draft(meeting=self.meeting)
        self.meeting.refresh_from_db()

    @property
    def signers(self):
        return [self.secretary, self.chair, self.adjuster, self.second_adjuster]

    def choose_signers(self):
        return protokoll_set_signers(
            meeting=self.meeting,
            chair=self.chair.person,
            adjusters=[self.adjuster.person, self.second_adjuster.person],
            secretary=self.secretary.person,
        )

    def freeze(self):
        self.choose_signers()
        protokoll_freeze(meeting=self.meeting, by=self.secretary)
        self.meeting.refresh_from_db()
        return self.meeting.justering

    def signature_of(self, user) -> Signature:
        return Signature.objects.get(justering__meeting=self.meeting, person__user=user)


@pytest.fixture
def cast():
    return Cast()


def sign_on_page(client, cast, user, password=PASSWORD):
    client.force_login(user)
    return client.post(
        reverse("meetings:justering", args=[cast.signature_of(user).pk]), {"password": password}
    )


# --- Choosing the signers in the admin -----------------------------------------------------------


def test_secretary_chooses_the_signers_in_the_admin_with_defaults_and_clear_errors(client, cast):
    client.force_login(cast.secretary)
    changelist = reverse("admin:meetings_meeting_changelist")
    response = client.post(changelist, {"action": "choose_signers", "_selected_action": [cast.meeting.pk]})
    signers_url = reverse("admin:meetings_meeting_signers", args=[cast.meeting.pk])
    assert response.status_code == 302 and response.url == signers_url

    form = client.get(signers_url).context["form"]
    assert form.initial["chair"] == cast.chair.person.pk  # the meeting's chair
    assert form.initial["secretary"] == cast.secretary.person.pk
    offered = set(form.fields["adjuster"].queryset)
    assert {cast.adjuster.person, cast.second_adjuster.person, cast.member.person} <= offered
    assert cast.outsider.person not in offered

    # The same person twice is refused with a message, and nothing is saved.
    response = client.post(
        signers_url,
        {
            "chair": cast.chair.person.pk,
            "adjuster": cast.chair.person.pk,
            "secretary": cast.secretary.person.pk,
        },
    )
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].non_field_errors().as_data()] == ["signer_twice"]
    assert "Rachel De Basso" in response.content.decode()
    assert not Signature.objects.filter(justering__meeting=cast.meeting).exists()

    response = client.post(
        signers_url,
        {
            "chair": cast.chair.person.pk,
            "adjuster": cast.adjuster.person.pk,
            "second_adjuster": cast.second_adjuster.person.pk,
            "secretary": cast.secretary.person.pk,
        },
    )
    assert response.status_code == 302
    signatures = cast.meeting.justering.signatures.order_by("order")
    assert [(s.role, s.person.full_name) for s in signatures] == [
        ("sekreterare", "Josefine Colliander"),
        ("ordforande", "Rachel De Basso"),
        ("justerare", "Kerstin Hammar"),
        ("justerare", "Therese Petersson"),
    ]
    # Chosen again later, the form starts from the signers already chosen.
    assert (
        client.get(signers_url).context["form"].initial["second_adjuster"] == cast.second_adjuster.person.pk
    )


def test_three_justerare_and_a_missing_chair_are_refused_by_the_service(cast):
    with pytest.raises(ValidationError) as refused:
        protokoll_set_signers(
            meeting=cast.meeting,
            chair=cast.chair.person,
            adjusters=[cast.adjuster.person, cast.second_adjuster.person, cast.member.person],
        )
    assert refused.value.code == JusteringRefusal.TOO_MANY_ADJUSTERS
    with pytest.raises(ValidationError) as refused:
        protokoll_set_signers(meeting=cast.meeting, chair=None, adjusters=[cast.adjuster.person])
    assert refused.value.code == JusteringRefusal.NO_CHAIR


def test_save_and_send_for_justering_from_the_signers_page(client, cast, django_capture_on_commit_callbacks):
    client.force_login(cast.secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:meetings_meeting_signers", args=[cast.meeting.pk]),
            {
                "chair": cast.chair.person.pk,
                "adjuster": cast.adjuster.person.pk,
                "secretary": cast.secretary.person.pk,
                "_freeze": "1",
            },
            follow=True,
        )
    assert response.status_code == 200
    cast.meeting.refresh_from_db()
    assert cast.meeting.status == Status.READY_FOR_JUSTERING
    assert sorted(m.to[0] for m in mail.outbox) == [
        "josefine@example.org",
        "kerstin@example.org",
        "rachel@example.org",
    ]


# --- The e-mail to each signer -------------------------------------------------------------------


def test_freezing_emails_each_signer_once_even_when_the_task_runs_twice(
    cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        justering = cast.freeze()
    assert len(mail.outbox) == 4
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {u.person.email for u in cast.signers}
    message = by_address["kerstin@example.org"]
    signature = cast.signature_of(cast.adjuster)
    assert "Kommunalt forum 2024-10-11" in message.subject
    assert f"/justera/{signature.pk}/" in message.body
    assert message.body.count("http") == 1
    assert "2024-10-25" in message.body  # justering.deadline, 14 days after the meeting
    assert justering.deadline.isoformat() == "2024-10-25"
    assert message.reply_to == ["josefine@example.org"]
    assert all(s.notified_at for s in justering.signatures.all())

    send_justering_requests.delay(justering.pk)
    send_justering_requests.delay(justering.pk)
    assert len(mail.outbox) == 4


def test_reopening_and_freezing_again_asks_the_signers_again(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        cast.freeze()
    protokoll_unfreeze(meeting=cast.meeting, by=cast.secretary, reason="Fel datum i § 2")
    assert not cast.meeting.justering.signatures.filter(notified_at__isnull=False).exists()
    with django_capture_on_commit_callbacks(execute=True):
        protokoll_freeze(meeting=cast.meeting, by=cast.secretary)
    assert len(mail.outbox) == 8


# --- "Att justera" on the start page ----------------------------------------------------------------


def test_att_justera_lists_each_signers_own_unsigned_protokoll_with_the_deadline(client, cast):
    justering = cast.freeze()
    justering.deadline = timezone.localdate() + timedelta(days=3)
    justering.save()
    home = reverse("meetings:home")

    client.force_login(cast.adjuster)
    html = client.get(home).content.decode()
    link = reverse("meetings:justering", args=[cast.signature_of(cast.adjuster).pk])
    assert 'id="to-sign"' in html and f'href="{link}"' in html
    assert "to-sign-list__item to-sign-list__item--overdue" not in html

    # Someone else's signing page is never listed, and a member who does not sign sees no list.
    assert reverse("meetings:justering", args=[cast.signature_of(cast.chair).pk]) not in html
    client.force_login(cast.member)
    assert 'id="to-sign"' not in client.get(home).content.decode()
    client.force_login(cast.outsider)
    assert 'id="to-sign"' not in client.get(home).content.decode()

    # Once signed, it leaves the signer's list; past the deadline it is highlighted.
    assert sign_on_page(client, cast, cast.adjuster).status_code == 302
    assert 'id="to-sign"' not in client.get(home).content.decode()
    justering.deadline = timezone.localdate() - timedelta(days=1)
    justering.save()
    client.force_login(cast.chair)
    html = client.get(home).content.decode()
    assert "to-sign-list__item to-sign-list__item--overdue" in html


def test_a_draft_protokoll_is_not_listed_to_sign(client, cast):
    cast.choose_signers()  # signers chosen, but not sent for justering
    client.force_login(cast.chair)
    assert 'id="to-sign"' not in client.get(reverse("meetings:home")).content.decode()


# --- The signing page ------------------------------------------------------------------------------


def test_the_signing_page_shows_the_protokoll_and_who_has_signed(client, cast):
    cast.freeze()
    sign_on_page(client, cast, cast.secretary)
    client.force_login(cast.chair)
    response = client.get(reverse("meetings:justering", args=[cast.signature_of(cast.chair).pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("meetings:protokoll", args=[cast.meeting.pk]) in html
    for name in [
        "Josefine Colliander",
        "Rachel De Basso (S)",
        "Kerstin Hammar (M)",
        "Therese Petersson (KD)",
    ]:
        assert name in html
    assert html.count('class="state state--ok"') == 1  # only the secretary has signed
    assert 'name="password"' in html and 'autocomplete="current-password"' in html

    pdf = content(client.get(reverse("meetings:protokoll", args=[cast.meeting.pk])))
    assert "Regional utvecklingsstrategi" in pdf_text(pdf)
    assert pdf_signed_field_names(pdf) == [cast.signature_of(cast.secretary).field_name]


def test_signing_needs_the_password_and_a_wrong_one_signs_nothing(client, cast):
    justering = cast.freeze()
    before = justering.signed_sha256
    response = sign_on_page(client, cast, cast.chair, password="fel")
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert response.context["password_error"]
    justering.refresh_from_db()
    assert justering.signed_sha256 == before
    assert cast.signature_of(cast.chair).signed_at is None

    response = sign_on_page(client, cast, cast.chair)
    assert response.status_code == 302
    signature = cast.signature_of(cast.chair)
    assert signature.signed_at and signature.signed_by == cast.chair
    justering.refresh_from_db()
    assert justering.signed_sha256 != before


def test_a_non_signer_gets_404_and_the_protokoll_is_only_for_the_committee(client, cast):
    cast.freeze()
    chair_page = reverse("meetings:justering", args=[cast.signature_of(cast.chair).pk])
    pdf_url = reverse("meetings:protokoll", args=[cast.meeting.pk])
    for user in (cast.member, cast.adjuster, cast.outsider):
        client.force_login(user)
        assert client.get(chair_page).status_code == 404
        assert client.post(chair_page, {"password": PASSWORD}).status_code == 404
    assert cast.signature_of(cast.chair).signed_at is None

    client.force_login(cast.outsider)
    assert client.get(pdf_url).status_code == 404
    for user in (cast.member, cast.secretary, cast.chair):
        client.force_login(user)
        assert client.get(pdf_url).status_code == 200
    client.logout()
    assert client.get(pdf_url).status_code == 302  # to the login page


def test_signing_twice_or_after_reopening_is_refused_with_a_message(client, cast):
    cast.freeze()
    sign_on_page(client, cast, cast.chair)
    # A second post (e.g. the form sent again from another tab) signs nothing more.
    with pytest.raises(ValidationError) as refused:
        protokoll_sign(signature=cast.signature_of(cast.chair), user=cast.chair, password=PASSWORD)
    assert refused.value.code == SigningRefusal.ALREADY_SIGNED

    client.force_login(cast.adjuster)
    page = reverse("meetings:justering", args=[cast.signature_of(cast.adjuster).pk])
    protokoll_unfreeze(meeting=cast.meeting, by=cast.secretary, reason="Fel i § 2")
    response = client.post(page, {"password": PASSWORD})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="sign-error"' in html and 'role="alert"' in html
    assert 'id="justering-status"' in html  # not ready for justering at the moment
    assert 'name="password"' not in html
    assert not cast.meeting.justering.signatures.filter(signed_at__isnull=False).exists()


def test_four_signatures_in_order_make_it_justerat_post_the_anslag_and_validate(
    client, cast, django_capture_on_commit_callbacks, tmp_path
):
    justering = cast.freeze()
    for user in cast.signers:
        with django_capture_on_commit_callbacks(execute=True):
            assert sign_on_page(client, cast, user).status_code == 302
    cast.meeting.refresh_from_db()
    justering.refresh_from_db()
    assert justering.completed_at is not None
    assert cast.meeting.status == Status.POSTED  # post_anslag ran (eager) after the last signature
    assert Anslag.objects.filter(meeting=cast.meeting, kind=Anslag.Kind.PROTOKOLL).count() == 1

    # The last signer's page says it is justerat and offers the signed PDF.
    response = client.get(reverse("meetings:justering", args=[cast.signature_of(cast.second_adjuster).pk]))
    html = response.content.decode()
    assert response.context["justerat"] and 'id="justering-status"' in html
    assert 'name="password"' not in html
    pdf = content(client.get(reverse("meetings:protokoll", args=[cast.meeting.pk])))
    assert signing.pdf_sha256(pdf) == justering.signed_sha256

    reports = signing.pdf_verify(pdf)
    assert [r.signer for r in reports] == [
        "Josefine Colliander",
        "Rachel De Basso",
        "Kerstin Hammar",
        "Therese Petersson",
    ]
    assert all(r.intact and r.trusted for r in reports)
    assert reports[0].certifying and reports[-1].covers_whole_document
    if pdfsig:
        path = tmp_path / "protokoll.pdf"
        path.write_bytes(pdf)
        output = subprocess.run([pdfsig, "-nocert", str(path)], capture_output=True, text=True).stdout
        assert output.count("Signature is Valid.") == 4


def test_reopening_before_the_last_signature_through_the_admin_needs_a_reason_and_discards_signatures(
    client, cast
):
    cast.freeze()
    sign_on_page(client, cast, cast.chair)
    client.force_login(cast.secretary)
    changelist = reverse("admin:meetings_meeting_changelist")
    data = {"action": "reopen_protokoll", "_selected_action": [cast.meeting.pk]}
    response = client.post(changelist, {**data, "apply": "1", "reason": " "})
    assert response.status_code == 200  # asked again for the reason
    cast.meeting.refresh_from_db()
    assert cast.meeting.status == Status.READY_FOR_JUSTERING

    client.post(changelist, {**data, "apply": "1", "reason": "Fel beslutsformulering i § 2"})
    cast.meeting.refresh_from_db()
    assert cast.meeting.status == Status.PROTOKOLL_DRAFTED
    assert not cast.meeting.justering.signatures.filter(signed_at__isnull=False).exists()
    step = cast.meeting.transitions.last()
    assert step.note.startswith("Fel beslutsformulering i § 2") and "Rachel De Basso" in step.note
    assert step.by == cast.secretary
    # While it is a draft again, members cannot download the old partly signed file.
    client.force_login(cast.member)
    assert client.get(reverse("meetings:protokoll", args=[cast.meeting.pk])).status_code == 404


# --- The secretary's Justering page -----------------------------------------------------------------


def test_justering_admin_page_shows_signer_status_files_and_verification(client, cast):
    justering = cast.freeze()
    sign_on_page(client, cast, cast.secretary)
    sign_on_page(client, cast, cast.chair)
    client.force_login(cast.secretary)
    response = client.get(reverse("admin:meetings_justering_change", args=[justering.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("admin:meetings_justering_frozen_pdf", args=[justering.pk]) in html
    assert reverse("admin:meetings_justering_signed_pdf", args=[justering.pk]) in html
    verification = html.split('class="verification"')[1].split("</table>")[0]
    assert "Josefine Colliander" in verification and "Rachel De Basso" in verification
    assert "Kerstin Hammar" not in verification  # has not signed yet
    signed = content(client.get(reverse("admin:meetings_justering_signed_pdf", args=[justering.pk])))
    assert len(signing.pdf_verify(signed)) == 2
    frozen = content(client.get(reverse("admin:meetings_justering_frozen_pdf", args=[justering.pk])))
    assert pdf_signed_field_names(frozen) == []

    client.force_login(secretary_of(CommitteeFactory()))
    assert client.get(reverse("admin:meetings_justering_change", args=[justering.pk])).status_code == 302
    assert client.get(reverse("admin:meetings_justering_signed_pdf", args=[justering.pk])).status_code == 404


# --- Protokollsutdrag ------------------------------------------------------------------------------


def justerat(cast):
    cast.freeze()
    for user in cast.signers:
        protokoll_sign(signature=cast.signature_of(user), user=user, password=PASSWORD)
    cast.meeting.refresh_from_db()
    return cast.meeting


def test_protokollsutdrag_contains_the_paragraph_and_is_sealed_with_the_e_sigill_once(client, cast):
    meeting = justerat(cast)
    paragraph = meeting.paragraphs.get(title="Regional utvecklingsstrategi")
    url = reverse("meetings:protokollsutdrag", args=[meeting.pk, paragraph.pk])

    client.force_login(cast.member)
    html = client.get(reverse("meetings:meeting", args=[meeting.pk])).content.decode()
    assert f'href="{url}"' in html
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = content(response)
    text = pdf_text(pdf)
    assert f"§ {paragraph.number} Regional utvecklingsstrategi" in text
    assert "RJL 2024/3336" in text and "e-sigill" in text
    (report,) = signing.pdf_verify(pdf)
    assert report.field_name == BESTYRKANDE_FIELD
    assert report.signer == f"{meeting.committee.organisation.name} — e-sigill" and report.seal
    assert report.intact and report.trusted and report.certifying and report.covers_whole_document

    # Built and signed once: the second download is the same file.
    assert content(client.get(url)) == pdf
    assert (
        RenderedDocument.objects.filter(paragraph=paragraph, kind=RenderedDocument.Kind.EXTRACT).count() == 1
    )

    client.force_login(cast.outsider)
    assert client.get(url).status_code == 404


def test_no_protokollsutdrag_before_the_protokoll_is_justerat(client, cast):
    cast.freeze()
    paragraph = cast.meeting.paragraphs.first()
    client.force_login(cast.member)
    url = reverse("meetings:protokollsutdrag", args=[cast.meeting.pk, paragraph.pk])
    assert client.get(url).status_code == 404


def test_immediate_justering_the_chair_and_a_justerare_sign_the_extract_at_the_meeting(client, cast):
    cast.choose_signers()
    paragraph = cast.meeting.paragraphs.get(title="Regional utvecklingsstrategi")
    paragraph.immediate_justering = True
    paragraph.save()
    page = reverse("meetings:immediate_justering", args=[cast.meeting.pk, paragraph.pk])

    # Listed for the chair and the justerare, not for the secretary or a member.
    client.force_login(cast.chair)
    assert page in client.get(reverse("meetings:home")).content.decode()
    client.force_login(cast.member)
    assert page not in client.get(reverse("meetings:home")).content.decode()
    assert client.get(page).status_code == 404
    with pytest.raises(ValidationError) as refused:
        paragraph_immediate_justering_sign(paragraph=paragraph, user=cast.member, password=PASSWORD)
    assert refused.value.code == SigningRefusal.NOT_SIGNER

    client.force_login(cast.chair)
    response = client.post(page, {"password": "fel"})
    assert response.context["password_error"]
    assert not RenderedDocument.objects.filter(paragraph=paragraph).exists()  # nothing signed
    assert client.post(page, {"password": PASSWORD}).status_code == 302
    document = paragraph_immediate_justering_sign(paragraph=paragraph, user=cast.adjuster, password=PASSWORD)
    document.refresh_from_db()
    with document.file.open("rb") as handle:
        pdf = handle.read()
    reports = signing.pdf_verify(pdf)
    organisation = cast.meeting.committee.organisation.name
    assert [r.signer for r in reports] == ["Rachel De Basso", "Kerstin Hammar", f"{organisation} — e-sigill"]
    assert [r.field_name for r in reports][-1] == BESTYRKANDE_FIELD  # sealed by the organisation
    assert reports[-1].seal
    assert all(r.intact and r.trusted for r in reports) and reports[0].certifying
    assert f"§ {paragraph.number} Regional utvecklingsstrategi" in pdf_text(pdf)
    assert document.kind == RenderedDocument.Kind.EXTRACT and document.paragraph == paragraph

    # Now justerad: members can download it, and nobody signs it again.
    client.force_login(cast.member)
    url = reverse("meetings:protokollsutdrag", args=[cast.meeting.pk, paragraph.pk])
    assert content(client.get(url)) == pdf
    with pytest.raises(ValidationError) as refused:
        paragraph_immediate_justering_sign(paragraph=paragraph, user=cast.second_adjuster, password=PASSWORD)
    assert refused.value.code == SigningRefusal.ALREADY_JUSTERAD
    client.force_login(cast.second_adjuster)
    assert page not in client.get(reverse("meetings:home")).content.decode()


def test_a_paragraph_without_immediate_justering_cannot_be_signed_alone(cast):
    cast.choose_signers()
    paragraph = cast.meeting.paragraphs.first()
    with pytest.raises(ValidationError) as refused:
        paragraph_immediate_justering_sign(paragraph=paragraph, user=cast.chair, password=PASSWORD)
    assert refused.value.code == SigningRefusal.NOT_IMMEDIATE


# --- The public verification page -------------------------------------------------------------------


def upload(client, data: bytes, name="protokoll.pdf"):
    return client.post(
        reverse("meetings:verify"), {"file": SimpleUploadedFile(name, data, "application/pdf")}
    )


def test_verification_page_reports_a_signed_file_and_a_tampered_one(client, cast):
    meeting = justerat(cast)
    with meeting.justering.signed_file.open("rb") as handle:
        pdf = handle.read()

    page = client.get(reverse("meetings:verify"))  # public: no login
    assert page.status_code == 200
    assert '<label for="id_file">' in page.content.decode()

    response = upload(client, pdf)
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["result"]["valid"]
    assert 'class="message message--success"' in html
    assert sv("The file is unchanged since the last signature.") in html
    for name in ["Josefine Colliander", "Rachel De Basso", "Kerstin Hammar", "Therese Petersson"]:
        assert name in html
    assert html.count('class="state state--bad"') == 0
    assert signing.pdf_sha256(pdf) in html

    tampered = bytearray(pdf)
    tampered[len(pdf) // 10] ^= 0x01
    response = upload(client, bytes(tampered))
    assert not response.context["result"]["valid"]
    html = response.content.decode()
    assert 'class="message message--error"' in html and 'class="state state--bad"' in html


def test_verification_page_says_when_the_file_was_changed_after_the_last_signature(client, cast):
    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    meeting = justerat(cast)
    with meeting.justering.signed_file.open("rb") as handle:
        pdf = handle.read()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page[NameObject("/Rotate")] = TextStringObject("90")
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    response = upload(client, out.getvalue())
    result = response.context["result"]
    assert result["changed_after_last"] and not result["valid"]
    assert sv("The file was changed after the last signature.") in response.content.decode()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"Hello, this is not a PDF at all.", "not_pdf"),
        (b"%PDF-1.7\n this is broken", "unreadable"),
    ],
)
def test_verification_page_explains_a_non_pdf_and_a_broken_file(client, data, code):
    response = upload(client, data)
    assert response.status_code == 400
    assert [e.code for e in response.context["form"].errors.as_data()["file"]] == [code]
    assert 'role="alert"' in response.content.decode()


def test_verification_page_explains_an_unsigned_file_and_refuses_a_large_one(client, cast, settings):
    response = upload(client, protokoll_render_pdf(meeting=cast.meeting))
    assert [e.code for e in response.context["form"].errors.as_data()["file"]] == ["unsigned"]
    settings.PARAGRAF_VERIFY_MAX_BYTES = 100
    response = upload(client, b"%PDF-1.7\n" + b"0" * 200)
    assert [e.code for e in response.context["form"].errors.as_data()["file"]] == ["too_large"]


# --- manage.py protokoll ---------------------------------------------------------------------------


def run_command(*args) -> str:
    out = io.StringIO()
    call_command("protokoll", *args, stdout=out)
    return out.getvalue()


def test_protokoll_command_writes_the_draft_the_public_version_and_the_signed_protokoll(cast, tmp_path):
    paragraph = cast.meeting.paragraphs.get(title="Regional utvecklingsstrategi")
    paragraph.confidential, paragraph.osl_reference = True, "OSL 31 kap. 16 §"
    paragraph.decision = "<p>HEMLIGT-BESLUT-4711</p>"
    paragraph.save()
    draft = tmp_path / "utkast.pdf"
    message = run_command("KF", "2024-10-11", "-o", str(draft))
    assert str(draft) in message and "2024-10-11 09:00" in message
    assert "HEMLIGT-BESLUT-4711" in pdf_text(draft.read_bytes())
    public = tmp_path / "offentlig.pdf"
    run_command("kommunalt forum", "2024-10-11", "-o", str(public), "--public")
    assert "HEMLIGT-BESLUT-4711" not in pdf_text(public.read_bytes())

    with pytest.raises(CommandError, match="--signed"):
        run_command("KF", "2024-10-11", "-o", str(tmp_path / "x.pdf"), "--signed")

    justerat(cast)
    signed = tmp_path / "justerat.pdf"
    run_command("KF", "2024-10-11", "-o", str(signed))
    assert signed.read_bytes() == cast.meeting.justering.signed_file.open("rb").read()
    assert len(signing.pdf_verify(signed.read_bytes())) == 4
    again = tmp_path / "signed.pdf"
    run_command("KF", "2024-10-11", "-o", str(again), "--signed")
    assert again.read_bytes() == signed.read_bytes()


def test_protokoll_command_gives_the_kallelse_commands_clear_errors(cast, tmp_path):
    output = str(tmp_path / "p.pdf")
    with pytest.raises(CommandError) as error:
        run_command("XYZ", "2024-10-11", "-o", output)
    assert "XYZ" in str(error.value) and "KF" in str(error.value)
    with pytest.raises(CommandError) as error:
        run_command("KF", "2024-10-12", "-o", output)
    assert "2024-10-12" in str(error.value) and "2024-10-11 09:00" in str(error.value)
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run_command("KF", "11/10/2024", "-o", output)
    with pytest.raises(CommandError, match="--public"):
        run_command("KF", "2024-10-11", "-o", output, "--public", "--signed")
    empty = MeetingFactory(committee=cast.committee, start=local(2024, 12, 13, 9, 0), status=Status.HELD)
    with pytest.raises(CommandError, match=re.escape(empty.get_status_display())):
        run_command("KF", "2024-12-13", "-o", output)


def test_protokoll_command_help_explains_the_arguments():
    from meetings.management.commands.protokoll import Command

    help_text = Command().create_parser("manage.py", "protokoll").format_help()
    for option in ("--public", "--signed", "--time", "-o FILE"):
        assert option in help_text
