"""Liveness and readiness probes against real server processes, PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from channels.layers import get_channel_layer
from django.test import Client

from config.health import CHECK_TIMEOUT_SECONDS
from tests.server import (
    Server,
    closed_port_url,
    running_server,
    server_database_url,
    server_redis_url,
)

# A probe that waits much longer than its own timeout is as bad as no probe.
PROBE_DEADLINE_SECONDS = CHECK_TIMEOUT_SECONDS + 2


@pytest.fixture(scope="module")
def healthy_server(
    tmp_path_factory: pytest.TempPathFactory, django_db_setup: None
) -> Iterator[Server]:
    with running_server(
        tmp_path_factory.mktemp("readiness"),
        database_url=server_database_url(),
        redis_url=server_redis_url(),
        workers=2,
    ) as server:
        yield server


def test_healthz_says_the_process_is_alive(healthy_server: Server) -> None:
    # when
    response = healthy_server.client().get("/healthz")

    # then
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_when_postgresql_and_redis_answer(healthy_server: Server) -> None:
    # when
    response = healthy_server.client().get("/readyz")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "channel_layer": "ok"},
    }


def test_readyz_names_the_database_when_postgresql_is_unreachable(tmp_path: Path) -> None:
    # given
    with running_server(
        tmp_path,
        database_url=closed_port_url("postgres", "/pawdate"),
        redis_url=server_redis_url(),
    ) as server:
        # when
        started = time.monotonic()
        response = server.client().get("/readyz")
        elapsed = time.monotonic() - started

    # then
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json() == {
        "error": {"code": "unavailable", "message": "Not ready: database unavailable."},
        "checks": {"database": "timeout", "channel_layer": "ok"},
    }
    assert elapsed < PROBE_DEADLINE_SECONDS


@pytest.mark.django_db(transaction=True)
def test_readyz_names_the_channel_layer_when_redis_is_unreachable(tmp_path: Path) -> None:
    # given
    with running_server(
        tmp_path,
        database_url=server_database_url(),
        redis_url=closed_port_url("redis", "/0"),
    ) as server:
        # when
        started = time.monotonic()
        response = server.client().get("/readyz")
        elapsed = time.monotonic() - started

    # then
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json() == {
        "error": {"code": "unavailable", "message": "Not ready: channel_layer unavailable."},
        "checks": {"database": "ok", "channel_layer": "error: ConnectionError"},
    }
    assert elapsed < PROBE_DEADLINE_SECONDS


@pytest.fixture
def consumer_receiving_in_another_loop() -> Iterator[None]:
    """A consumer waiting on the channel layer, as every open WebSocket does in daphne's loop."""
    layer = get_channel_layer()
    assert layer is not None
    receiving: list[asyncio.Task[object]] = []
    loop_ready = threading.Event()
    loops: list[asyncio.AbstractEventLoop] = []

    async def listen() -> None:
        channel = await layer.new_channel("consumer.")
        receiving.append(asyncio.ensure_future(layer.receive(channel)))
        loops.append(asyncio.get_running_loop())
        await asyncio.sleep(0)  # receive() is now waiting
        loop_ready.set()
        with contextlib.suppress(asyncio.CancelledError):
            await receiving[0]

    listener = threading.Thread(target=asyncio.run, args=(listen(),))
    listener.start()
    assert loop_ready.wait(5)
    yield
    loops[0].call_soon_threadsafe(receiving[0].cancel)
    listener.join(5)
    assert not listener.is_alive()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("consumer_receiving_in_another_loop")
def test_readyz_stays_ready_while_consumers_are_receiving(client: Client) -> None:
    # when
    response = client.get("/readyz")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "channel_layer": "ok"},
    }
