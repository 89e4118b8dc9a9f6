"""Celery tasks of the meetings app: thin, idempotent entry points into the services.

Each task loads its rows by id, calls one service and can run twice without doing
anything twice. Enqueue with transaction.on_commit.
"""
