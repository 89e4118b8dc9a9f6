"""`earkiv_export`: the archive delivery of one committee and period, as one E-ARK SIP of the
open material and, when the period has confidential material, a second, separately marked SIP
of that (docs/archive.md, "Sekretess").

A package is never half written: each is built in a temporary folder beside its destination,
validated there (archive/validation.py) and only then moved into place with one rename. An
invalid package is removed and the export fails with the validator's findings; a package
already in place with the same bytes is left as it is.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from committees.models import Committee

from .package import CONFIDENTIAL, OPEN, build_package, package_id
from .selection import FileItem, Period, PeriodContent, period_content
from .validation import PackageInvalid, validate_package


@dataclass(frozen=True)
class ExportedPackage:
    kind: str
    objid: str
    path: Path
    files: int
    unchanged: bool


class ExportError(Exception):
    """The export could not make a valid package; nothing was moved into place."""


def archive_dir() -> Path:
    return Path(settings.PARAGRAF_ARCHIVE_DIR)


def _withheld(content: PeriodContent, items: list[FileItem]) -> list[tuple[str, str, str]]:
    """What the open package leaves out: (identifier, kind of record, OSL ground)."""
    rows = [(f"data/{i.path}", i.kind, i.osl_reference) for i in items if i.confidential]
    rows += [(c.diarienummer, "arende", c.osl_reference) for c in content.cases if c.confidential]
    for meeting in content.meetings:
        for paragraph in meeting.paragraphs:
            if paragraph.confidential:
                rows.append((f"{meeting.key} § {paragraph.number}", "paragraf", paragraph.osl_reference))
    rows += [
        (d.registration_id or d.number_label, "delegationsbeslut", d.case.osl_reference)
        for d in content.delegated_decisions
        if d.case and d.case.confidential
    ]
    rows += [
        (r.registration_id or str(r.received_on), "remiss", r.case.osl_reference)
        for r in content.remisser
        if r.case and r.case.confidential
    ]
    return sorted(set(rows))


def _same_tree(left: Path, right: Path) -> bool:
    def listing(root: Path):
        return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())

    names = listing(left)
    if names != listing(right):
        return False
    return all((left / name).read_bytes() == (right / name).read_bytes() for name in names)


def _write_tree(root: Path, tree: dict[str, bytes]) -> None:
    for relative, data in sorted(tree.items()):
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _move_into_place(kind: str, objid: str, built: Path, destination: Path, work: Path, count: int):
    final = destination / objid
    if final.exists() and _same_tree(final, built):
        return ExportedPackage(kind=kind, objid=objid, path=final, files=count, unchanged=True)
    if final.exists():
        os.replace(final, work / "previous")  # removed with the work folder
    os.replace(built, final)  # one rename: the package appears whole or not at all
    return ExportedPackage(kind=kind, objid=objid, path=final, files=count, unchanged=False)


def earkiv_export(
    committee: Committee, period: Period, *, destination: Path | None = None, before_move=None
) -> list[ExportedPackage]:
    """Build, validate and move into place the period's package(s). `before_move` (for tests
    and tools) is called with each built, validated folder before any is moved."""
    destination = Path(destination or archive_dir())
    content = period_content(committee, period)
    if not content.meetings:
        raise ExportError(f"{committee.name} has no justerat protokoll in {period.label}.")
    items = content.files
    open_items = [i for i in items if not i.confidential]
    secret_items = [i for i in items if i.confidential]
    withheld = _withheld(content, items)
    packages = [(OPEN, *build_package(content, OPEN, open_items, withheld))]
    if withheld:
        packages.append((CONFIDENTIAL, *build_package(content, CONFIDENTIAL, secret_items, [])))
    destination.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".earkiv.", suffix=".building", dir=destination))
    try:
        # Write and validate every package of the delivery before moving any: a failure leaves
        # neither half of it.
        staged = []
        for kind, objid, tree in packages:
            built = work / objid
            _write_tree(built, tree)
            try:
                validate_package(built)
            except PackageInvalid as error:
                raise ExportError(
                    f"The package {objid} is not valid and was not written:\n{error}"
                ) from error
            staged.append((kind, objid, built, len(tree)))
        if before_move is not None:
            for _kind, _objid, built, _count in staged:
                before_move(built)
        return [
            _move_into_place(kind, objid, built, destination, work, count)
            for kind, objid, built, count in staged
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def expected_package_id(committee: Committee, period: Period, kind: str = OPEN) -> str:
    return package_id(PeriodContent(committee, period, [], [], [], []), kind)


def package_zip(package: Path) -> Path:
    """A ZIP of a package folder beside it (`<OBJID>.zip`, the folder as its top level), for an
    archive that takes one file. Deterministic: entries sorted, each dated with the package's
    CREATEDATE, fixed permissions; written to a temporary file and renamed."""
    import datetime as dt
    import zipfile

    from lxml import etree

    created = etree.parse(str(package / "METS.xml")).getroot()[0].get("CREATEDATE")
    stamp = dt.datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").timetuple()[:6]
    target = package.with_suffix(".zip")
    handle, temporary = tempfile.mkstemp(prefix=f".{package.name}.", suffix=".zip", dir=package.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(p for p in package.rglob("*") if p.is_file()):
                info = zipfile.ZipInfo(
                    f"{package.name}/{path.relative_to(package).as_posix()}", date_time=stamp
                )
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target
