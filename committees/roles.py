"""The permission groups Paragraf's users work in.

Model permissions say what kind of rows a group may touch; which committees a
secretary may touch is decided per row by their Assignment (see
`CommitteeQuerySet.for_secretary`).
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

SECRETARY_GROUP = "Sekreterare"
OFFICIAL_GROUP = "Tjänsteperson"
IDENTITY_ADMIN_GROUP = "Identitetsadministratör"

# The permission that lets a user change who a person is for login and signing: the login
# linked to the person and the identity fields (committees/identity.py). Superusers have it;
# otherwise only the identity administrators' group. Its codename starts with none of
# Django's view_/add_/change_/delete_, so the app-wide grants below never include it.
MANAGE_IDENTITY_PERMISSION = "committees.manage_person_identity"

# app label → actions; secretaries work in every part of the domain.
SECRETARY_PERMISSIONS = {
    "committees": ("view", "add", "change"),
    "cases": ("view", "add", "change", "delete"),
    "meetings": ("view", "add", "change", "delete"),
    "attendance": ("view", "add", "change", "delete"),
}
# Officials keep the registers: ärenden, handlingar, remisser, delegationsbeslut.
OFFICIAL_PERMISSIONS = {
    "cases": ("view", "add", "change"),
    "committees": ("view",),
}
# Rows that only an administrator changes, whatever the group says.
ADMIN_ONLY_MODELS = {"organisation", "diariumseries"}
# Identity administrators manage logins and who they belong to: they read people and change
# their identity (`manage_person_identity`), and add and change logins (the auth User admin,
# where they cannot touch superusers, groups or permissions: committees/admin.py).
IDENTITY_ADMIN_PERMISSIONS = {
    "committees": ("view_person", "change_person", "manage_person_identity"),
    "auth": ("view_user", "add_user", "change_user"),
}


def _permissions(spec: dict[str, tuple[str, ...]]):
    query = Q()
    for app_label, actions in spec.items():
        for action in actions:
            query |= Q(content_type__app_label=app_label, codename__startswith=f"{action}_")
    return Permission.objects.filter(query).exclude(
        content_type__model__in=ADMIN_ONLY_MODELS, codename__regex=r"^(add|change|delete)_"
    )


def _named_permissions(spec: dict[str, tuple[str, ...]]):
    query = Q(pk__in=[])
    for app_label, codenames in spec.items():
        query |= Q(content_type__app_label=app_label, codename__in=codenames)
    return Permission.objects.filter(query)


def ensure_groups() -> dict[str, Group]:
    """Create or update the groups with exactly their permissions (idempotent)."""
    groups = {}
    for name, permissions in (
        (SECRETARY_GROUP, _permissions(SECRETARY_PERMISSIONS)),
        (OFFICIAL_GROUP, _permissions(OFFICIAL_PERMISSIONS)),
        (IDENTITY_ADMIN_GROUP, _named_permissions(IDENTITY_ADMIN_PERMISSIONS)),
    ):
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)
        groups[name] = group
    return groups


def is_identity_admin(user) -> bool:
    """May this user change a person's login link and identity fields? Superusers and the
    identity administrators' group; never a secretary as such."""
    return bool(user and user.is_active and user.has_perm(MANAGE_IDENTITY_PERMISSION))
