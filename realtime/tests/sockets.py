"""Helpers for WebSocket tests: log in, get a ticket through the API, open a socket on the real
ASGI application (origin check included) and the real channel layer of the test settings."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from rest_framework.test import APIClient

from accounts.models import Session, User
from accounts.services import _start_session
from config.asgi import application
from matching.tests.playdate_helpers import invite, pet_for
from realtime import events
from realtime.models import Event, EventCursor

TICKET_URL = "/api/v1/realtime/ticket"
ORIGIN = b"http://testserver"


@dataclass
class Login:
    user: User
    access: str
    refresh: str
    session_id: int

    def api(self) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.access}")
        return client

    async def ticket(self) -> str:
        def issue() -> str:
            response = self.api().post(TICKET_URL)
            assert response.status_code == 200, response.content
            return str(response.json()["ticket"])

        ticket: str = await database_sync_to_async(issue)()
        return ticket


async def login(user: User) -> Login:
    def start() -> Login:
        with transaction.atomic():
            pair = _start_session(user=user, user_agent="pytest")
        session = Session.objects.filter(user=user).latest("pk")
        return Login(user, pair.access, pair.refresh, session.pk)

    session: Login = await database_sync_to_async(start)()
    return session


async def open_socket(
    ticket: str | None, since: int | str | None = None, origin: bytes = ORIGIN
) -> WebsocketCommunicator:
    """A connected (accepted) socket; the caller disconnects it."""
    query = []
    if ticket is not None:
        query.append(f"ticket={ticket}")
    if since is not None:
        query.append(f"since={since}")
    socket = WebsocketCommunicator(application, "/ws/?" + "&".join(query), [(b"origin", origin)])
    connected, _ = await socket.connect()
    assert connected
    return socket


async def open_for(user: User, since: int | None = None) -> tuple[WebsocketCommunicator, Login]:
    """A socket of a fresh session of `user`, past its hello frame."""
    session = await login(user)
    socket = await open_socket(await session.ticket(), since=since)
    hello = await socket.receive_json_from()
    assert hello["type"] == "hello"
    return socket, session


async def closed_with(socket: WebsocketCommunicator, within: float = 3) -> int:
    """The close code, skipping frames sent before it; then the server side ends the socket."""
    while True:
        message = await socket.receive_output(within)
        if message["type"] == "websocket.close":
            await socket.disconnect(code=int(message["code"]))
            return int(message["code"])


async def frames(socket: WebsocketCommunicator, count: int, within: float = 3) -> list[Any]:
    return [await socket.receive_json_from(within) for _ in range(count)]


async def no_frame(socket: WebsocketCommunicator, wait: float = 0.3) -> bool:
    return bool(await socket.receive_nothing(wait))


def _record(user_id: int, count: int, kind: str) -> None:
    for n in range(count):
        with transaction.atomic():
            events.record(user_ids=[user_id], kind=kind, data={"n": n})


async def record(user: User, count: int = 1, kind: str = "playdate.updated") -> None:
    """Records `count` events for the user, each in its own committed change (doorbell rings)."""
    await database_sync_to_async(_record)(user.pk, count, kind)


def _log_without_doorbell(user_id: int, count: int) -> None:
    for n in range(count):
        with transaction.atomic():
            cursor, _ = EventCursor.objects.select_for_update().get_or_create(user_id=user_id)
            cursor.last_seq += 1
            cursor.save()
            Event.objects.create(
                user_id=user_id, seq=cursor.last_seq, kind="chat.message", data={"silent": n}
            )


async def log_without_doorbell(user: User, count: int = 1) -> None:
    """Grows the user's log as `events.record` does, but rings no doorbell: a lost doorbell."""
    await database_sync_to_async(_log_without_doorbell)(user.pk, count)


async def ping(socket: WebsocketCommunicator, ref: str = "p") -> bool:
    await socket.send_to(text_data=json.dumps({"type": "ping", "ref": ref}))
    answer = await socket.receive_json_from()
    return bool(answer == {"type": "pong", "ref": ref})


async def shortly(seconds: float = 0.2) -> None:
    await asyncio.sleep(seconds)


async def playdate_between(inviter: User, invitee: User) -> int:
    """A pending playdate between a pet of each, made through the service; its id."""

    def create() -> int:
        return invite(pet_for(inviter), pet_for(invitee)).pk

    playdate_id: int = await database_sync_to_async(create)()
    return playdate_id


def presence(user: User, online: bool) -> dict[str, Any]:
    """The presence frame other sockets get about `user`."""
    return {"type": "presence", "data": {"user_id": user.pk, "online": online}}
