"""System check: every admin and inline of the project's apps is built on the scoping base
classes (committees.scoping.ScopedModelAdmin …), so none can forget the committee scoping."""

from django.contrib import admin
from django.core import checks

from .scoping import ScopedInlineMixin, ScopedModelAdminMixin

PROJECT_APPS = {"committees", "cases", "meetings", "attendance", "audit", "portal"}


@checks.register(checks.Tags.admin, checks.Tags.security)
def check_admins_are_scoped(app_configs=None, **kwargs):
    errors = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        if not isinstance(model_admin, ScopedModelAdminMixin):
            errors.append(
                checks.Error(
                    f"{type(model_admin).__name__} is not built on committees.scoping.ScopedModelAdmin "
                    "(or ScopedHistoryAdmin): its rows and relation fields are not scoped.",
                    obj=type(model_admin),
                    id="committees.E001",
                )
            )
        for inline in model_admin.inlines:
            if not issubclass(inline, ScopedInlineMixin):
                errors.append(
                    checks.Error(
                        f"{inline.__name__} is not built on committees.scoping.ScopedTabularInline or "
                        "ScopedStackedInline: its relation fields are not scoped.",
                        obj=inline,
                        id="committees.E002",
                    )
                )
    return errors
