"""The nearest-first index behind matching (PostgreSQL only; SQLite uses a bounding box)."""

from django.db import migrations

# Frozen here: later migrations replace this index (0003), and matching.geo moves on.
INDEX_NAME = "matching_owner_position_gist"
POSITION = (
    "point(radians(accounts_user.longitude),"
    " ln(tan(pi() / 4 + radians(greatest(-85.0, least(85.0, accounts_user.latitude))) / 2)))"
)


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
