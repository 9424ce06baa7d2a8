"""Owners, their devices and a REST writer over two server processes, for the process-death tests.

A `Device` is one WebSocket client of an owner on a thread of its own. It opens on its server
with `since=0`, keeps every frame, and when its socket ends (whatever the code, or none) it moves
to its fallback server: a new ticket from there, then `since=<last seq received>`, as
CONTRACT.md (Real-time) tells a client to. A `Writer` keeps making invitations and chat messages
through one server and keeps every answer that was not a success.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import connect
from websockets.typing import Origin

from realtime.models import Event, EventCursor
from tests.owners import Owner
from tests.server import Server, running_server, server_database_url, server_redis_url

# Bounded waits, generous for a loaded 2-core machine: the tests assert outcomes, not speed.
OPEN_TIMEOUT_SECONDS = 15.0
HTTP_TIMEOUT_SECONDS = 15.0  # tests.server.Server.client's
POLL_SECONDS = 0.2  # how often a device looks up from its socket to see whether to stop
RESUME_HOLD_SECONDS = 30.0
# The writer works much faster than the limits of a real owner allow.
UNLIMITED = "100000/10"


@contextmanager
def two_servers(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """Two independent `manage.py serve --workers 1` over this test's database and Redis, with
    one secret (each would otherwise refuse the other's tokens) and no rate limit in the way.
    They start side by side: on a loaded machine, starting is most of such a test's time."""
    secret_key = secrets.token_urlsafe(50)
    servers = [
        running_server(
            tmp_path,
            database_url=server_database_url(),
            redis_url=server_redis_url(),
            SECRET_KEY=secret_key,
            RATE_LIMIT_REGISTER_IP=UNLIMITED,
            RATE_LIMIT_PLAYDATE_INVITE=UNLIMITED,
            RATE_LIMIT_CHAT_MESSAGE=UNLIMITED,
        )
        for _ in range(2)
    ]
    with ExitStack() as stack:
        with ThreadPoolExecutor(max_workers=len(servers)) as pool:
            starting = [pool.submit(server.__enter__) for server in servers]
        for server, started in zip(servers, starting, strict=True):
            if started.exception() is None:
                stack.push(server.__exit__)  # stopped on the way out, even if the other failed
        first, second = (started.result() for started in starting)
        yield first, second


def invitation_body(inviter: Owner, invitee: Owner, number: int) -> dict[str, Any]:
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1, minutes=number)
    return {"from_pet": inviter.pet_id, "to_pet": invitee.pet_id, "date_time": when.isoformat()}


def invite(server: Server, inviter: Owner, invitee: Owner, number: int = 0) -> int:
    with server.client() as http:
        response = http.post(
            "/api/v1/playdates/",
            json=invitation_body(inviter, invitee, number),
            headers=inviter.headers,
        )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def logged(owner: Owner) -> list[tuple[int, str, Any]]:
    """The owner's durable events as the log holds them: (seq, type, data), in seq order."""
    return [
        (event.seq, event.kind, event.data)
        for event in Event.objects.filter(user_id=owner.id).order_by("seq")
    ]


def last_seq(owner: Owner) -> int:
    cursor = EventCursor.objects.filter(user_id=owner.id).first()
    return 0 if cursor is None else cursor.last_seq


def wait_until(reached: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not reached():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f}s: {what}")
        time.sleep(0.05)


class Device(threading.Thread):
    """One client of `owner`: a socket on `server`, then on `fallback` each time one ends.

    `resume`, when given, holds the move to `fallback` until it is set (the test looks at the
    world without this device meanwhile)."""

    def __init__(
        self,
        owner: Owner,
        server: Server,
        *,
        fallback: Server,
        resume: threading.Event | None = None,
    ) -> None:
        super().__init__(name=f"device of {owner.name}", daemon=True)
        self.owner, self.server, self.fallback, self.resume = owner, server, fallback, resume
        self.durable: list[tuple[int, str, Any]] = []  # (seq, type, data) of each frame, in order
        self.presence: list[tuple[int, bool]] = []  # (user id, online) of each presence frame
        self.hellos: list[str] = []  # the URL of the server of each socket, once it said hello
        self.close_codes: list[int | None] = []  # of each socket that ended; None: no close frame
        self.problems: list[str] = []  # anything a client of the contract would not expect
        self.greeted = threading.Event()  # set by the first hello
        self.stopping = threading.Event()

    @property
    def last_seq(self) -> int:
        return self.durable[-1][0] if self.durable else 0

    def stop(self) -> None:
        self.stopping.set()
        self.join(OPEN_TIMEOUT_SECONDS + HTTP_TIMEOUT_SECONDS)
        assert not self.is_alive(), f"{self.name} did not stop"

    def run(self) -> None:
        server = self.server
        while not self.stopping.is_set():
            ticket = self.ticket(server)
            if ticket is not None:
                self.listen(server, ticket)
            if self.stopping.is_set():
                return
            if server is not self.fallback and self.resume is not None:
                self.resume.wait(RESUME_HOLD_SECONDS)
            server = self.fallback

    def ticket(self, server: Server) -> str | None:
        try:
            with server.client() as http:
                response = http.post("/api/v1/realtime/ticket", headers=self.owner.headers)
        except httpx.HTTPError as error:
            self.problems.append(f"ticket from {server.url}: {error!r}")
            time.sleep(POLL_SECONDS)
            return None
        if response.status_code != 200:
            self.problems.append(f"ticket from {server.url}: {response.status_code}")
            time.sleep(POLL_SECONDS)
            return None
        return str(response.json()["ticket"])

    def listen(self, server: Server, ticket: str) -> None:
        url = f"ws://{urlsplit(server.url).netloc}/ws/?ticket={ticket}&since={self.last_seq}"
        try:
            with connect(
                url,
                origin=Origin(server.url),
                open_timeout=OPEN_TIMEOUT_SECONDS,
                close_timeout=POLL_SECONDS,
                ping_interval=None,  # as a browser: the server's heartbeat is what counts
                proxy=None,
            ) as socket:
                try:
                    while not self.stopping.is_set():
                        try:
                            raw = socket.recv(timeout=POLL_SECONDS)
                        except TimeoutError:
                            continue
                        self.keep(server, json.loads(raw))
                except ConnectionClosed as closed:
                    self.close_codes.append(None if closed.rcvd is None else closed.rcvd.code)
        except (OSError, TimeoutError, InvalidHandshake) as error:
            self.problems.append(f"socket on {server.url}: {error!r}")
            time.sleep(POLL_SECONDS)

    def keep(self, server: Server, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "hello":
            if frame["data"]["user_id"] != self.owner.id:
                self.problems.append(f"hello of someone else: {frame}")
            self.hellos.append(server.url)
            self.greeted.set()
        elif "seq" in frame:
            self.durable.append((frame["seq"], frame["type"], frame["data"]))
        elif kind == "presence":
            self.presence.append((frame["data"]["user_id"], frame["data"]["online"]))
        else:
            self.problems.append(f"unexpected frame: {frame}")


class Writer(threading.Thread):
    """Through `server`, over and over: an invitation between the next two owners, then a chat
    message from the invitee on it. Each change is an event for both of them."""

    def __init__(self, server: Server, owners: list[Owner]) -> None:
        super().__init__(name="writer", daemon=True)
        self.server, self.owners = server, owners
        self.writes = 0  # successful ones
        self.failures: list[str] = []
        self.stopping = threading.Event()

    def stop(self) -> None:
        self.stopping.set()
        self.join(HTTP_TIMEOUT_SECONDS * 2)
        assert not self.is_alive(), "the writer did not stop"

    def run(self) -> None:
        pairs = [(a, b) for a in self.owners for b in self.owners if a != b]
        with self.server.client() as http:
            number = 0
            while not self.stopping.is_set():
                inviter, invitee = pairs[number % len(pairs)]
                number += 1
                invited = self.post(
                    http,
                    inviter,
                    "/api/v1/playdates/",
                    invitation_body(inviter, invitee, number),
                )
                if invited is not None:
                    self.post(
                        http,
                        invitee,
                        f"/api/v1/playdates/{invited['id']}/messages",
                        {"body": f"See you then! ({number})"},
                    )

    def post(
        self, http: httpx.Client, owner: Owner, path: str, body: dict[str, Any]
    ) -> dict[str, Any] | None:
        try:
            response = http.post(path, json=body, headers=owner.headers)
        except httpx.HTTPError as error:
            self.failures.append(f"POST {path}: {error!r}")
            return None
        if response.status_code != 201:
            self.failures.append(f"POST {path}: {response.status_code} {response.text}")
            return None
        self.writes += 1
        answer: dict[str, Any] = response.json()
        return answer
