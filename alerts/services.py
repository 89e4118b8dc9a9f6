"""Bevakning's rules: asking for a subscription (rate-limited, a confirmation e-mail and nothing
stored), confirming it, unsubscribing (the row and its log deleted), and sending a digest of
what is new (each item once per subscription).

The digest's high-water mark: each run considers what became public since the subscription's
`checked_until` less `LOOK_BACK` (a protokoll justerat in a transaction that committed after an
earlier run had looked, a search index that caught up late), never before the confirmation,
and the sent log (`SentItem`) keeps what is in that overlap from being sent twice. A run holds
the subscription's row lock, so two runs never send the same digest.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from committees.models import Committee
from portal.published import published_committees
from portal.search import diarienummer_in_query

from . import tokens
from .digest import DigestItem, new_items
from .models import SentItem, Subscription
from .tokens import SubscriptionRequest

logger = logging.getLogger(__name__)

LOOK_BACK = timedelta(days=1)
RATE_WINDOW = 3600  # seconds


class RateLimited(Exception):
    pass


def absolute(path: str) -> str:
    return settings.PARAGRAF_BASE_URL.rstrip("/") + path


def _digest(value: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{value}".encode()).hexdigest()[:32]


def _count(key: str) -> int:
    """Count one request in the window; the key expires with it (nothing kept longer)."""
    if cache.add(key, 1, RATE_WINDOW):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, RATE_WINDOW)
        return 1


def rate_limit(*, email: str, client: str | None) -> None:
    """At most PARAGRAF_ALERTS_PER_ADDRESS confirmation e-mails to one address and
    PARAGRAF_ALERTS_PER_CLIENT requests from one client an hour. Only keyed hashes are kept in
    the cache, for the hour."""
    by_address = _count(f"alerts:rate:address:{_digest(email.lower())}")
    by_client = _count(f"alerts:rate:client:{_digest(client or '-')}")
    if by_address > settings.PARAGRAF_ALERTS_PER_ADDRESS or by_client > settings.PARAGRAF_ALERTS_PER_CLIENT:
        raise RateLimited


def normalised_diarienummer(value: str) -> str | None:
    """ "KS 2022/2018" from "ks  2022/2018"; None if it is not a diarienummer."""
    found = diarienummer_in_query(value)
    if found is None:
        return None
    return " ".join(part for part in found if part)


def describe(kind: str, *, committee: Committee | None, query: str, diarienummer: str) -> str:
    if kind == Subscription.Kind.COMMITTEE:
        return _("the committee %(name)s") % {"name": committee.name if committee else "?"}
    if kind == Subscription.Kind.QUERY:
        return _("the search “%(query)s”") % {"query": query}
    return _("the diarienummer %(number)s") % {"number": diarienummer}


def request_subscription(request: SubscriptionRequest, *, client: str | None) -> None:
    """Send the confirmation e-mail (raises RateLimited). Nothing is stored: the request is in
    the link. Whether the address already follows this is not told, to anyone."""
    rate_limit(email=request.email, client=client)
    committee = Committee.objects.filter(pk=request.committee_id).first() if request.committee_id else None
    link = absolute(reverse("alerts:confirm", args=[tokens.confirm_token(request)]))
    body = render_to_string(
        "alerts/mail/confirm.txt",
        {
            "what": describe(
                request.kind, committee=committee, query=request.query, diarienummer=request.diarienummer
            ),
            "link": link,
            "hours": settings.PARAGRAF_ALERTS_CONFIRM_HOURS,
            "frequency": Subscription.Frequency(request.frequency).label,
        },
    )
    EmailMessage(
        subject=_("Confirm your bevakning"),
        body=body,
        to=[request.email],
        headers={"Auto-Submitted": "auto-generated"},
    ).send()


def subscription_confirm(request: SubscriptionRequest) -> Subscription:
    """Create the subscription of a confirmed request (confirming twice changes nothing but
    the frequency asked for). The committee must still be public."""
    now = timezone.now()
    committee = None
    if request.kind == Subscription.Kind.COMMITTEE:
        committee = published_committees().filter(pk=request.committee_id).first()
        if committee is None:
            raise tokens.TokenError("invalid")
    with transaction.atomic():
        subscription, created = Subscription.objects.select_for_update().get_or_create(
            email=request.email,
            kind=request.kind,
            committee=committee,
            query=request.query if request.kind == Subscription.Kind.QUERY else "",
            diarienummer=request.diarienummer if request.kind == Subscription.Kind.CASE else "",
            defaults={"frequency": request.frequency, "confirmed_at": now, "checked_until": now},
        )
        if not created and subscription.frequency != request.frequency:
            subscription.frequency = request.frequency
            subscription.save(update_fields=["frequency"])
    return subscription


def subscription_delete(pk: int) -> bool:
    """Unsubscribe: the row, its address and its sent log are deleted. False if already gone."""
    deleted, _counts = Subscription.objects.filter(pk=pk).delete()
    return bool(deleted)


def unsubscribe_url(subscription: Subscription) -> str:
    return absolute(reverse("alerts:unsubscribe", args=[tokens.unsubscribe_token(subscription.pk)]))


def _digest_message(subscription: Subscription, items: list[DigestItem]) -> EmailMessage:
    unsubscribe = unsubscribe_url(subscription)
    what = describe(
        subscription.kind,
        committee=subscription.committee,
        query=subscription.query,
        diarienummer=subscription.diarienummer,
    )
    body = render_to_string(
        "alerts/mail/digest.txt",
        {
            "what": what,
            "items": [(item, absolute(item.path)) for item in items],
            "unsubscribe": unsubscribe,
            "subscribe": absolute(reverse("alerts:subscribe")),
        },
    )
    return EmailMessage(
        subject=_("Bevakning: %(count)d new for %(what)s") % {"count": len(items), "what": what},
        body=body,
        to=[subscription.email],
        headers={
            # RFC 2369 and RFC 8058: mail programs offer a one-click unsubscribe (a POST).
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "Precedence": "bulk",
        },
    )


def send_digest(subscription_pk: int) -> int:
    """Send one subscription what is new since its high-water mark (nothing if nothing is);
    returns the number of items sent. Idempotent: an item is sent to a subscription once."""
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        subscription = (
            Subscription.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("committee")
            .filter(pk=subscription_pk)
            .first()
        )
        if subscription is None:  # unsubscribed, or another run holds it
            return 0
        now = timezone.now()
        since = max(subscription.confirmed_at, subscription.checked_until - LOOK_BACK)
        sent = set(subscription.sent_items.values_list("key", flat=True))
        items = [item for item in new_items(subscription, since=since) if item.key not in sent]
        if items:
            # Sent inside the transaction: if the mail server refuses, nothing is recorded and
            # the next run tries again.
            _digest_message(subscription, items).send()
            SentItem.objects.bulk_create(
                [SentItem(subscription=subscription, key=item.key, sent_at=now) for item in items]
            )
        # What was sent before the next run's look-back cannot match again.
        subscription.sent_items.filter(sent_at__lt=now - LOOK_BACK).delete()
        subscription.checked_until = now
        subscription.save(update_fields=["checked_until"])
        return len(items)


def send_digests(*, frequency: str) -> dict[str, int]:
    """Every confirmed subscription of that frequency: its digest, if anything is new."""
    subscriptions = items = 0
    for pk in Subscription.objects.filter(frequency=frequency).order_by("pk").values_list("pk", flat=True):
        try:
            sent = send_digest(pk)
        except Exception:  # one failing address must not stop the others; the next run retries it
            logger.exception("Digest of bevakning %s not sent", pk)
            continue
        subscriptions += bool(sent)
        items += sent
    return {"digests": subscriptions, "items": items}
