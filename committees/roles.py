"""The permission groups Paragraf's users work in.

Model permissions say what kind of rows a group may touch; which committees a
secretary may touch is decided per row by their Assignment (see
`CommitteeQuerySet.for_secretary`).
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

SECRETARY_GROUP = "Sekreterare"
OFFICIAL_GROUP = "Tjänsteperson"

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


def _permissions(spec: dict[str, tuple[str, ...]]):
    query = Q()
    for app_label, actions in spec.items():
        for action in actions:
            query |= Q(content_type__app_label=app_label, codename__startswith=f"{action}_")
    return Permission.objects.filter(query).exclude(
        content_type__model__in=ADMIN_ONLY_MODELS, codename__regex=r"^(add|change|delete)_"
    )


def ensure_groups() -> dict[str, Group]:
    """Create or update the groups with exactly their permissions (idempotent)."""
    groups = {}
    for name, spec in ((SECRETARY_GROUP, SECRETARY_PERMISSIONS), (OFFICIAL_GROUP, OFFICIAL_PERMISSIONS)):
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions(spec))
        groups[name] = group
    return groups
