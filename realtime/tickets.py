"""WebSocket tickets: a browser cannot set an Authorization header on a WebSocket, so it trades
its access token for a random ticket that opens one socket, once, within 30 seconds.

With REDIS_URL the tickets live in Redis (every process redeems what any process issued); the
embedded default (one process) keeps them in a dict. Only a hash of the ticket is stored.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

from django.conf import settings

from config import redis

TICKET_SECONDS = 30
_KEY_PREFIX = "pawdate:ws-ticket:"


@dataclass(frozen=True)
class Ticket:
    user_id: int
    session_id: int


_local_lock = threading.Lock()
# hash -> (ticket, expiry as time.time())
_local_tickets: dict[str, tuple[Ticket, float]] = {}


def _key(raw: str) -> str:
    return _KEY_PREFIX + hashlib.sha256(raw.encode()).hexdigest()


def ticket_issue(*, user_id: int, session_id: int) -> str:
    """A new single-use ticket for this user's session, valid for TICKET_SECONDS."""
    raw = secrets.token_urlsafe(32)
    if settings.REDIS_URLS:
        redis.client().set(_key(raw), f"{user_id}:{session_id}", ex=TICKET_SECONDS)
        return raw
    now = time.time()
    with _local_lock:
        for key in [key for key, (_, expiry) in _local_tickets.items() if expiry <= now]:
            del _local_tickets[key]
        _local_tickets[_key(raw)] = (Ticket(user_id, session_id), now + TICKET_SECONDS)
    return raw


def ticket_redeem(raw: str) -> Ticket | None:
    """The ticket's user and session, once: a used, expired or unknown ticket gives None."""
    if not raw or len(raw) > 256:
        return None
    if settings.REDIS_URLS:
        value = redis.client().getdel(_key(raw))
        if not isinstance(value, bytes):
            return None
        user_id, _, session_id = value.decode().partition(":")
        return Ticket(int(user_id), int(session_id))
    with _local_lock:
        ticket, expiry = _local_tickets.pop(_key(raw), (None, 0.0))
    if ticket is None or expiry <= time.time():
        return None
    return ticket
