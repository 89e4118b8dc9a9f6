"""The Celery application. Tasks live in each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("paragraf")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="paragraf.health.db_roundtrip")
def db_roundtrip(model_label: str, pk) -> dict:
    """Health check: read one row from the database inside the worker.

    Returns the worker's pid and what it saw, so a caller (an operator, or the
    test suite) can tell that a separate worker process reached the same
    database through the broker: ``{"pid": ..., "found": bool, "str": ...}``.
    """
    from django.apps import apps

    model = apps.get_model(model_label)
    obj = model._default_manager.filter(pk=pk).first()
    return {"pid": os.getpid(), "found": obj is not None, "str": str(obj) if obj else None}
