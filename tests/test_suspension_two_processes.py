"""A suspension takes effect in every process at once (CONTRACT.md, Moderation): a moderator
suspends an owner through one server, and the owner's sockets on both servers close with 4403
and their token is refused by both; lifted through the other server, the owner logs in again.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

from accounts.models import User
from tests.owners import Owner, log_in, register, socket_of, token
from tests.server import Server, running_server, server_database_url, server_redis_url

# Bounded waits, well under the gateway's 15 s heartbeat: a close must come from the
# suspension's own message, not from the socket's periodic look at its user.
RECEIVE_TIMEOUT_SECONDS = 5.0


def post_answer(
    server: Server, owner: Owner, path: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    with server.client() as http:
        return http.post(f"/api/v1/{path}", json=body, headers=owner.headers)


def me(server: Server, owner: Owner) -> httpx.Response:
    with server.client() as http:
        return http.get("/api/v1/me", headers=owner.headers)


@contextmanager
def greeted_socket_of(server: Server, owner: Owner) -> Iterator[ClientConnection]:
    """A WebSocket of the user on `server`, past its hello, with a ticket from that server."""
    with socket_of(server, owner, timeout=RECEIVE_TIMEOUT_SECONDS) as socket:
        hello = json.loads(socket.recv(timeout=RECEIVE_TIMEOUT_SECONDS))
        assert hello["type"] == "hello", hello
        assert hello["data"]["user_id"] == owner.id
        yield socket


def close_code(socket: ClientConnection) -> int:
    """The code the server closed the socket with (any frames before it are skipped)."""
    with pytest.raises(ConnectionClosed) as closed:
        receive_until_closed(socket)
    assert closed.value.rcvd is not None, "the server never sent a close frame"
    return int(closed.value.rcvd.code)


def receive_until_closed(socket: ClientConnection) -> None:
    while True:
        socket.recv(timeout=RECEIVE_TIMEOUT_SECONDS)


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code, response.text


@pytest.mark.django_db(transaction=True)
def test_a_suspension_through_one_process_reaches_the_other_and_lifts_through_it(
    tmp_path: Path,
) -> None:
    # given: two servers over one database and one Redis, sharing their secret
    database_url, redis_url = server_database_url(), server_redis_url()
    secret_key = secrets.token_urlsafe(50)

    def server() -> AbstractContextManager[Server]:
        return running_server(
            tmp_path, database_url=database_url, redis_url=redis_url, SECRET_KEY=secret_key
        )

    with server() as first, server() as second:
        register(first, "alice")
        moderator_id = register(first, "mod").id
        User.objects.filter(pk=moderator_id).update(role=User.Role.MODERATOR)
        moderator = log_in(first, "mod")
        # Alice's token comes from the second server; she is online on both
        alice = log_in(second, "alice")
        with (
            greeted_socket_of(second, alice) as on_second,
            greeted_socket_of(first, alice) as on_first,
        ):
            # when: the moderator suspends her through the first server
            suspended = post_answer(first, moderator, f"moderation/users/{alice.id}/suspend", {})

            # then: both sockets close with 4403, the one the other process holds included
            assert suspended.status_code == 200, suspended.text
            assert suspended.json()["suspended_at"] is not None
            assert close_code(on_second) == 4403
            assert close_code(on_first) == 4403

        # and her token is refused by both servers, and she cannot log in again
        assert_error(me(first, alice), 401, "not_authenticated")
        assert_error(me(second, alice), 401, "not_authenticated")
        assert_error(token(first, "alice"), 403, "permission_denied")
        assert_error(post_answer(second, alice, "realtime/ticket"), 401, "not_authenticated")

        # when: the suspension is lifted through the second server
        lifted = post_answer(second, moderator, f"moderation/users/{alice.id}/unsuspend", {})

        # then: she logs in on the first server, and her new token works on both
        assert lifted.status_code == 200, lifted.text
        assert lifted.json()["suspended_at"] is None
        again = token(first, "alice")
        assert again.status_code == 200, again.text
        assert set(again.json()) == {"access", "refresh"}
        fresh = Owner(id=alice.id, access=again.json()["access"])
        assert me(first, fresh).json()["id"] == alice.id
        assert me(second, fresh).json()["id"] == alice.id
