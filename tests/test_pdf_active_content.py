"""A handling with anything a PDF reader runs or opens by itself (JavaScript, a launch action,
an embedded file, a form that submits elsewhere, a javascript:/file: link) is refused with a
message that says what was found and how to fix it; nothing is stored. Plain web links and
jumps inside the document are accepted (cases.documents.pdf_check_active_content)."""

import io
import shutil
import zipfile

import pikepdf
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from pikepdf import Array, Dictionary, Name, String

from cases import documents
from cases.models import Document
from tests.factories import UserFactory
from tests.test_document_upload import stored_files, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def crafted(build, **save_options) -> bytes:
    """A one-page PDF changed by `build(pdf, page)`."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    build(pdf, pdf.pages[0])
    buffer = io.BytesIO()
    pdf.save(buffer, **save_options)
    return buffer.getvalue()


def js(code: str = "app.alert('hej')") -> Dictionary:
    return Dictionary(S=Name.JavaScript, JS=String(code))


def link(pdf, action: Dictionary):
    annotation = pdf.make_indirect(
        Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([50, 50, 200, 80]), A=action)
    )
    return annotation


def open_action_javascript(pdf, page):
    pdf.Root.OpenAction = js()


def open_action_launch(pdf, page):
    pdf.Root.OpenAction = Dictionary(S=Name.Launch, F=String("C:\\Windows\\System32\\calc.exe"))


def embedded_file(pdf, page):
    pdf.attachments["lista.xlsx"] = pikepdf.AttachedFileSpec(
        pdf, b"PK\x03\x04 hemlig lista", mime_type="text/plain"
    )


def annotation_javascript(pdf, page):
    page.Annots = pdf.make_indirect(Array([link(pdf, js())]))


def form_field_additional_action(pdf, page):
    field = pdf.make_indirect(
        Dictionary(
            Type=Name.Annot,
            Subtype=Name.Widget,
            FT=Name.Tx,
            T=String("belopp"),
            Rect=Array([50, 700, 250, 720]),
            AA=Dictionary(K=js("event.value = 1"), F=js("AFNumber_Format(2)")),
        )
    )
    page.Annots = Array([field])
    pdf.Root.AcroForm = Dictionary(Fields=Array([field]))


def document_level_javascript(pdf, page):
    pdf.Root.Names = Dictionary(JavaScript=Dictionary(Names=Array([String("init"), pdf.make_indirect(js())])))


def page_open_action(pdf, page):
    page.AA = Dictionary(O=js())


def javascript_link(pdf, page):
    page.Annots = Array([link(pdf, Dictionary(S=Name.URI, URI=String("javascript:alert(document.cookie)")))])


def file_link(pdf, page):
    page.Annots = Array([link(pdf, Dictionary(S=Name.URI, URI=String("file:///etc/passwd")))])


def relative_link(pdf, page):
    page.Annots = Array([link(pdf, Dictionary(S=Name.URI, URI=String("../../etc/passwd")))])


def submit_form(pdf, page):
    action = Dictionary(S=Name.SubmitForm, F=Dictionary(FS=Name.URL, F=String("https://evil.example/")))
    page.Annots = Array([link(pdf, action)])


def remote_go_to(pdf, page):
    page.Annots = Array([link(pdf, Dictionary(S=Name.GoToR, F=String("other.pdf"), D=Array([0, Name.Fit])))])


CASES = [
    (open_action_javascript, "JavaScript"),
    (open_action_launch, "start a program"),
    (embedded_file, "embedded files"),
    (annotation_javascript, "JavaScript"),
    (form_field_additional_action, "JavaScript"),
    (document_level_javascript, "JavaScript"),
    (page_open_action, "JavaScript"),
    (javascript_link, "links that run a script"),
    (file_link, "links that run a script"),
    (relative_link, "open a local file"),
    (submit_form, "sends its data"),
    (remote_go_to, "open another file"),
]


@pytest.mark.parametrize(("build", "said"), CASES, ids=[build.__name__ for build, _said in CASES])
def test_a_pdf_with_active_content_is_refused_and_nothing_is_stored(media, build, said):
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            upload("Tjänsteskrivelse.pdf", crafted(build))
    assert refused.value.code == "active_content"
    message = " ".join(refused.value.messages)
    assert "Tjänsteskrivelse.pdf" in message and said in message
    assert "upload the new file" in message
    assert Document.objects.count() == 0
    assert stored_files(media) == []


def test_active_content_is_found_inside_compressed_object_streams(media):
    content = crafted(annotation_javascript, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    assert b"/JavaScript" not in content  # hidden from a byte search
    assert documents.pdf_active_content(content) == {"javascript"}


def test_several_kinds_are_all_named(media):
    def everything(pdf, page):
        open_action_javascript(pdf, page)
        embedded_file(pdf, page)

    assert documents.pdf_active_content(crafted(everything)) == {"javascript", "embedded"}


def test_web_and_mail_links_and_internal_jumps_are_kept(media):
    def links(pdf, page):
        page.Annots = Array(
            [
                link(pdf, Dictionary(S=Name.URI, URI=String("https://www.rjl.se/politik/"))),
                link(pdf, Dictionary(S=Name.URI, URI=String("mailto:registrator@rjl.se"))),
                link(pdf, Dictionary(S=Name.GoTo, D=Array([page.obj, Name.Fit]))),
            ]
        )
        pdf.Root.OpenAction = Array([page.obj, Name.Fit])  # open at page 1: a destination, not an action

    content = crafted(links)
    document = upload("Med länkar.pdf", content)
    assert document.sha256 and (media / document.file.name).read_bytes() == content  # stored as uploaded


def test_the_admin_upload_shows_the_refusal_in_swedish(client, media):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:cases_document_add"),
        {
            "upload": SimpleUploadedFile("skript.pdf", crafted(open_action_javascript)),
            "title": "X",
            "kind": "bilaga",
        },
    )
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.errors["upload"])
    assert "skript.pdf" in errors and "JavaScript" in errors and "ladda upp" in errors, errors
    assert Document.objects.count() == 0
    assert stored_files(media) == []


def odt_with_link(target: str) -> bytes:
    """An OpenDocument text with one hyperlink to `target`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("mimetype", documents.ODT, compress_type=zipfile.ZIP_STORED)
        package.writestr(
            "content.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
            'xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.2"><office:body><office:text>'
            f'<text:p><text:a xlink:type="simple" xlink:href="{target}">Öppna</text:a></text:p>'
            "</office:text></office:body></office:document-content>",
            compress_type=zipfile.ZIP_DEFLATED,
        )
        package.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
            'manifest:version="1.2">'
            f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{documents.ODT}"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
    return buffer.getvalue()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_a_converted_pdf_is_checked_too(media):
    """LibreOffice writes no scripts, but a link of the original becomes a link in the PDF: a
    javascript: or file: link (written as a relative path) makes the conversion fail with the
    reason; a web link converts."""
    for number, target in enumerate(("javascript:alert(1)", "file:///etc/passwd")):
        refused = upload(f"Länk {number}.odt", odt_with_link(target))
        refused = documents.document_convert_to_pdf(document=refused)
        assert refused.conversion == Document.Conversion.FAILED, target
        assert f"Länk {number}.odt" in refused.conversion_error and not refused.file

    accepted = upload("Webb.odt", odt_with_link("https://www.rjl.se/"))
    accepted = documents.document_convert_to_pdf(document=accepted)
    assert accepted.conversion == Document.Conversion.DONE, accepted.conversion_error
