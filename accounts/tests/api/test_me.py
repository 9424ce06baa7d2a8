"""GET and PATCH /api/v1/me: the caller's own profile."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.utils import timezone

from accounts.models import User
from accounts.tests.helpers import ME_URL, WINDOW_START, accounts_state, assert_error, bearer

pytestmark = pytest.mark.django_db

HALF_A_POSITION = ["Give latitude and longitude together, or neither."]
UNKNOWN_TIME_ZONE = "Use an IANA time zone name such as Europe/Paris."


def profile(user: User) -> dict[str, Any]:
    user.refresh_from_db()
    return {
        "email": user.email,
        "username": user.username,
        "location": user.location,
        "latitude": user.latitude,
        "longitude": user.longitude,
        "time_zone": user.time_zone,
        "role": user.role,
        "is_staff": user.is_staff,
        "suspended_at": user.suspended_at,
    }


def test_me_shows_the_callers_own_profile_with_coordinates(make_user, client_for):
    # given
    with time_machine.travel(WINDOW_START, tick=False):
        user = make_user(email="alice@example.com", username="alice", metro="new-york")

    # when
    response = client_for(user).get(ME_URL)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "email": "alice@example.com",
        "username": "alice",
        "location": "Brooklyn, NY",
        "latitude": 40.6782,
        "longitude": -73.9442,
        "time_zone": "America/New_York",
        "role": "owner",
        "date_joined": "2030-01-01T00:00:00Z",
        "metro": "new-york",
    }


def test_me_shows_each_caller_their_own_profile(owner, friend, client_for):
    # when
    mine = client_for(owner).get(ME_URL)
    theirs = client_for(friend).get(ME_URL)

    # then
    assert (mine.json()["id"], mine.json()["email"]) == (owner.pk, "owner@example.com")
    assert (theirs.json()["id"], theirs.json()["email"]) == (friend.pk, "friend@example.com")


def test_me_shows_a_user_without_a_position(make_user, client_for):
    # given
    user = make_user(location="", latitude=None, longitude=None)

    # when
    response = client_for(user).get(ME_URL)

    # then
    body = response.json()
    assert (body["location"], body["latitude"], body["longitude"]) == ("", None, None)


def test_me_shows_moderators_as_moderators(moderator, make_user, client_for):
    # given
    superuser = make_user(is_superuser=True, is_staff=True)

    # when
    moderator_role = client_for(moderator).get(ME_URL).json()["role"]
    superuser_role = client_for(superuser).get(ME_URL).json()["role"]

    # then
    assert moderator_role == "moderator"
    assert superuser_role == "moderator"


def test_me_requires_authentication(api_client):
    # when
    response = api_client.get(ME_URL)

    # then
    assert_error(
        response,
        401,
        "not_authenticated",
        message="Authentication credentials were not provided.",
    )
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize("header", ["Bearer", "Bearer not-a-token", "Token abc", "Bearer a.b.c"])
def test_me_refuses_malformed_authorization(api_client, header):
    # when
    api_client.credentials(HTTP_AUTHORIZATION=header)
    response = api_client.get(ME_URL)

    # then
    assert_error(response, 401, "not_authenticated")


def test_me_costs_exactly_one_query(owner, client_for, django_assert_num_queries):
    # given
    client = client_for(owner)

    # when: the one query is the user-and-live-session join of the authentication
    with django_assert_num_queries(1):
        response = client.get(ME_URL)

    # then
    assert response.status_code == 200


def test_patch_me_updates_the_profile(owner, client_for):
    # given
    changes = {
        "username": "Rex and Co",
        "location": "  Astoria, NY  ",
        "latitude": 40.7644,
        "longitude": -73.9235,
        "time_zone": "Europe/Paris",
    }

    # when
    response = client_for(owner).patch(ME_URL, changes, format="json")

    # then
    assert response.status_code == 200, response.json()
    expected = {
        "username": "Rex and Co",
        "location": "Astoria, NY",
        "latitude": 40.7644,
        "longitude": -73.9235,
        "time_zone": "Europe/Paris",
    }
    assert {key: response.json()[key] for key in expected} == expected
    assert response.json()["id"] == owner.pk
    assert response.json()["email"] == "owner@example.com"
    stored = profile(owner)
    assert {key: stored[key] for key in expected} == expected


def test_patch_me_changes_only_the_fields_given(owner, client_for):
    # given
    before = profile(owner)

    # when
    response = client_for(owner).patch(ME_URL, {"location": "Queens, NY"}, format="json")

    # then
    assert response.status_code == 200
    assert profile(owner) == {**before, "location": "Queens, NY"}


def test_patch_me_with_an_empty_body_changes_nothing(owner, client_for):
    # given
    client = client_for(owner)
    before = accounts_state()

    # when
    response = client.patch(ME_URL, {}, format="json")

    # then
    assert response.status_code == 200
    assert response.json()["username"] == "owner"
    assert accounts_state() == before


def test_patch_me_can_clear_the_position(owner, client_for):
    # when
    response = client_for(owner).patch(
        ME_URL, {"latitude": None, "longitude": None, "location": ""}, format="json"
    )

    # then
    assert response.status_code == 200
    stored = profile(owner)
    assert (stored["latitude"], stored["longitude"], stored["location"]) == (None, None, "")


def test_patch_me_can_move_one_coordinate_when_the_other_is_stored(owner, client_for):
    # when
    response = client_for(owner).patch(ME_URL, {"latitude": 41.0}, format="json")

    # then
    assert response.status_code == 200
    stored = profile(owner)
    assert (stored["latitude"], stored["longitude"]) == (41.0, -73.9442)


def test_patch_me_latitude_without_longitude_is_refused(make_user, client_for):
    # given: a user with no position yet
    user = make_user(latitude=None, longitude=None)
    client = client_for(user)
    before = accounts_state()

    # when
    response = client.patch(ME_URL, {"latitude": 40.7}, format="json")

    # then
    assert_error(
        response,
        400,
        "validation_error",
        message="Some fields are invalid: longitude.",
        fields={"longitude": HALF_A_POSITION},
    )
    assert accounts_state() == before


def test_patch_me_clearing_one_coordinate_is_refused(owner, client_for):
    # given
    client = client_for(owner)
    before = accounts_state()

    # when
    response = client.patch(ME_URL, {"longitude": None}, format="json")

    # then
    assert_error(response, 400, "validation_error", fields={"longitude": HALF_A_POSITION})
    assert accounts_state() == before


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        (
            {"latitude": -90.01, "longitude": 0},
            {"latitude": ["Ensure this value is greater than or equal to -90."]},
        ),
        (
            {"latitude": 0, "longitude": 180.01},
            {"longitude": ["Ensure this value is less than or equal to 180."]},
        ),
        ({"latitude": "NaN", "longitude": 0}, {"latitude": ["A valid number is required."]}),
        ({"latitude": 0, "longitude": "-nan"}, {"longitude": ["A valid number is required."]}),
        ({"latitude": "Infinity", "longitude": 0}, {"latitude": ["A valid number is required."]}),
    ],
)
def test_patch_me_with_impossible_coordinates_is_refused(owner, client_for, changes, fields):
    # given
    client = client_for(owner)
    before = accounts_state()

    # when
    response = client.patch(ME_URL, changes, format="json")

    # then
    assert_error(response, 400, "validation_error", fields=fields)
    assert accounts_state() == before


@pytest.mark.parametrize(
    ("time_zone", "message"),
    [
        ("Mars/Olympus_Mons", UNKNOWN_TIME_ZONE),
        ("utc+2", UNKNOWN_TIME_ZONE),
        ("europe/paris", UNKNOWN_TIME_ZONE),
        ("", "This field may not be blank."),
        (None, "This field may not be null."),
    ],
)
def test_patch_me_with_an_unknown_time_zone_is_refused(owner, client_for, time_zone, message):
    # given
    client = client_for(owner)
    before = accounts_state()

    # when
    response = client.patch(ME_URL, {"time_zone": time_zone}, format="json")

    # then
    assert_error(
        response,
        400,
        "validation_error",
        message="Some fields are invalid: time_zone.",
        fields={"time_zone": [message]},
    )
    assert accounts_state() == before


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("a", "Ensure this field has at least 2 characters."),
        ("x" * 31, "Ensure this field has no more than 30 characters."),
        ("", "This field may not be blank."),
        (None, "This field may not be null."),
        ("rex@home", "Use letters, digits, spaces, dots, dashes or underscores."),
        ("<b>rex</b>", "Use letters, digits, spaces, dots, dashes or underscores."),
    ],
)
def test_patch_me_with_a_bad_username_is_refused(owner, client_for, username, message):
    # given
    client = client_for(owner)
    before = accounts_state()

    # when
    response = client.patch(ME_URL, {"username": username}, format="json")

    # then
    assert_error(response, 400, "validation_error", fields={"username": [message]})
    assert accounts_state() == before


def test_patch_me_reports_every_invalid_field(owner, client_for):
    # given
    client = client_for(owner)
    before = accounts_state()

    # when
    response = client.patch(
        ME_URL, {"username": "?", "time_zone": "Nowhere", "location": "ok"}, format="json"
    )

    # then
    assert_error(
        response,
        400,
        "validation_error",
        message="Some fields are invalid: time_zone, username.",
        fields={
            "username": ["Ensure this field has at least 2 characters."],
            "time_zone": [UNKNOWN_TIME_ZONE],
        },
    )
    assert accounts_state() == before


def test_patch_me_cannot_change_the_email(owner, client_for):
    # given
    client = client_for(owner)
    before = accounts_state()

    # when
    response = client.patch(ME_URL, {"email": "taken-over@example.com"}, format="json")

    # then
    assert response.status_code == 200
    assert response.json()["email"] == "owner@example.com"
    assert accounts_state() == before


def test_patch_me_cannot_grant_privileges_or_lift_a_suspension(owner, client_for):
    # given
    client = client_for(owner)
    before = accounts_state()

    # when
    response = client.patch(
        ME_URL,
        {
            "role": "moderator",
            "is_staff": True,
            "is_superuser": True,
            "is_active": False,
            "suspended_at": timezone.now().isoformat(),
            "date_joined": "2000-01-01T00:00:00Z",
            "id": owner.pk + 1000,
            "password": "New-Sturdy-Pass-1",
        },
        format="json",
    )

    # then
    assert response.status_code == 200
    assert response.json()["role"] == "owner"
    assert response.json()["id"] == owner.pk
    assert accounts_state() == before


def test_patch_me_requires_authentication(api_client, owner):
    # given
    before = accounts_state()

    # when
    response = api_client.patch(ME_URL, {"username": "intruder"}, format="json")

    # then
    assert_error(response, 401, "not_authenticated")
    assert accounts_state() == before


def test_patch_me_with_a_dead_session_is_refused(owner, tokens_for):
    # given
    tokens = tokens_for(owner)
    owner.sessions.update(revoked_at=timezone.now())
    before = accounts_state()

    # when
    response = bearer(tokens["access"]).patch(ME_URL, {"username": "intruder"}, format="json")

    # then
    assert_error(response, 401, "not_authenticated")
    assert accounts_state() == before
