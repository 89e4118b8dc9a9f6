"""Laga kraft: whether each § of a posted protokoll can still be appealed, has been appealed or
has vunnit laga kraft, computed in one place (`laga_kraft_of`) from the protokoll's anslag, the
cooperating organisations' postings (gemensam nämnd) and the register of överklaganden.

The rules (docs/laga-kraft.md):

- The appeal time is three weeks from the day the justering was announced on the anslagstavla
  (KL 13 kap. 5 §), to the next working day (lag 1930:173; `meetings.calendar`): the day the
  anslag gives (`Anslag.appeal_ends_on`, set by `anslag_post`).
- For a gemensam nämnd the time counts from the last announcement among the cooperating
  organisations (KL 13 kap. 5 § andra stycket), where their days are registered (`JointPosting`).
- An appeal counts when the court (or the organisation) received it on or before the last day;
  one received on the last day counts. One received later does not stop the decision from
  vinna laga kraft (the court avvisar it).
- After the last day the § has vunnit laga kraft if no appeal counts, or once every appeal that
  counts is finally decided without being bifallet; an appeal bifallet for good quashes it.

The beat task that reminds the secretary when a period ends is in meetings/lagakraft/tasks.py.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meetings.anslag.rules import appeal_period_end
from meetings.models import Anslag, Appeal, JointPosting, Meeting, Paragraph
from meetings.services.lifecycle import committee_secretaries

logger = logging.getLogger(__name__)


class State(models.TextChoices):
    RUNNING = "overklagandetid", gettext_lazy("appeal period running")
    APPEALED = "overklagat", gettext_lazy("överklagat")
    FINAL = "laga_kraft", gettext_lazy("vunnit laga kraft")
    QUASHED = "upphavt", gettext_lazy("upphävt by the court")


@dataclass(frozen=True)
class LagaKraft:
    """Where one § stands. `last_posted_on` is the day the appeal time counts from (for a
    gemensam nämnd the last of the postings), `appeal_ends_on` the last day to appeal,
    `final_on` the day it vann laga kraft (None unless FINAL)."""

    state: str
    posted_on: date
    last_posted_on: date
    appeal_ends_on: date
    final_on: date | None = None
    appeals_in_time: tuple[Appeal, ...] = ()
    joint_postings: tuple[JointPosting, ...] = ()

    @property
    def label(self) -> str:
        return str(State(self.state).label)

    @property
    def is_final(self) -> bool:
        return self.state == State.FINAL

    @property
    def appealed(self) -> bool:
        return bool(self.appeals_in_time)


def appeal_last_day(anslag: Anslag, joint_postings: Iterable[JointPosting] = ()) -> tuple[date, date]:
    """(the day the appeal time counts from, the last day to appeal) for a protokoll's anslag:
    the anslag's own days, or for a gemensam nämnd three weeks from the last posting among the
    cooperating organisations, whichever ends later."""
    own_end = anslag.appeal_ends_on or appeal_period_end(anslag.posted_on)
    last_posted = max([anslag.posted_on, *(p.posted_on for p in joint_postings)])
    return last_posted, max(own_end, appeal_period_end(last_posted))


def laga_kraft_of(
    *,
    anslag: Anslag,
    appeals: Iterable[Appeal] = (),
    joint_postings: Iterable[JointPosting] = (),
    today: date | None = None,
) -> LagaKraft:
    """The state of one § from its protokoll's anslag, the cooperating organisations' postings
    and the § 's registered appeals: the one rule, used by every page, the API and the bevis."""
    today = today or timezone.localdate()
    joint_postings = tuple(sorted(joint_postings, key=lambda p: (p.posted_on, p.organisation_name)))
    last_posted, last_day = appeal_last_day(anslag, joint_postings)
    in_time = tuple(
        sorted((a for a in appeals if a.received_on <= last_day), key=lambda a: (a.received_on, a.pk))
    )
    facts = {
        "posted_on": anslag.posted_on,
        "last_posted_on": last_posted,
        "appeal_ends_on": last_day,
        "appeals_in_time": in_time,
        "joint_postings": joint_postings,
    }
    if in_time:
        if today <= last_day or not all(a.finally_decided for a in in_time):
            return LagaKraft(state=State.APPEALED, **facts)
        if any(a.outcome == Appeal.Outcome.UPHELD for a in in_time):
            return LagaKraft(state=State.QUASHED, **facts)
        final_on = max([last_day + timedelta(days=1), *(a.final_on for a in in_time)])
        return LagaKraft(state=State.FINAL, final_on=final_on, **facts)
    if today <= last_day:
        return LagaKraft(state=State.RUNNING, **facts)
    return LagaKraft(state=State.FINAL, final_on=last_day + timedelta(days=1), **facts)


def laga_kraft_for_paragraphs(
    paragraphs: Iterable[Paragraph], *, today: date | None = None
) -> dict[int, LagaKraft]:
    """The state of each § (by pk) whose protokoll has its anslag posted; a § of a protokoll
    without one is left out. Three queries, whatever the number of §§."""
    paragraphs = list(paragraphs)
    meeting_ids = {p.meeting_id for p in paragraphs}
    anslag = {
        a.meeting_id: a for a in Anslag.objects.filter(meeting_id__in=meeting_ids, kind=Anslag.Kind.PROTOKOLL)
    }
    postings = defaultdict(list)
    for posting in JointPosting.objects.filter(anslag__in=anslag.values()):
        postings[posting.anslag_id].append(posting)
    appeals = defaultdict(list)
    for appeal in Appeal.objects.filter(paragraph__in=[p.pk for p in paragraphs if p.meeting_id in anslag]):
        appeals[appeal.paragraph_id].append(appeal)
    return {
        p.pk: laga_kraft_of(
            anslag=anslag[p.meeting_id],
            appeals=appeals[p.pk],
            joint_postings=postings[anslag[p.meeting_id].pk],
            today=today,
        )
        for p in paragraphs
        if p.meeting_id in anslag
    }


def laga_kraft_prefetch() -> list[Prefetch]:
    """Prefetch what `laga_kraft_prefetched` reads, for lists of §§ (the OParl lists)."""
    return [
        Prefetch("appeals", to_attr="laga_kraft_appeals"),
        Prefetch(
            "meeting__anslag",
            queryset=Anslag.objects.filter(kind=Anslag.Kind.PROTOKOLL).prefetch_related("joint_postings"),
            to_attr="protokoll_anslag",
        ),
    ]


def laga_kraft_prefetched(paragraph: Paragraph, *, today: date | None = None) -> LagaKraft | None:
    """The state of a § fetched with `laga_kraft_prefetch()` (no query of its own)."""
    if not hasattr(paragraph, "laga_kraft_appeals"):
        prefetch_related_objects([paragraph], *laga_kraft_prefetch())
    anslag = paragraph.meeting.protokoll_anslag
    if not anslag:
        return None
    return laga_kraft_of(
        anslag=anslag[0],
        appeals=paragraph.laga_kraft_appeals,
        joint_postings=anslag[0].joint_postings.all(),
        today=today,
    )


def paragraph_laga_kraft(paragraph: Paragraph, *, today: date | None = None) -> LagaKraft | None:
    """The state of one § (None while its protokoll has no anslag)."""
    return laga_kraft_for_paragraphs([paragraph], today=today).get(paragraph.pk)


def protokoll_anslag(paragraph: Paragraph) -> Anslag | None:
    return Anslag.objects.filter(meeting_id=paragraph.meeting_id, kind=Anslag.Kind.PROTOKOLL).first()


# --- Registering: an appeal, a cooperating organisation's posting ------------------------------


@transaction.atomic
def appeal_register(
    *,
    paragraph: Paragraph,
    appellant: str,
    received_on: date,
    court: str,
    court_case_number: str = "",
    note: str = "",
) -> Appeal:
    """Register an överklagande of a § whose protokoll is posted; linked to its anslag."""
    anslag = protokoll_anslag(paragraph)
    if anslag is None:
        raise ValidationError(
            _("The protokoll of %(paragraph)s has no anslag yet: it cannot be appealed before it is posted.")
            % {"paragraph": paragraph.label},
            code="not_posted",
        )
    appeal = Appeal(
        paragraph=paragraph,
        anslag=anslag,
        appellant=(appellant or "").strip(),
        received_on=received_on,
        court=(court or "").strip(),
        court_case_number=(court_case_number or "").strip(),
        note=(note or "").strip(),
    )
    appeal.full_clean()
    appeal.save()
    return appeal


@transaction.atomic
def anslag_apply_joint_postings(*, anslag: Anslag) -> Anslag:
    """After a cooperating organisation's posting is registered: the anslag's last appeal day
    and take-down day follow the last posting (gemensam nämnd, KL 13 kap. 5 §)."""
    anslag = Anslag.objects.select_for_update().get(pk=anslag.pk)
    if anslag.kind != Anslag.Kind.PROTOKOLL:
        return anslag
    _last_posted, last_day = appeal_last_day(anslag, anslag.joint_postings.all())
    if anslag.appeal_ends_on != last_day:
        anslag.appeal_ends_on = last_day
        anslag.take_down_on = max(anslag.take_down_on, last_day + timedelta(days=1))
        anslag.save(update_fields=["appeal_ends_on", "take_down_on"])
    return anslag


def joint_posting_register(*, anslag: Anslag, organisation_name: str, posted_on: date) -> JointPosting:
    """Register the day a cooperating organisation announced the justering on its anslagstavla."""
    if anslag.kind != Anslag.Kind.PROTOKOLL:
        raise ValidationError(_("Only a protokoll's anslag has postings by cooperating organisations."))
    with transaction.atomic():
        posting = JointPosting(
            anslag=anslag, organisation_name=(organisation_name or "").strip(), posted_on=posted_on
        )
        posting.full_clean()
        posting.save()
        anslag_apply_joint_postings(anslag=anslag)
    return posting


# --- The reminder when a period ends (the beat task in meetings/lagakraft/tasks.py) -------------

# Older periods are not reminded about: protokoll imported from before Paragraf would otherwise
# each send an e-mail the first time the beat runs.
REMINDER_WINDOW = timedelta(days=14)


def anslag_period_ended(*, today: date | None = None):
    """Protokoll anslag whose appeal time may have ended within the window and whose secretary
    has not been reminded of that end (the exact end, joint postings included, is checked by
    `anslag_remind_period_end`)."""
    today = today or timezone.localdate()
    return (
        Anslag.objects.filter(
            kind=Anslag.Kind.PROTOKOLL,
            meeting__isnull=False,
            appeal_ends_on__lt=today,
            appeal_ends_on__gte=today - REMINDER_WINDOW,
        )
        .exclude(period_end_alerted_for=models.F("appeal_ends_on"))
        .order_by("appeal_ends_on", "pk")
    )


def anslag_remind_period_end(*, anslag_id: int, today: date | None = None) -> bool:
    """E-mail the meeting's secretary and the committee's secretaries that the appeal time of a
    protokoll is over, with the state of each §. Sent once per period end: the end reminded of
    is stored in the same transaction. Returns whether it was sent."""
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.urls import reverse
    from django.utils import translation

    today = today or timezone.localdate()
    with transaction.atomic():
        anslag = (
            Anslag.objects.select_for_update(of=("self",))
            .select_related("meeting__committee", "meeting__secretary")
            .get(pk=anslag_id)
        )
        meeting: Meeting = anslag.meeting
        _last_posted, last_day = appeal_last_day(anslag, anslag.joint_postings.all())
        if last_day >= today or anslag.period_end_alerted_for == last_day:
            return False
        people = [meeting.secretary, *committee_secretaries(meeting.committee)]
        recipients = sorted({person.email for person in people if person is not None and person.email})
        if not recipients:
            logger.warning("The appeal time of %s is over and it has no secretary to remind", meeting)
            return False
        paragraphs = list(meeting.paragraphs.order_by("order", "number"))
        states = laga_kraft_for_paragraphs(paragraphs, today=today)
        with translation.override(settings.LANGUAGE_CODE):
            names = {
                "committee": meeting.committee.name,
                "date": timezone.localtime(meeting.start).date().isoformat(),
                "end": last_day.isoformat(),
            }
            subject = _("Appeal time over: protokoll %(committee)s %(date)s") % names
            lines = [
                _(
                    "The appeal time of the protokoll of %(committee)s %(date)s ended on %(end)s. "
                    "Register any överklagande received by then; the state of each paragraph:"
                )
                % names,
                "",
            ]
            lines += [f"{p.label} {p.title}: {states[p.pk].label}" for p in paragraphs if p.pk in states]
            url = settings.PARAGRAF_BASE_URL + reverse("admin:meetings_appeal_changelist")
            body = "\n".join(lines) + f"\n\n{url}?anslag__id__exact={anslag.pk}\n"
        EmailMessage(subject=subject, body=body, to=recipients).send()
        anslag.period_end_alerted_for = last_day
        anslag.save(update_fields=["period_end_alerted_for"])
        return True
