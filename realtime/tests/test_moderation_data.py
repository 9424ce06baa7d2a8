"""Moderation and the owner's data: a deleted account leaves the feed without its name, and the
export holds the reports a user filed, their activity and a moderator's own audit entries."""

from __future__ import annotations

import pytest

from matching.tests.playdate_helpers import iso, pet_for
from realtime import moderation_services
from realtime.models import Activity, ModerationAction, Report
from realtime.tests.moderation_helpers import file_report

pytestmark = pytest.mark.django_db

EXPORT_URL = "/api/v1/me/export"


def test_deleting_an_account_is_in_the_feed_and_its_name_leaves_it(
    make_user, moderator, client_for, password
):
    # given: alice joined through the API, added a pet, was suspended and let back
    alice = make_user(username="alice")
    Activity.objects.create(
        kind="user.registered",
        actor=alice,
        subject_type="user",
        subject_id=alice.pk,
        summary="alice joined",
    )
    pet_for(alice, name="Alicia", species="cat")
    moderation_services.user_suspend(moderator=moderator, user_id=alice.pk)
    moderation_services.user_unsuspend(moderator=moderator, user_id=alice.pk)

    # when
    response = client_for(alice).delete("/api/v1/me", {"password": password}, format="json")

    # then
    assert response.status_code == 204, response.content
    summaries = list(Activity.objects.order_by("pk").values_list("kind", "summary"))
    assert summaries == [
        ("user.registered", "deleted user joined"),
        ("pet.created", "deleted user added Alicia (cat)"),
        ("user.suspended", "mod suspended deleted user"),
        ("user.unsuspended", "mod lifted the suspension of deleted user"),
        ("user.deleted", "An owner deleted their account"),
    ]
    assert Activity.objects.get(kind="user.deleted").actor_id == alice.pk


def test_a_name_inside_another_word_is_left_alone(make_user, password, client_for):
    al = make_user(username="al")
    Activity.objects.create(
        kind="user.registered",
        actor=al,
        subject_type="user",
        subject_id=al.pk,
        summary="al joined in Dallas",
    )

    client_for(al).delete("/api/v1/me", {"password": password}, format="json")

    assert Activity.objects.get(kind="user.registered").summary == "deleted user joined in Dallas"


def test_the_export_holds_reports_filed_and_the_users_own_activity(
    owner, friend, stranger, client_for
):
    filed = file_report(owner, "user", friend.pk, "harassment")
    file_report(stranger, "user", owner.pk, "spam")  # about the owner: the stranger's

    document = client_for(owner).get(EXPORT_URL).json()

    assert document["reports"] == [
        {
            "id": filed.pk,
            "target_type": "user",
            "target_id": friend.pk,
            "reason": "harassment",
            "text": "",
            "status": "open",
            "created_at": iso(filed.created_at),
        }
    ]
    [item] = document["activity"]
    assert (item["kind"], item["actor_id"], item["subject"]) == (
        "report.filed",
        owner.pk,
        {"type": "report", "id": filed.pk},
    )
    assert document["moderation_actions"] == []


def test_a_moderators_export_holds_their_audit_entries(owner, moderator, client_for):
    moderation_services.user_suspend(moderator=moderator, user_id=owner.pk, note="Spam.")

    document = client_for(moderator).get(EXPORT_URL).json()

    [entry] = ModerationAction.objects.all()
    assert document["moderation_actions"] == [
        {
            "id": entry.pk,
            "moderator_id": moderator.pk,
            "action": "suspend_user",
            "target_type": "user",
            "target_id": owner.pk,
            "report_id": None,
            "note": "Spam.",
            "created_at": iso(entry.created_at),
        }
    ]
    assert Report.objects.count() == 0
