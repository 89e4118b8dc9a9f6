"""The permission matrix (issue 8, "Access"): every URL pattern of the project, for every role,
answers as the access rules below say.

The patterns are enumerated from the URL resolver (the admin's included), so a new view is in
the matrix the moment it is wired: a pattern that no rule in `RULES` matches fails
`test_every_url_pattern_has_an_access_rule`, and the developer decides who may open it.

Each pattern is filled with objects of committee A (a published meeting of A with an open and
a confidential §, A's confidential handling, …) and opened with GET by eight roles: anonymous,
a member (ledamot) of A, a member of B, an official (tjänsteperson) of B, the secretary of A,
the secretary of B, an identity administrator (no committee) and a superuser. Every answer
is compared with the rule; all mismatches are listed in one failure.

The admin's model pages are not listed one by one: their expected answer follows from the
permission groups (committees/roles.py: what a Sekreterare or a Tjänsteperson may do with a
kind of row), the committee scoping of the admin (a row of A is outside the admin of B's
secretary and of an official of B: change and delete pages redirect to the admin index, the
audit history answers 404) and what the ModelAdmin allows anyone at all (a superuser cannot
add a justering either). See docs/security.md, "Access: the permission matrix".
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from attendance.models import AbsenceNotice, Attendance, Disqualification, Reservation, Vote
from audit.admin import HistoryAdmin
from cases.models import Motion
from committees.models import Assignment
from committees.roles import IDENTITY_ADMIN_GROUP, OFFICIAL_GROUP, SECRETARY_GROUP, ensure_groups
from meetings.anslag.rules import anslag_post
from meetings.justering.services import protokoll_freeze, protokoll_set_signers, protokoll_sign
from meetings.justering.utdrag import protokollsutdrag_get_or_create
from meetings.lagakraft.rules import appeal_register
from meetings.models import (
    AgendaItemDocument,
    AgendaTemplateItem,
    KallelseDispatch,
    Meeting,
    RenderedDocument,
)
from meetings.services.paragraphs import protokoll_create_draft
from portal import published
from portal.services import protokoll_public_file
from tests.factories import (
    AgendaItemFactory,
    AssignmentFactory,
    CaseFactory,
    CommitteeFactory,
    DelegatedDecisionFactory,
    DelegationPointFactory,
    MeetingFactory,
    OrganisationFactory,
    PartyFactory,
    PdfDocumentFactory,
    PersonFactory,
    RemissFactory,
    UserFactory,
    local,
    member_of,
    pdf_bytes,
    secretary_of,
)

PASSWORD = "pw-for-tests-1"  # UserFactory's
CANARY = "KANARIE-MATRIS-6120"  # only in A's confidential § and handling
OSL = "26 kap. 1 §"

ROLES = (
    "anonymous",
    "member_a",
    "member_b",
    "official",
    "secretary_a",
    "secretary_b",
    "identity_admin",
    "superuser",
)
STAFF_ROLES = {"official", "secretary_a", "secretary_b", "identity_admin", "superuser"}


# --- The expected answers -----------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """A status code and, for a redirect, where it must go ("login": the members' login,
    "admin_login", "admin_index"; None: anywhere)."""

    status: int
    to: str | None = None

    def __str__(self):
        return f"{self.status} to {self.to}" if self.to else str(self.status)


OK = Expect(200)
FORBIDDEN = Expect(403)
NOT_FOUND = Expect(404)
NOT_ALLOWED = Expect(405)
REDIRECT = Expect(302)
TO_LOGIN = Expect(302, "login")
TO_ADMIN_LOGIN = Expect(302, "admin_login")
TO_ADMIN_INDEX = Expect(302, "admin_index")


def access(*, others: Expect, **by_role: Expect) -> dict[str, Expect]:
    """An access class: the answer for each role named, `others` for the rest."""
    unknown = set(by_role) - set(ROLES)
    assert not unknown, unknown
    return {role: by_role.get(role, others) for role in ROLES}


# Anyone, for published objects of A (the portal reads through portal/published.py).
PUBLIC = access(others=OK)
NOT_FOUND_FOR_ALL = access(others=NOT_FOUND)
# The members' login: a signed-in user is sent on to their start page.
LOGIN_PAGE = access(anonymous=OK, others=REDIRECT)
# Any signed-in user, about themselves (their start page, their attendance, their two-step setup).
SIGNED_IN = access(anonymous=TO_LOGIN, others=OK)
# The code step of the login: without a confirmed device there is nothing to enter, so it redirects.
OTP_STEP = access(anonymous=TO_LOGIN, others=REDIRECT)
# The members' pages of a meeting: anyone with a current assignment in A (for_member).
MEMBER = access(anonymous=TO_LOGIN, member_a=OK, secretary_a=OK, others=NOT_FOUND)
# A POST-only members' action (förhinder): login first, then 405 to a GET.
MEMBER_POST = access(anonymous=TO_LOGIN, others=NOT_ALLOWED)
# The protokoll of record and its extracts: A's members, A's secretaries (superusers: all) and signers.
PROTOKOLL_READER = access(anonymous=TO_LOGIN, member_a=OK, secretary_a=OK, superuser=OK, others=NOT_FOUND)
# A signing page: only the signer (member_a is justerare of A's protokoll and of its omedelbar §).
SIGNER = access(anonymous=TO_LOGIN, member_a=OK, others=NOT_FOUND)
# The secretary's närvaro pages: staff and secretary of the meeting's committee.
SECRETARY_PAGE = access(anonymous=TO_LOGIN, secretary_a=OK, superuser=OK, others=NOT_FOUND)
# A POST-only step of the workspace (a button): the guard first (404 to others), then 405 to a GET.
SECRETARY_POST = access(anonymous=TO_LOGIN, secretary_a=NOT_ALLOWED, superuser=NOT_ALLOWED, others=NOT_FOUND)
# The attendance report (arvode): staff only, each for their own committees.
STAFF_REPORT = access(anonymous=TO_LOGIN, member_a=NOT_FOUND, member_b=NOT_FOUND, others=OK)
# The registers: officials and secretaries of any committee, and staff; members get 403.
OFFICIAL = access(anonymous=TO_LOGIN, member_a=FORBIDDEN, member_b=FORBIDDEN, others=OK)
# A confidential case of A in the registers: only officials/secretaries of A (and superusers).
OFFICIAL_OF_A = access(
    anonymous=TO_LOGIN,
    member_a=FORBIDDEN,
    member_b=FORBIDDEN,
    secretary_a=OK,
    superuser=OK,
    others=NOT_FOUND,
)
# Admin pages for every staff user (index, password change, the admin's JavaScript catalogue).
ADMIN_STAFF = access(anonymous=TO_ADMIN_LOGIN, member_a=TO_ADMIN_LOGIN, member_b=TO_ADMIN_LOGIN, others=OK)
# The admin's login: shown to anyone not yet staff; staff go on to the index.
ADMIN_LOGIN = access(anonymous=OK, member_a=OK, member_b=OK, others=Expect(302, "admin_index"))
# The admin's own pages for a meeting or justering of A (protokoll preview, kallelse, signers,
# frozen and signed PDFs): A's secretary and superusers; other staff 404, as if it did not exist.
SECRETARY_ADMIN = access(
    anonymous=TO_ADMIN_LOGIN,
    member_a=TO_ADMIN_LOGIN,
    member_b=TO_ADMIN_LOGIN,
    secretary_a=OK,
    superuser=OK,
    others=NOT_FOUND,
)
# Pages only a superuser may use (TOTP devices of others).
SUPERUSER_ADMIN = access(
    anonymous=TO_ADMIN_LOGIN,
    member_a=TO_ADMIN_LOGIN,
    member_b=TO_ADMIN_LOGIN,
    superuser=OK,
    others=FORBIDDEN,
)
# Another user's password: superusers and identity administrators (who manage logins).
LOGIN_ADMIN = {**SUPERUSER_ADMIN, "identity_admin": OK}
# /admin/r/<content type>/<id>/ ("view on site"): no model of ours has a public URL of its own.
ADMIN_VIEW_ON_SITE = access(
    anonymous=TO_ADMIN_LOGIN, member_a=TO_ADMIN_LOGIN, member_b=TO_ADMIN_LOGIN, others=NOT_FOUND
)
# /admin/<app>/<model>/<id>/ redirects staff to the change page; anything else under /admin/ is 404.
ADMIN_OBJECT_REDIRECT = access(
    anonymous=TO_ADMIN_LOGIN, member_a=TO_ADMIN_LOGIN, member_b=TO_ADMIN_LOGIN, others=REDIRECT
)
ADMIN_CATCH_ALL = access(
    anonymous=TO_ADMIN_LOGIN, member_a=TO_ADMIN_LOGIN, member_b=TO_ADMIN_LOGIN, others=NOT_FOUND
)
# Markers for the admin's generated pages, whose answer is computed (`admin_model_expected`).
ADMIN_MODEL = "admin model page"
ADMIN_APP_INDEX = "admin app index"


# Every URL pattern, by view name (or, for the admin's unnamed patterns, by route), first match
# wins. A pattern no rule matches fails the test: add a rule here.
RULES: list[tuple[str, object]] = [
    # The public portal, the open-data API and the verification of a signed PDF.
    ("oparl:not_found", NOT_FOUND_FOR_ALL),
    ("oparl:*", PUBLIC),
    # The world's protokoll was posted today: its appeal time runs, so no § has a laga kraft-bevis
    # yet (tests/test_laga_kraft.py opens one that has).
    ("portal:laga_kraft_bevis", NOT_FOUND_FOR_ALL),
    ("portal:*", PUBLIC),
    ("meetings:verify", PUBLIC),
    # Bevakning (alerts/): anyone may subscribe; a confirmation or unsubscribe link that is not
    # one is refused (400) for everyone, signed in or not.
    ("alerts:confirm", access(others=Expect(400))),
    ("alerts:unsubscribe", access(others=Expect(400))),
    ("alerts:*", PUBLIC),
    # The signing CA's OCSP responder (a GET says what it is; POST answers) and its CRL.
    ("meetings:signing_ocsp", PUBLIC),
    ("meetings:signing_crl", PUBLIC),
    # The language link sets its cookie and sends everyone back (to / without a `next`).
    ("language", access(others=REDIRECT)),
    # Logging in and two-step verification.
    ("meetings:login", LOGIN_PAGE),
    ("account:otp_verify", OTP_STEP),
    ("account:two_factor", SIGNED_IN),
    ("account:two_factor_qr", SIGNED_IN),
    # The password reset by e-mail: for anyone (a link with a wrong token says it cannot be used).
    ("account:password_reset*", access(others=OK)),
    # A login invitation (committees/invitation_views.py): with a token that is not one, the same
    # refusal (404) for everyone, signed in or not.
    ("account:invitation", NOT_FOUND_FOR_ALL),
    # Sign-in through an identity provider (committees/oidc_views.py): off here (no provider
    # configured), so not found for everyone; tests/test_oidc_signing.py runs them against one.
    ("account:oidc_*", NOT_FOUND_FOR_ALL),
    # An external justerare's signing invitation (meetings/views/identity.py): a token that is
    # not one is refused (404) for everyone, signed in or not.
    ("meetings:external_justering*", NOT_FOUND_FOR_ALL),
    # The members' pages.
    ("meetings:home", SIGNED_IN),
    ("attendance:mine", SIGNED_IN),
    ("meetings:meeting", MEMBER),
    # Offline reading (meetings/views/offline.py): what to store of a meeting is the meeting
    # page's answer; the fallback page for any signed-in user; the web app manifest and the
    # service worker name no one.
    ("meetings:offline_manifest", MEMBER),
    ("meetings:offline_page", SIGNED_IN),
    ("meetings:webmanifest", PUBLIC),
    ("meetings:service_worker", PUBLIC),
    ("meetings:kallelse", MEMBER),
    ("meetings:document", MEMBER),
    # The reading view and the member's own private annotations (reading/).
    ("reading:read", MEMBER),
    ("reading:annotations", MEMBER),
    ("reading:annotation_delete", MEMBER_POST),
    ("reading:export", SIGNED_IN),
    ("meetings:absence", MEMBER_POST),
    ("meetings:protokoll", PROTOKOLL_READER),
    ("meetings:protokollsutdrag", PROTOKOLL_READER),
    ("meetings:justering", SIGNER),
    # Justering through the identity provider: started by a POST from the signer's own page;
    # back from the provider, only the signer reaches it (and with no identification of this
    # browser to sign with, is sent back to the signing page).
    ("meetings:justering_oidc_start", MEMBER_POST),
    ("meetings:justering_oidc_finish", access(anonymous=TO_LOGIN, member_a=REDIRECT, others=NOT_FOUND)),
    ("meetings:immediate_justering", SIGNER),
    # The secretary's and the officials' pages outside the admin.
    ("attendance:sheet", SECRETARY_PAGE),
    ("attendance:paragraph", SECRETARY_PAGE),
    ("attendance:report", STAFF_REPORT),
    ("cases:case_detail", OFFICIAL_OF_A),
    # The secretary's workspace (issue 14): its start page for every secretary, a meeting's or a
    # committee's pages for the secretaries of that committee (workspace/access.py).
    (
        "workspace:home",
        access(anonymous=TO_LOGIN, secretary_a=OK, secretary_b=OK, superuser=OK, others=NOT_FOUND),
    ),
    ("workspace:meeting_step", SECRETARY_POST),
    ("workspace:kallelse_send", SECRETARY_POST),
    ("workspace:*", SECRETARY_PAGE),
    ("cases:remisser", OFFICIAL),
    ("cases:motioner", OFFICIAL),
    ("cases:export", OFFICIAL),
    # The admin site's own pages.
    ("admin:index", ADMIN_STAFF),
    ("admin:login", ADMIN_LOGIN),
    ("admin:password_change", ADMIN_STAFF),
    ("admin:password_change_done", ADMIN_STAFF),
    ("admin:jsi18n", ADMIN_STAFF),
    ("admin:view_on_site", ADMIN_VIEW_ON_SITE),
    ("admin:app_list", ADMIN_APP_INDEX),
    # Views added to a ModelAdmin: each needs its own rule.
    ("admin:meetings_meeting_protokoll_preview", SECRETARY_ADMIN),
    ("admin:meetings_meeting_protokoll_pdf", SECRETARY_ADMIN),
    ("admin:meetings_meeting_kallelse_pdf", SECRETARY_ADMIN),
    ("admin:meetings_meeting_signers", SECRETARY_ADMIN),
    ("admin:meetings_justering_frozen_pdf", SECRETARY_ADMIN),
    ("admin:meetings_justering_signed_pdf", SECRETARY_ADMIN),
    ("admin:auth_user_password_change", LOGIN_ADMIN),
    ("admin:otp_totp_totpdevice_config", SUPERUSER_ADMIN),
    ("admin:otp_totp_totpdevice_qrcode", SUPERUSER_ADMIN),
    # Every ModelAdmin's changelist, add, change, delete and history pages.
    ("admin:*_changelist", ADMIN_MODEL),
    ("admin:*_add", ADMIN_MODEL),
    ("admin:*_change", ADMIN_MODEL),
    ("admin:*_delete", ADMIN_MODEL),
    ("admin:*_history", ADMIN_MODEL),
    # The admin's unnamed patterns, by route.
    ("admin/*/<path:object_id>/", ADMIN_OBJECT_REDIRECT),
    ("admin/(?P<url>.*)$", ADMIN_CATCH_ALL),
]

# Patterns not opened with GET, and why.
SKIPPED = {
    "admin:logout": "POST only since Django 5: a GET answers 405 to everyone",
    "meetings:logout": "POST only since Django 5: a GET answers 405 to everyone",
    "set_language": "POST only (the language form); a GET just redirects",
    "admin:autocomplete": "needs app_label, model_name and field_name parameters; "
    "it answers from the scoped ModelAdmin.get_queryset",
}

# Admin rows every secretary and official may open whatever committee they work for: shared
# registers without a committee of their own. Any other model's row of A is out of their scope
# (a person of A too: the Person admin lists the people of one's own committees, issue 12).
UNSCOPED_ADMIN_MODELS = {
    "committees.organisation",
    "committees.party",
    "cases.motion",  # motions are raised in fullmäktige and prepared by any committee
    "auth.group",
    "auth.user",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
    "otp_totp.totpdevice",
}
# ModelAdmin pages that depend on the role beyond the group's permissions.
SUPERUSER_ONLY_ADMIN_PAGES = {
    # New committees are decided by fullmäktige and set up by an administrator.
    ("committees.committee", "add"),
}


# --- The world: committees A and B ------------------------------------------------------------


@dataclass
class World:
    users: dict  # role → user (no entry for anonymous)
    values: dict  # the objects' keys and names the URL kwargs are filled with
    admin_objects: dict  # "app_label.model_name" → the row of A opened in the admin
    published: Meeting
    secret_paragraph: object
    secret_document: object


def official_of(*committees, username: str):
    """A staff login in the Tjänsteperson group, assigned as tjänsteperson of the committees."""
    groups = ensure_groups()
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(groups[OFFICIAL_GROUP])
    person = PersonFactory(user=user)
    for committee in committees:
        AssignmentFactory(person=person, committee=committee, role=Assignment.Role.OFFICIAL)
    return user


def identity_admin(*, username: str):
    """A staff login in the Identitetsadministratör group, with no committee of its own."""
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(ensure_groups()[IDENTITY_ADMIN_GROUP])
    return user


def build_world() -> World:
    """Two committees of one organisation. A has a published (justerat, posted) meeting with an
    open § and a confidential § (omedelbar justering), each with a handling; a drafted protokoll
    with närvaro, jäv, a vote and a reservation; and an upcoming meeting with a published agenda,
    a förhinder and a kallelse sent. Every registered admin model has a row of A."""
    organisation = OrganisationFactory()
    a = CommitteeFactory(organisation=organisation, name="Nämnd A", short_name="NA", slug="namnd-a")
    b = CommitteeFactory(organisation=organisation, name="Nämnd B", short_name="NB", slug="namnd-b")
    users = {
        "member_a": member_of(a, username="matrix-member-a", first_name="Maja"),
        "member_b": member_of(b, username="matrix-member-b", first_name="Bo"),
        "official": official_of(b, username="matrix-official-b"),
        "secretary_a": secretary_of(a, username="matrix-secretary-a"),
        "secretary_b": secretary_of(b, username="matrix-secretary-b"),
        "identity_admin": identity_admin(username="matrix-identity-admin"),
        "superuser": UserFactory(username="matrix-superuser", is_staff=True, is_superuser=True),
    }
    chair = member_of(a, role=Assignment.Role.CHAIR, username="matrix-chair-a", first_name="Carl").person
    secretary = users["secretary_a"].person
    open_case = CaseFactory(organisation=organisation, committee=a, title="Cykelvägar i länet")
    secret_case = CaseFactory(
        organisation=organisation,
        committee=a,
        title=f"Personärende {CANARY}",
        confidential=True,
        osl_reference=OSL,
    )

    # The published meeting: justerat with real signatures, anslag posted.
    published_meeting = MeetingFactory(
        committee=a,
        start=local(2024, 10, 11, 9),
        status=Meeting.Status.HELD,
        secretary=secretary,
        chair=chair,
        agenda_published=True,
    )
    open_item = AgendaItemFactory(meeting=published_meeting, order=1, title="Cykelvägar", case=open_case)
    secret_item = AgendaItemFactory(
        meeting=published_meeting,
        order=2,
        title=f"Personärende {CANARY}",
        case=secret_case,
        confidential=True,
        osl_reference=OSL,
    )
    public_document = PdfDocumentFactory(title="Tjänsteskrivelse cykelvägar", case=open_case)
    secret_document = PdfDocumentFactory(
        title=f"Utredning {CANARY}",
        pages=(f"Utredning {CANARY}",),
        case=secret_case,
        confidential=True,
        osl_reference=OSL,
    )
    AgendaItemDocument.objects.create(agenda_item=open_item, document=public_document, order=1)
    AgendaItemDocument.objects.create(agenda_item=secret_item, document=secret_document, order=1)
    protokoll_create_draft(meeting=published_meeting)
    secret_paragraph = published_meeting.paragraphs.get(agenda_item=secret_item)
    secret_paragraph.decision = f"<p>Beslut {CANARY}</p>"
    secret_paragraph.immediate_justering = True
    secret_paragraph.save()
    protokoll_set_signers(
        meeting=published_meeting, chair=chair, adjusters=[users["member_a"].person], secretary=secretary
    )
    protokoll_freeze(meeting=published_meeting, by=users["secretary_a"])
    for signature in published_meeting.justering.signatures.select_related("person__user"):
        protokoll_sign(signature=signature, user=signature.person.user, password=PASSWORD)
    published_meeting.refresh_from_db()
    if published_meeting.status == Meeting.Status.JUSTERAT:  # tasks may have posted it already
        anslag_post(meeting=published_meeting)
        published_meeting.refresh_from_db()
    assert published.published_meetings().filter(pk=published_meeting.pk).exists()
    open_paragraph = published_meeting.paragraphs.get(agenda_item=open_item)
    secret_paragraph.refresh_from_db()

    # A drafted protokoll (not locked): the admin rows of the meeting, its § and its närvaro.
    draft = MeetingFactory(
        committee=a,
        start=local(2024, 12, 13, 9),
        status=Meeting.Status.HELD,
        secretary=secretary,
        chair=chair,
    )
    draft_item = AgendaItemFactory(
        meeting=draft, order=1, title="Utkast", case=secret_case, confidential=True, osl_reference=OSL
    )
    protokoll_create_draft(meeting=draft)
    draft_paragraph = draft.paragraphs.get()
    member_a = users["member_a"].person
    attendance = Attendance.objects.create(meeting=draft, person=member_a, serving=True)
    disqualification = Disqualification.objects.create(paragraph=draft_paragraph, person=chair, reason="Jäv")
    vote = Vote.objects.create(paragraph=draft_paragraph, proposition_yes="Bifall", proposition_no="Avslag")
    reservation = Reservation.objects.create(paragraph=draft_paragraph, person=member_a)

    # A meeting to come, on the public calendar with its agenda.
    upcoming = MeetingFactory(
        committee=a,
        start=timezone.now() + timedelta(days=10),
        status=Meeting.Status.SUMMONED,
        agenda_published=True,
        secretary=secretary,
    )
    upcoming_item = AgendaItemFactory(meeting=upcoming, order=1, title="Budget", case=open_case)
    absence = AbsenceNotice.objects.create(meeting=upcoming, person=member_a, reason="Sjuk")
    dispatch = KallelseDispatch.objects.create(meeting=upcoming, created_by=users["secretary_a"])

    point = DelegationPointFactory(committee=a)
    rendered = RenderedDocument.objects.create(
        meeting=draft,
        kind=RenderedDocument.Kind.KALLELSE,
        file=ContentFile(pdf_bytes("Kallelse"), name="kallelse.pdf"),
        content_hash="matrix",
    )
    # Each signed-in user has a device being set up (the QR code page shows it).
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_otp.plugins.otp_totp.models import TOTPDevice

    devices = {
        role: TOTPDevice.objects.create(user=u, name="Paragraf", confirmed=False) for role, u in users.items()
    }
    attempt = {
        "user_agent": "test",
        "ip_address": "127.0.0.1",
        "username": "matrix-member-a",
        "http_accept": "*/*",
    }
    admin_objects = {
        "auth.group": Group.objects.get(name=SECRETARY_GROUP),
        "auth.user": users["member_a"],
        "axes.accessattempt": AccessAttempt.objects.create(
            **attempt, path_info="/", get_data="", post_data="", failures_since_start=1
        ),
        "axes.accesslog": AccessLog.objects.create(**attempt, path_info="/"),
        "axes.accessfailurelog": AccessFailureLog.objects.create(**attempt, path_info="/"),
        "otp_totp.totpdevice": devices["member_a"],
        "committees.organisation": organisation,
        "committees.committee": a,
        "committees.party": PartyFactory(),
        "committees.person": member_a,
        "committees.assignment": member_a.assignments.get(committee=a),
        "cases.case": secret_case,
        "cases.document": secret_document,
        "cases.remiss": RemissFactory(committee=a),
        "cases.motion": Motion.objects.create(
            title="Motion om cykelvägar", submitted_on=local(2024, 3, 1).date(), preparing_committee=a
        ),
        "cases.delegationpoint": point,
        "cases.delegateddecision": DelegatedDecisionFactory(point=point, decision_maker=chair),
        "meetings.meeting": draft,
        "meetings.agendaitem": draft_item,
        "meetings.agendatemplateitem": AgendaTemplateItem.objects.create(committee=a, title="Upprop"),
        "meetings.paragraph": draft_paragraph,
        "meetings.justering": published_meeting.justering,
        "meetings.anslag": published_meeting.anslag.get(),
        "meetings.appeal": appeal_register(
            paragraph=open_paragraph,
            appellant="Anna Andersson",
            received_on=published_meeting.anslag.get().posted_on,
            court="Förvaltningsrätten i Jönköping",
        ),
        "meetings.rendereddocument": rendered,
        "meetings.kallelsedispatch": dispatch,
        "attendance.attendance": attendance,
        "attendance.absencenotice": absence,
        "attendance.disqualification": disqualification,
        "attendance.vote": vote,
        "attendance.reservation": reservation,
    }
    for obj in admin_objects.values():  # rows made in bulk (the draft's §) get a first version
        if hasattr(type(obj), "history") and not obj.history.exists():
            type(obj).history.bulk_history_create([obj])
    signature = published_meeting.justering.signatures.get(person=member_a)
    member_a.party = member_a.party or PartyFactory(abbreviation="MX")  # OParl: a party with a member
    member_a.save()
    values = {
        "party": member_a.party_id,
        "meeting": published_meeting.pk,
        "upcoming_meeting": upcoming.pk,
        "upcoming_item": upcoming_item.pk,
        "open_paragraph": open_paragraph.pk,
        "open_number": open_paragraph.number,
        "secret_paragraph": secret_paragraph.pk,
        "secret_document": secret_document.pk,
        "public_document": public_document.pk,
        "open_case": open_case.pk,
        "secret_case": secret_case.pk,
        "anslag": published_meeting.anslag.get().pk,
        "signature": signature.pk,
        "slug": a.slug,
        "committee": a.pk,
        "organisation": organisation.pk,
        "person": member_a.pk,
        "assignment": member_a.assignments.get(committee=a).pk,
        "term": 2022,  # the mandatperiod 2022–2026 of the meetings of 2024
        "register": "remisser",
        "format": "csv",
        "no_such_path": "no-such-object/",
        "language": "en",
        "reset_uid": "MQ",
        "reset_token": "no-such-token",
        "client_id": "00000000-0000-4000-8000-000000000000",
    }
    return World(
        users=users,
        values=values,
        admin_objects=admin_objects,
        published=published_meeting,
        secret_paragraph=secret_paragraph,
        secret_document=secret_document,
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, signing_ca):
    """One world for the module, built once inside a transaction that is rolled back at the end;
    each test runs in its own savepoint within it."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        render_stored_files(built)
        yield built
        transaction.set_rollback(True)


def render_stored_files(world: World) -> None:
    """Render once, for the module, the PDFs that views render and store on their first request
    (the public protokoll, the protokollsutdrag of each §): each test runs in a savepoint that is
    rolled back, so otherwise every role's crawl rendered and sealed them again (some 25 s a
    role). The views still answer from them as in production after the first request."""
    protokoll_public_file(meeting=world.published)
    for paragraph in world.published.paragraphs.all():
        protokollsutdrag_get_or_create(paragraph=paragraph)


# --- Enumerating the URL patterns -------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    key: str  # the view name ("portal:protokoll"), or the route of an unnamed pattern
    route: str  # the whole route, e.g. "protokoll/<int:pk>/"
    pattern: URLPattern


def url_patterns(resolver=None, prefix: str = "", namespace: str = "") -> list[Pattern]:
    """Every URL pattern of the project, recursively through each include()."""
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            found += url_patterns(entry, prefix + str(entry.pattern), inner)
        else:
            route = prefix + str(entry.pattern)
            key = ":".join(filter(None, [namespace, entry.name])) if entry.name else route
            found.append(Pattern(key, route, entry))
    return found


def rule_for(pattern: Pattern):
    return next((rule for glob, rule in RULES if fnmatch.fnmatchcase(pattern.key, glob)), None)


# --- Concrete URLs filled with objects of A --------------------------------------------------------

# The value of each URL kwarg, by kwarg name: a key of `World.values`.
KWARGS = {
    "pk": "meeting",
    "committee_pk": "committee",
    "paragraph_pk": "secret_paragraph",
    "document_pk": "secret_document",
    "signature_pk": "signature",
    "number": "open_number",
    "slug": "slug",
    "name": "register",
    "fmt": "format",
    "year": "term",
    "path": "no_such_path",
    "code": "language",
    "uidb64": "reset_uid",
    "client_id": "client_id",
    "token": "reset_token",
}
# Where a pk is not a meeting: view name (glob) → kwarg → key of `World.values`.
KWARG_OVERRIDES = {
    "portal:anslag": {"pk": "anslag"},
    "portal:case": {"pk": "open_case"},
    "portal:document": {"pk": "public_document"},
    "portal:meeting": {"pk": "upcoming_meeting"},  # a published meeting redirects to its protokoll
    "cases:case_detail": {"pk": "secret_case"},
    "oparl:body*": {"pk": "organisation"},
    "oparl:organization*": {"pk": "committee"},
    "oparl:person": {"pk": "person"},
    "oparl:membership": {"pk": "assignment"},
    "oparl:agendaitem": {"pk": "upcoming_item"},
    "oparl:paragraph": {"pk": "open_paragraph"},
    "oparl:paper": {"pk": "open_case"},
    "oparl:file": {"pk": "public_document"},
    "oparl:consultation": {"pk": "open_paragraph"},
    "oparl:agenda_consultation": {"pk": "upcoming_item"},
    "oparl:party": {"pk": "party"},
    "oparl:party_membership": {"pk": "person"},
}


@dataclass
class Visit:
    """One concrete URL to open: its pattern, its rule, and for the admin the ModelAdmin and row."""

    pattern: Pattern
    url: str
    rule: object
    model_admin: admin.ModelAdmin | None = None
    action: str = ""
    obj: object = None

    @property
    def label(self) -> str:
        return f"{self.pattern.key} {self.url}"


def admin_for(pattern: Pattern):
    """The ModelAdmin whose URLs include this pattern, and the action ("change", …)."""
    name = pattern.key.removeprefix("admin:")
    for model, model_admin in admin.site._registry.items():
        stem = f"{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(stem):
            return model_admin, name.removeprefix(stem)
        if pattern.route.startswith(f"admin/{model._meta.app_label}/{model._meta.model_name}/"):
            return model_admin, ""
    return None, ""


def label_of(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def fill_route(route: str, values: dict[str, object]) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)


def visits_for(pattern: Pattern, world: World) -> list[Visit]:
    """The concrete URLs of one pattern (the admin's app index: one per app)."""
    rule = rule_for(pattern)
    if pattern.key == "admin:app_list":
        labels = sorted({model._meta.app_label for model in admin.site._registry})
        return [
            Visit(pattern, reverse("admin:app_list", kwargs={"app_label": label}), rule) for label in labels
        ]
    if pattern.key == "admin:view_on_site":
        meeting_type = ContentType.objects.get_for_model(Meeting)
        url = reverse("admin:view_on_site", args=[meeting_type.pk, world.values["meeting"]])
        return [Visit(pattern, url, rule)]
    if pattern.key == "admin/(?P<url>.*)$":
        return [Visit(pattern, "/admin/no-such-page/", rule)]

    model_admin, action = admin_for(pattern) if pattern.key.startswith("admin") else (None, "")
    obj = world.admin_objects.get(label_of(model_admin.model)) if model_admin else None
    assert model_admin is None or obj is not None, (
        f"The matrix's world has no row of committee A for {label_of(model_admin.model)}: "
        "add one to build_world()'s admin_objects"
    )
    converters = pattern.pattern.pattern.converters
    names = list(converters) or list(re.compile(str(pattern.pattern.pattern)).groupindex)
    overrides = next((o for glob, o in KWARG_OVERRIDES.items() if fnmatch.fnmatchcase(pattern.key, glob)), {})
    kwargs = {}
    for name in names:
        if model_admin is not None and name in ("pk", "object_id", "id"):
            kwargs[name] = obj.pk
        else:
            key = overrides.get(name) or KWARGS.get(name)
            assert key, f"{pattern.key}: no value for the URL kwarg {name!r}: add one to KWARGS"
            kwargs[name] = world.values[key]
    if action == "simple_history":  # ^([^/]+)/history/([^/]+)/$: the row and one of its versions
        version = obj.history.order_by("-history_id").first()
        url = reverse(pattern.key, args=[obj.pk, version.history_id])
    elif pattern.pattern.name:
        url = reverse(pattern.key, kwargs=kwargs)
    else:
        url = fill_route(pattern.route, {"object_id": obj.pk} if obj is not None else kwargs)
    return [Visit(pattern, url, rule, model_admin, action, obj)]


# --- The admin's generated pages ------------------------------------------------------------------


def admin_model_expected(role: str, visit: Visit, world: World) -> Expect:
    """What Django's admin answers on a ModelAdmin page, from the role's permissions (its group),
    the committee scoping, and what the ModelAdmin allows anyone (asked as a superuser).

    Django checks the permission before looking the row up on change and delete pages (403
    first), and the row first on the history page; the audit history (HistoryAdmin) answers 404
    for a row out of scope."""
    if role not in STAFF_ROLES:
        return TO_ADMIN_LOGIN
    user, model_admin, obj = world.users[role], visit.model_admin, visit.obj
    opts = model_admin.model._meta

    def has(action: str) -> bool:
        return user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")

    superuser = RequestFactory().get(visit.url)
    superuser.user = world.users["superuser"]
    may_view = has("view") or has("change")
    in_scope = (
        role in ("secretary_a", "superuser")
        or label_of(model_admin.model) in UNSCOPED_ADMIN_MODELS
        # Identity administrators keep every person (committees/visibility/admin.py).
        or (role == "identity_admin" and label_of(model_admin.model) == "committees.person")
    )
    action = visit.action
    if (label_of(model_admin.model), action) in SUPERUSER_ONLY_ADMIN_PAGES and role != "superuser":
        return FORBIDDEN
    if action == "changelist":
        allowed = may_view and model_admin.has_view_or_change_permission(superuser)
        return OK if allowed else FORBIDDEN
    if action == "add":
        return OK if has("add") and model_admin.has_add_permission(superuser) else FORBIDDEN
    if action == "change":
        if not (may_view and model_admin.has_view_or_change_permission(superuser, obj)):
            return FORBIDDEN
        return OK if in_scope else TO_ADMIN_INDEX
    if action == "delete":
        if not (has("delete") and model_admin.has_delete_permission(superuser, obj)):
            return FORBIDDEN
        return OK if in_scope else TO_ADMIN_INDEX
    if action in ("history", "simple_history"):
        audited = isinstance(model_admin, HistoryAdmin)
        if not in_scope:
            return NOT_FOUND if audited else TO_ADMIN_INDEX
        return OK if may_view else FORBIDDEN
    raise AssertionError(f"{visit.pattern.key}: an admin page with no access rule: add one to RULES")


def admin_app_index_expected(role: str, visit: Visit, world: World) -> Expect:
    """An app's index lists the models the user may see; with none it answers 404."""
    if role not in STAFF_ROLES:
        return TO_ADMIN_LOGIN
    app_label = visit.url.rstrip("/").rsplit("/", 1)[-1]
    return OK if world.users[role].has_module_perms(app_label) else NOT_FOUND


def expected(role: str, visit: Visit, world: World) -> Expect:
    if visit.rule == ADMIN_MODEL:
        return admin_model_expected(role, visit, world)
    if visit.rule == ADMIN_APP_INDEX:
        return admin_app_index_expected(role, visit, world)
    return visit.rule[role]


# --- Opening the URLs -----------------------------------------------------------------------------

REDIRECT_TARGETS = {"login": "meetings:login", "admin_login": "admin:login", "admin_index": "admin:index"}


def answer(response) -> Expect:
    """The response as an Expect: the status, and for a redirect where it goes."""
    if response.status_code not in (301, 302):
        return Expect(response.status_code)
    path = urlsplit(response["Location"]).path
    for to, name in REDIRECT_TARGETS.items():
        if path == reverse(name):
            return Expect(302, to)
    return Expect(302, path)


def matches(got: Expect, want: Expect) -> bool:
    if want.to is None:
        return got.status == want.status
    return got == want


def all_visits(world: World) -> list[Visit]:
    return [
        visit
        for pattern in url_patterns()
        if pattern.key not in SKIPPED and rule_for(pattern) is not None
        for visit in visits_for(pattern, world)
    ]


def open_as(client, role: str, world: World):
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


# --- The tests ------------------------------------------------------------------------------------


def test_every_url_pattern_has_an_access_rule():
    missing = [
        f"new URL pattern {p.key} ({p.route}) has no access rule: add one to the matrix (RULES)"
        for p in url_patterns()
        if p.key not in SKIPPED and rule_for(p) is None
    ]
    assert not missing, "\n".join(missing)
    keys = {p.key for p in url_patterns()}
    stale = sorted(set(SKIPPED) - keys)
    stale += [glob for glob, _rule in RULES if not any(fnmatch.fnmatchcase(key, glob) for key in keys)]
    assert not stale, f"SKIPPED or RULES name patterns that no longer exist: {stale}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, world, role):
    """Every URL pattern, filled with objects of A, answers this role as its rule says."""
    client = open_as(client, role, world)
    mismatches = []
    visits = all_visits(world)
    assert len(visits) > 200  # the admin's pages are in it
    for visit in visits:
        want = expected(role, visit, world)
        got = answer(client.get(visit.url))
        if not matches(got, want):
            mismatches.append(f"{visit.label}: expected {want}, got {got}")
    assert not mismatches, f"{len(mismatches)} answers to {role} differ from the matrix:\n" + "\n".join(
        mismatches
    )


# --- Confidential handlingar and paragraphs of A ----------------------------------------------------


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _check_all_roles(world: World, rules: dict[str, dict], *, shown: dict[str, set[str]]) -> list[str]:
    """Open every URL as every role and compare with its rule. The confidential text (the
    canary) must be in the answer exactly for the roles `shown` names for that URL."""
    from django.test import Client

    mismatches = []
    for role in ROLES:
        client = open_as(Client(), role, world)
        for url, rule in rules.items():
            response = client.get(url)
            got, want = answer(response), rule[role]
            if not matches(got, want):
                mismatches.append(f"{role} {url}: expected {want}, got {got}")
            has_canary = CANARY.encode() in _body(response)
            if has_canary and role not in shown.get(url, set()):
                mismatches.append(f"{role} {url}: the confidential text is in the answer")
            if not has_canary and role in shown.get(url, set()):
                mismatches.append(f"{role} {url}: the confidential text is missing for a reader of A")
    return mismatches


ADMIN_ROW_OF_A = access(
    anonymous=TO_ADMIN_LOGIN,
    member_a=TO_ADMIN_LOGIN,
    member_b=TO_ADMIN_LOGIN,
    secretary_a=OK,
    superuser=OK,
    others=TO_ADMIN_INDEX,
)


@pytest.mark.django_db
def test_confidential_handling_of_a_reaches_only_a_members_and_secretaries(world):
    """A's confidential handling: its members and secretaries download it (the superuser in the
    admin); B's members and secretaries, an official of B and anonymous visitors never get it,
    and the public portal and API do not know it."""
    from django.test import Client

    document = world.secret_document
    download = reverse("meetings:document", args=[world.published.pk, document.pk])
    admin_change = reverse("admin:cases_document_change", args=[document.pk])
    admin_list = reverse("admin:cases_document_changelist")
    secret_case = world.values["secret_case"]
    case_page = reverse("cases:case_detail", args=[secret_case])
    rules = {
        download: MEMBER,
        # Identity administrators have no rights on handlingar at all.
        admin_change: {**ADMIN_ROW_OF_A, "identity_admin": FORBIDDEN},
        admin_list: {**ADMIN_STAFF, "identity_admin": FORBIDDEN},
        reverse("portal:document", args=[document.pk]): NOT_FOUND_FOR_ALL,
        reverse("oparl:file", args=[document.pk]): NOT_FOUND_FOR_ALL,
        reverse("portal:case", args=[secret_case]): NOT_FOUND_FOR_ALL,
        reverse("oparl:paper", args=[secret_case]): NOT_FOUND_FOR_ALL,
        case_page: OFFICIAL_OF_A,
    }
    readers = {"secretary_a", "superuser"}
    shown = {admin_change: readers, admin_list: readers, case_page: readers}
    # The PDF's text is compressed: the download is compared byte for byte below.
    mismatches = _check_all_roles(world, rules, shown=shown)
    assert not mismatches, "\n".join(mismatches)

    with document.file.open("rb") as handle:
        stored = handle.read()
    for role in ("member_a", "secretary_a"):
        response = open_as(Client(), role, world).get(download)
        assert _body(response) == stored
    for role in ("secretary_b", "official"):  # not even listed in their admin
        response = open_as(Client(), role, world).get(admin_list)
        assert f"/{document.pk}/change/".encode() not in response.content


@pytest.mark.django_db
def test_confidential_paragraph_of_a_reaches_only_a_members_and_secretaries(world):
    """A's confidential §: the protokoll preview, the members' protokoll PDF and its
    protokollsutdrag are for A's members and secretaries (and the superuser); B's members and
    secretaries, an official of B and anonymous visitors get 404 or a login. The public
    protokoll shows the § only masked, and offers no protokollsutdrag of it."""
    meeting, paragraph = world.published, world.secret_paragraph
    preview = reverse("admin:meetings_meeting_protokoll_preview", args=[meeting.pk])
    admin_change = reverse("admin:meetings_paragraph_change", args=[paragraph.pk])
    attendance = reverse("attendance:paragraph", args=[meeting.pk, paragraph.pk])
    rules = {
        preview: SECRETARY_ADMIN,
        # Officials and identity administrators have no meetings rights.
        admin_change: {**ADMIN_ROW_OF_A, "official": FORBIDDEN, "identity_admin": FORBIDDEN},
        reverse("meetings:protokoll", args=[meeting.pk]): PROTOKOLL_READER,
        reverse("meetings:protokollsutdrag", args=[meeting.pk, paragraph.pk]): PROTOKOLL_READER,
        attendance: SECRETARY_PAGE,
        reverse("portal:protokoll", args=[meeting.pk]): PUBLIC,
        reverse("portal:paragraph", args=[meeting.pk, paragraph.number]): PUBLIC,
        reverse("portal:protokollsutdrag", args=[meeting.pk, paragraph.number]): NOT_FOUND_FOR_ALL,
        reverse("oparl:paragraph", args=[paragraph.pk]): PUBLIC,
        reverse("oparl:meeting", args=[meeting.pk]): PUBLIC,
        reverse("portal:search") + "?q=Personärende": PUBLIC,
    }
    readers = {"secretary_a", "superuser"}
    shown = {preview: readers, admin_change: readers, attendance: readers}
    mismatches = _check_all_roles(world, rules, shown=shown)
    assert not mismatches, "\n".join(mismatches)
