"""`manage.py kallelse COMMITTEE DATE -o FILE [--public] [--time HH:MM]` writes the kallelse PDF,
and says clearly what is wrong when it cannot."""

import io
import re
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from meetings.management.commands.kallelse import Command
from meetings.models import AgendaItemDocument, RenderedDocument
from tests.factories import AgendaItemFactory, CommitteeFactory, MeetingFactory, PdfDocumentFactory, local

pytestmark = pytest.mark.django_db


def pdf_text(path) -> str:
    result = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return re.sub(r"\s+", " ", result.stdout.decode())


@pytest.fixture
def meeting():
    committee = CommitteeFactory(
        name="Nämnd för arbetsmarknad, näringsliv och attraktivitet", short_name="ANA"
    )
    meeting = MeetingFactory(committee=committee, start=local(2022, 10, 12, 10, 0))
    item = AgendaItemFactory(meeting=meeting, order=1, title="Remiss - Audiovisuell strategi")
    secret = PdfDocumentFactory(
        title="Hemlig bilaga",
        pages=["SECRET-IN-COMMAND-991"],
        confidential=True,
        osl_reference="OSL 26 kap. 1 §",
    )
    AgendaItemDocument.objects.create(agenda_item=item, document=secret, order=0)
    return meeting


def run(*args) -> str:
    out = io.StringIO()
    call_command("kallelse", *args, stdout=out)
    return out.getvalue()


def test_command_writes_the_members_kallelse(meeting, tmp_path):
    output = tmp_path / "kallelse.pdf"

    message = run("ANA", "2022-10-12", "-o", str(output))

    assert output.read_bytes().startswith(b"%PDF-")
    text = pdf_text(output)
    assert "Remiss - Audiovisuell strategi" in text and "SECRET-IN-COMMAND-991" in text
    assert str(output) in message and "2022-10-12 10:00" in message
    assert RenderedDocument.objects.filter(meeting=meeting, kind=RenderedDocument.Kind.KALLELSE).count() == 1


def test_committee_may_be_given_by_full_name_in_any_case(meeting, tmp_path):
    output = tmp_path / "kallelse.pdf"

    run("nämnd för arbetsmarknad, NÄRINGSLIV och attraktivitet", "2022-10-12", "--output", str(output))

    assert "Remiss - Audiovisuell strategi" in pdf_text(output)


def test_public_flag_writes_the_version_without_confidential_content(meeting, tmp_path):
    output = tmp_path / "public.pdf"

    run("ana", "2022-10-12", "-o", str(output), "--public")

    text = pdf_text(output)
    assert "Remiss - Audiovisuell strategi" in text
    assert "SECRET-IN-COMMAND-991" not in text and "Hemlig bilaga" not in text


def test_existing_output_file_is_replaced(meeting, tmp_path):
    output = tmp_path / "kallelse.pdf"
    output.write_text("old")

    run("ANA", "2022-10-12", "-o", str(output))

    assert output.read_bytes().startswith(b"%PDF-")


def test_unknown_committee_is_named_with_the_known_short_names(meeting, tmp_path):
    with pytest.raises(CommandError) as error:
        run("XYZ", "2022-10-12", "-o", str(tmp_path / "k.pdf"))

    assert "XYZ" in str(error.value) and "ANA" in str(error.value)


def test_no_meeting_that_day_lists_the_meetings_around_it(meeting, tmp_path):
    with pytest.raises(CommandError) as error:
        run("ANA", "2022-10-13", "-o", str(tmp_path / "k.pdf"))

    assert "2022-10-13" in str(error.value) and "2022-10-12 10:00" in str(error.value)
    assert not (tmp_path / "k.pdf").exists()


def test_two_meetings_the_same_day_ask_for_the_time_and_time_chooses(meeting, tmp_path):
    afternoon = MeetingFactory(committee=meeting.committee, start=local(2022, 10, 12, 14, 30))
    AgendaItemFactory(meeting=afternoon, order=1, title="Eftermiddagens ärende")
    output = tmp_path / "k.pdf"

    with pytest.raises(CommandError) as error:
        run("ANA", "2022-10-12", "-o", str(output))
    assert "10:00" in str(error.value) and "14:30" in str(error.value) and "--time" in str(error.value)

    run("ANA", "2022-10-12", "--time", "14:30", "-o", str(output))
    assert "Eftermiddagens ärende" in pdf_text(output)


@pytest.mark.parametrize("date", ["12/10/2022", "2022-13-01", "igår"])
def test_a_date_that_is_not_yyyy_mm_dd_is_refused(meeting, tmp_path, date):
    with pytest.raises(CommandError) as error:
        run("ANA", date, "-o", str(tmp_path / "k.pdf"))

    assert date in str(error.value) and "YYYY-MM-DD" in str(error.value)


def test_unwritable_output_is_refused_before_anything_is_rendered(meeting, tmp_path):
    with pytest.raises(CommandError) as missing_folder:
        run("ANA", "2022-10-12", "-o", str(tmp_path / "no-such-folder" / "k.pdf"))
    with pytest.raises(CommandError) as folder:
        run("ANA", "2022-10-12", "-o", str(tmp_path))

    assert "no-such-folder" in str(missing_folder.value)
    assert str(tmp_path) in str(folder.value)
    assert not RenderedDocument.objects.exists()


def test_help_explains_the_arguments():
    help_text = Command().create_parser("manage.py", "kallelse").format_help()

    for option in ("committee", "date", "--output", "--public", "--time", "YYYY-MM-DD"):
        assert option in help_text
