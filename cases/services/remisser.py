"""Remisser: status changes with their dates, and the deadline reminders."""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Document, Motion, Remiss

# Days before the answer deadline the responsible official is reminded, and the field
# that records the reminder was sent.
REMINDER_THRESHOLDS = {14: "reminded_14_at", 3: "reminded_3_at"}
DUE_SOON_DAYS = 14
OPEN_REMISS_STATUSES = (Remiss.Status.RECEIVED, Remiss.Status.ASSIGNED)


@transaction.atomic
def remiss_set_status(
    *,
    remiss: Remiss,
    status: str,
    by=None,
    on: date | None = None,
    paragraph=None,
    answer_document: Document | None = None,
) -> Remiss:
    """Move a remiss to a status (mottagen, tilldelad, besvarad, avstår) with its date.

    Besvarad needs the paragraph whose decision answered it or the yttrande document;
    tilldelad needs a responsible official.
    """
    remiss = Remiss.objects.select_for_update().get(pk=remiss.pk)
    if status not in Remiss.Status.values:
        raise ValidationError(
            _("Unknown status %(status)s."), code="unknown_status", params={"status": status}
        )
    if status == Remiss.Status.ANSWERED:
        paragraph = paragraph or remiss.answered_by_paragraph
        answer_document = answer_document or remiss.answer_document
        if paragraph is None and answer_document is None:
            raise ValidationError(
                _("An answered remiss needs the paragraph that answered it or the yttrande."),
                code="answer_missing",
            )
        remiss.answered_by_paragraph = paragraph
        remiss.answer_document = answer_document
    if status == Remiss.Status.ASSIGNED and remiss.responsible_id is None:
        raise ValidationError(
            _("Choose the responsible official before assigning the remiss."), code="responsible_missing"
        )
    remiss.status = status
    remiss.status_date = on or timezone.localdate()
    remiss.full_clean()
    remiss.save()
    return remiss


def remisser_register(*, committees=None, status: str = "") -> QuerySet[Remiss]:
    """The remiss register for officials, earliest deadline first (no deadline last)."""
    remisser = Remiss.objects.select_related("committee", "responsible", "case")
    if committees is not None:
        remisser = remisser.filter(committee__in=committees)
    if status:
        remisser = remisser.filter(status=status)
    return remisser.order_by(F("answer_by").asc(nulls_last=True), "received_on", "id")


def remiss_deadline_state(remiss: Remiss, today: date | None = None) -> str:
    """ "overdue", "due_soon" (within 14 days) or "" for an open remiss; "" once it is closed."""
    today = today or timezone.localdate()
    if remiss.status not in OPEN_REMISS_STATUSES or remiss.answer_by is None:
        return ""
    if remiss.answer_by < today:
        return "overdue"
    if remiss.answer_by <= today + timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return ""


def remisser_remind_deadlines(*, today: date | None = None) -> list[tuple[int, int]]:
    """E-mail the responsible official of each open remiss 14 and 3 days before its deadline,
    once per threshold. Returns (remiss id, days) of each reminder sent."""
    today = today or timezone.localdate()
    sent = []
    for days, field in REMINDER_THRESHOLDS.items():
        due = (
            Remiss.objects.filter(status__in=OPEN_REMISS_STATUSES, answer_by__gte=today)
            .filter(answer_by__lte=today + timedelta(days=days), **{f"{field}__isnull": True})
            .exclude(Q(responsible__isnull=True) | Q(responsible__email=""))
            .values_list("pk", flat=True)
        )
        for pk in due:
            if _remind_one(pk=pk, days=days, field=field, today=today):
                sent.append((pk, days))
    return sent


def _remind_one(*, pk: int, days: int, field: str, today: date) -> bool:
    with transaction.atomic():
        remiss = (
            Remiss.objects.select_for_update(of=("self",))
            .select_related("responsible", "committee")
            .get(pk=pk)
        )
        if getattr(remiss, field) is not None:
            return False
        # A remiss registered late skips the 14-day mail when the 3-day one is also due.
        if days == 14 and remiss.answer_by <= today + timedelta(days=3) and remiss.reminded_3_at is None:
            setattr(remiss, field, timezone.now())
            remiss.save(update_fields=[field])
            return False
        left = (remiss.answer_by - today).days
        send_mail(
            subject=_("Remiss due in %(days)s days: %(title)s") % {"days": left, "title": remiss.title},
            message=_(
                "The remiss “%(title)s” from %(sender)s, answered by %(committee)s, is due on %(date)s "
                "(in %(days)s days)."
            )
            % {
                "title": remiss.title,
                "sender": remiss.sender,
                "committee": remiss.committee.name,
                "date": remiss.answer_by.isoformat(),
                "days": left,
            },
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[remiss.responsible.email],
        )
        setattr(remiss, field, timezone.now())
        remiss.save(update_fields=[field])
        return True


def motions_unanswered(*, committees=None) -> QuerySet[Motion]:
    """Motions not yet answered (raised or being prepared), earliest deadline first."""
    motions = Motion.objects.filter(status__in=[Motion.Status.RAISED, Motion.Status.PREPARING])
    if committees is not None:
        motions = motions.filter(preparing_committee__in=committees)
    return (
        motions.select_related("preparing_committee", "case")
        .prefetch_related("submitters")
        .order_by("answer_by", "submitted_on")
    )
