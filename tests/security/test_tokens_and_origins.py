"""Attackers at the doors: forged, stale or misused tokens on the REST API and on the ticket
endpoint that opens WebSockets, and pages of other origins at the WebSocket handshake."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from channels.testing import WebsocketCommunicator
from django.utils import timezone
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin

from accounts.models import User
from accounts.tests.helpers import (
    ME_URL,
    WINDOW_START,
    access_lifetime,
    accounts_state,
    assert_error,
    bearer,
    jwt_payload,
)
from accounts.tests.test_tokens import GONE, NOT_VALID, b64, forge
from config import redis
from config.asgi import application
from realtime.tests.sockets import TICKET_URL, closed_with, login
from tests.server import Server, running_server, server_database_url, server_redis_url

# How long a frame may take to arrive, on a machine busy with other tests.
WITHIN = 5

# --- tokens --------------------------------------------------------------------------------------

ENDPOINTS = [("get", ME_URL), ("post", TICKET_URL)]
ENDPOINT_IDS = ["rest", "ticket"]


def call(endpoint: tuple[str, str], access: str) -> Any:
    method, url = endpoint
    return getattr(bearer(access), method)(url)


def ticket_keys() -> list[bytes]:
    return sorted(redis.client().scan_iter(match="pawdate:ws-ticket:*"))


def state() -> dict[str, Any]:
    """What a refused call must leave as it was: accounts and the tickets issued."""
    return {**accounts_state(), "tickets": ticket_keys()}


def with_claims(access: str, **changes: Any) -> str:
    """`access` re-signed with the right key, its claims changed (None: removed)."""
    claims = jwt_payload(access)
    for claim, value in changes.items():
        if value is None:
            del claims[claim]
        else:
            claims[claim] = value
    return forge(claims)


def unsigned(access: str) -> str:
    header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{b64(json.dumps(jwt_payload(access)).encode())}."


def tampered(access: str, user_id: int) -> str:
    """The payload names another user; the signature is still the original's."""
    header, _, signature = access.split(".")
    claims = {**jwt_payload(access), "user_id": str(user_id)}
    return ".".join([header, b64(json.dumps(claims).encode()), signature])


@pytest.fixture
def tokens(owner, tokens_for) -> dict[str, str]:
    return dict(tokens_for(owner))


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ENDPOINT_IDS)
def test_the_genuine_access_token_is_served(endpoint, owner, tokens):
    # the refusals below mean something only if the untouched token passes at both doors
    response = call(endpoint, tokens["access"])
    assert response.status_code == 200, response.content
    if endpoint[1] == TICKET_URL:
        assert len(ticket_keys()) == 1
    else:
        assert response.json()["id"] == owner.pk


FORGERIES = {
    "alg-none": (lambda tokens, friend: unsigned(tokens["access"]), NOT_VALID),
    "wrong-key": (
        lambda tokens, friend: forge(jwt_payload(tokens["access"]), key="k" * 40),
        NOT_VALID,
    ),
    "hs512": (
        lambda tokens, friend: forge(jwt_payload(tokens["access"]), algorithm="HS512"),
        NOT_VALID,
    ),
    "wrong-audience": (lambda tokens, friend: with_claims(tokens["access"], aud="other"), None),
    "no-audience": (lambda tokens, friend: with_claims(tokens["access"], aud=None), None),
    "wrong-issuer": (lambda tokens, friend: with_claims(tokens["access"], iss="other"), None),
    "refresh-as-access": (lambda tokens, friend: tokens["refresh"], NOT_VALID),
    "refresh-type-claim": (
        lambda tokens, friend: with_claims(tokens["access"], token_type="refresh"),
        None,
    ),
    "tampered-payload": (lambda tokens, friend: tampered(tokens["access"], friend.pk), NOT_VALID),
    "no-session": (lambda tokens, friend: with_claims(tokens["access"], sid=None), GONE),
    "garbage": (lambda tokens, friend: "not.a.jwt", NOT_VALID),
}


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ENDPOINT_IDS)
@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_a_forged_token_is_refused_and_changes_nothing(endpoint, forgery, tokens, friend):
    # given
    make, message = FORGERIES[forgery]
    token = make(tokens, friend)
    before = state()

    # when
    response = call(endpoint, token)

    # then
    assert_error(response, 401, "not_authenticated", message=message)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ENDPOINT_IDS)
def test_an_expired_token_is_refused(endpoint, owner, tokens_for):
    # given
    with time_machine.travel(WINDOW_START, tick=False):
        access = tokens_for(owner)["access"]
    before = state()

    # when
    with time_machine.travel(WINDOW_START + access_lifetime() + timedelta(seconds=1), tick=False):
        response = call(endpoint, access)

    # then
    assert_error(response, 401, "not_authenticated", message=NOT_VALID)
    assert state() == before


LOCK_OUTS = {
    "deleted": lambda user: user.delete(),
    "suspended": lambda user: User.objects.filter(pk=user.pk).update(suspended_at=timezone.now()),
    "inactive": lambda user: User.objects.filter(pk=user.pk).update(is_active=False),
    "session-revoked": lambda user: user.sessions.update(revoked_at=timezone.now()),
}


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ENDPOINT_IDS)
@pytest.mark.parametrize("lock_out", list(LOCK_OUTS))
def test_a_token_of_a_locked_out_user_or_ended_session_is_refused(
    endpoint, lock_out, owner, tokens
):
    # given: the token worked a moment ago
    assert call(("get", ME_URL), tokens["access"]).status_code == 200
    LOCK_OUTS[lock_out](owner)
    before = state()

    # when
    response = call(endpoint, tokens["access"])

    # then
    assert_error(response, 401, "not_authenticated", message=GONE)
    assert state() == before


# --- origins at the WebSocket handshake -------------------------------------------------------
# The test settings allow the hosts testserver, 127.0.0.1 and localhost. A socket without a
# ticket whose handshake passes is accepted, then closed 4401 (CONTRACT.md); one whose Origin is
# refused is closed before it is accepted, which daphne answers with HTTP 403.

REFUSED = {
    "foreign": [(b"origin", b"https://evil.example")],
    "missing": [],
    "null": [(b"origin", b"null")],
    "allowed-host-as-subdomain": [(b"origin", b"http://testserver.evil.com")],
    "allowed-host-as-suffix": [(b"origin", b"http://eviltestserver")],
    "allowed-host-as-prefix": [(b"origin", b"http://testserver-evil.example")],
    "https-on-plain-connection": [(b"origin", b"https://testserver")],
    "http-behind-tls-proxy": [(b"origin", b"http://testserver"), (b"x-forwarded-proto", b"https")],
    "other-port": [(b"origin", b"http://testserver:8080")],
    "default-port-on-other": [(b"origin", b"http://testserver"), (b"host", b"testserver:8000")],
    "other-scheme": [(b"origin", b"ftp://testserver")],
    "no-scheme": [(b"origin", b"testserver")],
    "scheme-relative": [(b"origin", b"//testserver")],
    "credentials": [(b"origin", b"http://evil.example@testserver")],
    "credentials-to-foreign": [(b"origin", b"http://testserver@evil.example")],
    "path": [(b"origin", b"http://testserver/evil")],
    "bad-port": [(b"origin", b"http://testserver:99999")],
    "two-origins": [(b"origin", b"http://testserver"), (b"origin", b"https://evil.example")],
    "bad-ipv6": [(b"origin", b"http://[::1")],
    "homoglyph-host": [(b"origin", "http://t\u0435stserver".encode())],  # a Cyrillic "e"
}

ACCEPTED = {
    "same-origin": [(b"origin", b"http://testserver")],
    "upper-case": [(b"origin", b"HTTP://TESTSERVER")],
    # The same DNS name: whatever page it serves, this service serves (Django's Host check too).
    "trailing-dot": [(b"origin", b"http://testserver.")],
    "explicit-default-port": [(b"origin", b"http://testserver:80")],
    "another-allowed-host": [(b"origin", b"http://localhost")],
    "https-behind-tls-proxy": [
        (b"origin", b"https://testserver"),
        (b"host", b"testserver"),
        (b"x-forwarded-proto", b"https"),
    ],
    "app-and-api-hosts": [  # the app's page on one allowed host, the API on another
        (b"origin", b"https://localhost"),
        (b"host", b"testserver"),
        (b"x-forwarded-proto", b"https"),
    ],
    "dev-server-port": [(b"origin", b"http://localhost:5173"), (b"host", b"localhost:5173")],
}


async def handshake(headers: list[tuple[bytes, bytes]], ticket: str | None = None) -> Any:
    path = "/ws/" if ticket is None else f"/ws/?ticket={ticket}"
    socket = WebsocketCommunicator(application, path, headers)
    connected, code = await socket.connect()
    return socket, connected, code


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("headers", list(REFUSED.values()), ids=list(REFUSED))
async def test_a_page_of_another_origin_is_refused_at_the_handshake(owner, headers):
    # given: a genuine ticket in the foreign page's hands
    session = await login(owner)
    ticket = await session.ticket()

    # when
    _, connected, code = await handshake(headers, ticket)

    # then: refused before it is accepted, and the ticket is left unused
    assert (connected, code) == (False, 1000)
    socket, connected, _ = await handshake([(b"origin", b"http://testserver")], ticket)
    assert connected
    assert (await socket.receive_json_from(WITHIN))["type"] == "hello"
    await socket.disconnect(timeout=WITHIN)


@pytest.mark.parametrize("headers", list(ACCEPTED.values()), ids=list(ACCEPTED))
async def test_a_page_of_this_service_passes_the_handshake(headers):
    # when: no ticket, so a socket that passes the origin check is accepted then closed 4401
    socket, connected, _ = await handshake(headers)

    # then
    assert connected
    assert await closed_with(socket, WITHIN) == 4401


async def test_an_ipv6_host_in_allowed_hosts_is_an_origin_of_ours(settings):
    # given: Channels compared "::1" with "[::1]" and refused the default ALLOWED_HOSTS' own
    settings.ALLOWED_HOSTS = ["[::1]"]

    # when
    socket, connected, _ = await handshake(
        [(b"origin", b"http://[::1]:8000"), (b"host", b"[::1]:8000")]
    )

    # then
    assert connected
    assert await closed_with(socket, WITHIN) == 4401


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, django_db_setup: None) -> Iterator[Server]:
    with running_server(
        tmp_path_factory.mktemp("origins"),
        database_url=server_database_url(),
        redis_url=server_redis_url(),
    ) as running:
        yield running


async def status_of(server: Server, origin: str | None) -> int:
    """The HTTP status of a real handshake at daphne (101: switched to a WebSocket)."""
    url = server.url.replace("http://", "ws://") + "/ws/"
    try:
        async with connect(url, origin=Origin(origin) if origin else None) as socket:
            await asyncio.wait_for(socket.wait_closed(), WITHIN)  # no ticket: closed 4401
            assert socket.close_code == 4401
            return 101
    except InvalidStatus as refused:
        return refused.response.status_code


@pytest.mark.parametrize(
    ("origin", "status"),
    [
        (None, 101),  # the server's own origin, filled in below
        ("https://evil.example", 403),
        ("", 403),  # no Origin header
        ("http://127.0.0.1.evil.example", 403),
        ("https://127.0.0.1", 403),  # the right host, the wrong scheme and port
        ("http://localhost:1", 403),  # the right scheme and host, another port
    ],
    ids=["own", "foreign", "missing", "look-alike", "other-scheme", "other-port"],
)
async def test_daphne_answers_a_refused_handshake_with_403(server, origin, status):
    assert await status_of(server, server.url if origin is None else origin) == status
