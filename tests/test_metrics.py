"""/metrics: Prometheus text aggregated over every worker, for the monitoring system only, and
what each metric counts (requests by route, sockets, events recorded and delivered, delivery
lag, replays, rate-limit refusals), each caused for real."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from channels.db import database_sync_to_async
from django.db import transaction
from django.test import Client
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families
from pytest_django.fixtures import Settings as SettingsWrapper
from websockets.sync.client import connect
from websockets.typing import Origin

from matching.tests.playdate_helpers import PLAYDATES_URL, in_days, iso, pet_for
from realtime import events
from realtime.models import Event
from realtime.tests.chat_helpers import messages_url, playdate_of
from realtime.tests.sockets import (
    closed_with,
    frames,
    log_without_doorbell,
    open_for,
    open_socket,
    record,
)
from tests.factories import PASSWORD
from tests.server import Server, running_server, server_database_url, server_redis_url

FORBIDDEN = {
    "error": {
        "code": "permission_denied",
        "message": "Metrics are only served to the monitoring system.",
    }
}


def requests_total(metrics_text: str, **labels: str) -> float:
    for family in text_string_to_metric_families(metrics_text):
        if family.name == "pawdate_http_requests":
            for sample in family.samples:
                if sample.name == "pawdate_http_requests_total" and sample.labels == labels:
                    return float(sample.value)
    raise AssertionError(f"no pawdate_http_requests_total{labels} in:\n{metrics_text}")


def workers_that_answered_me(server: Server) -> set[str]:
    """The workers that counted a /api/v1/me request: each has its own files in the metrics dir."""
    [metrics_dir] = server.var_dir.glob(f"prometheus-{server.process.pid}")
    answered = set()
    for path in metrics_dir.glob("counter_*.db"):
        for key, value, _timestamp, _position in MmapedDict.read_all_values_from_file(str(path)):
            if json.loads(key)[2].get("route") == "api/v1/me" and value > 0:
                answered.add(path.stem.removeprefix("counter_"))
    return answered


def unauthenticated_me(url: str) -> int:
    # A client per request: a new connection, which the kernel may give to either worker.
    with httpx.Client(base_url=url, timeout=15.0) as client:
        return client.get("/api/v1/me").status_code


@pytest.mark.django_db(transaction=True)
def test_metrics_count_requests_across_all_workers(tmp_path: Path) -> None:
    # given
    with running_server(
        tmp_path, database_url=server_database_url(), redis_url=server_redis_url(), workers=2
    ) as server:
        # when: bursts of concurrent requests until both workers have answered some
        statuses: list[int] = []
        deadline = time.monotonic() + 30
        with ThreadPoolExecutor(max_workers=20) as pool:
            while not statuses or (
                len(workers_that_answered_me(server)) < 2 and time.monotonic() < deadline
            ):
                statuses += pool.map(unauthenticated_me, [server.url] * 20)
        workers_answering = workers_that_answered_me(server)
        response = httpx.get(f"{server.url}/metrics")

    # then
    assert len(workers_answering) == 2
    assert set(statuses) == {401}
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CONTENT_TYPE_LATEST
    counted = requests_total(response.text, method="GET", route="api/v1/me", status="401")
    assert counted == len(statuses)


def test_metrics_are_served_to_loopback(client: Client) -> None:
    # given
    client.get("/healthz")

    # when
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPE_LATEST
    healthz_total = requests_total(
        response.content.decode(), method="GET", route="healthz", status="200"
    )
    assert healthz_total >= 1


def test_metrics_are_served_to_ipv6_loopback(client: Client) -> None:
    # when
    response = client.get("/metrics", REMOTE_ADDR="::1")

    # then
    assert response.status_code == 200


@pytest.mark.parametrize("remote_addr", ["203.0.113.9", "10.0.0.7", "2001:db8::1", "", "garbage"])
def test_metrics_are_refused_to_other_addresses(client: Client, remote_addr: str) -> None:
    # when
    response = client.get("/metrics", REMOTE_ADDR=remote_addr)

    # then
    assert response.status_code == 403
    assert response.json() == FORBIDDEN


def test_metrics_are_served_anywhere_with_the_token(
    client: Client, settings: SettingsWrapper
) -> None:
    # given
    settings.METRICS_TOKEN = secrets.token_urlsafe(32)

    # when
    response = client.get(
        "/metrics",
        REMOTE_ADDR="203.0.113.9",
        headers={"Authorization": f"Bearer {settings.METRICS_TOKEN}"},
    )

    # then
    assert response.status_code == 200
    assert b"pawdate_http_requests_total" in response.content


@pytest.mark.parametrize(
    "authorization", [None, "Bearer not-the-token", "Bearer ", "Basic dXNlcjpwYXNz"]
)
@pytest.mark.parametrize("remote_addr", ["203.0.113.9", "127.0.0.1"])
def test_with_a_token_configured_metrics_require_it_even_from_loopback(
    client: Client, settings: SettingsWrapper, authorization: str | None, remote_addr: str
) -> None:
    # given: behind a proxy on the same host every request comes from loopback
    settings.METRICS_TOKEN = secrets.token_urlsafe(32)
    headers = {} if authorization is None else {"Authorization": authorization}

    # when
    response = client.get("/metrics", REMOTE_ADDR=remote_addr, headers=headers)

    # then
    assert response.status_code == 403
    assert response.json() == FORBIDDEN


# --- What the metrics count, each caused for real -------------------------------------------------


def sample(name: str, **labels: str) -> float:
    """A sample of this process's registry (counters are per process: tests compare deltas)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def lag_count() -> float:
    return sample("pawdate_event_delivery_lag_seconds_count")


MESSAGES_ROUTE = "api/v1/playdates/<int:playdate_id>/messages"


@pytest.mark.django_db
def test_requests_are_labelled_by_their_route_never_their_path(owner, client_for):
    # given
    before = sample(
        "pawdate_http_request_duration_seconds_count", method="GET", route=MESSAGES_ROUTE
    )
    answered = sample(
        "pawdate_http_requests_total", method="GET", route=MESSAGES_ROUTE, status="404"
    )

    # when
    response = client_for(owner).get("/api/v1/playdates/987654/messages")

    # then
    assert response.status_code == 404
    assert (
        sample("pawdate_http_request_duration_seconds_count", method="GET", route=MESSAGES_ROUTE)
        == before + 1
    )
    assert (
        sample("pawdate_http_requests_total", method="GET", route=MESSAGES_ROUTE, status="404")
        == answered + 1
    )
    labels = {
        value
        for family in REGISTRY.collect()
        for metric_sample in family.samples
        for value in metric_sample.labels.values()
    }
    assert not any("987654" in value for value in labels)


def record_then_roll_back(user_id: int) -> None:
    with transaction.atomic():
        events.record(user_ids=[user_id], kind="playdate.updated", data={})
        raise RuntimeError("rolled back")


@pytest.mark.django_db(transaction=True)
def test_recorded_events_are_counted_by_kind_once_committed(owner, friend, client_for):
    # given
    mine, theirs = pet_for(owner), pet_for(friend)
    invited = sample("pawdate_events_recorded_total", kind="playdate.invited")
    updated = sample("pawdate_events_recorded_total", kind="playdate.updated")

    # when: an invitation through the API records playdate.invited for both owners
    response = client_for(owner).post(
        PLAYDATES_URL,
        {"from_pet": mine.pk, "to_pet": theirs.pk, "date_time": iso(in_days(2))},
        format="json",
    )
    # and a change that rolls back records nothing
    with pytest.raises(RuntimeError):
        record_then_roll_back(owner.pk)

    # then
    assert response.status_code == 201, response.json()
    assert Event.objects.filter(kind="playdate.invited").count() == 2
    assert sample("pawdate_events_recorded_total", kind="playdate.invited") == invited + 2
    assert sample("pawdate_events_recorded_total", kind="playdate.updated") == updated


@pytest.mark.django_db
def test_a_refused_request_counts_against_its_limit(owner, client_for, settings):
    # given: one feedback an hour (ratelimit.hit)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "feedback": (1, 3600)}
    before = sample("pawdate_rate_limited_total", limit="feedback")

    # when
    statuses = [
        client_for(owner).post("/api/v1/feedback", {"message": "Hi"}, format="json").status_code
        for _ in range(3)
    ]

    # then
    assert statuses == [201, 429, 429]
    assert sample("pawdate_rate_limited_total", limit="feedback") == before + 2


@pytest.mark.django_db
def test_refused_chat_messages_count_against_the_chat_limit(owner, friend, client_for, settings):
    # given: two messages an hour (ratelimit.hit_many, the batch path REST shares)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "chat_message": (2, 3600)}
    playdate = playdate_of(owner, friend)
    before = sample("pawdate_rate_limited_total", limit="chat_message")

    # when
    statuses = [
        client_for(owner)
        .post(messages_url(playdate.pk), {"body": f"Hello {n}"}, format="json")
        .status_code
        for n in range(3)
    ]

    # then
    assert statuses == [201, 201, 429]
    assert sample("pawdate_rate_limited_total", limit="chat_message") == before + 1


@pytest.mark.django_db(transaction=True)
async def test_an_open_socket_counts_from_its_hello_until_the_client_closes_it(owner):
    # given
    before = sample("pawdate_websockets_open")

    # when
    socket, _ = await open_for(owner)
    while_open = sample("pawdate_websockets_open")
    await socket.disconnect()

    # then
    assert while_open == before + 1
    assert sample("pawdate_websockets_open") == before


@pytest.mark.django_db(transaction=True)
async def test_a_socket_the_server_closes_stops_counting_exactly_once(owner):
    # given
    before = sample("pawdate_websockets_open")
    flooding = sample("pawdate_rate_limited_total", limit="websocket_frames")
    socket, _ = await open_for(owner)
    other, session = await open_for(owner)

    # when: one floods (closed 4429), the other's session ends (closed 4401)
    for n in range(100):
        await socket.send_json_to({"type": "ping", "ref": str(n)})
    flooded = await closed_with(socket)
    await database_sync_to_async(
        lambda: session.api().post(
            "/api/v1/auth/logout", {"refresh": session.refresh}, format="json"
        )
    )()
    ended = await closed_with(other)

    # then
    assert (flooded, ended) == (4429, 4401)
    assert sample("pawdate_websockets_open") == before
    assert sample("pawdate_rate_limited_total", limit="websocket_frames") == flooding + 1


@pytest.mark.django_db(transaction=True)
async def test_a_socket_refused_before_its_hello_never_counts(owner):
    # given
    before = sample("pawdate_websockets_open")

    # when
    socket = await open_socket("no-such-ticket")
    code = await closed_with(socket)

    # then
    assert code == 4401
    assert sample("pawdate_websockets_open") == before


def _record_together(user_id: int, count: int) -> None:
    with transaction.atomic():
        events.record_many([(user_id, "playdate.updated", {"n": n}) for n in range(count)])


@pytest.mark.django_db(transaction=True)
async def test_frames_a_doorbell_brings_count_as_delivered_with_one_lag_per_batch(owner):
    # given
    socket, _ = await open_for(owner)
    delivered, lags = sample("pawdate_events_delivered_total"), lag_count()
    lag_sum = sample("pawdate_event_delivery_lag_seconds_sum")
    within_10s = sample("pawdate_event_delivery_lag_seconds_bucket", le="10.0")

    # when: three events in one change: one doorbell carrying three frames
    await database_sync_to_async(_record_together)(owner.pk, 3)
    received = await frames(socket, 3)
    await socket.disconnect()

    # then
    assert [frame["seq"] for frame in received] == [1, 2, 3]
    assert sample("pawdate_events_delivered_total") == delivered + 3
    assert lag_count() == lags + 1
    assert 0 <= sample("pawdate_event_delivery_lag_seconds_sum") - lag_sum < 5
    assert sample("pawdate_event_delivery_lag_seconds_bucket", le="10.0") == within_10s + 1


@pytest.mark.django_db(transaction=True)
async def test_live_events_read_from_the_log_count_as_delivered_with_their_lag(owner):
    # given: two events whose doorbell carries no frame (the socket reads its log)
    socket, _ = await open_for(owner)
    delivered, lags = sample("pawdate_events_delivered_total"), lag_count()
    await log_without_doorbell(owner, 2)

    # when
    await database_sync_to_async(events.announce_many)({owner.pk: 2})
    received = await frames(socket, 2)
    await socket.disconnect()

    # then
    assert [frame["seq"] for frame in received] == [1, 2]
    assert sample("pawdate_events_delivered_total") == delivered + 2
    assert lag_count() == lags + 1


@pytest.mark.django_db(transaction=True)
async def test_a_resume_counts_one_replay_and_its_events_but_no_lag(owner):
    # given: five events, of which the client has seen two
    await record(owner, 5)
    replays, replayed = (
        sample("pawdate_websocket_replays_total"),
        sample("pawdate_events_replayed_total"),
    )
    delivered, lags = sample("pawdate_events_delivered_total"), lag_count()

    # when: it resumes, then one live event follows
    socket, _ = await open_for(owner, since=2)
    assert [frame["seq"] for frame in await frames(socket, 3)] == [3, 4, 5]
    await record(owner, 1)
    assert [frame["seq"] for frame in await frames(socket, 1)] == [6]
    await socket.disconnect()
    # and a socket that is up to date has nothing to replay
    up_to_date, _ = await open_for(owner, since=6)
    await up_to_date.disconnect()

    # then
    assert sample("pawdate_websocket_replays_total") == replays + 1
    assert sample("pawdate_events_replayed_total") == replayed + 3
    assert sample("pawdate_events_delivered_total") == delivered + 4
    assert lag_count() == lags + 1


@pytest.mark.django_db(transaction=True)
def test_open_sockets_are_summed_over_the_workers_of_a_server(tmp_path: Path) -> None:
    # given
    with (
        running_server(
            tmp_path, database_url=server_database_url(), redis_url=server_redis_url(), workers=2
        ) as server,
        server.client() as http,
    ):
        registered = http.post(
            "/api/v1/auth/register",
            json={"email": "ws@example.com", "username": "ws", "password": PASSWORD},
        )
        assert registered.status_code == 201, registered.text
        headers = {"Authorization": f"Bearer {registered.json()['access']}"}
        tickets = [
            http.post("/api/v1/realtime/ticket", headers=headers).json()["ticket"] for _ in range(3)
        ]
        host = server.url.removeprefix("http://")

        # when: three sockets, then none
        with ExitStack() as sockets:
            for ticket in tickets:
                socket = sockets.enter_context(
                    connect(f"ws://{host}/ws/?ticket={ticket}", origin=Origin(server.url))
                )
                assert json.loads(socket.recv(timeout=5))["type"] == "hello"
            while_open = open_sockets(http)
        after = wait_for(lambda: open_sockets(http), 0.0)

    # then
    assert while_open == 3
    assert after == 0


def open_sockets(http: httpx.Client) -> float:
    for family in text_string_to_metric_families(http.get("/metrics").text):
        if family.name == "pawdate_websockets_open":
            return float(sum(sample.value for sample in family.samples))
    raise AssertionError("no pawdate_websockets_open in /metrics")


def wait_for(read: Callable[[], float], expected: float, timeout: float = 5.0) -> float:
    """`read()` once it gives `expected` (a closed socket's worker hears of it a moment later),
    or its last value after `timeout`."""
    deadline = time.monotonic() + timeout
    while (value := read()) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return value
