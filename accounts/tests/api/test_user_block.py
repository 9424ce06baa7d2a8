"""POST/DELETE /api/v1/users/{id}/block."""

from __future__ import annotations

import pytest

from accounts.models import Block
from accounts.tests.helpers import (
    accounts_state,
    assert_error,
    assert_not_authenticated,
    bearer,
    block_url,
)

pytestmark = pytest.mark.django_db


def test_blocking_a_user_records_it(owner, friend, tokens_for):
    response = bearer(tokens_for(owner)["access"]).post(block_url(friend.pk))

    assert response.status_code == 204
    assert list(Block.objects.values_list("blocker_id", "blocked_id")) == [(owner.pk, friend.pk)]


def test_blocking_twice_keeps_one_block(owner, friend, tokens_for):
    client = bearer(tokens_for(owner)["access"])

    assert client.post(block_url(friend.pk)).status_code == 204
    assert client.post(block_url(friend.pk)).status_code == 204

    assert Block.objects.count() == 1


def test_unblocking_removes_only_the_callers_block(owner, friend, tokens_for):
    Block.objects.create(blocker=owner, blocked=friend)
    Block.objects.create(blocker=friend, blocked=owner)

    response = bearer(tokens_for(owner)["access"]).delete(block_url(friend.pk))

    assert response.status_code == 204
    assert list(Block.objects.values_list("blocker_id", "blocked_id")) == [(friend.pk, owner.pk)]


def test_unblocking_someone_not_blocked_is_fine(owner, friend, tokens_for):
    response = bearer(tokens_for(owner)["access"]).delete(block_url(friend.pk))

    assert response.status_code == 204
    assert Block.objects.count() == 0


def test_blocking_yourself_is_a_validation_error(owner, tokens_for):
    client = bearer(tokens_for(owner)["access"])
    before = accounts_state()

    response = client.post(block_url(owner.pk))

    assert_error(
        response,
        400,
        "validation_error",
        fields={"user": ["You cannot block yourself."]},
    )
    assert accounts_state() == before


@pytest.mark.parametrize("method", ["post", "delete"])
def test_blocking_an_unknown_or_deleted_user_is_not_found(owner, friend, tokens_for, method):
    friend.is_active = False
    friend.save()
    client = bearer(tokens_for(owner)["access"])
    before = accounts_state()

    for user_id in (friend.pk, 999_999):
        assert_error(getattr(client, method)(block_url(user_id)), 404, "not_found")

    assert accounts_state() == before


def test_blocking_requires_authentication(api_client, friend):
    assert_not_authenticated(api_client.post(block_url(friend.pk)))
    assert Block.objects.count() == 0
