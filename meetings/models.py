"""Meetings, agenda items, paragraphs (§), justering, anslag and the documents built from them.

The models stay in one module (about 800 lines): they refer to each other, the record-lock
mixin and the status groups apply to them all, and splitting them would only spread the
relations over several files.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from audit.history import history_record
from cases.models import Case, Document
from committees.models import Committee, Person
from committees.sekretess import Confidentiality

from .richtext import RichTextField, RichTextSanitizingMixin


class MeetingQuerySet(models.QuerySet):
    def for_secretary(self, user):
        return self.filter(committee__in=Committee.objects.for_secretary(user))


class ProtokollLockedError(ValidationError):
    """A change to a protokoll (its paragraphs, attendance, jäv, votes) after it was frozen."""


class ProtokollContentMixin:
    """Refuses to save or delete a row of a frozen protokoll, whatever path the change takes
    through the ORM. `protokoll_meeting_path` is the path from the row to its Meeting; the
    meeting's status is read from the database, not from a possibly stale instance."""

    protokoll_meeting_path = "meeting"

    def _protokoll_meeting_id(self):
        obj = self
        *parts, last = self.protokoll_meeting_path.split("__")
        for part in parts:
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return getattr(obj, f"{last}_id", None)

    def _refuse_if_protokoll_locked(self):
        meeting_id = self._protokoll_meeting_id()
        if meeting_id and Meeting.objects.filter(pk=meeting_id, status__in=Meeting.Status.FROZEN).exists():
            raise ProtokollLockedError(
                _("The protokoll has been sent for justering; it can no longer be changed."),
                code="protokoll_locked",
            )

    def save(self, *args, **kwargs):
        self._refuse_if_protokoll_locked()
        if self.pk and self.protokoll_meeting_path != "meeting":
            # A row moved from a frozen protokoll is also a change to that protokoll.
            previous = type(self).objects.filter(pk=self.pk).first()
            if previous is not None:
                previous._refuse_if_protokoll_locked()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_protokoll_locked()
        return super().delete(*args, **kwargs)


class Meeting(models.Model):
    """A sammanträde of a committee, following the life of a meeting in DESIGN.md."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        AGENDA_DRAFTED = "agenda", _("agenda drafted")
        SUMMONED = "summoned", _("kallelse sent")
        HELD = "held", _("held")
        PROTOKOLL_DRAFTED = "drafted", _("protokoll drafted")
        READY_FOR_JUSTERING = "frozen", _("ready for justering")
        JUSTERAT = "justerat", _("justerat")
        POSTED = "posted", _("anslag posted")
        TAKEN_DOWN = "taken_down", _("anslag taken down")
        ARCHIVED = "archived", _("archived")
        CANCELLED = "cancelled", _("cancelled")

    # From status → the statuses it may move to. The one place the life of a meeting is written.
    TRANSITIONS = {
        Status.PLANNED: {Status.AGENDA_DRAFTED, Status.CANCELLED},
        Status.AGENDA_DRAFTED: {Status.SUMMONED, Status.PLANNED, Status.CANCELLED},
        Status.SUMMONED: {Status.HELD, Status.AGENDA_DRAFTED, Status.CANCELLED},
        Status.HELD: {Status.PROTOKOLL_DRAFTED},
        # Back to held: the draft protokoll deleted (meetings/services/deletion.py).
        Status.PROTOKOLL_DRAFTED: {Status.READY_FOR_JUSTERING, Status.HELD},
        Status.READY_FOR_JUSTERING: {Status.JUSTERAT, Status.PROTOKOLL_DRAFTED},
        Status.JUSTERAT: {Status.POSTED},
        Status.POSTED: {Status.TAKEN_DOWN},
        Status.TAKEN_DOWN: {Status.ARCHIVED},
        Status.ARCHIVED: set(),
        Status.CANCELLED: set(),
    }
    # The named groups of statuses, in the order of the life of a meeting. Every "is the meeting
    # at this stage?" in the code asks one of these; docs/glossary.md says what each means.
    # (The database triggers in audit/locks.py write FROZEN and JUSTERAT_OR_LATER out as SQL;
    # tests/test_records_locked*.py check that they agree.)
    #: Not yet held and not cancelled: the agenda may change, absences may be reported, the
    #: public calendar shows the meeting.
    Status.UPCOMING = (Status.PLANNED, Status.AGENDA_DRAFTED, Status.SUMMONED)
    #: The kallelse has gone out (and the meeting was not cancelled): members see the agenda
    #: and the handlingar.
    Status.SUMMONED_OR_LATER = (
        Status.SUMMONED,
        Status.HELD,
        Status.PROTOKOLL_DRAFTED,
        Status.READY_FOR_JUSTERING,
        Status.JUSTERAT,
        Status.POSTED,
        Status.TAKEN_DOWN,
        Status.ARCHIVED,
    )
    #: Held, and the protokoll is a draft: its paragraphs, attendance and votes may change.
    Status.DRAFTING = (Status.HELD, Status.PROTOKOLL_DRAFTED)
    #: Held and not yet justerat: a paragraph with omedelbar justering may be signed at once.
    Status.HELD_NOT_JUSTERAT = (Status.HELD, Status.PROTOKOLL_DRAFTED, Status.READY_FOR_JUSTERING)
    #: Frozen: sent for justering or later. Nothing in the protokoll may change
    #: (`ProtokollContentMixin`, and the database triggers of audit/locks.py).
    Status.FROZEN = (
        Status.READY_FOR_JUSTERING,
        Status.JUSTERAT,
        Status.POSTED,
        Status.TAKEN_DOWN,
        Status.ARCHIVED,
    )
    #: Justerat or later: the protokoll is signed, public (portal, OParl) and its decisions
    #: reported; the delegationsbeslut anmälda at the meeting count as reported.
    Status.JUSTERAT_OR_LATER = (Status.JUSTERAT, Status.POSTED, Status.TAKEN_DOWN, Status.ARCHIVED)

    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("committee")
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"), null=True, blank=True)
    location = models.CharField(_("place"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    secretary = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("secretary"),
    )
    chair = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chair of the meeting"),
    )
    agenda_published = models.BooleanField(
        _("agenda published"),
        default=False,
        help_text=_("Show the public part of the agenda on the public meeting calendar."),
    )
    attendance_as_annex = models.BooleanField(
        _("attendance as Bilaga 1"),
        default=False,
        help_text=_("Print attendance as an annex instead of on the first page (large bodies)."),
    )
    signature_reference = models.UUIDField(
        _("signature reference"), default=uuid.uuid4, editable=False, unique=True
    )
    note = models.TextField(_("note"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified"), auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-start"]
        indexes = [models.Index(fields=["committee", "start"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="meeting_end_after_start",
            ),
        ]

    def __init__(self, *args, **kwargs):
        # A new meeting takes the committee's närvarolista setting unless it is given
        # (a keyword, a form that sets it, a row read from the database: positional args).
        super().__init__(*args, **kwargs)
        self.__dict__["_annex_from_committee"] = not args and "attendance_as_annex" not in kwargs

    def __setattr__(self, name, value):
        if name == "attendance_as_annex" and "_annex_from_committee" in self.__dict__:
            self.__dict__["_annex_from_committee"] = False
        super().__setattr__(name, value)

    def __str__(self):
        return f"{self.committee.name} {self.start:%Y-%m-%d}"

    # What a calendar shows of a meeting besides its status: a change to one of these bumps
    # `version`, the calendars' SEQUENCE (as does every status change, `meeting_transition`).
    CALENDAR_FIELDS = ("start", "end", "location")

    def save(self, *args, **kwargs):
        if self._state.adding and self.__dict__.get("_annex_from_committee") and self.committee_id:
            self.__dict__["attendance_as_annex"] = (
                Committee.objects.filter(pk=self.committee_id)
                .values_list("attendance_as_annex", flat=True)
                .first()
                or False
            )
            self.__dict__["_annex_from_committee"] = False
        update_fields = kwargs.get("update_fields")
        if self.pk and (update_fields is None or set(update_fields) & set(self.CALENDAR_FIELDS)):
            stored = Meeting.objects.filter(pk=self.pk).values("version", *self.CALENDAR_FIELDS).first()
            if stored:
                changed = any(stored[name] != getattr(self, name) for name in self.CALENDAR_FIELDS)
                self.version = stored["version"] + (1 if changed else 0)
                if changed and update_fields is not None:
                    kwargs["update_fields"] = {*update_fields, "version"}
        super().save(*args, **kwargs)

    @property
    def is_locked(self) -> bool:
        return self.status in self.Status.FROZEN

    def can_move_to(self, status) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())


class MeetingTransition(models.Model):
    """One step in the life of a meeting: from which status to which, by whom and when."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("meeting")
    )
    from_status = models.CharField(_("from"), max_length=20, choices=Meeting.Status.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=Meeting.Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.meeting}: {self.from_status} → {self.to_status}"


class AgendaKind(models.TextChoices):
    DECISION = "beslut", _("beslutsärende")
    INFORMATION = "information", _("informationsärende")
    NOTIFICATION = "anmalan", _("anmälningsärende")
    ELECTION = "val", _("valärende")
    OTHER = "ovrigt", _("övrigt")


class GeneratedList(models.TextChoices):
    """A handling Paragraf builds for a standard agenda item from a register."""

    NONE = "", _("nothing")
    DELEGATED_DECISIONS = "delegationsbeslut", _("list of delegationsbeslut to report")
    REMISSER = "remisser", _("list of incoming remisser")


class AgendaTemplateItem(models.Model):
    """A standard agenda item a committee adds in one click ("Fastställande av dagordning")."""

    committee = models.ForeignKey(
        Committee,
        on_delete=models.CASCADE,
        related_name="agenda_template",
        verbose_name=_("committee"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    section = models.CharField(_("section heading"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=500)
    kind = models.CharField(_("kind"), max_length=20, choices=AgendaKind.choices, default=AgendaKind.OTHER)
    proposal = models.TextField(_("förslag till beslut"), blank=True)
    generates = models.CharField(
        _("generated handling"), max_length=20, choices=GeneratedList.choices, default="", blank=True
    )

    class Meta:
        verbose_name = _("standard agenda item")
        verbose_name_plural = _("standard agenda items")
        ordering = ["committee", "order"]

    def __str__(self):
        return self.title


class AgendaItem(RichTextSanitizingMixin, Confidentiality):
    """An item of the föredragningslista, with its ärende, förslag till beslut and handlingar."""

    Kind = AgendaKind

    class Outcome(models.TextChoices):
        HANDLED = "", _("handled")
        TABLED = "bordlagt", _("bordlagt")
        WITHDRAWN = "utgar", _("utgår")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="agenda_items", verbose_name=_("meeting")
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    section = models.CharField(
        _("section heading"),
        max_length=200,
        blank=True,
        help_text=_('For example "Beslutsärenden för nämnden".'),
    )
    title = models.CharField(_("title"), max_length=500)
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda_items",
        verbose_name=_("case"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DECISION)
    proposal = RichTextField(_("förslag till beslut"))
    summary = RichTextField(_("sammanfattning"))
    presenter = models.CharField(_("presenter"), max_length=200, blank=True)
    time_note = models.CharField(
        _("time"), max_length=50, blank=True, help_text=_('For example "ca.15.00-16.30".')
    )
    generates = models.CharField(
        _("generated handling"),
        max_length=20,
        choices=GeneratedList.choices,
        default="",
        blank=True,
        help_text=_("Paragraf attaches this list from the registers to the item."),
    )
    public_title = models.CharField(
        _("public title"),
        max_length=300,
        blank=True,
        help_text=_("A neutral title shown publicly for a confidential item, if allowed."),
    )
    added_at_meeting = models.BooleanField(_("added at the meeting"), default=False)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.HANDLED, blank=True
    )
    documents = models.ManyToManyField(
        Document,
        through="AgendaItemDocument",
        blank=True,
        related_name="agenda_items",
        verbose_name=_("beslutsunderlag"),
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified"), auto_now=True)

    class Meta(Confidentiality.Meta):
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "order", "id"]

    def __str__(self):
        return self.title


class AgendaItemDocument(models.Model):
    """A handling attached to an agenda item, in the chosen order."""

    agenda_item = models.ForeignKey(
        AgendaItem,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("agenda item"),
    )
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("document")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("beslutsunderlag")
        verbose_name_plural = _("beslutsunderlag")
        ordering = ["agenda_item", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agenda_item", "document"], name="agenda_item_document_unique"),
        ]

    def __str__(self):
        return str(self.document)


class ParagraphAnnex(ProtokollContentMixin, models.Model):
    """A handling attached to a § as a bilaga of the protokoll: merged into the protokoll PDF
    after the §§ and listed in its innehållsförteckning. The bilaga's number is not stored: it
    follows from the § order and `order` (`meetings.protokoll.annexes.meeting_annexes`), so
    it never has a gap or a duplicate; it is fixed with the rest of the protokoll at freezing.
    """

    protokoll_meeting_path = "paragraph__meeting"

    paragraph = models.ForeignKey(
        "Paragraph", on_delete=models.CASCADE, related_name="annexes", verbose_name=_("paragraph")
    )
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="paragraph_annexes", verbose_name=_("document")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("bilaga")
        verbose_name_plural = _("bilagor")
        ordering = ["paragraph", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["paragraph", "document"], name="paragraph_annex_unique"),
        ]

    def __str__(self):
        return str(self.document)


class ParagraphQuerySet(models.QuerySet):
    def for_secretary(self, user):
        return self.filter(meeting__committee__in=Committee.objects.for_secretary(user))


class Paragraph(ProtokollContentMixin, RichTextSanitizingMixin, Confidentiality):
    """A paragraph (§) of the protokoll: one handled item, numbered in the committee's yearly series.

    The number is unique per committee and calendar year (a database constraint);
    numbering goes through `meetings.services.paragraphs_renumber`.
    """

    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="paragraphs", verbose_name=_("meeting")
    )
    agenda_item = models.OneToOneField(
        AgendaItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="paragraph",
        verbose_name=_("agenda item"),
    )
    committee = models.ForeignKey(
        Committee,
        on_delete=models.PROTECT,
        related_name="paragraphs",
        verbose_name=_("paragraph series"),
        help_text=_("The committee whose § series the number belongs to."),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("§ number"))
    numbered_per_meeting = models.BooleanField(
        _("numbered per meeting"),
        default=False,
        editable=False,
        help_text=_("The committee numbers each meeting's §§ from 1 (ParagraphSeries.per_meeting)."),
    )
    order = models.PositiveIntegerField(_("order in the protokoll"), default=0)
    title = models.CharField(_("title"), max_length=500)
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="paragraphs",
        verbose_name=_("case"),
    )
    decision = RichTextField(_("beslut"))
    summary = RichTextField(_("sammanfattning"))
    basis = models.TextField(_("beslutsunderlag"), blank=True)
    motions = RichTextField(_("yrkanden"))
    procedure = RichTextField(_("beslutsgång"))
    notes = RichTextField(_("protokollsanteckningar"))
    send_to = models.TextField(_("beslutet skickas till"), blank=True)
    immediate_justering = models.BooleanField(_("omedelbar justering"), default=False)
    public_title = models.CharField(_("public title"), max_length=300, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ParagraphQuerySet.as_manager()

    class Meta(Confidentiality.Meta):
        verbose_name = _("paragraph")
        verbose_name_plural = _("paragraphs")
        ordering = ["meeting", "order", "number"]
        constraints = [
            *Confidentiality.Meta.constraints,
            models.UniqueConstraint(
                fields=["committee", "year", "number"],
                condition=Q(numbered_per_meeting=False),
                name="paragraph_unique_number_per_series_year",
            ),
            models.UniqueConstraint(fields=["meeting", "number"], name="paragraph_unique_number_per_meeting"),
            models.CheckConstraint(condition=Q(number__gte=1), name="paragraph_number_positive"),
        ]

    def __str__(self):
        return f"§ {self.number} {self.title}"

    @property
    def label(self) -> str:
        return f"§ {self.number}"


class ParagraphSeries(models.Model):
    """The settings of one committee's § series for one calendar year: its first number (an
    organisation moving to Paragraf mid-year starts at § 112) and whether each meeting's §§
    start at 1 instead. Made from the committee's `paragraph_numbering` when the year's first
    protokoll is drafted; docs/workspace/numbering.md has the rules."""

    committee = models.ForeignKey(
        Committee, on_delete=models.CASCADE, related_name="paragraph_series", verbose_name=_("committee")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    first_number = models.PositiveIntegerField(
        _("first § number"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("The number of the year's first §, when the year's earlier §§ were kept elsewhere."),
    )
    per_meeting = models.BooleanField(_("each meeting's §§ start at 1"), default=False)

    class Meta:
        verbose_name = _("§ series")
        verbose_name_plural = _("§ series")
        ordering = ["committee", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "year"], name="paragraph_series_unique_year"),
            models.CheckConstraint(condition=Q(first_number__gte=1), name="paragraph_series_first_positive"),
        ]

    def __str__(self):
        return f"{self.committee} {self.year}"


def paragraph_span(numbers) -> str:
    """The paragraphs as a protokoll, an anslag or a list names them, the one way they are written:
    [12] → "§ 12"; [12, 13, 14, 15] → "§§ 12–15" (an en dash); [1, 2, 3, 5] → "§§ 1–3, 5";
    [] → "". Takes numbers in any order; duplicates count once. For a range known only by its
    ends, pass `range(first, last + 1)`."""
    numbers = sorted(set(numbers))
    if not numbers:
        return ""
    runs, start, previous = [], numbers[0], numbers[0]
    for number in [*numbers[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        runs.append(f"{start}–{previous}" if previous > start else f"{start}")
        if number is not None:
            start = previous = number
    prefix = "§" if len(numbers) == 1 else "§§"
    return f"{prefix} {', '.join(runs)}"


class Justering(models.Model):
    """The justering of a meeting's protokoll: who must sign, by when, and when it was complete."""

    meeting = models.OneToOneField(
        Meeting, on_delete=models.CASCADE, related_name="justering", verbose_name=_("meeting")
    )
    deadline = models.DateField(_("justeras senast"), null=True, blank=True)
    frozen_at = models.DateTimeField(_("frozen"), null=True, blank=True)
    completed_at = models.DateTimeField(_("justerat"), null=True, blank=True)
    content_hash = models.CharField(
        _("content hash"), max_length=64, blank=True, help_text=_("SHA-256 of the frozen snapshot.")
    )
    snapshot = models.JSONField(_("frozen content"), null=True, blank=True, editable=False)
    frozen_file = models.FileField(_("frozen protokoll"), upload_to="protokoll/%Y/", blank=True)
    frozen_sha256 = models.CharField(_("SHA-256 of the frozen PDF"), max_length=64, blank=True)
    signed_file = models.FileField(_("signed protokoll"), upload_to="protokoll/%Y/", blank=True)
    signed_sha256 = models.CharField(_("SHA-256 of the signed PDF"), max_length=64, blank=True)
    posting_alert_sent_at = models.DateTimeField(
        _("secretary alerted: anslag not posted"),
        null=True,
        blank=True,
        help_text=_("When the secretary was e-mailed that the justerat protokoll's anslag is not posted."),
    )

    class Meta:
        verbose_name = _("justering")
        verbose_name_plural = _("justeringar")

    def __str__(self):
        return f"{_('Justering')} {self.meeting}"


class Signature(models.Model):
    """One required signer of a protokoll (sekreterare, ordförande, justerare) and their signature."""

    class Role(models.TextChoices):
        SECRETARY = "sekreterare", _("sekreterare")
        CHAIR = "ordforande", _("ordförande")
        ADJUSTER = "justerare", _("justerare")

    justering = models.ForeignKey(
        Justering,
        on_delete=models.CASCADE,
        related_name="signatures",
        verbose_name=_("justering"),
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed by login"),
    )
    certificate_subject = models.CharField(_("certificate"), max_length=300, blank=True)
    field_name = models.CharField(_("signature field"), max_length=100, blank=True)
    # How the signer authenticated just before signing (meetings/signing/assurance.py).
    assurance_method = models.CharField(_("authentication"), max_length=20, blank=True)
    assurance_provider = models.CharField(_("identity provider"), max_length=300, blank=True)
    assurance_level = models.CharField(_("assurance level"), max_length=200, blank=True)
    authenticated_at = models.DateTimeField(_("authenticated"), null=True, blank=True)
    notified_at = models.DateTimeField(
        _("asked to sign"),
        null=True,
        blank=True,
        help_text=_("When the e-mail asking this signer to justera was sent (never sent twice)."),
    )

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["justering", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["justering", "person", "role"], name="signature_unique_signer_role"
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()}: {self.person}"


class SigningInvitation(models.Model):
    """A one-time, expiring link e-mailed to a signer who has no login in Paragraf (a justerare
    from another organisation): on it they identify at the identity provider and sign, without
    a login being created (meetings/justering/external.py). Only the token's SHA-256 is stored;
    once used, the provider and the token's subject that signed are kept here."""

    signature = models.ForeignKey(
        Signature, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("signature")
    )
    email = models.EmailField(_("e-mail"), help_text=_("The address the link was sent to."))
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    provider = models.CharField(_("identity provider"), max_length=300, blank=True)
    subject = models.CharField(_("subject at the provider"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("signing invitation")
        verbose_name_plural = _("signing invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.signature} ({self.email})"


class Anslag(models.Model):
    """A notice (tillkännagivande) on the digital anslagstavla, up for the appeal period."""

    class Kind(models.TextChoices):
        PROTOKOLL = "protokoll", _("justerat protokoll")
        DELEGATION = "delegation", _("delegationsbeslut")
        MEETING = "sammantrade", _("sammanträde")
        OTHER = "ovrigt", _("other notice")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PROTOKOLL)
    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="anslag", verbose_name=_("committee")
    )
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="anslag",
        verbose_name=_("meeting"),
    )
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    posted_on = models.DateField(_("posted"))
    appeal_ends_on = models.DateField(_("appeal period ends"), null=True, blank=True)
    take_down_on = models.DateField(_("to be taken down"))
    taken_down_at = models.DateTimeField(_("taken down"), null=True, blank=True)
    storage_location = models.CharField(_("where the protokoll is kept"), max_length=300, blank=True)
    # The last appeal day the secretary was reminded about (meetings/lagakraft/rules.py): one
    # e-mail per period end.
    period_end_alerted_for = models.DateField(
        _("reminded of the period end"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("anslag")
        verbose_name_plural = _("anslag")
        ordering = ["-posted_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(take_down_on__gte=models.F("posted_on")),
                name="anslag_down_after_posted",
            ),
            models.UniqueConstraint(
                fields=["meeting", "kind"],
                condition=Q(kind="protokoll"),
                name="anslag_one_per_protokoll",
            ),
        ]

    def __str__(self):
        return self.title


class JointPosting(models.Model):
    """The day a cooperating organisation of a gemensam nämnd announced the justering on its own
    anslagstavla. The appeal time then counts from the last of these announcements, the
    committee's own included (KL 13 kap. 5 §): see meetings/lagakraft/rules.py."""

    anslag = models.ForeignKey(
        Anslag, on_delete=models.CASCADE, related_name="joint_postings", verbose_name=_("anslag")
    )
    organisation_name = models.CharField(_("cooperating organisation"), max_length=200)
    posted_on = models.DateField(_("posted on its anslagstavla"))

    class Meta:
        verbose_name = _("posting by a cooperating organisation")
        verbose_name_plural = _("postings by the cooperating organisations")
        ordering = ["anslag", "posted_on", "organisation_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["anslag", "organisation_name"], name="jointposting_one_per_organisation"
            ),
        ]

    def __str__(self):
        return f"{self.organisation_name} {self.posted_on.isoformat()}"


class Appeal(models.Model):
    """An överklagande (laglighetsprövning, KL 13 kap.) of a § of a posted protokoll: who appealed,
    when the court received it, the court's case and how it ended. Whether the § has vunnit laga
    kraft follows from these rows and the anslag (meetings/lagakraft/rules.py)."""

    class Outcome(models.TextChoices):
        PENDING = "pagaende", _("pending (not decided)")
        REJECTED = "avslaget", _("avslaget (the appeal is rejected)")
        UPHELD = "bifallet", _("bifallet (the decision is upphävt)")
        DISMISSED = "avvisat", _("avvisat (not tried, e.g. too late)")
        WITHDRAWN = "avskrivet", _("avskrivet (the appeal was withdrawn)")

    paragraph = models.ForeignKey(
        Paragraph, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("paragraph")
    )
    anslag = models.ForeignKey(
        Anslag,
        on_delete=models.PROTECT,
        related_name="appeals",
        verbose_name=_("anslag"),
        help_text=_("The anslag of the protokoll: the appeal time counts from it."),
    )
    appellant = models.CharField(_("appellant"), max_length=300)
    received_on = models.DateField(
        _("received"),
        help_text=_("The day the appeal reached the court (or the organisation, to be sent on)."),
    )
    court = models.CharField(
        _("court"), max_length=200, help_text=_("For example Förvaltningsrätten i Jönköping.")
    )
    court_case_number = models.CharField(_("court case number"), max_length=100, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    decided_on = models.DateField(_("decided"), null=True, blank=True)
    final_on = models.DateField(
        _("the court's decision final on"),
        null=True,
        blank=True,
        help_text=_("The day the court's own decision vann laga kraft (it was not appealed further)."),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("överklagande")
        verbose_name_plural = _("överklaganden")
        ordering = ["-received_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="pagaende", decided_on__isnull=True, final_on__isnull=True)
                | (~Q(outcome="pagaende") & Q(decided_on__isnull=False)),
                name="appeal_decided_when_not_pending",
            ),
            models.CheckConstraint(
                condition=Q(final_on__isnull=True) | Q(final_on__gte=models.F("decided_on")),
                name="appeal_final_after_decided",
            ),
        ]

    def __str__(self):
        return f"{self.paragraph.label} {self.appellant} ({self.received_on.isoformat()})"

    @property
    def finally_decided(self) -> bool:
        return self.outcome != self.Outcome.PENDING and self.final_on is not None

    def clean(self):
        errors = {}
        if self.outcome == self.Outcome.PENDING:
            if self.decided_on:
                errors["decided_on"] = _("A pending appeal has no decision day; choose its outcome first.")
            if self.final_on:
                errors["final_on"] = _("A pending appeal cannot be final; choose its outcome first.")
        elif not self.decided_on:
            errors["decided_on"] = _("Give the day the court decided.")
        if self.final_on and self.decided_on and self.final_on < self.decided_on:
            errors["final_on"] = _("The court's decision becomes final after the day it was made.")
        if self.decided_on and self.received_on and self.decided_on < self.received_on:
            errors["decided_on"] = _("The court decides after it received the appeal.")
        if self.paragraph_id and self.anslag_id:
            if (
                self.anslag.kind != Anslag.Kind.PROTOKOLL
                or self.anslag.meeting_id != self.paragraph.meeting_id
            ):
                errors["anslag"] = _("Choose the anslag of the protokoll the paragraph belongs to.")
        if self.received_on and self.anslag_id and self.received_on < self.anslag.posted_on:
            errors["received_on"] = _("The appeal time starts when the anslag is posted (%(date)s).") % {
                "date": self.anslag.posted_on.isoformat()
            }
        if errors:
            raise ValidationError(errors)


class RenderedDocument(models.Model):
    """A PDF built by Paragraf (kallelse, protokoll, protokollsutdrag, register list).

    `content_hash` is the hash of what it was built from, so a stale one is never served.
    """

    class Kind(models.TextChoices):
        KALLELSE = "kallelse", _("kallelse (members)")
        KALLELSE_PUBLIC = "kallelse_public", _("kallelse (public)")
        PROTOKOLL = "protokoll", _("protokoll")
        PROTOKOLL_PUBLIC = "protokoll_public", _("protokoll (public)")
        EXTRACT = "utdrag", _("protokollsutdrag")
        DELEGATION_LIST = "delegationslista", _("delegationsbeslut list")
        REMISS_LIST = "remisslista", _("remisser list")
        LAGA_KRAFT = "laga_kraft", _("laga kraft-bevis")

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="rendered_documents",
        verbose_name=_("meeting"),
    )
    paragraph = models.ForeignKey(
        Paragraph,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rendered_documents",
        verbose_name=_("paragraph"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="rendered/%Y/")
    content_hash = models.CharField(_("content hash"), max_length=64)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("rendered document")
        verbose_name_plural = _("rendered documents")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "paragraph", "kind", "content_hash"],
                name="rendered_document_unique_build",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.meeting}"


class KallelseDispatch(models.Model):
    """One sending of a kallelse: the first, a reviderad kallelse, or a tilläggskallelse."""

    class Kind(models.TextChoices):
        KALLELSE = "kallelse", _("kallelse")
        REVISED = "reviderad", _("reviderad kallelse")
        SUPPLEMENT = "tillagg", _("tilläggskallelse")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="dispatches", verbose_name=_("meeting")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.KALLELSE)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    agenda_items = models.ManyToManyField(
        "meetings.AgendaItem", blank=True, related_name="dispatches", verbose_name=_("agenda items sent")
    )

    class Meta:
        verbose_name = _("kallelse dispatch")
        verbose_name_plural = _("kallelse dispatches")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.meeting}"


class KallelseDelivery(models.Model):
    """One recipient of a dispatch; `sent_at` set once the e-mail left, so a retry never resends."""

    dispatch = models.ForeignKey(
        KallelseDispatch,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("dispatch"),
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="kallelse_deliveries",
        verbose_name=_("person"),
    )
    email = models.EmailField(_("e-mail"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("kallelse delivery")
        verbose_name_plural = _("kallelse deliveries")
        constraints = [
            models.UniqueConstraint(fields=["dispatch", "person"], name="delivery_unique_person"),
        ]

    def __str__(self):
        return f"{self.person} ({self.email})"


class SigningCertificate(models.Model):
    """One certificate issued by the organisation's signing CA: a person's (bound to the login
    linked to the person when it was issued) or the organisation's e-sigill.

    The registry is what validation checks revocation against (`meetings.signing.pdf_verify`).
    The private key is a file under PARAGRAF_SIGNING_DIR (`key_file`), encrypted with
    PARAGRAF_SIGNING_PASSPHRASE, and is deleted when the certificate is revoked.
    """

    class Kind(models.TextChoices):
        PERSON = "person", _("personal signing certificate")
        SEAL = "sigill", _("e-sigill (the organisation's seal)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="signing_certificates",
        verbose_name=_("person"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("login at issue"),
    )
    account = models.CharField(
        _("account identifier"),
        max_length=100,
        blank=True,
        help_text=_('The login it was issued to, as written in the certificate ("paragraf-user-<id>").'),
    )
    organisation = models.ForeignKey(
        "committees.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    serial = models.CharField(_("serial number"), max_length=64, unique=True)
    subject = models.CharField(_("subject"), max_length=500)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    issued_at = models.DateTimeField(_("issued"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revocation_reason = models.CharField(_("reason for revocation"), max_length=300, blank=True)
    key_file = models.CharField(_("private key"), max_length=300, help_text=_("Under PARAGRAF_SIGNING_DIR."))
    certificate_pem = models.TextField(_("certificate (PEM)"))

    class Meta:
        verbose_name = _("signing certificate")
        verbose_name_plural = _("signing certificates")
        ordering = ["-issued_at"]

    def __str__(self):
        return f"{self.subject} ({self.serial})"


# The audit trail (audit/history.py).
history_record(Meeting, AgendaItem, Paragraph, Signature, Anslag, Appeal, JointPosting)
# The frozen snapshot is large and fixed by its content_hash, which is recorded.
history_record(Justering, excluded_fields=("snapshot",))
