"""Database triggers that refuse any change to the rows of a frozen protokoll (audit.locks).

On PostgreSQL only; SQLite gets its triggers after every migrate (audit.apps), because it
drops them whenever a later migration rebuilds one of the tables.
"""

from django.db import migrations


def install(apps, schema_editor):
    from audit.locks import protokoll_lock_install

    if schema_editor.connection.vendor == "postgresql":
        protokoll_lock_install(connection=schema_editor.connection)


def uninstall(apps, schema_editor):
    from audit.locks import protokoll_lock_uninstall

    if schema_editor.connection.vendor == "postgresql":
        protokoll_lock_uninstall(connection=schema_editor.connection)


class Migration(migrations.Migration):
    # 0001 depends on the meetings and attendance tables the triggers are put on.
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
