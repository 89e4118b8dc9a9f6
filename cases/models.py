"""Ärenden, handlingar, remisser, motioner, delegationsordning and delegationsbeslut.

The models stay in one module (over 400 lines): they refer to each other (a remiss, a motion
and a delegationsbeslut belong to an ärende), and models.py is where a reader looks for them.
"""

import re

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.history import history_record
from committees.models import Committee, Organisation, Person
from committees.sekretess import Confidentiality

DIARIENUMMER_RE = re.compile(r"^(?P<prefix>[A-ZÅÄÖ]{1,20}) (?P<year>\d{4})/(?P<serial>\d{1,7})$")


class DiariumSeries(models.Model):
    """The last serial used per diarium prefix and year; locked row by row to allocate numbers."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField(_("year"))
    last_serial = models.PositiveIntegerField(_("last serial"), default=0)

    class Meta:
        verbose_name = _("diarium series")
        verbose_name_plural = _("diarium series")
        constraints = [models.UniqueConstraint(fields=["organisation", "year"], name="diarium_series_unique")]

    def __str__(self):
        return f"{self.organisation.diarium_prefix} {self.year}: {self.last_serial}"


class Case(Confidentiality):
    """An ärende with its diarienummer ("RJL 2022/2018") and ärendemening (title)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("organisation"),
    )
    prefix = models.CharField(_("prefix"), max_length=20)
    year = models.PositiveSmallIntegerField(_("year"))
    serial = models.PositiveIntegerField(_("serial"))
    title = models.CharField(_("ärendemening"), max_length=500)
    registered_on = models.DateField(_("registered"), null=True, blank=True)
    committee = models.ForeignKey(
        Committee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("responsible committee"),
    )
    responsible = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("responsible official"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified"), auto_now=True)

    class Meta(Confidentiality.Meta):
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-year", "-serial"]
        constraints = [
            *Confidentiality.Meta.constraints,
            models.UniqueConstraint(fields=["prefix", "year", "serial"], name="case_unique_diarienummer"),
        ]

    def __str__(self):
        return f"{self.diarienummer} {self.title}"

    @property
    def diarienummer(self) -> str:
        return f"{self.prefix} {self.year}/{self.serial}"

    @property
    def short_number(self) -> str:
        """As the kallelse prints it: "2022/2018"."""
        return f"{self.year}/{self.serial}"


class Document(Confidentiality):
    """A handling: a tjänsteskrivelse, missiv, yttrande, protokollsutdrag, motion, bilaga…"""

    class Kind(models.TextChoices):
        TJANSTESKRIVELSE = "tjansteskrivelse", _("tjänsteskrivelse")
        MISSIV = "missiv", _("missiv")
        YTTRANDE = "yttrande", _("yttrande")
        PROTOKOLLSUTDRAG = "protokollsutdrag", _("protokollsutdrag")
        PROTOKOLL = "protokoll", _("protokoll")
        MOTION = "motion", _("motion")
        REMISS = "remiss", _("remiss")
        BILAGA = "bilaga", _("bilaga")
        DELEGATIONSBESLUT = "delegationsbeslut", _("delegationsbeslut")
        PRESENTATION = "presentation", _("presentation")
        OTHER = "ovrigt", _("other")

    class Conversion(models.TextChoices):
        NONE = "", _("PDF as uploaded")
        PENDING = "pending", _("waiting for conversion to PDF")
        DONE = "done", _("converted to PDF")
        FAILED = "failed", _("conversion to PDF failed")

    title = models.CharField(_("title"), max_length=500)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.OTHER)
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("case"),
    )
    source_file = models.FileField(
        _("original (DOCX/ODT)"),
        upload_to="documents/source/%Y/",
        blank=True,
        help_text=_("The word-processor file a PDF was converted from."),
    )
    conversion = models.CharField(
        _("conversion"), max_length=10, choices=Conversion.choices, default=Conversion.NONE, blank=True
    )
    conversion_error = models.TextField(_("conversion error"), blank=True)
    file = models.FileField(_("file"), upload_to="documents/%Y/", blank=True)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    # A reviderad handling names the version it replaces: a member's private annotations of the
    # old version are shown on the pages the new one still has (reading.services).
    replaces = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces"),
        help_text=_("The earlier version of this handling that this one replaces (reviderad handling)."),
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    # For OParl File.sha512Checksum; filled at upload, or by `oparl.records` for older files.
    sha512 = models.CharField(_("SHA-512"), max_length=128, blank=True)
    registration_id = models.CharField(
        _("registration id"), max_length=50, blank=True, help_text=_('For example "2022.10154".')
    )
    date = models.DateField(_("date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta(Confidentiality.Meta):
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-date", "title"]

    def __str__(self):
        return self.title


class Remiss(models.Model):
    """An incoming remiss (request for comments) that a committee answers with a yttrande."""

    class Status(models.TextChoices):
        RECEIVED = "mottagen", _("received")
        ASSIGNED = "tilldelad", _("assigned")
        ANSWERED = "besvarad", _("answered")
        DECLINED = "avstar", _("declined")

    class Direction(models.TextChoices):
        INCOMING = "I", _("incoming (I)")
        OUTGOING = "U", _("outgoing (U)")
        INTERNAL = "K", _("internal (K)")

    registration_id = models.CharField(_("registration id"), max_length=50, blank=True)
    direction = models.CharField(
        _("I/U/K"), max_length=1, choices=Direction.choices, default=Direction.INCOMING
    )
    title = models.CharField(_("description"), max_length=500)
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="remisser",
        verbose_name=_("case"),
    )
    sender = models.CharField(_("sender"), max_length=300)
    received_on = models.DateField(_("received"))
    answer_by = models.DateField(_("answer deadline"), null=True, blank=True)
    responsible = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="remisser",
        verbose_name=_("responsible official"),
    )
    department = models.CharField(_("department"), max_length=200, blank=True)
    document_type = models.CharField(_("document type"), max_length=100, blank=True)
    committee = models.ForeignKey(
        Committee,
        on_delete=models.PROTECT,
        related_name="remisser",
        verbose_name=_("answering committee"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED)
    status_date = models.DateField(_("status date"), null=True, blank=True)
    answered_by_paragraph = models.ForeignKey(
        "meetings.Paragraph",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="answered_remisser",
        verbose_name=_("answered by paragraph"),
    )
    answer_document = models.ForeignKey(
        Document,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("yttrande"),
    )
    documents = models.ManyToManyField(
        Document, blank=True, related_name="remisser", verbose_name=_("remiss documents")
    )
    reported_at_meeting = models.ForeignKey(
        "meetings.Meeting",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_remisser",
        verbose_name=_("reported at meeting"),
    )
    # When the deadline reminders were e-mailed, so each is sent once (cases.tasks).
    reminded_14_at = models.DateTimeField(_("reminded 14 days before"), null=True, blank=True)
    reminded_3_at = models.DateTimeField(_("reminded 3 days before"), null=True, blank=True)

    class Meta:
        verbose_name = _("remiss")
        verbose_name_plural = _("remisser")
        ordering = ["answer_by", "received_on"]

    def __str__(self):
        return self.title


class Motion(models.Model):
    """A motion raised in fullmäktige, prepared by a committee and answered within a year."""

    class Status(models.TextChoices):
        RAISED = "vackt", _("raised")
        PREPARING = "bereds", _("being prepared")
        ANSWERED = "besvarad", _("answered")
        WITHDRAWN = "aterkallad", _("withdrawn")

    title = models.CharField(_("title"), max_length=500)
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="motions",
        verbose_name=_("case"),
    )
    submitters = models.ManyToManyField(Person, related_name="motions", verbose_name=_("submitters"))
    submitted_on = models.DateField(_("submitted"))
    raised_on = models.DateField(_("raised in fullmäktige"), null=True, blank=True)
    preparing_committee = models.ForeignKey(
        Committee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="motions",
        verbose_name=_("preparing committee"),
    )
    answer_by = models.DateField(_("answer deadline"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RAISED)
    answered_by_paragraph = models.ForeignKey(
        "meetings.Paragraph",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="answered_motions",
        verbose_name=_("answered by paragraph"),
    )
    document = models.ForeignKey(
        Document,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("motion text"),
    )

    class Meta:
        verbose_name = _("motion")
        verbose_name_plural = _("motions")
        ordering = ["-submitted_on"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # KL 5 kap. 35 §: a motion should be answered within a year of being raised.
        if self.answer_by is None and self.raised_on is not None:
            self.answer_by = motion_default_answer_by(self.raised_on)
        super().save(*args, **kwargs)


def motion_default_answer_by(raised_on):
    """One year after the motion was raised in fullmäktige (29 February → 28 February)."""
    try:
        return raised_on.replace(year=raised_on.year + 1)
    except ValueError:
        return raised_on.replace(year=raised_on.year + 1, day=28)


class DelegationPoint(models.Model):
    """A point of a committee's delegationsordning: code, what may be decided, by whom."""

    committee = models.ForeignKey(
        Committee,
        on_delete=models.CASCADE,
        related_name="delegation_points",
        verbose_name=_("committee"),
    )
    code = models.CharField(_("code"), max_length=30, help_text=_('For example "ANAV 4.5.3".'))
    description = models.TextField(_("what may be decided"))
    delegate_role = models.CharField(_("delegate"), max_length=200)
    limits = models.CharField(_("limits"), max_length=300, blank=True)
    decided_on = models.DateField(_("delegationsordning decided"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("delegation point")
        verbose_name_plural = _("delegationsordning")
        ordering = ["committee", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "code", "decided_on"], name="delegation_point_unique_version"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.description[:60]}"


class DelegatedDecision(models.Model):
    """A delegationsbeslut, reported (anmält) to the committee at a later meeting."""

    registration_id = models.CharField(_("registration id"), max_length=50, blank=True)
    decided_on = models.DateField(_("date"))
    description = models.TextField(_("description"))
    decision_maker = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="delegated_decisions",
        verbose_name=_("decision maker"),
    )
    decision_maker_number = models.PositiveIntegerField(
        _("decision maker's number"),
        help_text=_('The running number per decision maker and year: "§8/2022".'),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    counterpart = models.CharField(_("sender/recipient"), max_length=300, blank=True)
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="delegated_decisions",
        verbose_name=_("case"),
    )
    point = models.ForeignKey(
        DelegationPoint,
        on_delete=models.PROTECT,
        related_name="decisions",
        verbose_name=_("delegation point"),
    )
    responsible = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible"),
    )
    document = models.ForeignKey(
        Document,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document"),
    )
    reported_at_meeting = models.ForeignKey(
        "meetings.Meeting",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_delegated_decisions",
        verbose_name=_("reported at meeting"),
    )
    reported_in_paragraph = models.ForeignKey(
        "meetings.Paragraph",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_delegated_decisions",
        verbose_name=_("reported in paragraph"),
    )

    class Meta:
        verbose_name = _("delegated decision")
        verbose_name_plural = _("delegated decisions")
        ordering = ["-decided_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision_maker", "year", "decision_maker_number"],
                name="delegated_decision_unique_number",
            ),
        ]

    def __str__(self):
        return f"{self.number_label} {self.description[:60]}"

    @property
    def number_label(self) -> str:
        return f"§{self.decision_maker_number}/{self.year}"

    @property
    def committee(self):
        return self.point.committee


class DecisionMakerSeries(models.Model):
    """The last running number a decision maker gave a delegationsbeslut in a year ("§8/2022");
    locked row by row to allocate the next one."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+", verbose_name=_("person"))
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("decision maker's number series")
        verbose_name_plural = _("decision makers' number series")
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="decision_maker_series_unique"),
        ]

    def __str__(self):
        return f"{self.person} {self.year}: {self.last_number}"


# The audit trail (audit/history.py). Document: the metadata of a handling; the file itself is
# never replaced (`document_upload`).
history_record(Case, Remiss, Motion, DelegatedDecision, Document)
