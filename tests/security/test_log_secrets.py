"""Logs never hold a secret: passwords (right and wrong), access and refresh tokens, the refresh
cookie, WebSocket tickets or message bodies, whichever way they came in (REST, the browser
session endpoints, the socket, a refused frame). Once against a real server logging everything
at DEBUG in JSON, once in this process with every record captured."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.handlers.wsgi import WSGIHandler
from websockets.asyncio.client import connect
from websockets.typing import Origin

from accounts.api.browser import CLIENT_HEADER, CLIENT_HEADER_VALUE, REFRESH_COOKIE
from accounts.models import User
from config.observability import JsonFormatter
from matching.tests.playdate_helpers import invite, pet_for
from realtime.tests.chat_helpers import messages_url
from realtime.tests.sockets import TICKET_URL, closed_with, open_socket
from tests.server import Server, running_server, server_database_url, server_redis_url

pytestmark = pytest.mark.django_db(transaction=True)

# How long a frame may take to arrive, on a machine busy with other tests.
WITHIN = 5


def canary(name: str) -> str:
    return f"Canary-{name}-{secrets.token_hex(8)}"


@dataclass
class Secrets:
    """Every secret a flow handled, by name (a JWT's signature too: as telling as the whole)."""

    found: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, value: str) -> str:
        assert value, name
        self.found[name] = value
        if value.count(".") == 2:  # a JWT
            self.found[f"{name} (signature)"] = value.rsplit(".", 1)[1]
        return value

    def leaked_in(self, text: str) -> list[str]:
        return [name for name, value in self.found.items() if value in text]


# --- the flow, over HTTP and a WebSocket ---------------------------------------------------------


def account_flow(http: httpx.Client, found: Secrets, suffix: str) -> dict[str, Any]:
    """Register, log in (wrong password, then right), refresh, the browser session flow, a
    ticket; returns the tokens and ids the socket part needs."""
    email = f"canary-{suffix}@example.com"
    password = found.add(f"password {suffix}", canary("Password"))
    wrong = found.add(f"wrong password {suffix}", canary("Wrong"))
    registered = http.post(
        "/api/v1/auth/register",
        json={"email": email, "username": f"canary{suffix}", "password": password},
    )
    assert registered.status_code == 201, registered.text
    found.add(f"register access {suffix}", registered.json()["access"])
    found.add(f"register refresh {suffix}", registered.json()["refresh"])
    refused = http.post("/api/v1/auth/token", json={"email": email, "password": wrong})
    assert refused.status_code == 401
    login = http.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    found.add(f"login access {suffix}", login.json()["access"])
    refresh = found.add(f"login refresh {suffix}", login.json()["refresh"])
    refreshed = http.post("/api/v1/auth/token/refresh", json={"refresh": refresh})
    assert refreshed.status_code == 200, refreshed.text
    access = found.add(f"rotated access {suffix}", refreshed.json()["access"])
    found.add(f"rotated refresh {suffix}", refreshed.json()["refresh"])
    # secrets in a query string, as a careless client puts them there
    query = {"access_token": access, "ticket": found.add(f"query {suffix}", canary("Query"))}
    me = http.get("/api/v1/me", params=query, headers={"Authorization": f"Bearer {access}"})
    assert me.status_code == 200, me.text
    browser = {CLIENT_HEADER: CLIENT_HEADER_VALUE}
    browser_login = http.post(
        "/api/v1/auth/browser/login", json={"email": email, "password": password}, headers=browser
    )
    assert browser_login.status_code == 200, browser_login.text
    found.add(f"browser access {suffix}", browser_login.json()["access"])
    cookie = found.add(f"browser refresh cookie {suffix}", browser_login.cookies[REFRESH_COOKIE])
    browser_refresh = http.post(
        "/api/v1/auth/browser/refresh",
        headers={**browser, "Cookie": f"{REFRESH_COOKIE}={cookie}"},
    )
    assert browser_refresh.status_code == 200, browser_refresh.text
    found.add(f"browser refreshed access {suffix}", browser_refresh.json()["access"])
    found.add(f"browser rotated cookie {suffix}", browser_refresh.cookies[REFRESH_COOKIE])
    return {"access": access, "user_id": registered.json()["user"]["id"]}


def ticket(http: httpx.Client, access: str, found: Secrets, name: str) -> str:
    answer = http.post(TICKET_URL, headers={"Authorization": f"Bearer {access}"})
    assert answer.status_code == 200, answer.text
    return found.add(name, answer.json()["ticket"])


def chat_over_rest(http: httpx.Client, access: str, playdate_id: int, found: Secrets) -> None:
    auth = {"Authorization": f"Bearer {access}"}
    body = found.add("REST message body", canary("RestBody"))
    sent = http.post(messages_url(playdate_id), json={"body": body}, headers=auth)
    assert sent.status_code == 201, sent.text
    too_long = found.add("refused REST body", canary("LongBody")) * 200
    refused = http.post(messages_url(playdate_id), json={"body": too_long}, headers=auth)
    assert refused.status_code == 400, refused.text
    assert http.get(messages_url(playdate_id), headers=auth).status_code == 200


def playdate_of(user_ids: list[int]) -> int:
    inviter, invitee = (User.objects.get(pk=pk) for pk in user_ids)
    return invite(pet_for(inviter), pet_for(invitee)).pk


def bad_frames(playdate_id: int, found: Secrets) -> list[str]:
    """Frames the gateway refuses, each carrying a secret."""
    nul_body = found.add("NUL body", canary("Nul")) + "\x00"
    foreign_body = found.add("foreign body", canary("Foreign"))
    return [
        json.dumps({"type": found.add("unknown type", canary("Type")), "ref": "u"}),
        "not json " + found.add("not JSON", canary("NotJson")),
        json.dumps(
            {
                "type": "chat.send",
                "ref": "n",
                "data": {"playdate_id": playdate_id, "body": nul_body},
            }
        ),
        json.dumps(
            {"type": "chat.send", "ref": "f", "data": {"playdate_id": 10**9, "body": foreign_body}}
        ),
        "[" * 10_000 + json.dumps(found.add("deep", canary("Deep"))) + "]" * 10_000,
    ]


async def chat_over_a_socket(socket: Any, playdate_id: int, found: Secrets) -> None:
    """A message, then the bad frames, on an open socket (anything with `send(text)` and
    `recv()`: a websockets connection, or `Communicator` below)."""
    body = found.add("socket message body", canary("SocketBody"))
    data = {"playdate_id": playdate_id, "body": body}
    await socket.send(json.dumps({"type": "chat.send", "ref": "c1", "data": data}))
    assert (await next_of(socket, {"ack"}))["data"]["message"]["body"] == body
    for frame in bad_frames(playdate_id, found):
        await socket.send(frame)
        assert (await next_of(socket, {"error"}))["type"] == "error"


async def next_of(socket: Any, kinds: set[str]) -> dict[str, Any]:
    while True:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), WITHIN))
        if frame["type"] in kinds:
            return frame


# --- against a real server ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, django_db_setup: None) -> Iterator[Server]:
    with running_server(
        tmp_path_factory.mktemp("log-secrets"),
        database_url=server_database_url(),
        redis_url=server_redis_url(),
        LOG_FORMAT="json",
        LOG_LEVEL="DEBUG",
    ) as running:
        yield running


async def test_a_real_server_logging_at_debug_never_logs_a_secret(server):
    # given
    found = Secrets()
    http = server.client()
    ws_url = server.url.replace("http://", "ws://") + "/ws/"
    origin = Origin(server.url)

    # when: two owners sign in every way and get tickets; they chat over REST and a socket,
    # send bad frames, use a ticket twice and an unknown one, and log out
    owner = await asyncio.to_thread(account_flow, http, found, "owner")
    friend = await asyncio.to_thread(account_flow, http, found, "friend")
    playdate_id = await database_sync_to_async(playdate_of)([owner["user_id"], friend["user_id"]])
    await asyncio.to_thread(chat_over_rest, http, friend["access"], playdate_id, found)
    used = await asyncio.to_thread(ticket, http, owner["access"], found, "ticket")
    async with connect(f"{ws_url}?ticket={used}", origin=origin) as socket:
        assert (await next_of(socket, {"hello"}))["data"]["user_id"] == owner["user_id"]
        await chat_over_a_socket(socket, playdate_id, found)
    for refused in (used, found.add("unknown ticket", canary("Ticket"))):
        async with connect(f"{ws_url}?ticket={refused}", origin=origin) as socket:
            await socket.wait_closed()
            assert socket.close_code == 4401
    await asyncio.to_thread(log_out, http, owner["access"], found.found["rotated refresh owner"])

    # then: the server logged the flow (JSON lines, DEBUG on) and none of its secrets
    output = server.wait_for_output(lambda out: "/api/v1/auth/logout" in out)
    entries = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    paths = {entry.get("path") for entry in entries if entry["logger"] == "pawdate.request"}
    assert {"/api/v1/auth/browser/login", messages_url(playdate_id), TICKET_URL} <= paths
    assert len(found.found) >= 30
    assert found.leaked_in(output) == []


def log_out(http: httpx.Client, access: str, refresh: str) -> None:
    answer = http.post(
        "/api/v1/auth/logout",
        json={"refresh": refresh},
        headers={"Authorization": f"Bearer {access}"},
    )
    assert answer.status_code == 204, answer.text


# --- in this process, every record ----------------------------------------------------------------

# The root logger, and those the settings give a level of their own.
LOGGERS = (None, "django.request", "django.server", "daphne")
CLIENT_LOGGERS = ("httpx", "httpcore")


class Communicator:
    """A test client socket with the `send` and `recv` of a websockets connection."""

    def __init__(self, socket: WebsocketCommunicator) -> None:
        self.socket = socket

    async def send(self, text: str) -> None:
        await self.socket.send_to(text_data=text)

    async def recv(self) -> str:
        text: str = await self.socket.receive_from(WITHIN)
        return text


def in_process() -> httpx.Client:
    """An HTTP client of this process's Django (the WSGI handler: same middleware and views)."""
    transport = httpx.WSGITransport(app=WSGIHandler())
    return httpx.Client(transport=transport, base_url="http://testserver")


async def test_no_log_record_of_this_process_holds_a_secret(caplog):
    # given: every record, at every level
    for logger in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=logger)
    found = Secrets()
    http = in_process()

    # when: the same flow
    owner = await asyncio.to_thread(account_flow, http, found, "owner")
    friend = await asyncio.to_thread(account_flow, http, found, "friend")
    playdate_id = await database_sync_to_async(playdate_of)([owner["user_id"], friend["user_id"]])
    await asyncio.to_thread(chat_over_rest, http, friend["access"], playdate_id, found)
    used = await asyncio.to_thread(ticket, http, owner["access"], found, "ticket")
    socket = await open_socket(used)
    assert json.loads(await socket.receive_from(WITHIN))["type"] == "hello"
    await chat_over_a_socket(Communicator(socket), playdate_id, found)
    await socket.disconnect(timeout=WITHIN)
    for refused in (used, found.add("unknown ticket", canary("Ticket"))):
        assert await closed_with(await open_socket(refused), WITHIN) == 4401
    await asyncio.to_thread(log_out, http, owner["access"], found.found["rotated refresh owner"])

    # then (what the test's own HTTP client logs is not the server's)
    logged = records_text([r for r in caplog.records if not r.name.startswith(CLIENT_LOGGERS)])
    requests = [r for r in caplog.records if r.name == "pawdate.request"]
    assert {getattr(r, "path", None) for r in requests} >= {messages_url(playdate_id), TICKET_URL}
    assert len(found.found) >= 30
    assert found.leaked_in(logged) == []


def records_text(records: list[logging.LogRecord]) -> str:
    """Every captured record as the JSON log would show it: message, arguments, `extra`
    fields and traceback."""
    formatter = JsonFormatter()
    return "\n".join(formatter.format(record) for record in records)
