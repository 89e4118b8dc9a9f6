"""Every task the beat schedule names is registered under that name (tasks that moved between
modules keep their first registered names, or queued tasks and the schedule would break)."""

from django.conf import settings

from config.celery import app


def test_every_beat_task_is_registered_under_its_scheduled_name():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled, "the beat schedule is empty"
    assert sorted(scheduled - set(app.tasks)) == []


def test_the_anslagstavla_tasks_live_in_meetings_anslag():
    from meetings.anslag import tasks

    assert tasks.take_down_due_anslag.name == "portal.anslag_tasks.take_down_due_anslag"
    assert tasks.alert_unposted_protokoll.name == "portal.anslag_tasks.alert_unposted_protokoll"
