"""Generations: a counter per map cell and per owner, bumped by every write that could change
a pet's suggestions (PostgreSQL only). `matching.cache` keeps suggestions until a counter they
depend on moves.

Triggers, not application code, do the bumping: the admin, services, bulk updates and COPY all
go through them, and a bump commits or rolls back with the write that made it. Counters only
grow, so the sum of a set of counters changes whenever any of them does. Cells are 0.25° of
latitude by 0.25° of longitude; an owner's counter is the cell `-owner_id`.
"""

from django.db import migrations

CELL_DEGREES = 0.25

FORWARD = [
    """
    CREATE TABLE matching_generation (cell bigint PRIMARY KEY, generation bigint NOT NULL)
    """,
    f"""
    CREATE FUNCTION matching_cell(latitude double precision, longitude double precision)
    RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT (floor(latitude / {CELL_DEGREES})::bigint + 400) * 2000
             + floor(longitude / {CELL_DEGREES})::bigint + 800
    $$
    """,
    # Cells in a fixed order, so that concurrent writers lock them in the same order.
    """
    CREATE FUNCTION matching_bump(cells bigint[]) RETURNS void LANGUAGE sql AS $$
      INSERT INTO matching_generation (cell, generation)
      SELECT DISTINCT cell, 1 FROM unnest(cells) AS cell WHERE cell IS NOT NULL ORDER BY cell
      ON CONFLICT (cell) DO UPDATE SET generation = matching_generation.generation + 1
    $$
    """,
    # A pet's own row: where it was and where it is (an owner's move reaches here too, through
    # matching_owner_moves_pets).
    """
    CREATE FUNCTION matching_pets_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM matching_bump(ARRAY(
          SELECT matching_cell(matching_latitude, matching_longitude) FROM old_rows));
      END IF;
      IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM matching_bump(ARRAY(
          SELECT matching_cell(matching_latitude, matching_longitude) FROM new_rows));
      END IF;
      RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION matching_preferences_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM matching_bump(ARRAY(
          SELECT matching_cell(p.matching_latitude, p.matching_longitude)
          FROM old_rows r JOIN pets_pet p ON p.id = r.pet_id));
      END IF;
      IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM matching_bump(ARRAY(
          SELECT matching_cell(p.matching_latitude, p.matching_longitude)
          FROM new_rows r JOIN pets_pet p ON p.id = r.pet_id));
      END IF;
      RETURN NULL;
    END $$
    """,
    # What suggestions show or filter on of an owner, bar the position (see above).
    """
    CREATE FUNCTION matching_owners_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM matching_bump(ARRAY(
        SELECT matching_cell(p.matching_latitude, p.matching_longitude)
        FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN pets_pet p ON p.owner_id = n.id
        WHERE n.suspended_at IS DISTINCT FROM o.suspended_at
           OR n.is_active IS DISTINCT FROM o.is_active
           OR n.username IS DISTINCT FROM o.username
           OR n.time_zone IS DISTINCT FROM o.time_zone));
      RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION matching_blocks_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        PERFORM matching_bump(ARRAY(
          SELECT -blocker_id FROM new_rows UNION SELECT -blocked_id FROM new_rows));
      ELSE
        PERFORM matching_bump(ARRAY(
          SELECT -blocker_id FROM old_rows UNION SELECT -blocked_id FROM old_rows));
      END IF;
      RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION matching_passes_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        PERFORM matching_bump(ARRAY(
          SELECT -p.owner_id FROM new_rows r JOIN pets_pet p ON p.id = r.pet_id));
      ELSE
        PERFORM matching_bump(ARRAY(
          SELECT -p.owner_id FROM old_rows r JOIN pets_pet p ON p.id = r.pet_id));
      END IF;
      RETURN NULL;
    END $$
    """,
]

TRIGGERS = [
    ("pets_pet", "matching_pets_changed", ("INSERT", "UPDATE", "DELETE")),
    ("pets_preferences", "matching_preferences_changed", ("INSERT", "UPDATE", "DELETE")),
    ("accounts_user", "matching_owners_changed", ("UPDATE",)),
    ("accounts_block", "matching_blocks_changed", ("INSERT", "DELETE")),
    ("matching_pass", "matching_passes_changed", ("INSERT", "DELETE")),
]
TRANSITIONS = {
    "INSERT": "NEW TABLE AS new_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
}
for table, function, events in TRIGGERS:
    for event in events:
        FORWARD.append(
            f"CREATE TRIGGER {function}_{event.lower()} AFTER {event} ON {table}"
            f" REFERENCING {TRANSITIONS[event]} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )

BACKWARD = [
    *(
        f"DROP TRIGGER {function}_{event.lower()} ON {table}"
        for table, function, events in TRIGGERS
        for event in events
    ),
    *(f"DROP FUNCTION {function}()" for _, function, _ in TRIGGERS),
    "DROP FUNCTION matching_bump(bigint[])",
    "DROP FUNCTION matching_cell(double precision, double precision)",
    "DROP TABLE matching_generation",
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
    dependencies = [("matching", "0003_pet_position_indexes")]

    operations = [migrations.RunPython(forward, backward)]
