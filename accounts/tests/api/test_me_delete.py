"""DELETE /api/v1/me: an owner deletes their account, confirmed with their password."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Block, Session, User
from accounts.tests.helpers import (
    ME_URL,
    accounts_state,
    assert_error,
    assert_not_authenticated,
    bearer,
    login,
    refresh,
)

pytestmark = pytest.mark.django_db


def delete_me(client: APIClient, password: object) -> Any:
    return client.delete(ME_URL, {"password": password}, format="json")


def test_deleting_the_account_anonymises_it_and_ends_every_session(
    api_client, owner, friend, password, tokens_for
):
    # given: two sessions, and blocks both ways
    first, second = tokens_for(owner), tokens_for(owner, user_agent="phone")
    Block.objects.create(blocker=owner, blocked=friend)
    Block.objects.create(blocker=friend, blocked=owner)

    # when
    response = delete_me(bearer(first["access"]), password)

    # then
    assert response.status_code == 204
    owner.refresh_from_db()
    assert owner.email == f"deleted-{owner.pk}@deleted.invalid"
    assert owner.username == "deleted user"
    assert (owner.location, owner.latitude, owner.longitude) == ("", None, None)
    assert not owner.is_active
    assert not owner.has_usable_password()
    assert owner.deleted_at is not None
    assert Session.objects.filter(user=owner, revoked_at__isnull=True).count() == 0
    assert Block.objects.count() == 0
    for pair in (first, second):
        assert_not_authenticated(bearer(pair["access"]).get(ME_URL))
        assert_not_authenticated(refresh(api_client, pair["refresh"]))


def test_a_deleted_account_cannot_log_in_and_its_email_can_register_again(
    api_client, owner, password, tokens_for
):
    # given
    assert delete_me(bearer(tokens_for(owner)["access"]), password).status_code == 204

    # when
    old_login = login(api_client, "owner@example.com", password)
    again = api_client.post(
        "/api/v1/auth/register",
        {"email": "owner@example.com", "username": "owner2", "password": "Sturdy-Pass-123"},
        format="json",
    )

    # then
    assert_not_authenticated(old_login)
    assert again.status_code == 201
    assert User.objects.filter(email="owner@example.com").count() == 1


def test_deleting_with_a_wrong_password_changes_nothing(owner, tokens_for):
    client = bearer(tokens_for(owner)["access"])
    before = accounts_state()

    response = delete_me(client, "not-my-password")

    assert_error(
        response,
        400,
        "validation_error",
        message="Some fields are invalid: password.",
        fields={"password": ["The password is incorrect."]},
    )
    assert accounts_state() == before


@pytest.mark.parametrize(("body", "fields"), [({}, {"password": ["This field is required."]})])
def test_deleting_without_a_password_is_a_validation_error(owner, tokens_for, body, fields):
    client = bearer(tokens_for(owner)["access"])
    before = accounts_state()

    response = client.delete(ME_URL, body, format="json")

    assert_error(response, 400, "validation_error", fields=fields)
    assert accounts_state() == before


def test_wrong_passwords_on_delete_count_towards_the_account_lock(
    api_client, owner, password, tokens_for, settings
):
    # given: the lock allows 2 failures
    settings.LOGIN_FAILURE_LIMIT = (2, 900)
    client = bearer(tokens_for(owner)["access"])
    for _ in range(2):
        assert delete_me(client, "guess").status_code == 400
    before = accounts_state()

    # when: even the right password
    response = delete_me(client, password)

    # then
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) > 0
    assert accounts_state() == before
    assert User.objects.get(pk=owner.pk).is_active


def test_deleting_requires_authentication(api_client, owner, password):
    before = accounts_state()

    response = delete_me(api_client, password)

    assert_not_authenticated(response)
    assert accounts_state() == before
