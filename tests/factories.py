"""Factories for the domain: one per model the tests arrange."""

import hashlib
import io
import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import factory
import pikepdf
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from cases.models import Case, DelegatedDecision, DelegationPoint, Document, Remiss
from committees.models import Assignment, Committee, Organisation, Party, Person
from committees.roles import SECRETARY_GROUP, ensure_groups
from meetings.models import AgendaItem, Anslag, Justering, Meeting, Paragraph

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local(year, month, day, hour=10, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["diarium_prefix"]

    name = "Region Jönköpings län"
    diarium_prefix = "RJL"
    protokoll_storage = "Regionens hus, Jönköping"


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party
        django_get_or_create = ["abbreviation"]

    abbreviation = "C"
    name = factory.LazyAttribute(lambda o: f"Parti {o.abbreviation}")


class CommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Committee

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Nämnd {n}")
    short_name = factory.Sequence(lambda n: f"N{n}")
    slug = factory.Sequence(lambda n: f"namnd-{n}")
    kind = Committee.Kind.COMMITTEE


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Sequence(lambda n: f"Förnamn{n}")
    last_name = factory.Sequence(lambda n: f"Efternamn{n}")
    email = factory.LazyAttribute(lambda o: f"{o.first_name.lower()}@example.org")


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    person = factory.SubFactory(PersonFactory)
    committee = factory.SubFactory(CommitteeFactory)
    role = Assignment.Role.MEMBER


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    committee = factory.SubFactory(CommitteeFactory)
    start = factory.LazyFunction(lambda: local(2024, 10, 11))
    location = "Regionens hus, sal A"


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Ärende {n}")
    proposal = "Nämnden beslutar att godkänna förslaget."


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    organisation = factory.SubFactory(OrganisationFactory)
    prefix = "RJL"
    year = 2022
    serial = factory.Sequence(lambda n: 5000 + n)
    title = factory.Sequence(lambda n: f"Ärendemening {n}")


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    title = factory.Sequence(lambda n: f"Handling {n}")
    kind = Document.Kind.TJANSTESKRIVELSE


class RemissFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Remiss

    title = factory.Sequence(lambda n: f"Remiss {n}")
    sender = "Regionsamverkan Sydsverige"
    received_on = factory.LazyFunction(lambda: local(2022, 9, 1).date())
    committee = factory.SubFactory(CommitteeFactory)


class DelegationPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DelegationPoint

    committee = factory.SubFactory(CommitteeFactory)
    code = factory.Sequence(lambda n: f"ANAV 4.5.{n}")
    description = "Beslut om bidrag"
    delegate_role = "Regional utvecklingsdirektör"
    decided_on = factory.LazyFunction(lambda: local(2022, 1, 1).date())


class DelegatedDecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DelegatedDecision

    decided_on = factory.LazyFunction(lambda: local(2022, 9, 1).date())
    description = "Beslut om projektbidrag"
    decision_maker = factory.SubFactory(PersonFactory)
    decision_maker_number = factory.Sequence(lambda n: n + 1)
    year = 2022
    point = factory.SubFactory(DelegationPointFactory)


_secretary_numbers = itertools.count(1)


def secretary_of(*committees, username=None):
    """A staff login in the Sekreterare group, assigned as secretary of the committees."""
    groups = ensure_groups()
    user = UserFactory(username=username or f"sekreterare{next(_secretary_numbers)}", is_staff=True)
    user.groups.add(groups[SECRETARY_GROUP])
    person = PersonFactory(user=user)
    for committee in committees:
        AssignmentFactory(person=person, committee=committee, role=Assignment.Role.SECRETARY)
    return user


_member_numbers = itertools.count(1)


def member_of(*committees, role=Assignment.Role.MEMBER, username=None, **person_fields):
    """A login (not staff) of a person with the given role in the committees (ledamot by default)."""
    user = UserFactory(username=username or f"ledamot{next(_member_numbers)}")
    person = PersonFactory(user=user, **person_fields)
    for committee in committees:
        AssignmentFactory(person=person, committee=committee, role=role)
    return user


# --- Handlingar with real PDF content (kallelse) --------------------------------------------------


def pdf_bytes(*page_texts: str) -> bytes:
    """A small, valid PDF with one page per text (Helvetica), readable by pdftotext."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name.Helvetica,
            Encoding=pikepdf.Name.WinAnsiEncoding,
        )
    )
    for text in page_texts or ("",):
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = f"BT /F1 14 Tf 72 760 Td ({escaped}) Tj ET".encode("cp1252")
        page = pikepdf.Page(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Page,
                MediaBox=[0, 0, 595, 842],
                Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
                Contents=pdf.make_stream(stream),
            )
        )
        pdf.pages.append(page)
    output = io.BytesIO()
    pdf.save(output)
    return output.getvalue()


class PdfDocumentFactory(DocumentFactory):
    """A handling with a stored PDF file; `pages` are the texts of its pages."""

    class Params:
        pages = ("Handling",)
        content = factory.LazyAttribute(lambda o: pdf_bytes(*o.pages))

    file = factory.LazyAttribute(lambda o: ContentFile(o.content, name="handling.pdf"))
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.content).hexdigest())
    size = factory.LazyAttribute(lambda o: len(o.content))
    page_count = factory.LazyAttribute(lambda o: len(o.pages))
    content_type = "application/pdf"


# --- Paragraphs, justering and anslag (appended for the feeds and open-data tests) ---------------


class ParagraphFactory(factory.django.DjangoModelFactory):
    """A paragraph of a meeting's protokoll (create it before the meeting is frozen)."""

    class Meta:
        model = Paragraph

    meeting = factory.SubFactory(MeetingFactory)
    committee = factory.LazyAttribute(lambda o: o.meeting.committee)
    year = factory.LazyAttribute(lambda o: o.meeting.start.year)
    number = factory.Sequence(lambda n: n + 1)
    order = factory.LazyAttribute(lambda o: o.number)
    title = factory.Sequence(lambda n: f"Paragraf {n}")
    decision = "<p>Nämnden beslutar att godkänna förslaget.</p>"


def publish_protokoll(meeting, *, justerat_at, status=Meeting.Status.POSTED):
    """Mark a meeting's protokoll justerat (a completed justering) without rendering or signing:
    enough for the public selectors. Add its paragraphs first: a justerat protokoll is locked."""
    justering, _created = Justering.objects.get_or_create(meeting=meeting)
    # The signed file first: once the justering is complete, the database refuses to change it.
    store_signed_file(justering)
    if justering.completed_at is None:
        Justering.objects.filter(pk=justering.pk).update(completed_at=justerat_at)
    Meeting.objects.filter(pk=meeting.pk).update(status=status)
    meeting.refresh_from_db()
    return meeting


def store_signed_file(justering) -> None:
    """A stand-in for the signed protokoll: a justerat protokoll always has its signed file, and
    the public pages link the PDF only when there is one."""
    from django.core.files.base import ContentFile

    if not justering.signed_file:
        justering.signed_file.save("protokoll.pdf", ContentFile(b"%PDF-1.7\n%stand-in\n"), save=True)


class AnslagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Anslag

    committee = factory.SubFactory(CommitteeFactory)
    title = factory.Sequence(lambda n: f"Anslag {n}")
    posted_on = factory.LazyFunction(lambda: local(2024, 10, 20).date())
    take_down_on = factory.LazyAttribute(lambda o: o.posted_on + timedelta(days=22))


def draft_paragraph() -> Paragraph:
    """The one § of a held meeting's freshly drafted protokoll."""
    from meetings.services.paragraphs import protokoll_create_draft

    meeting = MeetingFactory(status=Meeting.Status.HELD)
    AgendaItemFactory(meeting=meeting, title="Budget 2025", proposal="<p>Förslaget.</p>")
    protokoll_create_draft(meeting=meeting)
    return meeting.paragraphs.get()


def admin_form_data(response, **changes) -> dict:
    """What the browser posts back from an admin change form: its current values, with `changes`."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    data.update(changes)
    return data
