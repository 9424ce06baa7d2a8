"""The daphne worker's graceful stop: sockets close with 1012 before the applications are
cancelled, and the gateway's 1xxx close codes reach the client (tests/faults has the real
processes); and its collections free what closed sockets leave in cycles."""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import weakref
from pathlib import Path
from typing import Any

import pytest
from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol
from twisted.internet.testing import StringTransport

from realtime import daphne_worker
from realtime import hub as hubs
from realtime.daphne_worker import WorkerServer, WorkerWebSocketProtocol

# A close frame, unmasked as a server sends it: opcode 8, 2 bytes of payload, the code.
CLOSE_1012 = b"\x88\x02\x03\xf4"
CLOSE_4401 = b"\x88\x02\x11\x31"


class Port:
    stopped = False

    def stopListening(self) -> None:
        self.stopped = True


def worker_server() -> WorkerServer:
    server = WorkerServer(application=None, endpoints=["tcp:port=0"])
    server.connections = {}
    server.ports = [Port()]
    return server


def websocket(
    server: WorkerServer, *, open: bool = True
) -> tuple[WorkerWebSocketProtocol, StringTransport]:
    """A socket of `server`'s, with the transport it writes to; still in its handshake unless
    `open`."""
    factory = WebSocketFactory(server, server="daphne")
    factory.protocol = WorkerWebSocketProtocol
    socket = factory.buildProtocol(None)
    transport = StringTransport()
    socket.makeConnection(transport)
    socket.websocket_version = 13
    if open:
        socket.state = WebSocketProtocol.STATE_OPEN
    return socket, transport


def application(server: WorkerServer, socket: WebSocketProtocol) -> asyncio.Future[Any]:
    running: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    server.connections[socket] = {"application_instance": running}
    return running


def ended(socket: WebSocketProtocol, running: asyncio.Future[Any]) -> None:
    """What follows the client's answer to the close: autobahn ends the socket, the gateway's
    `disconnect` runs and the application returns."""
    socket.state = WebSocketProtocol.STATE_CLOSED
    running.set_result(None)


@pytest.mark.parametrize("code", [1009, 1012])
def test_the_gateways_1xxx_close_codes_reach_the_client(code):
    # given: an open socket (daphne's own protocol raises "invalid close code" here)
    socket, transport = websocket(worker_server())

    # when
    socket.serverClose(code=code)

    # then
    assert transport.value() == b"\x88\x02" + code.to_bytes(2, "big")
    assert socket.state == WebSocketProtocol.STATE_CLOSING


def test_other_close_codes_close_as_daphne_closes_them():
    socket, transport = websocket(worker_server())

    socket.serverClose(code=4401)

    assert transport.value() == CLOSE_4401


async def test_stopping_closes_every_open_socket_1012_and_waits_for_its_application():
    # given: two open sockets, one still in its handshake, and the listening port
    server = worker_server()
    sockets = [websocket(server) for _ in range(2)]
    runnings = [application(server, socket) for socket, _ in sockets]
    opening, opening_transport = websocket(server, open=False)
    opening_running = application(server, opening)

    # when: the worker stops
    stopping = asyncio.ensure_future(server.go_away())
    await asyncio.sleep(0.2)

    # then: no more connections; each open socket got its close frame, once; the one still
    # opening none; and the stop waits for the applications
    assert server.ports[0].stopped
    assert [transport.value() for _, transport in sockets] == [CLOSE_1012, CLOSE_1012]
    assert opening_transport.value() == b""
    assert not stopping.done()

    # when: the one that was opening is accepted, and the first socket's client answers
    opening.state = WebSocketProtocol.STATE_OPEN
    ended(sockets[0][0], runnings[0])
    await asyncio.sleep(0.2)

    # then: it is closed too, and the stop still waits for the others
    assert opening_transport.value() == CLOSE_1012
    assert not stopping.done()

    # when: their clients answer
    ended(sockets[1][0], runnings[1])
    ended(opening, opening_running)

    # then: the stop is over
    await asyncio.wait_for(stopping, 1)
    assert [transport.value() for _, transport in sockets] == [CLOSE_1012, CLOSE_1012]


async def test_a_socket_that_never_ends_is_cancelled_after_the_grace_period():
    # given: an open socket whose client never answers, nor its application returns
    server = worker_server()
    server.going_away_seconds = 0.3
    socket, transport = websocket(server)
    running = application(server, socket)

    # when: the worker stops as daphne stops it ("before shutdown")
    stopped = server.kill_all_applications().asFuture(asyncio.get_running_loop())
    await asyncio.wait_for(asyncio.shield(stopped), 2)

    # then: the socket was told, and then its application cancelled, as daphne does
    assert transport.value() == CLOSE_1012
    assert running.cancelled()


def test_a_collection_frees_connections_that_only_their_own_cycle_keeps():
    # given: garbage only the collector frees (as a closed socket's protocol and transport)
    class Connection:
        pass

    gc.disable()
    try:
        connection = Connection()
        connection.me = connection  # type: ignore[attr-defined]
        alive = weakref.ref(connection)
        del connection

        # when
        freed = daphne_worker.collect_cycles()
    finally:
        gc.enable()

    # then
    assert alive() is None
    assert freed >= 1


async def test_stopping_waits_for_a_stopped_hub_to_leave_the_channel_layer():
    # given: a hub whose last socket left, still unsubscribing its channel when cancelled
    left = asyncio.Event()

    async def receiving() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await asyncio.sleep(0.2)  # the unsubscribe's round trip
            left.set()
            raise

    stopping_hub = hubs.Hub()
    stopping_hub.tasks = (asyncio.create_task(receiving()),)
    await asyncio.sleep(0)
    stopping_hub.stop()

    # when: the worker stops, with no socket open
    await worker_server().go_away()

    # then: it returned only once the hub had left (before the loop ends and cancels it again)
    assert left.is_set()


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_releasing_free_memory_gives_the_heaps_free_pages_back_to_the_system():
    # given: 64 MiB freed between blocks still in use (64 KiB each: glibc's heap, not
    # Python's allocator), so that no free() can shrink the heap from its top
    blocks = [b"x" * 65_536 for _ in range(2_048)]
    kept = blocks[1::2]
    del blocks
    before = resident_bytes()

    # when
    released = daphne_worker.release_free_memory()

    # then: most of what was freed left the process, and what is kept is intact
    assert released
    assert before - resident_bytes() > 32 * 2**20
    assert all(block == b"x" * 65_536 for block in kept[:8])


ARENAS_OF_EIGHT_THREADS = """
import ctypes, sys, threading
from realtime.daphne_worker import limit_malloc_arenas

print(limit_malloc_arenas() if sys.argv[1] == "limit" else "unlimited", flush=True)
together = threading.Barrier(8)

def allocate():
    kept = [bytes(range(256)) * 4 for _ in range(100)]
    together.wait()

threads = [threading.Thread(target=allocate) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
ctypes.CDLL(None).malloc_stats()  # one "Arena n:" paragraph per heap, on stderr
"""


def heaps_of_eight_threads(mode: str, **environment: str) -> tuple[str, int]:
    """What limit_malloc_arenas returned in a new process, and how many heaps glibc had once
    eight threads had allocated at the same time."""
    env = {key: value for key, value in os.environ.items() if key != "MALLOC_ARENA_MAX"}
    done = subprocess.run(
        [sys.executable, "-c", ARENAS_OF_EIGHT_THREADS, mode],
        cwd=Path(__file__).resolve().parents[2],
        env={**env, **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip(), done.stderr.count("Arena ")


def test_a_worker_keeps_to_two_malloc_heaps_however_many_threads_allocate():
    assert heaps_of_eight_threads("limit") == ("True", 2)
    # glibc's default: a heap per thread, up to 8 per core
    assert heaps_of_eight_threads("unlimited")[1] > 2


def test_malloc_arena_max_from_the_environment_wins():
    assert heaps_of_eight_threads("limit", MALLOC_ARENA_MAX="3") == ("False", 3)
