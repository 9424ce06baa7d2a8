"""Reads for matching: the nearby pets that pass every hard filter, nearest first.

One SQL query per request, whatever the number of candidates. On PostgreSQL it walks the GiST
index on the owners' Mercator position nearest-first (`<->`), bounded by a box of the searching
pet's reach (`<@`), and stops at the LIMIT; every other hard filter is a plain condition on the
rows it visits. On SQLite (the embedded default) a latitude/longitude box does the narrowing.
Exact great-circle distances and the other side's reach are checked in Python on the few rows
that come back (the other side's reach is in the SQL too, leniently: see `_WITHIN_THEIR_REACH`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from accounts.models import User
from config.errors import Conflict, NotFound
from matching import algorithm
from matching.geo import POSITION_SQL, degree_box, mercator, mercator_span
from pets.models import Energy, Pet, Preferences, Size, Species, bit

# Every column of a pet and of its preferences (bar the key it shares with the pet).
_PET_COLUMNS = tuple(field.column for field in Pet._meta.concrete_fields)
_PREFERENCE_COLUMNS = tuple(
    field.column for field in Preferences._meta.concrete_fields if not field.primary_key
)
_OWNER_COLUMNS = ("username", "latitude", "longitude", "time_zone")

_CANDIDATES_SQL = """
SELECT {columns}
FROM accounts_user u
JOIN pets_pet p ON p.owner_id = u.id
JOIN pets_preferences pr ON pr.pet_id = p.id
WHERE u.latitude IS NOT NULL AND u.longitude IS NOT NULL AND u.is_active
  AND u.suspended_at IS NULL AND u.id <> %s AND p.is_active
  AND p.species IN ({species}) AND p.size IN ({sizes}) AND p.energy IN ({energy})
  AND p.age BETWEEN %s AND %s AND (%s OR p.vaccinated)
  AND (pr.species_mask & %s) <> 0 AND (pr.sizes_mask & %s) <> 0 AND (pr.energy_mask & %s) <> 0
  AND pr.min_age <= %s AND pr.max_age >= %s AND (%s OR NOT pr.require_vaccinated)
  AND NOT EXISTS (SELECT 1 FROM matching_pass x WHERE x.pet_id = %s AND x.other_id = p.id)
  AND NOT EXISTS (SELECT 1 FROM accounts_block b WHERE b.blocker_id = %s AND b.blocked_id = u.id)
  AND NOT EXISTS (SELECT 1 FROM accounts_block b WHERE b.blocker_id = u.id AND b.blocked_id = %s)
  AND {near}
  AND {within_their_reach}
ORDER BY {nearest_first}
LIMIT %s
"""

# The other owner's reach, as the great-circle distance of `algorithm.haversine_km`: without it
# pets whose owners would not come this far took places in the LIMIT, and crowded out farther
# pets whose owners would. A metre of slack absorbs rounding differences between the
# databases' trigonometry and Python's, which makes the exact test on the rows returned.
_WITHIN_THEIR_REACH = (
    "2 * %s * asin({smaller}(1.0, sqrt(power(sin(radians(u.latitude - %s) / 2), 2)"
    " + cos(radians(%s)) * cos(radians(u.latitude))"
    " * power(sin(radians(u.longitude - %s) / 2), 2)))) <= pr.max_distance_km + 0.001"
)


@dataclass(frozen=True)
class Candidate:
    """A pet that passed every hard filter, with what scoring needs. The owner's coordinates
    are here for the distance only; they never leave the server."""

    pet: Pet
    preferences: Preferences
    owner_username: str
    owner_time_zone: str
    distance_km: float


def _placeholders(values: list[str]) -> str:
    return ", ".join(["%s"] * len(values))


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _near_clause(
    latitude: float, longitude: float, radius_km: float
) -> tuple[str, list[Any], str, list[Any]]:
    """The narrowing condition and the nearest-first ordering, per database."""
    if connection.vendor == "postgresql":
        position = POSITION_SQL.format(table="u")
        x, y = mercator(latitude, longitude)
        span = mercator_span(radius_km, latitude)
        near = f"{position} <@ box(point(%s, %s), point(%s, %s))"
        return (
            near,
            [x - span, y - span, x + span, y + span],
            f"{position} <-> point(%s, %s)",
            [x, y],
        )
    south, north, west, east = degree_box(latitude, longitude, radius_km)
    near = "u.latitude BETWEEN %s AND %s AND u.longitude BETWEEN %s AND %s"
    # Equirectangular distance around the searching owner: exact enough to rank within a box.
    scale = math.cos(math.radians(latitude)) ** 2
    order = "(u.latitude - %s) * (u.latitude - %s) + (u.longitude - %s) * (u.longitude - %s) * %s"
    return (
        near,
        [south, north, west, east],
        order,
        [latitude, latitude, longitude, longitude, scale],
    )


def candidate_query(
    *, pet: Pet, preferences: Preferences, owner: User, fetch: int
) -> tuple[str, list[Any]] | None:
    """The SQL and parameters of `match_candidates` (None when nothing can match)."""
    if owner.latitude is None or owner.longitude is None:
        return None
    species, sizes, energy = preferences.species, preferences.sizes, preferences.energy
    if not (species and sizes and energy):
        return None
    near, near_params, order, order_params = _near_clause(
        owner.latitude, owner.longitude, preferences.max_distance_km
    )
    columns = ", ".join(
        [f"p.{c}" for c in _PET_COLUMNS]
        + [f"pr.{c}" for c in _PREFERENCE_COLUMNS]
        + [f"u.{c}" for c in _OWNER_COLUMNS]
    )
    sql = _CANDIDATES_SQL.format(
        columns=columns,
        species=_placeholders(species),
        sizes=_placeholders(sizes),
        energy=_placeholders(energy),
        near=near,
        within_their_reach=_WITHIN_THEIR_REACH.format(
            smaller="least" if connection.vendor == "postgresql" else "min"
        ),
        nearest_first=order,
    )
    params: list[Any] = [
        owner.pk,
        *species,
        *sizes,
        *energy,
        preferences.min_age,
        preferences.max_age,
        not preferences.require_vaccinated,
        bit(Species, pet.species),
        bit(Size, pet.size),
        bit(Energy, pet.energy),
        pet.age,
        pet.age,
        pet.vaccinated,
        pet.pk,
        owner.pk,
        owner.pk,
        *near_params,
        algorithm.EARTH_RADIUS_KM,
        owner.latitude,
        owner.latitude,
        owner.longitude,
        *order_params,
        fetch,
    ]
    return sql, params


_PLANNER_SWITCHES = (
    "SELECT set_config('enable_bitmapscan', %s, true), set_config('enable_sort', %s, true)"
)


@contextmanager
def nearest_first(cursor: CursorWrapper) -> Iterator[None]:
    """Steers PostgreSQL to the nearest-first index scan for the queries inside the block.

    The planner guesses a fixed, small share of rows inside any box (`<@` has no statistics),
    so it prefers to fetch every owner in the box and sort them all: 37 ms for 7,000 owners in
    central Tokyo. Walking the index nearest-first stops at the LIMIT instead, whatever the
    density (docs/performance.md). The switches are transaction-local, and switched back on
    after the block, since releasing a savepoint would not undo them for an outer transaction.
    """
    if connection.vendor != "postgresql":
        yield
        return
    cursor.execute(_PLANNER_SWITCHES, ["off", "off"])
    try:
        yield
    finally:
        cursor.execute(_PLANNER_SWITCHES, ["on", "on"])


def match_candidates(
    *, pet: Pet, preferences: Preferences, owner: User, fetch: int
) -> list[Candidate]:
    """The `fetch` nearest pets that every hard filter lets through, nearest first.

    Both sides' wishes (species, size, energy, age, vaccination, reach) must accept the other;
    passed pets, blocked users either way, suspended or inactive owners and inactive pets are out.
    """
    query = candidate_query(pet=pet, preferences=preferences, owner=owner, fetch=fetch)
    if query is None or owner.latitude is None or owner.longitude is None:
        return []
    with transaction.atomic(), connection.cursor() as cursor, nearest_first(cursor):
        cursor.execute(*query)
        rows = cursor.fetchall()

    candidates = []
    pet_width, preference_width = len(_PET_COLUMNS), len(_PREFERENCE_COLUMNS)
    for row in rows:
        pet_values = list(row[:pet_width])
        pet_values[_PET_COLUMNS.index("temperament")] = _json(
            pet_values[_PET_COLUMNS.index("temperament")]
        )
        preference_values = list(row[pet_width : pet_width + preference_width])
        availability = _PREFERENCE_COLUMNS.index("availability")
        preference_values[availability] = _json(preference_values[availability])
        username, latitude, longitude, time_zone = row[pet_width + preference_width :]
        other_preferences = Preferences.from_db(
            connection.alias, ["pet_id", *_PREFERENCE_COLUMNS], [row[0], *preference_values]
        )
        distance = algorithm.haversine_km(owner.latitude, owner.longitude, latitude, longitude)
        if distance > min(preferences.max_distance_km, other_preferences.max_distance_km):
            continue
        candidates.append(
            Candidate(
                pet=Pet.from_db(connection.alias, list(_PET_COLUMNS), pet_values),
                preferences=other_preferences,
                owner_username=username,
                owner_time_zone=time_zone,
                distance_km=distance,
            )
        )
    return candidates


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_QUARTER = timedelta(minutes=15)
FETCH_FACTOR = 2
MIN_FETCH = 40
MAX_FETCH = 100


def fetch_size(limit: int) -> int:
    """How many of the nearest eligible pets are scored to pick the best `limit`."""
    return min(MAX_FETCH, max(MIN_FETCH, FETCH_FACTOR * limit))


@dataclass(frozen=True)
class Match:
    candidate: Candidate
    suggestion: algorithm.Suggestion
    slots: list[datetime]


def side_of(pet: Pet, preferences: Preferences, time_zone: str) -> algorithm.Side:
    return algorithm.Side(
        traits=algorithm.PetTraits(
            species=pet.species,
            size=pet.size,
            energy=pet.energy,
            age=pet.age,
            temperament=frozenset(pet.temperament),
            vaccinated=pet.vaccinated,
        ),
        wants=algorithm.Wants(
            max_distance_km=preferences.max_distance_km,
            species=frozenset(preferences.species),
            sizes=frozenset(preferences.sizes),
            energy=frozenset(preferences.energy),
            min_age=preferences.min_age,
            max_age=preferences.max_age,
            require_vaccinated=preferences.require_vaccinated,
        ),
        windows=_windows(
            tuple((w["weekday"], w["start"], w["end"]) for w in preferences.availability)
        ),
        time_zone=time_zone,
    )


@lru_cache(maxsize=4096)
def _windows(availability: tuple[tuple[int, str, str], ...]) -> tuple[algorithm.Window, ...]:
    # Calendars repeat across pets; parsing each shape once keeps scoring cheap.
    return algorithm.parse_windows(
        {"weekday": weekday, "start": start, "end": end} for weekday, start, end in availability
    )


def pet_matches(*, owner: User, pet_id: int, limit: int, now: datetime) -> list[Match]:
    """Suggestions for one of `owner`'s pets, best first.

    The nearest `FETCH_FACTOR * limit` pets that pass every hard filter are scored, and the best
    `limit` of them returned: ranking every pet within reach would cost time in proportion to
    how crowded the city is, while the nearest few dozen already hold the best suggestions
    (distance weighs most in the score).
    """
    pet = (
        Pet.objects.select_related("preferences")
        .filter(pk=pet_id, owner=owner, is_active=True)
        .first()
    )
    if pet is None:
        raise NotFound("No such pet of yours.")
    if owner.latitude is None or owner.longitude is None:
        raise Conflict("Set your location on your profile to get suggestions for your pets.")
    preferences = pet.preferences
    candidates = match_candidates(
        pet=pet,
        preferences=preferences,
        owner=owner,
        fetch=fetch_size(limit),
    )
    # Scored as of the last quarter hour: the slots are the same (they start on the next
    # quarter hour anyway), "this week" moves by at most 15 minutes, and every request in the
    # quarter hour reuses the calendars the first one expanded.
    now = now - (now - _EPOCH) % _QUARTER
    mine = side_of(pet, preferences, owner.time_zone)
    scored = [
        (
            algorithm.score(mine, side, candidate.distance_km, now, with_slots=False),
            side,
            candidate,
        )
        for candidate in candidates
        for side in [side_of(candidate.pet, candidate.preferences, candidate.owner_time_zone)]
    ]
    scored.sort(key=lambda row: (-row[0].score, row[2].distance_km, row[2].pet.pk))
    return [
        Match(
            candidate=candidate,
            suggestion=suggestion,
            slots=algorithm.suggested_slots(mine, side, now),
        )
        for suggestion, side, candidate in scored[:limit]
    ]
