"""Admin scoping by construction: the base classes every admin and inline of the project is built
on (committees/checks.py and tests/test_admin_scope_registry.py make sure of it). Which rows
they reach is decided in committees.visibility."""

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.forms import ModelChoiceField

from audit.admin import HistoryAdmin

from .visibility import administered, choosable, committees_administered


class ScopedAdminMixin:
    """Admin scoping by construction: every admin and inline of the project passes through this.

    Rows: `get_queryset` is `committees.visibility.administered` (superusers see all), so lists,
    change and delete pages, actions, history, raw-id popups and the admin's own views, which
    all start from it, never reach another committee's row. Relation fields: every ForeignKey,
    OneToOne and ManyToMany of every form the admin builds (its own, an inline's, a custom form's
    declared fields) offers and accepts only `committees.visibility.choosable` rows, so a POSTed
    foreign id fails validation with Django's "Select a valid choice". The autocomplete view
    answers from the target admin's `get_queryset`, which then uses the same choices.

    `scope_registers`: the admin is a register kept by officials as well as secretaries.
    """

    scope_registers = False

    def scope_is_registers(self, request) -> bool:
        return self.scope_registers

    def scoped_committees(self, request):
        return committees_administered(request.user, registers=self.scope_is_registers(request))

    def scope_choices(self, request, queryset):
        return scope_queryset(queryset, request.user, registers=self.scope_is_registers(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return self._scoped_relation(super().formfield_for_foreignkey, db_field, request, kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return self._scoped_relation(super().formfield_for_manytomany, db_field, request, kwargs)

    def _scoped_relation(self, make_field, db_field, request, kwargs):
        if not request.user.is_superuser:
            queryset = kwargs.get("queryset")
            if queryset is None:
                queryset = self.get_field_queryset(kwargs.get("using"), db_field, request)
            if queryset is None:
                queryset = db_field.remote_field.model._default_manager.using(kwargs.get("using"))
            kwargs["queryset"] = self.scope_choices(request, queryset)
        field = make_field(db_field, request, **kwargs)
        if field is not None and not request.user.is_superuser:
            field.scoped = True
        return field

    def scope_form(self, request, form_class):
        return scoped_form_class(form_class, request.user, registers=self.scope_is_registers(request))


class ScopedModelAdminMixin(ScopedAdminMixin):
    """The scoping of a ModelAdmin: its rows, its forms, its autocomplete answers."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        user = request.user
        if user.is_superuser:
            return queryset
        source_registers = autocomplete_source_registers(request, self.admin_site)
        if source_registers is not None:
            # This admin answers the autocomplete of a field: the field's choices.
            rows = choosable(user, self.model, registers=source_registers)
        else:
            rows = administered(user, self.model, registers=self.scope_is_registers(request))
        return queryset.filter(pk__in=rows.values("pk"))

    def get_form(self, request, obj=None, **kwargs):
        return self.scope_form(request, super().get_form(request, obj, **kwargs))

    def get_changelist_form(self, request, **kwargs):
        return self.scope_form(request, super().get_changelist_form(request, **kwargs))

    def get_list_filter(self, request):
        # A filter on a relation offers only the values of the rows the user can see.
        return [
            (entry, admin.RelatedOnlyFieldListFilter) if _is_relation_path(self.model, entry) else entry
            for entry in super().get_list_filter(request)
        ]


class ScopedModelAdmin(ScopedModelAdminMixin, admin.ModelAdmin):
    """The base of every ModelAdmin of the project (ScopedHistoryAdmin for recorded rows)."""


class ScopedHistoryAdmin(ScopedModelAdminMixin, HistoryAdmin):
    """The base of the ModelAdmin of a recorded model (audit.history): scoped as every admin,
    with its "History" page scoped the same way (audit.admin.HistoryAdmin)."""


class ScopedInlineMixin(ScopedAdminMixin):
    """The scoping of an inline: its rows and its forms, as its parent admin's."""

    def scope_is_registers(self, request) -> bool:
        parent = self.admin_site._registry.get(self.parent_model)
        return bool(getattr(parent, "scope_registers", self.scope_registers))

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        rows = administered(request.user, self.model, registers=self.scope_is_registers(request))
        return queryset.filter(pk__in=rows.values("pk"))

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = self.scope_form(request, formset.form)
        return formset


class ScopedTabularInline(ScopedInlineMixin, admin.TabularInline):
    pass


class ScopedStackedInline(ScopedInlineMixin, admin.StackedInline):
    pass


def scope_queryset(queryset, user, *, registers: bool = False):
    """`queryset` limited to the rows the user may choose (all for superusers)."""
    if user.is_superuser:
        return queryset
    return queryset.filter(pk__in=choosable(user, queryset.model, registers=registers).values("pk"))


def scope_form_fields(form, user, *, registers: bool = False) -> None:
    """Limit every relation field of a form instance to the user's choices (superusers: all).
    Used by the admin's forms and by the admin's own views' forms (SignersForm).

    The value a saved row already has stays acceptable (it reaches nothing new), so a row
    linked to something outside the user's choices can still be saved unchanged."""
    if user.is_superuser:
        return
    for name, field in form.fields.items():
        if not isinstance(field, ModelChoiceField):
            continue
        if not getattr(field, "scoped", False):
            field.queryset = scope_queryset(field.queryset, user, registers=registers)
            field.scoped = True
        current = _current_values(getattr(form, "instance", None), name)
        if current is not None:
            field.queryset = _with_rows(field.queryset, current)


def _with_rows(queryset, rows):
    try:
        return queryset | rows
    except TypeError:  # a distinct queryset: combine by primary key
        either = Q(pk__in=queryset.values("pk")) | Q(pk__in=rows.values("pk"))
        return rows.model._default_manager.filter(either)


def _current_values(instance, name):
    """The rows a saved row's relation field `name` holds now (None: none, or not a relation)."""
    if instance is None or instance.pk is None:
        return None
    try:
        model_field = instance._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if not model_field.is_relation or not model_field.concrete:
        return None
    target = model_field.related_model._default_manager
    if model_field.many_to_many:
        return target.filter(pk__in=getattr(instance, name).values("pk"))
    value = getattr(instance, model_field.attname)
    return None if value is None else target.filter(**{model_field.remote_field.field_name: value})


def scoped_form_class(form_class, user, *, registers: bool = False):
    """A subclass of `form_class` whose instances have every relation field scoped, including the
    fields a custom form declares itself or an admin builds around `formfield_for_foreignkey`."""
    if user.is_superuser or getattr(form_class, "scoped_for", None) == (user.pk, registers):
        return form_class

    def __init__(self, *args, **kwargs):
        form_class.__init__(self, *args, **kwargs)
        scope_form_fields(self, user, registers=registers)

    attrs = {"__init__": __init__, "__module__": form_class.__module__, "scoped_for": (user.pk, registers)}
    return type(form_class)(form_class.__name__, (form_class,), attrs)


def autocomplete_source_registers(request, admin_site) -> bool | None:
    """For a request of the admin's autocomplete view: whether the field it completes belongs to
    a register admin (see ScopedAdminMixin.scope_registers); None for any other request."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name != f"{admin_site.name}:autocomplete":
        return None
    try:
        source = apps.get_model(request.GET.get("app_label", ""), request.GET.get("model_name", ""))
    except (LookupError, ValueError):
        return False
    return bool(getattr(admin_site._registry.get(source), "scope_registers", False))


def _is_relation_path(model, entry) -> bool:
    if not isinstance(entry, str):
        return False
    try:
        return get_fields_from_path(model, entry)[-1].is_relation
    except (FieldDoesNotExist, NotRelationField):
        return False
