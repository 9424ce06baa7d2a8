"""Reads for matching: the nearby pets that pass every hard filter, nearest first.

Two SQL queries per request, whatever the number of candidates: the searching pet, then its
candidates. On PostgreSQL the candidate query is a PL/pgSQL function (its plan is kept) that walks
the GiST index on the owners' Mercator position nearest-first (`<->`), bounded by a box of the
searching pet's reach (`<@`), and stops at the LIMIT; every other hard filter is a plain
condition on the rows it visits. On SQLite (the embedded default) a latitude/longitude box does
the narrowing.
Exact great-circle distances and the other side's reach are checked in Python on the few rows
that come back (the other side's reach is in the SQL too, leniently: see `_WITHIN_THEIR_REACH`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from django.db import connection, connections, transaction

from accounts.models import User
from config.errors import Conflict, NotFound
from matching import algorithm
from matching.geo import PET_POSITION_SQL, degree_box, mercator, mercator_span
from pets.models import Energy, Size, Species, bit, mask, unmask

# What matching reads of a pet, its preferences and its owner: (name, SQL, PostgreSQL type).
# The first twelve are the pet's public profile, as pets.api.serializers.PetOutput shows it.
# JSON columns come as text: they are parsed once per distinct value (`_tags`, `_windows`).
_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "p.id", "bigint"),
    ("owner_id", "p.owner_id", "bigint"),
    ("name", "p.name", "varchar"),
    ("species", "p.species", "varchar"),
    ("breed", "p.breed", "varchar"),
    ("age", "p.age", "smallint"),
    ("size", "p.size", "varchar"),
    ("energy", "p.energy", "varchar"),
    ("temperament", "CAST(p.temperament AS text)", "text"),
    ("vaccinated", "p.vaccinated", "boolean"),
    ("bio", "p.bio", "text"),
    ("created_at", "p.created_at", "timestamptz"),
    ("max_distance_km", "pr.max_distance_km", "double precision"),
    ("species_mask", "pr.species_mask", "smallint"),
    ("sizes_mask", "pr.sizes_mask", "smallint"),
    ("energy_mask", "pr.energy_mask", "smallint"),
    ("min_age", "pr.min_age", "smallint"),
    ("max_age", "pr.max_age", "smallint"),
    ("require_vaccinated", "pr.require_vaccinated", "boolean"),
    ("availability", "CAST(pr.availability AS text)", "text"),
    ("username", "u.username", "varchar"),
    ("time_zone", "u.time_zone", "varchar"),
    ("latitude", "u.latitude", "double precision"),
    ("longitude", "u.longitude", "double precision"),
)
_SELECT = ", ".join(expression for _, expression, _ in _COLUMNS)
_AT = {name: index for index, (name, _, _) in enumerate(_COLUMNS)}
_PUBLIC = tuple(name for name, _, _ in _COLUMNS[: _AT["created_at"] + 1])

# Only code constants are interpolated into the SQL here and below; values are parameters.
_PET_SQL = f"""
SELECT {_SELECT}
FROM pets_pet p
JOIN pets_preferences pr ON pr.pet_id = p.id
JOIN accounts_user u ON u.id = p.owner_id
WHERE p.id = %s AND p.owner_id = %s AND p.is_active
"""  # noqa: S608


def _bit_of(column: str, choices: type[Species | Size | Energy]) -> str:
    """SQL for the preference-mask bit of a choice column (`pets.models.bit`)."""
    whens = " ".join(f"WHEN '{value}' THEN {bit(choices, value)}" for value in choices.values)
    return f"(CASE {column} {whens} ELSE 0 END)"


# The hard filters, both ways, for the pets of the species in `{species}`. Parameters are named:
# on SQLite they are bound per query, on PostgreSQL they are the arguments of the
# `matching_candidates` function made from this text.
_CANDIDATES_SQL = f"""
SELECT {_SELECT}, {{nearness}} AS nearness
FROM pets_pet p
JOIN accounts_user u ON u.id = p.owner_id
JOIN pets_preferences pr ON pr.pet_id = p.id
WHERE p.is_active AND {{species}}
  AND u.latitude IS NOT NULL AND u.longitude IS NOT NULL AND u.is_active
  AND u.suspended_at IS NULL AND u.id <> %(owner_id)s
  AND ({_bit_of("p.size", Size)} & %(sizes_mask)s) <> 0
  AND ({_bit_of("p.energy", Energy)} & %(energy_mask)s) <> 0
  AND p.age BETWEEN %(min_age)s AND %(max_age)s AND (%(any_vaccination)s OR p.vaccinated)
  AND (pr.species_mask & %(species_bit)s) <> 0 AND (pr.sizes_mask & %(size_bit)s) <> 0
  AND (pr.energy_mask & %(energy_bit)s) <> 0
  AND pr.min_age <= %(age)s AND pr.max_age >= %(age)s
  AND (%(vaccinated)s OR NOT pr.require_vaccinated)
  AND NOT EXISTS (SELECT 1 FROM matching_pass x WHERE x.pet_id = %(pet_id)s AND x.other_id = p.id)
  AND NOT EXISTS (
    SELECT 1 FROM accounts_block b WHERE b.blocker_id = %(owner_id)s AND b.blocked_id = u.id)
  AND NOT EXISTS (
    SELECT 1 FROM accounts_block b WHERE b.blocker_id = u.id AND b.blocked_id = %(owner_id)s)
  AND {{near}}
  AND {{within_their_reach}}
ORDER BY nearness
LIMIT %(fetch)s
"""  # noqa: S608

# The other owner's reach, as the great-circle distance of `algorithm.haversine_km`: without it
# pets whose owners would not come this far took places in the LIMIT, and crowded out farther
# pets whose owners would. A metre of slack absorbs rounding differences between the
# databases' trigonometry and Python's, which makes the exact test on the rows returned.
_WITHIN_THEIR_REACH = (
    f"2 * {algorithm.EARTH_RADIUS_KM!r} * asin({{smaller}}(1.0, sqrt("
    "power(sin(radians(u.latitude - %(latitude)s) / 2), 2)"
    " + cos(radians(%(latitude)s)) * cos(radians(u.latitude))"
    " * power(sin(radians(u.longitude - %(longitude)s) / 2), 2))))"
    " <= pr.max_distance_km + 0.001"
)


def _postgresql_sql() -> str:
    """One branch per species, each walking that species' GiST index nearest-first (`<->`)
    within a box of the searching pet's reach (`<@`) up to the LIMIT; PostgreSQL merges the
    branches in order (Merge Append), and a species the pet does not want costs nothing."""
    position = PET_POSITION_SQL.format(pet="p")
    branches = [
        _CANDIDATES_SQL.format(
            nearness=f"{position} <-> point(%(x)s, %(y)s)",
            species=(
                f"p.species = '{species}' AND (%(species_mask)s & {bit(Species, species)}) <> 0"
            ),
            near=(
                f"p.matching_latitude IS NOT NULL AND {position} <@ box("
                "point(%(x)s - %(span)s, %(y)s - %(span)s),"
                " point(%(x)s + %(span)s, %(y)s + %(span)s))"
            ),
            within_their_reach=_WITHIN_THEIR_REACH.format(smaller="least"),
        )
        for species in Species.values
    ]
    union = "\nUNION ALL\n".join(f"({branch.strip()})" for branch in branches)
    return f"SELECT * FROM (\n{union}\n) nearby ORDER BY nearness LIMIT %(fetch)s"  # noqa: S608


# SQLite: a latitude/longitude box, then an equirectangular distance around the searching
# owner: exact enough to rank within the box.
_SQLITE_SQL = _CANDIDATES_SQL.format(
    nearness=(
        "(u.latitude - %(latitude)s) * (u.latitude - %(latitude)s)"
        " + (u.longitude - %(longitude)s) * (u.longitude - %(longitude)s) * %(scale)s"
    ),
    species=f"({_bit_of('p.species', Species)} & %(species_mask)s) <> 0",
    near="u.latitude BETWEEN %(south)s AND %(north)s AND u.longitude BETWEEN %(west)s AND %(east)s",
    within_their_reach=_WITHIN_THEIR_REACH.format(smaller="min"),
)

# The arguments of the PostgreSQL function, with their types.
FUNCTION_ARGUMENTS = {
    "owner_id": "bigint",
    "pet_id": "bigint",
    "species_mask": "integer",
    "sizes_mask": "integer",
    "energy_mask": "integer",
    "min_age": "integer",
    "max_age": "integer",
    "any_vaccination": "boolean",
    "species_bit": "integer",
    "size_bit": "integer",
    "energy_bit": "integer",
    "age": "integer",
    "vaccinated": "boolean",
    "latitude": "double precision",
    "longitude": "double precision",
    "x": "double precision",
    "y": "double precision",
    "span": "double precision",
    "fetch": "integer",
}
_FUNCTION = "matching_candidates"
_CALL_SQL = "SELECT * FROM {name}({arguments})".format(  # noqa: S608
    name=_FUNCTION, arguments=", ".join(f"_{name} => %({name})s" for name in FUNCTION_ARGUMENTS)
)


def postgresql_candidates_sql() -> str:
    """The candidate query as the PostgreSQL function runs it, with `%(name)s` parameters."""
    return _postgresql_sql()


def candidates_function_sql() -> str:
    """`CREATE FUNCTION matching_candidates(...)`: the candidate query as a PL/pgSQL function.

    PL/pgSQL keeps the plan of the query for the connection's life, so a request costs no
    planning (1.2 ms of the query's 2.5 ms at a million pets); the settings attached to the
    function hold only while it runs. The planner guesses a fixed, small share of rows inside
    any box (`<@` has no statistics), so left alone it fetches every pet in the box and sorts
    them: 37 ms for 7,000 owners in central Tokyo. With bitmap scans and sorts off it walks the
    indexes nearest-first and stops at the LIMIT, whatever the density (docs/performance.md).
    """
    query = postgresql_candidates_sql() % {name: f"_{name}" for name in FUNCTION_ARGUMENTS}
    arguments = ", ".join(f"_{name} {kind}" for name, kind in FUNCTION_ARGUMENTS.items())
    columns = ", ".join(
        [f"c{index} {kind}" for index, (_, _, kind) in enumerate(_COLUMNS)]
        + ["nearness double precision"]
    )
    return f"""
CREATE FUNCTION {_FUNCTION}({arguments}) RETURNS TABLE ({columns})
LANGUAGE plpgsql STABLE
SET enable_bitmapscan = off SET enable_sort = off SET plan_cache_mode = force_generic_plan
AS $function$
BEGIN
RETURN QUERY {query.strip()};
END
$function$
"""


def explain_candidates(me: Profile, *, fetch: int) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of `me`'s candidate query, planned as the PostgreSQL function
    plans it: prepared, generic, with the function's settings. For the benchmark and tests."""
    names = list(FUNCTION_ARGUMENTS)
    parameters = candidate_parameters(me, fetch=fetch)
    body = postgresql_candidates_sql() % {
        name: f"${position}" for position, name in enumerate(names, start=1)
    }
    types = ", ".join(FUNCTION_ARGUMENTS.values())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off;"
            " SET LOCAL plan_cache_mode = force_generic_plan"
        )
        cursor.execute(f"PREPARE matching_explained ({types}) AS {body}")
        try:
            cursor.execute(
                "EXPLAIN (ANALYZE, BUFFERS) EXECUTE matching_explained ({})".format(
                    ", ".join(["%s"] * len(names))
                ),
                [parameters[name] for name in names],
            )
            return [row[0] for row in cursor.fetchall()]
        finally:
            cursor.execute("DEALLOCATE matching_explained")


def install_candidates_function(using: str = "default") -> None:
    """(Re)creates the PostgreSQL function from this module's SQL: run after every migrate."""
    target = connections[using]
    if target.vendor != "postgresql":
        return
    with transaction.atomic(using=using), target.cursor() as cursor:
        cursor.execute(f"DROP FUNCTION IF EXISTS {_FUNCTION}")
        cursor.execute(candidates_function_sql())


@dataclass(frozen=True, slots=True)
class Profile:
    """A pet as matching reads it: its side for scoring, its owner, and the row its public
    profile comes from (built only for the pets shown). The owner's coordinates never leave
    the server."""

    row: tuple[Any, ...]
    side: algorithm.Side

    def __getitem__(self, column: str) -> Any:
        return self.row[_AT[column]]

    @property
    def pet_id(self) -> int:
        return int(self["id"])

    @property
    def owner_id(self) -> int:
        return int(self["owner_id"])

    @property
    def owner_username(self) -> str:
        return str(self["username"])

    @property
    def latitude(self) -> float | None:
        return self["latitude"]  # type: ignore[no-any-return]

    @property
    def longitude(self) -> float | None:
        return self["longitude"]  # type: ignore[no-any-return]

    def public(self) -> dict[str, Any]:
        """The pet's public profile, JSON-ready, as pets.api.serializers.PetOutput shows it."""
        profile = {name: self[name] for name in _PUBLIC}
        profile["temperament"] = list(_tags(profile["temperament"]))
        profile["vaccinated"] = bool(profile["vaccinated"])
        profile["created_at"] = iso_8601(profile["created_at"])
        return profile


@dataclass(frozen=True, slots=True)
class Candidate:
    """A pet that passed every hard filter, at its exact distance (shown rounded)."""

    profile: Profile
    distance_km: float

    @property
    def pet_id(self) -> int:
        return self.profile.pet_id


def _profile(row: tuple[Any, ...]) -> Profile:
    """A row of `_COLUMNS` as a profile. Equal traits, wishes and calendars share one object
    (they repeat across pets), which also keeps scoring's cache lookups cheap."""
    traits = [row[_AT[name]] for name in _TRAITS]
    wants = [row[_AT[name]] for name in _WANTS]
    return Profile(
        row=row,
        side=algorithm.Side(
            traits=_traits(*traits),
            wants=_wants(*wants),
            windows=_windows(row[_AT["availability"]]),
            time_zone=row[_AT["time_zone"]],
        ),
    )


_TRAITS = ("species", "age", "size", "energy", "temperament", "vaccinated")
_WANTS = (
    "max_distance_km", "species_mask", "sizes_mask", "energy_mask", "min_age", "max_age",
    "require_vaccinated",
)  # fmt: skip


@lru_cache(maxsize=4096)
def _traits(
    species: str,
    age: int,
    size: str,
    energy: str,
    temperament: str,
    vaccinated: bool,
) -> algorithm.PetTraits:
    return algorithm.PetTraits(
        species=species,
        size=size,
        energy=energy,
        age=age,
        temperament=frozenset(_tags(temperament)),
        vaccinated=bool(vaccinated),
    )


@lru_cache(maxsize=4096)
def _wants(
    max_distance_km: float,
    species_mask: int,
    sizes_mask: int,
    energy_mask: int,
    min_age: int,
    max_age: int,
    require_vaccinated: bool,
) -> algorithm.Wants:
    return algorithm.Wants(
        max_distance_km=max_distance_km,
        species=_unmasked(Species, species_mask),
        sizes=_unmasked(Size, sizes_mask),
        energy=_unmasked(Energy, energy_mask),
        min_age=min_age,
        max_age=max_age,
        require_vaccinated=bool(require_vaccinated),
    )


def iso_8601(moment: datetime | str) -> str:
    """A time as the API shows it (like DRF's DateTimeField): UTC, with a Z."""
    if isinstance(moment, str):  # SQLite, read without Django's converters
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@lru_cache(maxsize=1024)
def _tags(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


@lru_cache(maxsize=64)
def _unmasked(choices: type[Species | Size | Energy], value: int) -> frozenset[str]:
    return frozenset(unmask(choices, value))


# Calendars repeat across pets: each distinct one is parsed once.
@lru_cache(maxsize=4096)
def _windows(text: str) -> tuple[algorithm.Window, ...]:
    return algorithm.parse_windows(json.loads(text))


def candidate_parameters(me: Profile, *, fetch: int) -> dict[str, Any]:
    """The candidate query's parameters for `me`, a pet whose owner has a location."""
    if me.latitude is None or me.longitude is None:
        raise ValueError("the owner has no location")
    traits, wants = me.side.traits, me.side.wants
    parameters = {
        "owner_id": me.owner_id,
        "pet_id": me.pet_id,
        "species_mask": mask(Species, list(wants.species)),
        "sizes_mask": mask(Size, list(wants.sizes)),
        "energy_mask": mask(Energy, list(wants.energy)),
        "min_age": wants.min_age,
        "max_age": wants.max_age,
        "any_vaccination": not wants.require_vaccinated,
        "species_bit": bit(Species, traits.species),
        "size_bit": bit(Size, traits.size),
        "energy_bit": bit(Energy, traits.energy),
        "age": traits.age,
        "vaccinated": traits.vaccinated,
        "latitude": me.latitude,
        "longitude": me.longitude,
        "fetch": fetch,
    }
    reach_km = wants.max_distance_km
    if connection.vendor == "postgresql":
        x, y = mercator(me.latitude, me.longitude)
        return {**parameters, "x": x, "y": y, "span": mercator_span(reach_km, me.latitude)}
    south, north, west, east = degree_box(me.latitude, me.longitude, reach_km)
    scale = math.cos(math.radians(me.latitude)) ** 2
    return {
        **parameters,
        "south": south,
        "north": north,
        "west": west,
        "east": east,
        "scale": scale,
    }


def match_candidates(me: Profile, *, fetch: int) -> list[Candidate]:
    """The `fetch` nearest pets that every hard filter lets through, nearest first.

    Both sides' wishes (species, size, energy, age, vaccination, reach) must accept the other;
    passed pets, blocked users either way, suspended or inactive owners and inactive pets are out.
    One query, whatever the number of candidates.
    """
    if me.latitude is None or me.longitude is None:
        return []
    if not (me.side.wants.species and me.side.wants.sizes and me.side.wants.energy):
        return []
    parameters = candidate_parameters(me, fetch=fetch)
    sql = _CALL_SQL if connection.vendor == "postgresql" else _SQLITE_SQL
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        rows = cursor.fetchall()

    candidates = []
    for row in rows:
        other = _profile(row[:-1])  # the last column is the ordering's nearness
        if other.latitude is None or other.longitude is None:
            continue  # the query leaves out owners without a location: for the type checker
        distance = algorithm.haversine_km(
            me.latitude, me.longitude, other.latitude, other.longitude
        )
        if algorithm.within_reach(distance, me.side.wants, other.side.wants):
            candidates.append(Candidate(profile=other, distance_km=distance))
    return candidates


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
QUARTER = timedelta(minutes=15)
FETCH_FACTOR = 2
MIN_FETCH = 40
MAX_FETCH = 100


def fetch_size(limit: int) -> int:
    """How many of the nearest eligible pets are scored to pick the best `limit`."""
    return min(MAX_FETCH, max(MIN_FETCH, FETCH_FACTOR * limit))


@dataclass(frozen=True, slots=True)
class Match:
    candidate: Candidate
    suggestion: algorithm.Suggestion
    slots: list[datetime]


def pet_profile(*, owner: User, pet_id: int) -> Profile:
    """One of `owner`'s active pets as matching reads it; NotFound for any other pet."""
    with connection.cursor() as cursor:
        cursor.execute(_PET_SQL, [pet_id, owner.pk])
        row = cursor.fetchone()
    if row is None:
        raise NotFound("No such pet of yours.")
    return _profile(row)


def pet_matches(*, owner: User, pet_id: int, limit: int, now: datetime) -> list[Match]:
    """Suggestions for one of `owner`'s pets, best first (NotFound, or Conflict without a
    location)."""
    return matches_of(pet_profile(owner=owner, pet_id=pet_id), limit=limit, now=now)


def matches_of(me: Profile, *, limit: int, now: datetime) -> list[Match]:
    """Suggestions for the pet `me`, best first.

    The nearest `FETCH_FACTOR * limit` pets that pass every hard filter are scored, and the best
    `limit` of them returned: ranking every pet within reach would cost time in proportion to
    how crowded the city is, while the nearest few dozen already hold the best suggestions
    (distance weighs most in the score).
    """
    require_location(me)
    candidates = match_candidates(me, fetch=fetch_size(limit))
    now = as_of(now)
    scored = [
        (
            algorithm.score(
                me.side, candidate.profile.side, candidate.distance_km, now, with_slots=False
            ),
            candidate,
        )
        for candidate in candidates
    ]
    scored.sort(key=lambda row: (-row[0].score, row[1].distance_km, row[1].pet_id))
    return [
        Match(
            candidate=candidate,
            suggestion=suggestion,
            slots=algorithm.suggested_slots(me.side, candidate.profile.side, now),
        )
        for suggestion, candidate in scored[:limit]
    ]


def require_location(me: Profile) -> tuple[float, float]:
    """`me`'s owner's coordinates; Conflict without them."""
    if me.latitude is None or me.longitude is None:
        raise Conflict("Set your location on your profile to get suggestions for your pets.")
    return me.latitude, me.longitude


def as_of(now: datetime) -> datetime:
    """The moment suggestions are scored as of: the last quarter hour. The slots are the same
    (they start on the next quarter hour anyway), "this week" moves by at most 15 minutes, and
    every request in the quarter hour shares the calendars the first one expanded."""
    return now - (now - _EPOCH) % QUARTER
