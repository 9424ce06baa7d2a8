"""POST /api/v1/playdates/{id}/messages: either owner says something; both are told."""

from __future__ import annotations

import pytest

from accounts.tests.helpers import assert_error
from matching.models import Playdate
from realtime.chat_services import BODY_LENGTH
from realtime.models import Message
from realtime.tests.chat_helpers import MESSAGE_FIELDS, chat_state, logged, messages_url, shown

pytestmark = pytest.mark.django_db

TOO_LONG = "Ensure this field has no more than 100 characters."


def test_an_owner_sends_and_gets_the_stored_message(client_for, owner, friend, playdate):
    # when
    response = client_for(owner).post(
        messages_url(playdate.pk), {"body": "  Park at 3?  "}, format="json"
    )

    # then
    assert response.status_code == 201, response.content
    message = Message.objects.get()
    assert response.json() == shown(message)
    assert set(response.json()) == MESSAGE_FIELDS
    assert response.json()["body"] == "Park at 3?"
    assert response.json()["sender_id"] == owner.pk
    assert response.json()["sender_name"] == "owner"
    assert logged(owner) == [(1, "chat.message", {"message": shown(message)})]
    assert logged(friend) == [(1, "chat.message", {"message": shown(message)})]


def test_the_sender_alone_sees_its_ref(client_for, owner, friend, playdate):
    # when
    response = client_for(owner).post(
        messages_url(playdate.pk), {"body": "Park at 3?", "ref": "a1"}, format="json"
    )

    # then: the answer and the sender's event show the ref; the friend's event does not
    assert response.status_code == 201, response.content
    message = Message.objects.get()
    assert response.json() == shown(message, ref="a1")
    assert logged(owner) == [(1, "chat.message", {"message": shown(message, ref="a1")})]
    assert logged(friend) == [(1, "chat.message", {"message": shown(message)})]


def test_the_invitee_answers(client_for, friend, playdate):
    response = client_for(friend).post(messages_url(playdate.pk), {"body": "Deal!"}, format="json")

    assert response.status_code == 201
    assert response.json()["sender_id"] == friend.pk


def test_a_retried_ref_answers_the_same_message(client_for, owner, friend, playdate):
    # given
    client = client_for(owner)
    first = client.post(messages_url(playdate.pk), {"body": "Hi", "ref": "a1"}, format="json")

    # when
    again = client.post(messages_url(playdate.pk), {"body": "Hi", "ref": "a1"}, format="json")

    # then
    assert again.status_code == 201
    assert again.json() == first.json()
    assert Message.objects.count() == 1
    assert len(logged(friend)) == 1


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"body": ["This field is required."]}),
        ({"body": ""}, {"body": [BODY_LENGTH]}),
        ({"body": "  \n "}, {"body": [BODY_LENGTH]}),
        ({"body": "a" * 2001}, {"body": [BODY_LENGTH]}),
        ({"body": 42}, {"body": ["Not a valid string."]}),
        ({"body": "Hi", "ref": ""}, {"ref": ["This field may not be blank."]}),
        ({"body": "Hi", "ref": "r" * 101}, {"ref": [TOO_LONG]}),
    ],
)
def test_a_bad_body_or_ref_is_a_validation_error(client_for, owner, playdate, payload, fields):
    # given
    before = chat_state()

    # when
    response = client_for(owner).post(messages_url(playdate.pk), payload, format="json")

    # then
    assert_error(response, 400, "validation_error", fields=fields)
    assert chat_state() == before


def test_2000_characters_are_taken(client_for, owner, playdate):
    response = client_for(owner).post(
        messages_url(playdate.pk), {"body": "a" * 2000}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["body"] == "a" * 2000


@pytest.mark.parametrize("who", ["stranger", "moderator"])
def test_a_stranger_or_moderator_gets_404_and_nothing_is_sent(
    client_for, stranger, moderator, playdate, who
):
    # given
    before = chat_state()

    # when
    user = {"stranger": stranger, "moderator": moderator}[who]
    response = client_for(user).post(messages_url(playdate.pk), {"body": "Hi"}, format="json")

    # then
    assert_error(response, 404, "not_found", message="No such playdate.")
    assert chat_state() == before


def test_an_unknown_playdate_is_404(client_for, owner):
    response = client_for(owner).post(messages_url(999_999), {"body": "Hi"}, format="json")

    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("status", ["declined", "cancelled", "expired", "completed"])
def test_a_finished_playdate_is_409(client_for, owner, playdate, status):
    # given
    Playdate.objects.filter(pk=playdate.pk).update(status=status)
    before = chat_state()

    # when
    response = client_for(owner).post(messages_url(playdate.pk), {"body": "Hi"}, format="json")

    # then
    assert_error(
        response, 409, "conflict", message=f"This playdate is {status}: its chat is read-only."
    )
    assert chat_state() == before


def test_sending_needs_a_bearer_token(api_client, playdate):
    response = api_client.post(messages_url(playdate.pk), {"body": "Hi"}, format="json")

    assert_error(response, 401, "not_authenticated")
    assert Message.objects.count() == 0
