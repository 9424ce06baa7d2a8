"""POST /api/v1/auth/token/refresh: rotates a refresh token; the old one stops working."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from accounts.models import Session
from accounts.tests.helpers import (
    ME_URL,
    REFRESH_URL,
    WINDOW_START,
    accounts_state,
    assert_error,
    bearer,
    jwt_payload,
    refresh,
    refresh_lifetime,
)

pytestmark = pytest.mark.django_db

ALREADY_USED = "This refresh token has already been used."
INVALID = "The refresh token is invalid or expired."
SESSION_ENDED = "This session has ended. Please log in again."


def test_refresh_rotates_the_pair(api_client, owner, tokens_for):
    # given
    with time_machine.travel(WINDOW_START, tick=False):
        tokens = tokens_for(owner)
    session = Session.objects.get()

    # when
    with time_machine.travel(WINDOW_START + timedelta(minutes=5), tick=False):
        response = refresh(api_client, tokens["refresh"])

    # then
    assert response.status_code == 200, response.json()
    rotated = response.json()
    assert set(rotated) == {"access", "refresh"}
    assert rotated["refresh"] != tokens["refresh"]
    assert rotated["access"] != tokens["access"]
    new_claims = jwt_payload(rotated["refresh"])
    assert new_claims["sid"] == session.pk
    assert jwt_payload(rotated["access"])["sid"] == session.pk
    session.refresh_from_db()
    assert session.refresh_jti == new_claims["jti"]
    assert session.created_at == WINDOW_START
    assert session.last_used_at == WINDOW_START + timedelta(minutes=5)
    assert session.expires_at == WINDOW_START + timedelta(minutes=5) + timedelta(days=14)
    assert Session.objects.count() == 1
    assert BlacklistedToken.objects.filter(
        token__jti=jwt_payload(tokens["refresh"])["jti"]
    ).exists()


def test_rotated_pair_works(api_client, owner, tokens_for):
    # given
    rotated = refresh(api_client, tokens_for(owner)["refresh"]).json()

    # when
    me = bearer(rotated["access"]).get(ME_URL)
    again = refresh(api_client, rotated["refresh"])

    # then
    assert me.status_code == 200
    assert me.json()["id"] == owner.pk
    assert again.status_code == 200


def test_refresh_token_works_only_once(api_client, owner, tokens_for):
    # given
    tokens = tokens_for(owner)
    assert refresh(api_client, tokens["refresh"]).status_code == 200
    before = accounts_state()

    # when
    response = refresh(api_client, tokens["refresh"])

    # then
    assert_error(response, 401, "not_authenticated", message=INVALID)
    assert accounts_state() == before


def test_refresh_token_superseded_but_not_blacklisted_is_refused(api_client, owner, tokens_for):
    # given: a token whose session has moved on (say the blacklist row was pruned)
    tokens = tokens_for(owner)
    refresh(api_client, tokens["refresh"])
    BlacklistedToken.objects.all().delete()
    before = accounts_state()

    # when
    response = refresh(api_client, tokens["refresh"])

    # then
    assert_error(response, 401, "not_authenticated", message=ALREADY_USED)
    assert accounts_state() == before


@pytest.mark.parametrize("raw", ["garbage", "a.b.c", ""])
def test_refresh_with_garbage_is_refused(api_client, owner, tokens_for, raw):
    # given
    tokens_for(owner)
    before = accounts_state()

    # when
    response = refresh(api_client, raw)

    # then
    if raw:
        assert_error(response, 401, "not_authenticated", message=INVALID)
    else:
        assert_error(
            response, 400, "validation_error", fields={"refresh": ["This field may not be blank."]}
        )
    assert accounts_state() == before


def test_refresh_without_the_field_is_refused(api_client, owner, tokens_for):
    # given
    tokens_for(owner)
    before = accounts_state()

    # when
    response = api_client.post(REFRESH_URL, {}, format="json")

    # then
    assert_error(response, 400, "validation_error", fields={"refresh": ["This field is required."]})
    assert accounts_state() == before


def test_access_token_is_not_a_refresh_token(api_client, owner, tokens_for):
    # given
    tokens = tokens_for(owner)
    before = accounts_state()

    # when
    response = refresh(api_client, tokens["access"])

    # then
    assert_error(response, 401, "not_authenticated", message=INVALID)
    assert accounts_state() == before


def test_expired_refresh_token_is_refused(api_client, owner, tokens_for):
    # given
    with time_machine.travel(WINDOW_START, tick=False):
        tokens = tokens_for(owner)
    lifetime = refresh_lifetime()
    before = accounts_state()

    # when
    with time_machine.travel(WINDOW_START + lifetime + timedelta(seconds=1), tick=False):
        response = refresh(api_client, tokens["refresh"])

    # then
    assert_error(response, 401, "not_authenticated", message=INVALID)
    assert accounts_state() == before


def test_refresh_token_works_until_it_expires(api_client, owner, tokens_for):
    # given
    with time_machine.travel(WINDOW_START, tick=False):
        tokens = tokens_for(owner)
    lifetime = refresh_lifetime()

    # when
    with time_machine.travel(WINDOW_START + lifetime - timedelta(seconds=1), tick=False):
        response = refresh(api_client, tokens["refresh"])

    # then
    assert response.status_code == 200


def test_refresh_of_a_revoked_session_is_refused(api_client, owner, tokens_for):
    # given: the session was ended but its token not blacklisted (only revoked_at counts)
    tokens = tokens_for(owner)
    Session.objects.update(revoked_at=timezone.now())
    before = accounts_state()

    # when
    response = refresh(api_client, tokens["refresh"])

    # then
    assert_error(response, 401, "not_authenticated", message=SESSION_ENDED)
    assert accounts_state() == before


@pytest.mark.parametrize(
    "change", [{"is_active": False}, {"suspended_at": WINDOW_START}], ids=["inactive", "suspended"]
)
def test_refresh_for_a_user_who_may_no_longer_log_in_is_refused(
    api_client, owner, tokens_for, change
):
    # given
    tokens = tokens_for(owner)
    type(owner).objects.filter(pk=owner.pk).update(**change)
    before = accounts_state()

    # when
    response = refresh(api_client, tokens["refresh"])

    # then
    assert_error(response, 401, "not_authenticated", message="This account can no longer log in.")
    assert accounts_state() == before


def test_refresh_for_a_deleted_user_is_refused(api_client, owner, tokens_for):
    # given
    tokens = tokens_for(owner)
    owner.delete()

    # when
    response = refresh(api_client, tokens["refresh"])

    # then
    assert_error(response, 401, "not_authenticated")
    assert Session.objects.count() == 0


def open_database_connections() -> None:
    """Fills the connection pool, so the racing requests meet at the database, not at connect."""
    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    # The test's own thread holds one of the pool's connections.
    count = pool["max_size"] - 1 if isinstance(pool, dict) else 0
    if count < 1:
        return
    barrier = threading.Barrier(count)

    def hold_a_connection() -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=10)
        finally:
            connection.close()

    threads = [threading.Thread(target=hold_a_connection) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_refreshes_of_one_token_succeed_once(owner, tokens_for):
    # given
    tokens = tokens_for(owner)
    open_database_connections()
    session = Session.objects.get()
    threads_count = 20
    barrier = threading.Barrier(threads_count)
    statuses: list[int] = []
    bodies: list[dict[str, Any]] = []
    lock = threading.Lock()

    def refresh_once() -> None:
        try:
            client = APIClient()
            barrier.wait(timeout=10)
            response = refresh(client, tokens["refresh"])
            with lock:
                statuses.append(response.status_code)
                bodies.append(response.json())
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=refresh_once) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then
    assert len(statuses) == threads_count
    assert sorted(statuses) == [200] + [401] * (threads_count - 1)
    winner = bodies[statuses.index(200)]
    for status, body in zip(statuses, bodies, strict=True):
        if status == 401:
            assert body["error"]["code"] == "not_authenticated"
            assert body["error"]["message"] in {ALREADY_USED, INVALID}
    session.refresh_from_db()
    assert session.refresh_jti == jwt_payload(str(winner["refresh"]))["jti"]
    assert Session.objects.count() == 1
    assert BlacklistedToken.objects.count() == 1
    assert refresh(APIClient(), str(winner["refresh"])).status_code == 200
