"""The report queue and resolving reports: dismiss, hide the message, suspend the user."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from matching.tests.playdate_helpers import iso, pet_for
from realtime.models import Activity, Message, ModerationAction, Report
from realtime.tests.chat_helpers import messages_url, playdate_of, send
from realtime.tests.moderation_helpers import (
    QUEUE_URL,
    events_of,
    file_report,
    moderation_state,
    report_url,
    resolve_url,
)

pytestmark = pytest.mark.django_db


def _aged(report: Report, minutes: int) -> Report:
    """Filed `minutes` ago."""
    Report.objects.filter(pk=report.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )
    report.refresh_from_db()
    return report


@pytest.fixture
def reports(owner, friend, stranger, make_user):
    """Three targets: the friend reported once (oldest), a pet reported three times, a message
    reported twice (newest)."""
    pet = pet_for(stranger, name="Rex", species="dog")
    message = send(friend, playdate_of(owner, friend), "Buy my bones")
    others = [make_user() for _ in range(2)]
    return {
        "user": [_aged(file_report(owner, "user", friend.pk, "harassment"), 60)],
        "pet": [
            _aged(file_report(reporter, "pet", pet.pk, "inappropriate"), minutes)
            for reporter, minutes in [(owner, 50), (friend, 40), (others[0], 30)]
        ],
        "message": [
            _aged(file_report(owner, "message", message.pk, "spam"), 20),
            _aged(file_report(owner, "user", others[1].pk, "other"), 10),
        ],
    }


def test_the_queue_is_oldest_first_with_how_often_each_target_was_reported(
    reports, moderator, client_for, friend
):
    response = client_for(moderator).get(QUEUE_URL, {"status": "open"})

    assert response.status_code == 200
    results = response.json()["results"]
    expected_order = [
        reports["user"][0],
        *reports["pet"],
        *reports["message"],
    ]
    assert [item["id"] for item in results] == [report.pk for report in expected_order]
    assert [item["target_reports"] for item in results] == [1, 3, 3, 3, 1, 1]
    first = reports["user"][0]
    assert results[0] == {
        "id": first.pk,
        "reporter_id": first.reporter_id,
        "target": {"type": "user", "id": friend.pk, "user_id": friend.pk, "preview": "friend"},
        "reason": "harassment",
        "text": "",
        "status": "open",
        "target_reports": 1,
        "created_at": iso(first.created_at),
        "resolution": None,
    }
    assert results[1]["target"]["preview"] == "Rex (dog)"
    assert results[4]["target"]["preview"] == "Buy my bones"


def test_the_queue_by_frequency_puts_the_most_reported_target_first(reports, moderator, client_for):
    response = client_for(moderator).get(QUEUE_URL, {"ordering": "frequency"})

    ids = [item["id"] for item in response.json()["results"]]
    assert ids == [
        *(report.pk for report in reports["pet"]),
        reports["user"][0].pk,
        *(report.pk for report in reports["message"]),
    ]


def test_the_queue_pages_and_reads_few_queries(
    reports, moderator, client_for, django_assert_max_num_queries
):
    api = client_for(moderator)
    seen = []
    url = f"{QUEUE_URL}?limit=4"
    while url:
        # The user, the page, then a preview query per target type on it.
        with django_assert_max_num_queries(5):
            page = api.get(url).json()
        seen += [item["id"] for item in page["results"]]
        url = page["next"]

    assert sorted(seen) == sorted(r.pk for group in reports.values() for r in group)
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize(
    "query",
    [{"status": "closed"}, {"ordering": "newest"}, {"page": "0"}, {"limit": "101"}],
)
def test_a_bad_queue_query_is_a_validation_error(moderator, client_for, query):
    response = client_for(moderator).get(QUEUE_URL, query)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_dismissing_resolves_every_open_report_of_the_target_and_tells_each_reporter(
    reports, moderator, client_for, owner, friend
):
    pet_reports = reports["pet"]

    response = client_for(moderator).post(
        resolve_url(pet_reports[1].pk),
        {"action": "dismiss", "note": "A normal dog."},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "resolved"
    assert body["resolution"]["action"] == "dismiss"
    assert body["resolution"]["note"] == "A normal dog."
    assert body["resolution"]["moderator_id"] == moderator.pk
    for report in pet_reports:
        report.refresh_from_db()
        assert (report.status, report.resolution, report.resolved_by_id) == (
            "resolved",
            "dismiss",
            moderator.pk,
        )
    # Each reporter hears of their own report, and that nothing was done.
    [told] = events_of(owner, "report.reviewed")
    assert told == {
        "report": {
            "id": pet_reports[0].pk,
            "target": {"type": "pet", "id": pet_reports[0].target_id},
            "reason": "inappropriate",
            "status": "resolved",
            "outcome": "no_action",
            "reviewed_at": iso(pet_reports[0].resolved_at),
        }
    }
    assert [data["report"]["id"] for data in events_of(friend, "report.reviewed")] == [
        pet_reports[1].pk
    ]
    [audit] = ModerationAction.objects.all()
    assert (audit.moderator_id, audit.action, audit.target_type, audit.report_id, audit.note) == (
        moderator.pk,
        "dismiss",
        "pet",
        pet_reports[1].pk,
        "A normal dog.",
    )
    assert Activity.objects.filter(kind="report.resolved", actor=moderator).count() == 1
    # The other targets' reports are still open.
    assert Report.objects.filter(status="open").count() == 3


def test_hiding_a_message_hides_it_from_both_owners_and_tells_them(
    owner, friend, moderator, client_for
):
    playdate = playdate_of(owner, friend)
    message = send(friend, playdate, "Buy my bones")
    report = file_report(owner, "message", message.pk)

    response = client_for(moderator).post(
        resolve_url(report.pk), {"action": "hide_message"}, format="json"
    )

    assert response.status_code == 200, response.content
    message.refresh_from_db()
    assert message.hidden_at is not None
    for user in (owner, friend):
        assert events_of(user, "chat.hidden") == [
            {"playdate_id": playdate.pk, "message_id": message.pk}
        ]
        history = client_for(user).get(messages_url(playdate.pk)).json()["results"]
        assert history == []
    # Moderators still read it, marked hidden.
    [seen] = client_for(moderator).get(messages_url(playdate.pk)).json()["results"]
    assert (seen["id"], seen["hidden"]) == (message.pk, True)
    assert events_of(owner, "report.reviewed")[0]["report"]["outcome"] == "action_taken"
    assert Activity.objects.filter(kind="message.hidden", subject_id=message.pk).count() == 1


def test_suspending_from_a_report_suspends_whoever_answers_for_the_target(
    owner, stranger, moderator, client_for
):
    pet = pet_for(stranger)
    report = file_report(owner, "pet", pet.pk)

    response = client_for(moderator).post(
        resolve_url(report.pk), {"action": "suspend_user", "note": "Fake pet."}, format="json"
    )

    assert response.status_code == 200, response.content
    stranger.refresh_from_db()
    assert stranger.is_suspended
    assert list(ModerationAction.objects.values_list("action", "target_type", "note")) == [
        ("suspend_user", "pet", "Fake pet.")
    ]
    assert Activity.objects.filter(kind="user.suspended", target_user=stranger).count() == 1


def test_hiding_is_only_for_message_reports(owner, friend, moderator, client_for):
    report = file_report(owner, "user", friend.pk)
    before = moderation_state()

    response = client_for(moderator).post(
        resolve_url(report.pk), {"action": "hide_message"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "action": ["Only a reported message can be hidden."]
    }
    assert moderation_state() == before


def test_a_resolved_report_cannot_be_resolved_again(owner, friend, moderator, client_for):
    report = file_report(owner, "user", friend.pk)
    api = client_for(moderator)
    api.post(resolve_url(report.pk), {"action": "dismiss"}, format="json")
    before = moderation_state()

    response = api.post(resolve_url(report.pk), {"action": "suspend_user"}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["message"] == "This report was already resolved (dismiss)."
    assert moderation_state() == before


@pytest.mark.parametrize(
    "body", [{"action": "ban"}, {}, {"action": "dismiss", "note": 3}, {"action": ["dismiss"]}]
)
def test_a_bad_resolution_is_a_validation_error(owner, friend, moderator, client_for, body):
    report = file_report(owner, "user", friend.pk)
    before = moderation_state()

    response = client_for(moderator).post(resolve_url(report.pk), body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert moderation_state() == before


def test_an_unknown_report_is_not_found(moderator, client_for):
    api = client_for(moderator)

    assert api.get(report_url(999999)).status_code == 404
    assert api.post(resolve_url(999999), {"action": "dismiss"}, format="json").status_code == 404


def test_owners_cannot_see_or_resolve_reports(owner, friend, client_for):
    report = file_report(owner, "user", friend.pk)
    before = moderation_state()
    api = client_for(friend)

    assert api.get(QUEUE_URL).status_code == 403
    assert api.get(report_url(report.pk)).status_code == 403
    response = api.post(resolve_url(report.pk), {"action": "dismiss"}, format="json")

    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "permission_denied",
        "message": "Only moderators may do this.",
    }
    assert moderation_state() == before


def test_a_hidden_message_stays_in_the_database(owner, friend, moderator, client_for):
    message = send(friend, playdate_of(owner, friend))
    report = file_report(owner, "message", message.pk)

    client_for(moderator).post(resolve_url(report.pk), {"action": "hide_message"}, format="json")

    assert Message.objects.filter(pk=message.pk, body=message.body).exists()
