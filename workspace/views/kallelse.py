"""The kallelse tab of a meeting: what the kallelse holds (its agenda, its handlingar, who is
kallad), the PDF as it stands now, the recipients, sending it (the first kallelse, a reviderad
kallelse, a tilläggskallelse) and the report of each sending.

Everything goes through meetings/kallelse: `kallelse_source` (what the PDF is built from),
`kallelse_get_or_render` (the PDF), `kallelse_recipients`, `meeting_send_kallelse` and
`dispatch_report`. Every view is wrapped by `meeting_view`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.downloads import file_response
from meetings.kallelse.dispatch import (
    dispatch_item_ids,
    dispatch_report,
    kallelse_recipients,
    meeting_send_kallelse,
)
from meetings.kallelse.document import kallelse_get_or_render, kallelse_source
from meetings.models import KallelseDispatch, Meeting
from meetings.services.registers import meeting_generate_lists

from ..access import meeting_view
from .meeting import meeting_context

Kind = KallelseDispatch.Kind
Status = Meeting.Status


def sending_options(meeting: Meeting) -> list[dict]:
    """The kinds of kallelse the meeting's status allows now, each with whether it is possible."""
    if meeting.status == Status.AGENDA_DRAFTED:
        empty = not meeting.agenda_items.exists()
        return [
            {
                "kind": Kind.KALLELSE,
                "label": _("Send the kallelse"),
                "possible": not empty,
                "reason": _("The agenda has no items yet.") if empty else "",
                "primary": True,
            }
        ]
    if meeting.status == Status.SUMMONED:
        previous = meeting.dispatches.order_by("-created_at", "-pk").first()
        added = (
            meeting.agenda_items.exclude(pk__in=dispatch_item_ids(dispatch=previous)).exists()
            if previous
            else False
        )
        return [
            {
                "kind": Kind.REVISED,
                "label": _("Send a reviderad kallelse"),
                "possible": True,
                "reason": "",
                "primary": False,
                "help": _("The whole agenda again, to everyone, marked reviderad."),
            },
            {
                "kind": Kind.SUPPLEMENT,
                "label": _("Send a tilläggskallelse"),
                "possible": added,
                "reason": "" if added else _("No agenda item has been added since the previous kallelse."),
                "primary": False,
                "help": _("Only the items added since the previous kallelse."),
            },
        ]
    return []


@meeting_view
def kallelse(request, meeting):
    source = kallelse_source(meeting=meeting)
    recipients = kallelse_recipients(meeting=meeting)
    dispatches = list(meeting.dispatches.select_related("created_by").order_by("-created_at", "-pk"))
    latest = dispatches[0] if dispatches else None
    deliveries = list(latest.deliveries.select_related("person").order_by("pk")) if latest else []
    return render(
        request,
        "workspace/kallelse.html",
        meeting_context(
            request,
            meeting,
            source=source,
            missing=[(item, handling) for item in source.items for handling in item.missing_handlingar],
            recipients=recipients,
            options=sending_options(meeting),
            dispatches=dispatches,
            latest=latest,
            deliveries=deliveries,
            sent_count=sum(1 for d in deliveries if d.sent_at),
        ),
    )


@meeting_view
@require_POST
def kallelse_send(request, meeting):
    kind = request.POST.get("kind", Kind.KALLELSE)
    if kind not in Kind.values:
        messages.error(request, _("Unknown kind of kallelse."))
        return redirect("workspace:kallelse", meeting.pk)
    try:
        dispatch = meeting_send_kallelse(meeting=meeting, sent_by=request.user, kind=kind)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        for level, text in dispatch_report(dispatch=dispatch):
            messages.add_message(request, level, text)
    return redirect("workspace:kallelse", meeting.pk)


@meeting_view
def kallelse_pdf(request, meeting):
    """The kallelse PDF as it stands now (members' or, with ?version=public, the public one)."""
    meeting_generate_lists(meeting=meeting)
    public = request.GET.get("version") == "public"
    rendered = kallelse_get_or_render(meeting=meeting, public=public)
    local = timezone.localtime(meeting.start)
    name = f"kallelse-{meeting.committee.slug}-{local:%Y-%m-%d}{'-publik' if public else ''}.pdf"
    return file_response(rendered.file.open("rb"), content_type="application/pdf", filename=name)


urlpatterns = [
    path("sammantraden/<int:pk>/kallelse/", kallelse, name="kallelse"),
    path("sammantraden/<int:pk>/kallelse/skicka/", kallelse_send, name="kallelse_send"),
    path("sammantraden/<int:pk>/kallelse.pdf", kallelse_pdf, name="kallelse_pdf"),
]
