"""POST /api/v1/auth/register: creates an owner and logs them in."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from accounts.models import Session, User
from accounts.tests.helpers import (
    ME_URL,
    REGISTER_URL,
    WINDOW_START,
    accounts_state,
    assert_error,
    bearer,
    jwt_payload,
    refresh,
)

pytestmark = pytest.mark.django_db

PASSWORD = "Sturdy-Pass-123"


def payload(**overrides: Any) -> dict[str, Any]:
    return {"email": "alice@example.com", "username": "alice", "password": PASSWORD, **overrides}


def test_register_creates_owner_and_returns_tokens(api_client):
    # when
    response = api_client.post(
        REGISTER_URL,
        {"email": "Alice@Example.com", "username": "alice", "password": "Sturdy-Pass-123"},
        format="json",
    )

    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["user"]["email"] == "alice@example.com"
    assert body["user"]["role"] == "owner"
    assert set(body) == {"user", "access", "refresh"}
    assert User.objects.get().password.startswith("argon2")


def test_register_answers_the_full_user_and_stores_the_profile(api_client):
    # given
    body = payload(
        email="  Alice@Example.COM ",
        location="Brooklyn, NY",
        latitude=40.6782,
        longitude=-73.9442,
        time_zone="America/New_York",
    )

    # when
    with time_machine.travel(WINDOW_START, tick=False):
        response = api_client.post(REGISTER_URL, body, format="json")

    # then
    assert response.status_code == 201, response.json()
    user = User.objects.get()
    assert response.json()["user"] == {
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
    assert (user.email, user.username, user.location) == (
        "alice@example.com",
        "alice",
        "Brooklyn, NY",
    )
    assert (user.latitude, user.longitude, user.time_zone) == (
        40.6782,
        -73.9442,
        "America/New_York",
    )
    assert user.is_active
    assert not user.is_staff
    assert user.suspended_at is None
    assert user.check_password(PASSWORD)
    assert PASSWORD not in response.content.decode()


def test_register_without_optional_fields_leaves_them_empty(api_client):
    # when
    response = api_client.post(REGISTER_URL, payload(), format="json")

    # then
    assert response.status_code == 201, response.json()
    user_body = response.json()["user"]
    assert user_body["location"] == ""
    assert user_body["latitude"] is None
    assert user_body["longitude"] is None
    assert user_body["time_zone"] == "UTC"


def test_registration_opens_a_session_whose_tokens_work(api_client):
    # when
    response = api_client.post(
        REGISTER_URL, payload(), format="json", HTTP_USER_AGENT="Firefox/130"
    )

    # then
    assert response.status_code == 201
    tokens = response.json()
    user = User.objects.get()
    session = Session.objects.get()
    assert session.user == user
    assert session.user_agent == "Firefox/130"
    assert session.revoked_at is None
    assert jwt_payload(tokens["access"])["sid"] == session.pk
    assert jwt_payload(tokens["refresh"])["jti"] == session.refresh_jti
    me = bearer(tokens["access"]).get(ME_URL)
    assert me.status_code == 200
    assert me.json()["id"] == user.pk
    assert refresh(api_client, tokens["refresh"]).status_code == 200


def test_register_ignores_attempts_to_become_a_moderator(api_client):
    # when
    response = api_client.post(
        REGISTER_URL,
        payload(role="moderator", is_staff=True, is_superuser=True, suspended_at=None),
        format="json",
    )

    # then
    assert response.status_code == 201
    assert response.json()["user"]["role"] == "owner"
    user = User.objects.get()
    assert (user.role, user.is_staff, user.is_superuser) == ("owner", False, False)


@pytest.mark.parametrize("email", ["alice@example.com", "ALICE@Example.com", " alice@EXAMPLE.com"])
def test_register_with_a_taken_email_in_any_case_is_refused(api_client, make_user, email):
    # given
    make_user(email="alice@example.com", username="first-alice")
    before = accounts_state()

    # when
    response = api_client.post(REGISTER_URL, payload(email=email), format="json")

    # then
    assert_error(
        response,
        400,
        "validation_error",
        message="Some fields are invalid: email.",
        fields={"email": ["An account with this email already exists."]},
    )
    assert accounts_state() == before


def test_register_without_required_fields_names_each_of_them(api_client):
    # when
    response = api_client.post(REGISTER_URL, {}, format="json")

    # then
    assert_error(
        response,
        400,
        "validation_error",
        message="Some fields are invalid: email, password, username.",
        fields={
            "email": ["This field is required."],
            "username": ["This field is required."],
            "password": ["This field is required."],
        },
    )
    assert User.objects.count() == 0
    assert Session.objects.count() == 0


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not-an-email", "Enter a valid email address."),
        ("alice@", "Enter a valid email address."),
        ("@example.com", "Enter a valid email address."),
        ("", "This field may not be blank."),
    ],
)
def test_register_with_an_invalid_email_is_refused(api_client, email, message):
    # when
    response = api_client.post(REGISTER_URL, payload(email=email), format="json")

    # then
    assert_error(response, 400, "validation_error", fields={"email": [message]})
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1!", "This password is too short. It must contain at least 8 characters."),
        ("password123", "This password is too common."),
        ("3141592653589", "This password is entirely numeric."),
        ("alice@example.com1", "The password is too similar to the email."),
    ],
)
def test_register_with_a_weak_password_is_refused(api_client, password, message):
    # when
    response = api_client.post(REGISTER_URL, payload(password=password), format="json")

    # then
    assert_error(
        response,
        400,
        "validation_error",
        message="Some fields are invalid: password.",
        fields={"password": [message]},
    )
    assert User.objects.count() == 0
    assert Session.objects.count() == 0


@pytest.mark.parametrize(
    ("coordinates", "missing"),
    [({"latitude": 40.7}, "longitude"), ({"longitude": -73.9}, "latitude")],
)
def test_register_with_half_a_position_is_refused(api_client, coordinates, missing):
    # when
    response = api_client.post(REGISTER_URL, payload(**coordinates), format="json")

    # then
    assert_error(
        response,
        400,
        "validation_error",
        fields={missing: ["Give latitude and longitude together, or neither."]},
    )
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    ("coordinates", "fields"),
    [
        (
            {"latitude": 90.5, "longitude": 0},
            {"latitude": ["Ensure this value is less than or equal to 90."]},
        ),
        (
            {"latitude": 0, "longitude": -180.5},
            {"longitude": ["Ensure this value is greater than or equal to -180."]},
        ),
        ({"latitude": "north", "longitude": 0}, {"latitude": ["A valid number is required."]}),
        ({"latitude": "NaN", "longitude": 0}, {"latitude": ["A valid number is required."]}),
        ({"latitude": 0, "longitude": "nan"}, {"longitude": ["A valid number is required."]}),
    ],
)
def test_register_with_impossible_coordinates_is_refused(api_client, coordinates, fields):
    # when
    response = api_client.post(REGISTER_URL, payload(**coordinates), format="json")

    # then
    assert_error(response, 400, "validation_error", fields=fields)
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("a", "Ensure this field has at least 2 characters."),
        ("x" * 31, "Ensure this field has no more than 30 characters."),
        ("   ", "This field may not be blank."),
        ("<script>", "Use letters, digits, spaces, dots, dashes or underscores."),
    ],
)
def test_register_with_a_bad_username_is_refused(api_client, username, message):
    # when
    response = api_client.post(REGISTER_URL, payload(username=username), format="json")

    # then
    assert_error(response, 400, "validation_error", fields={"username": [message]})
    assert User.objects.count() == 0


def test_register_with_an_unknown_time_zone_is_refused(api_client):
    # when
    response = api_client.post(REGISTER_URL, payload(time_zone="Mars/Olympus_Mons"), format="json")

    # then
    assert_error(
        response,
        400,
        "validation_error",
        fields={"time_zone": ["Use an IANA time zone name such as Europe/Paris."]},
    )
    assert User.objects.count() == 0


def test_register_with_a_malformed_body_is_refused(api_client):
    # when
    response = api_client.post(REGISTER_URL, '{"email": ', content_type="application/json")

    # then
    error = assert_error(response, 400, "validation_error")
    assert error["message"].startswith("Malformed request body")
    assert User.objects.count() == 0


def test_register_ignores_a_stale_authorization_header(api_client):
    # given: a browser that still sends an old, invalid token
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    # when
    response = api_client.post(REGISTER_URL, payload(), format="json")

    # then
    assert response.status_code == 201
    assert User.objects.count() == 1


def test_register_runs_a_fixed_small_number_of_queries(api_client, django_assert_num_queries):
    # Savepoint for the registration, INSERT user, INSERT outstanding token, INSERT session,
    # INSERT the activity item, SELECT the moderators (none here: no events), release savepoint.
    with django_assert_num_queries(7):
        response = api_client.post(REGISTER_URL, payload(), format="json")

    assert response.status_code == 201
