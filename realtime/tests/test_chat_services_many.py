"""message_send_many(): a batch of messages, each with message_send's outcome, stored in a few
queries and one transaction (the group commit of the sockets' messages)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import DatabaseError, DataError, IntegrityError, connection, transaction

from config.errors import RateLimited
from matching.models import Playdate
from realtime import chat_services
from realtime.chat_selectors import message_data
from realtime.chat_services import NewMessage
from realtime.models import Message
from realtime.tests.chat_helpers import WINDOW_START, chat_state, logged, playdate_of, send, shown

pytestmark = pytest.mark.django_db


def outcome_of(outcome: Message | Exception) -> object:
    """An outcome as the test compares it: a message by id, an error by type and message."""
    if isinstance(outcome, Message):
        return outcome.pk
    if isinstance(outcome, ValidationError):
        return ("ValidationError", outcome.message_dict)
    if isinstance(outcome, RateLimited):
        return ("RateLimited", outcome.retry_after)
    return (type(outcome).__name__, str(getattr(outcome, "message", outcome)))


def test_each_message_of_a_batch_gets_its_own_outcome(owner, friend, stranger, settings):
    # given: the owner's conversation with the friend, and a cancelled one with the stranger;
    # 3 messages per user per 10 seconds, the clock at the start of a window
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "chat_message": (3, 10)}
    playdate = playdate_of(owner, friend)
    closed = playdate_of(owner, stranger)
    Playdate.objects.filter(pk=playdate.pk).update(date_time=WINDOW_START + timedelta(days=3))
    Playdate.objects.filter(pk=closed.pk).update(status="cancelled")
    with time_machine.travel(WINDOW_START, tick=False):
        earlier = send(owner, playdate, "Earlier", ref="e")
        batch = [
            NewMessage(owner.pk, playdate.pk, " One ", "a"),
            NewMessage(stranger.pk, playdate.pk, "Let me in"),
            NewMessage(owner.pk, closed.pk, "Hi"),
            NewMessage(owner.pk, playdate.pk, "One", "a"),
            NewMessage(owner.pk, playdate.pk, "Not one", "a"),
            NewMessage(friend.pk, playdate.pk, "Two"),
            NewMessage(friend.pk, playdate.pk, "Three"),
            NewMessage(friend.pk, playdate.pk, "Four"),
            NewMessage(friend.pk, playdate.pk, "Five"),
            NewMessage(owner.pk, playdate.pk, "   "),
            NewMessage(owner.pk, playdate.pk, "Earlier", "e"),
            NewMessage(owner.pk, playdate.pk, "Other", "e"),
        ]

        # when
        outcomes = chat_services.message_send_many(batch)

    # then: the owner's count: "Earlier", "One" and the closed playdate's message (counted,
    # as message_send counts it, before the playdate is checked) — the retries are free
    one, two, three, four = Message.objects.exclude(pk=earlier.pk).order_by("pk")
    assert [m.body for m in (one, two, three, four)] == ["One", "Two", "Three", "Four"]
    assert [outcome_of(outcome) for outcome in outcomes] == [
        one.pk,
        ("NotFound", "No such playdate."),
        ("Conflict", "This playdate is cancelled: its chat is read-only."),
        one.pk,
        ("Conflict", chat_services.REF_REUSED),
        two.pk,
        three.pk,
        four.pk,
        ("RateLimited", 10),
        ("ValidationError", {"body": [chat_services.BODY_LENGTH]}),
        earlier.pk,
        ("Conflict", chat_services.REF_REUSED),
    ]
    # the stored messages come back with their sender, as the socket shows them
    assert outcomes[0] is not None
    assert message_data(outcomes[0], viewer_id=owner.pk) == shown(one, ref="a")  # type: ignore[arg-type]
    # only the sender's copy of each event shows its ref
    assert logged(owner) == [
        (1, "chat.message", {"message": shown(earlier, ref="e")}),
        (2, "chat.message", {"message": shown(one, ref="a")}),
        (3, "chat.message", {"message": shown(two)}),
        (4, "chat.message", {"message": shown(three)}),
        (5, "chat.message", {"message": shown(four)}),
    ]
    assert logged(friend) == [
        (seq, "chat.message", {"message": shown(message)})
        for seq, message in enumerate([earlier, one, two, three, four], start=1)
    ]
    assert logged(stranger) == []


def test_the_seqs_follow_the_order_of_the_batch(owner, friend, playdate):
    # when
    outcomes = chat_services.message_send_many(
        [
            NewMessage(friend.pk if n % 2 else owner.pk, playdate.pk, f"message {n}")
            for n in range(6)
        ]
    )

    # then
    assert all(isinstance(outcome, Message) for outcome in outcomes)
    bodies = [f"message {n}" for n in range(6)]
    for user in (owner, friend):
        log = logged(user)
        assert [seq for seq, _, _ in log] == [1, 2, 3, 4, 5, 6]
        assert [data["message"]["body"] for _, _, data in log] == bodies
        assert [data["message"]["id"] for _, _, data in log] == [m.pk for m in outcomes]  # type: ignore[union-attr]


def test_a_batch_of_any_size_takes_the_same_few_queries(make_user, django_assert_max_num_queries):
    # given: 50 conversations, between 100 owners, and a moderator watching the feed
    playdates = [playdate_of(make_user(), make_user()) for _ in range(50)]
    moderator = make_user(role="moderator")
    batch = [
        NewMessage(playdate.inviter_id, playdate.pk, f"Hello {n}", f"ref-{n}")
        for n, playdate in enumerate(playdates)
    ]

    # when: the stored refs, the conversations, the messages, their activity items, who the
    # moderators are, the seqs, the events (and the test's savepoint and its release)
    with django_assert_max_num_queries(9):
        outcomes = chat_services.message_send_many(batch)

    # then
    assert [outcome.body for outcome in outcomes] == [f"Hello {n}" for n in range(50)]  # type: ignore[union-attr]
    assert Message.objects.count() == 50
    for playdate in playdates[:3]:
        assert [seq for seq, _, _ in logged(playdate.invitee)] == [1]
    assert [kind for _, kind, _ in logged(moderator)] == ["moderation.activity"] * 50


@pytest.mark.django_db(transaction=True)
def test_a_batch_whose_events_fail_stores_nothing(owner, friend, stranger):
    # given: two conversations, and an event log that refuses every insert
    playdates = [playdate_of(owner, friend), playdate_of(stranger, owner)]
    batch = [
        NewMessage(owner.pk, playdates[0].pk, "One", "r-1"),
        NewMessage(stranger.pk, playdates[1].pk, "Two", "r-2"),
        NewMessage(owner.pk, playdates[1].pk, "Three"),
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION pawdate_refuse() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'refused'; END $$;"
            " CREATE TRIGGER pawdate_refuse BEFORE INSERT ON realtime_event"
            " FOR EACH ROW EXECUTE FUNCTION pawdate_refuse();"
        )
    try:
        # when
        outcomes = chat_services.message_send_many(batch)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TRIGGER pawdate_refuse ON realtime_event; DROP FUNCTION pawdate_refuse();"
            )

    # then: each message has the database's error; no message, event or seq was stored, and
    # the refs are still free for the retry
    assert [isinstance(outcome, DatabaseError) for outcome in outcomes] == [True] * 3
    assert ["refused" in str(outcome) for outcome in outcomes] == [True] * 3
    assert chat_state() == {"messages": [], "reads": [], "events": [], "cursors": []}
    retried = chat_services.message_send_many(batch)
    assert [outcome.body for outcome in retried] == ["One", "Two", "Three"]  # type: ignore[union-attr]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("body", "answer"), [("Park at 3?", "stored"), ("Other", "conflict")])
def test_a_ref_stored_meanwhile_by_another_send_fails_only_its_own_message(
    owner, friend, body, answer
):
    # given: another send of the owner's ref "r" holds its row, uncommitted, until this batch
    # waits on it
    playdate = playdate_of(owner, friend)
    waiting = threading.Event()
    holder: list[Message] = []

    def other_send() -> None:
        try:
            with transaction.atomic():
                holder.append(
                    Message.objects.create(
                        playdate=playdate, sender=owner, body="Park at 3?", ref="r"
                    )
                )
                with connection.cursor() as cursor:
                    for _ in range(500):
                        cursor.execute(
                            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity"
                            " WHERE pg_backend_pid() = ANY (pg_blocking_pids(pid)))"
                        )
                        if cursor.fetchone()[0]:
                            break
                        threading.Event().wait(0.01)
                waiting.set()
        finally:
            connection.close()

    other = threading.Thread(target=other_send)
    other.start()
    while not holder:
        threading.Event().wait(0.01)

    # when
    outcomes = chat_services.message_send_many(
        [
            NewMessage(friend.pk, playdate.pk, "Before"),
            NewMessage(owner.pk, playdate.pk, body, "r"),
            NewMessage(friend.pk, playdate.pk, "After"),
        ]
    )
    other.join()

    # then: the batch did wait on the other send, and only the raced message was affected
    assert waiting.is_set()
    before, after = Message.objects.filter(sender=friend).order_by("pk")
    expected = holder[0].pk if answer == "stored" else ("Conflict", chat_services.REF_REUSED)
    assert [outcome_of(outcome) for outcome in outcomes] == [before.pk, expected, after.pk]
    assert [data["message"]["body"] for _, _, data in logged(owner)] == ["Before", "After"]
    assert [data["message"]["body"] for _, _, data in logged(friend)] == ["Before", "After"]


def test_a_message_the_database_refuses_as_a_duplicate_fails_alone(owner, friend, playdate):
    # given: the database refuses one message of the batch (a rule of its own, as a trigger)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION pawdate_refuse() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN IF NEW.body = 'Refused' THEN"
            " RAISE unique_violation USING MESSAGE = 'refused'; END IF; RETURN NEW; END $$;"
            " CREATE TRIGGER pawdate_refuse BEFORE INSERT ON realtime_message"
            " FOR EACH ROW EXECUTE FUNCTION pawdate_refuse();"
        )

    # when
    outcomes = chat_services.message_send_many(
        [
            NewMessage(owner.pk, playdate.pk, "One"),
            NewMessage(owner.pk, playdate.pk, "Refused", "r"),
            NewMessage(friend.pk, playdate.pk, "Two"),
        ]
    )

    # then
    assert isinstance(outcomes[1], IntegrityError)
    assert [outcome.body for outcome in (outcomes[0], outcomes[2])] == ["One", "Two"]  # type: ignore[union-attr]
    assert [data["message"]["body"] for _, _, data in logged(owner)] == ["One", "Two"]
    assert [seq for seq, _, _ in logged(friend)] == [1, 2]


def test_a_body_the_database_cannot_store_fails_alone(owner, friend, playdate):
    # when: a null character, which PostgreSQL text cannot hold (REST and the socket refuse
    # it before it comes here)
    outcomes = chat_services.message_send_many(
        [
            NewMessage(owner.pk, playdate.pk, "One"),
            NewMessage(owner.pk, playdate.pk, "Null \x00 character"),
            NewMessage(friend.pk, playdate.pk, "Two"),
        ]
    )

    # then
    assert isinstance(outcomes[1], DataError)
    assert [outcome.body for outcome in (outcomes[0], outcomes[2])] == ["One", "Two"]  # type: ignore[union-attr]
    assert [data["message"]["body"] for _, _, data in logged(owner)] == ["One", "Two"]
