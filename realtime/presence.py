"""Presence: who is online, for the owners they share a playdate with (an ephemeral event).

A user is online while at least one of their sockets, in any process, is open. Each socket is
counted under its own id with an expiry that its heartbeat pushes forward, so the sockets of a
process that died without closing them stop counting on their own. With REDIS_URL the count is
a sorted set per user (member: socket id, score: expiry) shared by every process; the embedded
default (one process) keeps it in a dict.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db import connection
from django.utils import timezone

from config import redis
from matching.models import PLAYDATE_LENGTH, PlaydateStatus

_KEY_PREFIX = "pawdate:presence:"

_local_lock = threading.Lock()
# user id -> {socket id: expiry as time.time()}
_local_sockets: dict[int, dict[str, float]] = {}


def _key(user_id: int) -> str:
    return f"{_KEY_PREFIX}{user_id}"


def _live_local(user_id: int, now: float) -> dict[str, float]:
    """The user's unexpired sockets (the caller holds the lock); expired ones are dropped."""
    sockets = {
        socket_id: expiry
        for socket_id, expiry in _local_sockets.get(user_id, {}).items()
        if expiry > now
    }
    _local_sockets[user_id] = sockets
    return sockets


def socket_opened(*, user_id: int, socket_id: str, seconds: float) -> bool:
    """Counts an open socket for `seconds`; True if it is the user's only live socket (online)."""
    now = time.time()
    if settings.REDIS_URLS:
        key = _key(user_id)
        pipe = redis.client().pipeline(transaction=True)
        pipe.zremrangebyscore(key, "-inf", now)
        pipe.zadd(key, {socket_id: now + seconds})
        pipe.zcard(key)
        pipe.pexpire(key, int(seconds * 1000))
        return int(pipe.execute()[2]) == 1
    with _local_lock:
        sockets = _live_local(user_id, now)
        sockets[socket_id] = now + seconds
        return len(sockets) == 1


def sockets_alive(sockets: list[tuple[int, str]], seconds: float) -> None:
    """The heartbeat of many sockets, (user id, socket id) each: they count for another
    `seconds`, in one round trip."""
    now = time.time()
    if settings.REDIS_URLS:
        pipe = redis.client().pipeline(transaction=False)
        for user_id, socket_id in sockets:
            pipe.zadd(_key(user_id), {socket_id: now + seconds})
        for user_id in {user_id for user_id, _ in sockets}:
            pipe.pexpire(_key(user_id), int(seconds * 1000))
        pipe.execute()
        return
    with _local_lock:
        for user_id, socket_id in sockets:
            _live_local(user_id, now)[socket_id] = now + seconds


def socket_closed(*, user_id: int, socket_id: str) -> bool:
    """Stops counting the socket; True if the user has no live socket left (offline)."""
    now = time.time()
    if settings.REDIS_URLS:
        key = _key(user_id)
        pipe = redis.client().pipeline(transaction=True)
        pipe.zrem(key, socket_id)
        pipe.zremrangebyscore(key, "-inf", now)
        pipe.zcard(key)
        return int(pipe.execute()[2]) == 0
    with _local_lock:
        sockets = _live_local(user_id, now)
        sockets.pop(socket_id, None)
        if not sockets:
            del _local_sockets[user_id]
        return not sockets


def online_among(user_ids: list[int]) -> list[int]:
    """Those of `user_ids` with a live socket, in the same order."""
    now = time.time()
    if settings.REDIS_URLS:
        pipe = redis.client().pipeline(transaction=False)
        for user_id in user_ids:
            pipe.zcount(_key(user_id), f"({now}", "+inf")
        return [user_id for user_id, live in zip(user_ids, pipe.execute(), strict=True) if live]
    with _local_lock:
        return [user_id for user_id in user_ids if _live_local(user_id, now)]


# Who shares a live playdate with the user: one index range per side (inviter, invitee), the
# status as of now as `matching.playdate_selectors.status_is` defines pending and accepted, and
# no block either way. Raw SQL: built through the ORM, this query cost 1.5 ms of Python each
# time a socket opened, more than half of a socket's opening (bench/ws_bench.py, storm).
_PARTNERS_SQL = """
SELECT DISTINCT mine.partner_id FROM (
    SELECT invitee_id AS partner_id, status, date_time FROM matching_playdate WHERE inviter_id = %s
    UNION ALL
    SELECT inviter_id AS partner_id, status, date_time FROM matching_playdate WHERE invitee_id = %s
) AS mine
WHERE ((mine.status = %s AND mine.date_time > %s) OR (mine.status = %s AND mine.date_time > %s))
  AND NOT EXISTS (
    SELECT 1 FROM accounts_block AS b
    WHERE (b.blocker_id = %s AND b.blocked_id = mine.partner_id)
       OR (b.blocker_id = mine.partner_id AND b.blocked_id = %s)
  )
ORDER BY mine.partner_id
"""


def partner_ids(user_id: int) -> list[int]:
    """The owners who share a pending or accepted playdate with the user, and are not blocked
    by or blocking them: who sees the user's presence and whose presence the user sees."""
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            _PARTNERS_SQL,
            [
                user_id,
                user_id,
                PlaydateStatus.PENDING.value,
                adapt(now),
                PlaydateStatus.ACCEPTED.value,
                adapt(now - PLAYDATE_LENGTH),
                user_id,
                user_id,
            ],
        )
        return [int(partner_id) for (partner_id,) in cursor.fetchall()]
