"""/metrics: Prometheus text aggregated over every worker, for the monitoring system only."""

from __future__ import annotations

import json
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from django.test import Client
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families
from pytest_django.fixtures import Settings as SettingsWrapper

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
