"""What a secretary (or an official, for the registers) administers: the admin's rows and choices.

`administered(user, model)` is what the user administers of `model`: the rows listed and opened
in the admin. `choosable(user, model)` is what the user may pick as the value of a relation field
(a foreign key, a many-to-many, an autocomplete or raw-id field); it is `administered` except
for reference data (organisations: readable by all staff, choosable where the user's
committees belong) and for people, who sit in several committees of an
organisation (see docs/decisions.md, "Admin scoping by construction").

Both start from the committees the user administers: where they are currently secretary, or,
for the registers (`registers=True`: ärenden kept by officials: remisser, motioner, delegation),
secretary or tjänsteperson. Superusers reach every row. A model without a rule here raises
`LookupError`, so a new model cannot silently be left open (tests/test_admin_scope_registry.py
enumerates every relation field of the admin).
"""

from collections.abc import Callable

from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from ..models import Assignment, Committee, Organisation
from ..roles import is_identity_admin

REGISTER_ROLES = (Assignment.Role.SECRETARY, Assignment.Role.OFFICIAL)


def committees_administered(user, *, registers: bool = False) -> QuerySet[Committee]:
    """The committees whose rows the user administers (all for superusers)."""
    if user.is_superuser:
        return Committee.objects.all()
    if not registers:
        return Committee.objects.for_secretary(user)
    if not user.is_authenticated:
        return Committee.objects.none()
    today = timezone.localdate()
    return Committee.objects.filter(
        Q(assignments__valid_from__isnull=True) | Q(assignments__valid_from__lte=today),
        Q(assignments__valid_to__isnull=True) | Q(assignments__valid_to__gte=today),
        assignments__person__user=user,
        assignments__role__in=REGISTER_ROLES,
    ).distinct()


# A rule: (committees, user) -> the Q of the model's rows that belong to those committees.
Rule = Callable[[QuerySet, object], Q]


def _by(lookup: str) -> Rule:
    return lambda committees, user: Q(**{f"{lookup}__in": committees})


def _nothing(committees, user) -> Q:
    return Q(pk__in=[])


def _everything(committees, user) -> Q:
    return Q()


def _organisations(committees, user) -> Q:
    return Q(committees__in=committees)


def _cases(committees, user) -> Q:
    """The cases of the committees, the cases they handle (on an agenda or in a §), and cases not
    yet given a committee (the diarium's intake)."""
    return (
        Q(committee__in=committees)
        | Q(committee__isnull=True)
        | Q(agenda_items__meeting__committee__in=committees)
        | Q(paragraphs__meeting__committee__in=committees)
    )


def _documents(committees, user) -> Q:
    """Handlingar of the committees' agendas and cases, and the user's own uploads."""
    return (
        Q(attachments__agenda_item__meeting__committee__in=committees)
        | Q(case__committee__in=committees)
        | Q(created_by=user)
    )


def _people(committees, user) -> Q:
    """People with an assignment in the committees, and people with no assignment at all (newly
    added, guests, decision makers outside the committees)."""
    return Q(assignments__committee__in=committees) | Q(assignments__isnull=True)


def _people_of_organisations(committees, user) -> Q:
    """As a choice: anyone of the organisations the committees belong to, so a secretary can add
    an existing member of another nämnd to hers, or anyone with no assignment yet."""
    organisations = Organisation.objects.filter(committees__in=committees)
    return Q(assignments__committee__organisation__in=organisations) | Q(assignments__isnull=True)


def _identity_admin_or(rule: Rule) -> Rule:
    """Identity administrators (committees/roles.py) keep every person and login; they have no
    committees of their own. Everyone else gets `rule`."""
    return lambda committees, user: Q() if is_identity_admin(user) else rule(committees, user)


ADMINISTERED: dict[str, Rule] = {
    # committees
    # Reference data every staff user may read; only superusers change it (roles.py).
    "committees.organisation": _everything,
    "committees.committee": _by("pk"),
    "committees.party": _everything,  # reference data; only superusers change it (roles.py)
    "committees.person": _identity_admin_or(_people),
    "committees.assignment": _by("committee"),
    # A signer's invitation to create a login: sent from the workspace, never edited in the admin.
    "committees.logininvitation": _nothing,
    # cases
    "cases.diariumseries": lambda committees, user: Q(organisation__committees__in=committees),
    "cases.case": _cases,
    "cases.document": _documents,
    "cases.remiss": _by("committee"),
    # Motions are raised in fullmäktige and prepared by any committee: a shared register.
    "cases.motion": _everything,
    "cases.delegationpoint": _by("committee"),
    "cases.delegateddecision": _by("point__committee"),
    "cases.decisionmakerseries": _nothing,
    # meetings
    "meetings.meeting": _by("committee"),
    "meetings.meetingtransition": _by("meeting__committee"),
    "meetings.agendatemplateitem": _by("committee"),
    "meetings.agendaitem": _by("meeting__committee"),
    "meetings.agendaitemdocument": _by("agenda_item__meeting__committee"),
    "meetings.paragraph": _by("meeting__committee"),
    "meetings.paragraphannex": _by("paragraph__meeting__committee"),
    "meetings.paragraphseries": _by("committee"),
    "meetings.justering": _by("meeting__committee"),
    "meetings.signature": _by("justering__meeting__committee"),
    "meetings.anslag": _by("committee"),
    "meetings.jointposting": _by("anslag__committee"),
    "meetings.appeal": _by("paragraph__meeting__committee"),
    # An external justerare's one-time signing link: sent from the workspace, never edited here.
    "meetings.signinginvitation": _nothing,
    "meetings.rendereddocument": _by("meeting__committee"),
    "meetings.kallelsedispatch": _by("meeting__committee"),
    "meetings.kallelsedelivery": _by("dispatch__meeting__committee"),
    # The signing certificates are the system's, kept by meetings/signing/; not in the admin.
    "meetings.signingcertificate": _nothing,
    # attendance
    "attendance.attendance": _by("meeting__committee"),
    "attendance.absencenotice": _by("meeting__committee"),
    "attendance.disqualification": _by("paragraph__meeting__committee"),
    "attendance.vote": _by("paragraph__meeting__committee"),
    "attendance.ballot": _by("vote__paragraph__meeting__committee"),
    "attendance.reservation": _by("paragraph__meeting__committee"),
    # portal
    "portal.searchentry": _by("committee"),
    # The stored public pages of published protokoll (portal/prerender.py): made and replaced by
    # the system alone, never edited in the admin.
    "portal.storedpage": _nothing,
    # oparl: what the API has served (oparl/records.py); not in the admin.
    "oparl.record": _nothing,
    # reading: a member's private annotations are their own alone; no one administers them, not
    # even a superuser (PRIVATE below), and they are not in the admin.
    "reading.annotation": _nothing,
    # Logins, groups and permissions are the identity administrator's, never a secretary's.
    "auth.user": _identity_admin_or(_nothing),
    "auth.group": _nothing,
    "auth.permission": _nothing,
    "contenttypes.contenttype": _nothing,
}

# Where a relation choice reaches further than the admin list.
CHOOSABLE: dict[str, Rule] = {
    "committees.person": _identity_admin_or(_people_of_organisations),
    "committees.organisation": _organisations,
}


# Models no one administers, superusers included: a member's own private rows.
PRIVATE = frozenset({"reading.annotation"})


def _rows(user, model: type[Model], rule: Rule, registers: bool) -> QuerySet:
    queryset = model._default_manager.all()
    if model._meta.label_lower in PRIVATE:
        return queryset.none()
    if user.is_superuser:
        return queryset
    matching = model._default_manager.filter(rule(committees_administered(user, registers=registers), user))
    return queryset.filter(pk__in=matching.values("pk"))


def _rule(model: type[Model], rules: dict[str, Rule]) -> Rule:
    label = model._meta.label_lower
    if label in rules:
        return rules[label]
    if label not in ADMINISTERED:
        raise LookupError(
            f"committees.visibility.admin has no rule for {label}: say in ADMINISTERED which rows of it a "
            "secretary administers."
        )
    return ADMINISTERED[label]


def administered(user, model: type[Model], *, registers: bool = False) -> QuerySet:
    """The rows of `model` the user administers (lists and opens in the admin)."""
    return _rows(user, model, _rule(model, {}), registers)


def choosable(user, model: type[Model], *, registers: bool = False) -> QuerySet:
    """The rows of `model` the user may choose as the value of a relation field."""
    return _rows(user, model, _rule(model, CHOOSABLE), registers)
