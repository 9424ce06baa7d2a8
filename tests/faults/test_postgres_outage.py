"""PostgreSQL restarting under a running server (CONTRACT.md: errors, health, Real-time).

A real server (`manage.py serve`) on a PostgreSQL cluster of its own (`running_postgres`), which
the tests stop and start again on the same port and data, as a restart or a failover does.
While it is down, REST answers 503 `unavailable` in the contract's shape within seconds (never
a 500, no traceback), /readyz names the database, and sockets close with 1012 (their heartbeat
finds the database gone) or stay open. Once it is back, without restarting daphne, requests
succeed again within seconds (one that meets a pooled connection the restart broke is answered
503 too, and that connection is replaced), and every socket, or its resumption with `since`,
gets every event of its owner's log once, in order. Clients behave as the contract tells them
to: they retry a 503, and resume a socket closed with 1012.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

from config.errors import Unavailable
from tests.factories import PASSWORD
from tests.owners import Owner, pet_body, sign_up, socket_of
from tests.server import (
    Postgres,
    Server,
    create_database,
    manage,
    running_postgres,
    running_server,
    server_redis_url,
)

MIGRATED = "pawdate_migrated"
HTTP_THREADS = 4
# The promises: during an outage a request is answered within the pool's wait for a connection
# (config/settings.py), and requests succeed again this soon after PostgreSQL is back.
ANSWER_SECONDS = 5.0
RECOVERY_SECONDS = 5.0
# Slack for a loaded 2-core machine, on top of what the server promises.
SLACK_SECONDS = 3.0
# The liveness probe is sent once the outage's requests hold every HTTP thread.
LIVENESS_DELAY_SECONDS = 1.0
# The gateway's heartbeat (realtime.hub: 15 s ± 25 %), then its database check's wait.
HEARTBEAT_CLOSE_SECONDS = 15 * 1.25 + ANSWER_SECONDS + SLACK_SECONDS
RECEIVE_TIMEOUT_SECONDS = 5.0
SILENCE_SECONDS = 0.5
UNAVAILABLE = {"error": {"code": "unavailable", "message": Unavailable.default_message}}
CLOSE_RECONNECT = 1012


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: dict[str, Any] | None = None

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Answer:
    call: Call
    status: int
    body: Any
    headers: httpx.Headers
    seconds: float  # how long it took
    at: float  # when it came (monotonic)


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Postgres]:
    """One private cluster per xdist worker, holding a migrated database each test copies."""
    with running_postgres(tmp_path_factory.mktemp("postgres")) as postgres:
        create_database(postgres, MIGRATED)
        migrated = manage(
            "migrate",
            "--no-input",
            "--skip-checks",
            var_dir=tmp_path_factory.mktemp("migrate"),
            database_url=postgres.database_url(MIGRATED),
            redis_url="",
        )
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        yield postgres


@pytest.fixture
def database_url(postgres: Postgres) -> Iterator[str]:
    """A fresh migrated database of this test's own; the cluster runs again afterwards,
    whatever the test did to it."""
    yield create_database(postgres, f"pawdate_{secrets.token_hex(4)}", template=MIGRATED)
    if not postgres.running():
        postgres.start()


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[Server]:
    with running_server(
        tmp_path,
        database_url=database_url,
        redis_url=server_redis_url(),
        HTTP_THREADS=str(HTTP_THREADS),
    ) as server:
        yield server


def request(server: Server, owner: Owner, call: Call) -> Answer:
    started = time.monotonic()
    with server.client() as http:
        response = http.request(call.method, call.path, json=call.body, headers=owner.headers)
    try:
        body = response.json()
    except ValueError:
        body = response.text
    answered = time.monotonic()
    return Answer(call, response.status_code, body, response.headers, answered - started, answered)


def succeed(server: Server, owner: Owner, call: Call) -> Any:
    answer = request(server, owner, call)
    assert answer.status in {200, 201, 204}, f"{call}: {answer.status} {answer.body}"
    return answer.body


def concurrently(server: Server, owner: Owner, calls: list[Call]) -> list[Answer]:
    """The calls at once, as many at a time as the server has HTTP threads (none waits for a
    thread, so each one's time is the server's)."""
    with ThreadPoolExecutor(max_workers=HTTP_THREADS) as pool:
        return list(pool.map(lambda call: request(server, owner, call), calls))


def probed_after(server: Server, owner: Owner, delay: float) -> Answer:
    """GET /healthz once `delay` seconds have passed (the server's HTTP threads busy by then)."""
    time.sleep(delay)
    return request(server, owner, Call("GET", "/healthz"))


def invitation(inviter: Owner, invitee: Owner, *, days_ahead: int) -> Call:
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days_ahead)
    return Call(
        "POST",
        "/api/v1/playdates/",
        {"from_pet": inviter.pet_id, "to_pet": invitee.pet_id, "date_time": when.isoformat()},
    )


def message(playdate_id: int, body: str) -> Call:
    return Call("POST", f"/api/v1/playdates/{playdate_id}/messages", {"body": body})


def accepted_playdate(server: Server, inviter: Owner, invitee: Owner) -> int:
    playdate_id = int(succeed(server, inviter, invitation(inviter, invitee, days_ahead=2))["id"])
    succeed(server, invitee, Call("POST", f"/api/v1/playdates/{playdate_id}/accept"))
    return playdate_id


def calls_of_an_owner(owner: Owner, other: Owner, playdate_id: int, *, turn: int) -> list[Call]:
    """Reads and writes of several endpoints, as `owner`; `turn` keeps each turn's writes
    apart (names, times)."""
    return [
        Call("GET", "/api/v1/me"),
        Call("POST", "/api/v1/auth/token", {"email": owner.email, "password": PASSWORD}),
        Call("GET", "/api/v1/pets/"),
        Call("POST", "/api/v1/pets/", pet_body(f"Pup {turn}")),
        Call("GET", "/api/v1/playdates/"),
        invitation(owner, other, days_ahead=10 + turn),
        Call("GET", f"/api/v1/playdates/{playdate_id}/messages"),
        message(playdate_id, f"See you there ({turn})"),
        Call("POST", "/api/v1/realtime/ticket"),
    ]


def fill_the_pool(server: Server, owner: Owner) -> None:
    """Requests on every HTTP thread at once, so the pool keeps several connections: the ones a
    restart breaks under it."""
    answers = concurrently(server, owner, [Call("GET", "/api/v1/me")] * (HTTP_THREADS * 8))
    assert {answer.status for answer in answers} == {200}


def retried(server: Server, owner: Owner, call: Call, *, seconds: float = RECOVERY_SECONDS) -> Any:
    """`call` again and again until it succeeds (only 503 `unavailable` may come before), as a
    client does with a 503."""
    deadline = time.monotonic() + seconds
    while True:
        answer = request(server, owner, call)
        if answer.status in {200, 201}:
            return answer.body
        assert (answer.status, answer.body) == (503, UNAVAILABLE), f"{call}: {answer}"
        assert time.monotonic() < deadline, f"{call} still fails after {seconds} s: {answer}"
        time.sleep(0.1)


def assert_no_api_error_but_unavailable(server: Server) -> None:
    """No API request failed otherwise than 503 (the request log's lines), and none logged an
    unhandled error (config/errors.py)."""
    output = server.output()
    statuses = re.findall(r" (?:GET|POST|PATCH|PUT|DELETE) /\S* (\d{3}) ", output)
    assert statuses, output
    assert {status for status in statuses if status.startswith("5")} <= {"503"}, output
    assert "error in API view" not in output, output


def rounds_until_one_succeeds(
    server: Server, owner: Owner, other: Owner, playdate_id: int
) -> list[Answer]:
    """Rounds of `calls_of_an_owner`, one call after the other, until a whole round succeeds;
    returns the failures, each of which must be 503 `unavailable`."""
    failures: list[Answer] = []
    for turn in range(1, 20):
        failed = [
            answer
            for call in calls_of_an_owner(owner, other, playdate_id, turn=turn)
            if (answer := request(server, owner, call)).status not in {200, 201}
        ]
        assert [(answer.status, answer.body) for answer in failed] == [
            (503, UNAVAILABLE) for _ in failed
        ], failed
        if not failed:
            return failures
        failures += failed
    raise AssertionError(f"no round succeeded: {failures}")


def logged_events(database_url: str, owner: Owner) -> list[tuple[str, int]]:
    """The owner's durable events, as the log holds them: (kind, seq) in `seq` order."""
    with psycopg.connect(database_url) as database:
        rows = database.execute(
            "SELECT kind, seq FROM realtime_event WHERE user_id = %s ORDER BY seq", [owner.id]
        ).fetchall()
    return [(str(kind), int(seq)) for kind, seq in rows]


def receive(socket: ClientConnection, timeout: float = RECEIVE_TIMEOUT_SECONDS) -> Any:
    return json.loads(socket.recv(timeout=timeout))


def durable(frames: list[Any]) -> list[tuple[str, int]]:
    return [(frame["type"], frame["seq"]) for frame in frames]


def assert_silent(socket: ClientConnection) -> None:
    with pytest.raises(TimeoutError):
        socket.recv(timeout=SILENCE_SECONDS)


def follow(
    server: Server,
    owner: Owner,
    socket: ClientConnection,
    sockets: ExitStack,
    *,
    seq: int,
    until: int,
) -> tuple[list[tuple[str, int]], list[int | None], ClientConnection]:
    """The owner's client, as the contract tells one to behave: receives durable events up to
    seq `until`, and when its socket closes, resumes on a new one with `since=<last seq
    received>`. Returns the events received, the close codes met and the socket it ends on."""
    received: list[tuple[str, int]] = []
    closes: list[int | None] = []
    while seq < until:
        try:
            frame = receive(socket)
        except ConnectionClosed as closed:
            closes.append(closed.rcvd.code if closed.rcvd else None)
            ticket = retried(server, owner, Call("POST", "/api/v1/realtime/ticket"))["ticket"]
            socket = sockets.enter_context(socket_of(server, owner, ticket=ticket, since=seq))
            assert receive(socket)["type"] == "hello"
            continue
        assert "seq" in frame, frame
        received.append((frame["type"], frame["seq"]))
        seq = frame["seq"]
    return received, closes, socket


def test_rest_answers_503_unavailable_while_postgresql_is_down_and_works_once_it_is_back(
    postgres: Postgres, server: Server
) -> None:
    # given: two owners with an accepted playdate, and connections in the server's pool
    alice, bob = sign_up(server, "alice"), sign_up(server, "bob")
    playdate_id = accepted_playdate(server, alice, bob)
    fill_the_pool(server, alice)
    during = calls_of_an_owner(alice, bob, playdate_id, turn=1)

    # when: PostgreSQL goes down, and requests keep coming (taking every HTTP thread)
    postgres.stop()
    try:
        with ThreadPoolExecutor(max_workers=1) as prober:
            liveness = prober.submit(probed_after, server, alice, LIVENESS_DELAY_SECONDS)
            answers = concurrently(server, alice, [*during, Call("GET", "/readyz")])
    finally:
        postgres.start()
    back_at = time.monotonic()

    # then: every API request was answered 503 in the contract's shape, without waiting long
    *rest, readyz = answers
    assert [(str(answer.call), answer.status, answer.body) for answer in rest] == [
        (str(call), 503, UNAVAILABLE) for call in during
    ]
    assert {answer.headers["Retry-After"] for answer in answers} == {"5"}
    assert max(answer.seconds for answer in rest) < ANSWER_SECONDS + SLACK_SECONDS
    # and: the readiness probe named the database
    assert readyz.status == 503
    assert readyz.body == {
        "error": {"code": "unavailable", "message": "Not ready: database unavailable."},
        "checks": {"database": readyz.body["checks"]["database"], "channel_layer": "ok"},
    }
    assert readyz.body["checks"]["database"] in {"timeout", "error: OperationalError"}
    # and: the liveness probe answered at once meanwhile (a process waiting is not dead)
    alive = liveness.result()
    assert (alive.status, alive.body) == (200, {"status": "ok"})
    assert alive.seconds < SLACK_SECONDS

    # when: PostgreSQL is back; then: a write succeeds within seconds, daphne never restarted
    retried(server, alice, Call("POST", "/api/v1/pets/", pet_body("Back")))
    assert time.monotonic() - back_at < RECOVERY_SECONDS + SLACK_SECONDS
    # and: from then on every request succeeds, the readiness probe too
    for call in calls_of_an_owner(alice, bob, playdate_id, turn=2):
        succeed(server, alice, call)
    assert request(server, alice, Call("GET", "/readyz")).status == 200
    assert server.process.poll() is None
    # and: the server logged no unhandled error for any of it
    assert "Traceback" not in server.output()
    assert_no_api_error_but_unavailable(server)


def test_after_a_quick_restart_requests_succeed_within_seconds_and_sockets_lose_nothing(
    postgres: Postgres, server: Server, database_url: str
) -> None:
    # given: Bob's socket, open and up to date, and connections in the server's pool
    alice, bob = sign_up(server, "alice"), sign_up(server, "bob")
    playdate_id = accepted_playdate(server, alice, bob)
    with ExitStack() as sockets:
        bob_socket = sockets.enter_context(socket_of(server, bob, since=0))
        assert receive(bob_socket) == {"type": "hello", "data": {"user_id": bob.id, "last_seq": 2}}
        assert durable([receive(bob_socket), receive(bob_socket)]) == [
            ("playdate.invited", 1),
            ("playdate.updated", 2),
        ]
        fill_the_pool(server, alice)

        # when: PostgreSQL restarts while nobody asks anything
        postgres.stop()
        postgres.start()
        back_at = time.monotonic()

        # then: a request that met a pooled connection the restart broke was answered 503
        # `unavailable` (checked inside), none of them later than seconds after the restart,
        # and then a whole round of reads and writes succeeds
        failures = rounds_until_one_succeeds(server, alice, bob, playdate_id)
        assert [failure for failure in failures if failure.at - back_at > RECOVERY_SECONDS] == []
        # and: Bob's socket got the invitations and messages, each once, in order, live or
        # (if a broken connection closed it with 1012) on its resumption with `since`
        log = logged_events(database_url, bob)
        assert {kind for kind, _ in log[2:]} == {"playdate.invited", "chat.message"}
        received, closes, bob_socket = follow(
            server, bob, bob_socket, sockets, seq=2, until=log[-1][1]
        )
        assert received == log[2:]
        assert set(closes) <= {CLOSE_RECONNECT}
        assert_silent(bob_socket)
    assert server.process.poll() is None
    assert_no_api_error_but_unavailable(server)


def test_sockets_close_with_1012_during_an_outage_and_resume_without_loss_or_duplicate(
    postgres: Postgres, server: Server, database_url: str
) -> None:
    # given: Bob's socket, open and up to date, and a ticket he took for another one
    alice, bob = sign_up(server, "alice"), sign_up(server, "bob")
    playdate_id = accepted_playdate(server, alice, bob)
    ticket = succeed(server, bob, Call("POST", "/api/v1/realtime/ticket"))["ticket"]
    with socket_of(server, bob, since=0) as bob_socket:
        assert receive(bob_socket)["data"] == {"user_id": bob.id, "last_seq": 2}
        assert durable([receive(bob_socket), receive(bob_socket)]) == [
            ("playdate.invited", 1),
            ("playdate.updated", 2),
        ]

        # when: PostgreSQL goes down
        postgres.stop()
        try:
            # then: a socket opening now is closed at once with 1012, to try again
            with (
                socket_of(server, bob, ticket=ticket) as opening,
                pytest.raises(ConnectionClosed) as refused,
            ):
                receive(opening, timeout=ANSWER_SECONDS + SLACK_SECONDS)
            assert refused.value.rcvd is not None
            assert refused.value.rcvd.code == CLOSE_RECONNECT
            # and: the open socket is closed with 1012 by its heartbeat, with nothing sent
            with pytest.raises(ConnectionClosed) as closed:
                receive(bob_socket, timeout=HEARTBEAT_CLOSE_SECONDS)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == CLOSE_RECONNECT
            # and: no ticket to come back with, for now
            ticket_answer = request(server, bob, Call("POST", "/api/v1/realtime/ticket"))
            assert (ticket_answer.status, ticket_answer.body) == (503, UNAVAILABLE)
        finally:
            postgres.start()

    # when: PostgreSQL is back, Alice writes, and Bob resumes from the last seq he had
    retried(server, alice, message(playdate_id, "Are we still on?"))
    retried(server, alice, message(playdate_id, "Bring the ball"))
    ticket = retried(server, bob, Call("POST", "/api/v1/realtime/ticket"))["ticket"]
    with socket_of(server, bob, ticket=ticket, since=2) as resumed:
        # then: he gets every event after seq 2, once, in order, then the live ones
        assert receive(resumed)["data"] == {"user_id": bob.id, "last_seq": 4}
        replayed = durable([receive(resumed), receive(resumed)])
        retried(server, alice, Call("POST", f"/api/v1/playdates/{playdate_id}/cancel"))
        live = durable([receive(resumed)])
        assert_silent(resumed)
    assert replayed + live == logged_events(database_url, bob)[2:]
    assert replayed + live == [("chat.message", 3), ("chat.message", 4), ("playdate.updated", 5)]
