"""One Redis client per process, shared by every thread: its pool keeps connections open.

Django's cache handler makes a cache object per request context, and with it a new connection
pool: each request under ASGI paid a TCP connect and redis-py's handshake (half of a kept
suggestions request's time, docs/performance.md). Hot paths use this client instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import update_wrapper
from typing import Generic, TypeVar

import redis
from django.conf import settings

T = TypeVar("T")


class once(Generic[T]):  # a decorator, named like functools.cache
    """functools.cache for a function without arguments, but built once even when threads ask
    for it first at the same moment. (A client from `from_url` closes its pool when it is
    collected: with @cache, the copies built by the threads that lost the race closed
    connections the winner's users were reading from, and requests failed.)"""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._value: T | None = None
        update_wrapper(self, build)

    def __call__(self) -> T:
        value = self._value
        if value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._build()
                value = self._value
        return value

    def cache_clear(self) -> None:
        with self._lock:
            self._value = None


@once
def client() -> redis.Redis:
    """The client for the first of `REDIS_URL`'s servers (the one that is not a shard)."""
    return redis.Redis.from_url(settings.REDIS_URLS[0], socket_timeout=2, socket_connect_timeout=2)


@once
def shards() -> tuple[redis.Redis, ...]:
    """A client for each of `REDIS_URL`'s servers, in order: the channel layer's shards."""
    return tuple(
        redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        for url in settings.REDIS_URLS
    )
