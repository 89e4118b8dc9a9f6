"""The närvarolista in the seeds' form (Kommunalt forum, Bilaga 1): every kallad, grouped by the
organisation they represent, X for those present, the tjänstgörande ersättare with whom they
replace; whether it is Bilaga 1 or on the first page is the committee's setting, which a new
meeting takes and then keeps. And the PDF speaks Swedish ("Sida 1 av 3")."""

import subprocess

import pytest
from django.utils import translation
from django.utils.translation import pgettext

from attendance.services import attendance_record
from committees.models import Assignment
from meetings.models import Meeting
from meetings.protokoll.context import protokoll_context
from meetings.protokoll.document import protokoll_render_pdf
from meetings.services.paragraphs import protokoll_create_draft
from tests.factories import (
    AgendaItemFactory,
    AssignmentFactory,
    CommitteeFactory,
    MeetingFactory,
    OrganisationFactory,
    PersonFactory,
)

pytestmark = [pytest.mark.django_db]


def pdf_text(pdf: bytes) -> str:
    # -layout: the table row by row (plain mode may read a short table column by column).
    result = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


def sv(message: str, context: str = "protokoll", **params) -> str:
    with translation.override("sv"):
        text = pgettext(context, message)
    return text % params if params else text


class Forum:
    """A forum of the region and two kommuner; Eksjö's two are both absent."""

    def __init__(self, *, as_annex: bool = True):
        region = OrganisationFactory(name="Region Jönköpings län")
        self.committee = CommitteeFactory(
            organisation=region, name="Kommunalt forum", attendance_as_annex=as_annex
        )

        def person(first, last, represents, role=Assignment.Role.MEMBER, order=None):
            p = PersonFactory(first_name=first, last_name=last, represents=represents)
            AssignmentFactory(person=p, committee=self.committee, role=role, substitute_order=order)
            return p

        self.rachel = person("Rachel", "De Basso", "", Assignment.Role.CHAIR)
        self.beata = person("Beata", "Allen", "Aneby kommun")
        self.mikael = person("Mikael", "Fornander", "Aneby kommun")
        self.markus = person("Markus", "Kyllenbeck", "Eksjö kommun")
        self.annelie = person("Annelie", "Hägg", "Eksjö kommun")
        self.tord = person("Tord", "Du Rietz", "Värnamo kommun", Assignment.Role.SUBSTITUTE, 1)
        self.meeting = MeetingFactory(committee=self.committee, chair=self.rachel, status=Meeting.Status.HELD)
        AgendaItemFactory(meeting=self.meeting, title="Val av protokollsjusterare")
        protokoll_create_draft(meeting=self.meeting)
        attendance_record(meeting=self.meeting, person=self.rachel, present=True)
        attendance_record(meeting=self.meeting, person=self.mikael, present=True)
        attendance_record(meeting=self.meeting, person=self.beata, present=False)
        attendance_record(meeting=self.meeting, person=self.tord, present=True, replaces=self.markus)
        # Annelie Hägg: kallad, never recorded: absent.


def test_a_new_meeting_takes_the_committees_setting_and_keeps_its_own():
    forum = Forum(as_annex=True)
    assert forum.meeting.attendance_as_annex is True
    explicit = MeetingFactory(committee=forum.committee, attendance_as_annex=False)
    assert explicit.attendance_as_annex is False
    forum.committee.attendance_as_annex = False
    forum.committee.save()
    forum.meeting.refresh_from_db()
    assert forum.meeting.attendance_as_annex is True  # the meeting keeps its own
    assert MeetingFactory(committee=forum.committee).attendance_as_annex is False
    # A form that sets the field after creating the instance counts as a choice too.
    chosen = Meeting(committee=forum.committee, start=forum.meeting.start)
    chosen.attendance_as_annex = True
    chosen.save()
    assert chosen.attendance_as_annex is True


def test_the_annex_lists_every_kallad_grouped_by_organisation_with_x_for_present():
    forum = Forum()
    rows = protokoll_context(meeting=forum.meeting)["annex"]
    assert [(r["name"], r["represents"], r["present"]) for r in rows] == [
        ("Beata Allen", "Aneby kommun", False),
        ("Mikael Fornander", "Aneby kommun", True),
        ("Annelie Hägg", "Eksjö kommun", False),
        ("Markus Kyllenbeck", "Eksjö kommun", False),
        ("Tord Du Rietz", "Värnamo kommun", True),
        # The committee's own organisation last, as in the seeds.
        ("Rachel De Basso", "Region Jönköpings län", True),
    ]
    assert [r["first_of_group"] for r in rows] == [True, False, True, False, True, True]
    tord = next(r for r in rows if r["name"] == "Tord Du Rietz")
    assert tord["note"] == sv("serving for %(name)s", name="Markus Kyllenbeck")


def test_the_pdf_prints_the_narvarolista_as_bilaga_1_with_absent_people_and_in_swedish():
    forum = Forum()
    text = pdf_text(protokoll_render_pdf(meeting=forum.meeting))
    annex = text.split(
        sv("Attendance %(committee)s %(date)s", committee="Kommunalt forum", date="2024-10-11")
    )[-1]
    assert "Beata Allen Aneby kommun Mikael Fornander Aneby kommun X" in annex
    # An organisation whose people were all absent is still there.
    assert "Annelie Hägg Eksjö kommun Markus Kyllenbeck Eksjö kommun Tord" in annex
    assert f"Tord Du Rietz ({sv('serving for %(name)s', name='Markus Kyllenbeck')}) Värnamo kommun X" in annex
    assert "Rachel De Basso Region Jönköpings län X" in annex
    # Swedish page box and signature reference, through the translation machinery.
    assert f"{sv('Page')} 1 {sv('of', 'page x of y')} " in text
    with translation.override("sv"):
        assert "Sida 1 av" in text
        assert "Signaturreferens:" in text
        assert " of " not in text and "Signature reference" not in text


def test_on_the_first_page_the_absent_ledamoter_are_listed_too():
    forum = Forum(as_annex=False)
    assert forum.meeting.attendance_as_annex is False
    context = protokoll_context(meeting=forum.meeting)
    assert context["annex"] == []
    assert [row["name"] for row in context["absent"]] == ["Beata Allen", "Annelie Hägg", "Markus Kyllenbeck"]
    text = pdf_text(protokoll_render_pdf(meeting=forum.meeting))
    assert f"{sv('Absent')} Beata Allen" in text
    assert sv("Annex 1") not in text
