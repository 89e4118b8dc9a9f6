"""Refresh the OParl records (`oparl.records`) after every commit that changed a row of the
apps the API publishes from. No rules here: the refresh compares what the selectors publish
with what was recorded. Changes that send no signal (`QuerySet.update()`, raw SQL) are picked
up by the beat run (`oparl.refresh_records`, every five minutes) or `manage.py oparl_records`.
A commit while a refresh is queued and not yet started queues no second one.
"""

import logging

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from kombu.exceptions import OperationalError

from .tasks import PENDING, refresh_records

logger = logging.getLogger(__name__)

APPS = {"committees", "meetings", "cases"}
# A queued refresh that has not started within this long (no worker) no longer holds back others.
PENDING_SECONDS = 600


def _refresh_on_commit():
    """Queue a refresh, unless one is queued and has not started yet (it will see this commit)."""
    if not cache.add(PENDING, True, timeout=PENDING_SECONDS):
        return
    try:
        refresh_records.delay()
    except (OperationalError, RuntimeError):  # the broker or the result store is down
        cache.delete(PENDING)
        logger.exception("OParl records refresh not queued: the broker is unreachable")


def _changed(sender, **kwargs):
    if sender._meta.app_label not in APPS or kwargs.get("raw"):
        return
    connection = transaction.get_connection()
    if any(callback is _refresh_on_commit for _sids, callback, _robust in connection.run_on_commit):
        return  # already due when this transaction commits
    transaction.on_commit(_refresh_on_commit, robust=True)


def connect():
    post_save.connect(_changed, dispatch_uid="oparl_records_saved")
    post_delete.connect(_changed, dispatch_uid="oparl_records_deleted")
