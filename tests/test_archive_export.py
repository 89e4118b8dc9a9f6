"""The archive delivery (issue 18): `manage.py earkiv_export "Kommunalt forum" 2024` on the demo
builds an E-ARK SIP that passes every check of archive/validation.py (METS against mets.xsd
with the CSIP/SIP extension schemas offline, the CSIP/SIP requirements by id, the folder
structure, the checksums, ERMS against ERMS_v3.xsd and erms_v3.sch, every signed PDF still
validating); the same data gives the same bytes; a failure leaves no package; confidential
material goes into a separately marked package; the workspace's button is the secretary's own.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from lxml import etree

from archive import mets as mets_module
from archive import package as package_module
from archive.export import ExportError, earkiv_export, package_zip
from archive.package import CONFIDENTIAL, OPEN
from archive.selection import Period, committee_find
from archive.validation import (
    ERMS_NS,
    METS_NS,
    PackageInvalid,
    erms_schema,
    erms_schematron,
    mets_schema,
    validate_package,
)
from cases.models import Case
from committees.models import Person
from meetings.justering.utdrag import protokollsutdrag_get_or_create
from meetings.models import Meeting
from tests.factories import CommitteeFactory, secretary_of

pytestmark = pytest.mark.django_db

SHARED = Path(settings.BASE_DIR).parent / "shared" / "conformance" / "e-ark"


def export(output: Path) -> list[Path]:
    out = io.StringIO()
    call_command("earkiv_export", "Kommunalt forum", "2024", "--output", str(output), stdout=out)
    return sorted(p for p in output.iterdir() if p.is_dir() and not p.name.startswith("."))


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def parse(path: Path):
    return etree.parse(str(path), etree.XMLParser(no_network=True))


def test_the_packaged_schemas_are_the_official_copies():
    """archive/schemas/ holds unchanged copies of the DILCIS Board's schemas (when the shared
    conformance folder is next to the checkout, byte for byte)."""
    if not SHARED.is_dir():
        pytest.skip("no shared/conformance/e-ark next to the checkout")
    for name, folder in [
        ("mets.xsd", "csip"),
        ("xlink.xsd", "csip"),
        ("DILCISExtensionMETS.xsd", "csip"),
        ("DILCISExtensionSIPMETS.xsd", "sip"),
        ("ERMS_v3.xsd", "cits-erms"),
        ("erms_v3.sch", "cits-erms"),
    ]:
        assert (package_module.SCHEMA_DIR / name).read_bytes() == (SHARED / folder / name).read_bytes(), name


def test_the_demo_year_is_one_valid_package_with_both_protokoll(demo_loaded, tmp_path):
    [root] = export(tmp_path)
    assert validate_package(root)  # raises PackageInvalid with every finding otherwise
    files = tree_bytes(root)
    # The folder structure of CSIP (CSIPSTR2, 4, 5, 6, 7, 9, 11, 12, 15, 16).
    assert root.name == parse(root / "METS.xml").getroot().get("OBJID")
    for path in [
        "METS.xml",
        "metadata/descriptive/erms.xml",
        "metadata/preservation/premis.xml",
        "documentation/leverans.xml",
        "schemas/mets.xsd",
        "schemas/ERMS_v3.xsd",
        "representations/rep1/METS.xml",
        "representations/rep1/data/2024-10-11_0900/protokoll.pdf",
        "representations/rep1/data/2024-10-11_0900/protokoll-signaturvalidering.xml",
        "representations/rep1/data/2024-10-11_0900/protokoll-signaturvalidering.json",
        "representations/rep1/data/2024-12-13_0900/protokoll.pdf",
    ]:
        assert path in files, path
    # The protokoll of record, byte for byte as signed.
    meeting = Meeting.objects.get(committee__name="Kommunalt forum", start__date="2024-10-11")
    pdf = files["representations/rep1/data/2024-10-11_0900/protokoll.pdf"]
    assert hashlib.sha256(pdf).hexdigest() == meeting.justering.signed_sha256
    report = json.loads(files["representations/rep1/data/2024-10-11_0900/protokoll-signaturvalidering.json"])
    assert report["all_hold"] is True
    assert [s["signer"] for s in report["signatures"]] == [
        "Josefine Colliander",
        "Rachel De Basso",
        "Kerstin Hammar",
        "Therese Petersson",
    ]
    # Each METS against mets.xsd + the CSIP/SIP extension schemas, offline.
    for mets in ("METS.xml", "representations/rep1/METS.xml"):
        assert mets_schema().validate(parse(root / mets)), mets_schema().error_log
    # Every file the METS lists: its SHA-256 recomputed.
    listed = 0
    for mets in (root / "METS.xml", root / "representations/rep1/METS.xml"):
        for file in parse(mets).getroot().iter(f"{{{METS_NS}}}file"):
            href = file.find(f"{{{METS_NS}}}FLocat").get("{http://www.w3.org/1999/xlink}href")
            data = (mets.parent / href).read_bytes()
            assert hashlib.sha256(data).hexdigest() == file.get("CHECKSUM")
            assert int(file.get("SIZE")) == len(data)
            listed += 1
    assert listed >= 10
    # ERMS: the ärenden and the §§, against ERMS_v3.xsd and erms_v3.sch.
    erms = parse(root / "metadata/descriptive/erms.xml")
    assert erms_schema().validate(erms), erms_schema().error_log
    assert erms_schematron().validate(erms)
    case_ids = erms.xpath(
        "//e:aggregation[@aggregationType='caseFile']/e:objectId/text()", namespaces={"e": ERMS_NS}
    )
    assert "RJL 2024/3336" in case_ids
    # PREMIS: creation, each signature, the validation and the export.
    premis = parse(root / "metadata/preservation/premis.xml")
    events = premis.xpath("//p:event/p:eventType/text()", namespaces={"p": "http://www.loc.gov/premis/v3"})
    assert events.count("creation") == 2
    assert events.count("digital signature generation") == 8
    assert "packing" in events and "digital signature validation" in events


@pytest.mark.parametrize(
    ("requirement", "change"),
    [
        ("SIP2", lambda r: r.set("PROFILE", "https://example.org/other-profile.xml")),
        (
            "CSIP15",
            lambda r: (
                r.find(f"{{{METS_NS}}}metsHdr/{{{METS_NS}}}agent/{{{METS_NS}}}note")
                .getparent()
                .remove(r.find(f"{{{METS_NS}}}metsHdr/{{{METS_NS}}}agent/{{{METS_NS}}}note"))
            ),
        ),
        ("CSIP82", lambda r: r.find(f"{{{METS_NS}}}structMap").set("LABEL", "other")),
        ("CSIP77", lambda r: next(r.iter(f"{{{METS_NS}}}FLocat")).set("LOCTYPE", "OTHER")),
        ("XSD", lambda r: r.find(f"{{{METS_NS}}}metsHdr").set("CREATEDATE", "yesterday")),
    ],
)
def test_the_validator_names_the_requirement_a_package_breaks(demo_loaded, tmp_path, requirement, change):
    [root] = export(tmp_path)
    doc = parse(root / "METS.xml")
    change(doc.getroot())
    doc.write(str(root / "METS.xml"), xml_declaration=True, encoding="UTF-8")
    with pytest.raises(PackageInvalid) as raised:
        validate_package(root)
    assert requirement in {finding.requirement for finding in raised.value.findings}


def test_a_changed_protokoll_fails_its_checksum_and_its_signatures(demo_loaded, tmp_path):
    [root] = export(tmp_path)
    pdf = root / "representations/rep1/data/2024-10-11_0900/protokoll.pdf"
    data = bytearray(pdf.read_bytes())
    index = data.index(b"Kommunalt") if b"Kommunalt" in data else len(data) // 3
    data[index] ^= 0x01
    pdf.write_bytes(bytes(data))
    with pytest.raises(PackageInvalid) as raised:
        validate_package(root)
    found = {finding.requirement for finding in raised.value.findings}
    assert "CSIP71" in found  # the checksum in the representation METS
    assert "SIGNATURE" in found


def test_an_export_twice_gives_the_same_package_byte_for_byte(demo_loaded, tmp_path):
    [first] = export(tmp_path / "a")
    [second] = export(tmp_path / "b")
    assert first.name == second.name
    assert tree_bytes(first) == tree_bytes(second)
    # Again into the same place: left as it is.
    before = tree_bytes(first)
    out = io.StringIO()
    call_command("earkiv_export", "kommunalt-forum", "2024", "--output", str(tmp_path / "a"), stdout=out)
    assert "unchanged" in out.getvalue()
    assert tree_bytes(first) == before
    # The ZIP for the hand-over is as stable as the folder.
    assert package_zip(first).read_bytes() == package_zip(second).read_bytes()


def test_a_failure_before_the_move_leaves_no_package(demo_loaded, tmp_path):
    committee = committee_find("Kommunalt forum")

    def crash(built):
        raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError):
        earkiv_export(committee, Period.of(2024), destination=tmp_path, before_move=crash)
    assert list(tmp_path.iterdir()) == []  # neither the package nor its temporary folder


def test_an_invalid_package_is_refused_with_its_requirement_and_not_written(
    demo_loaded, tmp_path, monkeypatch
):
    monkeypatch.setattr(mets_module, "SIP_PROFILE", "https://example.org/not-the-sip-profile.xml")
    with pytest.raises(ExportError) as raised:
        earkiv_export(committee_find("Kommunalt forum"), Period.of(2024), destination=tmp_path)
    assert "SIP2" in str(raised.value)
    assert list(tmp_path.iterdir()) == []


def test_confidential_material_goes_into_a_separately_marked_package(demo_loaded, tmp_path):
    Case.objects.filter(prefix="RJL", year=2024, serial=3340).update(
        confidential=True, osl_reference="OSL 21 kap. 1 §"
    )
    secret_title = Case.objects.get(prefix="RJL", year=2024, serial=3340).title
    packages = earkiv_export(committee_find("Kommunalt forum"), Period.of(2024), destination=tmp_path)
    assert [p.kind for p in packages] == [OPEN, CONFIDENTIAL]
    open_root, secret_root = (p.path for p in packages)
    for root in (open_root, secret_root):
        validate_package(root)
    open_erms = (open_root / "metadata/descriptive/erms.xml").read_text("utf-8")
    assert "RJL 2024/3340" not in open_erms and secret_title not in open_erms
    note = parse(open_root / "documentation/leverans.xml").getroot()
    [withheld] = note.xpath("//n:post[@id='RJL 2024/3340']", namespaces={"n": package_module.NOTE_NS})
    assert withheld.get("grund") == "OSL 21 kap. 1 §"
    assert withheld.get("paket") == secret_root.name
    assert secret_title not in (open_root / "documentation/leverans.xml").read_text("utf-8")
    secret_erms = parse(secret_root / "metadata/descriptive/erms.xml")
    [case] = secret_erms.xpath("//e:aggregation[e:objectId='RJL 2024/3340']", namespaces={"e": ERMS_NS})
    assert case.xpath("e:restriction/@restrictionType", namespaces={"e": ERMS_NS}) == ["confidential"]
    assert "(sekretess)" in parse(secret_root / "METS.xml").getroot().get("LABEL")


def test_the_demos_confidential_paragraph_keeps_its_protokoll_out_of_the_open_package(demo_loaded, tmp_path):
    """ANA-P 2022-09-21 § 139 is confidential (an individual's stipend, RJL 2022/2466): that
    protokoll of record goes into the secret package; the open one names what it withholds."""
    committee = committee_find("ANA-P")
    open_package, secret = earkiv_export(committee, Period.of(2022), destination=tmp_path)
    assert (open_package.kind, secret.kind) == (OPEN, CONFIDENTIAL)
    assert not (open_package.path / "representations/rep1/data/2022-09-21_0900/protokoll.pdf").exists()
    assert (secret.path / "representations/rep1/data/2022-09-21_0900/protokoll.pdf").is_file()
    assert (open_package.path / "representations/rep1/data/2022-08-24_0900/protokoll.pdf").is_file()
    withheld = parse(open_package.path / "documentation/leverans.xml").xpath(
        "//n:post/@id", namespaces={"n": package_module.NOTE_NS}
    )
    assert "2022-09-21_0900 § 139" in withheld and "RJL 2022/2466" in withheld
    assert "Gnistrafors" not in (open_package.path / "metadata/descriptive/erms.xml").read_text("utf-8")


def test_a_protokollsutdrag_goes_in_with_its_validation(demo_loaded, tmp_path):
    meeting = Meeting.objects.get(committee__name="Kommunalt forum", start__date="2024-10-11")
    paragraph = meeting.paragraphs.get(number=3)
    protokollsutdrag_get_or_create(paragraph=paragraph)
    [root] = export(tmp_path)
    validate_package(root)  # the sealed extract's signature still holds in the package
    extracts = sorted((root / "representations/rep1/data/2024-10-11_0900/protokollsutdrag").iterdir())
    assert [p.name for p in extracts] == [
        "paragraf-003-1-signaturvalidering.json",
        "paragraf-003-1-signaturvalidering.xml",
        "paragraf-003-1.pdf",
    ]


def test_the_button_builds_the_package_for_the_committees_secretary(demo_loaded, client, tmp_path):
    committee = committee_find("Kommunalt forum")
    secretary = Person.objects.get(first_name="Josefine", last_name="Colliander").user
    client.force_login(secretary)
    url = reverse("workspace:archive", args=[committee.pk])
    with override_settings(PARAGRAF_ARCHIVE_DIR=tmp_path, CELERY_TASK_ALWAYS_EAGER=True):
        page = client.get(url)
        assert page.status_code == 200
        assert "2024" in page.content.decode()
        response = client.post(url, {"year": 2024})
        assert response.status_code == 302
        [root] = [p for p in tmp_path.iterdir() if not p.name.startswith(".")]
        validate_package(root)
        assert "built" in client.get(url).content.decode() or "byggt" in client.get(url).content.decode()


def test_the_button_is_refused_to_another_committees_secretary(demo_loaded, client, tmp_path):
    committee = committee_find("Kommunalt forum")
    client.force_login(secretary_of(CommitteeFactory(organisation=committee.organisation, slug="annan")))
    url = reverse("workspace:archive", args=[committee.pk])
    with override_settings(PARAGRAF_ARCHIVE_DIR=tmp_path, CELERY_TASK_ALWAYS_EAGER=True):
        assert client.get(url).status_code == 404
        assert client.post(url, {"year": 2024}).status_code == 404
    assert list(tmp_path.iterdir()) == []


def test_the_beat_task_exports_the_previous_year_idempotently(demo_loaded, tmp_path, monkeypatch):
    import datetime as dt

    from archive import services

    monkeypatch.setattr(services.timezone, "localdate", lambda: dt.date(2025, 3, 1))
    with override_settings(PARAGRAF_ARCHIVE_DIR=tmp_path):
        from archive.tasks import export_previous_year

        first = export_previous_year()
        assert any(Path(p).name.startswith("uuid-") for p in first)
        before = {p: tree_bytes(Path(p)) for p in first}
        assert export_previous_year() == first
        assert {p: tree_bytes(Path(p)) for p in first} == before


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_archive_delivery_page_has_no_axe_violations(live_server, browser, client):
    from tests.factories import MeetingFactory
    from tests.test_portal_accessibility import AXE, _axe_violations

    if not AXE.exists():
        pytest.skip(f"{AXE} missing: run `npm ci` (make test does)")
    committee = CommitteeFactory(slug="arkiv-axe")
    MeetingFactory(committee=committee, status=Meeting.Status.JUSTERAT)
    client.force_login(secretary_of(committee))
    context = browser.new_context(locale="sv-SE", bypass_csp=True)  # axe is injected by the test
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    try:
        assert page.goto(live_server.url + reverse("workspace:archive", args=[committee.pk])).status == 200
        assert page.get_by_role("button", name="Bygg arkivpaketet").count() == 1
        assert _axe_violations(page) == []
    finally:
        context.close()
