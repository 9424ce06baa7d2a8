"""POST /api/v1/playdates/{id}/read: an owner has read up to a message; the other owner is told."""

from __future__ import annotations

import pytest

from accounts.tests.helpers import assert_error
from realtime.models import ChatRead
from realtime.tests.chat_helpers import chat_state, logged, playdate_of, read_url, send

pytestmark = pytest.mark.django_db


def test_reading_answers_204_and_tells_the_other_owner(client_for, owner, friend, playdate):
    # given
    message = send(owner, playdate)

    # when
    response = client_for(friend).post(
        read_url(playdate.pk), {"message_id": message.pk}, format="json"
    )

    # then
    assert response.status_code == 204
    assert response.content == b""
    assert ChatRead.objects.get(user=friend).message_id == message.pk
    receipt = {"playdate_id": playdate.pk, "user_id": friend.pk, "message_id": message.pk}
    assert logged(owner)[-1] == (2, "chat.read", receipt)
    assert logged(friend)[-1] == (2, "chat.read", receipt)


def test_an_older_mark_changes_nothing(client_for, owner, friend, playdate):
    # given
    older, newer = send(owner, playdate, "one"), send(owner, playdate, "two")
    client = client_for(friend)
    client.post(read_url(playdate.pk), {"message_id": newer.pk}, format="json")
    before = chat_state()

    # when
    response = client.post(read_url(playdate.pk), {"message_id": older.pk}, format="json")

    # then
    assert response.status_code == 204
    assert chat_state() == before


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"message_id": ["This field is required."]}),
        ({"message_id": "1"}, {"message_id": ["A valid integer is required."]}),
        ({"message_id": 0}, {"message_id": ["Ensure this value is greater than or equal to 1."]}),
        ({"message_id": 10**12}, {"message_id": ["No such message in this playdate."]}),
    ],
)
def test_a_bad_message_id_is_a_validation_error(client_for, friend, playdate, payload, fields):
    # given
    before = chat_state()

    # when
    response = client_for(friend).post(read_url(playdate.pk), payload, format="json")

    # then
    assert_error(response, 400, "validation_error", fields=fields)
    assert chat_state() == before


def test_a_message_of_another_playdate_is_a_validation_error(
    client_for, owner, friend, stranger, playdate
):
    elsewhere = send(owner, playdate_of(owner, stranger))

    response = client_for(friend).post(
        read_url(playdate.pk), {"message_id": elsewhere.pk}, format="json"
    )

    assert_error(
        response,
        400,
        "validation_error",
        fields={"message_id": ["No such message in this playdate."]},
    )


@pytest.mark.parametrize("who", ["stranger", "moderator"])
def test_a_stranger_or_moderator_gets_404(client_for, owner, stranger, moderator, playdate, who):
    # given
    message = send(owner, playdate)
    before = chat_state()

    # when
    user = {"stranger": stranger, "moderator": moderator}[who]
    response = client_for(user).post(
        read_url(playdate.pk), {"message_id": message.pk}, format="json"
    )

    # then
    assert_error(response, 404, "not_found", message="No such playdate.")
    assert chat_state() == before
