# The newest-first B-tree of the search index (portal.search.newest_first), on PostgreSQL only
# like the GIN index of 0001: on SQLite search is a contains search over a small database.

import django.db.models.expressions
from django.db import migrations, models



class AddIndexOnPostgreSQL(migrations.AddIndex):
    """As in 0001: the index on PostgreSQL only, the same migration state on both."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
    ]

    operations = [
        AddIndexOnPostgreSQL(
            model_name="searchentry",
            index=models.Index(
                django.db.models.expressions.OrderBy(
                    django.db.models.expressions.F("date"), descending=True, nulls_last=True
                ),
                django.db.models.expressions.OrderBy(django.db.models.expressions.F("id")),
                name="search_entry_newest",
            ),
        ),
    ]
