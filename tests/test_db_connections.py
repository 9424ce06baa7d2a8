"""PostgreSQL connections stay bounded by the pools under load (CONN_MAX_AGE stays 0)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from django.conf import settings

from accounts.models import User
from tests.server import running_server, server_database_url, server_redis_url

WORKERS = 2
HTTP_THREADS = 4
# Fewer pooled connections than threads: threads wait for a connection instead of opening more.
DB_POOL_MAX_SIZE = 3
CONCURRENT_REQUESTS = 200


class ConnectionSampler:
    """Counts the server connections to one database, over and over, from its own connection."""

    def __init__(self, database_url: str, database_name: str) -> None:
        self.database_url = database_url
        self.database_name = database_name
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as connection:
            while not self._stop.is_set():
                row = connection.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()",
                    [self.database_name],
                ).fetchone()
                assert row is not None
                self.samples.append(int(row[0]))
                self._stop.wait(0.005)

    def wait_for_samples(self, count: int) -> list[int]:
        """The next `count` samples, once taken."""
        start = len(self.samples)
        while len(self.samples) < start + count:
            self._stop.wait(0.005)
        return self.samples[start : start + count]

    def __enter__(self) -> ConnectionSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(5)


@pytest.fixture
def sampler() -> Iterator[ConnectionSampler]:
    with ConnectionSampler(server_database_url(), settings.DATABASES["default"]["NAME"]) as sampler:
        yield sampler


async def get_me_concurrently(url: str, access: str) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=CONCURRENT_REQUESTS)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30.0) as client:
        headers = {"Authorization": f"Bearer {access}"}
        return list(
            await asyncio.gather(
                *(client.get("/api/v1/me", headers=headers) for _ in range(CONCURRENT_REQUESTS))
            )
        )


def test_settings_never_keep_connections_per_thread() -> None:
    database = settings.DATABASES["default"]
    assert database["CONN_MAX_AGE"] == 0
    assert database["OPTIONS"]["pool"]["max_size"] == settings.DB_POOL_MAX_SIZE


@pytest.mark.django_db(transaction=True)
def test_connections_stay_within_the_pools_under_load(
    tmp_path: Path,
    owner: User,
    tokens_for: Callable[..., dict[str, str]],
    sampler: ConnectionSampler,
) -> None:
    # given: the connections this test process holds (it created the owner) before any server
    access = tokens_for(owner)["access"]
    own_connections = max(sampler.wait_for_samples(10))
    limit = WORKERS * DB_POOL_MAX_SIZE + own_connections
    with running_server(
        tmp_path,
        database_url=server_database_url(),
        redis_url=server_redis_url(),
        workers=WORKERS,
        HTTP_THREADS=str(HTTP_THREADS),
        DB_POOL_MAX_SIZE=str(DB_POOL_MAX_SIZE),
        JWT_SIGNING_KEY=settings.JWT_SIGNING_KEY,  # it accepts the tokens this process made
    ) as server:
        # when
        during_load_from = len(sampler.samples)
        responses = asyncio.run(get_me_concurrently(server.url, access))
        after_load_from = len(sampler.samples)
        sampler.wait_for_samples(20)

    # then
    assert [response.status_code for response in responses] == [200] * CONCURRENT_REQUESTS
    assert {response.json()["id"] for response in responses} == {owner.pk}
    during, after = (
        sampler.samples[during_load_from:after_load_from],
        sampler.samples[after_load_from:],
    )
    assert during, "no sample was taken during the load"
    assert max(during) > own_connections, f"no server connection was seen: {during}"
    assert max(during) <= limit, f"peak {max(during)} over {limit}: {during}"
    assert max(after) <= limit, f"after the load {max(after)} over {limit}: {after}"
