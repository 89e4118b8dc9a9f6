"""Backup and restore of a whole Paragraf installation: database, media files and signing keys.

A backup is one directory:

    manifest.json      what the backup holds: each part's file name, size and SHA-256
    database.dump      PostgreSQL, `pg_dump -Fc` (custom format, restored with pg_restore)
    database.sqlite3   or, for the embedded SQLite database, a copy made by SQLite's backup API
    media.tar          MEDIA_ROOT: handlingar, built PDFs, frozen and signed protokoll
    signing.tar        PARAGRAF_SIGNING_DIR: the signing CA and the signers' private keys

The signing keys make the backup as secret as the keys themselves: store it encrypted and
access-controlled. Restoring checks every part against the manifest first, refuses a
database that already holds Paragraf data (unless forced) and then restores the database
and the files. `manage.py backup` and `manage.py restore` call these functions.
"""

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
from glob import glob
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
CHUNK_SIZE = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


def pg_tool(name: str) -> str:
    """The path of pg_dump/pg_restore: PARAGRAF_PG_BINDIR, then PATH, then Debian's newest
    /usr/lib/postgresql/<version>/bin (it must not be older than the server)."""
    bindir = os.environ.get("PARAGRAF_PG_BINDIR")
    candidates = [str(Path(bindir) / name)] if bindir else []
    if found := shutil.which(name):
        candidates.append(found)
    versions = glob(f"/usr/lib/postgresql/*/bin/{name}")
    candidates += sorted(
        versions,
        key=lambda path: [int(n) for n in re.findall(r"\d+", Path(path).parent.parent.name)],
        reverse=True,
    )
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return candidate
    raise BackupError(f"{name} not found: install the PostgreSQL client tools or set PARAGRAF_PG_BINDIR.")


def _pg_env() -> dict[str, str]:
    """The libpq environment for the configured database, so no password is on a command line."""
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": str(db["NAME"])}
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if db.get(key):
            env[variable] = str(db[key])
    options = db.get("OPTIONS") or {}
    for key in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
        if options.get(key):
            env[f"PG{key.upper()}"] = str(options[key])
    return env


def _run(command: list[str]) -> None:
    result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip() or result.stdout.strip()}")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def _file_dirs() -> dict[str, Path]:
    return {"media": Path(settings.MEDIA_ROOT), "signing": Path(settings.PARAGRAF_SIGNING_DIR)}


# --- Backup ----------------------------------------------------------------------------------


def _dump_database(directory: Path) -> str:
    if connection.vendor == "postgresql":
        name = "database.dump"
        _run(
            [
                pg_tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--file={directory / name}",
            ]
        )
    elif connection.vendor == "sqlite":
        name = "database.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(directory / name)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    else:
        raise BackupError(f"Backups of a {connection.vendor} database are not supported.")
    return name


def _tar_directory(source: Path, target: Path) -> None:
    with tarfile.open(target, "w") as tar:
        if source.is_dir():
            tar.add(source, arcname=".")


def backup_create(*, directory: Path) -> dict:
    """Write a backup (database, media files, signing keys and the manifest) into `directory`,
    which must be new or empty. Returns the manifest."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty; a backup goes into a new directory.")
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)  # it holds private keys
    files = {"database": _dump_database(directory)}
    for part, source in _file_dirs().items():
        files[part] = f"{part}.tar"
        _tar_directory(source, directory / files[part])
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(timespec="seconds"),
        "database_vendor": connection.vendor,
        "migrations": sorted(
            f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations()
        ),
        "parts": {
            part: {
                "file": name,
                "size": (directory / name).stat().st_size,
                "sha256": file_sha256(directory / name),
            }
            for part, name in files.items()
        },
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


# --- Restore ---------------------------------------------------------------------------------


def backup_verify(*, directory: Path) -> dict:
    """Read the manifest and check every part's size and SHA-256; returns the manifest."""
    directory = Path(directory)
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{directory / MANIFEST} cannot be read: {error}") from error
    if manifest.get("format") != FORMAT or set(manifest.get("parts", {})) != {"database", "media", "signing"}:
        raise BackupError(f"{directory / MANIFEST} is not a Paragraf backup manifest (format {FORMAT}).")
    for part, entry in manifest["parts"].items():
        path = directory / Path(entry["file"]).name
        if not path.is_file():
            raise BackupError(f"The {part} part of the backup is missing: {path}")
        if path.stat().st_size != entry["size"] or file_sha256(path) != entry["sha256"]:
            raise BackupError(
                f"The {part} part of the backup does not match its SHA-256 in the manifest: {path}"
            )
    return manifest


def database_has_data() -> bool:
    """Whether the configured database holds rows of Paragraf's own tables (or logins).

    Django's contenttypes and permissions, which `migrate` fills, do not count."""
    existing = set(connection.introspection.table_names())
    project = Path(settings.BASE_DIR)
    tables = [
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.db_table in existing
        and (Path(model._meta.app_config.path).is_relative_to(project) or model._meta.label == "auth.User")
    ]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608
            if cursor.fetchone():
                return True
    return False


def _restore_database(path: Path) -> None:
    if connection.vendor == "postgresql":
        connection.close()  # no session of ours holds a lock on a table pg_restore replaces
        _run(
            [
                pg_tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--clean",
                "--if-exists",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={connection.settings_dict['NAME']}",
                str(path),
            ]
        )
    else:
        connection.ensure_connection()
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)
        finally:
            source.close()


def _has_files(directory: Path) -> bool:
    return directory.is_dir() and any(path.is_file() for path in directory.rglob("*"))


def backup_restore(*, directory: Path, force: bool = False) -> dict:
    """Restore a verified backup into the configured database, MEDIA_ROOT and signing dir.

    Refuses, before changing anything, a database with Paragraf data or file directories
    with files in them, unless `force` (then they are replaced/overwritten). Returns the manifest.
    """
    directory = Path(directory)
    manifest = backup_verify(directory=directory)
    if manifest["database_vendor"] != connection.vendor:
        raise BackupError(
            f"The backup is of a {manifest['database_vendor']} database; "
            f"this installation uses {connection.vendor}."
        )
    if not force:
        if database_has_data():
            raise BackupError(
                f"The database {connection.settings_dict['NAME']} already holds Paragraf data; "
                "restore into an empty database, or use --force to replace it."
            )
        for part, target in _file_dirs().items():
            if _has_files(target):
                raise BackupError(f"{target} ({part}) already holds files; use --force to overwrite them.")
    _restore_database(directory / manifest["parts"]["database"]["file"])
    for part, target in _file_dirs().items():
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(directory / manifest["parts"][part]["file"]) as tar:
            tar.extractall(target, filter="data")
    return manifest


def migrations_pending() -> bool:
    """Whether this code has migrations the restored database does not (run `manage.py migrate`)."""
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
