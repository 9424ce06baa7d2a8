"""One Redis client per process, shared by every thread: its pool keeps connections open.

Django's cache handler makes a cache object per request context, and with it a new connection
pool: each request under ASGI paid a TCP connect and redis-py's handshake (half of a kept
suggestions request's time, docs/performance.md). Hot paths use this client instead.
"""

from __future__ import annotations

from functools import cache

import redis
from django.conf import settings


@cache
def client() -> redis.Redis:
    """The client for the first of `REDIS_URL`'s servers (the one that is not a shard)."""
    return redis.Redis.from_url(settings.REDIS_URLS[0], socket_timeout=2, socket_connect_timeout=2)


@cache
def shards() -> tuple[redis.Redis, ...]:
    """A client for each of `REDIS_URL`'s servers, in order: the channel layer's shards."""
    return tuple(
        redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        for url in settings.REDIS_URLS
    )
