"""The real Celery worker: a task sent through Redis runs in another process and
reads committed rows from the same PostgreSQL test database."""

import os

import pytest
from django.contrib.auth import get_user_model

from config.celery import db_roundtrip

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_task_runs_in_worker_process_and_reads_committed_row(run_in_worker):
    user = get_user_model().objects.create_user(username="worker-check", password="x")

    result = run_in_worker(db_roundtrip, "auth.User", user.pk)

    assert result["pid"] != os.getpid()
    assert result == {"pid": result["pid"], "found": True, "str": "worker-check"}


def test_task_by_name_sees_missing_row_as_missing(run_in_worker):
    result = run_in_worker("paragraf.health.db_roundtrip", "auth.User", 999_999)

    assert result["found"] is False
