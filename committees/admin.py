from django.contrib import admin
from django.db import models

from .models import Assignment, Committee, Organisation, Party, Person
from .scoping import ScopedModelAdmin, ScopedTabularInline


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


@admin.register(Person)
class PersonAdmin(ScopedModelAdmin):
    scope_registers = True  # officials, too, look up the people of their committees
    list_display = ["last_name", "first_name", "party", "represents", "title", "email", "user"]
    list_filter = ["party", "assignments__committee", "assignments__role"]
    search_fields = ["first_name", "last_name", "email", "represents", "title"]
    autocomplete_fields = ["user"]
    list_select_related = ["party", "user"]


@admin.register(Assignment)
class AssignmentAdmin(ScopedModelAdmin):
    list_display = ["person", "committee", "role", "substitute_order", "valid_from", "valid_to"]
    list_filter = ["role", "committee"]
    search_fields = ["person__first_name", "person__last_name", "committee__name"]
    autocomplete_fields = ["person"]
    list_select_related = ["person", "committee", "person__party"]
