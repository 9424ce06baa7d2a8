"""Suspending and unsuspending users: at once and everywhere, audited, and undone in full."""

from __future__ import annotations

import pytest

from matching.tests.helpers import HOME, matches_url, offset, owner_at, pet_of
from matching.tests.playdate_helpers import PLAYDATES_URL, action_url, invite, iso, pet_for
from realtime.models import Activity, ModerationAction
from realtime.tests.moderation_helpers import moderation_state, suspend_url, unsuspend_url

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"
REFRESH_URL = "/api/v1/auth/token/refresh"


def test_a_moderator_suspends_a_user(owner, moderator, client_for):
    # when
    response = client_for(moderator).post(
        suspend_url(owner.pk), {"note": "Spam invitations."}, format="json"
    )

    # then
    assert response.status_code == 200, response.content
    owner.refresh_from_db()
    assert response.json() == {
        "id": owner.pk,
        "email": "owner@example.com",
        "username": "owner",
        "role": "owner",
        "suspended_at": iso(owner.suspended_at),
        "date_joined": iso(owner.date_joined),
    }
    [audit] = ModerationAction.objects.all()
    assert (audit.moderator_id, audit.action, audit.target_type, audit.target_id, audit.note) == (
        moderator.pk,
        "suspend_user",
        "user",
        owner.pk,
        "Spam invitations.",
    )
    item = Activity.objects.get(kind="user.suspended")
    assert (item.actor_id, item.target_user_id, item.summary) == (
        moderator.pk,
        owner.pk,
        "mod suspended owner",
    )


def test_a_suspended_users_tokens_stop_working_at_once(
    owner, moderator, client_for, tokens_for, api_client, password
):
    tokens = tokens_for(owner)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert api_client.get("/api/v1/me").status_code == 200

    client_for(moderator).post(suspend_url(owner.pk))

    assert api_client.get("/api/v1/me").status_code == 401
    api_client.credentials()
    refreshed = api_client.post(REFRESH_URL, {"refresh": tokens["refresh"]}, format="json")
    assert refreshed.status_code == 401
    login = api_client.post(TOKEN_URL, {"email": owner.email, "password": password}, format="json")
    assert login.status_code == 403
    assert login.json()["error"]["message"] == "This account is suspended."


def test_a_suspended_users_pets_leave_suggestions_and_come_back(moderator, client_for):
    seeker = owner_at(HOME)
    seeker_pet = pet_of(seeker)
    suspect = owner_at(offset(1.0, 0.0))
    suspect_pet = pet_of(suspect)
    api = client_for(seeker)

    def suggested() -> list[int]:
        response = api.get(matches_url(seeker_pet.pk))
        assert response.status_code == 200, response.content
        return [item["pet"]["id"] for item in response.json()["results"]]

    assert suggested() == [suspect_pet.pk]

    client_for(moderator).post(suspend_url(suspect.pk))
    assert suggested() == []
    assert api.get(f"/api/v1/pets/{suspect_pet.pk}/").status_code == 404

    client_for(moderator).post(unsuspend_url(suspect.pk))
    assert suggested() == [suspect_pet.pk]


def test_a_suspended_users_pending_invitations_are_gone_until_unsuspended(
    owner, friend, moderator, client_for
):
    playdate = invite(pet_for(owner), pet_for(friend))
    invitee = client_for(friend)

    def listed() -> list[int]:
        return [item["id"] for item in invitee.get(PLAYDATES_URL).json()["results"]]

    client_for(moderator).post(suspend_url(owner.pk))

    assert listed() == []
    assert invitee.get(f"{PLAYDATES_URL}{playdate.pk}/").status_code == 404
    assert invitee.post(action_url(playdate.pk, "accept")).status_code == 404

    client_for(moderator).post(unsuspend_url(owner.pk))

    assert listed() == [playdate.pk]
    assert invitee.post(action_url(playdate.pk, "accept")).status_code == 200


def test_unsuspending_lets_the_user_log_in_again(
    owner, moderator, client_for, api_client, password
):
    api = client_for(moderator)
    api.post(suspend_url(owner.pk))

    response = api.post(unsuspend_url(owner.pk), {"note": "Appeal upheld."}, format="json")

    assert response.status_code == 200
    assert response.json()["suspended_at"] is None
    login = api_client.post(TOKEN_URL, {"email": owner.email, "password": password}, format="json")
    assert login.status_code == 200
    assert list(ModerationAction.objects.order_by("pk").values_list("action", "note")) == [
        ("suspend_user", ""),
        ("unsuspend_user", "Appeal upheld."),
    ]
    assert Activity.objects.filter(kind="user.unsuspended", target_user=owner).count() == 1


@pytest.mark.parametrize(
    ("whom", "action", "status", "message"),
    [
        (
            "moderator",
            "suspend",
            409,
            "A moderator cannot be suspended: change their role in the admin first.",
        ),
        (
            "other_moderator",
            "suspend",
            409,
            "A moderator cannot be suspended: change their role in the admin first.",
        ),
        ("suspended", "suspend", 409, "owner is already suspended."),
        ("owner", "unsuspend", 409, "owner is not suspended."),
        ("nobody", "suspend", 404, "No such user."),
        ("nobody", "unsuspend", 404, "No such user."),
        ("deleted", "suspend", 404, "No such user."),
    ],
)
def test_what_cannot_be_done_is_refused_and_writes_nothing(
    owner, moderator, make_user, client_for, whom, action, status, message
):
    if whom == "suspended":
        client_for(moderator).post(suspend_url(owner.pk))
    target_id = {
        "moderator": moderator.pk,
        "other_moderator": make_user(role="moderator").pk,
        "suspended": owner.pk,
        "owner": owner.pk,
        "nobody": 999999,
        "deleted": make_user(is_active=False).pk,
    }[whom]
    url = suspend_url(target_id) if action == "suspend" else unsuspend_url(target_id)
    before = moderation_state()

    response = client_for(moderator).post(url)

    assert response.status_code == status
    assert response.json()["error"]["message"] == message
    assert moderation_state() == before


@pytest.mark.parametrize("url", [suspend_url, unsuspend_url])
def test_owners_cannot_suspend_anyone(owner, friend, client_for, url):
    before = moderation_state()

    response = client_for(owner).post(url(friend.pk))

    assert response.status_code == 403
    assert moderation_state() == before


def test_a_bad_note_is_a_validation_error(owner, moderator, client_for):
    response = client_for(moderator).post(suspend_url(owner.pk), {"note": 7}, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["note"]
    owner.refresh_from_db()
    assert not owner.is_suspended
