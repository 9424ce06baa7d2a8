"""GET /api/v1/me/export: everything the service holds about the caller, as one JSON document;
here what accounts holds (the other apps' sections: test_me_export_sections.py)."""

from __future__ import annotations

import pytest

from accounts import exports
from accounts.models import Block, Feedback
from accounts.tests.helpers import EXPORT_URL, assert_not_authenticated, bearer, jwt_payload

pytestmark = pytest.mark.django_db


def test_export_holds_profile_sessions_blocks_and_feedback(owner, friend, stranger, tokens_for):
    # given
    current = tokens_for(owner, user_agent="laptop")
    tokens_for(owner, user_agent="phone")
    Block.objects.create(blocker=owner, blocked=friend)
    Block.objects.create(blocker=stranger, blocked=owner)  # someone else's block is theirs
    Feedback.objects.create(user=owner, message="Love it", page="/matches")
    Feedback.objects.create(user=friend, message="Not mine")

    # when
    response = bearer(current["access"]).get(EXPORT_URL)

    # then
    assert response.status_code == 200
    body = response.json()
    assert list(body) == [
        "exported_at",
        "profile",
        "sessions",
        "blocked_users",
        "feedback",
        "active_days",
        "pets",
        "passes",
        "playdates",
        "messages",
        "chat_reads",
        "events",
        "reports",
        "activity",
        "moderation_actions",
    ]
    assert body["profile"]["id"] == owner.pk
    assert body["profile"]["email"] == "owner@example.com"
    assert (body["profile"]["latitude"], body["profile"]["longitude"]) == (40.6782, -73.9442)
    assert [s["user_agent"] for s in body["sessions"]] == ["laptop", "phone"]
    assert body["sessions"][0]["id"] == jwt_payload(current["access"])["sid"]
    assert set(body["sessions"][0]) == {
        "id",
        "created_at",
        "last_used_at",
        "user_agent",
        "expires_at",
        "revoked_at",
    }
    assert [(b["user_id"], b["username"]) for b in body["blocked_users"]] == [(friend.pk, "friend")]
    assert [(f["message"], f["page"]) for f in body["feedback"]] == [("Love it", "/matches")]


def test_export_contains_nothing_of_other_users(owner, friend, tokens_for):
    tokens_for(friend, user_agent="friend's phone")

    body = bearer(tokens_for(owner)["access"]).get(EXPORT_URL).json()

    assert "friend's phone" not in str(body)
    assert "friend@example.com" not in str(body)


def test_export_query_count_does_not_grow_with_sessions_or_blocks(
    owner, make_user, tokens_for, django_assert_num_queries
):
    client = bearer(tokens_for(owner)["access"])
    for number in range(5):
        tokens_for(owner)
        Block.objects.create(blocker=owner, blocked=make_user(email=f"b{number}@example.com"))

    # Auth, then one query per section: none for the profile (the user is at hand), two for
    # the event log (test_me_export_sections.py), whatever the number of rows.
    with django_assert_num_queries(1 + len(exports.sections())):
        response = client.get(EXPORT_URL)

    assert response.status_code == 200
    assert len(response.json()["blocked_users"]) == 5


def test_export_requires_authentication(api_client):
    assert_not_authenticated(api_client.get(EXPORT_URL))
