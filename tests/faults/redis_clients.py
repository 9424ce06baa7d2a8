"""WebSocket clients that behave as CONTRACT.md (Real-time) tells a client to, for fault tests.

Each client holds one socket of its owner and, whenever that socket ends (a 1012, a 4401, a
refused ticket, a connection that never opened), fetches a new ticket and connects again with
`since=<last seq it kept>`. It keeps each durable event once, by `seq`, and counts what the
contract says never happens: a duplicate or a gap. A fleet runs many of them on one event loop
in a thread of its own, so that the test's thread is free to break things meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Coroutine
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.typing import Origin

T = TypeVar("T")

# Setup, on a loaded machine: generous. The promises themselves are asserted by the tests.
OPEN_TIMEOUT_SECONDS = 20.0
HTTP_TIMEOUT_SECONDS = 20.0
# Reconnecting: full jitter, at most this long between tries (a refused ticket, a closed socket).
RETRY_CAP_SECONDS = 1.0
# At most this many tickets asked for at once, as 50 browsers would not all ask in one instant.
CONCURRENT_OPENINGS = 10


@dataclass
class ResumingClient:
    """One socket of one owner, resumed with `since` whenever it ends."""

    user_id: int
    access: str
    events: list[dict[str, Any]] = field(default_factory=list)  # durable frames, each seq once
    last_seq: int = 0
    duplicates: int = 0
    gaps: list[tuple[int, int]] = field(default_factory=list)  # (last seq kept, seq received)
    unexpected: list[dict[str, Any]] = field(default_factory=list)  # error frames and the like
    hellos: int = 0
    close_codes: Counter[int | None] = field(default_factory=Counter)  # None: no close frame
    failed_tickets: Counter[int | str] = field(default_factory=Counter)  # status or error name
    failed_openings: Counter[str] = field(default_factory=Counter)

    def keep(self, frame: dict[str, Any]) -> None:
        seq = frame.get("seq")
        if frame.get("type") == "hello":
            self.hellos += 1
        elif isinstance(seq, int):
            if seq <= self.last_seq:
                self.duplicates += 1
                return
            if seq != self.last_seq + 1:
                self.gaps.append((self.last_seq, seq))
            self.events.append(frame)
            self.last_seq = seq
        elif frame.get("type") not in {"presence", "chat.typing"}:
            self.unexpected.append(frame)

    async def run(self, http: httpx.AsyncClient, ws_url: str, origin: str) -> None:
        retries = 0
        while True:
            if retries:  # full jitter, as the browser app backs off
                ceiling = min(RETRY_CAP_SECONDS, 0.1 * 2**retries)
                await asyncio.sleep(random.uniform(0, ceiling))  # noqa: S311  (not for secrets)
            retries += 1
            ticket = await self.ticket(http)
            if ticket is None:
                continue
            try:
                async with connect(
                    f"{ws_url}?ticket={ticket}&since={self.last_seq}",
                    origin=Origin(origin),
                    open_timeout=OPEN_TIMEOUT_SECONDS,
                    ping_interval=None,  # as a browser: the server's heartbeat is what counts
                    proxy=None,
                ) as socket:
                    try:
                        async for raw in socket:
                            frame = json.loads(raw)
                            if frame.get("type") == "hello":
                                retries = 0
                            self.keep(frame)
                    except ConnectionClosed:
                        pass
                    self.close_codes[socket.close_code] += 1
            except (OSError, TimeoutError, InvalidHandshake) as error:
                self.failed_openings[type(error).__name__] += 1

    async def ticket(self, http: httpx.AsyncClient) -> str | None:
        try:
            response = await http.post(
                "/api/v1/realtime/ticket", headers={"Authorization": f"Bearer {self.access}"}
            )
        except httpx.HTTPError as error:
            self.failed_tickets[type(error).__name__] += 1
            return None
        if response.status_code != 200:
            self.failed_tickets[response.status_code] += 1
            return None
        return str(response.json()["ticket"])


class Fleet:
    """Many ResumingClients on one event loop in a thread of their own, until `stop`."""

    def __init__(self, server_url: str, clients: list[ResumingClient]) -> None:
        self.server_url = server_url
        self.clients = clients
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fleet", daemon=True)
        self.tasks: list[asyncio.Task[None]] = []
        self.http: httpx.AsyncClient | None = None

    def start(self) -> None:
        self.thread.start()
        self.call(self._start())

    def stop(self) -> None:
        if not self.thread.is_alive():
            return
        try:
            self.call(self._stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        done: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return done.result(timeout)

    def wait_until(self, reached: dict[int, int], timeout: float) -> list[ResumingClient]:
        """Waits until every client has kept its owner's events up to `reached[owner]`; returns
        those that had not when `timeout` ran out (none: all had)."""
        deadline = time.monotonic() + timeout
        while True:
            behind = [c for c in self.clients if c.last_seq < reached.get(c.user_id, 0)]
            if not behind or time.monotonic() > deadline:
                return behind
            time.sleep(0.05)

    def wait_until_greeted(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while any(client.hellos == 0 for client in self.clients):
            if time.monotonic() > deadline:
                waiting = sum(1 for client in self.clients if client.hellos == 0)
                raise AssertionError(f"{waiting} of {len(self.clients)} sockets never opened")
            time.sleep(0.05)

    async def _start(self) -> None:
        self.http = httpx.AsyncClient(
            base_url=self.server_url,
            timeout=HTTP_TIMEOUT_SECONDS,
            trust_env=False,
            limits=httpx.Limits(max_connections=CONCURRENT_OPENINGS),
        )
        ws_url = f"ws://{urlsplit(self.server_url).netloc}/ws/"
        self.tasks = [
            asyncio.create_task(client.run(self.http, ws_url, self.server_url))
            for client in self.clients
        ]

    async def _stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        outcomes = await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.http is not None:
            await self.http.aclose()
        for outcome in outcomes:
            if not isinstance(outcome, asyncio.CancelledError):
                raise AssertionError(f"a client stopped on its own: {outcome!r}")
