"""Database triggers on the records about a protokoll: its meeting's status and content, the
justering's hashes and files, the signatures and the handlingar it refers to (audit.locks,
"Records beyond the protokoll's rows").

On PostgreSQL only; SQLite gets its triggers after every migrate (audit.apps).
"""

from django.db import migrations


def install(apps, schema_editor):
    from audit.locks import records_lock_install

    if schema_editor.connection.vendor == "postgresql":
        records_lock_install(connection=schema_editor.connection)


def uninstall(apps, schema_editor):
    from audit.locks import records_lock_uninstall

    if schema_editor.connection.vendor == "postgresql":
        records_lock_uninstall(connection=schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_protokoll_lock_triggers"),
        ("meetings", "0006_justering_posting_alert_sent_at"),
        ("cases", "0003_registers"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
