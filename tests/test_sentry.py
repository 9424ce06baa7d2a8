"""Error reporting: Sentry only when SENTRY_DSN is set, and never with a secret in the report.

Settings are read once, at import: each case runs the application in a fresh process with its
own environment. Sentry's side is a fake receiver on 127.0.0.1 that keeps what it is sent.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.server import BASE_DIR, production_environment

PASSWORD = "Sentry-Must-Not-See-This-42"
ACCESS_TOKEN = "access-token-sentry-must-not-see"
TICKET = "ticket-sentry-must-not-see"
COOKIE = "cookie-sentry-must-not-see"
MESSAGE_BODY = "a message body sentry must not see"
SECRETS = (PASSWORD, ACCESS_TOKEN, TICKET, COOKIE, MESSAGE_BODY)

# The application in a process of its own: a login whose service fails unexpectedly, carrying
# every kind of secret a request can (Authorization header, cookie, query string, body).
FAILING_LOGIN = f"""
import asyncio
from unittest import mock

import httpx
import sentry_sdk

from config.asgi import application


async def log_in():
    transport = httpx.ASGITransport(app=application, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        response = await client.post(
            "/api/v1/auth/token?ticket={TICKET}",
            json={{
                "email": "owner@example.com", "password": "{PASSWORD}", "body": "{MESSAGE_BODY}"
            }},
            headers={{"Authorization": "Bearer {ACCESS_TOKEN}", "Cookie": "sessionid={COOKIE}"}},
        )
    print(response.status_code)


with mock.patch("accounts.services.auth_login", side_effect=RuntimeError("login exploded")):
    asyncio.run(log_in())
sentry_sdk.flush(timeout=10)
"""

SENTRY_STATE = """
import sys

import django

django.setup()
imported = "sentry_sdk" in sys.modules
import sentry_sdk

print(imported, sentry_sdk.get_client().is_active())
"""


class FakeSentry(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Receiver)
        self.received: list[tuple[str, dict[str, str], bytes]] = []

    @property
    def dsn(self) -> str:
        return f"http://public-key@127.0.0.1:{self.server_address[1]}/1"

    def envelopes(self) -> list[bytes]:
        return [body for _path, _headers, body in self.received]


class _Receiver(BaseHTTPRequestHandler):
    server: FakeSentry

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.server.received.append((self.path, dict(self.headers), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def fake_sentry() -> Iterator[FakeSentry]:
    server = FakeSentry()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def run_application(script: str, tmp_path: Path, **environment: str) -> str:
    """`script` in a fresh process of the embedded default (no database or Redis needed: the
    failing request fails before either); its output."""
    env = production_environment(
        DATABASE_URL="", REDIS_URL="", PAWDATE_VAR_DIR=str(tmp_path), SECURE_SSL_REDIRECT="0"
    )
    env.pop("SENTRY_DSN", None)
    env.update(environment)
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def events_in(envelope: bytes) -> list[dict[str, Any]]:
    """The error events of a Sentry envelope (a header line, then item header/payload pairs)."""
    lines = envelope.decode().splitlines()[1:]
    items = [json.loads(line) for line in lines if line.strip()]
    return [
        payload
        for header, payload in zip(items[::2], items[1::2], strict=True)
        if header.get("type") == "event"
    ]


def test_without_a_dsn_sentry_is_neither_loaded_nor_initialised(tmp_path: Path) -> None:
    # when
    output = run_application(SENTRY_STATE, tmp_path)

    # then
    assert output.split() == ["False", "False"]


def test_with_a_dsn_sentry_is_initialised(tmp_path: Path, fake_sentry: FakeSentry) -> None:
    # when
    output = run_application(SENTRY_STATE, tmp_path, SENTRY_DSN=fake_sentry.dsn)

    # then
    assert output.split() == ["True", "True"]


def test_an_unhandled_error_reaches_sentry_without_any_secret(
    tmp_path: Path, fake_sentry: FakeSentry
) -> None:
    # when
    output = run_application(
        FAILING_LOGIN, tmp_path, SENTRY_DSN=fake_sentry.dsn, SENTRY_ENVIRONMENT="test"
    )

    # then: the client got the contract's 500, and Sentry the error, named by the Django
    # integration after its route
    assert output.split() == ["500"]
    [event] = [event for body in fake_sentry.envelopes() for event in events_in(body)]
    [exception] = event["exception"]["values"]
    assert (exception["type"], exception["value"]) == ("RuntimeError", "login exploded")
    assert (event["transaction"], event["environment"]) == ("/api/v1/auth/token", "test")
    request = event.get("request", {})
    headers = {name.lower() for name in request.get("headers", {})}
    assert headers & {"authorization", "cookie"} == set()
    assert {"data", "query_string", "cookies", "env"} & set(request) == set()
    assert all(not frame.get("vars") for frame in exception["stacktrace"]["frames"])
    # and nowhere in anything sent (breadcrumbs, log records, headers) is a secret
    sent = b"".join(fake_sentry.envelopes()).decode()
    assert [secret for secret in SECRETS if secret in sent] == []
