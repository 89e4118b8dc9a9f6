"""Drafting the föredragningslista: standard items in one click, ordering, sanitised rich text."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from meetings.models import AgendaItem, AgendaTemplateItem, Meeting
from meetings.services.agenda import agenda_add_standard_items, agenda_reorder
from meetings.services.lifecycle import TransitionError
from tests.factories import AgendaItemFactory, CommitteeFactory, MeetingFactory, secretary_of

pytestmark = pytest.mark.django_db


def titles(meeting):
    return list(meeting.agenda_items.order_by("order").values_list("title", flat=True))


@pytest.fixture
def committee_with_template():
    committee = CommitteeFactory()
    for order, (title, generates) in enumerate(
        [
            ("Upprop och val av protokollsjusterare", ""),
            ("Fastställande av dagordning", ""),
            ("Anmälan av delegationsbeslut", "delegationsbeslut"),
        ],
        start=1,
    ):
        AgendaTemplateItem.objects.create(committee=committee, order=order, title=title, generates=generates)
    return committee


def test_standard_items_are_added_first_once_and_keep_what_they_generate(committee_with_template):
    meeting = MeetingFactory(committee=committee_with_template)
    AgendaItemFactory(meeting=meeting, order=1, title="Budget 2023")
    added = agenda_add_standard_items(meeting=meeting)
    assert len(added) == 3
    assert titles(meeting) == [
        "Upprop och val av protokollsjusterare",
        "Fastställande av dagordning",
        "Anmälan av delegationsbeslut",
        "Budget 2023",
    ]
    assert meeting.agenda_items.get(title="Anmälan av delegationsbeslut").generates == "delegationsbeslut"
    assert agenda_add_standard_items(meeting=meeting) == []
    assert meeting.agenda_items.count() == 4


def test_the_agenda_is_frozen_once_the_meeting_is_held(committee_with_template):
    meeting = MeetingFactory(committee=committee_with_template, status=Meeting.Status.HELD)
    with pytest.raises(TransitionError) as refused:
        agenda_add_standard_items(meeting=meeting)
    assert refused.value.code == "agenda_locked"
    assert not meeting.agenda_items.exists()


def test_reordering_persists_and_must_name_every_item_once():
    meeting = MeetingFactory()
    a, b, c = (AgendaItemFactory(meeting=meeting, order=n, title=t) for n, t in enumerate("abc", 1))
    agenda_reorder(meeting=meeting, item_ids=[c.pk, a.pk, b.pk])
    assert titles(meeting) == ["c", "a", "b"]
    with pytest.raises(ValidationError) as refused:
        agenda_reorder(meeting=meeting, item_ids=[c.pk, a.pk])
    assert refused.value.code == "bad_order"
    assert titles(meeting) == ["c", "a", "b"]


def test_secretary_reorders_the_agenda_on_the_meeting_page(client):
    meeting = MeetingFactory()
    first = AgendaItemFactory(meeting=meeting, order=1, title="Första")
    second = AgendaItemFactory(meeting=meeting, order=2, title="Andra")
    client.force_login(secretary_of(meeting.committee))
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    page = client.get(url)
    assert "meetings/js/agenda_order.js" in page.content.decode()
    form = page.context["adminform"].form
    data = {
        "committee": meeting.committee.pk,
        "start_0": "2024-10-11",
        "start_1": "10:00",
        "location": form.initial["location"],
        "agenda_items-TOTAL_FORMS": "2",
        "agenda_items-INITIAL_FORMS": "2",
        "paragraphs-TOTAL_FORMS": "0",
        "paragraphs-INITIAL_FORMS": "0",
        "transitions-TOTAL_FORMS": "0",
        "transitions-INITIAL_FORMS": "0",
    }
    for index, (item, order) in enumerate([(first, 2), (second, 1)]):
        prefix = f"agenda_items-{index}-"
        data |= {
            prefix + "id": item.pk,
            prefix + "meeting": meeting.pk,
            prefix + "order": order,
            prefix + "title": item.title,
            prefix + "kind": item.kind,
            prefix + "section": "Beslutsärenden för nämnden",
        }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert titles(meeting) == ["Andra", "Första"]
    assert set(meeting.agenda_items.values_list("section", flat=True)) == {"Beslutsärenden för nämnden"}


def test_rich_text_keeps_paragraphs_bold_italic_and_lists_and_drops_the_rest():
    item = AgendaItemFactory(
        proposal=(
            '<p onclick="x()">Nämnden <strong>beslutar</strong> <em>att</em></p>'
            "<ul><li><p>godkänna</p></li></ul><ol><li><p>ett</p></li></ol>"
            '<script>alert(1)</script><h1>Rubrik</h1><a href="http://x">länk</a><img src=x>'
        )
    )
    item.refresh_from_db()
    assert "<strong>beslutar</strong>" in item.proposal
    assert "<em>att</em>" in item.proposal
    assert "<ul><li><p>godkänna</p></li></ul>" in item.proposal
    assert "<ol>" in item.proposal
    for forbidden in ("<script", "onclick", "<h1", "<a ", "<img", "alert(1)"):
        assert forbidden not in item.proposal
    assert AgendaItem.objects.filter(pk=item.pk, proposal__contains="Rubrik").exists()
