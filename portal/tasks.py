"""Celery tasks of the portal (thin and idempotent): the search index. Celery finds them through
this module. (The anslagstavla's beat tasks are in meetings/anslag/tasks.py.)"""

from .search_tasks import *  # noqa: F401,F403
