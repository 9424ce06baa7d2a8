"""Fixed-window rate limits with atomic counters, shared by every process through Redis.

Without REDIS_URL (the embedded default, one process) the counters live in this process, as
they do while Redis is unreachable. Windows are numbered from the wall clock, so a test that
freezes time controls them exactly.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass

import redis
from django.conf import settings

from config import redis as shared_redis
from config.errors import RateLimited
from config.observability import RATE_LIMITED


@dataclass(frozen=True)
class Window:
    count: int
    retry_after: float


def _key(scope: str, identity: str, window: int, now: float) -> str:
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return f"pawdate:rl:{scope}:{digest}:{int(now // window)}"


_redis = shared_redis.client  # the process's one client; tests clear it with the settings


class _LocalCounters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, float]] = {}

    def add(self, key: str, amount: int, expires_at: float, now: float) -> int:
        with self._lock:
            if len(self._counts) > 10_000:
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            count, _ = self._counts.get(key, (0, expires_at))
            count += amount
            self._counts[key] = (count, expires_at)
            return count

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()


_local = _LocalCounters()


def _add(scope: str, identity: str, window: int, amount: int) -> Window:
    return _add_many(scope, {identity: amount}, window)[identity]


def _add_many(scope: str, amounts: Mapping[str, int], window: int) -> dict[str, Window]:
    """Adds each identity's amount to its counter of the current window, in one Redis round
    trip; returns each identity's window: its new count, and when it ends."""
    now = time.time()
    keys = {identity: _key(scope, identity, window, now) for identity in amounts}
    window_end = (int(now // window) + 1) * window
    counts = None
    if settings.REDIS_URLS:
        pipe = _redis().pipeline(transaction=True)
        for identity, key in keys.items():
            pipe.incrby(key, amounts[identity])
            pipe.expire(key, window + 1)
        # Without Redis (restarting, unreachable) each process counts on its own until it is
        # back: the limits still hold, per process, and writes go on instead of all being
        # refused. /readyz reports the outage.
        with suppress(redis.RedisError):
            replies = pipe.execute()
            counts = {identity: int(replies[2 * n]) for n, identity in enumerate(keys)}
    if counts is None:
        counts = {
            identity: _local.add(key, amounts[identity], window_end, now)
            for identity, key in keys.items()
        }
    return {
        identity: Window(count=count, retry_after=window_end - now)
        for identity, count in counts.items()
    }


def hit(scope: str, identity: str) -> None:
    """Counts one request against `settings.RATE_LIMITS[scope]`; raises RateLimited past it."""
    refused = hit_many(scope, [identity])[0]
    if refused is not None:
        raise refused


def hit_many(scope: str, identities: Sequence[str]) -> list[RateLimited | None]:
    """Counts one request per entry of `identities` (an identity may come more than once), as
    many `hit` calls one after the other would, but in one Redis round trip; returns each
    request's RateLimited past the limit, None within it."""
    limit, window = settings.RATE_LIMITS[scope]
    amounts = Counter(identities)
    windows = _add_many(scope, amounts, window)
    # An identity's requests take the counts up to its new one, in the order they came.
    count = {identity: windows[identity].count - amount for identity, amount in amounts.items()}
    outcomes: list[RateLimited | None] = []
    for identity in identities:
        count[identity] += 1
        over = count[identity] > limit
        outcomes.append(RateLimited(windows[identity].retry_after) if over else None)
    refused = len(outcomes) - outcomes.count(None)
    if refused:
        RATE_LIMITED.labels(scope).inc(refused)
    return outcomes


def record_failure(scope: str, identity: str, window: int) -> None:
    _add(scope, identity, window, 1)


def failures(scope: str, identity: str, window: int) -> Window:
    return _add(scope, identity, window, 0)


def reset_local_counters() -> None:
    """For tests of the embedded default, which keeps counters in this process."""
    _local.clear()
