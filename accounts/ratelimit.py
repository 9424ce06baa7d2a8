"""Fixed-window rate limits with atomic counters, shared by every process through Redis.

Without REDIS_URL (the embedded default, one process) the counters live in this process.
Windows are numbered from the wall clock, so a test that freezes time controls them exactly.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from functools import cache

import redis
from django.conf import settings

from config.errors import RateLimited


@dataclass(frozen=True)
class Window:
    count: int
    retry_after: float


def _key(scope: str, identity: str, window: int, now: float) -> str:
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return f"pawdate:rl:{scope}:{digest}:{int(now // window)}"


@cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URLS[0], socket_timeout=2, socket_connect_timeout=2)


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
    now = time.time()
    key = _key(scope, identity, window, now)
    window_end = (int(now // window) + 1) * window
    if settings.REDIS_URLS:
        pipe = _redis().pipeline(transaction=True)
        pipe.incrby(key, amount)
        pipe.expire(key, window + 1)
        count = int(pipe.execute()[0])
    else:
        count = _local.add(key, amount, window_end, now)
    return Window(count=count, retry_after=window_end - now)


def hit(scope: str, identity: str) -> None:
    """Counts one request against `settings.RATE_LIMITS[scope]`; raises RateLimited past it."""
    limit, window = settings.RATE_LIMITS[scope]
    current = _add(scope, identity, window, 1)
    if current.count > limit:
        raise RateLimited(current.retry_after)


def record_failure(scope: str, identity: str, window: int) -> None:
    _add(scope, identity, window, 1)


def failures(scope: str, identity: str, window: int) -> Window:
    return _add(scope, identity, window, 0)


def reset_local_counters() -> None:
    """For tests of the embedded default, which keeps counters in this process."""
    _local.clear()
