"""Durable events: appended to the recipients' logs in the caller's transaction (an outbox), and
announced on the channel layer only after that transaction commits.

The announcement is a doorbell, never the record: it may be dropped (capacity, a Redis restart),
so a socket that hears it reads its user's log from the last `seq` it delivered, in order, and a
socket that missed it still finds the events on its next read or on resume (`since=N`).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from config.observability import EVENTS_RECORDED
from realtime import doorbell
from realtime.models import Event, EventCursor

DURABLE_KINDS = frozenset(
    {
        "match.suggested",
        "playdate.invited",
        "playdate.updated",
        "chat.message",
        "chat.read",
        # A moderator hid a message: `{playdate_id, message_id}`, to both owners.
        "chat.hidden",
        "moderation.activity",
        # A moderator reviewed the user's report: `{report}` (moderation_services).
        "report.reviewed",
    }
)

_log = logging.getLogger("pawdate.realtime")

# All seqs of a change in one statement: each user's cursor moves on by the number of its
# events. Every event goes through here (record() too), and the rows are inserted, so their
# cursors locked, in user id order: two writers cannot deadlock.
_TAKE_SEQS_SQL = (
    "INSERT INTO realtime_eventcursor (user_id, last_seq)"
    " SELECT user_id, taken FROM unnest(%s::bigint[], %s::bigint[]) AS t(user_id, taken)"
    " ORDER BY user_id"
    " ON CONFLICT (user_id) DO UPDATE"
    " SET last_seq = realtime_eventcursor.last_seq + EXCLUDED.last_seq"
    " RETURNING user_id, last_seq"
)
# The events themselves, as one JSON document of [user_id, seq, kind, data] rows: one parameter
# for psycopg to send, where a bulk_create's arrays of JSON took it 0.3 s to quote for 1,000.
_INSERT_EVENTS_SQL = (
    "INSERT INTO realtime_event (user_id, seq, kind, data, created_at)"
    " SELECT (e->>0)::bigint, (e->>1)::bigint, e->>2, e->3, %s"
    " FROM jsonb_array_elements(%s::jsonb) AS e"
)
# The same for one user, where there is no unnest (SQLite, the embedded default).
_TAKE_USER_SEQS_SQL = (
    "INSERT INTO realtime_eventcursor (user_id, last_seq) VALUES (%s, %s)"
    " ON CONFLICT (user_id) DO UPDATE"
    " SET last_seq = realtime_eventcursor.last_seq + excluded.last_seq"
    " RETURNING last_seq"
)


def user_group(user_id: int) -> str:
    """The channel-layer group of every socket of one user, in every process."""
    return f"user.{user_id}"


def record(*, user_ids: Iterable[int], kind: str, data: dict[str, Any]) -> dict[int, int]:
    """Appends one durable event to each user's log; returns each user's new `seq`.

    Must run inside the transaction of the change it reports (`transaction.atomic`): the events
    commit or roll back with it. Users are taken in id order, so two transactions that both
    write to the same users lock their cursors in the same order and cannot deadlock.
    """
    users = sorted(set(user_ids))
    seqs = record_many([(user_id, kind, data) for user_id in users])
    return dict(zip(users, seqs, strict=True))


def record_many(entries: Sequence[tuple[int, str, dict[str, Any]]]) -> list[int]:
    """Appends many durable events, each `(user_id, kind, data)`, to their users' logs; returns
    each entry's `seq`. A user's events get consecutive seqs, in the order of `entries`.

    For fan-out (a thousand recipients): the seqs are taken in one statement and the events
    written in one more, whatever the number of recipients, and each user's doorbell rings
    once after commit. Same rules as record(): inside the change's transaction, cursors locked
    in user id order.
    """
    for _, kind, _ in entries:
        if kind not in DURABLE_KINDS:
            raise ValueError(f"{kind!r} is not a durable event")
    if not connection.in_atomic_block:
        raise RuntimeError("record() belongs inside the transaction of the change it reports")
    if not entries:
        return []
    taken = Counter(user_id for user_id, _, _ in entries)
    last = _take_seqs(taken)
    # Each user's seqs run up to its new last one: hand them out from the first.
    next_seq = {user_id: last[user_id] - count + 1 for user_id, count in taken.items()}
    seqs = []
    for user_id, _, _ in entries:
        seqs.append(next_seq[user_id])
        next_seq[user_id] += 1
    rows = [
        (user_id, seq, kind, data) for (user_id, kind, data), seq in zip(entries, seqs, strict=True)
    ]
    created_at = timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_INSERT_EVENTS_SQL, [created_at, json.dumps(rows)])
    else:
        Event.objects.bulk_create(
            [
                Event(user_id=user_id, seq=seq, kind=kind, data=data, created_at=created_at)
                for user_id, seq, kind, data in rows
            ]
        )
    frames: dict[int, list[dict[str, Any]]] = {}
    for user_id, seq, kind, data in rows:
        frames.setdefault(user_id, []).append(frame(kind, seq, created_at, data))
    kinds = Counter(kind for _, kind, _ in entries)

    def committed() -> None:
        for kind, count in kinds.items():
            EVENTS_RECORDED.labels(kind).inc(count)
        announce_many(last, frames)

    transaction.on_commit(committed)
    return seqs


def _take_seqs(taken: Counter[int]) -> dict[int, int]:
    """Moves each user's cursor on by `taken[user]`; returns each user's new last seq."""
    users = sorted(taken)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_TAKE_SEQS_SQL, [users, [taken[user_id] for user_id in users]])
            return {int(user_id): int(seq) for user_id, seq in cursor.fetchall()}
        last = {}
        for user_id in users:
            cursor.execute(_TAKE_USER_SEQS_SQL, [user_id, taken[user_id]])
            last[user_id] = int(cursor.fetchone()[0])
        return last


# A doorbell carries its user's new frames when they are this small, so that a socket that has
# delivered everything before them sends them without reading the log. Larger ones, and any a
# socket cannot place right after what it sent, come from the log as before.
DOORBELL_FRAMES_MAX_BYTES = 16 * 1024


def frame(kind: str, seq: int, created_at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    """A durable event as a socket sends it (CONTRACT.md, Real-time)."""
    return {"type": kind, "seq": seq, "ts": created_at.isoformat(), "data": data}


def announce_many(
    seqs: dict[int, int], frames: dict[int, list[dict[str, Any]]] | None = None
) -> None:
    """Rings each user's doorbell: "your log has grown to `seq`", with the new frames when they
    are small. Best effort by design: the log holds the events, and sockets catch up from it
    (heartbeat, resume)."""
    if not seqs:
        return
    messages = {}
    for user_id, seq in seqs.items():
        message: dict[str, Any] = {"type": "events.available", "seq": seq}
        new = (frames or {}).get(user_id)
        if new and len(json.dumps(new)) <= DOORBELL_FRAMES_MAX_BYTES:
            message["frames"] = new
        messages[user_group(user_id)] = message
    try:
        outcomes = doorbell.ring(messages)
    except Exception:
        _log.warning("could not announce to %s users", len(seqs), exc_info=True)
        return
    for (user_id, seq), outcome in zip(seqs.items(), outcomes, strict=True):
        if outcome is not None:
            _log.warning("could not announce seq %s to user %s", seq, user_id, exc_info=outcome)


def events_after(*, user_id: int, seq: int, limit: int = 500) -> list[Event]:
    """The user's durable events after `seq`, in order: what a socket delivers next."""
    return list(Event.objects.filter(user_id=user_id, seq__gt=seq).order_by("seq")[:limit])


def last_seq(user_id: int) -> int:
    return last_seqs({user_id}).get(user_id, 0)


def last_seqs(user_ids: Iterable[int]) -> dict[int, int]:
    """Each user's last `seq`, for those who have one, in one query."""
    return dict(
        EventCursor.objects.filter(user_id__in=list(user_ids)).values_list("user_id", "last_seq")
    )
