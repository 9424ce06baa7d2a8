"""POST /api/v1/reports: any user reports a user, a pet or a message of their conversations."""

from __future__ import annotations

import pytest

from matching.tests.playdate_helpers import iso, pet_for
from realtime.models import Activity, Report
from realtime.tests.chat_helpers import playdate_of, send
from realtime.tests.moderation_helpers import REPORTS_URL, events_of, moderation_state

pytestmark = pytest.mark.django_db


def test_an_owner_reports_a_user(owner, friend, moderator, client_for):
    # when
    response = client_for(owner).post(
        REPORTS_URL,
        {"target_type": "user", "target_id": friend.pk, "reason": "harassment", "text": "Rude."},
        format="json",
    )

    # then: stored, answered as the reporter sees it, and in the moderators' feed
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert response.json() == {
        "id": report.pk,
        "target_type": "user",
        "target_id": friend.pk,
        "reason": "harassment",
        "text": "Rude.",
        "status": "open",
        "created_at": iso(report.created_at),
    }
    assert (report.reporter_id, report.target_user_id) == (owner.pk, friend.pk)
    item = Activity.objects.get(kind="report.filed")
    assert (item.actor_id, item.subject_type, item.subject_id, item.target_user_id) == (
        owner.pk,
        "report",
        report.pk,
        friend.pk,
    )
    assert item.summary == "owner reported a user for harassment"
    [event] = events_of(moderator, "moderation.activity")
    assert event["activity"]["id"] == item.pk


def test_a_pet_report_is_answered_for_by_its_owner(owner, friend, client_for):
    pet = pet_for(friend)

    response = client_for(owner).post(
        REPORTS_URL, {"target_type": "pet", "target_id": pet.pk, "reason": "other"}, format="json"
    )

    assert response.status_code == 201, response.content
    assert Report.objects.get().target_user_id == friend.pk


def test_a_message_of_ones_own_conversation_can_be_reported(owner, friend, client_for):
    message = send(friend, playdate_of(owner, friend), "Buy cheap bones at spam.example")

    response = client_for(owner).post(
        REPORTS_URL,
        {"target_type": "message", "target_id": message.pk, "reason": "spam"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert Report.objects.get().target_user_id == friend.pk


def test_a_message_of_another_conversation_is_not_found(owner, friend, stranger, client_for):
    message = send(friend, playdate_of(owner, friend))
    before = moderation_state()

    response = client_for(stranger).post(
        REPORTS_URL,
        {"target_type": "message", "target_id": message.pk, "reason": "spam"},
        format="json",
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert moderation_state() == before


@pytest.mark.parametrize("target_type", ["user", "pet", "message"])
def test_what_does_not_exist_is_not_found(owner, client_for, target_type):
    before = moderation_state()

    response = client_for(owner).post(
        REPORTS_URL,
        {"target_type": target_type, "target_id": 999999, "reason": "spam"},
        format="json",
    )

    assert response.status_code == 404
    assert moderation_state() == before


@pytest.mark.parametrize("target_type", ["user", "pet", "message"])
def test_reporting_ones_own_is_a_validation_error(owner, friend, client_for, target_type):
    target_id = {
        "user": owner.pk,
        "pet": pet_for(owner).pk,
        "message": send(owner, playdate_of(owner, friend)).pk,
    }[target_type]
    before = moderation_state()

    response = client_for(owner).post(
        REPORTS_URL,
        {"target_type": target_type, "target_id": target_id, "reason": "spam"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "target_id": [f"You cannot report your own {target_type}."]
    }
    assert moderation_state() == before


def test_reporting_again_while_open_is_a_conflict(owner, friend, client_for):
    api = client_for(owner)
    api.post(
        REPORTS_URL,
        {"target_type": "user", "target_id": friend.pk, "reason": "spam"},
        format="json",
    )
    before = moderation_state()

    response = api.post(
        REPORTS_URL,
        {"target_type": "user", "target_id": friend.pk, "reason": "other"},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "conflict",
        "message": "You have already reported this user; a moderator will look at it soon.",
    }
    assert moderation_state() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"target_type": "playdate", "target_id": 1, "reason": "spam"}, "target_type"),
        ({"target_type": "user", "target_id": "3", "reason": "spam"}, "target_id"),
        ({"target_type": "user", "target_id": 0, "reason": "spam"}, "target_id"),
        ({"target_type": "user", "target_id": 3, "reason": "ugly"}, "reason"),
        ({"target_type": "user", "target_id": 3}, "reason"),
        ({"target_type": "user", "target_id": 3, "reason": "spam", "text": 5}, "text"),
        ({"target_type": "user", "target_id": 3, "reason": "spam", "text": "x" * 2001}, "text"),
    ],
)
def test_bad_input_is_a_validation_error(owner, client_for, body, field):
    before = moderation_state()

    response = client_for(owner).post(REPORTS_URL, body, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == [field]
    assert moderation_state() == before


def test_reports_are_rate_limited_per_reporter(owner, make_user, client_for, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "report": (2, 3600)}
    targets = [make_user() for _ in range(3)]
    api = client_for(owner)
    for target in targets[:2]:
        api.post(
            REPORTS_URL,
            {"target_type": "user", "target_id": target.pk, "reason": "spam"},
            format="json",
        )

    response = api.post(
        REPORTS_URL,
        {"target_type": "user", "target_id": targets[2].pk, "reason": "spam"},
        format="json",
    )

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert Report.objects.count() == 2


def test_anonymous_reports_are_refused(api_client, friend):
    response = api_client.post(
        REPORTS_URL,
        {"target_type": "user", "target_id": friend.pk, "reason": "spam"},
        format="json",
    )

    assert response.status_code == 401
    assert not Report.objects.exists()
