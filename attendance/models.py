"""Närvaro, förhinder, jäv, omröstningar and reservationer."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from audit.history import history_record
from committees.models import Person
from meetings.models import Meeting, Paragraph, ProtokollContentMixin


class Attendance(ProtokollContentMixin, models.Model):
    """One person's närvaro at a meeting: present or not, tjänstgörande for whom, from/to which §."""

    class Status(models.TextChoices):
        PRESENT = "present", _("present")
        ABSENT = "absent", _("absent")

    class Capacity(models.TextChoices):
        MEMBER = "ledamot", _("ledamot")
        SUBSTITUTE = "ersattare", _("ersättare")
        OFFICIAL = "tjansteperson", _("tjänsteperson")
        OTHER = "ovrig", _("övrig närvarande")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("meeting")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="attendances", verbose_name=_("person")
    )
    status = models.CharField(_("närvaro"), max_length=10, choices=Status.choices, default=Status.PRESENT)
    capacity = models.CharField(
        _("capacity"), max_length=15, choices=Capacity.choices, default=Capacity.MEMBER
    )
    serving = models.BooleanField(
        _("tjänstgör"),
        default=False,
        help_text=_("Takes part in decisions (ledamot or tjänstgörande ersättare)."),
    )
    replaces = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("tjänstgör för"),
    )
    from_paragraph = models.ForeignKey(
        Paragraph,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from §"),
    )
    to_paragraph = models.ForeignKey(
        Paragraph,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to §"),
    )
    arrived_at = models.TimeField(_("arrived"), null=True, blank=True)
    left_at = models.TimeField(_("left"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["meeting", "capacity", "person__last_name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="attendance_one_row_per_person"),
            models.CheckConstraint(
                condition=~Q(replaces=models.F("person")), name="attendance_not_replacing_self"
            ),
        ]

    def __str__(self):
        return f"{self.person} – {self.get_status_display()}"


class AbsenceNotice(models.Model):
    """A reported förhinder, and the ersättare the secretary called in for it."""

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="absence_notices",
        verbose_name=_("meeting"),
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="absence_notices", verbose_name=_("person")
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    reported_at = models.DateTimeField(_("reported"), auto_now_add=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    substitute = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="called_in_for",
        verbose_name=_("ersättare called in"),
    )
    substitute_confirmed_at = models.DateTimeField(_("ersättare confirmed"), null=True, blank=True)
    substitute_notified_at = models.DateTimeField(_("ersättare e-mailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("förhinder")
        verbose_name_plural = _("förhinder")
        ordering = ["meeting", "reported_at"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="absence_notice_one_per_person"),
        ]

    def __str__(self):
        return f"{self.person} – {self.meeting}"


class Disqualification(ProtokollContentMixin, models.Model):
    protokoll_meeting_path = "paragraph__meeting"

    """Jäv: the member takes no part in the handling of this paragraph."""

    paragraph = models.ForeignKey(
        Paragraph,
        on_delete=models.CASCADE,
        related_name="disqualifications",
        verbose_name=_("paragraph"),
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="disqualifications",
        verbose_name=_("person"),
    )
    substitute = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ersättare who serves instead"),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("jäv")
        verbose_name_plural = _("jäv")
        constraints = [
            models.UniqueConstraint(fields=["paragraph", "person"], name="disqualification_one_per_person"),
        ]

    def __str__(self):
        return f"{self.person} – {self.paragraph}"


class Vote(ProtokollContentMixin, models.Model):
    protokoll_meeting_path = "paragraph__meeting"

    """An omröstning (votering) in a paragraph: proposition A (ja) against B (nej)."""

    class Kind(models.TextChoices):
        OPEN = "open", _("open vote")
        CLOSED = "closed", _("closed vote")

    paragraph = models.ForeignKey(
        Paragraph, on_delete=models.CASCADE, related_name="votes", verbose_name=_("paragraph")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OPEN)
    is_election = models.BooleanField(
        _("election (val)"), default=False, help_text=_("In elections lots decide a tie.")
    )
    proposition_yes = models.TextField(_("proposition A (ja)"))
    proposition_no = models.TextField(_("proposition B (nej)"))
    yes_count = models.PositiveSmallIntegerField(_("ja"), null=True, blank=True)
    no_count = models.PositiveSmallIntegerField(_("nej"), null=True, blank=True)
    abstain_count = models.PositiveSmallIntegerField(_("avstår"), null=True, blank=True)

    class Result(models.TextChoices):
        YES = "ja", _("proposition A")
        NO = "nej", _("proposition B")

    result = models.CharField(_("result"), max_length=5, choices=Result.choices, blank=True)
    casting_vote_used = models.BooleanField(_("ordförande's casting vote decided"), default=False)
    decided_by_lot = models.BooleanField(_("decided by lot"), default=False)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["paragraph", "order"]

    def __str__(self):
        return f"{_('Vote')} {self.paragraph}"


class Ballot(ProtokollContentMixin, models.Model):
    protokoll_meeting_path = "vote__paragraph__meeting"

    """How one tjänstgörande member voted in an open vote."""

    class Choice(models.TextChoices):
        YES = "ja", _("ja")
        NO = "nej", _("nej")
        ABSTAIN = "avstar", _("avstår")

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots", verbose_name=_("vote"))
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="ballots", verbose_name=_("person")
    )
    choice = models.CharField(_("choice"), max_length=10, choices=Choice.choices)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [
            models.UniqueConstraint(fields=["vote", "person"], name="ballot_one_per_person"),
        ]

    def __str__(self):
        return f"{self.person}: {self.get_choice_display()}"


class Reservation(ProtokollContentMixin, models.Model):
    protokoll_meeting_path = "paragraph__meeting"

    """A reservation against the decision of a paragraph, with the written reason if handed in."""

    paragraph = models.ForeignKey(
        Paragraph,
        on_delete=models.CASCADE,
        related_name="reservations",
        verbose_name=_("paragraph"),
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("person")
    )
    text = models.TextField(_("written reservation"), blank=True)
    submitted_at = models.DateTimeField(_("written reason handed in"), null=True, blank=True)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        constraints = [
            models.UniqueConstraint(fields=["paragraph", "person"], name="reservation_one_per_person"),
        ]

    def __str__(self):
        return f"{self.person} – {self.paragraph}"


# The audit trail (audit/history.py). Ballots exist only for open votes (`vote_record` refuses
# them in a closed vote, which records counts only), so their history says nothing the
# protokoll does not.
history_record(Attendance, AbsenceNotice, Disqualification, Vote, Ballot, Reservation)
