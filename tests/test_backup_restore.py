"""`manage.py backup` and `manage.py restore`: a backup restored into an empty database, with
fresh media and signing directories, holds every justerat protokoll with its signed PDF intact
and its signatures valid and trusted; a damaged backup or a database with data is refused."""

import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from committees.models import Assignment
from meetings import signing
from meetings.justering.services import protokoll_freeze, protokoll_set_signers, protokoll_sign
from meetings.models import AgendaItemDocument, Justering, Meeting, Signature
from meetings.services.paragraphs import protokoll_create_draft
from tests.factories import (
    AgendaItemFactory,
    CommitteeFactory,
    MeetingFactory,
    PdfDocumentFactory,
    local,
    member_of,
    secretary_of,
)

PROJECT_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "pw-for-tests-1"  # UserFactory's
needs_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump/pg_restore")
needs_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backup path")


@pytest.fixture
def fresh_certificates(signing_ca):
    """Person certificates are keyed by the person's id, which SQLite may reuse between tests."""
    people = signing.signing_dir() / "people"
    shutil.rmtree(people, ignore_errors=True)
    yield
    shutil.rmtree(people, ignore_errors=True)


def justerat_protokoll(name: str, day: int) -> Justering:
    """A meeting with a handling, its protokoll signed by secretary, ordförande and justerare."""
    committee = CommitteeFactory(name=name)
    secretary = secretary_of(committee)
    chair = member_of(committee, role=Assignment.Role.CHAIR)
    adjuster = member_of(committee)
    meeting = MeetingFactory(
        committee=committee,
        start=local(2024, 10, day),
        status=Meeting.Status.HELD,
        secretary=secretary.person,
        chair=chair.person,
    )
    item = AgendaItemFactory(meeting=meeting, title="Regional utvecklingsstrategi")
    AgendaItemDocument.objects.create(agenda_item=item, document=PdfDocumentFactory(pages=(name,)))
    protokoll_create_draft(meeting=meeting)
    protokoll_set_signers(
        meeting=meeting, chair=chair.person, adjusters=[adjuster.person], secretary=secretary.person
    )
    protokoll_freeze(meeting=meeting, by=secretary)
    for user in (secretary, chair, adjuster):
        signature = Signature.objects.get(justering__meeting=meeting, person__user=user)
        protokoll_sign(signature=signature, user=user, password=PASSWORD)
    justering = Justering.objects.get(meeting=meeting)
    assert justering.completed_at is not None
    return justering


def manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True
    )


def restore_env(tmp_path: Path, **extra) -> dict:
    """The environment of a second installation: its own local dir, media and signing keys."""
    env = {
        **os.environ,
        "PARAGRAF_LOCAL_DIR": str(tmp_path / "restored"),
        "DJANGO_MEDIA_ROOT": str(tmp_path / "restored" / "media"),
        "PARAGRAF_SIGNING_DIR": str(tmp_path / "restored" / "signing"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **extra,
    }
    env.pop("DATABASE_URL", None)
    env.update({key: value for key, value in extra.items() if value is not None})
    return env


def assert_restored_protokoll_are_intact(rows, expected: set[str], env, tmp_path):
    """Every justerat protokoll of the restored database: its signed file is there, matches its
    SHA-256, and verify_pdf (against the restored signing CA) finds every signature valid."""
    media = Path(env["DJANGO_MEDIA_ROOT"])
    assert {sha for _name, sha in rows} == expected
    for name, sha256 in rows:
        path = media / name
        assert path.is_file() and signing.pdf_sha256(path.read_bytes()) == sha256
        result = manage("verify_pdf", str(path), env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.count("intact, trusted") == 3
        assert "unchanged since the last signature" in result.stdout


@needs_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fresh_certificates")
def test_a_postgresql_backup_restores_into_an_empty_database_with_every_protokoll_validly_signed(tmp_path):
    import psycopg

    originals = [justerat_protokoll("Kommunalt forum", 11), justerat_protokoll("Folkhälsonämnden", 13)]
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    assert {p.name for p in backup.iterdir()} == {
        "manifest.json",
        "database.dump",
        "media.tar",
        "signing.tar",
    }

    server = urlsplit(os.environ["DATABASE_URL"])
    admin_url = urlunsplit(server._replace(path="/postgres"))
    name = f"paragraf_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        restored_url = urlunsplit(server._replace(path=f"/{name}"))
        env = restore_env(tmp_path, DATABASE_URL=restored_url)
        result = manage("restore", str(backup), env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        assert " 0 CHANGED, 0 MISSING" in result.stdout

        result = manage("verify_files", env=env)
        assert result.returncode == 0, result.stdout + result.stderr

        with psycopg.connect(restored_url) as restored:
            rows = restored.execute(
                "SELECT signed_file, signed_sha256 FROM meetings_justering WHERE completed_at IS NOT NULL"
            ).fetchall()
        assert_restored_protokoll_are_intact(rows, {j.signed_sha256 for j in originals}, env, tmp_path)

        # A second restore into the same, now filled, database is refused and changes nothing.
        result = manage("restore", str(backup), env=env)
        assert result.returncode != 0 and "already holds Paragraf data" in result.stderr
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@needs_sqlite
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fresh_certificates")
def test_a_sqlite_backup_restores_into_a_new_installation_with_the_protokoll_validly_signed(tmp_path):
    original = justerat_protokoll("Kommunalt forum", 11)
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    assert {p.name for p in backup.iterdir()} == {
        "manifest.json",
        "database.sqlite3",
        "media.tar",
        "signing.tar",
    }

    env = restore_env(tmp_path)
    result = manage("restore", str(backup), env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert manage("verify_files", env=env).returncode == 0

    database = sqlite3.connect(tmp_path / "restored" / "paragraf.sqlite3")
    rows = database.execute(
        "SELECT signed_file, signed_sha256 FROM meetings_justering WHERE completed_at IS NOT NULL"
    ).fetchall()
    database.close()
    assert_restored_protokoll_are_intact(rows, {original.signed_sha256}, env, tmp_path)


@pytest.mark.django_db(transaction=True)  # SQLite's backup API waits on an open write transaction
def test_restore_refuses_a_database_with_data_and_a_damaged_backup(tmp_path):
    PdfDocumentFactory()
    backup = tmp_path / "backup"
    call_command("backup", str(backup))

    with pytest.raises(CommandError, match="already holds Paragraf data"):
        call_command("restore", str(backup))
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", str(backup))

    with open(backup / "media.tar", "r+b") as tar:
        tar.seek(600)
        tar.write(b"X")
    with pytest.raises(CommandError, match="media part of the backup does not match"):
        call_command("restore", str(backup), "--force")
