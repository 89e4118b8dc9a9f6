"""Admin scoping by construction (issue 12): the whole admin registry, enumerated.

Every ModelAdmin of the project's apps, every inline of it, and every relation field of every
form they build (add and change form, each inline's form) is checked for the secretary of
committee A and the secretary of committee B, both ways: a row that belongs only to the other
committee is not among the field's choices and, POSTed, fails the form's validation with
Django's "Select a valid choice" (code `invalid_choice`); the user's own row is accepted. Every
autocomplete field is asked through the admin's autocomplete view the same way.

Nothing is listed by hand but the rows to try: a new ModelAdmin, inline or relation field is
checked the moment it is registered, and a new kind of row (a relation to a model without a row
builder in `BUILDERS` below, or without a rule in committees.visibility) fails the test until
someone decides who may choose it. A project admin that does not use the scoping base classes
(committees.scoping.ScopedModelAdmin / ScopedTabularInline …) fails
`test_every_project_admin_and_inline_uses_the_scoping_base`.
"""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.forms import ModelChoiceField
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import reverse

from attendance.models import AbsenceNotice, Attendance, Disqualification, Reservation, Vote
from cases.models import Motion
from committees.scoping import ScopedInlineMixin, ScopedModelAdminMixin
from committees.visibility import ADMINISTERED, administered, choosable
from meetings.models import (
    AgendaItemDocument,
    AgendaTemplateItem,
    Appeal,
    Justering,
    KallelseDispatch,
    Meeting,
    RenderedDocument,
    Signature,
)
from tests.factories import (
    AgendaItemFactory,
    AnslagFactory,
    AssignmentFactory,
    CaseFactory,
    CommitteeFactory,
    DelegatedDecisionFactory,
    DelegationPointFactory,
    MeetingFactory,
    OrganisationFactory,
    ParagraphFactory,
    PartyFactory,
    PdfDocumentFactory,
    PersonFactory,
    RemissFactory,
    UserFactory,
    local,
    pdf_bytes,
    secretary_of,
)

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"committees", "cases", "meetings", "attendance", "audit", "portal"}
PROJECT_ADMINS = sorted(
    (
        (model._meta.label_lower, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in PROJECT_APPS
    ),
    key=lambda entry: entry[0],
)
OSL = "OSL 26 kap. 1 §"

# Targets every staff user may choose whatever committee they work for (docs/decisions.md).
SHARED = {"committees.party": "parties are reference data, changed only by superusers"}
# Targets whose admin every staff user may read (a choice of them is still scoped).
READABLE = {"committees.organisation": "reference data, changed only by superusers"}
# Targets no secretary may ever choose.
NEVER = {"auth.user": "linking a login is the identity administrator's (superuser's)"}


class Rows:
    """Rows that belong to one committee only, made once per (model, committee)."""

    def __init__(self):
        self.made = {}

    def of(self, label: str, committee):
        key = (label, committee.pk)
        if key not in self.made:
            assert label in BUILDERS, (
                f"No row builder for {label}: add one to BUILDERS in {__name__} (a row that "
                "belongs to the given committee only) and a rule to committees.visibility."
            )
            self.made[key] = BUILDERS[label](self, committee)
        return self.made[key]


def _person(rows, c):
    return AssignmentFactory(committee=c).person


def _meeting(rows, c):
    return MeetingFactory(committee=c, status=Meeting.Status.HELD)


def _paragraph(rows, c):
    return ParagraphFactory(meeting=rows.of("meetings.meeting", c))


def _case(rows, c):
    return CaseFactory(organisation=c.organisation, committee=c, confidential=True, osl_reference=OSL)


def _justering(rows, c):
    return Justering.objects.create(meeting=MeetingFactory(committee=c, status=Meeting.Status.HELD))


def _user(rows, c):
    user = UserFactory()
    person = rows.of("committees.person", c)
    person.user = user
    person.save()
    return user


BUILDERS = {
    "auth.user": _user,
    "committees.organisation": lambda rows, c: c.organisation,
    "committees.committee": lambda rows, c: c,
    "committees.party": lambda rows, c: PartyFactory(abbreviation=f"P{c.pk}"),
    "committees.person": _person,
    "committees.assignment": lambda rows, c: AssignmentFactory(committee=c),
    "cases.case": _case,
    "cases.document": lambda rows, c: PdfDocumentFactory(
        case=rows.of("cases.case", c), confidential=True, osl_reference=OSL
    ),
    "cases.remiss": lambda rows, c: RemissFactory(committee=c),
    "cases.motion": lambda rows, c: Motion.objects.create(
        title="Motion", submitted_on=local(2024, 3, 1).date(), preparing_committee=c
    ),
    "cases.delegationpoint": lambda rows, c: DelegationPointFactory(committee=c),
    "cases.delegateddecision": lambda rows, c: DelegatedDecisionFactory(
        point=rows.of("cases.delegationpoint", c), decision_maker=rows.of("committees.person", c)
    ),
    "meetings.meeting": _meeting,
    "meetings.agendaitem": lambda rows, c: AgendaItemFactory(meeting=rows.of("meetings.meeting", c)),
    "meetings.agendatemplateitem": lambda rows, c: AgendaTemplateItem.objects.create(
        committee=c, title="Upprop"
    ),
    "meetings.agendaitemdocument": lambda rows, c: AgendaItemDocument.objects.create(
        agenda_item=rows.of("meetings.agendaitem", c), document=rows.of("cases.document", c)
    ),
    "meetings.paragraph": _paragraph,
    "meetings.justering": _justering,
    "meetings.signature": lambda rows, c: Signature.objects.create(
        justering=rows.of("meetings.justering", c),
        person=rows.of("committees.person", c),
        role=Signature.Role.CHAIR,
    ),
    "meetings.anslag": lambda rows, c: AnslagFactory(committee=c, posted_on=local(2030, 1, 2).date()),
    "meetings.appeal": lambda rows, c: Appeal.objects.create(
        paragraph=rows.of("meetings.paragraph", c),
        anslag=rows.of("meetings.anslag", c),
        appellant="Anna Andersson",
        received_on=local(2030, 1, 3).date(),
        court="Förvaltningsrätten i Jönköping",
    ),
    "meetings.rendereddocument": lambda rows, c: RenderedDocument.objects.create(
        meeting=rows.of("meetings.meeting", c),
        kind=RenderedDocument.Kind.KALLELSE,
        file=ContentFile(pdf_bytes("Kallelse"), name="kallelse.pdf"),
        content_hash=f"scope-{c.pk}",
    ),
    "meetings.kallelsedispatch": lambda rows, c: KallelseDispatch.objects.create(
        meeting=MeetingFactory(committee=c, start=local(2030, 1, 10))
    ),
    "attendance.attendance": lambda rows, c: Attendance.objects.create(
        meeting=rows.of("meetings.meeting", c), person=rows.of("committees.person", c)
    ),
    "attendance.absencenotice": lambda rows, c: AbsenceNotice.objects.create(
        meeting=MeetingFactory(committee=c, start=local(2030, 1, 10) + timedelta(days=1)),
        person=rows.of("committees.person", c),
    ),
    "attendance.disqualification": lambda rows, c: Disqualification.objects.create(
        paragraph=rows.of("meetings.paragraph", c), person=rows.of("committees.person", c), reason="Jäv"
    ),
    "attendance.vote": lambda rows, c: Vote.objects.create(
        paragraph=rows.of("meetings.paragraph", c), proposition_yes="Bifall", proposition_no="Avslag"
    ),
    "attendance.reservation": lambda rows, c: Reservation.objects.create(
        paragraph=rows.of("meetings.paragraph", c), person=rows.of("committees.person", c)
    ),
}


@pytest.fixture
def world():
    """Committee A and committee B, of two organisations, each with its secretary."""
    a = CommitteeFactory(name="Nämnd A", organisation=OrganisationFactory())
    b = CommitteeFactory(
        name="Nämnd B", organisation=OrganisationFactory(name="Region Kronoberg", diarium_prefix="RK")
    )
    return {"a": a, "b": b, "secretary_a": secretary_of(a), "secretary_b": secretary_of(b), "rows": Rows()}


def admin_request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def forms_of(model_admin, request, obj):
    """(description, form class) for every form the admin builds for `obj` (None: the add page)."""
    page = "change" if obj else "add"
    yield f"{page} form", model_admin.get_form(request, obj)
    for inline in model_admin.get_inline_instances(request, obj):
        yield f"{page} inline {type(inline).__name__}", inline.get_formset(request, obj).form


def relation_fields(form):
    return [
        (name, field)
        for name, field in form.fields.items()
        if isinstance(field, ModelChoiceField) and not field.disabled
    ]


def value_of(row, field):
    return str(getattr(row, field.to_field_name or "pk"))


def refusal(form_class, name, field, value):
    """The error codes a form gives when `value` is POSTed for its field `name`."""
    data = QueryDict(mutable=True)
    data.setlist(name, [value])
    form = form_class(data=data)
    form.is_valid()
    return [error.code for error in form.errors.as_data().get(name, [])]


def test_every_project_admin_and_inline_uses_the_scoping_base():
    assert len(PROJECT_ADMINS) > 20
    unscoped = [
        label for label, model_admin in PROJECT_ADMINS if not isinstance(model_admin, ScopedModelAdminMixin)
    ]
    assert not unscoped, f"Admins not built on committees.scoping.ScopedModelAdmin / HistoryAdmin: {unscoped}"
    inlines = [(label, inline) for label, model_admin in PROJECT_ADMINS for inline in model_admin.inlines]
    assert inlines
    unscoped = [
        f"{label}: {inline.__name__}"
        for label, inline in inlines
        if not issubclass(inline, ScopedInlineMixin)
    ]
    assert not unscoped, f"Inlines not built on committees.scoping.ScopedTabularInline / …: {unscoped}"


def test_the_system_check_finds_no_unscoped_admin_and_would_find_one():
    from committees.checks import check_admins_are_scoped
    from committees.models import Party

    assert check_admins_are_scoped() == []
    scoped = admin.site._registry[Party]
    admin.site._registry[Party] = admin.ModelAdmin(Party, admin.site)
    try:
        assert [error.id for error in check_admins_are_scoped()] == ["committees.E001"]
    finally:
        admin.site._registry[Party] = scoped


def test_every_model_of_the_project_has_a_visibility_rule():
    from django.apps import apps

    missing = [
        model._meta.label_lower
        for app in PROJECT_APPS
        if app != "audit"  # the history records: reached only through their row's admin
        for model in apps.get_app_config(app).get_models()
        if model._meta.label_lower not in ADMINISTERED
    ]
    assert not missing, f"No rule in committees.visibility.ADMINISTERED for {missing}"


@pytest.mark.parametrize(("label", "model_admin"), PROJECT_ADMINS, ids=[label for label, _ in PROJECT_ADMINS])
def test_every_relation_field_refuses_the_other_committees_rows(world, label, model_admin):
    rows = world["rows"]
    problems = []
    for own, other in (("a", "b"), ("b", "a")):
        user = world[f"secretary_{own}"]
        request = admin_request(user)
        obj = rows.of(label, world[own])
        for description, form_class in [
            *forms_of(model_admin, request, None),
            *forms_of(model_admin, request, obj),
        ]:
            for name, field in relation_fields(form_class()):
                target = field.queryset.model._meta.label_lower
                where = f"{label} {description} field {name!r} ({target}) as secretary of {own.upper()}"
                mine, theirs = rows.of(target, world[own]), rows.of(target, world[other])
                choices = set(field.queryset.values_list("pk", flat=True))
                if target in SHARED:
                    if theirs.pk not in choices:
                        problems.append(f"{where}: a shared row is not offered")
                    continue
                if target in NEVER:
                    if choices:
                        problems.append(f"{where}: offers rows no secretary may choose")
                    if "invalid_choice" not in refusal(form_class, name, field, value_of(mine, field)):
                        problems.append(f"{where}: accepts a row no secretary may choose")
                    continue
                if theirs.pk in choices:
                    problems.append(f"{where}: offers the other committee's row")
                if "invalid_choice" not in refusal(form_class, name, field, value_of(theirs, field)):
                    problems.append(f"{where}: accepts the other committee's row")
                if mine.pk not in choices:
                    problems.append(f"{where}: does not offer the user's own row")
                target_admin = admin.site._registry.get(field.queryset.model)
                if (
                    target not in READABLE
                    and target_admin is not None
                    and target_admin.get_queryset(request).filter(pk=theirs.pk).exists()
                ):
                    problems.append(f"{where}: the target's admin (raw-id popup, list) shows the other row")
    assert not problems, "\n".join(problems)


def autocomplete_fields():
    """(source model, field name) of every autocomplete field of every project admin and inline."""
    request = admin_request(UserFactory.build(is_superuser=True, is_staff=True))
    fields = set()
    for _label, model_admin in PROJECT_ADMINS:
        for name in model_admin.get_autocomplete_fields(request):
            fields.add((model_admin.model, name))
        for inline_class in model_admin.inlines:
            inline = inline_class(model_admin.model, admin.site)
            for name in inline.get_autocomplete_fields(request):
                fields.add((inline.model, name))
    return sorted(fields, key=lambda entry: (entry[0]._meta.label_lower, entry[1]))


AUTOCOMPLETE = autocomplete_fields()


@pytest.mark.parametrize(
    ("source", "field_name"), AUTOCOMPLETE, ids=[f"{m._meta.label_lower}.{f}" for m, f in AUTOCOMPLETE]
)
def test_every_autocomplete_field_answers_only_the_users_choices(client, world, source, field_name):
    rows = world["rows"]
    target = source._meta.get_field(field_name).remote_field.model
    label = target._meta.label_lower
    for own, other in (("a", "b"), ("b", "a")):
        mine, theirs = rows.of(label, world[own]), rows.of(label, world[other])
        client.force_login(world[f"secretary_{own}"])
        found, page = set(), 1
        while True:
            response = client.get(
                reverse("admin:autocomplete"),
                {
                    "app_label": source._meta.app_label,
                    "model_name": source._meta.model_name,
                    "field_name": field_name,
                    "term": "",
                    "page": page,
                },
            )
            if response.status_code == 403:  # no right to see the target at all (logins)
                assert label in NEVER, f"{label}: the autocomplete refuses a secretary"
                break
            assert response.status_code == 200
            body = response.json()
            found |= {row["id"] for row in body["results"]}
            if not body["pagination"]["more"]:
                break
            page += 1
        assert str(theirs.pk) not in found, (
            f"{source._meta.label_lower}.{field_name}: the other committee's row"
        )
        if label not in NEVER and response.status_code == 200:
            assert str(mine.pk) in found, (
                f"{source._meta.label_lower}.{field_name}: the user's own row is missing"
            )


def test_people_of_another_committee_of_the_organisation_are_choosable_but_not_listed(client):
    organisation = OrganisationFactory()
    a, sibling = CommitteeFactory(organisation=organisation), CommitteeFactory(organisation=organisation)
    stranger = CommitteeFactory(
        organisation=OrganisationFactory(name="Region Kronoberg", diarium_prefix="RK")
    )
    colleague = AssignmentFactory(committee=sibling).person  # a member of another nämnd of the region
    newcomer = PersonFactory()  # no assignment yet
    foreigner = AssignmentFactory(committee=stranger).person
    secretary = secretary_of(a)
    assert set(
        choosable(secretary, type(colleague)).filter(pk__in=[colleague.pk, newcomer.pk, foreigner.pk])
    ) == {
        colleague,
        newcomer,
    }
    assert set(
        administered(secretary, type(colleague)).filter(pk__in=[colleague.pk, newcomer.pk, foreigner.pk])
    ) == {newcomer}
    client.force_login(secretary)
    page = client.get(reverse("admin:committees_person_changelist")).content.decode()
    assert newcomer.last_name in page
    assert colleague.last_name not in page and foreigner.last_name not in page
    response = client.get(reverse("admin:committees_person_change", args=[colleague.pk]))
    assert response.status_code == 302  # as for a row that does not exist
