"""Chat writes: sending (stored with its events, idempotent by ref, rate limited), read marks
and the typing throttle."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest
import time_machine
from channels.layers import get_channel_layer
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from accounts.models import Block
from config import redis
from config.errors import Conflict, NotFound, RateLimited
from matching.models import Playdate
from matching.tests.playdate_helpers import in_days
from realtime import chat_services, events
from realtime.models import ChatRead, Event, Message
from realtime.tests.chat_helpers import (
    WINDOW_START,
    chat_state,
    logged,
    playdate_of,
    send,
    shown,
)

pytestmark = pytest.mark.django_db


# --- Sending ----------------------------------------------------------------------------------


def test_a_message_is_stored_and_told_to_both_owners(owner, friend, playdate):
    # when
    message = send(owner, playdate, "  Park at 3?  ")

    # then: stored trimmed, one chat.message for each owner, the sender too
    assert Message.objects.count() == 1
    assert message.body == "Park at 3?"
    assert message.sender_id == owner.pk
    assert shown(message)["sender_name"] == "owner"
    expected = [(1, "chat.message", {"message": shown(message)})]
    assert logged(owner) == expected
    assert logged(friend) == expected


def test_the_invitee_answers_the_same_way(owner, friend, playdate):
    # given
    first = send(owner, playdate, "Park at 3?")

    # when
    answer = send(friend, playdate, "Deal!")

    # then
    assert answer.sender_id == friend.pk
    assert [data["message"]["id"] for _, _, data in logged(owner)] == [first.pk, answer.pk]
    assert [data["message"]["id"] for _, _, data in logged(friend)] == [first.pk, answer.pk]


def test_a_retried_ref_returns_the_stored_message_and_tells_nobody_again(owner, friend, playdate):
    # given
    first = send(owner, playdate, "Park at 3?", ref="m-1")

    # when
    again = send(owner, playdate, "Park at 3?", ref="m-1")

    # then: one row, one event per owner
    assert again.pk == first.pk
    assert Message.objects.count() == 1
    assert len(logged(owner)) == 1
    assert len(logged(friend)) == 1


def test_a_retry_is_answered_even_after_the_playdate_closed(owner, playdate):
    # given: sent, then the playdate is cancelled before the client heard the answer
    first = send(owner, playdate, "Park at 3?", ref="m-1")
    Playdate.objects.filter(pk=playdate.pk).update(status="cancelled")

    # when
    again = send(owner, playdate, "Park at 3?", ref="m-1")

    # then
    assert again.pk == first.pk


@pytest.mark.parametrize("change", ["body", "playdate"])
def test_a_ref_used_for_another_message_is_conflict(owner, friend, stranger, playdate, change):
    # given
    send(owner, playdate, "Park at 3?", ref="m-1")
    other = playdate_of(owner, stranger) if change == "playdate" else playdate
    body = "Something else" if change == "body" else "Park at 3?"
    before = chat_state()

    # when / then
    with pytest.raises(Conflict, match="already used for another message"):
        send(owner, other, body, ref="m-1")
    assert chat_state() == before


def test_refs_belong_to_their_sender(owner, friend, playdate):
    # when
    mine = send(owner, playdate, "Hi", ref="1")
    theirs = send(friend, playdate, "Hi", ref="1")

    # then
    assert mine.pk != theirs.pk
    assert Message.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_same_ref_sent_twice_at_once_stores_one_message(owner, friend):
    # given
    playdate = playdate_of(owner, friend)
    results: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def retry() -> None:
        try:
            start.wait()
            results.append(send(owner, playdate, "Park at 3?", ref="m-1").pk)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=retry) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert errors == []
    assert Message.objects.count() == 1
    assert results == [Message.objects.get().pk] * 4
    assert len(logged(owner)) == 1
    assert len(logged(friend)) == 1


@pytest.mark.parametrize(
    ("body", "stored"),
    [
        ("a", "a"),
        ("a" * 2000, "a" * 2000),
        ("\n  " + "a" * 2000 + "  \t", "a" * 2000),
    ],
)
def test_a_body_of_1_to_2000_characters_after_trimming_is_taken(owner, playdate, body, stored):
    assert send(owner, playdate, body).body == stored


@pytest.mark.parametrize("body", ["", "   \n\t ", "a" * 2001])
def test_an_empty_or_too_long_body_is_a_validation_error(owner, playdate, body):
    # given
    before = chat_state()

    # when
    with pytest.raises(ValidationError) as caught:
        send(owner, playdate, body)

    # then
    assert caught.value.message_dict == {"body": [chat_services.BODY_LENGTH]}
    assert chat_state() == before


def test_a_stranger_or_a_moderator_cannot_send(stranger, moderator, playdate):
    # given
    before = chat_state()

    # when / then
    for user in (stranger, moderator):
        with pytest.raises(NotFound, match="No such playdate"):
            send(user, playdate)
    assert chat_state() == before


@pytest.mark.parametrize(
    ("stored", "days", "status"),
    [
        ("declined", 2, "declined"),
        ("cancelled", 2, "cancelled"),
        ("expired", 2, "expired"),
        ("completed", -1, "completed"),
        ("pending", -1, "expired"),
        ("accepted", -1, "completed"),
    ],
)
def test_a_finished_playdates_chat_is_read_only(owner, playdate, stored, days, status):
    # given: stored as `stored`, or become `status` by the passing of time
    Playdate.objects.filter(pk=playdate.pk).update(status=stored, date_time=in_days(days))
    before = chat_state()

    # when / then
    with pytest.raises(Conflict) as caught:
        send(owner, playdate)
    assert caught.value.message == f"This playdate is {status}: its chat is read-only."
    assert chat_state() == before


def test_an_accepted_playdates_chat_is_open(owner, playdate):
    Playdate.objects.filter(pk=playdate.pk).update(status="accepted")
    assert send(owner, playdate).pk is not None


@pytest.mark.parametrize("blocker", ["owner", "friend"])
def test_owners_who_blocked_each_other_cannot_message(owner, friend, playdate, blocker):
    # given
    users = {"owner": owner, "friend": friend}
    Block.objects.create(blocker=users[blocker], blocked=friend if blocker == "owner" else owner)
    before = chat_state()

    # when / then
    with pytest.raises(Conflict, match="blocked"):
        send(owner, playdate)
    assert chat_state() == before


@pytest.mark.django_db(transaction=True)
def test_a_send_whose_events_fail_stores_no_message(owner, friend):
    # given: the event log refuses every insert (a fault in the database itself)
    playdate = playdate_of(owner, friend)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION pawdate_refuse() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'refused'; END $$;"
            " CREATE TRIGGER pawdate_refuse BEFORE INSERT ON realtime_event"
            " FOR EACH ROW EXECUTE FUNCTION pawdate_refuse();"
        )
    try:
        # when
        with pytest.raises(DatabaseError, match="refused"):
            send(owner, playdate, ref="m-1")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TRIGGER pawdate_refuse ON realtime_event; DROP FUNCTION pawdate_refuse();"
            )

    # then: neither the message nor any event or seq
    assert chat_state() == {"messages": [], "reads": [], "events": [], "cursors": []}
    # and the ref is still free for the retry
    assert send(owner, playdate, ref="m-1").body == "Hello!"


# --- Rate limit -------------------------------------------------------------------------------


@pytest.fixture
def clock(playdate):
    """Time frozen at the start of a rate-limit window, the playdate still ahead of it."""
    Playdate.objects.filter(pk=playdate.pk).update(date_time=WINDOW_START + timedelta(days=3))
    with time_machine.travel(WINDOW_START, tick=False) as traveller:
        yield traveller


def test_the_rate_limit_allows_n_messages_per_10_seconds(owner, friend, playdate, clock, settings):
    # given
    limit, window = settings.RATE_LIMITS["chat_message"]
    assert (limit, window) == (30, 10)
    for n in range(limit):
        send(owner, playdate, f"message {n}")
    clock.shift(timedelta(seconds=3))
    before = chat_state()

    # when / then: the next one is refused until the window ends
    with pytest.raises(RateLimited) as caught:
        send(owner, playdate, "one too many")
    assert caught.value.retry_after == 7
    assert caught.value.message == "Too many requests. Try again in 7 seconds."
    assert chat_state() == before
    # the other owner has their own allowance
    assert send(friend, playdate, "my turn").pk is not None
    # and a new window starts afresh
    clock.shift(timedelta(seconds=7))
    assert send(owner, playdate, "again").pk is not None


def test_a_retry_does_not_count_towards_the_rate_limit(owner, playdate, clock, settings):
    # given
    limit, _ = settings.RATE_LIMITS["chat_message"]
    first = send(owner, playdate, "first", ref="r")

    # when
    for _ in range(limit + 5):
        assert send(owner, playdate, "first", ref="r").pk == first.pk

    # then
    assert send(owner, playdate, "second").pk is not None


def test_without_redis_the_rate_limit_holds_in_the_process(owner, playdate, clock, settings):
    # given: the embedded default
    settings.REDIS_URLS = []
    limit, _ = settings.RATE_LIMITS["chat_message"]
    for n in range(limit):
        send(owner, playdate, f"message {n}")

    # when / then
    with pytest.raises(RateLimited):
        send(owner, playdate, "one too many")
    assert Message.objects.count() == limit


# --- Read marks -------------------------------------------------------------------------------


def test_reading_stores_the_mark_and_tells_both_owners(owner, friend, playdate):
    # given
    message = send(owner, playdate)
    expected_so_far = logged(friend)

    # when
    chat_services.messages_read(user=friend, playdate_id=playdate.pk, message_id=message.pk)

    # then
    mark = ChatRead.objects.get()
    assert (mark.user_id, mark.playdate_id, mark.message_id) == (friend.pk, playdate.pk, message.pk)
    receipt = {"playdate_id": playdate.pk, "user_id": friend.pk, "message_id": message.pk}
    assert logged(owner)[1:] == [(2, "chat.read", receipt)]
    assert logged(friend) == [*expected_so_far, (2, "chat.read", receipt)]


def test_the_read_mark_never_moves_backwards(owner, friend, playdate):
    # given
    older, newer = send(owner, playdate, "one"), send(owner, playdate, "two")
    chat_services.messages_read(user=friend, playdate_id=playdate.pk, message_id=newer.pk)
    before = chat_state()

    # when: an older mark, and the same one again
    chat_services.messages_read(user=friend, playdate_id=playdate.pk, message_id=older.pk)
    chat_services.messages_read(user=friend, playdate_id=playdate.pk, message_id=newer.pk)

    # then: nothing changed, nobody told
    assert chat_state() == before
    assert ChatRead.objects.get().message_id == newer.pk


def test_reading_a_message_of_another_playdate_is_a_validation_error(
    owner, friend, stranger, playdate
):
    # given
    elsewhere = send(owner, playdate_of(owner, stranger))
    before = chat_state()

    # when / then
    with pytest.raises(ValidationError) as caught:
        chat_services.messages_read(user=friend, playdate_id=playdate.pk, message_id=elsewhere.pk)
    assert caught.value.message_dict == {"message_id": ["No such message in this playdate."]}
    assert chat_state() == before


def test_a_stranger_or_a_moderator_cannot_mark_read(owner, stranger, moderator, playdate):
    # given
    message = send(owner, playdate)
    before = chat_state()

    # when / then
    for user in (stranger, moderator):
        with pytest.raises(NotFound):
            chat_services.messages_read(user=user, playdate_id=playdate.pk, message_id=message.pk)
    assert chat_state() == before


def test_a_finished_playdate_can_still_be_read(owner, friend, playdate):
    message = send(owner, playdate)
    Playdate.objects.filter(pk=playdate.pk).update(status="cancelled")

    chat_services.messages_read(user=friend, playdate_id=playdate.pk, message_id=message.pk)

    assert ChatRead.objects.get().message_id == message.pk


# --- Typing -----------------------------------------------------------------------------------


def test_typing_is_allowed_once_per_3_seconds_per_user_and_playdate(
    owner, friend, stranger, playdate
):
    # given
    other = playdate_of(owner, stranger)

    # when
    first = chat_services.typing_allowed(user_id=owner.pk, playdate_id=playdate.pk)
    again = chat_services.typing_allowed(user_id=owner.pk, playdate_id=playdate.pk)
    elsewhere = chat_services.typing_allowed(user_id=owner.pk, playdate_id=other.pk)
    answer = chat_services.typing_allowed(user_id=friend.pk, playdate_id=playdate.pk)

    # then: the other owner to tell, or None when throttled; the throttle lives 3 s in Redis
    assert (first, again, elsewhere, answer) == (friend.pk, None, stranger.pk, owner.pk)
    ttl = redis.client().pttl(f"pawdate:typing:{owner.pk}:{playdate.pk}")
    assert 2500 < ttl <= 3000
    assert Event.objects.count() == 0


def test_without_redis_the_typing_throttle_frees_after_3_seconds(owner, friend, playdate, settings):
    settings.REDIS_URLS = []
    Playdate.objects.filter(pk=playdate.pk).update(date_time=WINDOW_START + timedelta(days=3))
    with time_machine.travel(WINDOW_START, tick=False) as clock:
        assert chat_services.typing_allowed(user_id=owner.pk, playdate_id=playdate.pk) == friend.pk
        clock.shift(timedelta(seconds=2.9))
        assert chat_services.typing_allowed(user_id=owner.pk, playdate_id=playdate.pk) is None
        clock.shift(timedelta(seconds=0.2))
        assert chat_services.typing_allowed(user_id=owner.pk, playdate_id=playdate.pk) == friend.pk
    chat_services._local_typing.clear()  # the frozen clock's slots would outlive this test


def test_typing_in_someone_elses_or_a_closed_playdate_is_refused(stranger, owner, playdate):
    with pytest.raises(NotFound):
        chat_services.typing_allowed(user_id=stranger.pk, playdate_id=playdate.pk)
    Playdate.objects.filter(pk=playdate.pk).update(status="declined")
    with pytest.raises(Conflict):
        chat_services.typing_allowed(user_id=owner.pk, playdate_id=playdate.pk)


@pytest.mark.django_db(transaction=True)
async def test_typing_is_relayed_to_the_other_owners_sockets_only(owner, friend):
    # given: a socket's channel in each owner's group
    layer = get_channel_layer()
    theirs, mine = await layer.new_channel(), await layer.new_channel()
    await layer.group_add(events.user_group(friend.pk), theirs)
    await layer.group_add(events.user_group(owner.pk), mine)

    # when
    await asyncio.to_thread(
        chat_services.typing_relay, user_id=owner.pk, playdate_id=42, other_user_id=friend.pk
    )

    # then: (the doorbell may name the group in the message, for the process's hub)
    received = await asyncio.wait_for(layer.receive(theirs), timeout=2)
    received.pop("group", None)
    assert received == {
        "type": "frame.ephemeral",
        "frame": {"type": "chat.typing", "data": {"playdate_id": 42, "user_id": owner.pk}},
    }
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(mine), timeout=0.3)
    await layer.group_discard(events.user_group(friend.pk), theirs)
    await layer.group_discard(events.user_group(owner.pk), mine)


def test_a_transaction_that_rolls_back_takes_its_message_and_events_with_it(owner, playdate):
    # when: the caller's own transaction fails after the send
    with transaction.atomic():
        send(owner, playdate)
        transaction.set_rollback(True)

    # then
    assert chat_state()["messages"] == []
    assert chat_state()["events"] == []
