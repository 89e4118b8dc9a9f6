"""What the audit trail records: each app names its own recorded models at the bottom of its
models.py with `history_record(...)`, so the audit app imports none of them.

django-simple-history keeps one historical row per save and delete. The historical models
are registered in the audit app (`app="audit"`), so the recorded apps' models and migrations
stay as they are; their tables are `audit_historical<model>`. Changes made with
`QuerySet.update()` or `bulk_create()`/`bulk_update()` leave no historical row (see
docs/security.md, "Records").
"""

import simple_history
from django.db import models

# Model → fields left out of its history; filled as the apps' models load.
RECORDED: dict[type[models.Model], list[str]] = {}


def history_record(*recorded: type[models.Model], excluded_fields: tuple[str, ...] = ()) -> None:
    """Record every change of these models in the audit trail (their "History" page in the
    admin, audit.admin.HistoryAdmin), leaving out `excluded_fields`."""
    for model in recorded:
        simple_history.register(model, app="audit", excluded_fields=list(excluded_fields))
        RECORDED[model] = list(excluded_fields)
