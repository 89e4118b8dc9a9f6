"""What an official may see in the registers outside the admin (remisser, motioner, a case's
whole life, the exports).

An *official* is a staff login, or anyone who is currently secretary or tjänsteperson of a
committee. They keep the registers of those committees (`committees_for_official`, the same
committees the admin's registers are scoped to: committees.visibility.admin). Every official
sees the open cases; a confidential case, and the confidential steps of a case's history, only
the officials of the owning committee (superusers: all). Anyone else gets 404 for such a case;
someone who is no official at all gets 403 on every register page.
"""

from django.apps import apps
from django.db.models import Q, QuerySet

from ..models import Committee
from .admin import committees_administered


def committees_for_official(user) -> QuerySet[Committee]:
    """The committees whose registers the user keeps: all for superusers, else those where
    they are currently secretary or tjänsteperson."""
    return committees_administered(user, registers=True)


def user_is_official(user) -> bool:
    """May the user open the registers at all: staff, or an official of some committee."""
    return user.is_authenticated and (user.is_staff or committees_for_official(user).exists())


def cases_visible_to(user) -> QuerySet:
    """The cases an official may open: the open ones, and the confidential ones of the committees
    whose registers they keep (superusers: all). Nothing for someone who is no official."""
    cases = apps.get_model("cases", "Case").objects.all()
    if not user_is_official(user):
        return cases.none()
    if user.is_superuser:
        return cases
    return cases.filter(Q(confidential=False) | Q(committee__in=committees_for_official(user)))


def case_confidential_visible_to(user, case) -> bool:
    """May the user read the confidential parts of the case's history (handlingar, items and
    paragraphs): an official of the owning committee, or a superuser."""
    if user.is_superuser:
        return True
    return (
        case.committee_id is not None and committees_for_official(user).filter(pk=case.committee_id).exists()
    )
