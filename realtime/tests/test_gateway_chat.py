"""Chat over real sockets: frames in, acks and events out, typing relayed, nothing lost on a
reconnect. (realtime/tests/test_chat_frames.py covers each frame's rules.)"""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from realtime.tests.chat_helpers import send
from realtime.tests.sockets import open_for, ping

pytestmark = pytest.mark.django_db(transaction=True)


async def say(socket: WebsocketCommunicator, ref: str, playdate_id: int, body: str) -> None:
    await socket.send_json_to(
        {"type": "chat.send", "ref": ref, "data": {"playdate_id": playdate_id, "body": body}}
    )


async def frames(socket: WebsocketCommunicator, count: int) -> list[dict[str, Any]]:
    """The next `count` frames but presence ones (the two owners share a playdate, so each
    hears when the other comes online)."""
    received: list[dict[str, Any]] = []
    while len(received) < count:
        frame = await socket.receive_json_from(3)
        if frame["type"] != "presence":
            received.append(frame)
    return received


async def no_frame(socket: WebsocketCommunicator) -> bool:
    """No frame but presence ones comes."""
    while not await socket.receive_nothing(0.3):
        if (await socket.receive_json_from())["type"] != "presence":
            return False
    return True


def by_type(received: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for frame in received:
        found.setdefault(frame["type"], []).append(frame)
    return found


async def test_a_message_sent_on_a_socket_is_acked_and_reaches_both_owners(owner, friend, playdate):
    # given
    owner_socket, _ = await open_for(owner)
    friend_socket, _ = await open_for(friend)

    # when
    await say(owner_socket, "m-1", playdate.pk, "  Park at 5?  ")

    # then: the sender gets the ack and its own event (in either order), both with the ref;
    # the friend the event without it
    mine = by_type(await frames(owner_socket, 2))
    message = mine["ack"][0]["data"]["message"]
    assert mine["ack"][0]["ref"] == "m-1"
    assert message["body"] == "Park at 5?"
    assert message["sender_id"] == owner.pk
    assert message["ref"] == "m-1"
    assert mine["chat.message"][0]["data"] == {"message": message}
    assert await frames(friend_socket, 1) == [
        {
            "type": "chat.message",
            "seq": 1,
            "ts": mine["chat.message"][0]["ts"],
            "data": {"message": {**message, "ref": None}},
        }
    ]
    await owner_socket.disconnect()
    await friend_socket.disconnect()


async def test_a_retried_ref_is_acked_again_and_told_once(owner, friend, playdate):
    # given
    owner_socket, _ = await open_for(owner)
    friend_socket, _ = await open_for(friend)
    await say(owner_socket, "same", playdate.pk, "Hi")
    first = by_type(await frames(owner_socket, 2))["ack"][0]

    # when: the client did not see the ack and sends again
    await say(owner_socket, "same", playdate.pk, "Hi")

    # then
    assert await frames(owner_socket, 1) == [first]
    assert [frame["seq"] for frame in await frames(friend_socket, 1)] == [1]
    assert await no_frame(friend_socket)
    await owner_socket.disconnect()
    await friend_socket.disconnect()


async def test_typing_reaches_the_other_owner_as_an_ephemeral_frame(owner, friend, playdate):
    # given
    owner_socket, _ = await open_for(owner)
    friend_socket, _ = await open_for(friend)

    # when
    for _ in range(3):
        await owner_socket.send_json_to(
            {"type": "chat.typing", "data": {"playdate_id": playdate.pk}}
        )

    # then: once (3 s throttle), with no seq, and not to the typist
    assert await frames(friend_socket, 1) == [
        {"type": "chat.typing", "data": {"playdate_id": playdate.pk, "user_id": owner.pk}}
    ]
    assert await no_frame(friend_socket)
    assert await no_frame(owner_socket)
    await owner_socket.disconnect()
    await friend_socket.disconnect()


async def test_a_stranger_gets_an_error_frame_and_the_socket_stays_open(stranger, playdate):
    socket, _ = await open_for(stranger)
    await say(socket, "x", playdate.pk, "Let me in")
    assert await frames(socket, 1) == [
        {
            "type": "error",
            "ref": "x",
            "data": {"code": "not_found", "message": "No such playdate."},
        }
    ]
    assert await ping(socket)
    await socket.disconnect()


async def test_over_the_message_limit_the_error_frame_says_when_to_retry(owner, playdate, settings):
    # given: a limit of 2 messages an hour (a window long enough not to turn during the test)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "chat_message": (2, 3600)}
    socket, _ = await open_for(owner)
    for n in range(2):
        await say(socket, f"ok-{n}", playdate.pk, "Hi")
        await frames(socket, 2)

    # when
    await say(socket, "over", playdate.pk, "Hi")

    # then
    (error,) = await frames(socket, 1)
    assert error["type"] == "error"
    assert error["ref"] == "over"
    assert error["data"]["code"] == "rate_limited"
    assert 1 <= error["data"]["retry_after"] <= 3600
    assert await ping(socket)
    await socket.disconnect()


async def test_messages_sent_while_a_socket_was_away_arrive_on_resume_in_order_once(
    owner, friend, playdate
):
    # given: the friend received one message, then went away
    friend_socket, _ = await open_for(friend)
    await database_sync_to_async(send)(owner, playdate, "one")
    (seen,) = await frames(friend_socket, 1)
    await friend_socket.disconnect()

    # when: three more are sent meanwhile, one over a socket and two over REST-like services
    owner_socket, _ = await open_for(owner)
    await say(owner_socket, "two", playdate.pk, "two")
    await frames(owner_socket, 2)
    await database_sync_to_async(send)(owner, playdate, "three")
    await database_sync_to_async(send)(friend, playdate, "four")
    back, _ = await open_for(friend, since=seen["seq"])

    # then
    replayed = await frames(back, 3)
    assert [frame["seq"] for frame in replayed] == [2, 3, 4]
    assert [frame["data"]["message"]["body"] for frame in replayed] == ["two", "three", "four"]
    assert await no_frame(back)
    await back.disconnect()
    await owner_socket.disconnect()
