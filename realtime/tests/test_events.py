"""The durable event log: per-user seq, written with the change, announced after commit."""

from __future__ import annotations

import asyncio
import threading

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import connection, transaction

from realtime import events
from realtime.models import Event

pytestmark = pytest.mark.django_db


def logged(user_id: int) -> list[tuple[int, str, dict[str, object]]]:
    return [
        (event.seq, event.kind, event.data)
        for event in Event.objects.filter(user_id=user_id).order_by("seq")
    ]


def test_each_users_seq_starts_at_one_and_grows_by_one(owner, friend):
    # when
    with transaction.atomic():
        first = events.record(
            user_ids=[owner.pk, friend.pk], kind="playdate.invited", data={"n": 1}
        )
    with transaction.atomic():
        second = events.record(user_ids=[owner.pk], kind="playdate.updated", data={"n": 2})

    # then
    assert first == {owner.pk: 1, friend.pk: 1}
    assert second == {owner.pk: 2}
    assert logged(owner.pk) == [
        (1, "playdate.invited", {"n": 1}),
        (2, "playdate.updated", {"n": 2}),
    ]
    assert logged(friend.pk) == [(1, "playdate.invited", {"n": 1})]
    assert events.last_seq(owner.pk) == 2
    assert events.events_after(user_id=owner.pk, seq=1)[0].seq == 2


def test_a_rolled_back_change_leaves_no_event_and_no_seq_used(owner):
    # given
    with transaction.atomic():
        events.record(user_ids=[owner.pk], kind="chat.message", data={})

    # when
    with transaction.atomic():
        events.record(user_ids=[owner.pk], kind="chat.message", data={"lost": True})
        transaction.set_rollback(True)
    with transaction.atomic():
        events.record(user_ids=[owner.pk], kind="chat.read", data={})

    # then: no gap
    assert [seq for seq, _, _ in logged(owner.pk)] == [1, 2]


@pytest.mark.parametrize("kind", ["chat.typing", "presence", "nonsense"])
def test_only_durable_kinds_are_logged(owner, kind):
    with transaction.atomic(), pytest.raises(ValueError, match="not a durable event"):
        events.record(user_ids=[owner.pk], kind=kind, data={})


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused(owner):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        events.record(user_ids=[owner.pk], kind="chat.message", data={})


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_give_one_user_contiguous_seqs(owner, friend):
    # given: 8 threads, each recording 10 events for both users at once
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for _ in range(10):
                with transaction.atomic():
                    events.record(user_ids=[friend.pk, owner.pk], kind="chat.message", data={})
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert errors == []
    for user in (owner, friend):
        assert [seq for seq, _, _ in logged(user.pk)] == list(range(1, 81))


def commit_one_then_roll_one_back(user_id: int) -> None:
    with transaction.atomic():
        events.record(user_ids=[user_id], kind="chat.message", data={})
    with transaction.atomic():
        events.record(user_ids=[user_id], kind="chat.message", data={})
        transaction.set_rollback(True)


@pytest.mark.django_db(transaction=True)
async def test_the_doorbell_rings_after_commit_and_never_for_a_rollback(owner):
    # given: a socket's channel in the user's group
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(events.user_group(owner.pk), channel)

    # when: one change commits, the next rolls back
    await database_sync_to_async(commit_one_then_roll_one_back)(owner.pk)

    # then: one ring, for the committed seq, and none for the rolled-back one
    rung = await layer.receive(channel)
    logged_event = await database_sync_to_async(Event.objects.get)(user_id=owner.pk, seq=1)
    assert rung == {
        "type": "events.available",
        "group": events.user_group(owner.pk),
        "seq": 1,
        # the new frame rides along, exactly as the log would give it
        "frames": [events.frame("chat.message", 1, logged_event.created_at, {})],
    }
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(channel), timeout=0.5)
    await layer.group_discard(events.user_group(owner.pk), channel)
