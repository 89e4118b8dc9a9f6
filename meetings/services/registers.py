"""The register lists Paragraf builds as handlingar of standard agenda items.

An agenda item with `generates="delegationsbeslut"` gets the delegationsbeslut of the
committee not yet reported (anmälda); one with `generates="remisser"` the remisser the
committee received and has not yet been told of. The list is rendered as a PDF/A from
a template, stored as a Document and attached as the item's first handling; the rows
listed are marked as reported at the meeting. Generating again with the same rows
gives the same document; with other rows, it replaces the previous list.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.documents import PDF, content_store, pdf_page_count, stored_file_delete_if_unreferenced
from cases.models import DelegatedDecision, Document, Remiss
from meetings.models import AgendaItem, AgendaItemDocument, GeneratedList, Meeting, Paragraph
from meetings.pdf import render_pdf

# A generated list is recognised by its file name: "paragraf-delegationsbeslut-….pdf".
GENERATED_PREFIX = "paragraf-"


def meeting_date(meeting: Meeting) -> date:
    return timezone.localtime(meeting.start).date()


def _not_yet_reported(meeting: Meeting) -> Q:
    """Not reported at any meeting, reported at this one, or at one that was cancelled."""
    return (
        Q(reported_at_meeting__isnull=True)
        | Q(reported_at_meeting=meeting)
        | Q(reported_at_meeting__status=Meeting.Status.CANCELLED)
    )


def delegated_decisions_to_report(*, meeting: Meeting) -> QuerySet[DelegatedDecision]:
    """The committee's delegationsbeslut decided before the meeting and not reported elsewhere."""
    return (
        DelegatedDecision.objects.filter(
            point__committee=meeting.committee, decided_on__lt=meeting_date(meeting)
        )
        .filter(_not_yet_reported(meeting))
        .select_related("decision_maker", "responsible", "case", "point")
        .order_by("decided_on", "registration_id", "id")
    )


def remisser_to_report(*, meeting: Meeting) -> QuerySet[Remiss]:
    """The committee's remisser received before the meeting (since the last list) and not
    reported elsewhere."""
    return (
        Remiss.objects.filter(committee=meeting.committee, received_on__lt=meeting_date(meeting))
        .filter(_not_yet_reported(meeting))
        .select_related("responsible", "case")
        .order_by("received_on", "registration_id", "id")
    )


@dataclass(frozen=True)
class ListSpec:
    """How one kind of generated list is selected, rendered and filed."""

    model: type
    rows: Callable[..., QuerySet]
    template: str
    document_kind: str
    title: str


LISTS = {
    GeneratedList.DELEGATED_DECISIONS: ListSpec(
        model=DelegatedDecision,
        rows=delegated_decisions_to_report,
        template="cases/delegationsbeslut_list.html",
        document_kind=Document.Kind.DELEGATIONSBESLUT,
        title=gettext_lazy("Delegationsbeslut to report %(date)s"),
    ),
    GeneratedList.REMISSER: ListSpec(
        model=Remiss,
        rows=remisser_to_report,
        template="cases/remiss_list.html",
        document_kind=Document.Kind.REMISS,
        title=gettext_lazy("Incoming remisser %(date)s"),
    ),
}


def _confidential_title(case) -> str:
    return (
        _("Confidential (%(osl)s)") % {"osl": case.osl_reference} if case.osl_reference else _("Confidential")
    )


def _case_columns(case) -> dict:
    if case is None:
        return {"case_number": "", "case_title": ""}
    title = _confidential_title(case) if case.confidential else case.title
    return {"case_number": case.diarienummer, "case_title": title}


def _delegated_decision_row(decision: DelegatedDecision) -> dict:
    # A decision in a confidential case (an individual's stipend) names nobody: the list is a
    # handling of the agenda, public once the agenda is, and posted on the anslagstavla.
    secret = decision.case is not None and decision.case.confidential
    return {
        "id": decision.registration_id,
        "description": decision.description,
        "number": decision.number_label,
        "date": decision.decided_on,
        "counterpart": "" if secret else decision.counterpart,
        "decision_maker": decision.decision_maker.full_name,
        **_case_columns(decision.case),
        "category": decision.point.code,
        "responsible": decision.responsible.full_name if decision.responsible else "",
    }


def _remiss_row(remiss: Remiss) -> dict:
    return {
        "id": remiss.registration_id,
        "direction": remiss.direction,
        "description": remiss.title,
        "responsible": remiss.responsible.full_name if remiss.responsible else "",
        "date": remiss.received_on,
        "counterpart": remiss.sender,
        "department": remiss.department,
        **_case_columns(remiss.case),
        "document_type": remiss.document_type,
    }


ROW_BUILDERS = {DelegatedDecision: _delegated_decision_row, Remiss: _remiss_row}


def _render_pdf(*, spec: ListSpec, meeting: Meeting, rows: list) -> tuple[bytes, str]:
    """The list as PDF/A-2b and its title, in the organisation's language (not the user's)."""
    lang = settings.LANGUAGE_CODE
    with translation.override(lang):
        day = meeting_date(meeting)
        title = str(spec.title) % {"date": day.isoformat()}
        context = {
            "title": title,
            "meeting": meeting,
            "meeting_date": day,
            "committee": meeting.committee,
            "organisation": meeting.committee.organisation,
            "rows": [ROW_BUILDERS[spec.model](row) for row in rows],
        }
        pdf = render_pdf(spec.template, context, title=title, lang=lang)
    return pdf, title


def _require_editable(meeting: Meeting) -> None:
    if meeting.status not in Meeting.Status.UPCOMING:
        raise ValidationError(
            _('The lists can be generated only before the meeting is held; the meeting is "%(status)s".'),
            code="agenda_locked",
            params={"status": Meeting.Status(meeting.status).label},
        )


def _generated_attachments(agenda_item: AgendaItem, spec: ListSpec) -> list[AgendaItemDocument]:
    return list(
        agenda_item.attachments.select_related("document").filter(
            document__kind=spec.document_kind,
            document__original_name__startswith=f"{GENERATED_PREFIX}{agenda_item.generates}-",
        )
    )


@transaction.atomic
def agenda_item_generate_list(*, agenda_item: AgendaItem) -> Document:
    """Build the item's register list (see the module docstring) and attach it first.

    Idempotent: the same rows give the same PDF, and then the same Document is kept.
    Rows listed are marked as reported at the meeting; rows this meeting had claimed
    that no longer belong on the list are released for a later meeting.
    """
    spec = LISTS.get(agenda_item.generates)
    if spec is None:
        raise ValidationError(
            _('"%(title)s" has no list to generate.'),
            code="nothing_to_generate",
            params={"title": agenda_item},
        )
    meeting = (
        Meeting.objects.select_for_update()
        .select_related("committee__organisation")
        .get(pk=agenda_item.meeting_id)
    )
    _require_editable(meeting)
    rows = list(spec.rows(meeting=meeting))
    listed = [row.pk for row in rows]
    spec.model.objects.filter(reported_at_meeting=meeting).exclude(pk__in=listed).update(
        reported_at_meeting=None
    )
    spec.model.objects.filter(pk__in=listed).exclude(reported_at_meeting=meeting).update(
        reported_at_meeting=meeting
    )

    pdf, title = _render_pdf(spec=spec, meeting=meeting, rows=rows)
    sha256 = hashlib.sha256(pdf).hexdigest()
    previous = _generated_attachments(agenda_item, spec)
    current = next((link for link in previous if link.document.sha256 == sha256), None)
    if current is not None:
        document = current.document
    else:
        name, _created = content_store(content=pdf, sha256=sha256, suffix=".pdf")
        document = Document.objects.create(
            title=title,
            kind=spec.document_kind,
            case=agenda_item.case,
            file=name,
            original_name=f"{GENERATED_PREFIX}{agenda_item.generates}-{meeting.committee.slug}-"
            f"{meeting_date(meeting).isoformat()}.pdf",
            content_type=PDF,
            size=len(pdf),
            page_count=pdf_page_count(pdf, name=title),
            sha256=sha256,
            date=timezone.localdate(),
        )
        current = AgendaItemDocument.objects.create(agenda_item=agenda_item, document=document, order=0)

    # The list goes first; the other handlingar keep their order after it.
    for link in previous:
        if link.pk != current.pk:
            _detach_generated(link)
    others = agenda_item.attachments.exclude(pk=current.pk)
    if current.order != 0:
        current.order = 0
        current.save(update_fields=["order"])
    if others.filter(order__lte=0).exists():
        others.update(order=F("order") + 1)
    return document


def _detach_generated(link: AgendaItemDocument) -> None:
    """Remove a replaced list from the item, and the Document if nothing else refers to it."""
    document = link.document
    link.delete()
    if document.attachments.exists() or document.remisser.exists():
        return
    name = document.file.name
    document.delete()
    # The stored file goes with its last document, once that deletion is committed (and
    # only if no document has taken up the same content meanwhile).
    transaction.on_commit(lambda: stored_file_delete_if_unreferenced(name))


def meeting_generate_lists(*, meeting: Meeting) -> list[Document]:
    """Regenerate every register list of a meeting's agenda (before the kallelse is built).

    After the meeting is held the lists are what they were: nothing is regenerated and
    the attached lists are returned as they are.
    """
    items = meeting.agenda_items.exclude(generates="").order_by("order", "id")
    if meeting.status not in Meeting.Status.UPCOMING:
        return [
            link.document
            for item in items
            if item.generates in LISTS
            for link in _generated_attachments(item, LISTS[item.generates])
        ]
    return [agenda_item_generate_list(agenda_item=item) for item in items if item.generates in LISTS]


@transaction.atomic
def delegated_decisions_record_reported(*, meeting) -> int:
    """Once the protokoll with the anmälan is justerat: each decision listed at the meeting
    records the § of the agenda item that generated the list. Idempotent; returns how many
    decisions were recorded now. A decision already recorded in a § keeps it.

    Call it when the meeting becomes justerat (e.g. from `meetings.tasks.post_anslag`).
    """
    if meeting.status not in Meeting.Status.JUSTERAT_OR_LATER:
        raise ValidationError(
            _("The delegationsbeslut are recorded as reported once the protokoll is justerat."),
            code="not_justerat",
        )
    paragraph = (
        Paragraph.objects.filter(meeting=meeting, agenda_item__generates=GeneratedList.DELEGATED_DECISIONS)
        .order_by("number")
        .first()
    )
    if paragraph is None:
        return 0
    return DelegatedDecision.objects.filter(
        reported_at_meeting=meeting, reported_in_paragraph__isnull=True
    ).update(reported_in_paragraph=paragraph)
