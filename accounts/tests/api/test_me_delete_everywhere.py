"""DELETE /api/v1/me, beyond accounts: the pets go, upcoming playdates are called off and the
other owners told, while what the other owners hold (playdates, chat history) stays."""

from __future__ import annotations

from typing import Any

import pytest

from accounts import services
from accounts.models import Feedback, User
from accounts.tests.helpers import (
    ME_URL,
    accounts_state,
    assert_error,
    assert_not_authenticated,
    bearer,
    refresh,
)
from matching import playdate_services
from matching.tests.helpers import matches_url
from matching.tests.playdate_helpers import (
    PLAYDATES_URL,
    expected,
    in_days,
    invite,
    logged,
    pet_for,
    playdates_state,
)
from pets.models import Pet
from pets.tests.helpers import pet_url, pets_state
from realtime.tests.chat_helpers import chat_state, forget_events, messages_url, send

pytestmark = pytest.mark.django_db


def delete_me(client: Any, password: str) -> Any:
    return client.delete(ME_URL, {"password": password}, format="json")


def everything() -> dict[str, Any]:
    """Every row the deletion could touch, to assert that a refused one changed nothing."""
    return {**accounts_state(), **pets_state(), **playdates_state(), **chat_state()}


def suggested(client: Any, pet: Pet) -> list[int]:
    response = client.get(matches_url(pet.pk))
    assert response.status_code == 200, response.content
    return [suggestion["pet"]["id"] for suggestion in response.json()["results"]]


def test_deleting_the_account_retires_its_pets_everywhere(
    owner, friend, password, tokens_for, client_for
):
    # given: the owner's two dogs are suggested to the friend's dog and have public profiles
    rex, bella = pet_for(owner, name="Rex"), pet_for(owner, name="Bella")
    luna = pet_for(friend, name="Luna")
    friends = client_for(friend)
    assert sorted(suggested(friends, luna)) == [rex.pk, bella.pk]

    # when
    response = delete_me(bearer(tokens_for(owner)["access"]), password)

    # then
    assert response.status_code == 204
    assert list(Pet.objects.filter(owner=owner).values_list("is_active", flat=True)) == [
        False,
        False,
    ]
    assert suggested(friends, luna) == []
    for pet in (rex, bella):
        assert_error(friends.get(pet_url(pet.pk)), 404, "not_found", message="No such pet.")
    assert Pet.objects.get(pk=luna.pk).is_active is True


def test_deleting_the_account_cancels_its_upcoming_playdates_and_tells_the_other_owner(
    owner, friend, password, tokens_for, client_for
):
    # given: one pending invitation each way, an accepted playdate, and a declined one
    rex, luna, nala = pet_for(owner), pet_for(friend), pet_for(friend)
    sent = invite(rex, luna, in_days(2))
    received = invite(luna, rex, in_days(3))
    accepted = invite(nala, rex, in_days(4))
    playdate_services.playdate_accept(user=owner, playdate_id=accepted.pk)
    declined = invite(rex, nala, in_days(5))
    playdate_services.playdate_decline(user=friend, playdate_id=declined.pk)
    declined_before = expected(declined)
    forget_events()

    # when
    response = delete_me(bearer(tokens_for(owner)["access"]), password)

    # then: the friend still lists all four, the upcoming ones cancelled
    assert response.status_code == 204
    listed = client_for(friend).get(PLAYDATES_URL).json()["results"]
    assert [(item["id"], item["status"], item["awaiting_user_id"]) for item in listed] == [
        (declined.pk, "declined", None),
        (accepted.pk, "cancelled", None),
        (received.pk, "cancelled", None),
        (sent.pk, "cancelled", None),
    ]
    assert expected(declined) == declined_before
    # and got one playdate.updated for each, in the event log
    cancelled = [
        expected(playdate, status="cancelled", awaiting_user_id=None)
        for playdate in (sent, received, accepted)
    ]
    assert logged(friend) == [
        (seq, "playdate.updated", {"playdate": playdate})
        for seq, playdate in enumerate(cancelled, start=1)
    ]


def test_the_deleted_owners_messages_stay_in_the_other_owners_history_as_deleted_user(
    owner, friend, password, tokens_for, client_for
):
    # given
    playdate = invite(pet_for(owner), pet_for(friend))
    hello = send(owner, playdate, "Hello!")
    reply = send(friend, playdate, "Hi there!")

    # when
    assert delete_me(bearer(tokens_for(owner)["access"]), password).status_code == 204

    # then
    history = client_for(friend).get(messages_url(playdate.pk)).json()["results"]
    assert [(m["id"], m["sender_id"], m["sender_name"], m["body"]) for m in history] == [
        (reply.pk, friend.pk, "friend", "Hi there!"),
        (hello.pk, None, "deleted user", "Hello!"),
    ]


def test_after_deletion_every_token_of_the_account_is_refused(
    api_client, owner, password, tokens_for
):
    # given
    pair = tokens_for(owner)
    client = bearer(pair["access"])

    # when
    assert delete_me(client, password).status_code == 204

    # then
    assert_not_authenticated(client.get(ME_URL))
    assert_not_authenticated(client.get(PLAYDATES_URL))
    assert_not_authenticated(client.post("/api/v1/realtime/ticket"))
    assert_not_authenticated(refresh(api_client, pair["refresh"]))


def test_feedback_stays_linked_to_the_anonymised_account(owner, password, tokens_for):
    # given
    feedback = Feedback.objects.create(user=owner, message="Great app")

    # when
    assert delete_me(bearer(tokens_for(owner)["access"]), password).status_code == 204

    # then
    feedback.refresh_from_db()
    assert (feedback.user_id, feedback.message) == (owner.pk, "Great app")
    assert feedback.user is not None
    assert feedback.user.username == "deleted user"


def test_deleting_with_a_wrong_password_leaves_pets_playdates_and_chats_alone(
    owner, friend, tokens_for
):
    # given
    playdate = invite(pet_for(owner), pet_for(friend))
    send(owner, playdate, "Hello!")
    client = bearer(tokens_for(owner)["access"])
    before = everything()

    # when
    response = delete_me(client, "not-my-password")

    # then: refused, nothing written and nobody told
    assert_error(
        response, 400, "validation_error", fields={"password": ["The password is incorrect."]}
    )
    assert everything() == before


def test_a_deletion_that_fails_midway_leaves_everything_as_it_was(
    owner, friend, password, monkeypatch
):
    # given: the anonymisation, after the other apps' part, fails
    playdate = invite(pet_for(owner), pet_for(friend))
    send(owner, playdate, "Hello!")
    before = everything()

    def fail(user: User) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(User, "set_unusable_password", fail)

    # when
    with pytest.raises(RuntimeError, match="disk full"):
        services.user_delete(user=owner, password=password)

    # then: the pets' retirement and the cancellations rolled back with it
    assert everything() == before
