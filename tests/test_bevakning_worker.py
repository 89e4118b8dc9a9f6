"""Bevakning's digest task in a real Celery worker (a separate process, through Redis): it
sends what a justerat protokoll brought once, and a second run sends nothing. (Its own file:
the module world of tests/test_bevakning.py holds a transaction open that a transaction=True
test must not run inside.)"""

import pytest
from django.core import mail
from django.utils import timezone

from alerts.models import SentItem, Subscription
from tests.portal_data import public_world
from tests.test_bevakning import ADDRESS, justera


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_real_worker_sends_a_digest_once(run_in_worker, signing_ca):
    world = public_world()
    now = timezone.now()
    subscription = Subscription.objects.create(
        email=ADDRESS, kind="organ", committee=world.committee, confirmed_at=now, checked_until=now
    )
    justera(world, day=19)  # commits: the on-commit enqueue goes to the worker too
    first = run_in_worker("alerts.tasks.send_immediate_digests", timeout=60)
    again = run_in_worker("alerts.tasks.send_immediate_digests", timeout=60)
    assert again == {"digests": 0, "items": 0}, (first, again)
    keys = set(SentItem.objects.filter(subscription=subscription).values_list("key", flat=True))
    assert {"protokoll", "paragraph"} <= {k.split(":")[0] for k in keys}, keys
    subscription.refresh_from_db()
    assert subscription.checked_until > now
    assert not [m for m in mail.outbox if m.subject.startswith("Bevakning:")], "sent by the worker process"
