"""Bevakning: a reader's e-mail subscription to an organ, a search or a diarienummer.

Only what the digest needs is stored: the e-mail address, what it follows, how often, and what
has been sent (so nothing is sent twice). No name, no IP address, no click or open tracking.
A subscription exists only once its address is confirmed (the request itself lives in the
signed confirmation link, alerts/tokens.py); unsubscribing deletes the row and its log.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Subscription(models.Model):
    class Kind(models.TextChoices):
        COMMITTEE = "organ", _("a committee")
        QUERY = "sokning", _("a search")
        CASE = "diarienummer", _("a diarienummer")

    class Frequency(models.TextChoices):
        IMMEDIATE = "direkt", _("at once, when something is published")
        DAILY = "daglig", _("once a day")

    email = models.EmailField(_("e-mail address"))
    kind = models.CharField(_("follows"), max_length=20, choices=Kind.choices)
    committee = models.ForeignKey(
        "committees.Committee",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("committee"),
    )
    query = models.CharField(_("search"), max_length=200, blank=True)
    diarienummer = models.CharField(_("diarienummer"), max_length=40, blank=True)
    frequency = models.CharField(
        _("how often"), max_length=10, choices=Frequency.choices, default=Frequency.IMMEDIATE
    )
    confirmed_at = models.DateTimeField(_("confirmed"))
    checked_until = models.DateTimeField(
        _("checked until"),
        help_text=_("The high-water mark: what became public before this was considered for a digest."),
    )

    class Meta:
        verbose_name = _("bevakning")
        verbose_name_plural = _("bevakningar")
        indexes = [models.Index(fields=["frequency"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="organ", committee__isnull=False)
                    | models.Q(kind="sokning", committee__isnull=True) & ~models.Q(query="")
                    | models.Q(kind="diarienummer", committee__isnull=True) & ~models.Q(diarienummer="")
                ),
                name="subscription_has_its_target",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.target_label}"

    @property
    def target_label(self) -> str:
        if self.kind == self.Kind.COMMITTEE:
            return self.committee.name if self.committee_id else ""
        return self.query if self.kind == self.Kind.QUERY else self.diarienummer


class SentItem(models.Model):
    """One item sent in a digest to one subscription ("paragraph:12"): never sent again.
    Rows older than the digest's look-back are pruned (alerts/digest.py)."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="sent_items", verbose_name=_("bevakning")
    )
    key = models.CharField(_("item"), max_length=60)
    sent_at = models.DateTimeField(_("sent"))

    class Meta:
        verbose_name = _("sent item")
        verbose_name_plural = _("sent items")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "key"], name="sent_item_once"),
        ]

    def __str__(self):
        return self.key
