"""Organisation, committees (nämnder, utskott, presidier, forum), parties, people, assignments.

Longer than 400 lines because the models of the organisation belong together: the committee's
settings (§ numbering, närvarolista as a bilaga) and the querysets that scope by assignment sit
beside the models they read, and the signers' login invitations (LoginInvitation) sit with Person.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.history import history_record


class Organisation(models.Model):
    """The organisation (region, kommun) that owns committees, diarium and anslagstavla."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    diarium_prefix = models.CharField(
        _("diarium prefix"), max_length=20, unique=True, help_text=_('For example "RJL".')
    )
    anslagstavla_url = models.URLField(_("anslagstavla address"), blank=True)
    address = models.TextField(_("address for document footers"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    org_number = models.CharField(_("organisation number"), max_length=20, blank=True)
    protokoll_storage = models.CharField(
        _("where protokoll are kept"),
        max_length=200,
        blank=True,
        help_text=_("Printed on the anslag, for example 'Regionens hus, Jönköping'."),
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def genitive_name(self) -> str:
        """Swedish genitive for 'tillkännages på X anslagstavla' (Region Jönköpings län → läns)."""
        return self.name if self.name.endswith("s") else f"{self.name}s"


class CommitteeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def for_secretary(self, user):
        """Committees the user may administer: all for superusers, else where they are secretary."""
        if user.is_superuser:
            return self
        if not user.is_authenticated:
            return self.none()
        today = timezone.localdate()
        return (
            self.filter(
                assignments__person__user=user,
                assignments__role=Assignment.Role.SECRETARY,
            )
            .filter(
                Q(assignments__valid_from__isnull=True) | Q(assignments__valid_from__lte=today),
                Q(assignments__valid_to__isnull=True) | Q(assignments__valid_to__gte=today),
            )
            .distinct()
        )

    def for_member(self, user):
        """Committees where the user has any current assignment (member, ersättare, official…)."""
        if not user.is_authenticated:
            return self.none()
        today = timezone.localdate()
        return self.filter(
            Q(assignments__valid_from__isnull=True) | Q(assignments__valid_from__lte=today),
            Q(assignments__valid_to__isnull=True) | Q(assignments__valid_to__gte=today),
            assignments__person__user=user,
        ).distinct()


class Committee(models.Model):
    """A political body: fullmäktige, styrelse, nämnd, utskott, presidium, beredning or forum.

    Each committee keeps its own paragraph (§) series per calendar year.
    """

    class Kind(models.TextChoices):
        COUNCIL = "fullmaktige", _("fullmäktige")
        BOARD = "styrelse", _("styrelse")
        COMMITTEE = "namnd", _("nämnd")
        SUBCOMMITTEE = "utskott", _("utskott")
        PRESIDIUM = "presidium", _("presidium")
        PREPARATORY = "beredning", _("beredning")
        FORUM = "forum", _("forum")

    class Numbering(models.TextChoices):
        PER_YEAR = "year", _("one series per calendar year")
        PER_MEETING = "meeting", _("each meeting's §§ start at 1")

    class SubstituteRule(models.TextChoices):
        OWN_PARTY_FIRST = "own_party_first", _("own party's ersättare first, then the list order")
        LIST_ORDER = "list_order", _("the list order decided by the council")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="committees",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(
        _("short name"), max_length=50, help_text=_('For example "ANA". Used in commands and URLs.')
    )
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent committee"),
        help_text=_("An utskott or presidium belongs to a nämnd or styrelse."),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    default_location = models.CharField(_("usual meeting place"), max_length=200, blank=True)
    attendance_as_annex = models.BooleanField(
        _("närvarolista as Bilaga 1"),
        default=False,
        help_text=_(
            "Print the närvarolista (all kallade, present marked with X) as Bilaga 1 instead of "
            "on the first page. New meetings take this setting; each meeting keeps its own."
        ),
    )
    substitute_rule = models.CharField(
        _("order in which ersättare are called"),
        max_length=20,
        choices=SubstituteRule.choices,
        default=SubstituteRule.OWN_PARTY_FIRST,
    )
    justering_days = models.PositiveSmallIntegerField(
        _("days allowed for justering"),
        default=14,
        help_text=_("The protokoll is justerat at the latest this many days after the meeting."),
    )
    default_meeting_minutes = models.PositiveSmallIntegerField(
        _("usual length of a meeting (minutes)"),
        default=180,
        validators=[MinValueValidator(1)],
        help_text=_("A meeting without an end time lasts this long in the calendars."),
    )
    paragraph_numbering = models.CharField(
        _("§ numbering"),
        max_length=10,
        choices=Numbering.choices,
        default=Numbering.PER_YEAR,
        help_text=_(
            "Per year: §§ run on through the calendar year. Per meeting: each protokoll starts at § 1. "
            "A year with a protokoll sent for justering keeps the numbering it has."
        ),
    )
    offline_confidential_allowed = models.BooleanField(
        _("confidential handlingar may be saved offline"),
        default=False,
        help_text=_(
            "Members may save the confidential handlingar of this committee's meetings in their "
            "browser for reading offline (encrypted, removed after the meeting and at logout)."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified"), auto_now=True)

    objects = CommitteeQuerySet.as_manager()

    class Meta:
        verbose_name = _("committee")
        verbose_name_plural = _("committees")
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "short_name"], name="committee_unique_short_name"
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="committee_not_own_parent"),
        ]

    def __str__(self):
        return self.name

    def current_assignments(self, on=None):
        on = on or timezone.localdate()
        return self.assignments.current(on).select_related("person", "person__party")


class Party(models.Model):
    """A political party (parti), shown as its abbreviation after a member's name: "(KD)"."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    abbreviation = models.CharField(_("abbreviation"), max_length=10, unique=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.abbreviation})"


class Person(models.Model):
    """A person: an elected member (ledamot, ersättare), an official (tjänsteperson) or a guest.

    The login (`user`) and the fields that identify the person for login and signing
    (`IDENTITY_FIELDS`) are changed only by an identity administrator, through
    committees/identity.py; a secretary sets the name and e-mail of a person she adds, and
    changes the other fields.
    """

    # The name is what the signing certificate and the protokoll name; the e-mail receives
    # password resets and justering links and is in the certificate too.
    IDENTITY_FIELDS = ("first_name", "last_name", "email")

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    party = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("party"),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    represents = models.CharField(
        _("represents"),
        max_length=200,
        blank=True,
        help_text=_("The organisation or municipality the person represents, e.g. 'Sävsjö kommun'."),
    )
    title = models.CharField(
        _("title"), max_length=200, blank=True, help_text=_("For officials: 'regiondirektör'.")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("login"),
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["last_name", "first_name"])]
        permissions = [
            ("manage_person_identity", _("Can change a person's login and identity (name, e-mail)")),
        ]

    def __str__(self):
        return self.display_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def display_name(self) -> str:
        """Name with party as the protokoll prints it: "Per Eriksson (C)"."""
        if self.party_id:
            return f"{self.full_name} ({self.party.abbreviation})"
        return self.full_name


class AssignmentQuerySet(models.QuerySet):
    def current(self, on=None):
        on = on or timezone.localdate()
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=on),
            Q(valid_to__isnull=True) | Q(valid_to__gte=on),
        )

    def members(self):
        """Ordinarie ledamöter, including the chair and vice chairs."""
        return self.filter(role__in=Assignment.MEMBER_ROLES)

    def substitutes(self):
        return self.filter(role=Assignment.Role.SUBSTITUTE).order_by("substitute_order")


class Assignment(models.Model):
    """A person's role in a committee for a period (uppdrag): ordförande, ledamot, ersättare…"""

    class Role(models.TextChoices):
        CHAIR = "ordforande", _("ordförande")
        FIRST_VICE_CHAIR = "vice_1", _("1:e vice ordförande")
        SECOND_VICE_CHAIR = "vice_2", _("2:e vice ordförande")
        MEMBER = "ledamot", _("ledamot")
        SUBSTITUTE = "ersattare", _("ersättare")
        SECRETARY = "sekreterare", _("sekreterare")
        OFFICIAL = "tjansteperson", _("tjänsteperson")
        STAFF_REPRESENTATIVE = "personalrepresentant", _("personalrepresentant")
        ADJUNCT = "adjungerad", _("adjungerad / insynsplats")
        COUNCILLOR = "regionrad", _("regionråd / kommunalråd")

    MEMBER_ROLES = (Role.CHAIR, Role.FIRST_VICE_CHAIR, Role.SECOND_VICE_CHAIR, Role.MEMBER)
    # How the kallelse abbreviates the chair roles: "Per Eriksson (C) ordf."
    ROLE_SUFFIX = {
        Role.CHAIR: "ordf.",
        Role.FIRST_VICE_CHAIR: "1:e vice ordf.",
        Role.SECOND_VICE_CHAIR: "2:e vice ordf.",
    }

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("person")
    )
    committee = models.ForeignKey(
        Committee,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("committee"),
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    substitute_order = models.PositiveSmallIntegerField(
        _("ersättare order"),
        null=True,
        blank=True,
        help_text=_("The order in which this ersättare is called in (1 first)."),
    )
    title = models.CharField(
        _("title in this committee"),
        max_length=200,
        blank=True,
        help_text=_("For officials and staff representatives: 'ekonomichef', 'SACO'."),
    )
    receives_kallelse = models.BooleanField(_("receives the kallelse"), default=True)
    valid_from = models.DateField(_("from"), null=True, blank=True)
    valid_to = models.DateField(_("to"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("list order"), default=0)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified"), auto_now=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["committee", "order", "substitute_order", "person__last_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "committee", "role", "valid_from"],
                name="assignment_unique_person_role_period",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="assignment_period_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.person} – {self.get_role_display()}, {self.committee}"

    @property
    def is_member(self) -> bool:
        return self.role in self.MEMBER_ROLES


# The audit trail (audit/history.py). Who a person is: the login link and the identity fields
# (committees/identity.py).
history_record(Person)


class LoginInvitation(models.Model):
    """A one-time, expiring link e-mailed to a person without a login, with which that person
    creates their own login (committees/invitations.py). Only the token's SHA-256 is stored."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="login_invitations", verbose_name=_("person")
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
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("login created"),
    )

    class Meta:
        verbose_name = _("login invitation")
        verbose_name_plural = _("login invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.person} ({self.email})"
