"""The start-up checks name a missing external program, what it is for and the Debian package
that brings it (cases.W001 LibreOffice, portal.W001 pdftotext), with every `manage.py check`,
`migrate` and `runserver` instead of a log line at first use; with the programs installed (as
`make test` and `make demo` have them) the project's check is clean."""

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

ROOT = Path(__file__).resolve().parent.parent
TOOL_CHECKS = {"cases.W001", "portal.W001"}


def issues_by_id() -> dict[str, checks.CheckMessage]:
    return {issue.id: issue for issue in checks.run_checks()}


@pytest.fixture
def empty_path(tmp_path, monkeypatch):
    """A PATH with nothing on it, as on a server where none of the programs is installed."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    return empty


def test_without_libreoffice_the_check_names_it_the_feature_and_the_package(empty_path):
    issue = issues_by_id()["cases.W001"]
    assert issue.level == checks.WARNING
    assert "LibreOffice was not found" in issue.msg
    assert "'soffice'" in issue.msg
    assert "DOCX and ODT" in issue.msg
    assert "libreoffice-writer-nogui" in issue.hint
    assert "PARAGRAF_SOFFICE" in issue.hint


def test_without_pdftotext_the_check_names_it_the_feature_and_the_package(empty_path):
    issue = issues_by_id()["portal.W001"]
    assert issue.level == checks.WARNING
    assert "pdftotext was not found" in issue.msg
    assert "search" in issue.msg
    assert "poppler-utils" in issue.hint
    assert "search_reindex" in issue.hint


def test_manage_py_check_prints_both_and_fails_at_warning_level(empty_path):
    out, err = io.StringIO(), io.StringIO()
    call_command("check", stdout=out, stderr=err)  # warnings: reported, start-up goes on
    report = out.getvalue() + err.getvalue()
    assert "(cases.W001) LibreOffice was not found" in report
    assert "(portal.W001) pdftotext was not found" in report
    with pytest.raises(SystemCheckError, match=r"cases\.W001"):
        call_command("check", fail_level="WARNING", stdout=io.StringIO(), stderr=io.StringIO())


def test_paragraf_soffice_pointed_at_a_missing_program_is_reported_with_the_path(tmp_path, settings):
    missing = tmp_path / "opt" / "libreoffice" / "program" / "soffice"
    settings.PARAGRAF_SOFFICE = str(missing)
    issues = issues_by_id()
    assert str(missing) in issues["cases.W001"].msg
    assert "portal.W001" not in issues  # pdftotext is still on PATH


def test_paragraf_soffice_pointed_at_an_installed_program_passes(tmp_path, settings, empty_path):
    soffice = tmp_path / "soffice"
    soffice.write_text("#!/bin/sh\nexit 0\n")
    soffice.chmod(0o755)
    settings.PARAGRAF_SOFFICE = str(soffice)
    issues = issues_by_id()
    assert "cases.W001" not in issues
    assert "portal.W001" in issues  # PATH is empty: the setting is what found soffice


def test_with_the_programs_installed_the_check_is_clean():
    assert shutil.which("soffice") and shutil.which("pdftotext"), "scripts/system-packages.sh installs them"
    assert not TOOL_CHECKS & set(issues_by_id())
    out = io.StringIO()
    call_command("check", fail_level="WARNING", stdout=out, stderr=io.StringIO())
    assert "no issues" in out.getvalue()


def test_a_deliberately_missing_program_is_silenced_by_the_environment(empty_path):
    """As in the Docker image built without LibreOffice: DJANGO_SILENCED_SYSTEM_CHECKS=cases.W001."""
    env = {
        **os.environ,
        "DJANGO_SILENCED_SYSTEM_CHECKS": "cases.W001",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--tag", "tools"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = result.stdout + result.stderr
    assert "cases.W001" not in report
    assert "(portal.W001) pdftotext was not found" in report
    assert "1 silenced" in report
