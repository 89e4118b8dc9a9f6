"""Who a person is for login and signing: the login linked to a person (`Person.user`) and the
fields that identify them (`Person.IDENTITY_FIELDS`: name and e-mail).

Only an identity administrator changes them (`committees.roles.is_identity_admin`: superusers
and the group Identitetsadministratör), never a secretary as such: the login decides whose
committees a user administers and whose justering they sign. (A secretary can only send a person
without a login an invitation with which that person creates their own: committees/invitations.py.)
Every change is a save of the Person, recorded in the audit trail (audit/history.py) with who
made it and why, and sends `person_identity_changed`: the signing (meetings.signing, connected
in meetings/apps.py) revokes the person's signing certificate, which names the person and was
issued for their login. A signal, since committees is a lower layer than meetings (docs/architecture.md).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils.translation import gettext as _

from .models import Person
from .roles import is_identity_admin

# Sent (sender=Person, person=, reason=) inside the transaction of each change of a person's
# login or identity fields; a receiver that raises undoes the change.
person_identity_changed = Signal()


def _require_identity_admin(by) -> None:
    if not is_identity_admin(by):
        raise PermissionDenied(
            _("Only an identity administrator may change a person's login, name or e-mail.")
        )


def person_login_check(*, person: Person, user, by) -> None:
    """Refuse (ValidationError on `user`) a login link that may not be made: a login already
    linked to another person, or a change that concerns the administrator's own login (nobody
    links themselves to a person, or moves their own login: a second administrator does)."""
    linked = Person.objects.filter(pk=person.pk).values_list("user_id", flat=True).first()
    if by.pk in {getattr(user, "pk", None), linked}:
        message = _("You cannot change the link of your own login; ask another identity administrator.")
        raise ValidationError({"user": ValidationError(message, code="own_login")})
    if user is not None:
        other = Person.objects.filter(user=user).exclude(pk=person.pk).first()
        if other is not None:
            message = _("The login %(login)s is already linked to %(person)s. Unlink it there first.") % {
                "login": user.get_username(),
                "person": other.full_name,
            }
            raise ValidationError({"user": ValidationError(message, code="login_taken")})


def _save_recorded(person: Person, *, by, reason: str, fields: list[str]) -> None:
    # The audit trail's "who" and "why", also when called outside a request.
    person._history_user = by
    person._change_reason = reason[:100]  # the length of history_change_reason
    try:
        person.save(update_fields=fields)
    finally:  # a later save of the same instance is not this change
        person.__dict__.pop("_history_user", None)
        person.__dict__.pop("_change_reason", None)
    person_identity_changed.send(sender=Person, person=person, reason=reason)


@transaction.atomic
def person_set_login(*, person: Person, user, by) -> bool:
    """Link `user` (a login, or None to unlink) to the person, as the identity administrator
    `by`. Returns whether anything changed. The person's signing certificate is revoked: the
    next signature gets a new certificate, issued for the newly linked login."""
    _require_identity_admin(by)
    stored = Person.objects.select_for_update().get(pk=person.pk)
    if stored.user_id == getattr(user, "pk", None):
        person.user = user
        return False
    person_login_check(person=stored, user=user, by=by)
    before = stored.user.get_username() if stored.user_id else "—"
    after = user.get_username() if user is not None else "—"
    person.user = user
    _save_recorded(
        person,
        by=by,
        reason=_("Login changed: %(before)s → %(after)s") % {"before": before, "after": after},
        fields=["user"],
    )
    return True


@transaction.atomic
def person_set_identity(*, person: Person, by, **values) -> list[str]:
    """Change the name or e-mail of the person (keyword arguments of `Person.IDENTITY_FIELDS`),
    as the identity administrator `by`. Returns the fields that changed. The signing
    certificate, which carries the name and e-mail, is revoked when any of them changes."""
    _require_identity_admin(by)
    unknown = set(values) - set(Person.IDENTITY_FIELDS)
    if unknown:
        raise ValueError(f"not identity fields of a person: {sorted(unknown)}")
    stored = Person.objects.select_for_update().get(pk=person.pk)
    errors = {}
    for name, value in values.items():
        try:
            values[name] = Person._meta.get_field(name).clean(value, person)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
    changed = [name for name, value in values.items() if getattr(stored, name) != value]
    for name in values:
        setattr(person, name, values[name])
    if changed:
        _save_recorded(
            person,
            by=by,
            reason=_("Identity changed: %(fields)s")
            % {"fields": ", ".join(str(Person._meta.get_field(name).verbose_name) for name in changed)},
            fields=changed,
        )
    return changed
