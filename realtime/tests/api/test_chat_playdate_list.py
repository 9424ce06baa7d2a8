"""GET /api/v1/playdates/: each playdate carries the caller's unread count and last message."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts import services as accounts_services
from matching.tests.playdate_helpers import PLAYDATES_URL
from realtime import chat_services
from realtime.tests.chat_helpers import playdate_of, send, shown
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def chats(response):
    assert response.status_code == 200, response.content
    return {
        playdate["id"]: (playdate["unread_count"], playdate["last_message"])
        for playdate in response.json()["results"]
    }


def test_a_quiet_playdate_has_nothing_unread_and_no_last_message(client_for, owner, playdate):
    assert chats(client_for(owner).get(PLAYDATES_URL)) == {playdate.pk: (0, None)}


def test_unread_counts_the_other_owners_messages_past_the_last_read(
    client_for, owner, friend, playdate
):
    # given: three from the friend, one of them read; then the owner's own answer
    first = send(friend, playdate, "one")
    send(friend, playdate, "two")
    send(friend, playdate, "three")
    chat_services.messages_read(user=owner, playdate_id=playdate.pk, message_id=first.pk)
    answer = send(owner, playdate, "mine", ref="m-1")

    # when
    owners_view = chats(client_for(owner).get(PLAYDATES_URL))
    friends_view = chats(client_for(friend).get(PLAYDATES_URL))

    # then: the owner has two unread; the friend one (never read anything); the last message
    # shows no ref, not even to its sender
    assert owners_view == {playdate.pk: (2, shown(answer))}
    assert friends_view == {playdate.pk: (1, shown(answer))}


def test_hidden_messages_neither_count_nor_show_last(client_for, owner, friend, playdate):
    # given
    kept, hidden = send(friend, playdate, "hello"), send(friend, playdate, "rude")
    hidden.hidden_at = timezone.now()
    hidden.save()

    # when / then
    assert chats(client_for(owner).get(PLAYDATES_URL)) == {playdate.pk: (1, shown(kept))}


def test_a_deleted_senders_last_message_shows_deleted_user(client_for, owner, friend, playdate):
    said = send(friend, playdate, "bye")
    accounts_services.user_delete(user=friend, password=PASSWORD)

    assert chats(client_for(owner).get(PLAYDATES_URL)) == {
        playdate.pk: (1, shown(said, sender_id=None, sender_name="deleted user"))
    }


def test_the_list_costs_the_same_few_queries_for_a_page_of_busy_conversations(
    client_for, owner, django_assert_max_num_queries
):
    # given: 20 playdates with 20 different owners, each with messages both ways and a read mark
    for _ in range(20):
        other = UserFactory.create()
        playdate = playdate_of(other, owner)
        theirs = send(other, playdate, "hi")
        chat_services.messages_read(user=owner, playdate_id=playdate.pk, message_id=theirs.pk)
        send(owner, playdate, "hello")
        send(other, playdate, "how are you?")
    client = client_for(owner)

    # when / then: authentication, the page with its unread counts, the page's last messages
    with django_assert_max_num_queries(3):
        response = client.get(PLAYDATES_URL, {"limit": 20})
    assert [unread for unread, _ in chats(response).values()] == [1] * 20
    assert {last["body"] for _, last in chats(response).values()} == {"how are you?"}
