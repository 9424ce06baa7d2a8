"""Nearest-first indexes on pets, one per species (PostgreSQL only; SQLite uses a bounding box).

Walking owners nearest-first and joining their pets visited every nearby pet, so a pet that
wants a rare species (a rabbit for a rabbit) walked thousands of them: 30-50 ms at a million
pets. Each pet now carries a copy of its owner's position, kept by triggers, and each species
has its own GiST index: the candidate query walks only the species a pet wants, merged
nearest-first (docs/performance.md). The SQL is frozen here: `matching.geo.pet_position_sql`
must produce the same expression, or the planner will not use these indexes (tested).
A new species needs a migration adding its index.
"""

from django.db import migrations

POSITION = (
    "point(radians(matching_longitude),"
    " ln(tan(pi() / 4 + radians(greatest(-85.0, least(85.0, matching_latitude))) / 2)))"
)
SPECIES = ("dog", "cat", "rabbit", "other")
OWNER_POSITION = (
    "point(radians(accounts_user.longitude),"
    " ln(tan(pi() / 4 + radians(greatest(-85.0, least(85.0, accounts_user.latitude))) / 2)))"
)

FORWARD = [
    """
    ALTER TABLE pets_pet
      ADD COLUMN matching_latitude double precision,
      ADD COLUMN matching_longitude double precision
    """,
    """
    UPDATE pets_pet p SET matching_latitude = u.latitude, matching_longitude = u.longitude
    FROM accounts_user u WHERE u.id = p.owner_id
    """,
    """
    CREATE FUNCTION matching_pet_takes_owner_position() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      SELECT latitude, longitude INTO NEW.matching_latitude, NEW.matching_longitude
      FROM accounts_user WHERE id = NEW.owner_id;
      RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER matching_pet_takes_owner_position
    BEFORE INSERT OR UPDATE OF owner_id ON pets_pet
    FOR EACH ROW EXECUTE FUNCTION matching_pet_takes_owner_position()
    """,
    """
    CREATE FUNCTION matching_owner_moves_pets() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE pets_pet SET matching_latitude = NEW.latitude, matching_longitude = NEW.longitude
      WHERE owner_id = NEW.id;
      RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER matching_owner_moves_pets
    AFTER UPDATE OF latitude, longitude ON accounts_user
    FOR EACH ROW WHEN (
      OLD.latitude IS DISTINCT FROM NEW.latitude OR OLD.longitude IS DISTINCT FROM NEW.longitude
    )
    EXECUTE FUNCTION matching_owner_moves_pets()
    """,
    *(
        f"CREATE INDEX matching_{species}_position_gist ON pets_pet USING gist ({POSITION})"
        f" WHERE is_active AND species = '{species}' AND matching_latitude IS NOT NULL"
        for species in SPECIES
    ),
    "DROP INDEX IF EXISTS matching_owner_position_gist",
]

BACKWARD = [
    f"CREATE INDEX matching_owner_position_gist ON accounts_user USING gist ({OWNER_POSITION})"
    " WHERE latitude IS NOT NULL AND longitude IS NOT NULL AND is_active",
    *(f"DROP INDEX matching_{species}_position_gist" for species in SPECIES),
    "DROP TRIGGER matching_owner_moves_pets ON accounts_user",
    "DROP FUNCTION matching_owner_moves_pets()",
    "DROP TRIGGER matching_pet_takes_owner_position ON pets_pet",
    "DROP FUNCTION matching_pet_takes_owner_position()",
    "ALTER TABLE pets_pet DROP COLUMN matching_latitude, DROP COLUMN matching_longitude",
]


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0002_owner_position_index"),
        ("pets", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward)]
