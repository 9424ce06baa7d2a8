"""The WebSocket at /ws/: tickets, hello, client frames, frame size and flooding."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from config.asgi import application
from matching.playdate_selectors import NO_SUCH_PLAYDATE
from realtime.tests.sockets import (
    closed_with,
    login,
    no_frame,
    open_for,
    open_socket,
    ping,
    record,
    shortly,
)

pytestmark = pytest.mark.django_db(transaction=True)


async def test_the_first_frame_says_hello_with_the_users_last_seq(owner):
    # given: two events already in the owner's log
    await record(owner, 2)
    session = await login(owner)

    # when
    socket = await open_socket(await session.ticket())

    # then
    assert await socket.receive_json_from() == {
        "type": "hello",
        "data": {"user_id": owner.pk, "last_seq": 2},
    }
    assert await no_frame(socket)  # without `since`, nothing is replayed
    await socket.disconnect()


@pytest.mark.parametrize("ticket", [None, "", "garbage", "x" * 300])
async def test_a_missing_or_unknown_ticket_is_accepted_then_closed_4401(ticket):
    socket = await open_socket(ticket)
    assert await closed_with(socket) == 4401


async def test_a_used_ticket_closes_4401(owner):
    # given: a socket opened with the ticket
    session = await login(owner)
    ticket = await session.ticket()
    first = await open_socket(ticket)
    assert (await first.receive_json_from())["type"] == "hello"

    # when
    second = await open_socket(ticket)

    # then
    assert await closed_with(second) == 4401
    assert await ping(first)
    await first.disconnect()


async def test_an_expired_ticket_closes_4401(owner, settings):
    # given: the embedded default's store (Redis expires its keys itself: test_realtime_ticket)
    settings.REDIS_URLS = []
    with time_machine.travel(timezone.now(), tick=False) as clock:
        session = await login(owner)
        kept, expired = await session.ticket(), await session.ticket()
        clock.shift(timedelta(seconds=29))
        in_time = await open_socket(kept)
        clock.shift(timedelta(seconds=2))

        # when
        late = await open_socket(expired)

        # then
        assert (await in_time.receive_json_from())["type"] == "hello"
        assert await closed_with(late) == 4401
    await in_time.disconnect()


async def test_a_ticket_of_a_session_revoked_since_closes_4401(owner):
    # given
    session = await login(owner)
    ticket = await session.ticket()
    await database_sync_to_async(
        lambda: type(owner).objects.get(pk=owner.pk).sessions.update(revoked_at=timezone.now())
    )()

    # when
    socket = await open_socket(ticket)

    # then
    assert await closed_with(socket) == 4401


@pytest.mark.parametrize(
    "lock_out", [{"suspended_at": timezone.now()}, {"is_active": False}], ids=["suspended", "gone"]
)
async def test_a_suspended_or_inactive_users_socket_closes_4403(owner, lock_out):
    # given: a ticket issued before the user was locked out
    session = await login(owner)
    ticket = await session.ticket()
    await database_sync_to_async(
        lambda: type(owner).objects.filter(pk=owner.pk).update(**lock_out)
    )()

    # when
    socket = await open_socket(ticket)

    # then: no hello
    message = await socket.receive_output()
    assert message == {"type": "websocket.close", "code": 4403}
    await socket.disconnect()


async def test_a_foreign_origin_is_refused_at_the_handshake(owner):
    # given
    session = await login(owner)
    socket = WebsocketCommunicator(
        application,
        f"/ws/?ticket={await session.ticket()}",
        [(b"origin", b"https://evil.example")],
    )

    # when: closed before it is accepted, which daphne answers with HTTP 403
    connected, code = await socket.connect()

    # then
    assert (connected, code) == (False, 1000)


@pytest.mark.parametrize("since", ["-1", "abc", "1.5", "٣"])
async def test_a_bad_since_is_an_error_then_closes_4400(owner, since):
    session = await login(owner)
    socket = await open_socket(await session.ticket(), since=since)
    assert await socket.receive_json_from() == {
        "type": "error",
        "ref": None,
        "data": {
            "code": "validation_error",
            "message": "since must be a whole number of 0 or more.",
        },
    }
    assert await closed_with(socket) == 4400


async def test_ping_is_answered_pong_with_its_ref(owner):
    socket, _ = await open_for(owner)
    await socket.send_json_to({"type": "ping", "ref": "r-1"})
    assert await socket.receive_json_from() == {"type": "pong", "ref": "r-1"}
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from() == {"type": "pong", "ref": None}
    await socket.disconnect()


def error(ref, message, code="validation_error"):
    return {"type": "error", "ref": ref, "data": {"code": code, "message": message}}


BAD_FRAMES = [
    ("not json", error(None, "A frame is a JSON object.")),
    ("[1, 2]", error(None, "A frame is a JSON object.")),
    ('"ping"', error(None, "A frame is a JSON object.")),
    ("null", error(None, "A frame is a JSON object.")),
    ('{"ref": "a"}', error("a", "A frame needs a type.")),
    ('{"type": 5, "ref": "b"}', error("b", "A frame needs a type.")),
    (
        '{"type": "ping", "ref": {"x": 1}}',
        error(None, "ref must be a string of at most 100 characters."),
    ),
    (
        json.dumps({"type": "ping", "ref": "r" * 101}),
        error(None, "ref must be a string of at most 100 characters."),
    ),
    ('{"type": "ping", "ref": "c", "data": [1]}', error("c", "data must be an object.")),
    ('{"type": "teleport", "ref": "d"}', error("d", "Unknown frame type 'teleport'.")),
    # chat frames about a playdate that is not the user's (realtime/tests/test_chat_frames.py
    # has the rest)
    (
        '{"type": "chat.send", "ref": "e", "data": {"playdate_id": 1, "body": "hi"}}',
        error("e", NO_SUCH_PLAYDATE, "not_found"),
    ),
    (
        '{"type": "chat.typing", "ref": "f", "data": {"playdate_id": 1}}',
        error("f", NO_SUCH_PLAYDATE, "not_found"),
    ),
    (
        '{"type": "chat.read", "ref": 7, "data": {"playdate_id": 1, "message_id": 2}}',
        error(7, NO_SUCH_PLAYDATE, "not_found"),
    ),
]


@pytest.mark.parametrize(("frame", "answer"), BAD_FRAMES)
async def test_a_bad_frame_is_answered_with_an_error_and_the_socket_stays_open(
    owner, frame, answer
):
    socket, _ = await open_for(owner)
    await socket.send_to(text_data=frame)
    assert await socket.receive_json_from() == answer
    assert await ping(socket)
    await socket.disconnect()


async def test_a_binary_frame_is_answered_with_an_error(owner):
    socket, _ = await open_for(owner)
    await socket.send_to(bytes_data=b'{"type": "ping"}')
    assert await socket.receive_json_from() == error(None, "A frame is a JSON object.")
    assert await ping(socket)
    await socket.disconnect()


def ping_of_size(size: int) -> str:
    frame = json.dumps({"type": "ping", "ref": "big", "pad": ""})
    missing = size - len(frame.encode())
    pad = "a" * (missing % 2) + "é" * (missing // 2)
    return frame.replace('"pad": ""', f'"pad": "{pad}"')


async def test_a_frame_of_64_kib_is_served_and_one_byte_more_closes_1009(owner):
    # given: frames measured in bytes (é is two of them)
    at_limit, over = ping_of_size(65536), ping_of_size(65537)
    assert len(at_limit.encode()) == 65536
    assert len(over.encode()) == 65537
    socket, _ = await open_for(owner)

    # when / then
    await socket.send_to(text_data=at_limit)
    assert await socket.receive_json_from() == {"type": "pong", "ref": "big"}
    await socket.send_to(text_data=over)
    assert await closed_with(socket) == 1009


async def test_flooding_is_answered_rate_limited_then_closes_4429(owner):
    # given
    socket, _ = await open_for(owner)

    # when: 100 frames at once
    for n in range(100):
        await socket.send_json_to({"type": "ping", "ref": str(n)})

    # then: the burst is served, then one error and the close
    answers = []
    while True:
        message = await socket.receive_output()
        if message["type"] == "websocket.close":
            code = message["code"]
            break
        answers.append(json.loads(message["text"]))
    await socket.disconnect(code=code)
    pongs = [answer for answer in answers if answer["type"] == "pong"]
    assert 40 <= len(pongs) <= 45
    assert pongs == [{"type": "pong", "ref": str(n)} for n in range(len(pongs))]
    assert answers[len(pongs) :] == [
        error(None, "Too many frames. Slow down.", code="rate_limited")
    ]
    assert code == 4429


async def test_a_client_under_20_frames_a_second_is_never_limited(owner):
    # given
    socket, _ = await open_for(owner)

    # when: 60 frames over three seconds, after a burst of 30
    for n in range(30):
        await socket.send_json_to({"type": "ping", "ref": f"burst-{n}"})
    for n in range(60):
        await shortly(0.05)
        await socket.send_json_to({"type": "ping", "ref": f"steady-{n}"})

    # then
    answers = [await socket.receive_json_from() for _ in range(90)]
    assert all(answer["type"] == "pong" for answer in answers)
    assert await ping(socket)
    await socket.disconnect()
