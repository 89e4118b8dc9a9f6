"""`manage.py load_demo` builds the seeds' world, and running it twice changes nothing."""

import io
import json

import pytest
from django.core.management import call_command

from cases.models import Case, DelegatedDecision, Motion, Remiss
from committees.models import Committee, Person
from meetings.models import AgendaItem, Meeting, Paragraph

pytestmark = pytest.mark.django_db

DOMAIN_APPS = ["committees", "cases", "meetings", "attendance", "auth.group"]


def snapshot():
    out = io.StringIO()
    call_command("dumpdata", *DOMAIN_APPS, format="json", stdout=out)
    rows = json.loads(out.getvalue())
    for row in rows:
        row["fields"].pop("reported_at", None)  # auto_now_add timestamps
        row["fields"].pop("created_at", None)
        row["fields"].pop("at", None)
        row["fields"].pop("updated_at", None)
    users = list(
        __import__("django.contrib.auth", fromlist=["get_user_model"])
        .get_user_model()
        .objects.order_by("username")
        .values_list("username", "is_staff", "is_superuser")
    )
    return rows, users


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())


def test_load_demo_twice_gives_the_same_database(demo):
    first = snapshot()
    call_command("load_demo", stdout=io.StringIO())
    assert snapshot() == first


def test_demo_has_the_forum_with_its_65_people_and_numbered_paragraphs(demo):
    forum = Committee.objects.get(name="Kommunalt forum")
    assert forum.assignments.values("person").distinct().count() >= 65
    october = Meeting.objects.get(committee=forum, start__date="2024-10-11")
    assert list(october.paragraphs.order_by("number").values_list("number", flat=True)) == list(range(1, 12))
    december = Meeting.objects.get(committee=forum, start__date="2024-12-13")
    december_numbers = list(december.paragraphs.order_by("number").values_list("number", flat=True))
    assert december_numbers[0] == 12
    assert december_numbers == list(range(12, 12 + len(december_numbers)))
    assert not Paragraph.objects.filter(title__icontains="§ Paragraf").exists()


def test_demo_has_the_ana_meeting_with_all_25_agenda_items(demo):
    ana = Committee.objects.get(short_name="ANA")
    meeting = Meeting.objects.get(committee=ana, start__date="2022-10-12")
    items = list(meeting.agenda_items.order_by("order"))
    assert len(items) == 25
    assert items[0].title.startswith("Upprop och val av protokollsjusterare")
    titles = {item.title: item for item in items}
    assert titles["Motion - Kultur för hälsa"].case.diarienummer == "RJL 2021/1342"
    assert AgendaItem.objects.filter(meeting=meeting, section="Beslutsärenden för nämnden").count() >= 10
    assert ana.children.filter(kind="presidium").exists()
    assert ana.children.filter(kind="utskott").exists()


def test_demo_has_registers_and_the_motion_history(demo):
    assert DelegatedDecision.objects.filter(decision_maker_number__gt=0).count() > 0
    assert Remiss.objects.exists()
    motion = Motion.objects.get(case__serial=1342, case__year=2021)
    assert motion.title == "Kultur för hälsa"
    history = Paragraph.objects.filter(case=motion.case).values("committee").distinct()
    assert history.count() >= 3
    assert Case.objects.filter(prefix="RJL", year=2022, serial=2018).exists()


def test_demo_logins_exist_with_their_people(demo):
    from django.contrib.auth import authenticate

    from demo.management.commands.load_demo import DEMO_LOGINS

    for login in DEMO_LOGINS:
        username, password = login["username"], login["password"]
        user = authenticate(username=username, password=password)
        assert user is not None, username
    secretary = authenticate(username="sekreterare", password="paragraf-demo")
    assert secretary.is_staff
    assert Person.objects.get(user=secretary).full_name == "Linda Byman"
    assert Committee.objects.for_secretary(secretary).filter(short_name="ANA").exists()
