"""The audit trail: every change to a meeting, its agenda, protokoll, attendance, votes,
justering, anslag and the registers, with who made it, when, and the row before and after.

The historical models live in this app (tables `audit_historical<model>`), but the list of
what is recorded does not: each app registers its own models with
`audit.history.history_record` at the bottom of its models.py, so the audit app is the lowest
layer and imports none of the apps (docs/architecture.md). `RECORDED` is the full list once
the apps are loaded.
"""

from .history import RECORDED

__all__ = ["RECORDED"]
