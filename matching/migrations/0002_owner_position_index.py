"""The nearest-first index behind matching (PostgreSQL only; SQLite uses a bounding box)."""

from django.db import migrations

from matching.geo import INDEX_NAME, POSITION_SQL

POSITION = POSITION_SQL.format(table="accounts_user")


def create_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON accounts_user USING gist ({POSITION})"
            " WHERE latitude IS NOT NULL AND longitude IS NOT NULL AND is_active"
        )


def drop_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_deletion_and_blocks"),
        ("matching", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
