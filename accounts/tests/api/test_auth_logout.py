"""POST /api/v1/auth/logout: ends the session a refresh token belongs to."""

from __future__ import annotations

import pytest
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from accounts.tests.helpers import (
    LOGOUT_URL,
    ME_URL,
    accounts_state,
    assert_error,
    assert_not_authenticated,
    bearer,
    jwt_payload,
    refresh,
    session_of,
)

pytestmark = pytest.mark.django_db

NOT_YOURS = {"refresh": ["This is not a live refresh token of yours."]}


def logout(access: str, refresh_token: str):
    return bearer(access).post(LOGOUT_URL, {"refresh": refresh_token}, format="json")


def test_logout_ends_the_session(api_client, owner, tokens_for):
    # given
    tokens = tokens_for(owner)

    # when
    response = logout(tokens["access"], tokens["refresh"])

    # then
    assert response.status_code == 204
    assert response.content == b""
    session = session_of(tokens["refresh"])
    assert session.revoked_at is not None
    assert BlacklistedToken.objects.filter(
        token__jti=jwt_payload(tokens["refresh"])["jti"]
    ).exists()


def test_after_logout_the_refresh_and_access_tokens_stop_working(api_client, owner, tokens_for):
    # given
    tokens = tokens_for(owner)
    assert logout(tokens["access"], tokens["refresh"]).status_code == 204

    # when
    refreshed = refresh(api_client, tokens["refresh"])
    me = bearer(tokens["access"]).get(ME_URL)

    # then
    assert_not_authenticated(refreshed)
    assert_error(
        me,
        401,
        "not_authenticated",
        message="This token is no longer valid. Please log in again.",
    )


def test_logout_leaves_the_users_other_sessions_working(api_client, owner, tokens_for):
    # given
    phone = tokens_for(owner, user_agent="phone")
    laptop = tokens_for(owner, user_agent="laptop")

    # when
    response = logout(phone["access"], phone["refresh"])

    # then
    assert response.status_code == 204
    assert session_of(laptop["refresh"]).revoked_at is None
    assert bearer(laptop["access"]).get(ME_URL).status_code == 200
    assert refresh(api_client, laptop["refresh"]).status_code == 200


def test_logout_can_end_another_session_of_the_same_user(api_client, owner, tokens_for):
    # given: the laptop session ends the phone session (e.g. a lost phone)
    phone = tokens_for(owner, user_agent="phone")
    laptop = tokens_for(owner, user_agent="laptop")

    # when
    response = logout(laptop["access"], phone["refresh"])

    # then
    assert response.status_code == 204
    assert session_of(phone["refresh"]).revoked_at is not None
    assert session_of(laptop["refresh"]).revoked_at is None
    assert bearer(phone["access"]).get(ME_URL).status_code == 401
    assert bearer(laptop["access"]).get(ME_URL).status_code == 200


def test_logout_requires_authentication(api_client, owner, tokens_for):
    # given
    tokens = tokens_for(owner)
    before = accounts_state()

    # when
    response = api_client.post(LOGOUT_URL, {"refresh": tokens["refresh"]}, format="json")

    # then
    assert_error(
        response,
        401,
        "not_authenticated",
        message="Authentication credentials were not provided.",
    )
    assert accounts_state() == before
    assert refresh(api_client, tokens["refresh"]).status_code == 200


def test_logout_with_another_users_refresh_token_is_refused(api_client, owner, friend, tokens_for):
    # given
    mine = tokens_for(owner)
    theirs = tokens_for(friend)
    before = accounts_state()

    # when
    response = logout(mine["access"], theirs["refresh"])

    # then
    assert_error(
        response,
        400,
        "validation_error",
        message="Some fields are invalid: refresh.",
        fields=NOT_YOURS,
    )
    assert accounts_state() == before
    assert bearer(theirs["access"]).get(ME_URL).status_code == 200
    assert refresh(api_client, theirs["refresh"]).status_code == 200


@pytest.mark.parametrize("raw", ["garbage", "a.b.c"])
def test_logout_with_a_garbage_refresh_token_is_refused(owner, tokens_for, raw):
    # given
    tokens = tokens_for(owner)
    before = accounts_state()

    # when
    response = logout(tokens["access"], raw)

    # then
    assert_error(response, 400, "validation_error", fields=NOT_YOURS)
    assert accounts_state() == before


def test_logout_with_an_access_token_in_place_of_the_refresh_token_is_refused(owner, tokens_for):
    # given
    tokens = tokens_for(owner)
    before = accounts_state()

    # when
    response = logout(tokens["access"], tokens["access"])

    # then
    assert_error(response, 400, "validation_error", fields=NOT_YOURS)
    assert accounts_state() == before


def test_logout_with_a_rotated_refresh_token_is_refused(api_client, owner, tokens_for):
    # given
    old = tokens_for(owner)
    new = refresh(api_client, old["refresh"]).json()
    before = accounts_state()

    # when
    response = logout(new["access"], old["refresh"])

    # then
    assert_error(response, 400, "validation_error", fields=NOT_YOURS)
    assert accounts_state() == before
    assert refresh(api_client, new["refresh"]).status_code == 200


def test_logout_of_an_ended_session_is_refused(owner, tokens_for):
    # given
    phone = tokens_for(owner, user_agent="phone")
    laptop = tokens_for(owner, user_agent="laptop")
    assert logout(phone["access"], phone["refresh"]).status_code == 204
    before = accounts_state()

    # when
    response = logout(laptop["access"], phone["refresh"])

    # then
    assert_error(response, 400, "validation_error", fields=NOT_YOURS)
    assert accounts_state() == before


def test_logout_without_a_refresh_token_is_refused(owner, tokens_for):
    # given
    tokens = tokens_for(owner)
    before = accounts_state()

    # when
    response = bearer(tokens["access"]).post(LOGOUT_URL, {}, format="json")

    # then
    assert_error(response, 400, "validation_error", fields={"refresh": ["This field is required."]})
    assert accounts_state() == before
