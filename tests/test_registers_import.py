"""Importing the delegationsordning, delegationsbeslut and remisser from CSV, dry run first."""

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from cases.models import DelegatedDecision, DelegationPoint, Remiss
from tests.factories import CaseFactory, CommitteeFactory, DelegationPointFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee():
    return CommitteeFactory(short_name="ANA", slug="ana")


def write(tmp_path, text, name="import.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as error:
        return False, out.getvalue(), err.getvalue() + str(error)
    return True, out.getvalue(), err.getvalue()


def test_delegationsordning_import_creates_a_new_version_and_ends_the_previous(committee, tmp_path):
    old = DelegationPointFactory(committee=committee, code="ANAV 4.5.3", decided_on=date(2021, 1, 1))
    path = write(
        tmp_path,
        "code;description;delegate_role;limits\n"
        "ANAV 4.5.3;Beslut om projektbidrag;Regional utvecklingsdirektör;Högst 1 mnkr\n"
        "ANAV 4.5.4;Beslut om stöd;Enhetschef;\n",
    )

    ok, out, _err = run("import_delegationsordning", "ANA", path, "--decided-on", "2022-06-01")

    assert ok, out
    old.refresh_from_db()
    assert old.valid_to == date(2022, 5, 31)
    new = DelegationPoint.objects.filter(committee=committee, decided_on=date(2022, 6, 1))
    assert sorted(new.values_list("code", flat=True)) == ["ANAV 4.5.3", "ANAV 4.5.4"]
    assert new.get(code="ANAV 4.5.3").limits == "Högst 1 mnkr"


def test_delegationsordning_dry_run_lists_every_rows_error_and_saves_nothing(committee, tmp_path):
    path = write(
        tmp_path,
        "code,description,delegate_role,limits\n"
        ",Utan kod,Enhetschef,\n"
        "ANAV 1,Första,Enhetschef,\n"
        "ANAV 1,Dubblett,Enhetschef,\n"
        "ANAV 2,Utan roll,,\n",
    )

    ok, _out, err = run("import_delegationsordning", "ANA", path, "--decided-on", "2022-06-01", "--dry-run")

    assert not ok
    assert "2:" in err and "4:" in err and "5:" in err  # the rows with errors, by line
    assert "ANAV 1" in err
    assert not DelegationPoint.objects.exists()


def test_delegationsordning_file_without_errors_dry_run_saves_nothing(committee, tmp_path):
    path = write(tmp_path, "code,description,delegate_role\nANAV 1,Bidrag,Enhetschef\n")
    ok, out, _err = run("import_delegationsordning", "ANA", path, "--decided-on", "2022-06-01", "--dry-run")
    assert ok and "1" in out
    assert not DelegationPoint.objects.exists()


def test_delegationsbeslut_csv_dry_run_reports_a_bad_date_and_a_missing_case_without_saving(
    committee, tmp_path
):
    DelegationPointFactory(committee=committee, code="ANAV 4.5.3", delegate_role="Enhetschef")
    PersonFactory(first_name="Anna", last_name="Andersson", title="Enhetschef")
    CaseFactory(prefix="RJL", year=2022, serial=2018)
    path = write(
        tmp_path,
        "registration_id,point,decision_maker,decided_on,description,counterpart,case,responsible\n"
        "2022.1,ANAV 4.5.3,Anna Andersson,2022-09-01,Bidrag A,Företag AB,RJL 2022/2018,\n"
        "2022.2,ANAV 4.5.3,Anna Andersson,1 sept 2022,Bidrag B,,,\n"
        "2022.3,ANAV 4.5.3,Anna Andersson,2022-09-03,Bidrag C,,RJL 2022/9999,\n"
        "2022.4,ANAV 0.0,Anna Andersson,2022-09-03,Bidrag D,,,\n",
    )

    ok, _out, err = run("import_delegationsbeslut", "ANA", path, "--dry-run")

    assert not ok
    assert "1 sept 2022" in err  # the bad date, on its row
    assert "RJL 2022/9999" in err  # the missing case
    assert "ANAV 0.0" in err  # the unknown point
    assert not DelegatedDecision.objects.exists()


def test_delegationsbeslut_csv_import_numbers_each_decision(committee, tmp_path):
    DelegationPointFactory(committee=committee, code="ANAV 4.5.3", delegate_role="Enhetschef")
    PersonFactory(first_name="Anna", last_name="Andersson", title="Enhetschef", email="anna@example.org")
    path = write(
        tmp_path,
        "point;decision_maker;decided_on;description\n"
        "ANAV 4.5.3;anna@example.org;2022-09-01;Bidrag A\n"
        "ANAV 4.5.3;Anna Andersson;2022-09-02;Bidrag B\n",
    )

    ok, out, err = run("import_delegationsbeslut", "ANA", path)

    assert ok, err
    assert sorted(d.number_label for d in DelegatedDecision.objects.all()) == ["§1/2022", "§2/2022"]


def test_remisser_csv_dry_run_lists_every_error_and_saves_nothing(committee, tmp_path):
    path = write(
        tmp_path,
        "registration_id,direction,title,sender,received_on,answer_by,responsible,department,case,document_type\n"
        "2022.10,I,Remiss om kollektivtrafik,Trafikverket,2022-08-01,2022-09-30,,,,Remiss\n"
        "2022.11,I,Remiss om turism,Tillväxtverket,2022-13-01,,,,,Remiss\n"
        "2022.12,I,Remiss om bredband,PTS,2022-08-03,,,,RJL 2022/404,Remiss\n",
    )

    ok, _out, err = run("import_remisser", "ANA", path, "--dry-run")

    assert not ok
    assert "2022-13-01" in err and "RJL 2022/404" in err
    assert not Remiss.objects.exists()

    ok, _out, err = run("import_remisser", "ANA", path)
    assert not ok and not Remiss.objects.exists()  # with errors, nothing is saved either


def test_remisser_csv_import_saves_every_row(committee, tmp_path):
    path = write(
        tmp_path,
        "title,sender,received_on,answer_by\nRemiss om kollektivtrafik,Trafikverket,2022-08-01,2022-09-30\n",
    )
    ok, _out, err = run("import_remisser", "ana", path)
    assert ok, err
    remiss = Remiss.objects.get()
    assert (remiss.committee, remiss.answer_by) == (committee, date(2022, 9, 30))
