"""Fill the new created_at/modified_at of old rows from what is known: the audit history
(first and last historical row), a meeting's start and its justering, a case's registration
day, a handling's upload. Rows with nothing known keep the time of the migration."""

from datetime import datetime, time

from django.db import migrations
from django.db.models import Max, Min
from django.utils import timezone


def _history(apps, name):
    rows = (
        apps.get_model("audit", name)
        .objects.values("id")
        .annotate(first=Min("history_date"), last=Max("history_date"))
    )
    return {row["id"]: (row["first"], row["last"]) for row in rows}


def _midnight(day):
    return timezone.make_aware(datetime.combine(day, time()))


def _fill(model, history, fallback, fields=("created_at", "modified_at")):
    rows = []
    for row in model.objects.all().iterator():
        first, last = history.get(row.pk, (None, None))
        known_first, known_last = fallback(row)
        created = first or known_first
        modified = max((value for value in (last, known_last, created) if value), default=None)
        if created and "created_at" in fields:
            row.created_at = created
        if modified:
            row.modified_at = modified
        rows.append(row)
    model.objects.bulk_update(rows, list(fields), batch_size=500)


def backfill(apps, schema_editor):
    Meeting = apps.get_model("meetings", "Meeting")
    Justering = apps.get_model("meetings", "Justering")
    completed = dict(Justering.objects.exclude(completed_at=None).values_list("meeting_id", "completed_at"))
    _fill(Meeting, _history(apps, "HistoricalMeeting"), lambda m: (m.start, completed.get(m.pk)))
    meetings = {m.pk: (m.created_at, m.modified_at) for m in Meeting.objects.all()}
    _fill(
        apps.get_model("meetings", "AgendaItem"),
        _history(apps, "HistoricalAgendaItem"),
        lambda item: meetings.get(item.meeting_id, (None, None)),
    )
    _fill(
        apps.get_model("cases", "Case"),
        _history(apps, "HistoricalCase"),
        lambda case: (_midnight(case.registered_on) if case.registered_on else None, None),
    )
    _fill(
        apps.get_model("cases", "Document"),
        _history(apps, "HistoricalDocument"),
        lambda document: (document.created_at, document.created_at),
        fields=("modified_at",),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("oparl", "0001_initial"),
        ("audit", "0005_oparl_timestamps"),
        ("cases", "0004_oparl_timestamps"),
        ("committees", "0003_oparl_timestamps"),
        ("meetings", "0007_oparl_timestamps"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
