"""record_many(): many durable events in a fixed number of statements, with record()'s rules."""

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


def test_each_users_events_get_the_next_seqs_in_the_order_given(owner, friend):
    # given: the owner's log is at 1
    with transaction.atomic():
        events.record(user_ids=[owner.pk], kind="chat.message", data={"n": 0})

    # when: three events for the owner and one for the friend, interleaved
    with transaction.atomic():
        seqs = events.record_many(
            [
                (owner.pk, "match.suggested", {"n": 1}),
                (friend.pk, "match.suggested", {"n": 2}),
                (owner.pk, "match.suggested", {"n": 3}),
                (owner.pk, "playdate.updated", {"n": 4}),
            ]
        )

    # then
    assert seqs == [2, 1, 3, 4]
    assert logged(owner.pk) == [
        (1, "chat.message", {"n": 0}),
        (2, "match.suggested", {"n": 1}),
        (3, "match.suggested", {"n": 3}),
        (4, "playdate.updated", {"n": 4}),
    ]
    assert logged(friend.pk) == [(1, "match.suggested", {"n": 2})]
    assert (events.last_seq(owner.pk), events.last_seq(friend.pk)) == (4, 1)


def test_a_rolled_back_change_leaves_no_event_and_no_seq_used(owner, friend):
    # when
    with transaction.atomic():
        events.record_many([(owner.pk, "match.suggested", {}), (friend.pk, "chat.read", {})])
        transaction.set_rollback(True)
    with transaction.atomic():
        events.record_many([(owner.pk, "match.suggested", {"kept": True})])

    # then: no gap, and nothing for the friend
    assert logged(owner.pk) == [(1, "match.suggested", {"kept": True})]
    assert logged(friend.pk) == []
    assert events.last_seq(friend.pk) == 0


def test_two_statements_whatever_the_number_of_recipients(make_user, django_assert_num_queries):
    # given
    users = [make_user().pk for _ in range(30)]

    # when / then: every user's seqs in one statement, then every event in one
    with transaction.atomic(), django_assert_num_queries(2):
        seqs = events.record_many([(user_id, "match.suggested", {}) for user_id in users * 2])

    assert seqs == [1] * 30 + [2] * 30


@pytest.mark.parametrize("kind", ["chat.typing", "presence", "nonsense"])
def test_only_durable_kinds_are_logged(owner, kind):
    with transaction.atomic(), pytest.raises(ValueError, match="not a durable event"):
        events.record_many([(owner.pk, "match.suggested", {}), (owner.pk, kind, {})])
    assert logged(owner.pk) == []


def test_nothing_to_record_records_nothing(django_assert_num_queries):
    with transaction.atomic(), django_assert_num_queries(0):
        assert events.record_many([]) == []


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused(owner):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        events.record_many([(owner.pk, "match.suggested", {})])


@pytest.mark.django_db(transaction=True)
def test_concurrent_bulk_and_single_writers_give_contiguous_seqs_and_never_deadlock(
    owner, friend, stranger
):
    # given: 8 threads, half recording in bulk (users in descending order, one twice), half one
    # event at a time for every user
    users = [owner.pk, friend.pk, stranger.pk]
    errors: list[BaseException] = []

    def bulk() -> None:
        for _ in range(10):
            with transaction.atomic():
                events.record_many(
                    [(user_id, "match.suggested", {}) for user_id in reversed(users)]
                    + [(friend.pk, "match.suggested", {})]
                )

    def single() -> None:
        for _ in range(10):
            with transaction.atomic():
                events.record(user_ids=users, kind="chat.message", data={})

    def run(write: object) -> None:
        try:
            write()  # type: ignore[operator]
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=run, args=(write,)) for write in [bulk, single] * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: 40 bulk and 40 single events each, the friend 40 more, with no gap or repeat
    assert errors == []
    for user_id, count in [(owner.pk, 80), (friend.pk, 120), (stranger.pk, 80)]:
        assert [seq for seq, _, _ in logged(user_id)] == list(range(1, count + 1))
        assert events.last_seq(user_id) == count


def commit_then_roll_back(owner_id: int, friend_id: int) -> None:
    with transaction.atomic():
        events.record_many(
            [
                (owner_id, "match.suggested", {}),
                (friend_id, "match.suggested", {}),
                (owner_id, "match.suggested", {}),
            ]
        )
    with transaction.atomic():
        events.record_many([(owner_id, "match.suggested", {})])
        transaction.set_rollback(True)


@pytest.mark.django_db(transaction=True)
async def test_each_user_hears_one_doorbell_after_commit_and_none_for_a_rollback(owner, friend):
    # given: a socket's channel in each user's group
    layer = get_channel_layer()
    channels = {}
    for user in (owner, friend):
        channels[user.pk] = await layer.new_channel()
        await layer.group_add(events.user_group(user.pk), channels[user.pk])

    # when: one change commits (two events for the owner), the next rolls back
    await database_sync_to_async(commit_then_roll_back)(owner.pk, friend.pk)

    # then: one ring each, for the last committed seq, and nothing more
    to_owner = await layer.receive(channels[owner.pk])
    to_friend = await layer.receive(channels[friend.pk])
    assert (to_owner["type"], to_owner["seq"]) == ("events.available", 2)
    assert (to_friend["type"], to_friend["seq"]) == ("events.available", 1)
    # each carries its user's new frames, exactly as the log gives them
    logged_frames = await database_sync_to_async(log_frames)(owner.pk, friend.pk)
    assert to_owner["frames"] == logged_frames[owner.pk]
    assert to_friend["frames"] == logged_frames[friend.pk]
    for user_id, channel in channels.items():
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(layer.receive(channel), timeout=0.3)
        await layer.group_discard(events.user_group(user_id), channel)


def log_frames(*user_ids: int) -> dict[int, list[dict[str, object]]]:
    return {
        user_id: [
            events.frame(event.kind, event.seq, event.created_at, event.data)
            for event in Event.objects.filter(user_id=user_id).order_by("seq")
        ]
        for user_id in user_ids
    }
