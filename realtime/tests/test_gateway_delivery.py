"""What a socket delivers: its user's log in seq order, each event once, live and on resume."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from realtime import events
from realtime.models import Event
from realtime.tests.sockets import (
    frames,
    log_without_doorbell,
    no_frame,
    open_for,
    ping,
    record,
    shortly,
)

pytestmark = pytest.mark.django_db(transaction=True)


def seqs(received):
    return [frame["seq"] for frame in received]


async def test_events_recorded_after_connecting_arrive_in_order_as_frames(owner):
    # given
    socket, _ = await open_for(owner)

    # when
    await record(owner, 3, kind="playdate.invited")

    # then
    received = await frames(socket, 3)
    stored = await database_sync_to_async(
        lambda: list(Event.objects.filter(user_id=owner.pk).order_by("seq"))
    )()
    assert received == [
        {
            "type": "playdate.invited",
            "seq": event.seq,
            "ts": event.created_at.isoformat(),
            "data": {"n": n},
        }
        for n, event in enumerate(stored)
    ]
    assert seqs(received) == [1, 2, 3]
    assert received[0]["ts"].endswith("+00:00")
    assert await no_frame(socket)
    await socket.disconnect()


async def test_since_replays_exactly_the_missing_events_then_goes_live(owner):
    # given: five events, of which the client has seen two
    await record(owner, 5)

    # when
    socket, _ = await open_for(owner, since=2)
    replayed = await frames(socket, 3)
    await record(owner, 1)
    live = await frames(socket, 1)

    # then
    assert seqs(replayed) == [3, 4, 5]
    assert seqs(live) == [6]
    assert await no_frame(socket)
    await socket.disconnect()


async def test_since_the_last_seq_replays_nothing(owner):
    await record(owner, 2)
    socket, _ = await open_for(owner, since=2)
    assert await no_frame(socket)
    await socket.disconnect()


async def test_events_recorded_during_a_long_replay_arrive_once_with_no_gap(owner):
    # given: 300 events to replay
    await record(owner, 300)

    # when: 60 more are recorded while the socket replays
    more = asyncio.ensure_future(record(owner, 60))
    socket, _ = await open_for(owner, since=0)
    received = await frames(socket, 360, within=10)
    await more

    # then
    assert seqs(received) == list(range(1, 361))
    assert await no_frame(socket, 0.5)
    await socket.disconnect()


async def test_an_event_whose_doorbell_was_lost_arrives_with_the_next_doorbell(owner):
    # given: two events logged without a doorbell
    socket, _ = await open_for(owner)
    await log_without_doorbell(owner, 2)
    assert await no_frame(socket)

    # when
    await record(owner, 1)

    # then
    assert seqs(await frames(socket, 3)) == [1, 2, 3]
    assert await no_frame(socket)
    await socket.disconnect()


async def test_an_event_whose_doorbell_was_lost_arrives_at_the_next_heartbeat(owner, settings):
    # given
    settings.REALTIME_HEARTBEAT_SECONDS = 0.3
    socket, _ = await open_for(owner)

    # when: no doorbell ever rings
    await log_without_doorbell(owner, 1)

    # then
    assert seqs(await frames(socket, 1)) == [1]
    await socket.disconnect()


async def test_a_doorbell_ahead_of_the_log_is_retried_until_the_log_shows_the_events(owner):
    # given: a doorbell for seq 2 arrives before this socket's reads can see it
    socket, _ = await open_for(owner)
    group = events.user_group(owner.pk)
    await get_channel_layer().group_send(
        group, {"type": "events.available", "seq": 2, "group": group}
    )
    await shortly(0.3)

    # when: the events become visible, with no further doorbell
    await log_without_doorbell(owner, 2)

    # then
    assert seqs(await frames(socket, 2)) == [1, 2]
    await socket.disconnect()


async def test_an_old_or_repeated_doorbell_sends_nothing_twice(owner):
    # given: a socket that delivered seq 1 and 2
    socket, _ = await open_for(owner)
    await record(owner, 2)
    assert seqs(await frames(socket, 2)) == [1, 2]

    # when
    layer = get_channel_layer()
    for seq in (1, 2, 2):
        group = events.user_group(owner.pk)
        await layer.group_send(group, {"type": "events.available", "seq": seq, "group": group})

    # then
    assert await no_frame(socket)
    assert await ping(socket)
    await socket.disconnect()


async def test_every_socket_of_the_user_gets_every_event(owner):
    # given: a phone and a laptop
    phone, _ = await open_for(owner)
    laptop, _ = await open_for(owner)

    # when
    await record(owner, 2)

    # then
    assert seqs(await frames(phone, 2)) == [1, 2]
    assert seqs(await frames(laptop, 2)) == [1, 2]
    await phone.disconnect()
    await laptop.disconnect()


async def test_a_socket_never_delivers_another_users_events(owner, friend):
    # given: the friend's log is longer than the owner's
    await record(friend, 3)
    await record(owner, 1)

    # when: the owner resumes from 0 and the friend's log grows further
    socket, _ = await open_for(owner, since=0)
    replayed = await frames(socket, 1)
    await record(friend, 2)
    await log_without_doorbell(friend, 1)
    group = events.user_group(friend.pk)
    await get_channel_layer().group_send(
        group, {"type": "events.available", "seq": 6, "group": group}
    )

    # then
    assert replayed == [
        {
            "type": "playdate.updated",
            "seq": 1,
            "ts": replayed[0]["ts"],
            "data": {"n": 0},
        }
    ]
    assert await no_frame(socket, 0.5)
    await socket.disconnect()


async def test_a_live_frame_and_its_replay_are_identical(owner):
    # given: frames delivered live (small ones ride on their doorbell)
    socket, _ = await open_for(owner)
    await record(owner, 2, kind="playdate.invited")
    live = await frames(socket, 2)
    await socket.disconnect()

    # when: the same events replayed from the log
    again, _ = await open_for(owner, since=0)
    replayed = await frames(again, 2)

    # then
    assert replayed == live
    await again.disconnect()
