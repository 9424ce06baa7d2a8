"""The request log of a real server: one line per request, request ids, JSON, nothing secret."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from tests.server import Server, running_server, server_database_url, server_redis_url

GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")
# The serve command's own announcements are printed, not logged.
SERVE_ANNOUNCEMENT = re.compile(r"^(Pawdate is serving on |Pawdate stopped\.)")


@pytest.fixture(scope="module")
def text_log_server(
    tmp_path_factory: pytest.TempPathFactory, django_db_setup: None
) -> Iterator[Server]:
    with running_server(
        tmp_path_factory.mktemp("text-log"),
        database_url=server_database_url(),
        redis_url=server_redis_url(),
        workers=2,
    ) as server:
        yield server


@pytest.fixture(scope="module")
def json_log_server(
    tmp_path_factory: pytest.TempPathFactory, django_db_setup: None
) -> Iterator[Server]:
    with running_server(
        tmp_path_factory.mktemp("json-log"),
        database_url=server_database_url(),
        redis_url=server_redis_url(),
        workers=2,
        LOG_FORMAT="json",
    ) as server:
        yield server


def request_lines(output: str, request_id: str) -> list[str]:
    return [line for line in output.splitlines() if f" pawdate.request [{request_id}] " in line]


def json_entries(output: str) -> list[dict[str, Any]]:
    lines = [line for line in output.splitlines() if not SERVE_ANNOUNCEMENT.match(line)]
    entries = [json.loads(line) for line in lines]  # every log line is one JSON object
    assert all(isinstance(entry, dict) for entry in entries)
    return entries


def request_entries(output: str, request_id: str) -> list[dict[str, Any]]:
    return [
        entry
        for entry in json_entries(output)
        if entry["logger"] == "pawdate.request" and entry["request_id"] == request_id
    ]


def test_each_request_logs_one_line_with_the_id_it_answers_with(text_log_server: Server) -> None:
    # when
    response = text_log_server.client().get("/healthz")

    # then
    request_id = response.headers["X-Request-ID"]
    assert GENERATED_ID.match(request_id)
    output = text_log_server.wait_for_output(lambda out: request_id in out)
    lines = [line for line in output.splitlines() if request_id in line]
    assert len(lines) == 1
    assert re.search(
        rf" INFO pawdate\.request \[{request_id}\] GET /healthz 200 \d+\.\dms$", lines[0]
    ), lines[0]


def test_a_sane_incoming_request_id_is_kept(text_log_server: Server) -> None:
    # given
    incoming = f"edge-proxy.{secrets.token_hex(8)}_01"

    # when
    response = text_log_server.client().get("/api/v1/nowhere", headers={"X-Request-ID": incoming})

    # then
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == incoming
    output = text_log_server.wait_for_output(lambda out: incoming in out)
    lines = request_lines(output, incoming)
    assert len(lines) == 1
    expected = rf" INFO pawdate\.request \[{re.escape(incoming)}\] GET /api/v1/nowhere 404 "
    assert re.search(expected + r"\d+\.\dms$", lines[0]), lines[0]


@pytest.mark.parametrize(
    "incoming",
    [
        "short12",  # under 8 characters
        "a" * 65,  # over 64
        "has spaces in-it",
        "semi;colon-0001",
        "escaped\\nnewline-0001",
    ],
)
def test_an_insane_incoming_request_id_is_replaced(text_log_server: Server, incoming: str) -> None:
    # when
    response = text_log_server.client().get("/healthz", headers={"X-Request-ID": incoming})

    # then
    request_id = response.headers["X-Request-ID"]
    assert request_id != incoming
    assert GENERATED_ID.match(request_id)
    output = text_log_server.wait_for_output(lambda out: request_id in out)
    assert len(request_lines(output, request_id)) == 1
    assert incoming not in output


def test_json_logs_are_one_object_per_line_with_the_request_fields(
    json_log_server: Server,
) -> None:
    # when
    response = json_log_server.client().get("/api/v1/me")

    # then
    assert response.status_code == 401
    request_id = response.headers["X-Request-ID"]
    output = json_log_server.wait_for_output(lambda out: request_id in out)
    [entry] = request_entries(output, request_id)
    assert isinstance(entry["duration_ms"], float)
    assert entry["duration_ms"] >= 0
    assert entry == {
        "ts": entry["ts"],
        "level": "INFO",
        "logger": "pawdate.request",
        "message": f"GET /api/v1/me 401 {entry['duration_ms']:.1f}ms",
        "method": "GET",
        "path": "/api/v1/me",
        "status": 401,
        "duration_ms": entry["duration_ms"],
        "user_id": None,
        "request_id": request_id,
    }
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00$", entry["ts"])


@pytest.mark.django_db(transaction=True)
def test_logs_never_contain_passwords_tokens_or_query_strings(json_log_server: Server) -> None:
    # given
    password = f"Canary-Password-{secrets.token_hex(8)}"
    wrong_password = f"Canary-Wrong-{secrets.token_hex(8)}"
    query_canary = f"canary{secrets.token_hex(8)}"
    email = f"canary-{secrets.token_hex(4)}@example.com"
    client = json_log_server.client()

    # when
    registered = client.post(
        "/api/v1/auth/register",
        json={"email": email, "username": "canary", "password": password},
    )
    wrong_login = client.post(
        "/api/v1/auth/token", json={"email": email, "password": wrong_password}
    )
    login = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    access = login.json()["access"]
    me = client.get(
        f"/api/v1/me?ticket={query_canary}&access_token={access}",
        headers={"Authorization": f"Bearer {access}"},
    )
    refreshed = client.post("/api/v1/auth/token/refresh", json={"refresh": login.json()["refresh"]})

    # then
    assert (registered.status_code, wrong_login.status_code, login.status_code) == (
        201,
        401,
        200,
    ), registered.text
    assert (me.status_code, refreshed.status_code) == (200, 200)
    user_id = registered.json()["user"]["id"]
    output = json_log_server.wait_for_output(lambda out: refreshed.headers["X-Request-ID"] in out)
    [me_entry] = request_entries(output, me.headers["X-Request-ID"])
    assert me_entry["path"] == "/api/v1/me"
    assert (me_entry["status"], me_entry["user_id"]) == (200, user_id)
    secrets_sent = {
        "password": password,
        "wrong password": wrong_password,
        "query string": query_canary,
        "first access token": registered.json()["access"],
        "first refresh token": registered.json()["refresh"],
        "login access token": access,
        "login refresh token": login.json()["refresh"],
        "rotated access token": refreshed.json()["access"],
        "rotated refresh token": refreshed.json()["refresh"],
    }
    leaked = [name for name, value in secrets_sent.items() if value in output]
    assert leaked == []
    assert "?" not in "".join(entry["path"] for entry in json_entries(output) if "path" in entry)
