"""GET /api/v1/playdates/{id}/messages: the conversation, newest first, a page at a time."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts import services as accounts_services
from accounts.tests.helpers import assert_error
from realtime.models import Message
from realtime.tests.chat_helpers import messages_url, send, shown
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.content
    return [message["id"] for message in response.json()["results"]]


def test_both_owners_read_the_conversation_newest_first(client_for, owner, friend, playdate):
    # given
    question, answer = send(owner, playdate, "Park at 3?"), send(friend, playdate, "Deal!")

    # when
    for user in (owner, friend):
        response = client_for(user).get(messages_url(playdate.pk))

        # then
        assert response.json() == {"results": [shown(answer), shown(question)], "next": None}


def test_each_owner_sees_the_refs_of_their_own_messages_only(
    client_for, owner, friend, moderator, playdate
):
    # given
    question = send(owner, playdate, "Park at 3?", ref="o-1")
    answer = send(friend, playdate, "Deal!", ref="f-1")

    # when
    owners_view, friends_view, moderators_view = (
        client_for(user).get(messages_url(playdate.pk)).json()["results"]
        for user in (owner, friend, moderator)
    )

    # then
    assert owners_view == [shown(answer), shown(question, ref="o-1")]
    assert friends_view == [shown(answer, ref="f-1"), shown(question)]
    assert moderators_view == [shown(answer), shown(question)]


def test_pages_follow_next_without_gaps_or_repeats(client_for, owner, playdate):
    # given
    sent = [send(owner, playdate, f"message {n}").pk for n in range(5)]
    client = client_for(owner)

    # when
    first = client.get(messages_url(playdate.pk), {"limit": 2})
    second = client.get(first.json()["next"])
    third = client.get(second.json()["next"])

    # then: the last page says there is no next one
    assert ids(first) + ids(second) + ids(third) == sent[::-1]
    assert first.json()["next"] == (
        f"http://testserver{messages_url(playdate.pk)}?before={sent[3]}&limit=2"
    )
    assert third.json()["next"] is None


def test_a_full_last_page_has_no_next(client_for, owner, playdate):
    sent = [send(owner, playdate, f"message {n}").pk for n in range(2)]

    response = client_for(owner).get(messages_url(playdate.pk), {"limit": 2})

    assert ids(response) == sent[::-1]
    assert response.json()["next"] is None


def test_before_starts_after_that_message(client_for, owner, playdate):
    # given
    sent = [send(owner, playdate, f"message {n}").pk for n in range(4)]
    client = client_for(owner)

    # when / then
    assert ids(client.get(messages_url(playdate.pk), {"before": sent[2]})) == [sent[1], sent[0]]
    assert ids(client.get(messages_url(playdate.pk), {"before": sent[0]})) == []
    assert ids(client.get(messages_url(playdate.pk), {"before": 10**12})) == sent[::-1]


def test_the_default_page_is_50_and_the_largest_100(client_for, owner, playdate, settings):
    # given
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "chat_message": (1000, 10)}
    for n in range(101):
        send(owner, playdate, f"message {n}")
    client = client_for(owner)

    # when / then
    assert len(ids(client.get(messages_url(playdate.pk)))) == 50
    largest = client.get(messages_url(playdate.pk), {"limit": 100})
    assert len(ids(largest)) == 100
    assert largest.json()["next"] is not None


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"limit": 0}, {"limit": ["Ensure this value is greater than or equal to 1."]}),
        ({"limit": 101}, {"limit": ["Ensure this value is less than or equal to 100."]}),
        ({"limit": "x"}, {"limit": ["A valid integer is required."]}),
        ({"before": "x"}, {"before": ["A valid integer is required."]}),
        ({"before": 0}, {"before": ["Ensure this value is greater than or equal to 1."]}),
    ],
)
def test_bad_query_parameters_are_validation_errors(client_for, owner, playdate, query, fields):
    response = client_for(owner).get(messages_url(playdate.pk), query)

    assert_error(response, 400, "validation_error", fields=fields)


def test_a_stranger_gets_404(client_for, owner, stranger, playdate):
    send(owner, playdate)

    response = client_for(stranger).get(messages_url(playdate.pk))

    assert_error(response, 404, "not_found", message="No such playdate.")


def test_hidden_messages_are_left_out_for_owners(client_for, owner, friend, playdate):
    # given
    kept, hidden = send(owner, playdate, "Park at 3?"), send(friend, playdate, "rude")
    hidden.hidden_at = timezone.now()
    hidden.save()

    # when / then
    for user in (owner, friend):
        assert client_for(user).get(messages_url(playdate.pk)).json()["results"] == [shown(kept)]


def test_a_moderator_reads_any_conversation_hidden_messages_included(
    client_for, owner, friend, moderator, playdate
):
    # given
    kept, hidden = send(owner, playdate, "Park at 3?"), send(friend, playdate, "rude")
    hidden.hidden_at = timezone.now()
    hidden.save()

    # when
    response = client_for(moderator).get(messages_url(playdate.pk))

    # then
    assert response.json()["results"] == [shown(hidden, hidden=True), shown(kept)]


def test_a_deleted_accounts_messages_stay_as_from_deleted_user(client_for, owner, friend, playdate):
    # given: the friend said something, then deleted their account
    said = send(friend, playdate, "See you there")
    accounts_services.user_delete(user=friend, password=PASSWORD)

    # when
    response = client_for(owner).get(messages_url(playdate.pk))

    # then
    assert response.json()["results"] == [shown(said, sender_id=None, sender_name="deleted user")]


def test_a_message_without_a_sender_shows_deleted_user(client_for, owner, friend, playdate):
    # given: the sender's row gone from under it (SET_NULL)
    said = send(friend, playdate, "See you there")
    Message.objects.filter(pk=said.pk).update(sender=None)

    # when
    response = client_for(owner).get(messages_url(playdate.pk))

    # then
    assert response.json()["results"] == [shown(said, sender_id=None, sender_name="deleted user")]


def test_history_costs_the_same_few_queries_for_a_full_page(
    client_for, owner, friend, playdate, django_assert_max_num_queries
):
    # given
    for n in range(30):
        send(owner if n % 2 else friend, playdate, f"message {n}")
    client = client_for(owner)

    # when / then: authentication, the playdate, the page (senders joined)
    with django_assert_max_num_queries(3):
        response = client.get(messages_url(playdate.pk), {"limit": 30})
    assert len(ids(response)) == 30
