"""Every PDF Paragraf produces is PDF/A as it says: every font embedded (poppler's `pdffonts`
finds none with "emb no"), the PDF/A identification in its XMP and an output intent.

The demo is loaded once for the module in a transaction that is rolled back; the documents are
the ones a reader meets: the ANA kallelse (members' and public), the Kommunalt forum protokoll
unsigned (as rendered) and signed (the file of record), a protokollsutdrag certified with the
e-sigill, the public version of a protokoll and the generated register lists."""

import io
import subprocess

import pikepdf
import pytest
from django.core.management import call_command
from django.db import transaction

from cases.models import Document
from cases.registers import GENERATED_PREFIX
from meetings.justering.utdrag import protokollsutdrag_get_or_create
from meetings.kallelse.document import kallelse_get_or_render
from meetings.models import Meeting
from meetings.protokoll.document import protokoll_render_pdf


def fonts(pdf: bytes) -> list[list[str]]:
    """pdffonts' table: one row per font, the columns split on whitespace."""
    result = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True)
    lines = result.stdout.decode().splitlines()
    return [line.split() for line in lines[2:] if line.strip()]


def read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


@pytest.fixture(scope="module")
def documents(django_db_setup, django_db_blocker, private_file_dirs):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", stdout=io.StringIO())
        ana = Meeting.objects.get(committee__short_name="ANA", start__date="2022-10-12")
        forum = Meeting.objects.get(committee__name="Kommunalt forum", start__date="2024-10-11")
        paragraph = forum.paragraphs.order_by("number").first()
        lists = Document.objects.filter(original_name__startswith=GENERATED_PREFIX)
        produced = {
            "kallelse": read(kallelse_get_or_render(meeting=ana).file),
            "kallelse (public)": read(kallelse_get_or_render(meeting=ana, public=True).file),
            "protokoll (unsigned)": protokoll_render_pdf(meeting=forum),
            "protokoll (public, unsigned)": protokoll_render_pdf(meeting=forum, public=True),
            "protokoll (signed)": read(forum.justering.signed_file),
            "protokollsutdrag (e-sigill)": read(protokollsutdrag_get_or_create(paragraph=paragraph).file),
            **{f"list {document.title}": read(document.file) for document in lists},
        }
        transaction.set_rollback(True)
    return produced


def test_the_demo_produces_every_kind_of_document(documents):
    assert any(name.startswith("list ") for name in documents), "the demo generates register lists"
    for name, pdf in documents.items():
        assert pdf.startswith(b"%PDF"), name


def test_every_font_of_every_produced_pdf_is_embedded(documents):
    for name, pdf in documents.items():
        rows = fonts(pdf)
        assert rows, f"{name}: no fonts at all"
        # Columns from the right: emb sub uni object-number generation.
        not_embedded = [" ".join(row) for row in rows if row[-5] != "yes"]
        assert not not_embedded, f"{name}: fonts not embedded: {not_embedded}"


def test_every_produced_pdf_declares_pdfa_2b_and_has_an_output_intent(documents):
    for name, pdf in documents.items():
        with pikepdf.open(io.BytesIO(pdf)) as document:
            metadata = document.open_metadata()
            assert metadata.get("pdfaid:part") == "2", name
            assert metadata.get("pdfaid:conformance") == "B", name
            intents = document.Root.get("/OutputIntents")
            assert intents and intents[0].S == "/GTS_PDFA1", name
            assert "/DestOutputProfile" in intents[0], name
