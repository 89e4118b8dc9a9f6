"""Celery tasks of the cases app: thin, idempotent entry points into the services."""
