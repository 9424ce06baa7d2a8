"""POST /api/v1/auth/token: logs in with email and password."""

from __future__ import annotations

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Session
from accounts.tests.helpers import (
    BAD_CREDENTIALS,
    ME_URL,
    TOKEN_URL,
    WINDOW_START,
    accounts_state,
    assert_error,
    bearer,
    jwt_payload,
    login,
    refresh,
)

pytestmark = pytest.mark.django_db


def test_login_with_the_right_password_opens_a_session(api_client, owner, password):
    # when
    with time_machine.travel(WINDOW_START, tick=False):
        response = login(api_client, owner.email, password, user_agent="Pawdate-iOS/2.1")

    # then
    assert response.status_code == 200, response.json()
    tokens = response.json()
    assert set(tokens) == {"access", "refresh"}
    session = Session.objects.get()
    assert session.user == owner
    assert session.user_agent == "Pawdate-iOS/2.1"
    assert session.created_at == session.last_used_at == WINDOW_START
    assert session.revoked_at is None
    assert session.refresh_jti == jwt_payload(tokens["refresh"])["jti"]
    assert jwt_payload(tokens["access"])["sid"] == session.pk
    assert jwt_payload(tokens["refresh"])["sid"] == session.pk


def test_login_tokens_work(api_client, owner, password):
    # given
    tokens = login(api_client, owner.email, password).json()

    # when
    me = bearer(tokens["access"]).get(ME_URL)
    rotated = refresh(api_client, tokens["refresh"])

    # then
    assert me.status_code == 200
    assert me.json()["id"] == owner.pk
    assert rotated.status_code == 200


@pytest.mark.parametrize("email", ["OWNER@example.com", "  Owner@Example.COM  "])
def test_login_email_is_case_insensitive(api_client, owner, password, email):
    # when
    response = login(api_client, email, password)

    # then
    assert response.status_code == 200
    assert Session.objects.get().user == owner


def test_each_login_opens_its_own_session(api_client, owner, password):
    # when
    first = login(api_client, owner.email, password, user_agent="phone").json()
    second = login(api_client, owner.email, password, user_agent="laptop").json()

    # then
    sessions = Session.objects.filter(user=owner).order_by("pk")
    assert [s.user_agent for s in sessions] == ["phone", "laptop"]
    assert [jwt_payload(first["access"])["sid"], jwt_payload(second["access"])["sid"]] == [
        s.pk for s in sessions
    ]


def test_login_with_a_wrong_password_is_refused(api_client, owner):
    # given
    before = accounts_state()

    # when
    response = login(api_client, owner.email, "Wrong-Password-1")

    # then
    assert_error(response, 401, "not_authenticated", message="Email or password is incorrect.")
    assert response.json() == BAD_CREDENTIALS
    assert accounts_state() == before


def test_login_password_is_not_trimmed(api_client, owner, password):
    # given
    before = accounts_state()

    # when
    response = login(api_client, owner.email, f" {password} ")

    # then
    assert response.json() == BAD_CREDENTIALS
    assert accounts_state() == before


def test_login_with_an_unknown_email_is_refused_like_a_wrong_password(api_client, owner):
    # given
    before = accounts_state()

    # when
    response = login(api_client, "nobody@example.com", "Wrong-Password-1")

    # then
    assert response.status_code == 401
    assert response.json() == BAD_CREDENTIALS
    assert accounts_state() == before


def test_login_of_an_inactive_user_is_refused_like_a_wrong_password(
    api_client, make_user, password
):
    # given: the right password, but the account is deactivated
    make_user(email="gone@example.com", is_active=False)
    before = accounts_state()

    # when
    response = login(api_client, "gone@example.com", password)

    # then
    assert response.status_code == 401
    assert response.json() == BAD_CREDENTIALS
    assert accounts_state() == before


def test_login_of_a_suspended_user_is_refused(api_client, make_user, password):
    # given
    make_user(email="banned@example.com", suspended_at=timezone.now())
    before = accounts_state()

    # when
    response = login(api_client, "banned@example.com", password)

    # then
    assert_error(response, 403, "permission_denied", message="This account is suspended.")
    assert accounts_state() == before


def test_login_without_fields_names_each_of_them(api_client, owner):
    # given
    before = accounts_state()

    # when
    response = api_client.post(TOKEN_URL, {}, format="json")

    # then
    assert_error(
        response,
        400,
        "validation_error",
        message="Some fields are invalid: email, password.",
        fields={"email": ["This field is required."], "password": ["This field is required."]},
    )
    assert accounts_state() == before


def test_login_with_an_invalid_email_is_refused(api_client, owner, password):
    # given
    before = accounts_state()

    # when
    response = login(api_client, "owner-at-example.com", password)

    # then
    assert_error(
        response, 400, "validation_error", fields={"email": ["Enter a valid email address."]}
    )
    assert accounts_state() == before


def test_login_rejects_form_encoded_bodies(api_client, owner, password):
    # when
    response = api_client.post(TOKEN_URL, {"email": owner.email, "password": password})

    # then
    assert_error(response, 415, "unsupported_media_type")
    assert Session.objects.count() == 0


def test_login_runs_a_fixed_small_number_of_queries(
    api_client, owner, password, django_assert_num_queries
):
    # SELECT user, savepoint, INSERT outstanding token, INSERT session, release savepoint.
    with django_assert_num_queries(5):
        response = login(api_client, owner.email, password)

    assert response.status_code == 200


def test_failed_login_runs_one_query(api_client, owner, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = login(api_client, owner.email, "Wrong-Password-1")

    assert response.status_code == 401
