"""The register lists Paragraf attaches to standard agenda items: delegationsbeslut and remisser."""

import io
import subprocess
from datetime import date
from pathlib import Path

import pikepdf
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.documents import document_upload
from cases.models import DelegatedDecision, Document, Remiss
from meetings.models import AgendaItem, AgendaItemDocument, GeneratedList, Meeting
from meetings.services.handlingar import agenda_item_attach_document
from meetings.services.registers import (
    GENERATED_PREFIX,
    _detach_generated,
    agenda_item_generate_list,
    meeting_generate_lists,
)
from tests.factories import (
    AgendaItemFactory,
    CaseFactory,
    CommitteeFactory,
    DelegatedDecisionFactory,
    DelegationPointFactory,
    MeetingFactory,
    PersonFactory,
    RemissFactory,
    UserFactory,
    local,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def demo_media(demo_loaded, settings):
    """Where the demo's files are (the session's media directory)."""
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def demo(demo_loaded):
    meeting = Meeting.objects.get(committee__short_name="ANA", start=local(2022, 10, 12))
    # The demo leaves the meeting held, with the lists it generated before the kallelse. These
    # tests generate them: the meeting as it was before, kallelse sent and no list yet.
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.SUMMONED)
    meeting.refresh_from_db()
    for link in AgendaItemDocument.objects.filter(
        agenda_item__meeting=meeting, document__original_name__startswith=GENERATED_PREFIX
    ).select_related("document"):
        _detach_generated(link)
    return meeting


def demo_item(meeting: Meeting, generates: str) -> AgendaItem:
    title = {
        GeneratedList.DELEGATED_DECISIONS: "Anmälan av delegationsbeslut",
        GeneratedList.REMISSER: "Inkomna remisser, promemorior och motioner",
    }[generates]
    item = meeting.agenda_items.get(title=title)
    if item.generates != generates:
        item.generates = generates
        item.save(update_fields=["generates"])
    return item


def pdf_text(document: Document) -> str:
    """The PDF's text as pdftotext reads it, with whitespace (and cell wrapping) folded."""
    text = subprocess.run(
        ["pdftotext", document.file.path, "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(text.split())


def stored_files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file())


def test_delegationsbeslut_list_shows_every_decision_to_report_with_its_number(demo):
    item = demo_item(demo, GeneratedList.DELEGATED_DECISIONS)

    document = agenda_item_generate_list(agenda_item=item)

    text = pdf_text(document)
    for decision in DelegatedDecision.objects.filter(point__committee=demo.committee):
        assert decision.registration_id in text
        assert decision.number_label in text  # "§8/2022"
        assert " ".join(decision.description.split()) in text
    assert "2022.11131" in text and "§8/2022" in text and "Påskrivet beslut Sandhem" in text
    assert "Sandhems lantahandel" in text and "Karin Hermansson" in text
    assert "RJL 2022/2121" in text and "ANAV 4.5.3" in text and "Lena Bohman" in text
    assert "2022-09-05" in text
    assert document.kind == Document.Kind.DELEGATIONSBESLUT
    assert "2022-10-12" in document.title
    with pikepdf.open(document.file.path) as pdf:
        width, height = (float(v) for v in pdf.pages[0].mediabox[2:])
        assert width > height  # A4 landscape
        assert "pdfaid" in str(pdf.open_metadata())  # PDF/A
    # The list is the item's first handling, and the decisions count as reported here.
    assert item.attachments.order_by("order", "id").first().document == document
    assert not DelegatedDecision.objects.filter(point__committee=demo.committee).exclude(
        reported_at_meeting=demo
    )


def test_remiss_list_shows_the_committees_remisser_with_the_seeds_columns(demo):
    item = demo_item(demo, GeneratedList.REMISSER)

    document = agenda_item_generate_list(agenda_item=item)

    text = pdf_text(document)
    remiss = Remiss.objects.get(registration_id="2022.10154")
    assert "2022.10154" in text
    assert "Audiovisuell strategi Regionsamverkan Sydsverige" in text
    assert "Linda Byman" in text and "2022-08-11" in text and "RJL 2022/2018" in text
    assert "REMISS" in text and remiss.department.split()[0] in text
    assert document.kind == Document.Kind.REMISS
    assert item.attachments.first().document == document


def test_generating_again_with_the_same_rows_changes_nothing(demo, demo_media):
    item = demo_item(demo, GeneratedList.DELEGATED_DECISIONS)
    demo_item(demo, GeneratedList.REMISSER)
    first = meeting_generate_lists(meeting=demo)
    files, documents = stored_files(demo_media), Document.objects.count()

    again = meeting_generate_lists(meeting=demo)

    assert len(first) == 2 and again == first
    assert Document.objects.count() == documents
    assert stored_files(demo_media) == files
    assert item.attachments.count() == 1


def test_a_new_decision_replaces_the_previous_list_and_keeps_it_first(
    demo, demo_media, django_capture_on_commit_callbacks
):
    item = demo_item(demo, GeneratedList.DELEGATED_DECISIONS)
    first = agenda_item_generate_list(agenda_item=item)
    uploaded = document_upload(
        uploaded_file=SimpleUploadedFile("original.pdf", _one_page_pdf()),
        title="Delegationsbeslut i original",
        kind=Document.Kind.DELEGATIONSBESLUT,
    )
    agenda_item_attach_document(agenda_item=item, document=uploaded, order=0)
    point = DelegatedDecision.objects.filter(point__committee=demo.committee).first().point
    DelegatedDecisionFactory(
        point=point,
        registration_id="2022.12999",
        description="Beslut om bidrag till Vandalorum",
        decided_on=date(2022, 10, 3),
        decision_maker=PersonFactory(first_name="Karin", last_name="Hermansson"),
        decision_maker_number=10,
    )

    with django_capture_on_commit_callbacks(execute=True):
        second = agenda_item_generate_list(agenda_item=item)

    assert second.pk != first.pk
    assert not Document.objects.filter(pk=first.pk).exists()
    assert not (demo_media / first.file.name).exists()  # the replaced list leaves no file behind
    assert "2022.12999" in pdf_text(second) and "§10/2022" in pdf_text(second)
    assert [link.document for link in item.attachments.order_by("order", "id")] == [second, uploaded]
    assert DelegatedDecision.objects.get(registration_id="2022.12999").reported_at_meeting == demo


def _one_page_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def test_only_the_committees_unreported_decisions_made_before_the_meeting_are_listed(media):
    committee = CommitteeFactory(name="Nämnd för arbetsmarknad")
    point = DelegationPointFactory(committee=committee, code="ANAV 4.5.3")
    earlier = MeetingFactory(committee=committee, start=local(2022, 9, 7))
    meeting = MeetingFactory(committee=committee, start=local(2022, 10, 12))
    item = AgendaItemFactory(meeting=meeting, generates=GeneratedList.DELEGATED_DECISIONS)
    listed = DelegatedDecisionFactory(point=point, registration_id="2022.11131", decided_on=date(2022, 9, 5))
    already = DelegatedDecisionFactory(
        point=point, registration_id="2022.10001", decided_on=date(2022, 8, 1), reported_at_meeting=earlier
    )
    later = DelegatedDecisionFactory(point=point, registration_id="2022.13001", decided_on=date(2022, 10, 20))
    elsewhere = DelegatedDecisionFactory(registration_id="2022.11999", decided_on=date(2022, 9, 5))

    text = pdf_text(agenda_item_generate_list(agenda_item=item))

    assert "2022.11131" in text
    for row in (already, later, elsewhere):
        assert row.registration_id not in text
        row.refresh_from_db()
        assert row.reported_at_meeting != meeting
    listed.refresh_from_db()
    assert listed.reported_at_meeting == meeting


def test_confidential_case_title_is_not_printed_on_the_list(media):
    committee = CommitteeFactory()
    meeting = MeetingFactory(committee=committee, start=local(2022, 10, 12))
    item = AgendaItemFactory(meeting=meeting, generates=GeneratedList.REMISSER)
    case = CaseFactory(title="Hemlig säkerhetsfråga", confidential=True, osl_reference="OSL 18 kap. 8 §")
    RemissFactory(committee=committee, registration_id="2022.10500", case=case, title="Remiss om skydd")

    text = pdf_text(agenda_item_generate_list(agenda_item=item))

    assert "2022.10500" in text and case.diarienummer in text
    assert "Hemlig säkerhetsfråga" not in text
    assert "OSL 18 kap. 8 §" in text


def test_empty_list_says_there_is_nothing_to_report(media):
    item = AgendaItemFactory(generates=GeneratedList.DELEGATED_DECISIONS)
    document = agenda_item_generate_list(agenda_item=item)
    assert document.page_count == 1
    assert item.attachments.get().document == document


def test_lists_are_not_regenerated_after_the_meeting_is_held(demo):
    item = demo_item(demo, GeneratedList.DELEGATED_DECISIONS)
    document = agenda_item_generate_list(agenda_item=item)
    Meeting.objects.filter(pk=demo.pk).update(status=Meeting.Status.HELD)
    demo.refresh_from_db()
    item.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        agenda_item_generate_list(agenda_item=item)

    assert refused.value.code == "agenda_locked"
    assert meeting_generate_lists(meeting=demo) == [document]


def test_item_without_a_list_is_refused(media):
    with pytest.raises(ValidationError) as refused:
        agenda_item_generate_list(agenda_item=AgendaItemFactory())
    assert refused.value.code == "nothing_to_generate"


def test_admin_action_generates_the_list(client, demo):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    item = demo_item(demo, GeneratedList.REMISSER)

    response = client.post(
        reverse("admin:meetings_agendaitem_changelist"),
        {"action": "generate_list", "_selected_action": [item.pk]},
        follow=True,
    )

    assert response.status_code == 200
    document = item.attachments.get().document
    assert document.title in response.content.decode()
    assert "2022.10154" in pdf_text(document)
