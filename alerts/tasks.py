"""Celery tasks of bevakning: thin, idempotent entry points into alerts.services. Running one
twice sends nothing twice (the sent log and the row lock of `send_digest`)."""

from celery import shared_task

from .models import Subscription
from .services import send_digests


@shared_task(acks_late=True)
def send_immediate_digests() -> dict:
    """The digests of the subscriptions that want news at once: enqueued on commit when
    something is published (alerts/signals.py), and by beat as a sweep for what was missed."""
    return send_digests(frequency=Subscription.Frequency.IMMEDIATE)


@shared_task(acks_late=True)
def send_daily_digests() -> dict:
    """The daily digests (beat, once a morning)."""
    return send_digests(frequency=Subscription.Frequency.DAILY)
