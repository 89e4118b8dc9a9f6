"""The kallelse as one PDF/A: front page, handlingar in agenda order, bookmarks, page labels,
the public version without anything confidential, and never a stale kallelse."""

import base64
import io
import re
import subprocess

import pikepdf
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from cases.models import Document
from committees.models import Assignment
from meetings.kallelse.document import (
    kallelse_content_hash,
    kallelse_current,
    kallelse_get_or_render,
    kallelse_request_render,
)
from meetings.models import AgendaItemDocument, Meeting, RenderedDocument
from meetings.tasks import render_kallelse
from tests.factories import (
    AgendaItemFactory,
    AssignmentFactory,
    CaseFactory,
    CommitteeFactory,
    DocumentFactory,
    MeetingFactory,
    PartyFactory,
    PdfDocumentFactory,
    PersonFactory,
    local,
)

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes, *, first: int | None = None, last: int | None = None) -> str:
    """What a reader sees: pdftotext, whitespace collapsed (long titles may wrap)."""
    command = ["pdftotext"]
    if first:
        command += ["-f", str(first)]
    if last:
        command += ["-l", str(last)]
    result = subprocess.run([*command, "-", "-"], input=data, capture_output=True, check=True)
    return re.sub(r"\s+", " ", result.stdout.decode())


def read(rendered: RenderedDocument) -> bytes:
    with rendered.file.open("rb") as stream:
        return stream.read()


def outline(data: bytes) -> list[tuple[str, int, list[tuple[str, int]]]]:
    """(title, page index, [(child title, page index)]) for every top-level bookmark."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        index = {page.objgen: number for number, page in enumerate(pdf.pages)}

        def page_of(entry):
            return index[entry.destination[0].objgen]

        with pdf.open_outline() as tree:
            return [
                (entry.title, page_of(entry), [(child.title, page_of(child)) for child in entry.children])
                for entry in tree.root
            ]


def uncompressed(data: bytes) -> bytes:
    """Every object of the PDF with its streams decompressed, to search for stray bytes."""
    output = io.BytesIO()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.save(output, qdf=True, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return output.getvalue()


def attach(item, *documents):
    for order, document in enumerate(documents):
        AgendaItemDocument.objects.create(agenda_item=item, document=document, order=order)


@pytest.fixture
def meeting(db):
    """A nämnd meeting with a chair, a member, an ersättare, an official and three items."""
    committee = CommitteeFactory(
        name="Nämnd för arbetsmarknad, näringsliv och attraktivitet", short_name="ANA"
    )
    chair = PersonFactory(first_name="Per", last_name="Eriksson", party=PartyFactory(abbreviation="C"))
    AssignmentFactory(committee=committee, person=chair, role=Assignment.Role.CHAIR, order=1)
    AssignmentFactory(
        committee=committee,
        person=PersonFactory(first_name="Lena", last_name="Danås", party=PartyFactory(abbreviation="V")),
        order=2,
    )
    AssignmentFactory(
        committee=committee,
        person=PersonFactory(first_name="Annki", last_name="Stark", party=PartyFactory(abbreviation="S")),
        role=Assignment.Role.SUBSTITUTE,
        substitute_order=1,
        order=3,
    )
    AssignmentFactory(
        committee=committee,
        person=PersonFactory(first_name="Jane", last_name="Ydman"),
        role=Assignment.Role.OFFICIAL,
        title="regiondirektör",
        order=4,
    )
    AssignmentFactory(
        committee=committee,
        person=PersonFactory(first_name="Utan", last_name="Kallelse"),
        receives_kallelse=False,
        order=5,
    )
    meeting = MeetingFactory(
        committee=committee, start=local(2022, 10, 12, 10, 0), location="Regionens hus, sal A"
    )
    AgendaItemFactory(meeting=meeting, order=1, title="Upprop och val av protokollsjusterare")
    AgendaItemFactory(
        meeting=meeting,
        order=2,
        section="Beslutsärenden för nämnden",
        title="Remiss - Audiovisuell strategi",
        case=CaseFactory(year=2022, serial=2018),
    )
    AgendaItemFactory(
        meeting=meeting,
        order=3,
        section="Beslutsärenden för nämnden",
        title="Projekt - Smart utveckling",
        case=CaseFactory(year=2022, serial=2049),
    )
    return meeting


def items(meeting):
    return list(meeting.agenda_items.order_by("order"))


# --- What the kallelse says ---------------------------------------------------------------------


def test_demo_kallelse_lists_every_item_its_diarienummer_and_everyone_summoned():
    call_command("load_demo", stdout=io.StringIO())
    meeting = Meeting.objects.get(committee__short_name="ANA", start=local(2022, 10, 12, 10, 0))

    text = pdf_text(read(kallelse_get_or_render(meeting=meeting)))

    agenda = list(meeting.agenda_items.select_related("case").order_by("order", "id"))
    assert len(agenda) == 25

    def words(value: str) -> str:  # pdftotext drops a hyphen that ends a line: compare words
        return " ".join(value.replace("-", " ").split())

    for number, item in enumerate(agenda, start=1):
        assert words(f"{number} {item.title}") in words(text)
        if item.case:
            assert item.case.short_number in text
    assert "2022/2018" in text and "2021/1342" in text
    assert "2022-10-12" in text and "10:00" in text and "Regionens hus, sal A" in text
    summoned = meeting.committee.current_assignments(local(2022, 10, 12).date()).filter(
        receives_kallelse=True
    )
    assert summoned.count() > 40
    for assignment in summoned:
        assert assignment.person.full_name in text
    assert "Per Eriksson (C) ordf." in text
    assert "Monica Samuelsson (KD) 1:e vice ordf." in text
    assert "Jane Ydman, regiondirektör" in text
    assert "Irene Tengberg Herrstedt, SACO" in text


def test_front_page_groups_items_under_their_headings_and_names_under_their_roles(meeting):
    text = pdf_text(read(kallelse_get_or_render(meeting=meeting)))

    assert re.search(
        r"1 Upprop och val av protokollsjusterare Beslutsärenden för nämnden "
        r"2 Remiss - Audiovisuell strategi 2022/2018 3 Projekt - Smart utveckling 2022/2049",
        text,
    )
    members, substitutes = text.index("Per Eriksson (C) ordf."), text.index("Annki Stark (S)")
    assert members < text.index("Lena Danås (V)") < substitutes < text.index("Jane Ydman, regiondirektör")
    assert "Utan Kallelse" not in text  # receives_kallelse=False


def test_handlingar_follow_the_front_page_in_agenda_order(meeting):
    upprop, remiss, projekt = items(meeting)
    attach(
        projekt, PdfDocumentFactory(title="Projektplan", pages=["PROJEKTPLAN sida 1", "PROJEKTPLAN sida 2"])
    )
    attach(
        remiss,
        PdfDocumentFactory(title="Missiv", pages=["MISSIV-TEXT"]),
        PdfDocumentFactory(title="Remissvar", pages=["REMISSVAR-TEXT"]),
    )

    rendered = kallelse_get_or_render(meeting=meeting)
    data = read(rendered)

    with pikepdf.open(io.BytesIO(data)) as pdf:
        pages = len(pdf.pages)
    front = pages - 4
    assert rendered.page_count == pages and front >= 1
    handlingar = [pdf_text(data, first=n, last=n).strip() for n in range(front + 1, pages + 1)]
    assert handlingar == ["MISSIV-TEXT", "REMISSVAR-TEXT", "PROJEKTPLAN sida 1", "PROJEKTPLAN sida 2"]


def test_outline_has_an_entry_per_item_and_a_child_per_handling(meeting):
    upprop, remiss, projekt = items(meeting)
    attach(
        remiss,
        PdfDocumentFactory(title="Missiv", pages=["a"]),
        PdfDocumentFactory(title="Remissvar", pages=["b"]),
    )
    attach(projekt, PdfDocumentFactory(title="Projektplan", pages=["c", "d"]))

    entries = outline(read(kallelse_get_or_render(meeting=meeting)))

    front_page, *agenda = entries
    assert front_page[1] == 0 and front_page[2] == []
    assert [title for title, _page, _children in agenda] == [
        "1 Upprop och val av protokollsjusterare",
        "2 Remiss - Audiovisuell strategi",
        "3 Projekt - Smart utveckling",
    ]
    (
        (_, upprop_page, upprop_children),
        (_, remiss_page, remiss_children),
        (_, projekt_page, projekt_children),
    ) = agenda
    assert upprop_children == [] and upprop_page == 0  # no handlingar: its line on the front page
    first_handling = remiss_page
    assert remiss_children == [("Missiv", first_handling), ("Remissvar", first_handling + 1)]
    assert projekt_page == first_handling + 2 and projekt_children == [("Projektplan", first_handling + 2)]


def test_front_pages_are_numbered_in_roman_and_the_handlingar_from_one(meeting):
    attach(items(meeting)[1], PdfDocumentFactory(pages=["a", "b", "c"]))

    with pikepdf.open(io.BytesIO(read(kallelse_get_or_render(meeting=meeting)))) as pdf:
        labels = [page.label for page in pdf.pages]

    assert labels[0] == "i"
    assert labels[-3:] == ["1", "2", "3"]
    assert all(re.fullmatch(r"[ivx]+", label) for label in labels[:-3])


def test_kallelse_declares_pdfa_2b_with_its_title_language_and_embedded_fonts(meeting):
    attach(items(meeting)[1], PdfDocumentFactory(pages=["a"]))

    with pikepdf.open(io.BytesIO(read(kallelse_get_or_render(meeting=meeting)))) as pdf:
        metadata = pdf.open_metadata()
        assert metadata["pdfaid:part"] == "2"
        assert metadata["pdfaid:conformance"] == "B"
        assert "Nämnd för arbetsmarknad, näringsliv och attraktivitet" in metadata["dc:title"]
        assert "2022-10-12" in str(pdf.docinfo.Title)
        assert str(pdf.docinfo.Title) == metadata["dc:title"]
        assert str(pdf.Root.Lang) == "sv-SE"
        intents = pdf.Root.OutputIntents
        assert intents[0].S == "/GTS_PDFA1" and "/DestOutputProfile" in intents[0]
        assert pdf.pdf_version >= "1.7"
        front_page_fonts = [
            font
            for page in pdf.pages[:1]
            for font in page.Resources.Font.values()
            for font in [font.DescendantFonts[0] if "/DescendantFonts" in font else font]
        ]
        assert front_page_fonts
        for font in front_page_fonts:
            descriptor = font.FontDescriptor
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


# --- Handlingar that cannot be included -----------------------------------------------------------


def test_kallelse_front_page_is_a_tagged_pdf_for_screen_readers(meeting):
    with pikepdf.open(io.BytesIO(read(kallelse_get_or_render(meeting=meeting)))) as document:
        assert document.Root.MarkInfo.Marked
        assert "/StructTreeRoot" in document.Root


def test_handlingar_without_a_pdf_are_noted_on_the_front_page_and_left_out(meeting):
    remiss = items(meeting)[1]
    broken = DocumentFactory(title="Trasig bilaga")
    broken.file.save("broken.pdf", ContentFile(b"this is not a PDF"), save=True)
    gone = DocumentFactory(title="Borttagen fil", file="documents/no/such-file.pdf")
    attach(
        remiss,
        DocumentFactory(title="Yttrande under konvertering", conversion=Document.Conversion.PENDING),
        DocumentFactory(title="Misslyckad konvertering", conversion=Document.Conversion.FAILED),
        DocumentFactory(title="Tom handling"),
        broken,
        gone,
        PdfDocumentFactory(title="Missiv", pages=["MISSIV-TEXT"]),
    )

    data = read(kallelse_get_or_render(meeting=meeting))

    text = pdf_text(data)
    for title in (
        "Yttrande under konvertering",
        "Misslyckad konvertering",
        "Tom handling",
        "Trasig bilaga",
        "Borttagen fil",
    ):
        assert title in text
    assert "MISSIV-TEXT" in text
    (_front, _upprop, (_title, _page, children), _projekt) = outline(data)
    assert [title for title, _page in children] == ["Missiv"]


# --- The public version -------------------------------------------------------------------------


def test_public_kallelse_never_contains_confidential_content(meeting):
    upprop, remiss, projekt = items(meeting)
    attach(
        remiss,
        PdfDocumentFactory(title="Öppen handling", pages=["OPEN-TEXT-4711"]),
        PdfDocumentFactory(
            title="Hemlig bilaga XQ",
            pages=["SECRET-DOC-8832"],
            confidential=True,
            osl_reference="OSL 26 kap. 1 §",
        ),
    )
    projekt.title = "Hemligt projekt ZEBRA-77"
    projekt.confidential = True
    projekt.osl_reference = "OSL 31 kap. 16 §"
    projekt.save()
    attach(projekt, PdfDocumentFactory(title="Projektansökan PX", pages=["SECRET-ITEM-5521"]))

    members = read(kallelse_get_or_render(meeting=meeting))
    public = read(kallelse_get_or_render(meeting=meeting, public=True))

    for secret in (
        "SECRET-DOC-8832",
        "SECRET-ITEM-5521",
        "ZEBRA-77",
        "Hemlig bilaga XQ",
        "Projektansökan PX",
        "2022/2049",
    ):
        assert secret in pdf_text(members) + str(outline(members))
        assert secret not in pdf_text(public)
        assert secret not in str(outline(public))
        assert secret.encode() not in uncompressed(public)
    public_text = pdf_text(public)
    assert "OPEN-TEXT-4711" in public_text
    assert "OSL 31 kap. 16 §" in public_text and "OSL 26 kap. 1 §" in public_text
    assert "3 " in [title[:2] for title, _page, _children in outline(public)]


def test_public_kallelse_shows_the_public_title_of_a_confidential_item(meeting):
    projekt = items(meeting)[2]
    projekt.confidential = True
    projekt.osl_reference = "OSL 31 kap. 16 §"
    projekt.public_title = "Ansökan om projektmedel"
    projekt.save()

    text = pdf_text(read(kallelse_get_or_render(meeting=meeting, public=True)))

    assert "3 Ansökan om projektmedel" in text
    assert "Projekt - Smart utveckling" not in text


def test_item_of_a_confidential_case_is_withheld_from_the_public_version(meeting):
    projekt = items(meeting)[2]
    projekt.case.confidential = True
    projekt.case.osl_reference = "OSL 21 kap. 1 §"
    projekt.case.save()

    text = pdf_text(read(kallelse_get_or_render(meeting=meeting, public=True)))

    assert "Projekt - Smart utveckling" not in text and "OSL 21 kap. 1 §" in text


# --- Never stale ---------------------------------------------------------------------------------


def test_unchanged_meeting_serves_the_same_stored_kallelse(meeting):
    attach(items(meeting)[1], PdfDocumentFactory(pages=["a"]))
    first = kallelse_get_or_render(meeting=meeting)

    again = kallelse_get_or_render(meeting=meeting)

    assert again.pk == first.pk
    assert RenderedDocument.objects.filter(meeting=meeting, kind=RenderedDocument.Kind.KALLELSE).count() == 1
    assert kallelse_current(meeting=meeting).pk == first.pk
    assert first.page_count >= 2 and len(first.sha256) == 64


def test_changed_item_title_renders_a_new_kallelse(meeting):
    first = kallelse_get_or_render(meeting=meeting)
    item = items(meeting)[1]
    item.title = "Remiss - Ny rubrik"
    item.save()

    assert kallelse_current(meeting=meeting) is None  # the stored one is stale: never served
    second = kallelse_get_or_render(meeting=meeting)

    assert second.pk != first.pk and second.content_hash != first.content_hash
    assert "2 Remiss - Ny rubrik" in pdf_text(read(second))


@pytest.mark.parametrize(
    "change",
    [
        "item_order",
        "meeting_place",
        "meeting_time",
        "handling_content",
        "handling_confidential",
        "new_handling",
        "summoned",
    ],
)
def test_content_hash_changes_with_everything_the_kallelse_is_built_from(meeting, change):
    handling = PdfDocumentFactory(pages=["a"])
    attach(items(meeting)[1], handling)
    before = kallelse_content_hash(meeting=meeting)

    if change == "item_order":
        first, second, third = items(meeting)
        first.order, third.order = 3, 1
        first.save()
        third.save()
    elif change == "meeting_place":
        Meeting.objects.filter(pk=meeting.pk).update(location="Sal B")
    elif change == "meeting_time":
        Meeting.objects.filter(pk=meeting.pk).update(start=local(2022, 10, 12, 13, 0))
    elif change == "handling_content":
        Document.objects.filter(pk=handling.pk).update(sha256="0" * 64)
    elif change == "handling_confidential":
        Document.objects.filter(pk=handling.pk).update(confidential=True, osl_reference="OSL 26 kap. 1 §")
    elif change == "new_handling":
        attach(items(meeting)[0], PdfDocumentFactory(pages=["b"]))
    elif change == "summoned":
        AssignmentFactory(committee=meeting.committee, role=Assignment.Role.MEMBER)

    assert kallelse_content_hash(meeting=meeting) != before


def test_members_and_public_versions_are_stored_separately(meeting):
    members = kallelse_get_or_render(meeting=meeting)
    public = kallelse_get_or_render(meeting=meeting, public=True)

    assert members.kind == RenderedDocument.Kind.KALLELSE
    assert public.kind == RenderedDocument.Kind.KALLELSE_PUBLIC
    assert members.content_hash != public.content_hash


def test_a_stored_kallelse_whose_file_is_gone_is_rendered_again(meeting):
    first = kallelse_get_or_render(meeting=meeting)
    first.file.delete(save=False)

    second = kallelse_get_or_render(meeting=meeting)

    assert second.pk != first.pk and second.file.storage.exists(second.file.name)


# --- In the background ----------------------------------------------------------------------------


def test_request_render_builds_both_versions_once_the_transaction_commits(
    meeting, django_capture_on_commit_callbacks
):
    # Tasks run in-process here (CELERY_TASK_ALWAYS_EAGER); the real worker is tested below.
    with django_capture_on_commit_callbacks(execute=True):
        kallelse_request_render(meeting=meeting)
        assert not RenderedDocument.objects.filter(meeting=meeting).exists()

    assert set(RenderedDocument.objects.filter(meeting=meeting).values_list("kind", flat=True)) == {
        RenderedDocument.Kind.KALLELSE,
        RenderedDocument.Kind.KALLELSE_PUBLIC,
    }


def test_render_task_does_nothing_when_the_stored_kallelse_is_current(meeting):
    first = render_kallelse.apply(args=[meeting.pk]).get()
    second = render_kallelse.apply(args=[meeting.pk]).get()

    assert first == second
    assert RenderedDocument.objects.filter(meeting=meeting).count() == 1


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_render_task_builds_the_kallelse_in_the_real_worker(run_in_worker, meeting):
    attach(items(meeting)[1], PdfDocumentFactory(title="Missiv", pages=["WORKER-RENDERED-TEXT"]))

    rendered_id = run_in_worker(render_kallelse, meeting.pk, timeout=120)
    again = run_in_worker(render_kallelse, meeting.pk, timeout=120)

    rendered = RenderedDocument.objects.get(pk=rendered_id)
    assert again == rendered_id
    assert rendered.kind == RenderedDocument.Kind.KALLELSE
    assert rendered.content_hash == kallelse_content_hash(meeting=meeting)
    assert "WORKER-RENDERED-TEXT" in pdf_text(read(rendered))


# --- The rendering function (meetings/pdf.py) ---------------------------------------------------

ONE_PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def images_in(data: bytes) -> int:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return sum(
            1
            for page in pdf.pages
            for xobject in page.Resources.get("/XObject", {}).values()
            if xobject.get("/Subtype") == "/Image"
        )


def test_render_pdf_loads_the_projects_static_files_but_nothing_else(settings, tmp_path):
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "logo.png").write_bytes(ONE_PIXEL_PNG)
    (tmp_path / "outside.png").write_bytes(ONE_PIXEL_PNG)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "probe.html").write_text(
        '{% load static %}<html><body><p>Probe</p><img src="{{ src }}" width=20 height=20></body></html>'
    )
    settings.STATICFILES_DIRS = [tmp_path / "static"]
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates"]}]

    from meetings.pdf import render_pdf

    static = render_pdf("probe.html", {"src": "/static/logo.png"}, title="Probe")
    assert images_in(static) == 1
    for refused in (f"file://{tmp_path}/outside.png", "/static/../outside.png", "http://127.0.0.1:9/x.png"):
        assert images_in(render_pdf("probe.html", {"src": refused}, title="Probe")) == 0
    with pikepdf.open(io.BytesIO(static)) as pdf:
        assert str(pdf.docinfo.Title) == "Probe" and str(pdf.Root.Lang) == "sv-SE"
        assert pdf.open_metadata()["pdfaid:part"] == "2"
