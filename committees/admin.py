from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from .identity import person_login_check, person_set_identity, person_set_login
from .models import Assignment, Committee, Organisation, Party, Person
from .roles import is_identity_admin
from .scoping import ScopedHistoryAdmin, ScopedModelAdmin, ScopedTabularInline


@admin.register(Organisation)
class OrganisationAdmin(ScopedModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "diarium_prefix", "anslagstavla_url"]
    search_fields = ["name", "diarium_prefix"]


class AssignmentInline(ScopedTabularInline):
    model = Assignment
    extra = 0
    fields = [
        "person",
        "role",
        "substitute_order",
        "title",
        "receives_kallelse",
        "valid_from",
        "valid_to",
        "order",
    ]
    autocomplete_fields = ["person"]


@admin.register(Committee)
class CommitteeAdmin(ScopedModelAdmin):
    list_display = ["name", "short_name", "kind", "parent", "organisation", "is_active"]
    list_filter = ["kind", "organisation", "is_active"]
    search_fields = ["name", "short_name"]
    prepopulated_fields = {"slug": ["short_name"]}
    inlines = [AssignmentInline]

    def has_add_permission(self, request):
        # New committees are decided by fullmäktige and set up by an administrator.
        return request.user.is_superuser


@admin.register(Party)
class PartyAdmin(ScopedModelAdmin):
    list_display = ["name", "abbreviation"]
    search_fields = ["name", "abbreviation"]


class PersonAdminForm(forms.ModelForm):
    """The Person form. Fields the user may not change (`locked_fields`, set by PersonAdmin)
    are shown read-only; a POST that changes one anyway is refused as a whole, with a message,
    and nothing is saved. For an identity administrator the login link is checked as the
    service checks it (a login linked to another person, one's own login)."""

    locked_fields: tuple[str, ...] = ()
    by = None  # the user of the request

    class Meta:
        model = Person
        fields = ["first_name", "last_name", "party", "email", "phone", "represents", "title", "user"]

    def clean(self):
        cleaned = super().clean()
        tampered = [name for name in self.locked_fields if self._posted_change(name)]
        if tampered:
            names = [str(Person._meta.get_field(name).verbose_name) for name in tampered]
            raise ValidationError(
                _(
                    "Only an identity administrator may change the login, name or e-mail of a "
                    "person (%(fields)s). Nothing was saved."
                )
                % {"fields": get_text_list(names, _("and"))},
                code="identity_locked",
            )
        if "user" in self.fields and "user" in self.changed_data and "user" in cleaned:
            try:
                person_login_check(person=self.instance, user=cleaned["user"], by=self.by)
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned

    def _posted_change(self, name: str) -> bool:
        if name not in self.data:
            return False
        stored = self.instance.user_id if name == "user" else getattr(self.instance, name)
        return str(self.data.get(name) or "").strip() != str(stored or "")


@admin.register(Person)
class PersonAdmin(ScopedHistoryAdmin):
    """People. A secretary adds people (without a login) and edits their party, contact
    details and titles; the login link, the name and the e-mail of an existing person are
    read-only for her. Identity administrators change those through committees/identity.py,
    which records each change and revokes the person's signing certificate."""

    form = PersonAdminForm
    scope_registers = True  # officials, too, look up the people of their committees
    list_display = ["last_name", "first_name", "party", "represents", "title", "email", "user"]
    list_filter = ["party", "assignments__committee", "assignments__role"]
    search_fields = ["first_name", "last_name", "email", "represents", "title"]
    autocomplete_fields = ["user"]
    list_select_related = ["party", "user"]

    def identity_locked_fields(self, request, obj=None) -> tuple[str, ...]:
        if is_identity_admin(request.user):
            return ()
        # A secretary names the person she adds; from then on the identity is locked.
        return ("user",) if obj is None else ("user", *Person.IDENTITY_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), *self.identity_locked_fields(request, obj))

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        locked = self.identity_locked_fields(request, obj)
        return type(form.__name__, (form,), {"locked_fields": locked, "by": request.user})

    def save_model(self, request, obj, form, change):
        """The login link and the identity fields go through their services (recorded, the
        certificate revoked); the other fields are saved as usual."""
        if not is_identity_admin(request.user):
            return super().save_model(request, obj, form, change)
        stored = Person.objects.get(pk=obj.pk) if change else Person()
        changed = form.changed_data if change else []
        identity = {name: getattr(obj, name) for name in Person.IDENTITY_FIELDS if name in changed}
        login = obj.user if "user" in form.changed_data else stored.user
        for name in identity:
            setattr(obj, name, getattr(stored, name))
        obj.user = stored.user
        if not change or set(form.changed_data) - {"user", *identity}:
            super().save_model(request, obj, form, change)
        if identity:
            person_set_identity(person=obj, by=request.user, **identity)
        person_set_login(person=obj, user=login, by=request.user)


@admin.register(Assignment)
class AssignmentAdmin(ScopedModelAdmin):
    list_display = ["person", "committee", "role", "substitute_order", "valid_from", "valid_to"]
    list_filter = ["role", "committee"]
    search_fields = ["person__first_name", "person__last_name", "committee__name"]
    autocomplete_fields = ["person"]
    list_select_related = ["person", "committee", "person__party"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class LoginAdmin(UserAdmin):
    """Logins, for identity administrators (the group Identitetsadministratör) and superusers;
    secretaries have no permission on logins at all (committees/roles.py). A user who is not a
    superuser cannot change a superuser's login (nor its password), and cannot give rights:
    staff and superuser status, groups and permissions are read-only for them."""

    RIGHTS_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if obj is not None and not request.user.is_superuser:
            readonly = (*readonly, *self.RIGHTS_FIELDS)
        return readonly
