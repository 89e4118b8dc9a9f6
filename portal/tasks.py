"""Celery tasks of the portal (thin and idempotent): the search index and the stored public
pages. Celery finds them through this module. (The anslagstavla's beat tasks are in
meetings/anslag/tasks.py.)"""

from .prerender_tasks import *  # noqa: F401,F403
from .search_tasks import *  # noqa: F401,F403
