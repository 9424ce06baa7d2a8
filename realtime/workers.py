"""Worker threads for the database work of sockets: a socket opening, a chat message stored.

Channels' `database_sync_to_async` runs every call of a process on one thread, one after the
other; a connect storm or a busy chat then waits in that one line while the process idles
(bench/ws_bench.py, bench/chat_bench.py). These threads work side by side, each with a pooled
connection while it works (settings.SOCKET_THREADS; DB_POOL_MAX_SIZE counts them). One
socket's work is still done in order: a socket awaits each call before its next frame.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from channels.db import database_sync_to_async
from django.conf import settings

T = TypeVar("T")

threads = ThreadPoolExecutor(max_workers=settings.SOCKET_THREADS, thread_name_prefix="socket")


def in_pool(function: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """`function`, awaitable, run on one of the socket threads with Django's connection
    handling (stale connections closed before and after)."""
    return database_sync_to_async(  # type: ignore[no-any-return]
        function, thread_sensitive=False, executor=threads
    )
