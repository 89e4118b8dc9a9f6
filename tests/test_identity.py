"""Identity is not a secretary's to edit (issue 12, item 2): the login linked to a person, and
the person's name and e-mail, are changed only by an identity administrator, through
committees/identity.py; every change is in the audit trail and revokes the person's signing
certificate. A secretary still adds people (without a login) and edits their other fields.

The attacks are the issue's: as `forum-sekreterare` she unlinks her own person and links ANA's
secretary's person to her login (then she would be ANA's secretary), or links the ordförande's
person to her login and signs his justering with her own password."""

import shutil

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from committees.admin import PersonAdmin
from committees.identity import person_set_identity, person_set_login
from committees.models import Committee, Person
from committees.roles import (
    IDENTITY_ADMIN_GROUP,
    MANAGE_IDENTITY_PERMISSION,
    SECRETARY_GROUP,
    ensure_groups,
    is_identity_admin,
)
from meetings import signing
from meetings.models import Signature
from tests.factories import (
    CommitteeFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
    admin_form_data,
    member_of,
    secretary_of,
)

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"  # UserFactory's


def sv(message: str) -> str:
    with translation.override("sv"):
        return gettext(message)


def identity_admin(username="identitet"):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(ensure_groups()[IDENTITY_ADMIN_GROUP])
    return user


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def change_url(person) -> str:
    return reverse("admin:committees_person_change", args=[person.pk])


def post_person(client, person, **changes):
    """Post the Person change form as the browser would, with `changes` added (also fields the
    form shows read-only: an attacker posts them anyway)."""
    url = change_url(person)
    return client.post(url, admin_form_data(client.get(url), **changes))


def refused_as_locked(response) -> bool:
    if response.status_code != 200:
        return False
    errors = response.context["adminform"].form.non_field_errors().as_data()
    return any(error.code == "identity_locked" for error in errors)


@pytest.fixture
def committees():
    """ANA and Kommunalt forum, each with its secretary; the forum has an ordförande."""
    ana = CommitteeFactory(name="Arbetsmarknadsnämnden", short_name="ANA", slug="ana")
    forum = CommitteeFactory(name="Kommunalt forum", short_name="KF", slug="kommunalt-forum")
    world = {
        "ana": ana,
        "forum": forum,
        "ana_secretary": secretary_of(ana, username="sekreterare"),
        "forum_secretary": secretary_of(forum, username="forum-sekreterare"),
        "chair": member_of(forum, role="ordforande", username="ordforande-forum", first_name="Rachel"),
    }
    for key in ("ana_secretary", "forum_secretary"):  # valid addresses, so only the rule refuses a post
        Person.objects.filter(user=world[key]).update(email=f"{world[key].username}@example.org")
        world[key].refresh_from_db()
    return world


# --- The attacks, as a secretary ---------------------------------------------------------------


def test_a_secretary_cannot_move_her_login_to_another_committees_secretary(committees):
    """She unlinks her own person and links ANA's secretary's person to her login: both posts
    are refused with a message, nothing is saved, and she is not ANA's secretary."""
    her = committees["forum_secretary"]
    client = logged_in(her)
    own, ana_secretary = her.person, committees["ana_secretary"].person

    response = post_person(client, own, user="", phone="036-10 10 10")
    assert refused_as_locked(response)
    assert b"identity administrator" in response.content or "identitetsadministratör" in response.text
    # ANA's secretary has no assignment in her committees: the admin does not even open her
    # person (committees/visibility/admin.py), so a post of the change form goes nowhere.
    response = client.post(change_url(ana_secretary), {"user": her.pk})
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")

    own.refresh_from_db()
    ana_secretary.refresh_from_db()
    assert own.user == her and own.phone == ""  # nothing of the refused post was saved
    assert ana_secretary.user == committees["ana_secretary"]
    assert list(Committee.objects.for_secretary(her)) == [committees["forum"]]
    ana_in_admin = client.get(reverse("admin:committees_committee_change", args=[committees["ana"].pk]))
    assert ana_in_admin.status_code == 302 and ana_in_admin["Location"] == reverse("admin:index")


def test_a_secretary_cannot_change_the_name_or_e_mail_of_a_person(committees):
    """E-mail receives password resets and justering links; the name is what the signing
    certificate and the protokoll name. Both are read-only for her, and a post is refused."""
    client = logged_in(committees["forum_secretary"])
    chair = committees["chair"].person
    page = client.get(change_url(chair))
    form = page.context["adminform"].form
    assert not {"user", "first_name", "last_name", "email"} & set(form.fields)
    assert chair.email in page.text  # shown, read-only

    for changes in (
        {"email": "forum-sekreterare@example.org"},
        {"first_name": "Josefine"},
        {"last_name": "X"},
    ):
        response = post_person(client, chair, title="Ordförande", **changes)
        assert refused_as_locked(response), changes
    stored = Person.objects.get(pk=chair.pk)
    assert (stored.first_name, stored.email, stored.title) == (chair.first_name, chair.email, chair.title)


def test_a_secretary_adds_people_without_a_login_and_edits_their_other_fields(committees):
    her = committees["forum_secretary"]
    client = logged_in(her)
    add_url = reverse("admin:committees_person_add")
    page = client.get(add_url)
    assert "user" not in page.context["adminform"].form.fields
    fields = {"first_name": "Nils", "last_name": "Nyman", "email": "nils@example.org"}

    response = client.post(add_url, {**fields, "user": her.pk})
    assert refused_as_locked(response)
    assert not Person.objects.filter(last_name="Nyman").exists()

    response = client.post(add_url, fields)
    assert response.status_code == 302
    added = Person.objects.get(last_name="Nyman")
    assert (added.first_name, added.email, added.user) == ("Nils", "nils@example.org", None)

    chair = committees["chair"].person
    response = post_person(client, chair, title="Kommunstyrelsens ordförande", phone="036-32 40 00")
    assert response.status_code == 302
    chair.refresh_from_db()
    assert (chair.title, chair.phone) == ("Kommunstyrelsens ordförande", "036-32 40 00")
    assert chair.user == committees["chair"]
    assert chair.history.latest("history_id").history_user == her  # recorded, with who


def test_the_person_list_and_its_actions_cannot_change_a_login(committees):
    """The changelist has no editable columns and a secretary has no action on people: a post
    of list-edit rows or of the delete action changes nothing."""
    her = committees["forum_secretary"]
    client = logged_in(her)
    target = committees["ana_secretary"].person
    assert not PersonAdmin.list_editable
    url = reverse("admin:committees_person_changelist")
    client.post(
        url,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": target.pk,
            "form-0-user": her.pk,
            "_save": "Spara",
        },
    )
    client.post(url, {"action": "delete_selected", "_selected_action": [target.pk], "post": "yes"})
    target.refresh_from_db()
    assert target.user == committees["ana_secretary"]
    assert her.person.user == her


def test_a_secretary_cannot_open_or_change_logins(committees):
    """The login admin of django.contrib.auth is not hers: no list, no change, no new login, no
    password, and the person form's login search answers 403."""
    her, other = committees["forum_secretary"], committees["ana_secretary"]
    client = logged_in(her)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_user_add")).status_code == 403
    change = reverse("admin:auth_user_change", args=[other.pk])
    assert client.get(change).status_code == 403
    response = client.post(change, {"username": other.username, "email": "forum@example.org"})
    assert response.status_code == 403
    password = reverse("admin:auth_user_password_change", args=[other.pk])
    assert (
        client.post(password, {"password1": "Nytt-lösen-123", "password2": "Nytt-lösen-123"}).status_code
        == 403
    )
    autocomplete = reverse("admin:autocomplete")
    query = {"app_label": "committees", "model_name": "person", "field_name": "user", "term": "sek"}
    assert client.get(autocomplete, query).status_code == 403
    other.refresh_from_db()
    assert other.email == "" and other.check_password(PASSWORD)

    secretaries = Group.objects.get(name=SECRETARY_GROUP)
    assert not secretaries.permissions.filter(content_type__app_label="auth").exists()
    assert not secretaries.permissions.filter(codename="manage_person_identity").exists()
    assert not is_identity_admin(her)


@pytest.fixture
def fresh_certificates():
    people = signing.signing_dir() / "people"
    shutil.rmtree(people, ignore_errors=True)
    yield
    shutil.rmtree(people, ignore_errors=True)


@pytest.mark.usefixtures("signing_ca", "fresh_certificates")
def test_a_secretary_cannot_sign_for_the_ordforande_or_a_justerare_by_relinking_them():
    """The protokoll is sent for justering; she tries to link the ordförande's and then a
    justerare's person to her login, to sign their justering pages with her own password."""
    from tests.test_justering_flow import Cast

    cast = Cast()
    justering = cast.freeze()
    her = cast.secretary
    client = logged_in(her)
    assert refused_as_locked(post_person(client, her.person, user=""))  # first free her login
    for signer in (cast.chair, cast.adjuster):
        signature = cast.signature_of(signer)
        assert refused_as_locked(post_person(client, signer.person, user=her.pk))
        page = reverse("meetings:justering", args=[signature.pk])
        assert client.post(page, {"password": PASSWORD}).status_code == 404
        signature.refresh_from_db()
        assert signature.signed_at is None and signature.person.user == signer
    assert (
        not Signature.objects.filter(justering=justering, signed_by=her).exclude(person=her.person).exists()
    )


# --- The identity administrator ----------------------------------------------------------------


def test_an_identity_administrator_relinks_a_login_and_the_history_shows_who(committees):
    admin_user = identity_admin()
    client = logged_in(admin_user)
    person = committees["chair"].person
    new_login = UserFactory(username="rachel-ny")
    response = post_person(client, person, user=new_login.pk, phone="036-10 20 30")
    assert response.status_code == 302, response.context["adminform"].form.errors
    person.refresh_from_db()
    assert (person.user, person.phone) == (new_login, "036-10 20 30")

    latest = person.history.latest("history_id")
    assert latest.history_user == admin_user and latest.user_id == new_login.pk
    reason = sv("Login changed: %(before)s → %(after)s") % {
        "before": "ordforande-forum",
        "after": "rachel-ny",
    }
    assert latest.history_change_reason == reason
    assert person.history.filter(history_user=admin_user, phone="036-10 20 30").exists()
    history = client.get(reverse("admin:committees_person_history", args=[person.pk]))
    assert history.status_code == 200 and "rachel-ny" in history.text and "identitet" in history.text

    # A secretary of the person's committee reads the history too, but changes nothing.
    secretary = logged_in(committees["forum_secretary"])
    assert secretary.get(reverse("admin:committees_person_history", args=[person.pk])).status_code == 200


def test_an_identity_administrator_changes_name_and_e_mail_through_the_service(committees):
    admin_user = identity_admin()
    client = logged_in(admin_user)
    person = committees["chair"].person
    response = post_person(client, person, first_name="Rakel", email="rakel@example.org")
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.first_name, person.email) == ("Rakel", "rakel@example.org")
    latest = person.history.latest("history_id")
    assert latest.history_user == admin_user and latest.history_change_reason.startswith(
        sv("Identity changed: %(fields)s")[:10]
    )


def test_a_login_already_linked_to_another_person_is_refused(committees):
    admin_user = identity_admin()
    client = logged_in(admin_user)
    person = committees["chair"].person
    taken = committees["ana_secretary"]
    response = post_person(client, person, user=taken.pk)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()
    assert "already linked" in str(errors) or "redan kopplat" in str(errors)
    person.refresh_from_db()
    assert person.user == committees["chair"]

    with pytest.raises(ValidationError) as refused:
        person_set_login(person=person, user=taken, by=admin_user)
    assert refused.value.error_dict["user"][0].code == "login_taken"
    assert Person.objects.get(pk=person.pk).user == committees["chair"]


def test_nobody_links_or_moves_their_own_login(committees):
    """An identity administrator who is also a person (here a secretary with the group) cannot
    link her login to the ordförande and sign for him: another administrator must do it."""
    her = committees["forum_secretary"]
    her.groups.add(ensure_groups()[IDENTITY_ADMIN_GROUP])
    chair = committees["chair"].person
    chair.user = None
    chair.save()
    her = type(her).objects.get(pk=her.pk)  # the permissions anew
    assert is_identity_admin(her)
    for person, user in ((chair, her), (her.person, None)):
        with pytest.raises(ValidationError) as refused:
            person_set_login(person=person, user=user, by=her)
        assert refused.value.error_dict["user"][0].code == "own_login"
    response = post_person(logged_in(her), chair, user=her.pk)
    assert response.status_code == 200
    assert Person.objects.get(pk=chair.pk).user is None


def test_the_identity_services_refuse_anyone_but_an_identity_administrator(committees):
    her = committees["forum_secretary"]
    person = committees["chair"].person
    with pytest.raises(PermissionDenied):
        person_set_login(person=person, user=her, by=her)
    with pytest.raises(PermissionDenied):
        person_set_identity(person=person, by=her, email="forum@example.org")
    person.refresh_from_db()
    assert person.user == committees["chair"] and person.email != "forum@example.org"
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    assert is_identity_admin(superuser) and is_identity_admin(identity_admin())
    assert (
        Permission.objects.get(codename="manage_person_identity").group_set.get().name == IDENTITY_ADMIN_GROUP
    )
    assert MANAGE_IDENTITY_PERMISSION == "committees.manage_person_identity"


def test_an_identity_administrator_cannot_give_rights_or_touch_a_superuser(committees):
    admin_user = identity_admin()
    client = logged_in(admin_user)
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    superuser_page = reverse("admin:auth_user_change", args=[superuser.pk])
    assert not client.get(superuser_page).context["has_change_permission"]  # read-only
    assert client.post(superuser_page, {"username": "root", "email": "x@example.org"}).status_code == 403
    password = reverse("admin:auth_user_password_change", args=[superuser.pk])
    assert (
        client.post(password, {"password1": "Nytt-lösen-123", "password2": "Nytt-lösen-123"}).status_code
        == 403
    )

    login = committees["chair"]
    url = reverse("admin:auth_user_change", args=[login.pk])
    form = client.get(url).context["adminform"].form
    assert not {"is_staff", "is_superuser", "groups", "user_permissions"} & set(form.fields)
    data = {
        "username": login.username,
        "email": "rachel@example.org",
        "is_active": "on",
        "is_superuser": "on",
        "is_staff": "on",
        "groups": [Group.objects.get(name=IDENTITY_ADMIN_GROUP).pk],
        "date_joined_0": f"{login.date_joined:%Y-%m-%d}",
        "date_joined_1": f"{login.date_joined:%H:%M:%S}",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    login.refresh_from_db()
    assert login.email == "rachel@example.org"  # she manages logins …
    assert not (login.is_superuser or login.is_staff or login.groups.exists())  # … and gives no rights


# --- The signing certificate --------------------------------------------------------------------


@pytest.fixture
def own_signing_ca(settings, tmp_path):
    settings.PARAGRAF_SIGNING_DIR = tmp_path / "signing"
    OrganisationFactory()
    signing.signing_ca_create(organisation_name="Region Jönköpings län")


@pytest.mark.usefixtures("own_signing_ca")
def test_relinking_a_login_revokes_the_persons_signing_certificate():
    admin_user = identity_admin()
    person = PersonFactory(first_name="Kerstin", last_name="Hammar", user=UserFactory(username="kerstin"))
    first = signing.person_certificate_issue(person=person)
    assert signing.person_certificate_issue(person=person).serial_number == first.serial_number

    assert person_set_login(person=person, user=UserFactory(username="kerstin-ny"), by=admin_user)
    second = signing.person_certificate_issue(person=person)
    assert second.serial_number != first.serial_number

    # Through the admin, and for a change of name, the same.
    response = post_person(logged_in(admin_user), person, last_name="Hammar-Ek")
    assert response.status_code == 302
    person.refresh_from_db()
    third = signing.person_certificate_issue(person=person)
    assert third.serial_number != second.serial_number
    assert "Kerstin Hammar-Ek" in third.subject.rfc4514_string()
    assert signing.person_certificates_revoke(person=person, reason="test") == 1
    assert signing.person_certificates_revoke(person=person, reason="test") == 0
