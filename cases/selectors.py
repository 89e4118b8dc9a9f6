"""Selectors of the cases app: a case's history. What officials may see in the registers is
committees.visibility.officials's."""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Case, DelegatedDecision


@dataclass
class CaseEvent:
    """One step in a case's life, as the case page lists it."""

    on: date | None
    kind: str
    title: str
    committee: str = ""
    detail: str = ""
    paragraph: str = ""
    appeal_ends_on: date | None = None
    confidential: bool = False


def _meeting_date(meeting) -> date:
    return timezone.localtime(meeting.start).date()


def _appeal_end(meeting) -> date | None:
    """The appeal period's last day, where the meeting's protokoll is posted on the anslagstavla."""
    anslag = [a for a in meeting.anslag.all() if a.appeal_ends_on]
    return max((a.appeal_ends_on for a in anslag), default=None)


def case_history(*, case: Case, show_confidential: bool) -> list[CaseEvent]:
    """The whole life of a case in date order: registration, documents, every agenda item and §
    in every committee that handled it, remisser, motions and delegationsbeslut."""
    events = [
        CaseEvent(
            on=case.registered_on, kind=_("registered"), title=case.title, committee=str(case.committee or "")
        )
    ]
    for document in case.documents.all():
        if document.confidential and not show_confidential:
            continue
        events.append(
            CaseEvent(
                on=document.date or timezone.localtime(document.created_at).date(),
                kind=_("document"),
                title=document.title,
                detail=document.get_kind_display(),
                confidential=document.confidential,
            )
        )
    handled = set()
    items = case.agenda_items.select_related("meeting__committee", "paragraph").prefetch_related(
        "meeting__anslag"
    )
    for item in items:
        meeting = item.meeting
        paragraph = getattr(item, "paragraph", None)
        if paragraph is not None:
            handled.add(paragraph.pk)
        events.append(
            CaseEvent(
                on=_meeting_date(meeting),
                kind=_("paragraph") if paragraph else _("agenda item"),
                title=(item.public_title or _("Confidential"))
                if item.confidential and not show_confidential
                else item.title,
                committee=meeting.committee.name,
                detail=meeting.get_status_display(),
                paragraph=f"§ {paragraph.number}" if paragraph else "",
                appeal_ends_on=_appeal_end(meeting) if paragraph else None,
                confidential=item.confidential,
            )
        )
    paragraphs = case.paragraphs.exclude(pk__in=handled).select_related("meeting__committee")
    for paragraph in paragraphs.prefetch_related("meeting__anslag"):
        hidden = paragraph.confidential and not show_confidential
        events.append(
            CaseEvent(
                on=_meeting_date(paragraph.meeting),
                kind=_("paragraph"),
                title=(paragraph.public_title or _("Confidential")) if hidden else paragraph.title,
                committee=paragraph.meeting.committee.name,
                paragraph=f"§ {paragraph.number}",
                appeal_ends_on=_appeal_end(paragraph.meeting),
                confidential=paragraph.confidential,
            )
        )
    for remiss in case.remisser.select_related("committee"):
        events.append(
            CaseEvent(
                on=remiss.received_on,
                kind=_("remiss"),
                title=remiss.title,
                committee=remiss.committee.name,
                detail=_("from %(sender)s, %(status)s, answer by %(date)s")
                % {
                    "sender": remiss.sender,
                    "status": remiss.get_status_display(),
                    "date": remiss.answer_by.isoformat() if remiss.answer_by else "–",
                },
            )
        )
    for motion in case.motions.select_related("preparing_committee"):
        events.append(
            CaseEvent(
                on=motion.raised_on or motion.submitted_on,
                kind=_("motion"),
                title=motion.title,
                committee=str(motion.preparing_committee or ""),
                detail=_("%(status)s, answer by %(date)s")
                % {
                    "status": motion.get_status_display(),
                    "date": motion.answer_by.isoformat() if motion.answer_by else "–",
                },
            )
        )
    decisions = DelegatedDecision.objects.filter(case=case).select_related(
        "point__committee", "decision_maker", "reported_in_paragraph", "reported_at_meeting"
    )
    for decision in decisions:
        meeting = decision.reported_at_meeting
        events.append(
            CaseEvent(
                on=decision.decided_on,
                kind=_("delegationsbeslut"),
                title=decision.description,
                committee=decision.point.committee.name,
                detail=f"{decision.number_label} {decision.decision_maker.full_name}, {decision.point.code}",
                paragraph=f"§ {decision.reported_in_paragraph.number}"
                if decision.reported_in_paragraph
                else "",
                appeal_ends_on=_appeal_end(meeting) if meeting and decision.reported_in_paragraph else None,
            )
        )
    return sorted(events, key=lambda event: (event.on or date.min, event.committee))
