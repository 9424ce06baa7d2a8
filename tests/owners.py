"""Owners of a running test server (`tests.server`), over HTTP as a client would be: sign up,
log in, add a pet, ask for a ticket and open a WebSocket with it.

Not a test module. Each call is one short-lived HTTP client, and a failure says what the server
answered.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from tests.factories import PASSWORD
from tests.server import Server

OPEN_TIMEOUT_SECONDS = 15.0  # generous for a loaded 2-core machine: tests assert outcomes


@dataclass(frozen=True)
class Owner:
    """A signed-up user with an access token and, unless made without one, a pet."""

    id: int
    access: str
    pet_id: int = 0
    name: str = ""

    @property
    def email(self) -> str:
        return f"{self.name}@example.com"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}


def pet_body(name: str) -> dict[str, Any]:
    return {"name": name, "species": "dog", "age": 3, "size": "medium", "energy": "high"}


def register(server: Server, name: str) -> Owner:
    """Registers `name` (email `<name>@example.com`): one password hash, keep them few."""
    with server.client() as http:
        response = http.post(
            "/api/v1/auth/register",
            json={"email": f"{name}@example.com", "username": name, "password": PASSWORD},
        )
    assert response.status_code == 201, f"{response.text}\n{server.output()}"
    return Owner(id=int(response.json()["user"]["id"]), access=response.json()["access"], name=name)


def token(server: Server, name: str) -> httpx.Response:
    """The token endpoint's answer to `name`'s email and password."""
    with server.client() as http:
        return http.post(
            "/api/v1/auth/token", json={"email": f"{name}@example.com", "password": PASSWORD}
        )


def log_in(server: Server, name: str) -> Owner:
    """A fresh access token for `name`, registered before."""
    answer = token(server, name)
    assert answer.status_code == 200, answer.text
    access = answer.json()["access"]
    with server.client() as http:
        me = http.get("/api/v1/me", headers={"Authorization": f"Bearer {access}"})
    assert me.status_code == 200, me.text
    return Owner(id=int(me.json()["id"]), access=access, name=name)


def with_a_pet(server: Server, owner: Owner, pet_name: str | None = None) -> Owner:
    """`owner` with a new dog (named after them unless `pet_name` is given)."""
    with server.client() as http:
        pet = http.post(
            "/api/v1/pets/", json=pet_body(pet_name or f"{owner.name}'s dog"), headers=owner.headers
        )
    assert pet.status_code == 201, pet.text
    return Owner(id=owner.id, access=owner.access, pet_id=int(pet.json()["id"]), name=owner.name)


def sign_up(server: Server, name: str) -> Owner:
    """Registers `name` and gives them a dog."""
    return with_a_pet(server, register(server, name))


def post(server: Server, owner: Owner, path: str, body: dict[str, Any] | None = None) -> Any:
    """POSTs to `/api/v1/<path>` as `owner`; the answer must be a success. Returns its JSON."""
    with server.client() as http:
        response = http.post(f"/api/v1/{path}", json=body, headers=owner.headers)
    assert response.status_code in {200, 201}, response.text
    return response.json()


def new_ticket(server: Server, owner: Owner) -> str:
    return str(post(server, owner, "realtime/ticket")["ticket"])


@contextmanager
def socket_of(
    server: Server,
    owner: Owner,
    *,
    ticket: str | None = None,
    since: int | None = None,
    timeout: float = OPEN_TIMEOUT_SECONDS,
) -> Iterator[ClientConnection]:
    """A WebSocket of `owner` on `server`, opened with `ticket` or a new ticket from that same
    server, and the Origin a browser on the server's page sends (without one the gateway
    refuses)."""
    query = f"ticket={ticket or new_ticket(server, owner)}"
    if since is not None:
        query += f"&since={since}"
    with connect(
        f"ws://{urlsplit(server.url).netloc}/ws/?{query}",
        origin=Origin(server.url),
        open_timeout=timeout,
        close_timeout=timeout,
    ) as socket:
        yield socket
