"""GET /api/v1/auth/sessions and DELETE /api/v1/auth/sessions/{id}: the caller's logins."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from accounts.models import Session
from accounts.tests.helpers import (
    ME_URL,
    SESSIONS_URL,
    WINDOW_START,
    accounts_state,
    assert_error,
    assert_not_authenticated,
    bearer,
    jwt_payload,
    refresh,
    refresh_lifetime,
    session_of,
    session_url,
)

pytestmark = pytest.mark.django_db


def test_sessions_lists_the_callers_live_sessions_with_the_current_one_marked(
    api_client, owner, tokens_for
):
    # given: a phone session, then a laptop session used more recently
    with time_machine.travel(WINDOW_START, tick=False) as clock:
        phone = tokens_for(owner, user_agent="Pawdate-iOS/2.1")
        clock.shift(timedelta(minutes=1))
        laptop = tokens_for(owner, user_agent="Firefox/130")
        phone_id, laptop_id = session_of(phone["refresh"]).pk, session_of(laptop["refresh"]).pk

        # when
        response = bearer(phone["access"]).get(SESSIONS_URL)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "id": laptop_id,
                "created_at": "2030-01-01T00:01:00Z",
                "last_used_at": "2030-01-01T00:01:00Z",
                "user_agent": "Firefox/130",
                "current": False,
            },
            {
                "id": phone_id,
                "created_at": "2030-01-01T00:00:00Z",
                "last_used_at": "2030-01-01T00:00:00Z",
                "user_agent": "Pawdate-iOS/2.1",
                "current": True,
            },
        ],
        "next": None,
    }


def test_sessions_puts_the_most_recently_used_first(api_client, owner, tokens_for):
    # given: two sessions; the older one refreshes its token later
    with time_machine.travel(WINDOW_START, tick=False) as clock:
        old = tokens_for(owner, user_agent="old")
        clock.shift(timedelta(minutes=1))
        new = tokens_for(owner, user_agent="new")
        clock.shift(timedelta(minutes=1))
        rotated = refresh(api_client, old["refresh"]).json()

        # when
        response = bearer(new["access"]).get(SESSIONS_URL)

    # then
    results = response.json()["results"]
    assert [(s["user_agent"], s["last_used_at"], s["current"]) for s in results] == [
        ("old", "2030-01-01T00:02:00Z", False),
        ("new", "2030-01-01T00:01:00Z", True),
    ]
    assert results[0]["id"] == jwt_payload(rotated["refresh"])["sid"]


def test_sessions_leaves_out_ended_expired_and_other_users_sessions(
    api_client, owner, friend, tokens_for
):
    lifetime = refresh_lifetime()
    with time_machine.travel(WINDOW_START, tick=False) as clock:
        # given: a session about to expire, then (a minute before) three more
        tokens_for(owner, user_agent="expiring")
        clock.move_to(WINDOW_START + lifetime - timedelta(minutes=1))
        mine = tokens_for(owner, user_agent="mine")
        ended = tokens_for(owner, user_agent="ended")
        tokens_for(friend, user_agent="friend's")
        bearer(mine["access"]).delete(session_url(session_of(ended["refresh"]).pk))
        listed_before = bearer(mine["access"]).get(SESSIONS_URL).json()["results"]

        # when
        clock.move_to(WINDOW_START + lifetime)
        response = bearer(mine["access"]).get(SESSIONS_URL)

    # then
    assert [s["user_agent"] for s in listed_before] == ["mine", "expiring"]
    assert [s["user_agent"] for s in response.json()["results"]] == ["mine"]


def test_sessions_cost_two_queries_however_many_there_are(
    owner, tokens_for, django_assert_num_queries
):
    # given
    current = tokens_for(owner)
    for number in range(5):
        tokens_for(owner, user_agent=f"device {number}")
    client = bearer(current["access"])

    # when: authentication, then the list
    with django_assert_num_queries(2):
        response = client.get(SESSIONS_URL)

    # then
    assert len(response.json()["results"]) == 6


def test_sessions_requires_authentication(api_client):
    # when
    response = api_client.get(SESSIONS_URL)

    # then
    assert_not_authenticated(response)


def test_deleting_a_session_ends_it_at_once(api_client, owner, tokens_for):
    # given
    current = tokens_for(owner, user_agent="laptop")
    lost = tokens_for(owner, user_agent="lost phone")
    lost_session = session_of(lost["refresh"])
    assert bearer(lost["access"]).get(ME_URL).status_code == 200

    # when
    response = bearer(current["access"]).delete(session_url(lost_session.pk))

    # then
    assert response.status_code == 204
    assert response.content == b""
    lost_session.refresh_from_db()
    assert lost_session.revoked_at is not None
    assert BlacklistedToken.objects.filter(token__jti=lost_session.refresh_jti).exists()
    assert_not_authenticated(bearer(lost["access"]).get(ME_URL))
    assert_not_authenticated(refresh(api_client, lost["refresh"]))
    assert bearer(current["access"]).get(ME_URL).status_code == 200
    assert refresh(api_client, current["refresh"]).status_code == 200


def test_deleted_session_is_gone_from_the_list(owner, tokens_for):
    # given
    current = tokens_for(owner, user_agent="laptop")
    other = tokens_for(owner, user_agent="tablet")
    client = bearer(current["access"])

    # when
    client.delete(session_url(session_of(other["refresh"]).pk))

    # then
    assert [s["user_agent"] for s in client.get(SESSIONS_URL).json()["results"]] == ["laptop"]


def test_deleting_a_session_after_its_token_rotated_ends_the_new_token_too(
    api_client, owner, tokens_for
):
    # given
    current = tokens_for(owner)
    other = tokens_for(owner)
    rotated = refresh(api_client, other["refresh"]).json()

    # when
    response = bearer(current["access"]).delete(session_url(session_of(other["refresh"]).pk))

    # then
    assert response.status_code == 204
    assert_not_authenticated(bearer(rotated["access"]).get(ME_URL))
    assert_not_authenticated(refresh(api_client, rotated["refresh"]))


def test_deleting_the_current_session_logs_the_caller_out(api_client, owner, tokens_for):
    # given
    current = tokens_for(owner)
    client = bearer(current["access"])

    # when
    response = client.delete(session_url(session_of(current["refresh"]).pk))

    # then
    assert response.status_code == 204
    assert_not_authenticated(client.get(ME_URL))
    assert_not_authenticated(refresh(api_client, current["refresh"]))


def test_deleting_another_users_session_is_not_found(api_client, owner, friend, tokens_for):
    # given
    mine = tokens_for(owner)
    theirs = tokens_for(friend)
    their_session = session_of(theirs["refresh"])
    before = accounts_state()

    # when
    response = bearer(mine["access"]).delete(session_url(their_session.pk))

    # then
    assert_error(response, 404, "not_found", message="No such session.")
    assert accounts_state() == before
    assert bearer(theirs["access"]).get(ME_URL).status_code == 200
    assert refresh(api_client, theirs["refresh"]).status_code == 200


def test_deleting_an_ended_or_unknown_session_is_not_found(owner, tokens_for):
    # given
    current = tokens_for(owner)
    ended = tokens_for(owner)
    ended_id = session_of(ended["refresh"]).pk
    client = bearer(current["access"])
    assert client.delete(session_url(ended_id)).status_code == 204
    before = accounts_state()

    # when
    again = client.delete(session_url(ended_id))
    unknown = client.delete(session_url(ended_id + 1000))
    beyond_any_id = client.delete(session_url(10**20))

    # then
    assert_error(again, 404, "not_found", message="No such session.")
    assert_error(unknown, 404, "not_found", message="No such session.")
    assert_error(beyond_any_id, 404, "not_found")
    assert accounts_state() == before


def test_deleting_a_session_requires_authentication(api_client, owner, tokens_for):
    # given
    tokens = tokens_for(owner)
    before = accounts_state()

    # when
    response = api_client.delete(session_url(session_of(tokens["refresh"]).pk))

    # then
    assert_not_authenticated(response)
    assert accounts_state() == before
    assert Session.objects.get().revoked_at is None
