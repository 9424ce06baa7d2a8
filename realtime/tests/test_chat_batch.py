"""The batcher of socket chat messages: many sockets' messages stored together, each socket
answered with its own message or error, every owner's log in order."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.db import database_sync_to_async

from accounts import ratelimit
from config.errors import NotFound, RateLimited
from matching.models import Playdate
from realtime import chat_batch
from realtime.chat_selectors import MessageData
from realtime.models import Message
from realtime.tests.chat_helpers import logged, playdate_of, shown

pytestmark = pytest.mark.django_db(transaction=True)


async def in_db(function, *args, **kwargs):
    return await database_sync_to_async(function)(*args, **kwargs)


@pytest.fixture
def playdates(make_user):
    """Ten conversations, between twenty owners (selected with them)."""
    ids = [playdate_of(make_user(), make_user()).pk for _ in range(10)]
    playdates = Playdate.objects.filter(pk__in=ids).order_by("pk")
    return list(playdates.select_related("inviter", "invitee"))


def stored_as_shown() -> dict[int, dict[str, Any]]:
    """Every message as its sender sees it (with its ref)."""
    return {
        message.pk: shown(message, ref=message.ref or None) for message in Message.objects.all()
    }


async def test_messages_sent_at_once_are_stored_together_each_once(playdates, stranger):
    # given: 100 messages, 10 per conversation (5 from each owner), and a stranger's
    senders = [
        (playdates[n % 10].inviter_id if n % 20 < 10 else playdates[n % 10].invitee_id)
        for n in range(100)
    ]
    sends = [
        chat_batch.submit(senders[n], playdates[n % 10].pk, f"message {n}", f"r-{n}")
        for n in range(100)
    ]
    sends.append(chat_batch.submit(stranger.pk, playdates[0].pk, "Let me in", None))

    # when: all at once, as from 101 sockets
    answers: list[Any] = await asyncio.gather(*sends, return_exceptions=True)

    # then: each socket has its own answer, the stored message (with its ref) or its error
    assert isinstance(answers[100], NotFound)
    stored = await in_db(stored_as_shown)
    assert len(stored) == 100
    assert [answer["body"] for answer in answers[:100]] == [f"message {n}" for n in range(100)]
    assert [answer["ref"] for answer in answers[:100]] == [f"r-{n}" for n in range(100)]
    assert answers[:100] == [stored[answer["id"]] for answer in answers[:100]]
    # in one batch (one transaction, so one moment for all)
    assert len({message["created_at"] for message in stored.values()}) == 1
    # and every owner's log holds their conversation's messages once each, in order, with
    # the refs of their own messages only
    for index, playdate in enumerate(playdates):
        for owner in (playdate.inviter, playdate.invitee):
            expected = [
                (
                    seq,
                    "chat.message",
                    {
                        "message": {
                            **answers[n],
                            "ref": answers[n]["ref"] if senders[n] == owner.pk else None,
                        }
                    },
                )
                for seq, n in enumerate(range(index, 100, 10), start=1)
            ]
            assert await in_db(logged, owner) == expected


async def test_each_sockets_messages_keep_their_order(playdates):
    # given: 20 sockets, one per owner, each sending 5 messages one after the other (a socket
    # waits for each message's answer before its next frame)
    async def socket(sender_id: int, playdate_id: int) -> list[MessageData]:
        return [
            await chat_batch.submit(sender_id, playdate_id, f"{sender_id}: {n}", None)
            for n in range(5)
        ]

    sockets = [
        socket(owner_id, playdate.pk)
        for playdate in playdates
        for owner_id in (playdate.inviter_id, playdate.invitee_id)
    ]

    # when
    acks = await asyncio.gather(*sockets)

    # then: every message stored once, each ack the stored message
    stored = await in_db(stored_as_shown)
    assert sorted(stored) == sorted(message["id"] for sent in acks for message in sent)
    assert [stored[message["id"]] for sent in acks for message in sent] == [
        message for sent in acks for message in sent
    ]
    # each owner's log has seqs 1 to 10, each owner's messages in the order sent
    for playdate in playdates:
        for owner in (playdate.inviter, playdate.invitee):
            log = await in_db(logged, owner)
            assert [seq for seq, _, _ in log] == list(range(1, 11))
            for sender_id in (playdate.inviter_id, playdate.invitee_id):
                bodies = [
                    data["message"]["body"]
                    for _, _, data in log
                    if data["message"]["sender_id"] == sender_id
                ]
                assert bodies == [f"{sender_id}: {n}" for n in range(5)]


async def test_when_redis_is_down_the_batch_is_stored_and_still_rate_limited(playdates, settings):
    # given: the rate limiter's Redis at a closed port, and a limit of 2 messages
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "chat_message": (2, 10)}
    ratelimit._redis.cache_clear()
    settings.REDIS_URLS = ["redis://127.0.0.1:1/0"]
    playdate = playdates[0]
    try:
        # when: three messages of one owner at once
        answers = await asyncio.gather(
            *(
                chat_batch.submit(playdate.inviter_id, playdate.pk, f"Hello {n}", f"r{n}")
                for n in range(3)
            ),
            return_exceptions=True,
        )
    finally:
        ratelimit._redis.cache_clear()

    # then: counted in the process, two are stored and the third refused
    assert [type(answer) for answer in answers] == [dict, dict, RateLimited]
    log = await in_db(logged, playdate.inviter)
    assert [(seq, data["message"]["body"]) for seq, _, data in log] == [
        (1, "Hello 0"),
        (2, "Hello 1"),
    ]
