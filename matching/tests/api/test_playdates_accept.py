"""POST /api/v1/playdates/{id}/accept: no pet is ever booked twice within two hours."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from accounts.models import Block
from accounts.tests.helpers import assert_error
from matching.models import Playdate
from matching.tests.playdate_helpers import (
    action_url,
    expected,
    forget_suggestions,
    in_days,
    invite,
    logged,
    pet_for,
    playdates_state,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OVERLAP = "One of the pets already has a playdate within two hours of this one."


def accepted(playdate):
    Playdate.objects.filter(pk=playdate.pk).update(status="accepted", awaiting_user=None)
    return playdate


@pytest.mark.parametrize("apart", [timedelta(0), timedelta(minutes=1), timedelta(minutes=119)])
@pytest.mark.parametrize("shared", ["invited pet", "inviting pet"])
def test_accepting_overlapping_playdate_is_conflict(
    owner, friend, client_for, mine, theirs, strays, apart, shared
):
    # given: `theirs` (or `mine`) already has an accepted playdate close to this one's time
    when = in_days(2)
    other = strays if shared == "invited pet" else pet_for(UserFactory.create())
    if shared == "invited pet":
        accepted(invite(strays, theirs, when - apart))
    else:
        accepted(invite(mine, other, when + apart))
    playdate = invite(mine, theirs, when)
    before = playdates_state()

    # when
    response = client_for(friend).post(action_url(playdate.pk, "accept"))

    # then
    assert_error(response, 409, "conflict", OVERLAP)
    assert playdates_state() == before


def test_playdates_two_hours_apart_do_not_overlap(owner, friend, client_for, mine, theirs, strays):
    # given
    when = in_days(2)
    accepted(invite(strays, theirs, when + timedelta(hours=2)))
    playdate = invite(mine, theirs, when)

    # when
    response = client_for(friend).post(action_url(playdate.pk, "accept"))

    # then
    assert response.status_code == 200, response.json()
    assert response.json() == expected(playdate, status="accepted", awaiting_user_id=None)


@pytest.mark.parametrize("status", ["pending", "declined", "cancelled"])
def test_only_accepted_playdates_count_as_overlapping(
    friend, client_for, mine, theirs, strays, status
):
    # given
    when = in_days(2)
    other = invite(strays, theirs, when)
    Playdate.objects.filter(pk=other.pk).update(status=status)
    playdate = invite(mine, theirs, when)

    # when
    response = client_for(friend).post(action_url(playdate.pk, "accept"))

    # then
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "accepted"


@pytest.mark.parametrize("who_blocks", ["inviter", "invitee"])
def test_accepting_after_a_block_either_way_is_conflict(
    owner, friend, client_for, mine, theirs, who_blocks
):
    # given
    playdate = invite(mine, theirs)
    blocker, blocked = (owner, friend) if who_blocks == "inviter" else (friend, owner)
    Block.objects.create(blocker=blocker, blocked=blocked)
    before = playdates_state()

    # when
    response = client_for(friend).post(action_url(playdate.pk, "accept"))

    # then
    assert_error(response, 409, "conflict", "One of you has blocked the other.")
    assert playdates_state() == before


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_accepts_of_overlapping_playdates_book_the_pet_once(
    friend, client_for, theirs
):
    # given: 20 owners invite `theirs` at times within 2 hours of each other
    when = in_days(2)
    inviting = [pet_for(UserFactory.create()) for _ in range(20)]
    forget_suggestions()
    playdates = [
        invite(pet, theirs, when + timedelta(minutes=5 * index))
        for index, pet in enumerate(inviting)
    ]
    clients = [client_for(friend) for _ in playdates]
    start = threading.Barrier(len(playdates))
    statuses: dict[int, int] = {}
    errors: list[BaseException] = []

    def accept(client, playdate):
        try:
            start.wait()
            statuses[playdate.pk] = client.post(action_url(playdate.pk, "accept")).status_code
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    # when: friend accepts all of them at once, each request on its own thread and connection
    threads = [
        threading.Thread(target=accept, args=pair) for pair in zip(clients, playdates, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: exactly one is accepted; the rest were refused and are still pending
    assert errors == []
    assert sorted(statuses.values()) == [200] + [409] * 19
    winner = next(pk for pk, code in statuses.items() if code == 200)
    assert list(Playdate.objects.filter(status="accepted").values_list("pk", flat=True)) == [winner]
    assert Playdate.objects.filter(status="pending").count() == 19
    # 20 invitations and one acceptance, each seq once
    kinds = [kind for _, kind, _ in logged(friend)]
    assert kinds == ["playdate.invited"] * 20 + ["playdate.updated"]
    assert [seq for seq, _, _ in logged(friend)] == list(range(1, 22))
