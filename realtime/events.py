"""Durable events: appended to the recipients' logs in the caller's transaction (an outbox), and
announced on the channel layer only after that transaction commits.

The announcement is a doorbell, never the record: it may be dropped (capacity, a Redis restart),
so a socket that hears it reads its user's log from the last `seq` it delivered, in order, and a
socket that missed it still finds the events on its next read or on resume (`since=N`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, transaction

from realtime.models import Event

DURABLE_KINDS = frozenset(
    {
        "match.suggested",
        "playdate.invited",
        "playdate.updated",
        "chat.message",
        "chat.read",
        "moderation.activity",
    }
)

_log = logging.getLogger("pawdate.realtime")

_NEXT_SEQ_SQL = (
    "INSERT INTO realtime_eventcursor (user_id, last_seq) VALUES (%s, 1)"
    " ON CONFLICT (user_id) DO UPDATE SET last_seq = realtime_eventcursor.last_seq + 1"
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
    if kind not in DURABLE_KINDS:
        raise ValueError(f"{kind!r} is not a durable event")
    if not connection.in_atomic_block:
        raise RuntimeError("record() belongs inside the transaction of the change it reports")
    seqs: dict[int, int] = {}
    with connection.cursor() as cursor:
        for user_id in sorted(set(user_ids)):
            cursor.execute(_NEXT_SEQ_SQL, [user_id])
            seqs[user_id] = int(cursor.fetchone()[0])
    Event.objects.bulk_create(
        [Event(user_id=user_id, seq=seq, kind=kind, data=data) for user_id, seq in seqs.items()]
    )
    transaction.on_commit(lambda: announce(seqs))
    return seqs


def announce(seqs: dict[int, int]) -> None:
    """Rings each user's doorbell: "your log has grown to `seq`". Best effort by design."""
    layer = get_channel_layer()
    if layer is None:
        return
    for user_id, seq in seqs.items():
        try:
            async_to_sync(layer.group_send)(
                user_group(user_id), {"type": "events.available", "seq": seq}
            )
        except Exception:  # the log holds the event; sockets catch up from it on resume
            _log.warning("could not announce seq %s to user %s", seq, user_id, exc_info=True)


def events_after(*, user_id: int, seq: int, limit: int = 500) -> list[Event]:
    """The user's durable events after `seq`, in order: what a socket delivers next."""
    return list(Event.objects.filter(user_id=user_id, seq__gt=seq).order_by("seq")[:limit])


def last_seq(user_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_seq FROM realtime_eventcursor WHERE user_id = %s", [user_id])
        row = cursor.fetchone()
    return int(row[0]) if row else 0
