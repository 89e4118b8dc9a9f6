from django.contrib import admin
from django.db import models

from .models import Assignment, Committee, Organisation, Party, Person


class CommitteeScopedAdminMixin:
    """Limits an admin to the committees the user is secretary of (superusers see all).

    `committee_lookup` is the ORM path from the model to its Committee. Rows outside
    the user's committees are absent from the list, and their change URLs answer as
    for a missing object; choices of committees and meetings in forms are limited
    the same way.
    """

    committee_lookup = "committee"

    def scoped_committees(self, request):
        return Committee.objects.for_secretary(request.user)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.committee_lookup}__in": self.scoped_committees(request)}).distinct()

    def get_list_filter(self, request):
        # Filters on a committee offer only the committees whose rows the user can see.
        return [
            (entry, admin.RelatedOnlyFieldListFilter)
            if isinstance(entry, str) and entry.split("__")[-1] in {"committee", "meeting"}
            else entry
            for entry in super().get_list_filter(request)
        ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scope_foreignkey_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedInlineMixin:
    """The same limitation of committee and meeting choices inside inlines."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scope_foreignkey_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def scope_foreignkey_choices(db_field, request, kwargs) -> None:
    """Offer only the user's committees, and their meetings and paragraphs, as choices."""
    if request.user.is_superuser or "queryset" in kwargs:
        return
    from meetings.models import Meeting, Paragraph

    scoped = Committee.objects.for_secretary(request.user)
    model = db_field.remote_field.model
    if model is Committee:
        kwargs["queryset"] = scoped
    elif model is Meeting:
        kwargs["queryset"] = Meeting.objects.filter(committee__in=scoped)
    elif model is Paragraph:
        kwargs["queryset"] = Paragraph.objects.filter(meeting__committee__in=scoped)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "diarium_prefix", "anslagstavla_url"]
    search_fields = ["name", "diarium_prefix"]


class AssignmentInline(ScopedInlineMixin, admin.TabularInline):
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
class CommitteeAdmin(CommitteeScopedAdminMixin, admin.ModelAdmin):
    committee_lookup = "pk"
    list_display = ["name", "short_name", "kind", "parent", "organisation", "is_active"]
    list_filter = ["kind", "organisation", "is_active"]
    search_fields = ["name", "short_name"]
    prepopulated_fields = {"slug": ["short_name"]}
    inlines = [AssignmentInline]

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=self.scoped_committees(request))

    def has_add_permission(self, request):
        # New committees are decided by fullmäktige and set up by an administrator.
        return request.user.is_superuser


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ["name", "abbreviation"]
    search_fields = ["name", "abbreviation"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "party", "represents", "title", "email", "user"]
    list_filter = ["party", "assignments__committee", "assignments__role"]
    search_fields = ["first_name", "last_name", "email", "represents", "title"]
    autocomplete_fields = ["user"]
    list_select_related = ["party", "user"]


@admin.register(Assignment)
class AssignmentAdmin(CommitteeScopedAdminMixin, admin.ModelAdmin):
    list_display = ["person", "committee", "role", "substitute_order", "valid_from", "valid_to"]
    list_filter = ["role", "committee"]
    search_fields = ["person__first_name", "person__last_name", "committee__name"]
    autocomplete_fields = ["person"]
    list_select_related = ["person", "committee", "person__party"]
