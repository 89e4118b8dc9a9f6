"""The protokoll locks (audit.locks) for the bilagor of a §: the new table meetings_paragraphannex
gets its trigger, and the handling trigger also guards the file of a bilaga of a locked protokoll.

Both installs are idempotent (CREATE OR REPLACE, DROP TRIGGER IF EXISTS). On PostgreSQL only;
SQLite gets its triggers after every migrate (audit.apps).
"""

from django.db import migrations


def install(apps, schema_editor):
    from audit.locks import protokoll_lock_install, records_lock_install

    if schema_editor.connection.vendor == "postgresql":
        protokoll_lock_install(connection=schema_editor.connection)
        records_lock_install(connection=schema_editor.connection)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS paragraf_lock ON meetings_paragraphannex;")
            cursor.execute("DROP FUNCTION IF EXISTS paragraf_lock_meetings_paragraphannex();")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0006_sekretess_help_text"),
        ("meetings", "0010_paragraph_annex"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
