"""Presence: owners who share a pending or accepted playdate see each other come and go."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.utils import timezone

from accounts.services import user_block
from matching import playdate_services
from matching.models import Playdate
from matching.tests.playdate_helpers import invite, pet_for
from realtime import events, hub, presence
from realtime.tests.sockets import frames, no_frame, open_for, playdate_between, shortly
from realtime.tests.sockets import presence as presence_frame

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_partner_sees_the_owner_online_until_the_last_socket_closes(owner, friend):
    # given: a playdate between them, the friend online on two devices
    await playdate_between(owner, friend)
    friends_phone, _ = await open_for(friend)
    friends_laptop, _ = await open_for(friend)

    # when: the owner's phone opens
    phone, _ = await open_for(owner)

    # then: both of the friend's sockets hear it
    assert await frames(friends_phone, 1) == [presence_frame(owner, True)]
    assert await frames(friends_laptop, 1) == [presence_frame(owner, True)]

    # when: the owner's laptop opens too, then the phone closes
    laptop, _ = await open_for(owner)
    await phone.disconnect()

    # then: the owner is still online
    assert await no_frame(friends_phone)
    assert await no_frame(friends_laptop, 0)

    # when: the last socket closes
    await laptop.disconnect()

    # then
    assert await frames(friends_phone, 1) == [presence_frame(owner, False)]
    assert await frames(friends_laptop, 1) == [presence_frame(owner, False)]
    assert await no_frame(friends_phone)
    await friends_phone.disconnect()
    await friends_laptop.disconnect()


async def test_a_new_socket_learns_which_partners_are_online_right_after_hello(
    owner, friend, stranger, make_user
):
    # given: two partners, one online, one not; an online stranger
    offline_partner = await database_sync_to_async(make_user)()
    await playdate_between(owner, friend)
    await playdate_between(offline_partner, owner)
    friends, _ = await open_for(friend)
    strangers, _ = await open_for(stranger)

    # when (open_for has read the hello)
    socket, _ = await open_for(owner)

    # then
    assert await frames(socket, 1) == [presence_frame(friend, True)]
    assert await no_frame(socket)
    assert await frames(friends, 1) == [presence_frame(owner, True)]
    for other in (socket, friends, strangers):
        await other.disconnect()


async def test_a_user_without_a_shared_playdate_sees_nothing(owner, friend, stranger):
    # given: the stranger shares no playdate with the owner
    await playdate_between(owner, friend)
    strangers, _ = await open_for(stranger)

    # when: the owner comes and goes
    socket, _ = await open_for(owner)
    await socket.disconnect()

    # then
    assert await no_frame(strangers)
    await strangers.disconnect()


@pytest.mark.parametrize("ending", ["declined", "cancelled"])
async def test_a_declined_or_cancelled_playdate_no_longer_makes_partners(owner, friend, ending):
    # given: the friend invited the owner, and the playdate ended
    playdate_id = await playdate_between(friend, owner)

    def end() -> None:
        if ending == "declined":
            playdate_services.playdate_decline(user=owner, playdate_id=playdate_id)
        else:
            playdate_services.playdate_cancel(user=friend, playdate_id=playdate_id)

    await database_sync_to_async(end)()
    friends, _ = await open_for(friend)

    # when
    socket, _ = await open_for(owner)
    await shortly()
    await socket.disconnect()

    # then: neither hears of the other
    assert await no_frame(socket, 0)
    assert await no_frame(friends)
    await friends.disconnect()


async def test_a_block_ends_presence_between_partners(owner, friend):
    # given: a pending playdate, then the friend blocks the owner
    await playdate_between(owner, friend)
    await database_sync_to_async(user_block)(user=friend, other_id=owner.pk)
    friends, _ = await open_for(friend)

    # when
    socket, _ = await open_for(owner)

    # then
    assert await no_frame(socket)
    assert await no_frame(friends, 0)
    await socket.disconnect()
    await friends.disconnect()


async def test_presence_frames_carry_no_seq_and_are_not_replayed(owner, friend):
    # given: the friend's log (the invitation, and whatever else their pets brought)
    await playdate_between(owner, friend)
    logged = await database_sync_to_async(events.last_seq)(friend.pk)
    friends, _ = await open_for(friend, since=0)
    replayed = await frames(friends, logged)

    # when: the owner comes and goes
    socket, _ = await open_for(owner)
    await socket.disconnect()
    live = await frames(friends, 2)
    await friends.disconnect()

    # then: ephemeral frames, without seq or ts, and nothing logged
    assert live == [presence_frame(owner, True), presence_frame(owner, False)]
    assert await database_sync_to_async(events.last_seq)(friend.pk) == logged

    # when: the friend resumes from the start
    friends, _ = await open_for(friend, since=0)

    # then: the log replays as before, the presence does not
    assert await frames(friends, logged) == replayed
    assert await no_frame(friends)
    assert "playdate.invited" in [frame["type"] for frame in replayed]
    await friends.disconnect()


async def test_a_socket_that_vanished_without_closing_stops_counting(owner, friend, settings):
    # given: heartbeats every 0.2 s, so a socket counts for 0.6 s after its last one; a playdate;
    # and a socket of the friend's in a process that died (counted once, never again)
    settings.REALTIME_HEARTBEAT_SECONDS = 0.2
    await playdate_between(owner, friend)
    await sync_to_async(presence.socket_opened)(
        user_id=friend.pk, socket_id="vanished", seconds=hub.presence_seconds()
    )
    phone, _ = await open_for(owner)
    assert await frames(phone, 1) == [presence_frame(friend, True)]

    # when: its count is more than 0.6 s old
    await shortly(0.8)
    laptop, _ = await open_for(owner)

    # then: the friend is offline
    assert await no_frame(laptop)

    # when: the owner's sockets outlive their first 0.6 s too
    await shortly(0.8)
    friends, _ = await open_for(friend)

    # then: their heartbeats kept the owner online
    assert await frames(friends, 1) == [presence_frame(owner, True)]

    # and the friend's real socket is their first again
    assert await frames(phone, 1) == [presence_frame(friend, True)]
    assert await frames(laptop, 1) == [presence_frame(friend, True)]
    for socket in (phone, laptop, friends):
        await socket.disconnect()


@pytest.mark.parametrize("store", ["redis", "process"])
def test_the_count_says_first_and_last_and_forgets_expired_sockets(settings, store):
    # given: the shared Redis count, or the embedded default's dict
    if store == "process":
        settings.REDIS_URLS = []

    # when / then: two sockets, closed in turn
    assert presence.socket_opened(user_id=1, socket_id="a", seconds=5) is True
    assert presence.socket_opened(user_id=1, socket_id="b", seconds=5) is False
    assert presence.online_among([2, 1]) == [1]
    assert presence.socket_closed(user_id=1, socket_id="a") is False
    assert presence.socket_closed(user_id=1, socket_id="b") is True
    assert presence.online_among([1]) == []

    # when / then: a socket whose heartbeat stopped
    assert presence.socket_opened(user_id=1, socket_id="c", seconds=0.05) is True
    time.sleep(0.1)
    assert presence.online_among([1]) == []
    assert presence.socket_opened(user_id=1, socket_id="d", seconds=5) is True

    # when / then: a heartbeat keeps a socket counted past its first expiry
    presence.sockets_alive([(1, "d")], seconds=0.05)
    presence.sockets_alive([(1, "d")], seconds=5)
    time.sleep(0.1)
    assert presence.online_among([1]) == [1]
    assert presence.socket_closed(user_id=1, socket_id="d") is True


def test_partners_are_read_in_one_query(owner, friend, stranger, django_assert_num_queries):
    # given: a pending and an accepted playdate with the friend, a declined one with the stranger
    owners_pet, friends_pet, strangers_pet = pet_for(owner), pet_for(friend), pet_for(stranger)
    invite(owners_pet, friends_pet)
    accepted = invite(friends_pet, owners_pet)
    playdate_services.playdate_accept(user=owner, playdate_id=accepted.pk)
    declined = invite(strangers_pet, owners_pet)
    playdate_services.playdate_decline(user=owner, playdate_id=declined.pk)

    # when / then
    with django_assert_num_queries(1):
        assert presence.partner_ids(owner.pk) == [friend.pk]
    assert presence.partner_ids(friend.pk) == [owner.pk]
    assert presence.partner_ids(stranger.pk) == []


@pytest.mark.parametrize(
    ("status", "hours_from_now", "partners"),
    [
        ("pending", 1, True),
        ("pending", -0.1, False),  # expired: its time passed while pending
        ("accepted", -1.9, True),  # under way
        ("accepted", -2.1, False),  # completed: two hours after its start
    ],
)
def test_partners_follow_the_playdates_status_as_time_passes(
    owner, friend, status, hours_from_now, partners
):
    # given: a playdate whose stored status has not caught up with the clock
    playdate = invite(pet_for(owner), pet_for(friend))
    Playdate.objects.filter(pk=playdate.pk).update(
        status=status, date_time=timezone.now() + timedelta(hours=hours_from_now)
    )

    # when / then
    assert presence.partner_ids(owner.pk) == ([friend.pk] if partners else [])
    assert presence.partner_ids(friend.pk) == ([owner.pk] if partners else [])
