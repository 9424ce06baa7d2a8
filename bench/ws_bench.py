"""WebSockets under load: idle sockets, invitation delivery, resume, connect storms, fan-out.

Starts two Pawdate servers (`manage.py serve --workers 1`, twice, on two ports: sockets are
spread over both, and an event raised through one process reaches sockets held by the other) on
PostgreSQL (its own database, `pawdate_ws_bench`, emptied at start) and Redis (database 14,
flushed at start). Owners, pets and sessions are written straight into the database by this
process (REST registration is rate-limited and hashes passwords); tickets come from REST
(`POST /api/v1/realtime/ticket`). Sockets are held by several client processes, each one asyncio
loop with the `websockets` client, so that the load generator is not what is measured. All
times are CLOCK_MONOTONIC (`time.monotonic`), which every process on the machine shares.

Scenarios, each printing one JSON object (`--scenarios` picks):
  connections  N idle authenticated sockets: server RSS per process before/after, KiB a socket
  invitations  owners connected; invitations through REST at a steady rate from distinct
               inviters; REST call's start -> the invitee's `playdate.invited` frame
  resume       1,000 events recorded while offline; connect with since=0 -> the last frame
  storm        sockets opened all at once: connects/s, failures, Redis client connections
  fanout       pets of connected owners near one spot; a new compatible pet through REST ->
               the last owner's `match.suggested` frame
  baseline     bench/bare_relay.py (a bare Channels relay on the same channel layer) under the
               invitations' latency shape; the invitations' latency as a ratio to it

    .venv/bin/python bench/ws_bench.py [--scenarios connections invitations ...] [--clients 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import redis
from common import free_port, server_env
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "pawdate_ws_bench"
HOST = "127.0.0.1"
SCENARIOS = ("connections", "invitations", "resume", "storm", "fanout", "baseline")
# Where the fan-out's pets live (central Oslo); every other owner has no position, so no other
# pet is ever a candidate there.
FANOUT_SPOT = (59.9139, 10.7522)
# Every wait is bounded: a lost frame is counted, never waited for forever.
DELIVERY_TIMEOUT_SECONDS = 10.0
OPEN_TIMEOUT_SECONDS = 60.0

ENV = server_env(
    database=DATABASE,
    redis_url="redis://127.0.0.1:6379/14",
    SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback, as tests/server.py serves it
)


def percentiles(samples: Sequence[float]) -> dict[str, float] | None:
    if not samples:
        return None
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {
        "p50": at(0.50),
        "p95": at(0.95),
        "p99": at(0.99),
        "max": round(ordered[-1], 2),
        "mean": round(statistics.fmean(ordered), 2),
    }


def raise_open_files_limit() -> int:
    """Soft limit up to the hard one; children (servers, clients) inherit it."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


# --- Client processes ---------------------------------------------------------------------------
# Each holds sockets on its own asyncio loop and obeys commands from the bench, one at a time,
# over a pipe: ("tickets", {...}), ("open", {...}), ("drain", {}), ("close", {}), ("exit", {}).
# Its sockets' readers keep running between commands and note the frames the bench times.


def frame_key(frame: dict[str, Any]) -> tuple[str, int] | None:
    """What a timed frame is about: an invitation's playdate, a suggested pet, a relay id."""
    kind = frame.get("type")
    if kind == "playdate.invited":
        return kind, int(frame["data"]["playdate"]["id"])
    if kind == "match.suggested":
        return kind, int(frame["data"]["suggestion"]["pet"]["id"])
    if kind == "relay":
        return kind, int(frame["id"])
    return None


class ClientWorker:
    def __init__(self, pipe: Connection) -> None:
        self.pipe = pipe
        self.sockets: list[ClientConnection] = []
        self.readers: set[asyncio.Task[None]] = set()
        self.tickets: list[tuple[int, str]] = []  # (port, ticket) fetched ahead of an open
        self.frames: list[tuple[str, int, float]] = []  # (type, key, received at)
        # (type, key, ms from the event's `ts` to its frame): record (commit) -> socket, by the
        # wall clock the server and this process share
        self.recorded: list[tuple[str, int, float]] = []
        self.dropped: list[int | None] = []  # close codes of sockets the server closed
        self.closing = False

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        commands: dict[str, Callable[..., Any]] = {
            "tickets": self.fetch_tickets,
            "open": self.open,
            "drain": self.drain,
            "close": self.close,
        }
        while True:
            name, arguments = await loop.run_in_executor(None, self.pipe.recv)
            if name == "exit":
                return
            self.pipe.send(await commands[name](**arguments))

    @staticmethod
    async def ticket(http: httpx.AsyncClient, port: int, access: str) -> str:
        response = await http.post(
            f"http://{HOST}:{port}/api/v1/realtime/ticket",
            headers={"Authorization": f"Bearer {access}"},
        )
        if response.status_code != 200:
            raise RuntimeError(f"ticket: {response.status_code} {response.text[:200]}")
        return str(response.json()["ticket"])

    async def fetch_tickets(self, items: list[tuple[int, str]], concurrency: int) -> dict[str, Any]:
        """Tickets for the next open, fetched now: (port, access token) each."""
        gate = asyncio.Semaphore(concurrency)
        latencies: list[float] = []
        errors: list[str] = []
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(limits=limits, timeout=30) as http:

            async def one(port: int, access: str) -> None:
                async with gate:
                    started = time.monotonic()
                    try:
                        self.tickets.append((port, await self.ticket(http, port, access)))
                    except Exception as error:
                        errors.append(repr(error)[:200])
                        return
                    latencies.append((time.monotonic() - started) * 1000)

            started = time.monotonic()
            await asyncio.gather(*(one(port, access) for port, access in items))
        return {
            "started": started,
            "finished": time.monotonic(),
            "latencies_ms": latencies,
            "errors": errors,
        }

    async def connect(self, url: str, origin: str) -> float:
        """Opens one socket and waits for its hello; returns the milliseconds that took."""
        started = time.monotonic()
        socket = await connect(
            url,
            origin=Origin(origin),
            open_timeout=OPEN_TIMEOUT_SECONDS,
            ping_interval=None,  # browsers do not ping; the server's heartbeat is its own
            compression=None,
            close_timeout=10,
        )
        try:
            hello = json.loads(await asyncio.wait_for(socket.recv(), OPEN_TIMEOUT_SECONDS))
        except BaseException:
            await socket.close()
            raise
        if hello.get("type") != "hello":
            await socket.close()
            raise RuntimeError(f"first frame: {hello}")
        elapsed = (time.monotonic() - started) * 1000
        self.sockets.append(socket)
        reader = asyncio.create_task(self.read(socket))
        self.readers.add(reader)
        reader.add_done_callback(self.readers.discard)
        return elapsed

    async def read(self, socket: ClientConnection) -> None:
        try:
            async for raw in socket:
                received, received_wall = time.monotonic(), time.time()
                frame = json.loads(raw)
                key = frame_key(frame)
                if key is not None:
                    self.frames.append((key[0], key[1], received))
                    if "ts" in frame:
                        stamped = datetime.fromisoformat(frame["ts"]).timestamp()
                        self.recorded.append((key[0], key[1], (received_wall - stamped) * 1000))
        except ConnectionClosed:
            pass
        if not self.closing:
            self.dropped.append(socket.close_code)

    async def open(
        self,
        kind: str,
        concurrency: int,
        items: list[tuple[int, str]] | None = None,
    ) -> dict[str, Any]:
        """Opens sockets: `gateway` with each `(port, access token)` of `items` (a fresh ticket
        just before each connect), or with the tickets fetched ahead when `items` is None;
        `relay` with each `(port, group)` on bench/bare_relay.py. `concurrency` 0: all at once.
        """
        self.closing = False
        if kind == "gateway" and items is None:
            work, fresh = self.tickets, False
            self.tickets = []
        else:
            work, fresh = list(items or []), kind == "gateway"
        gate = asyncio.Semaphore(concurrency or len(work) or 1)
        connect_ms: list[float] = []
        ticket_ms: list[float] = []
        errors: list[str] = []
        limits = httpx.Limits(
            max_connections=concurrency or 100, max_keepalive_connections=concurrency or 100
        )
        async with httpx.AsyncClient(limits=limits, timeout=30) as http:

            async def one(port: int, value: str) -> None:
                async with gate:
                    try:
                        if fresh:
                            started = time.monotonic()
                            value = await self.ticket(http, port, value)
                            ticket_ms.append((time.monotonic() - started) * 1000)
                        if kind == "relay":
                            url = f"ws://{HOST}:{port}/relay/?group={value}"
                        else:
                            url = f"ws://{HOST}:{port}/ws/?ticket={value}"
                        connect_ms.append(await self.connect(url, f"http://{HOST}:{port}"))
                    except Exception as error:
                        errors.append(repr(error)[:200])

            started = time.monotonic()
            await asyncio.gather(*(one(port, value) for port, value in work))
        return {
            "started": started,
            "finished": time.monotonic(),
            "connect_ms": connect_ms,
            "ticket_ms": ticket_ms,
            "errors": errors,
        }

    async def drain(self) -> dict[str, Any]:
        frames, dropped, recorded = self.frames, self.dropped, self.recorded
        self.frames, self.dropped, self.recorded = [], [], []
        return {
            "frames": frames,
            "dropped": dropped,
            "recorded": recorded,
            "open": len(self.sockets),
        }

    async def close(self) -> int:
        self.closing = True
        sockets, self.sockets = self.sockets, []
        gate = asyncio.Semaphore(200)

        async def one(socket: ClientConnection) -> None:
            async with gate:
                await socket.close()

        await asyncio.gather(*(one(socket) for socket in sockets), return_exceptions=True)
        await asyncio.gather(*self.readers, return_exceptions=True)
        return len(sockets)


def client_main(pipe: Connection) -> None:
    asyncio.run(ClientWorker(pipe).run())


class Clients:
    """The client processes, driven together: work is dealt round-robin."""

    def __init__(self, count: int, target: Callable[[Connection], None] | None = None) -> None:
        context = multiprocessing.get_context("spawn")  # no Django state, no inherited sockets
        self.pipes: list[Connection] = []
        self.processes: list[multiprocessing.process.BaseProcess] = []
        # (type, key) -> ms from the event's record to its first frame, as drained
        self.recorded: dict[tuple[str, int], float] = {}
        for _ in range(count):
            mine, theirs = context.Pipe()
            process = context.Process(target=target or client_main, args=(theirs,), daemon=True)
            process.start()
            self.pipes.append(mine)
            self.processes.append(process)

    def deal(self, items: Sequence[Any]) -> list[list[Any]]:
        return [list(items[index :: len(self.pipes)]) for index in range(len(self.pipes))]

    def call(self, name: str, per_client: Sequence[dict[str, Any]] | None = None) -> list[Any]:
        for index, pipe in enumerate(self.pipes):
            pipe.send((name, per_client[index] if per_client else {}))
        return [pipe.recv() for pipe in self.pipes]

    def open(
        self, kind: str, items: Sequence[tuple[int, str]] | None, concurrency: int
    ) -> dict[str, Any]:
        """Opens sockets over every client; the figures of the whole."""
        dealt: list[list[Any] | None] = [None] * len(self.pipes)
        if items is not None:
            dealt = list(self.deal(items))
        replies = self.call(
            "open",
            [{"kind": kind, "concurrency": concurrency, "items": share} for share in dealt],
        )
        return merge_opens(replies)

    def drain(self) -> tuple[list[tuple[str, int, float]], list[int | None], int]:
        frames: list[tuple[str, int, float]] = []
        dropped: list[int | None] = []
        open_sockets = 0
        for reply in self.call("drain"):
            frames.extend(tuple(frame) for frame in reply["frames"])
            for kind, key, delay in reply["recorded"]:
                self.recorded.setdefault((kind, key), delay)
            dropped.extend(reply["dropped"])
            open_sockets += reply["open"]
        return frames, dropped, open_sockets

    def close(self) -> int:
        return sum(self.call("close"))

    def stop(self) -> None:
        for pipe in self.pipes:
            pipe.send(("exit", {}))
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()


def merge_opens(replies: Sequence[dict[str, Any]]) -> dict[str, Any]:
    connect_ms = [value for reply in replies for value in reply["connect_ms"]]
    ticket_ms = [value for reply in replies for value in reply["ticket_ms"]]
    errors = [value for reply in replies for value in reply["errors"]]
    started = min(reply["started"] for reply in replies)
    finished = max(reply["finished"] for reply in replies)
    seconds = max(finished - started, 1e-9)
    figures: dict[str, Any] = {
        "opened": len(connect_ms),
        "failures": len(errors),
        "seconds": round(seconds, 2),
        "opened_per_second": round(len(connect_ms) / seconds, 1),
        "connect_to_hello_ms": percentiles(connect_ms),
    }
    if ticket_ms:
        figures["ticket_ms"] = percentiles(ticket_ms)
    if errors:
        figures["errors"] = dict(Counter(errors).most_common(5))
    return figures


def wait_for_frames(
    clients: Clients, expected: set[tuple[str, int]], *, per_key: int = 1
) -> tuple[dict[tuple[str, int], list[float]], list[int | None]]:
    """Collects timed frames until each expected key has arrived `per_key` times, or until the
    delivery timeout."""
    arrivals: dict[tuple[str, int], list[float]] = {}
    dropped: list[int | None] = []
    deadline = time.monotonic() + DELIVERY_TIMEOUT_SECONDS
    while True:
        frames, closed, _ = clients.drain()
        dropped.extend(closed)
        for kind, key, received in frames:
            arrivals.setdefault((kind, key), []).append(received)
        done = all(len(arrivals.get(key, ())) >= per_key for key in expected)
        if done or time.monotonic() > deadline:
            return arrivals, dropped
        time.sleep(0.2)


# --- Servers --------------------------------------------------------------------------------


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.port}"

    def worker_pids(self) -> list[int]:
        """The daphne processes `serve` runs (itself for a bare daphne)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = [int(pid) for pid in children.read_text().split()]
        return [pid for pid in pids if "daphne" in process_command(pid)] or [self.process.pid]

    def rss_kib(self) -> list[int]:
        return [rss_kib(pid) for pid in self.worker_pids()]


def process_command(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def wait_listening(server: Server, path: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        if server.process.poll() is not None:
            raise SystemExit(f"server on {server.port} exited with {server.process.returncode}")
        try:
            with socket.create_connection((HOST, server.port), timeout=1) as probe:
                if not path:
                    return
                probe.sendall(f"GET {path} HTTP/1.0\r\nHost: {HOST}\r\n\r\n".encode())
                if probe.recv(64).split(b" ")[1:2] == [b"200"]:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"server on {server.port} did not start")
        time.sleep(0.2)


@contextmanager
def running(
    commands: Sequence[Callable[[int], list[str]]], health_path: str
) -> Iterator[list[Server]]:
    servers = []
    try:
        for command in commands:
            port = free_port(HOST)
            process = subprocess.Popen(
                command(port), cwd=ROOT, env=ENV, stdout=sys.stderr, start_new_session=True
            )
            servers.append(Server(port, process))
        for server in servers:
            wait_listening(server, health_path)
        yield servers
    finally:
        for server in servers:
            server.process.terminate()
        for server in servers:
            try:
                server.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()


def pawdate_servers(count: int) -> AbstractContextManager[list[Server]]:
    def serve(port: int) -> list[str]:
        command = [sys.executable, "manage.py", "serve", "--host", HOST, "--port", str(port)]
        return [*command, "--workers", "1"]

    return running([serve] * count, "/healthz")


def relay_servers(count: int) -> AbstractContextManager[list[Server]]:
    def daphne(port: int) -> list[str]:
        return [
            sys.executable, "-m", "daphne", "-b", HOST, "-p", str(port),
            "--access-log", os.devnull, "bench.bare_relay:application",
        ]  # fmt: skip

    return running([daphne] * count, "")


# --- Data, written straight into the database -----------------------------------------------


@dataclass(frozen=True)
class Owner:
    user_id: int
    pet_id: int
    access: str


def make_owners(
    count: int, tag: str, *, near: tuple[float, float] | None = None, with_pets: bool = True
) -> list[Owner]:
    """Owners with a dog each (vaccinated, default preferences) and a session; `near` puts them
    within ~1 km of a spot, otherwise they have no position (so they are nobody's match)."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from accounts.models import User
    from accounts.services import _start_session
    from pets.models import Pet, Preferences, Species, bit

    rng = random.Random(tag)
    stamp = secrets.token_hex(3)
    unusable = make_password(None)
    users = []
    for index in range(count):
        latitude = longitude = None
        if near is not None:
            latitude = near[0] + rng.uniform(-0.008, 0.008)
            longitude = near[1] + rng.uniform(-0.015, 0.015)
        users.append(
            User(
                email=f"{tag}-{stamp}-{index}@bench.invalid",
                username=f"{tag} {index}",
                password=unusable,  # nobody logs in with a password here
                latitude=latitude,
                longitude=longitude,
            )
        )
    with transaction.atomic():
        users = User.objects.bulk_create(users, batch_size=2000)
        pets = []
        if with_pets:
            pets = Pet.objects.bulk_create(
                [
                    Pet(
                        owner=user,
                        name=f"Dog {index}",
                        species="dog",
                        age=3,
                        size="medium",
                        energy="medium",
                        temperament=["playful", "social"],
                        vaccinated=True,
                    )
                    for index, user in enumerate(users)
                ],
                batch_size=2000,
            )
            Preferences.objects.bulk_create(
                [Preferences(pet=pet, species_mask=bit(Species, "dog")) for pet in pets],
                batch_size=2000,
            )
        tokens = [_start_session(user=user, user_agent="ws-bench") for user in users]
    pet_ids = [pet.pk for pet in pets] if with_pets else [0] * len(users)
    return [
        Owner(user_id=user.pk, pet_id=pet_id, access=token.access)
        for user, pet_id, token in zip(users, pet_ids, tokens, strict=True)
    ]


def spread(owners: Sequence[Owner], servers: Sequence[Server]) -> list[tuple[int, str]]:
    """(port, access token) for each owner, alternating over the servers."""
    return [
        (servers[index % len(servers)].port, owner.access) for index, owner in enumerate(owners)
    ]


def redis_clients(client: redis.Redis) -> dict[str, int]:
    """Redis client connections: all, and those of the bench's database (the servers')."""
    listed = client.client_list()
    database = str(client.connection_pool.connection_kwargs.get("db", 0))
    return {
        "all": len(listed),
        f"db{database}": sum(1 for entry in listed if str(entry.get("db")) == database),
        "pubsub": sum(1 for entry in listed if int(entry.get("sub", 0)) > 0),
    }


def memory_figures(
    before: Sequence[int], after: Sequence[int], sockets: Sequence[int]
) -> list[dict[str, Any]]:
    return [
        {
            "sockets": count,
            "rss_before_mib": round(was / 1024, 1),
            "rss_after_mib": round(now / 1024, 1),
            "kib_per_socket": round((now - was) / count, 1) if count else None,
        }
        for was, now, count in zip(before, after, sockets, strict=True)
    ]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_all(servers: Sequence[Server]) -> list[float]:
    return [cpu_seconds(pid) for server in servers for pid in server.worker_pids()]


def rss_all(servers: Sequence[Server]) -> list[int]:
    return [rss for server in servers for rss in server.rss_kib()]


# --- Scenarios --------------------------------------------------------------------------------


def scenario_connections(
    servers: list[Server], clients: Clients, args: argparse.Namespace
) -> dict[str, Any]:
    count = args.idle_sockets
    owners = make_owners(count, "idle", with_pets=False)
    before = rss_all(servers)
    opened = clients.open("gateway", spread(owners, servers), args.open_concurrency)
    time.sleep(1)
    after_open = rss_all(servers)
    # One heartbeat later (15 s): what a socket costs once its periodic check has run, and
    # what holding idle sockets costs the servers' CPUs.
    cpu_before = cpu_all(servers)
    time.sleep(args.settle)
    cpu_after = cpu_all(servers)
    after_heartbeat = rss_all(servers)
    _, dropped, held = clients.drain()
    per_server = [len(range(n, count, len(servers))) for n in range(len(servers))]
    clients.close()
    total_before, total_after = sum(before), sum(after_heartbeat)
    return {
        "scenario": "connections",
        "sockets": count,
        "open": opened,
        "held_after_settling": held,
        "closed_by_server": dict(Counter(str(code) for code in dropped)),
        "per_process_after_open": memory_figures(before, after_open, per_server),
        "per_process_after_heartbeat": memory_figures(before, after_heartbeat, per_server),
        "settle_seconds": args.settle,
        "idle_cpu_percent_per_process": [
            round((after - before) / args.settle * 100, 1)
            for before, after in zip(cpu_before, cpu_after, strict=True)
        ],
        "kib_per_socket": round((total_after - total_before) / max(1, held), 1),
        "target": "10,000 idle sockets per process at <= 30 KiB each",
    }


async def send_invitations(
    servers: list[Server],
    inviters: Sequence[Owner],
    invitees: Sequence[Owner],
    rate: float,
) -> list[dict[str, Any]]:
    """One invitation per inviter at `rate` a second, to random invitees, over the servers in
    turn; each call's start and end (monotonic) and the playdate it made."""
    rng = random.Random(4)
    results: list[dict[str, Any]] = []
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:

        async def invite(index: int, inviter: Owner) -> None:
            invitee = rng.choice(invitees)
            server = servers[index % len(servers)]
            body = {
                "from_pet": inviter.pet_id,
                "to_pet": invitee.pet_id,
                "date_time": (when + timedelta(minutes=index)).isoformat(),
                "location_name": "Riverside dog park",
                "message": "Fancy a run in the park?",
            }
            started = time.monotonic()
            response = await http.post(
                f"{server.origin}/api/v1/playdates/",
                json=body,
                headers={"Authorization": f"Bearer {inviter.access}"},
            )
            finished = time.monotonic()
            results.append(
                {
                    "status": response.status_code,
                    "playdate": response.json().get("id") if response.status_code == 201 else None,
                    "started": started,
                    "finished": finished,
                    "error": None if response.status_code == 201 else response.text[:200],
                }
            )

        tasks = []
        begin = time.monotonic()
        for index, inviter in enumerate(inviters):
            delay = begin + index / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(invite(index, inviter)))
        await asyncio.gather(*tasks)
    return results


def latency_figures(
    sent: Sequence[dict[str, Any]], kind: str, clients: Clients, expected_per_key: int = 1
) -> dict[str, Any]:
    """Delivery figures for calls that each made one frame of `kind` keyed by `playdate`."""
    made = [call for call in sent if call["playdate"] is not None]
    arrivals, dropped = wait_for_frames(clients, {(kind, call["playdate"]) for call in made})
    latencies, after_response = [], []
    duplicates = 0
    for call in made:
        times = arrivals.get((kind, call["playdate"]), [])
        if times:
            latencies.append((min(times) - call["started"]) * 1000)
            after_response.append((min(times) - call["finished"]) * 1000)
            duplicates += len(times) - 1
    return {
        "sent": len(sent),
        "accepted": len(made),
        "rejected": dict(Counter(str(call["status"]) for call in sent if call["playdate"] is None)),
        "rejections": sorted({call["error"] for call in sent if call["error"]})[:3],
        "delivered": len(latencies),
        "lost": len(made) - len(latencies),
        "duplicates": duplicates,
        "sockets_closed_by_server": dict(Counter(str(code) for code in dropped)),
        "latency_ms": percentiles(latencies),
        "rest_call_ms": percentiles([(c["finished"] - c["started"]) * 1000 for c in made]),
        # The durable path alone: the event's row stamped in the transaction -> its frame.
        "recorded_to_frame_ms": percentiles(
            [
                clients.recorded[(kind, call["playdate"])]
                for call in made
                if (kind, call["playdate"]) in clients.recorded
            ]
        ),
        # Negative: the frame arrived before the REST answer (the doorbell rings on commit).
        "frame_after_rest_answer_ms": percentiles(after_response),
    }


def scenario_invitations(
    servers: list[Server], clients: Clients, args: argparse.Namespace
) -> dict[str, Any]:
    invitees = make_owners(args.owners, "invitee")
    total = int(args.rate * args.duration)
    warm_up = int(args.rate * 2)
    inviters = make_owners(total + warm_up, "inviter")
    opened = clients.open("gateway", spread(invitees, servers), args.open_concurrency)
    # Two seconds at the same rate first, not counted: pools, caches and JIT-less warm paths.
    asyncio.run(send_invitations(servers, inviters[:warm_up], invitees, args.rate))
    wait_for_frames(clients, set())
    started = time.monotonic()
    sent = asyncio.run(send_invitations(servers, inviters[warm_up:], invitees, args.rate))
    sending_seconds = time.monotonic() - started
    figures = latency_figures(sent, "playdate.invited", clients)
    clients.close()
    return {
        "scenario": "invitations",
        "connected_owners": args.owners,
        "open": opened,
        "rate_per_second": args.rate,
        "achieved_rate_per_second": round(len(sent) / sending_seconds, 1),
        "duration_seconds": args.duration,
        "warm_up_invitations": warm_up,
        **figures,
        "target": "p50 <= 10 ms, p99 <= 50 ms, 0 lost",
    }


def scenario_resume(
    servers: list[Server], clients: Clients, args: argparse.Namespace
) -> dict[str, Any]:
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from matching.playdate_selectors import playdate_data
    from matching.playdate_services import playdate_invite
    from realtime import events

    owner, inviter = make_owners(2, "resume")
    # One real invitation (its event is the first), then copies of its event: realistic frames.
    playdate = playdate_invite(
        inviter=User.objects.get(pk=inviter.user_id),
        from_pet_id=inviter.pet_id,
        to_pet_id=owner.pet_id,
        date_time=timezone.now() + timedelta(days=3),
        location_name="Riverside dog park",
        message="Fancy a run in the park?",
    )
    data = {"playdate": dict(playdate_data(playdate, now=timezone.now()))}
    with transaction.atomic():
        events.record_many([(owner.user_id, "playdate.invited", data)] * (args.events - 1))
    last = events.last_seq(owner.user_id)

    async def resume(server: Server) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=30) as http:
            ticket = await ClientWorker.ticket(http, server.port, owner.access)
        started = time.monotonic()
        async with connect(
            f"ws://{HOST}:{server.port}/ws/?ticket={ticket}&since=0",
            origin=Origin(server.origin),
            ping_interval=None,
            compression=None,
            max_queue=None,
        ) as socket:
            connected = time.monotonic()
            seqs: list[int] = []
            hello_at = 0.0
            while not seqs or seqs[-1] < last:
                frame = json.loads(await asyncio.wait_for(socket.recv(), DELIVERY_TIMEOUT_SECONDS))
                if frame["type"] == "hello":
                    hello_at = time.monotonic()
                elif "seq" in frame:
                    seqs.append(frame["seq"])
            finished = time.monotonic()
        return {
            "handshake_ms": round((connected - started) * 1000, 1),
            "hello_ms": round((hello_at - started) * 1000, 1),
            "last_frame_ms": round((finished - started) * 1000, 1),
            "frames": len(seqs),
            "in_order_without_gaps": seqs == list(range(1, last + 1)),
        }

    runs: list[dict[str, Any]] = [
        asyncio.run(resume(servers[index % len(servers)])) for index in range(args.repeats)
    ]
    return {
        "scenario": "resume",
        "events": last,
        "runs": runs,
        "last_frame_ms_median": statistics.median(run["last_frame_ms"] for run in runs),
        "target": "resume of 1,000 events <= 250 ms",
    }


def scenario_storm(
    servers: list[Server], clients: Clients, args: argparse.Namespace
) -> dict[str, Any]:
    owners = make_owners(args.storm_sockets, "storm", with_pets=False)
    layer_redis = redis.Redis.from_url(ENV["REDIS_URL"].split(",")[0])
    idle = redis_clients(layer_redis)
    # Tickets first (they live 30 s), so that the storm is connects only.
    started = time.monotonic()
    fetched = clients.call(
        "tickets",
        [{"items": share, "concurrency": 16} for share in clients.deal(spread(owners, servers))],
    )
    ticket_seconds = time.monotonic() - started
    ticket_latencies = [value for reply in fetched for value in reply["latencies_ms"]]
    ticket_errors = [value for reply in fetched for value in reply["errors"]]

    samples: list[dict[str, int]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append(redis_clients(layer_redis))
            stop.wait(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        opened = clients.open("gateway", None, 0)
    finally:
        stop.set()
        sampler.join()
    time.sleep(1)
    held = redis_clients(layer_redis)
    _, dropped, open_sockets = clients.drain()
    clients.close()
    time.sleep(1)
    after_close = redis_clients(layer_redis)
    return {
        "scenario": "storm",
        "sockets": args.storm_sockets,
        "tickets": {
            "fetched": len(ticket_latencies),
            "errors": len(ticket_errors),
            "per_second": round(len(ticket_latencies) / ticket_seconds, 1),
            "latency_ms": percentiles(ticket_latencies),
            "concurrency": 16 * len(clients.pipes),
        },
        "open": opened,
        "connects_per_second": opened["opened_per_second"],
        "open_after_storm": open_sockets,
        "closed_by_server": dict(Counter(str(code) for code in dropped)),
        "redis_clients": {
            "before": idle,
            "during_max": {key: max(s[key] for s in samples) for key in idle} if samples else None,
            "held_after": held,
            "after_close": after_close,
        },
        "target": ">= 500 connects/s, 0 failures",
    }


def scenario_fanout(
    servers: list[Server], clients: Clients, args: argparse.Namespace
) -> dict[str, Any]:
    owners = make_owners(args.fanout_pets, "nearby", near=FANOUT_SPOT)
    opened = clients.open("gateway", spread(owners, servers), args.open_concurrency)
    newcomers = make_owners(args.repeats, "newcomer", near=FANOUT_SPOT, with_pets=False)
    runs: list[dict[str, Any]] = []

    async def create_pet(server: Server, owner: Owner) -> tuple[int, float, float]:
        async with httpx.AsyncClient(timeout=30) as http:
            headers = {"Authorization": f"Bearer {owner.access}"}
            await http.get(f"{server.origin}/healthz")  # the connection is open before timing
            started = time.monotonic()
            response = await http.post(
                f"{server.origin}/api/v1/pets/",
                headers=headers,
                json={
                    "name": "Newcomer",
                    "species": "dog",
                    "age": 3,
                    "size": "medium",
                    "energy": "medium",
                    "temperament": ["playful", "social"],
                    "vaccinated": True,
                },
            )
            finished = time.monotonic()
            if response.status_code != 201:
                raise RuntimeError(f"pet: {response.status_code} {response.text[:200]}")
            return int(response.json()["id"]), started, finished

    async def retire_pet(server: Server, owner: Owner, pet_id: int) -> None:
        # So that the next newcomer's nearest pets are the connected owners' again.
        async with httpx.AsyncClient(timeout=30) as http:
            response = await http.delete(
                f"{server.origin}/api/v1/pets/{pet_id}/",
                headers={"Authorization": f"Bearer {owner.access}"},
            )
            assert response.status_code == 204, response.text

    for index, newcomer in enumerate(newcomers):
        server = servers[index % len(servers)]
        pet_id, started, finished = asyncio.run(create_pet(server, newcomer))
        key = ("match.suggested", pet_id)
        arrivals, dropped = wait_for_frames(clients, {key}, per_key=args.fanout_pets)
        times = arrivals.get(key, [])
        latencies = [(at - started) * 1000 for at in times]
        runs.append(
            {
                "suggestions_arrived": len(times),
                "rest_call_ms": round((finished - started) * 1000, 1),
                "first_frame_ms": round(min(latencies), 1) if latencies else None,
                "last_frame_ms": round(max(latencies), 1) if latencies else None,
                "frame_ms": percentiles(latencies),
                "sockets_closed_by_server": dict(Counter(str(code) for code in dropped)),
            }
        )
        asyncio.run(retire_pet(server, newcomer, pet_id))
        wait_for_frames(clients, set())
    clients.close()
    last = [run["last_frame_ms"] for run in runs if run["last_frame_ms"] is not None]
    return {
        "scenario": "fanout",
        "connected_owners": args.fanout_pets,
        "open": opened,
        "runs": runs,
        "last_frame_ms_median": statistics.median(last) if last else None,
        "target": "fan-out to 1,000 owners <= 500 ms",
    }


async def publish_relays(groups: Sequence[str], ids: range, rate: float) -> list[dict[str, Any]]:
    """One message per id at `rate` a second, each to a random relay socket's group, through
    the channel layer; each publish's start (monotonic)."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    rng = random.Random(6)
    results: list[dict[str, Any]] = []

    async def publish(index: int) -> None:
        text = json.dumps({"type": "relay", "id": index})
        started = time.monotonic()
        await layer.group_send(rng.choice(groups), {"type": "relay.message", "text": text})
        results.append({"playdate": index, "started": started, "finished": time.monotonic()})

    tasks = []
    begin = time.monotonic()
    for index, message_id in enumerate(ids):
        delay = begin + index / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(publish(message_id)))
    await asyncio.gather(*tasks)
    return results


def scenario_baseline(
    clients: Clients, args: argparse.Namespace, invitations: dict[str, Any] | None
) -> dict[str, Any]:
    with relay_servers(2) as relays:
        groups = [f"bench.relay.{index}" for index in range(args.owners)]
        items = [(relays[index % len(relays)].port, group) for index, group in enumerate(groups)]
        before = rss_all(relays)
        opened = clients.open("relay", items, args.open_concurrency)
        time.sleep(1)
        after = rss_all(relays)
        per_server = [len(items[n :: len(relays)]) for n in range(len(relays))]
        warm_up = int(args.rate * 2)

        async def run() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            # One event loop for both, as the channel layer's connections belong to one loop.
            warm = await publish_relays(groups, range(-warm_up, 0), args.rate)
            measured = range(int(args.rate * args.duration))
            return warm, await publish_relays(groups, measured, args.rate)

        warm, sent = asyncio.run(run())
        arrivals, dropped = wait_for_frames(clients, {("relay", call["playdate"]) for call in sent})
        latencies = []
        for call in sent:
            times = arrivals.get(("relay", call["playdate"]), [])
            if times:
                latencies.append((min(times) - call["started"]) * 1000)
        clients.close()
        time.sleep(2)  # the relays' disconnects, before they are stopped
    figures: dict[str, Any] = {
        "scenario": "baseline",
        "server": "bench/bare_relay.py, 2 daphne processes, the same channel layer",
        "idle_sockets": args.owners,
        "open": opened,
        "memory": memory_figures(before, after, per_server),
        "rate_per_second": args.rate,
        "sent": len(sent),
        "delivered": len(latencies),
        "lost": len(sent) - len(latencies),
        "sockets_closed_by_server": dict(Counter(str(code) for code in dropped)),
        "latency_ms": percentiles(latencies),
        "warm_up_messages": len(warm),
    }
    ours = (invitations or {}).get("latency_ms")
    theirs = figures["latency_ms"]
    if ours and theirs:
        figures["invitation_latency_ratio"] = {
            name: round(ours[name] / theirs[name], 1) for name in ("p50", "p95", "p99")
        }
        figures["target"] = "invitation latency < 2x the bare relay's"
    recorded = (invitations or {}).get("recorded_to_frame_ms")
    if recorded and theirs:
        figures["recorded_to_frame_ratio"] = {
            name: round(recorded[name] / theirs[name], 1) for name in ("p50", "p95", "p99")
        }
    return figures


# --- Main -----------------------------------------------------------------------------------


def prepare_database() -> None:
    def manage(*args: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=ENV, check=True, stdout=sys.stderr
        )

    subprocess.run(
        ["psql", "-h", HOST, "-U", "postgres", "-qc", f"CREATE DATABASE {DATABASE}"],
        capture_output=True,
        check=False,
    )
    manage("migrate", "-v", "0")
    manage("flush", "--no-input", "-v", "0")  # the previous run's owners would be candidates
    redis.Redis.from_url(ENV["REDIS_URL"].split(",")[0]).flushdb()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--servers", type=int, default=2, help="`serve --workers 1` processes")
    parser.add_argument("--idle-sockets", type=int, default=2000, help="connections: sockets")
    parser.add_argument("--settle", type=float, default=16, help="connections: seconds held")
    parser.add_argument("--owners", type=int, default=2000, help="invitations, baseline: sockets")
    parser.add_argument("--rate", type=float, default=50, help="invitations, baseline: per s")
    parser.add_argument("--duration", type=float, default=20, help="invitations, baseline: s")
    parser.add_argument("--events", type=int, default=1000, help="resume: events offline")
    parser.add_argument("--storm-sockets", type=int, default=2000)
    parser.add_argument("--fanout-pets", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3, help="resume, fanout: runs")
    parser.add_argument("--open-concurrency", type=int, default=32, help="per client process")
    args = parser.parse_args()

    open_files = raise_open_files_limit()
    prepare_database()
    sys.path.insert(0, str(ROOT))
    os.environ.update(ENV)
    import django

    django.setup()
    from django.db import connection

    clients = Clients(args.clients)
    invitations = None
    try:
        with pawdate_servers(args.servers) as servers:
            print(
                f"servers: ports {[server.port for server in servers]},"
                f" workers {[server.worker_pids() for server in servers]},"
                f" open files limit {open_files}",
                file=sys.stderr,
            )
            for name in args.scenarios:
                if name == "baseline":
                    continue
                print(f"scenario {name}...", file=sys.stderr, flush=True)
                scenario = {
                    "connections": scenario_connections,
                    "invitations": scenario_invitations,
                    "resume": scenario_resume,
                    "storm": scenario_storm,
                    "fanout": scenario_fanout,
                }[name]
                figures = scenario(servers, clients, args)
                figures.update(cpus=os.cpu_count(), client_processes=args.clients)
                print(json.dumps(figures), flush=True)
                if name == "invitations":
                    invitations = figures
                connection.close()
                time.sleep(3)  # the servers finish the closed sockets' disconnects
        if "baseline" in args.scenarios:
            print("scenario baseline...", file=sys.stderr, flush=True)
            figures = scenario_baseline(clients, args, invitations)
            figures.update(cpus=os.cpu_count(), client_processes=args.clients)
            print(json.dumps(figures), flush=True)
    finally:
        clients.stop()


if __name__ == "__main__":
    main()
