"""One daphne worker process, as `manage.py serve` runs it: daphne's own command line and server,
plus a graceful stop (`python -m realtime.daphne_worker <daphne's arguments>`).

On SIGTERM or SIGINT daphne stops Twisted's reactor, whose "before shutdown" step cancels the
application of every connection: the sockets then go down without a close frame (clients see
1006) and the gateway never runs their `disconnect`. Here that step first
1. stops accepting connections (new ones wait in the listening socket, which the parent keeps,
   for the worker that replaces this one; the other workers' sockets take theirs);
2. closes every open WebSocket with 1012 (service restart: reconnect with a new ticket and
   `since`, `realtime.gateway`), and every SWEEP_SECONDS any socket accepted meanwhile;
3. waits up to GOING_AWAY_SECONDS for every application to finish: each socket's closing
   handshake (its close frame reached the client, or autobahn gave up on it after a second), the
   gateway's `disconnect` (the user's last socket tells their partners "offline") and the HTTP
   requests under way.
Whatever is still running then is cancelled, as daphne does.

It also lets the gateway's 1xxx close codes through: autobahn's `sendClose`, which daphne uses,
refuses every code but 1000 and 3000-4999, so closing with 1009 or 1012 raised an exception in
the application and left the socket open. RFC 6455 (7.4) and IANA's registry let a server send
them.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import logging
import os
import time
from typing import Any

# daphne.cli imports daphne.server first, which installs Twisted's asyncio reactor: before
# anything imports twisted.internet.reactor.
from daphne.cli import CommandLineInterface
from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol
from twisted.internet import defer, reactor

_log = logging.getLogger("pawdate.realtime")

COLLECT_SECONDS = 60.0
GOING_AWAY_SECONDS = 5.0  # well within `manage.py serve`'s GRACEFUL_STOP_SECONDS
SWEEP_SECONDS = 0.05
# What a server may put in a close frame besides 3000-4999 (RFC 6455 7.4.1, IANA): not 1004-1006
# and 1015, which only describe a connection.
SERVER_CLOSE_CODES = frozenset({1000, 1001, 1002, 1003, *range(1007, 1015)})


class WorkerWebSocketProtocol(WebSocketProtocol):  # type: ignore[misc]  # daphne is untyped
    def serverClose(self, code: int | None = None) -> None:
        if code in SERVER_CLOSE_CODES:
            # autobahn's own frame writer, which its `sendClose` guards with a narrower check.
            self.sendCloseFrame(code=code, isReply=False)
        else:
            super().serverClose(code)


class WorkerServer(Server):  # type: ignore[misc]  # daphne is untyped
    ports: list[Any]
    going_away_seconds = GOING_AWAY_SECONDS

    def run(self) -> None:
        self.ports = []
        # daphne makes its WebSocket factory in `run`; connections are served once the reactor runs.
        reactor.callWhenRunning(self.use_worker_protocol)
        reactor.callWhenRunning(lambda: asyncio.ensure_future(self.collect_cycles_forever()))
        super().run()

    async def collect_cycles_forever(self) -> None:
        """A full garbage collection every COLLECT_SECONDS. A closed WebSocket's connection
        (autobahn's protocol, Twisted's transport and channel, daphne's request: ~30 KiB) is
        freed only by the collector, being a cycle, and config.asgi makes full collections rare
        (pauses, with thousands of sockets): with sockets coming and going, their garbage grew
        the process by ~1 MiB a minute (bench/soak.py). One collection a minute, followed by
        handing the C heaps' free pages back (`release_free_memory`), brought that to
        0.06-0.09 MiB a minute over 40 minutes, for one pause a minute."""
        while True:
            await asyncio.sleep(COLLECT_SECONDS)
            collect_cycles()

    def use_worker_protocol(self) -> None:
        self.ws_factory.protocol = WorkerWebSocketProtocol
        # A protocol error (invalid UTF-8: 1007; a frame over the size limit: 1009) ends the
        # socket with a close frame carrying its code, not by dropping the connection (1006).
        self.ws_factory.setProtocolOptions(failByDrop=False)

    def listen_success(self, port: Any) -> None:
        self.ports.append(port)
        super().listen_success(port)

    def kill_all_applications(self) -> defer.Deferred[Any]:
        """daphne's "before shutdown" step, preceded by closing every socket properly."""
        going_away: defer.Deferred[None] = defer.Deferred.fromFuture(
            asyncio.ensure_future(self.go_away())
        )
        going_away.addErrback(lambda failure: _log.error("stopping: %s", failure.getTraceback()))
        going_away.addCallback(lambda _: super(WorkerServer, self).kill_all_applications())
        return going_away

    async def go_away(self) -> None:
        # The gateway and the hub need Django, set up by now (config.asgi).
        from realtime import hub
        from realtime.gateway import CLOSE_RECONNECT

        for port in self.ports:
            port.stopListening()
        deadline = time.monotonic() + self.going_away_seconds
        closed = 0
        while True:
            for protocol in self.websockets(WebSocketProtocol.STATE_OPEN):
                protocol.serverClose(code=CLOSE_RECONNECT)
                closed += 1
            if not self.busy() or time.monotonic() >= deadline:
                break
            await asyncio.sleep(SWEEP_SECONDS)
        # The last socket gone, the hub leaves the channel layer.
        await hub.stopped(max(deadline - time.monotonic(), SWEEP_SECONDS))
        _log.info(
            "stopping: closed %s sockets with %s, %s connections still busy",
            closed,
            CLOSE_RECONNECT,
            self.busy(),
        )

    def websockets(self, state: int) -> list[WebSocketProtocol]:
        return [
            protocol
            for protocol in self.connections
            if isinstance(protocol, WebSocketProtocol) and protocol.state == state
        ]

    def busy(self) -> int:
        """Connections still running their application, or closing their WebSocket."""
        return sum(
            1
            for protocol, details in self.connections.items()
            if _running(details.get("application_instance"))
            or (
                isinstance(protocol, WebSocketProtocol)
                and protocol.state == WebSocketProtocol.STATE_CLOSING
            )
        )


def collect_cycles() -> int:
    """One full collection, then the C allocator's free pages back to the system; how many
    objects it freed."""
    started = time.perf_counter()
    freed = gc.collect()
    release_free_memory()
    _log.debug("collected %s objects in %.1f ms", freed, (time.perf_counter() - started) * 1000)
    return freed


def _glibc(name: str, *argtypes: Any) -> Any:
    """A function of glibc's allocator, or None where the C library has none (musl, macOS)."""
    try:
        function = getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None
    function.argtypes = list(argtypes)
    function.restype = ctypes.c_int
    return function


_MALLOC_TRIM = _glibc("malloc_trim", ctypes.c_size_t)
_MALLOPT = _glibc("mallopt", ctypes.c_int, ctypes.c_int)
M_ARENA_MAX = -8  # mallopt's parameter (malloc.h)
MALLOC_ARENAS = 2


def release_free_memory() -> bool:
    """Hands the pages that glibc's heaps hold free back to the system (`malloc_trim(0)`).

    glibc returns freed memory only from the top of a heap. A worker's heap fills with
    requests' and closed sockets' buffers (over 512 bytes, so not Python's own allocator)
    between longer-lived ones, so its free space grows and stays in the process: under
    bench/soak.py, 32 MiB in use and growing free space let each process grow ~0.35 MiB a
    minute for as long as sockets came and went. Returns whether there was a trim to call."""
    if _MALLOC_TRIM is None:
        return False
    _MALLOC_TRIM(0)
    return True


def limit_malloc_arenas() -> bool:
    """At most MALLOC_ARENAS glibc heaps, unless MALLOC_ARENA_MAX says otherwise; call it before
    any thread starts. By default each thread that allocates gets a heap of its own (up to 8 per
    core) and its free space stays there: with the HTTP threads, the database's and asgiref's,
    a worker has 22 threads. Under bench/soak.py, with two heaps a worker grew 0.12-0.14 MiB a
    minute after warm-up, against 0.14-0.26 with as many as it liked.
    Returns whether the limit was set here."""
    if _MALLOPT is None or "MALLOC_ARENA_MAX" in os.environ:
        return False
    return bool(_MALLOPT(M_ARENA_MAX, MALLOC_ARENAS))


def _running(application: asyncio.Future[None] | None) -> bool:
    return application is not None and not application.done()


class WorkerCommandLine(CommandLineInterface):  # type: ignore[misc]  # daphne is untyped
    server_class = WorkerServer


if __name__ == "__main__":
    limit_malloc_arenas()
    WorkerCommandLine.entrypoint()
