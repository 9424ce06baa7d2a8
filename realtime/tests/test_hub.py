"""The hub: one channel and one heartbeat for all the sockets of a process."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from typing import Any

import pytest
from autobahn.exception import Disconnected
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from accounts.models import Session
from realtime import events, gateway
from realtime import hub as hubs
from realtime.tests.sockets import (
    closed_with,
    frames,
    log_without_doorbell,
    login,
    no_frame,
    open_for,
    open_socket,
    ping,
    record,
)

pytestmark = pytest.mark.django_db(transaction=True)


def seqs(received):
    return [frame["seq"] for frame in received]


async def test_the_sockets_of_a_process_share_one_channel_and_their_groups_one_subscription(
    owner,
):
    # given: two sockets of one user
    phone, _ = await open_for(owner)
    laptop, _ = await open_for(owner)
    layer = get_channel_layer()._get_layer()

    # then: the layer knows one channel of ours in the user's group, the hub's
    group_channel = layer._get_group_channel_name(events.user_group(owner.pk))
    assert layer.groups[group_channel] == {hubs.hub().channel}

    # when / then: both still get every event
    await record(owner, 2)
    assert seqs(await frames(phone, 2)) == [1, 2]
    assert seqs(await frames(laptop, 2)) == [1, 2]

    # when: one closes, the other still hears the group
    await phone.disconnect()
    await record(owner, 1)
    assert seqs(await frames(laptop, 1)) == [3]
    await laptop.disconnect()


async def test_the_hub_stops_with_its_last_socket_and_leaves_its_groups(owner):
    # given
    socket, _ = await open_for(owner)
    running = hubs.hub()
    tasks = running.tasks
    layer = get_channel_layer()._get_layer()

    # when
    await socket.disconnect()
    await hubs.stopped(5)

    # then: no task left behind, no subscription kept, and the next socket gets a new hub
    assert all(task.done() for task in tasks)
    assert running.channel not in layer.channels
    assert running.members == {}
    assert layer._get_group_channel_name(events.user_group(owner.pk)) not in layer.groups
    assert hubs.hub() is not running


async def test_a_socket_joining_while_the_last_one_leaves_its_groups_still_hears_them(owner):
    # given: the user's only socket
    socket, _ = await open_for(owner)
    for _ in range(5):
        # when: it closes while the user's next socket opens (the hub leaves the user's group
        # and joins it again at the same time)
        ticket = await (await login(owner)).ticket()
        _, socket = await asyncio.gather(socket.disconnect(), open_socket(ticket))
        assert (await socket.receive_json_from())["type"] == "hello"

    # when
    await record(owner, 1)

    # then
    assert seqs(await frames(socket, 1)) == [1]
    await socket.disconnect()


class Listener:
    """A member of the hub that only listens: what a socket is to it, minus the socket."""

    def __init__(self, group: str) -> None:
        self.user_id, self.session_id, self.socket_id = 0, 0, str(id(self))
        self.groups_joined: tuple[str, ...] = (group,)
        self.due = float("inf")
        self.closing = False
        self.heard: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def hub_message(self, message: dict[str, Any]) -> None:
        await self.heard.put(message)

    async def checked(self, close_code: int | None, last_seq: int) -> None:
        raise AssertionError("never due")


async def test_a_member_joining_while_the_last_one_leaves_still_hears_the_group():
    # given: the group's only member, leaving
    running = hubs.hub()
    leaving, joining, staying = Listener("g"), Listener("g"), Listener("other")
    await running.join(staying)
    await running.join(leaving)
    left = asyncio.ensure_future(running.leave(leaving))
    await asyncio.sleep(0)

    # when: another joins before the leave is done
    await running.join(joining)
    await left
    await running.send_many({"g": {"type": "test.message"}})

    # then
    heard = await asyncio.wait_for(joining.heard.get(), 3)
    assert heard == {"type": "test.message", "group": "g"}
    await running.leave(joining)
    await running.leave(staying)


class Gone(Listener):
    """A member whose connection closed under it: daphne refuses to send on it."""

    async def hub_message(self, message: dict[str, Any]) -> None:
        raise Disconnected("Attempt to send on a closed protocol")


async def test_a_socket_whose_connection_closed_under_it_costs_no_error_and_no_one_else(caplog):
    # given: a group with a member whose connection is gone, and one that listens
    running = hubs.hub()
    gone, listening = Gone("g"), Listener("g")
    await running.join(gone)
    await running.join(listening)

    # when
    with caplog.at_level(logging.DEBUG, logger="pawdate.realtime"):
        await running.send_many({"g": {"type": "presence.changed"}})
        heard = await asyncio.wait_for(listening.heard.get(), 3)

    # then: the other member heard it, and nothing was logged as an error
    assert heard == {"type": "presence.changed", "group": "g"}
    assert [record for record in caplog.records if record.levelno >= logging.WARNING] == []
    await running.leave(gone)
    await running.leave(listening)


async def test_a_message_that_names_no_group_reaches_no_socket(owner):
    # given
    socket, _ = await open_for(owner)
    group = events.user_group(owner.pk)

    # when: a message sent to the user's group without its group's name
    await get_channel_layer().group_send(group, {"type": "events.available", "seq": 1})

    # then: nothing is delivered from it, and the socket still works
    assert await no_frame(socket)
    assert await ping(socket)
    await socket.disconnect()


async def test_one_pulse_checks_every_socket_due_and_closes_only_the_ended_session(
    owner, friend, settings
):
    # given: three sockets, one of them of a session that ends without a close message
    settings.REALTIME_HEARTBEAT_SECONDS = 0.3
    ending, ending_login = await open_for(owner)
    staying, _ = await open_for(owner)
    other, _ = await open_for(friend)

    def end_session_silently() -> None:
        with transaction.atomic():
            Session.objects.filter(pk=ending_login.session_id).update(revoked_at=timezone.now())

    # when
    await database_sync_to_async(end_session_silently)()

    # then
    assert await closed_with(ending) == gateway.CLOSE_TICKET
    assert await no_frame(staying, 0.6)
    assert await ping(staying)
    assert await ping(other)
    await staying.disconnect()
    await other.disconnect()


async def test_after_lost_echoes_every_socket_reads_its_log_not_only_those_due(
    owner, friend, stranger, settings
):
    # given: three sockets on 15 s beats (pulses a second apart): the owner's due now, the
    # stranger's and the friend's not for minutes, the friend's last
    settings.REALTIME_HEARTBEAT_SECONDS = 15
    owners_socket, _ = await open_for(owner)
    strangers_socket, _ = await open_for(stranger)
    friends_socket, _ = await open_for(friend)
    hub = hubs.hub()
    members = {member.user_id: member for member in hub.sockets}
    now = time.monotonic()
    members[owner.pk].due, members[stranger.pk].due = now, now + 600
    members[friend.pk].due = now + 1200
    redis_away = asyncio.Event()
    redis_away.set()
    hear = hub.deaf_among

    async def deaf_among(groups):
        return set(groups) if redis_away.is_set() else await hear(groups)

    hub.deaf_among = deaf_among  # type: ignore[method-assign]  # the echoes Redis loses

    # when: the friend's log grows while Redis is away, its doorbells lost; a pulse finds the
    # owner's echo lost (closing that socket); then Redis is back
    await log_without_doorbell(friend, 2)
    assert await closed_with(owners_socket) == 1012
    redis_away.clear()

    # then: the friend's socket delivers them within a pulse or two, not at its own beat
    assert seqs(await frames(friends_socket, 2, within=3)) == [1, 2]
    assert await ping(strangers_socket)
    await strangers_socket.disconnect()
    await friends_socket.disconnect()


def test_standings_of_many_sockets_take_one_query(
    owner, friend, stranger, django_assert_num_queries
):
    # given: sockets of three users, one of them suspended, and a session that does not exist
    sessions = {}
    for user in (owner, friend, stranger):
        with transaction.atomic():
            events.record(user_ids=[user.pk], kind="playdate.updated", data={})
        sessions[user.pk] = Session.objects.create(
            user=user, refresh_jti=f"jti-{user.pk}", expires_at=timezone.now() + timedelta(days=1)
        ).pk
    stranger.suspended_at = timezone.now()
    stranger.save(update_fields=["suspended_at"])
    pairs = list(sessions.items())
    pairs.append((owner.pk, sessions[friend.pk]))  # a session that is not the owner's

    # when
    with django_assert_num_queries(1):
        found = gateway.standings_of(pairs)

    # then
    assert found[(owner.pk, sessions[owner.pk])] == gateway.Standing(None, 1)
    assert found[(friend.pk, sessions[friend.pk])] == gateway.Standing(None, 1)
    assert found[(stranger.pk, sessions[stranger.pk])].close_code == gateway.CLOSE_FORBIDDEN
    assert found[(owner.pk, sessions[friend.pk])].close_code == gateway.CLOSE_TICKET


async def test_what_the_hub_brings_before_the_hello_waits_for_it():
    # given: a socket between joining its group and its hello
    socket = gateway.Gateway()
    socket.held = []
    sent: list[dict[str, Any]] = []

    async def send_frame(frame: dict[str, Any]) -> None:
        sent.append(frame)

    socket.send_frame = send_frame  # type: ignore[method-assign]  # what reaches the client

    # when: a partner's presence, a typing notice and a doorbell arrive
    presence = {"type": "presence.changed", "user_id": 7, "online": True}
    typing = {"type": "frame.ephemeral", "frame": {"type": "chat.typing", "data": {}}}
    await socket.hub_message(presence)
    await socket.hub_message(typing)
    await socket.hub_message({"type": "events.available", "seq": 3})

    # then: nothing is sent and no delivery starts; the messages wait, in order
    assert sent == []
    assert socket.held == [presence, typing]
    assert socket.delivering is None
    assert socket.wanted == 3
