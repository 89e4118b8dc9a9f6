"""Celery tasks of the portal (thin and idempotent): the anslagstavla's beat tasks and the
search index. Each part lives in its own module; Celery finds them through this one."""

from .anslag_tasks import *  # noqa: F401,F403
from .search_tasks import *  # noqa: F401,F403
