"""The visibility matrix: every members' and officials' URL answers as committees.visibility says.

committees/visibility/ is the one place that answers who may see what outside the public portal
(portal/published.py) and the admin (committees/scoping.py). This test proves that the pages
follow it, as the canary crawler proves the portal follows published.py:

- Every URL pattern of the project that is neither the public's (portal, oparl), the admin's,
  nor the language switch is enumerated from the URLconf and must be classified in `PAGES`: a
  new members' or officials' page fails `test_every_members_and_officials_url_is_classified`
  until someone says which visibility question it answers.
- Each classified page is filled with objects (a frozen protokoll of A with a confidential
  handling and a confidential § for omedelbar justering, A's unpublished draft agenda with a
  handling, B's summoned meeting, the signatures of A's justering, open and confidential cases
  of A and B) and opened by ten roles: anonymous, ordförande, ledamot, ersättare and
  tjänsteperson of A, ledamot of B, the secretaries of A and B, an identity administrator and
  a superuser.
- For every cell two things are checked: visibility's answer is the one the table (`readers`)
  names, and the page answers 200 (or its redirect) exactly when visibility allows it, else 404
  (403 for someone who is no official, at the registers; the login for anonymous visitors).
  A confidential text (the canary) is never in a refused answer.

tests/test_permission_matrix.py is the wider matrix (every URL, the admin's included, for
objects of A); this one asks visibility.py and adds the ersättare, the tjänsteperson of A, other
committees' objects and drafts. See docs/security.md, "Who may see what".
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from committees import visibility
from committees.models import Assignment
from meetings.justering.services import protokoll_freeze, protokoll_set_signers
from meetings.justering.utdrag import immediate_justering_state
from meetings.models import AgendaItemDocument, Meeting
from meetings.services.paragraphs import protokoll_create_draft
from tests.factories import (
    AgendaItemFactory,
    CaseFactory,
    CommitteeFactory,
    MeetingFactory,
    OrganisationFactory,
    PdfDocumentFactory,
    RemissFactory,
    UserFactory,
    local,
    member_of,
    secretary_of,
)
from tests.test_permission_matrix import Expect, answer, identity_admin, official_of, url_patterns

CANARY = "KANARIE-SYNLIGHET-4471"  # only in A's confidential handling, §, case and draft
OSL = "26 kap. 1 §"

ROLES = (
    "anonymous",
    "chair_a",
    "member_a",
    "substitute_a",
    "official_a",
    "member_b",
    "secretary_a",
    "secretary_b",
    "identity_admin",
    "superuser",
)
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
OF_A = frozenset({"chair_a", "member_a", "substitute_a", "official_a", "secretary_a"})
OF_B = frozenset({"member_b", "secretary_b"})
STAFF = frozenset({"official_a", "secretary_a", "secretary_b", "identity_admin", "superuser"})
OFFICIALS = STAFF  # staff, or secretary/tjänsteperson of a committee (all of them are staff here)
NOBODY = frozenset()

OK = Expect(200)
REDIRECT = Expect(302)
NOT_FOUND = Expect(404)
FORBIDDEN = Expect(403)
TO_LOGIN = Expect(302, "login")

# The patterns this test does not ask visibility about: the public's, the admin's, and the
# language switch. Everything else must be in PAGES.
OUT_OF_SCOPE = ("admin:*", "admin/*", "portal:*", "oparl:*", "alerts:*", "language", "set_language")


@dataclass
class World:
    users: dict
    objects: dict


def build_world() -> World:
    organisation = OrganisationFactory()
    a = CommitteeFactory(organisation=organisation, name="Nämnd A", short_name="NA", slug="synlighet-a")
    b = CommitteeFactory(organisation=organisation, name="Nämnd B", short_name="NB", slug="synlighet-b")
    users = {
        "chair_a": member_of(a, role=Assignment.Role.CHAIR, username="vis-chair-a"),
        "member_a": member_of(a, username="vis-member-a"),
        "substitute_a": member_of(a, role=Assignment.Role.SUBSTITUTE, username="vis-substitute-a"),
        "official_a": official_of(a, username="vis-official-a"),
        "member_b": member_of(b, username="vis-member-b"),
        "secretary_a": secretary_of(a, username="vis-secretary-a"),
        "secretary_b": secretary_of(b, username="vis-secretary-b"),
        "identity_admin": identity_admin(username="vis-identity-admin"),
        "superuser": UserFactory(username="vis-superuser", is_staff=True, is_superuser=True),
    }
    chair, secretary = users["chair_a"].person, users["secretary_a"].person
    open_case = CaseFactory(organisation=organisation, committee=a, title="Busslinjer")
    secret_case_a = CaseFactory(
        organisation=organisation, committee=a, title=f"Ärende {CANARY}", confidential=True, osl_reference=OSL
    )
    secret_case_b = CaseFactory(
        organisation=organisation, committee=b, title="Ärende B", confidential=True, osl_reference=OSL
    )

    # A's protokoll sent for justering: an open § and a confidential § for omedelbar justering.
    frozen = MeetingFactory(
        committee=a, start=local(2024, 11, 8, 9), status=Meeting.Status.HELD, secretary=secretary, chair=chair
    )
    open_item = AgendaItemFactory(meeting=frozen, order=1, title="Busslinjer", case=open_case)
    secret_item = AgendaItemFactory(
        meeting=frozen,
        order=2,
        title=f"Personärende {CANARY}",
        case=secret_case_a,
        confidential=True,
        osl_reference=OSL,
    )
    secret_document = PdfDocumentFactory(
        title=f"Utredning {CANARY}", case=secret_case_a, confidential=True, osl_reference=OSL
    )
    AgendaItemDocument.objects.create(agenda_item=secret_item, document=secret_document, order=1)
    protokoll_create_draft(meeting=frozen)
    secret_paragraph = frozen.paragraphs.get(agenda_item=secret_item)
    secret_paragraph.immediate_justering = True
    secret_paragraph.save()
    protokoll_set_signers(
        meeting=frozen, chair=chair, adjusters=[users["member_a"].person], secretary=secretary
    )
    protokoll_freeze(meeting=frozen, by=users["secretary_a"])
    frozen.refresh_from_db()

    # A's next meeting, its agenda still a draft (no kallelse sent), with a handling.
    draft = MeetingFactory(
        committee=a,
        start=timezone.now() + timedelta(days=20),
        status=Meeting.Status.AGENDA_DRAFTED,
        secretary=secretary,
    )
    draft_item = AgendaItemFactory(meeting=draft, order=1, title="Utkast")
    draft_document = PdfDocumentFactory(title=f"Utkast {CANARY}")
    AgendaItemDocument.objects.create(agenda_item=draft_item, document=draft_document, order=1)

    # B's meeting, kallelse sent, with a handling.
    summoned_b = MeetingFactory(
        committee=b,
        start=timezone.now() + timedelta(days=10),
        status=Meeting.Status.SUMMONED,
        secretary=users["secretary_b"].person,
    )
    b_item = AgendaItemFactory(meeting=summoned_b, order=1, title="Budget B")
    b_document = PdfDocumentFactory(title="Budget B")
    AgendaItemDocument.objects.create(agenda_item=b_item, document=b_document, order=1)
    RemissFactory(committee=a)

    signatures = {
        s.person.user.username: s for s in frozen.justering.signatures.select_related("person__user")
    }
    objects = {
        "frozen": frozen,
        "draft": draft,
        "summoned_b": summoned_b,
        "open_paragraph": frozen.paragraphs.get(agenda_item=open_item),
        "secret_paragraph": secret_paragraph,
        "secret_document": secret_document,
        "draft_document": draft_document,
        "b_document": b_document,
        "open_case": open_case,
        "secret_case_a": secret_case_a,
        "secret_case_b": secret_case_b,
        "chair_signature": signatures["vis-chair-a"],
        "adjuster_signature": signatures["vis-member-a"],
        "secretary_signature": signatures["vis-secretary-a"],
    }
    return World(users=users, objects=objects)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, signing_ca):
    """Built once for the module inside a transaction that is rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


# --- What visibility answers, per page --------------------------------------------------------


def _not_found(user) -> Expect:
    return NOT_FOUND


def _registers_refusal(user) -> Expect:
    """The registers: 403 for someone who is no official, 404 for an official's case out of reach."""
    return NOT_FOUND if visibility.user_is_official(user) else FORBIDDEN


@dataclass
class Cell:
    """One page with one object: the visibility question (`allowed`), the roles the table
    expects it to allow (`readers`), and the answers when allowed and when refused."""

    url: str
    label: str
    allowed: Callable[[object], bool]
    readers: frozenset[str]
    ok: Expect = OK
    refused: Callable[[object], Expect] = _not_found
    post: dict | None = None
    public: bool = False  # no login needed


def _meeting_pages(w: dict) -> list[Cell]:
    def visible(meeting):
        return lambda user: visibility.meeting_visible_to(user, meeting)

    return [
        Cell(reverse("meetings:meeting", args=[w[key].pk]), key, visible(w[key]), readers)
        for key, readers in (("frozen", OF_A), ("draft", OF_A), ("summoned_b", OF_B))
    ]


def _offline_manifest_pages(w: dict) -> list[Cell]:
    # What to store offline of a meeting: the meeting page's answer (its contents are
    # documents_offline_for's: tests/test_offline_views.py).
    def visible(meeting):
        return lambda user: visibility.meeting_visible_to(user, meeting)

    return [
        Cell(reverse("meetings:offline_manifest", args=[w[key].pk]), key, visible(w[key]), readers)
        for key, readers in (("frozen", OF_A), ("draft", OF_A), ("summoned_b", OF_B))
    ]


def _kallelse_pages(w: dict) -> list[Cell]:
    def agenda(meeting):
        return lambda user: (
            visibility.meeting_visible_to(user, meeting) and visibility.agenda_visible(meeting)
        )

    return [
        Cell(reverse("meetings:kallelse", args=[w[key].pk]), key, agenda(w[key]), readers)
        for key, readers in (("frozen", OF_A), ("draft", NOBODY), ("summoned_b", OF_B))
    ]


def _document_pages(w: dict, name: str = "meetings:document") -> list[Cell]:
    def downloadable(meeting, document):
        return lambda user: visibility.documents_visible_to(user, meeting).filter(pk=document.pk).exists()

    pairs = [
        ("frozen", "secret_document", OF_A),  # confidential: members need it
        ("frozen", "b_document", NOBODY),  # a handling of another meeting
        ("draft", "draft_document", NOBODY),  # the kallelse has not been sent
        ("summoned_b", "b_document", OF_B),
    ]
    return [
        Cell(
            reverse(name, args=[w[m].pk, w[d].pk]),
            f"{m}/{d}",
            downloadable(w[m], w[d]),
            readers,
        )
        for m, d, readers in pairs
    ]


def _absence_pages(w: dict) -> list[Cell]:
    def may_report(meeting):
        return lambda user: visibility.meeting_visible_to(user, meeting)

    return [
        Cell(
            reverse("meetings:absence", args=[w[key].pk]),
            key,
            may_report(w[key]),
            readers,
            ok=REDIRECT,
            post={"action": "withdraw"},  # nothing to withdraw: changes nothing
        )
        for key, readers in (("draft", OF_A), ("summoned_b", OF_B))
    ]


def _protokoll_readable(meeting):
    return lambda user: (
        visibility.protokoll_meetings_visible_to(user).filter(pk=meeting.pk).exists() and meeting.is_locked
    )


def _protokoll_pages(w: dict) -> list[Cell]:
    return [
        Cell(reverse("meetings:protokoll", args=[w[key].pk]), key, _protokoll_readable(w[key]), readers)
        for key, readers in (("frozen", OF_A | {"superuser"}), ("draft", NOBODY), ("summoned_b", NOBODY))
    ]


SIGNERS_A = frozenset({"chair_a", "member_a"})  # the ordförande and the justerare of A's protokoll


def _utdrag_pages(w: dict) -> list[Cell]:
    def utdrag(paragraph):
        def allowed(user):
            meeting = paragraph.meeting
            if not (paragraph.immediate_justering and _protokoll_readable(meeting)(user)):
                return False
            state = immediate_justering_state(paragraph=paragraph)
            signer = visibility.may_sign(user, state.signature_of(user))
            return visibility.immediate_utdrag_visible_to(
                user, meeting, complete=state.complete, signer=signer
            )

        return allowed

    return [
        Cell(
            reverse("meetings:protokollsutdrag", args=[w["frozen"].pk, w[key].pk]),
            key,
            utdrag(w[key]),
            readers,
        )
        for key, readers in (
            ("secret_paragraph", SIGNERS_A | {"secretary_a", "superuser"}),
            ("open_paragraph", NOBODY),  # no omedelbar justering, and not justerat yet
        )
    ]


def _immediate_pages(w: dict) -> list[Cell]:
    def signs(paragraph):
        def allowed(user):
            if not (paragraph.immediate_justering and _protokoll_readable(paragraph.meeting)(user)):
                return False
            return visibility.may_sign(
                user, immediate_justering_state(paragraph=paragraph).signature_of(user)
            )

        return allowed

    return [
        Cell(
            reverse("meetings:immediate_justering", args=[w["frozen"].pk, w[key].pk]),
            key,
            signs(w[key]),
            readers,
        )
        for key, readers in (("secret_paragraph", SIGNERS_A), ("open_paragraph", NOBODY))
    ]


def _signing_pages(w: dict) -> list[Cell]:
    def own(signature):
        return lambda user: visibility.signatures_of(user).filter(pk=signature.pk).exists()

    return [
        Cell(reverse("meetings:justering", args=[w[key].pk]), key, own(w[key]), frozenset({role}))
        for key, role in (
            ("chair_signature", "chair_a"),
            ("adjuster_signature", "member_a"),
            ("secretary_signature", "secretary_a"),
        )
    ]


def _keeps(meeting):
    return lambda user: visibility.secretary_meetings(user).filter(pk=meeting.pk).exists()


def _sheet_pages(w: dict) -> list[Cell]:
    return [
        Cell(reverse("attendance:sheet", args=[w[key].pk]), key, _keeps(w[key]), frozenset(readers))
        for key, readers in (
            ("frozen", {"secretary_a", "superuser"}),
            ("draft", {"secretary_a", "superuser"}),
            ("summoned_b", {"secretary_b", "superuser"}),
        )
    ]


def _decision_pages(w: dict) -> list[Cell]:
    url = reverse("attendance:paragraph", args=[w["frozen"].pk, w["secret_paragraph"].pk])
    return [Cell(url, "secret_paragraph", _keeps(w["frozen"]), frozenset({"secretary_a", "superuser"}))]


def _report_pages(w: dict) -> list[Cell]:
    # The report's rows are visibility.secretary_meetings(user); the page is for staff.
    return [Cell(reverse("attendance:report"), "-", lambda user: user.is_staff, STAFF)]


def _own_pages(w: dict, name: str) -> list[Cell]:
    return [Cell(reverse(name), "-", lambda user: user.is_authenticated, SIGNED_IN)]


def _case_pages(w: dict) -> list[Cell]:
    def opens(case):
        return lambda user: visibility.cases_visible_to(user).filter(pk=case.pk).exists()

    return [
        Cell(
            reverse("cases:case_detail", args=[w[key].pk]),
            key,
            opens(w[key]),
            readers,
            refused=_registers_refusal,
        )
        for key, readers in (
            ("open_case", OFFICIALS),
            ("secret_case_a", {"official_a", "secretary_a", "superuser"}),
            ("secret_case_b", {"secretary_b", "superuser"}),
        )
    ]


def _register_pages(w: dict, view: str, **kwargs) -> list[Cell]:
    return [
        Cell(
            reverse(view, kwargs=kwargs),
            "-",
            visibility.user_is_official,
            OFFICIALS,
            refused=_registers_refusal,
        )
    ]


def _public_pages(w: dict, name: str) -> list[Cell]:
    return [Cell(reverse(name), "-", lambda user: True, frozenset(ROLES), public=True)]


def _login_page(w: dict) -> list[Cell]:
    # The login: a signed-in user is sent on to their start page.
    return [
        Cell(
            reverse("meetings:login"),
            "-",
            lambda user: not user.is_authenticated,
            frozenset({"anonymous"}),
            refused=lambda user: REDIRECT,
            public=True,
        )
    ]


# Every members' and officials' URL pattern: the cells that open it, or why this test does not.
PAGES: dict[str, Callable[[dict], list[Cell]] | str] = {
    "meetings:home": lambda w: _own_pages(w, "meetings:home"),
    "meetings:meeting": _meeting_pages,
    "meetings:kallelse": _kallelse_pages,
    "meetings:offline_manifest": _offline_manifest_pages,
    "meetings:offline_page": lambda w: _own_pages(w, "meetings:offline_page"),
    "meetings:webmanifest": lambda w: _public_pages(w, "meetings:webmanifest"),
    "meetings:service_worker": lambda w: _public_pages(w, "meetings:service_worker"),
    "meetings:document": _document_pages,
    # The reading view and the member's own annotations: the handling's own question
    # (documents_visible_to); the annotations themselves are only the owner's
    # (tests/test_reading_annotations.py).
    "reading:annotations": lambda w: _document_pages(w, "reading:annotations"),
    "reading:read": "the reading view of a handling: documents_visible_to as meetings:document (404 "
    "also without a PDF file); tests/test_reading_annotations.py",
    "reading:annotation_delete": "DELETE of the member's own annotation behind documents_visible_to; "
    "tests/test_reading_annotations.py and tests/test_permission_matrix.py",
    "reading:export": "the member's own annotations only (Annotation.objects.of); "
    "tests/test_reading_annotations.py",
    "meetings:absence": _absence_pages,
    "meetings:protokoll": _protokoll_pages,
    "meetings:protokollsutdrag": _utdrag_pages,
    "meetings:immediate_justering": _immediate_pages,
    "meetings:justering": _signing_pages,
    "meetings:justering_oidc_*": "justering through the identity provider: the signing page's own "
    "guard (signatures_of); tests/test_permission_matrix.py and tests/test_oidc_signing.py",
    "meetings:external_justering*": "an external justerare's one-time invitation link: the token is "
    "the access, refused alike for everyone when it is not one; tests/test_oidc_signing.py",
    "meetings:verify": lambda w: _public_pages(w, "meetings:verify"),
    "meetings:signing_ocsp": lambda w: _public_pages(w, "meetings:signing_ocsp"),
    "meetings:signing_crl": lambda w: _public_pages(w, "meetings:signing_crl"),
    "meetings:login": _login_page,
    "meetings:logout": "POST only; it signs out whoever posts it",
    "attendance:sheet": _sheet_pages,
    "attendance:paragraph": _decision_pages,
    "attendance:mine": lambda w: _own_pages(w, "attendance:mine"),
    "attendance:report": _report_pages,
    "cases:case_detail": _case_pages,
    "cases:remisser": lambda w: _register_pages(w, "cases:remisser"),
    "cases:motioner": lambda w: _register_pages(w, "cases:motioner"),
    "cases:export": lambda w: _register_pages(w, "cases:export", name="remisser", fmt="csv"),
    "workspace:*": "the secretary's workspace: one guard (workspace/access.py) over "
    "committees.visibility; tests/test_workspace_access.py and tests/test_permission_matrix.py",
    "account:*": "the user's own login (two-step verification, password reset): "
    "tests/test_permission_matrix.py and tests/test_security_access.py",
}


def _in_scope(key: str) -> bool:
    return not any(fnmatch.fnmatchcase(key, glob) for glob in OUT_OF_SCOPE)


def _classification(key: str):
    return next((value for glob, value in PAGES.items() if fnmatch.fnmatchcase(key, glob)), None)


def all_cells(world: World) -> list[Cell]:
    """The cells of every classified pattern; each builder opens its own pattern, with objects."""
    cells = []
    for key, build in PAGES.items():
        if not callable(build):
            continue
        built = build(world.objects)
        assert built, f"{key}: its builder opens no URL"
        for cell in built:
            match = resolve(urlsplit(cell.url).path)
            assert match.view_name == key, f"{key}'s builder opens {cell.url} ({match.view_name})"
        cells += built
    return cells


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _matches(got: Expect, want: Expect) -> bool:
    return got == want if want.to else got.status == want.status


# --- The tests ------------------------------------------------------------------------------------


def test_every_members_and_officials_url_is_classified():
    keys = [p.key for p in url_patterns() if _in_scope(p.key)]
    missing = [
        f"{key}: not in PAGES: say which visibility question it answers"
        for key in keys
        if not _classification(key)
    ]
    assert not missing, "\n".join(missing)
    stale = [glob for glob in PAGES if not any(fnmatch.fnmatchcase(key, glob) for key in keys)]
    assert not stale, f"PAGES names patterns that no longer exist: {stale}"
    assert len(keys) >= 20


def test_visibility_agrees_with_the_meetings_status_groups():
    assert set(visibility.agenda_visible_statuses()) == set(Meeting.Status.SUMMONED_OR_LATER)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_visibility_matrix(world, role):
    """Every cell, for this role: visibility answers as the table says, the page as visibility."""
    user = AnonymousUser() if role == "anonymous" else world.users[role]
    client = Client()
    if role != "anonymous":
        client.force_login(user)
    cells = all_cells(world)
    wrong = []
    for cell in cells:
        allowed = cell.allowed(user)
        if allowed != (role in cell.readers):
            wrong.append(
                f"{cell.url} [{cell.label}]: visibility says {allowed}, the table {role in cell.readers}"
            )
        if role == "anonymous" and not cell.public:
            want = TO_LOGIN
        elif allowed:
            want = cell.ok
        else:
            want = cell.refused(user)
        response = client.post(cell.url, cell.post) if cell.post is not None else client.get(cell.url)
        got = answer(response)
        if not _matches(got, want):
            wrong.append(f"{cell.url} [{cell.label}]: expected {want}, got {got}")
        if not allowed and CANARY.encode() in _body(response):
            wrong.append(f"{cell.url} [{cell.label}]: the confidential text is in a refused answer")
    assert not wrong, f"{len(wrong)} answers to {role} differ:\n" + "\n".join(wrong)
