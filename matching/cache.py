"""Suggestions kept, as rendered JSON, until something they depend on changes.

An owner opening their pet's suggestions again asks the same question as a minute ago; unless a
pet, a preference, an owner, a block or a pass within reach changed since, the answer is the
same. PostgreSQL's triggers (migration 0004) bump a counter per map cell and per owner on every
such write, in the writer's transaction; an entry records the counters it depends on (the cells
under the pet's reach and its owner's own) and their sum when it was computed. Counters only
grow, so an unchanged sum means nothing the entry depends on changed: the entry is served. Any
write within reach, a block either way or a pass, and the entry is computed again.

Entries are kept in Redis per quarter hour, as suggestions are scored (`selectors.as_of`). Only
with PostgreSQL (the counters are its triggers'), Redis, and `MATCHES_CACHE` on.
"""

from __future__ import annotations

import contextlib
import math
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from redis import RedisError
from rest_framework.renderers import JSONRenderer

from accounts.models import User
from config import redis as shared_redis
from matching import selectors
from matching.geo import degree_box

# As migration 0004's `matching_cell`.
CELL_DEGREES = 0.25
_KEY = "pawdate:matching:suggestions:v1:{pet_id}:{owner_id}:{limit}:{as_of}"
_GENERATION_SQL = (
    "SELECT coalesce(sum(generation), 0) FROM matching_generation WHERE cell = ANY(%s)"
)
_renderer = JSONRenderer()


def cell(latitude: float, longitude: float) -> int:
    return (
        (math.floor(latitude / CELL_DEGREES) + 400) * 2000
        + math.floor(longitude / CELL_DEGREES)
        + 800
    )


def dependencies(me: selectors.Profile) -> list[int]:
    """The counters `me`'s suggestions depend on: every cell its reach touches, and its owner."""
    latitude, longitude = selectors.require_location(me)
    south, north, west, east = degree_box(latitude, longitude, me.side.wants.max_distance_km)
    rows = range(math.floor(south / CELL_DEGREES), math.floor(north / CELL_DEGREES) + 1)
    columns = range(math.floor(west / CELL_DEGREES), math.floor(east / CELL_DEGREES) + 1)
    return [(row + 400) * 2000 + column + 800 for row in rows for column in columns] + [
        -me.owner_id
    ]


def _generation(cells: list[int]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_GENERATION_SQL, [cells])
        row = cursor.fetchone()
    return int(row[0])


def enabled() -> bool:
    return (
        bool(settings.MATCHES_CACHE)
        and bool(settings.REDIS_URLS)
        and connection.vendor == "postgresql"
    )


def suggestions_json(*, owner: User, pet_id: int, limit: int, now: datetime) -> bytes:
    """GET /pets/{id}/matches's body: `{"results": [...], "next": null}` as JSON bytes."""
    if not enabled():
        return render(selectors.pet_matches(owner=owner, pet_id=pet_id, limit=limit, now=now))
    as_of = selectors.as_of(now)
    key = _KEY.format(pet_id=pet_id, owner_id=owner.pk, limit=limit, as_of=int(as_of.timestamp()))
    redis = shared_redis.client()
    try:
        entry = redis.get(key)
    except RedisError:
        # Kept answers are a shortcut: without Redis, compute (and log nothing per request:
        # /readyz reports the outage).
        entry = None
    if isinstance(entry, bytes):
        cells, seen, body = _unpack(entry)
        if _generation(cells) == seen:
            return body
    cells, seen, body = _compute(owner=owner, pet_id=pet_id, limit=limit, now=as_of)
    # Kept to the end of the quarter hour: the next one has its own key.
    expires = math.ceil((as_of + selectors.QUARTER - now).total_seconds())
    with contextlib.suppress(RedisError):
        redis.set(key, _pack(cells, seen, body), ex=max(1, expires))
    return body


def _pack(cells: list[int], seen: int, body: bytes) -> bytes:
    """An entry: the counters' sum, the counters, and the JSON, one line each but the last."""
    return f"{seen}\n{','.join(map(str, cells))}\n".encode() + body


def _unpack(entry: bytes) -> tuple[list[int], int, bytes]:
    seen, cells, body = entry.split(b"\n", 2)
    return [int(cell) for cell in cells.split(b",")], int(seen), body


def _compute(
    *, owner: User, pet_id: int, limit: int, now: datetime
) -> tuple[list[int], int, bytes]:
    """The pet, the counters and the suggestions from one snapshot: a write committed while
    they are read cannot slip between the counters and what they vouch for."""
    opens_transaction = not connection.in_atomic_block
    with transaction.atomic():
        if opens_transaction:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        me = selectors.pet_profile(owner=owner, pet_id=pet_id)
        selectors.require_location(me)
        cells = dependencies(me)
        seen = _generation(cells)
        matches = selectors.matches_of(me, limit=limit, now=now)
    return cells, seen, render(matches)


def render(matches: list[selectors.Match]) -> bytes:
    """Suggestions in SuggestionListOutput's shape. Rendered directly: the profiles are
    JSON-ready, and nested serializers cost more than finding the suggestions did."""
    results: list[dict[str, Any]] = [
        {
            "pet": match.candidate.profile.public(),
            "owner": {
                "id": match.candidate.profile.owner_id,
                "username": match.candidate.profile.owner_username,
            },
            "distance_km": match.suggestion.distance_km,
            "score": match.suggestion.score,
            "reasons": match.suggestion.reasons,
            "suggested_slots": [selectors.iso_8601(slot) for slot in match.slots],
        }
        for match in matches
    ]
    return bytes(_renderer.render({"results": results, "next": None}))
