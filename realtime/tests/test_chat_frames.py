"""The chat frames of a socket (`realtime.chat_frames.handle`), called as the gateway calls them:
answers, events, and the same errors as REST."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import time_machine
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.core.exceptions import ValidationError

from config.errors import Conflict, NotFound, RateLimited
from matching.models import Playdate
from realtime import chat_frames, events
from realtime.models import ChatRead, Message
from realtime.tests.chat_helpers import (
    WINDOW_START,
    chat_state,
    logged,
    messages_url,
    playdate_of,
    send,
    shown,
)

pytestmark = pytest.mark.django_db(transaction=True)

NOT_A_PLAYDATE_ID = {"playdate_id": ["playdate_id must be a positive whole number."]}
NOT_A_MESSAGE_ID = {"message_id": ["message_id must be a positive whole number."]}


@pytest.fixture
def playdate(owner, friend):
    return playdate_of(owner, friend)


async def in_db(function, *args, **kwargs):
    return await database_sync_to_async(function)(*args, **kwargs)


async def test_chat_send_is_acked_with_the_stored_message(owner, friend, playdate):
    # when
    answer = await chat_frames.handle(
        owner.pk, "chat.send", "r-1", {"playdate_id": playdate.pk, "body": " Park at 3? "}
    )

    # then: the ack and the sender's event show the ref; the friend's event does not
    message = await in_db(Message.objects.get)
    stored = await in_db(shown, message, ref="r-1")
    assert answer == {"type": "ack", "ref": "r-1", "data": {"message": stored}}
    assert stored["body"] == "Park at 3?"
    assert stored["sender_id"] == owner.pk
    assert await in_db(logged, owner) == [(1, "chat.message", {"message": stored})]
    assert await in_db(logged, friend) == [
        (1, "chat.message", {"message": {**stored, "ref": None}})
    ]


async def test_the_invitee_sends_the_same_way(owner, friend, playdate):
    answer = await chat_frames.handle(
        friend.pk, "chat.send", None, {"playdate_id": playdate.pk, "body": "Deal!"}
    )

    assert answer is not None
    assert answer["ref"] is None
    assert answer["data"]["message"]["sender_id"] == friend.pk
    assert len(await in_db(logged, owner)) == 1


async def test_a_resent_ref_is_acked_with_the_same_message_once_stored(owner, friend, playdate):
    # given: an integer ref, as a client may use
    frame = {"playdate_id": playdate.pk, "body": "Park at 3?"}
    first = await chat_frames.handle(owner.pk, "chat.send", 7, frame)

    # when
    again = await chat_frames.handle(owner.pk, "chat.send", 7, frame)

    # then: the ref comes back as sent (and as stored, a string, in the message); one row, one
    # event per owner
    assert again == first
    assert again is not None
    assert again["ref"] == 7
    assert again["data"]["message"]["ref"] == "7"
    assert await in_db(Message.objects.count) == 1
    assert len(await in_db(logged, owner)) == 1
    assert len(await in_db(logged, friend)) == 1


async def test_rest_and_socket_share_refs(owner, playdate):
    # given: sent over REST with a ref, the answer lost
    message = await in_db(send, owner, playdate, "Park at 3?", "r-1")

    # when: the client retries on its socket
    answer = await chat_frames.handle(
        owner.pk, "chat.send", "r-1", {"playdate_id": playdate.pk, "body": "Park at 3?"}
    )

    # then
    assert answer is not None
    assert answer["data"]["message"]["id"] == message.pk


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("chat.send", {"body": "Hello"}),
        ("chat.typing", {}),
        ("chat.read", {"message_id": 1}),
    ],
)
async def test_a_stranger_is_told_not_found_for_every_chat_frame(stranger, playdate, kind, data):
    # given
    message = await in_db(send, playdate.inviter, playdate)
    data = {"playdate_id": playdate.pk, **data}
    if kind == "chat.read":
        data["message_id"] = message.pk
    before = await in_db(chat_state)

    # when / then
    with pytest.raises(NotFound, match=r"No such playdate\."):
        await chat_frames.handle(stranger.pk, kind, "r", data)
    assert await in_db(chat_state) == before


@pytest.mark.parametrize(
    ("kind", "data", "error"),
    [
        ("chat.send", {"body": "Hi"}, NOT_A_PLAYDATE_ID),
        ("chat.send", {"playdate_id": "1", "body": "Hi"}, NOT_A_PLAYDATE_ID),
        ("chat.send", {"playdate_id": True, "body": "Hi"}, NOT_A_PLAYDATE_ID),
        ("chat.send", {"playdate_id": 1.0, "body": "Hi"}, NOT_A_PLAYDATE_ID),
        ("chat.send", {"playdate_id": 0, "body": "Hi"}, NOT_A_PLAYDATE_ID),
        ("chat.send", {"playdate_id": 1}, {"body": ["body must be a string."]}),
        ("chat.send", {"playdate_id": 1, "body": 42}, {"body": ["body must be a string."]}),
        ("chat.typing", {"playdate_id": None}, NOT_A_PLAYDATE_ID),
        ("chat.read", {"playdate_id": 1}, NOT_A_MESSAGE_ID),
        ("chat.read", {"playdate_id": 1, "message_id": "9"}, NOT_A_MESSAGE_ID),
        ("chat.shout", {}, {"type": ["Unknown chat frame type 'chat.shout'."]}),
    ],
)
async def test_invalid_data_is_a_validation_error_naming_the_field(owner, kind, data, error):
    # when
    with pytest.raises(ValidationError) as caught:
        await chat_frames.handle(owner.pk, kind, "r", data)

    # then: the gateway shows the messages, so each names its field
    assert caught.value.message_dict == error
    assert await in_db(chat_state) == {"messages": [], "reads": [], "events": [], "cursors": []}


async def test_a_ref_too_long_to_keep_is_a_validation_error(owner, playdate):
    with pytest.raises(ValidationError) as caught:
        await chat_frames.handle(
            owner.pk, "chat.send", "r" * 101, {"playdate_id": playdate.pk, "body": "Hi"}
        )
    assert caught.value.message_dict == {"ref": ["ref must be a string of at most 100 characters."]}


@pytest.mark.parametrize("body", ["", "   ", "a" * 2001])
async def test_a_bad_body_is_the_same_validation_error_as_over_rest(owner, playdate, body):
    with pytest.raises(ValidationError) as caught:
        await chat_frames.handle(
            owner.pk, "chat.send", "r", {"playdate_id": playdate.pk, "body": body}
        )
    assert caught.value.message_dict == {
        "body": ["Write 1 to 2000 characters (spaces around the text do not count)."]
    }


@pytest.mark.parametrize(
    ("field", "body", "ref"), [("body", "Hi\x00", "r"), ("ref", "Hi", "r\x00")]
)
async def test_a_null_character_is_the_same_validation_error_as_over_rest(
    owner, playdate, client_for, field, body, ref
):
    # given: REST refuses it
    api = await in_db(client_for, owner)
    response = await in_db(
        api.post, messages_url(playdate.pk), {"body": body, "ref": ref}, format="json"
    )
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()

    # when / then
    with pytest.raises(ValidationError) as caught:
        await chat_frames.handle(
            owner.pk, "chat.send", ref, {"playdate_id": playdate.pk, "body": body}
        )
    assert caught.value.message_dict == {field: ["Null characters are not allowed."]}
    assert await in_db(Message.objects.count) == 0


async def test_a_closed_playdate_is_a_conflict(owner, playdate):
    # given
    await in_db(Playdate.objects.filter(pk=playdate.pk).update, status="cancelled")

    # when / then
    with pytest.raises(Conflict, match="This playdate is cancelled: its chat is read-only"):
        await chat_frames.handle(
            owner.pk, "chat.send", "r", {"playdate_id": playdate.pk, "body": "Hi"}
        )
    assert await in_db(Message.objects.count) == 0


async def test_chat_read_answers_nothing_and_records_the_receipt(owner, friend, playdate):
    # given
    message = await in_db(send, owner, playdate)

    # when
    answer = await chat_frames.handle(
        friend.pk, "chat.read", "r", {"playdate_id": playdate.pk, "message_id": message.pk}
    )

    # then
    assert answer is None
    marks = await in_db(lambda: list(ChatRead.objects.values_list("user_id", "message_id")))
    assert marks == [(friend.pk, message.pk)]
    receipt = {"playdate_id": playdate.pk, "user_id": friend.pk, "message_id": message.pk}
    assert (await in_db(logged, owner))[-1] == (2, "chat.read", receipt)


async def test_chat_typing_is_relayed_once_per_3_seconds(owner, friend, playdate):
    # given: a socket of the friend's
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(events.user_group(friend.pk), channel)

    # when: three keystrokes in a row
    answers = [
        await chat_frames.handle(owner.pk, "chat.typing", None, {"playdate_id": playdate.pk})
        for _ in range(3)
    ]

    # then: nothing to answer, one relay, nothing logged
    assert answers == [None, None, None]
    received = await asyncio.wait_for(layer.receive(channel), timeout=2)
    assert received["type"] == "frame.ephemeral"
    assert received["frame"] == {
        "type": "chat.typing",
        "data": {"playdate_id": playdate.pk, "user_id": owner.pk},
    }
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(channel), timeout=0.3)
    assert await in_db(logged, friend) == []
    await layer.group_discard(events.user_group(friend.pk), channel)


async def test_the_rate_limit_is_shared_by_rest_and_sockets(owner, playdate, client_for, settings):
    # given: half the allowance spent over REST, half on a socket
    limit, _ = settings.RATE_LIMITS["chat_message"]
    await in_db(
        Playdate.objects.filter(pk=playdate.pk).update, date_time=WINDOW_START + timedelta(days=3)
    )
    with time_machine.travel(WINDOW_START + timedelta(seconds=4), tick=False):
        api = await in_db(client_for, owner)
        for n in range(limit // 2):
            response = await in_db(
                api.post, messages_url(playdate.pk), {"body": f"rest {n}"}, format="json"
            )
            assert response.status_code == 201
        for n in range(limit - limit // 2):
            await chat_frames.handle(
                owner.pk, "chat.send", f"ws-{n}", {"playdate_id": playdate.pk, "body": f"ws {n}"}
            )

        # when: one more each way
        with pytest.raises(RateLimited) as caught:
            await chat_frames.handle(
                owner.pk, "chat.send", "ws-x", {"playdate_id": playdate.pk, "body": "too many"}
            )
        response = await in_db(
            api.post, messages_url(playdate.pk), {"body": "too many"}, format="json"
        )

    # then
    assert caught.value.retry_after == 6
    assert response.status_code == 429
    assert response["Retry-After"] == "6"
    assert response.json()["error"]["code"] == "rate_limited"
    assert await in_db(Message.objects.count) == limit
