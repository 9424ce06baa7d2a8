"""The audit log: every moderator action, read by moderators, changed by nobody — not through
the API, not the admin, not the ORM, not SQL — and the admin's moderation actions land in it."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction

from matching.tests.playdate_helpers import iso
from realtime.models import ImmutableAuditLog, ModerationAction, Report
from realtime.tests.moderation_helpers import AUDIT_URL, file_report, suspend_url, unsuspend_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged(owner, friend, moderator, client_for):
    """Three actions: a dismissed report of the friend, then the owner suspended and back."""
    api = client_for(moderator)
    report = file_report(owner, "user", friend.pk)
    api.post(
        f"/api/v1/moderation/reports/{report.pk}/resolve",
        {"action": "dismiss", "note": "Banter."},
        format="json",
    )
    api.post(suspend_url(owner.pk), {"note": "Spam."}, format="json")
    api.post(unsuspend_url(owner.pk))
    return list(ModerationAction.objects.order_by("pk"))


def test_moderators_read_the_log_newest_first(logged, moderator, client_for, friend):
    response = client_for(moderator).get(AUDIT_URL)

    assert response.status_code == 200
    body = response.json()
    assert [item["action"] for item in body["results"]] == [
        "unsuspend_user",
        "suspend_user",
        "dismiss",
    ]
    dismissed = logged[0]
    assert body["results"][-1] == {
        "id": dismissed.pk,
        "moderator_id": moderator.pk,
        "action": "dismiss",
        "target_type": "user",
        "target_id": friend.pk,
        "report_id": dismissed.report_id,
        "note": "Banter.",
        "created_at": iso(dismissed.created_at),
    }
    assert body["next"] is None


def test_the_log_filters_by_target_and_pages(logged, moderator, client_for, owner):
    api = client_for(moderator)

    by_target = api.get(AUDIT_URL, {"target_type": "user", "target_id": owner.pk}).json()
    first = api.get(AUDIT_URL, {"limit": 2}).json()
    second = api.get(first["next"]).json()

    assert [item["action"] for item in by_target["results"]] == ["unsuspend_user", "suspend_user"]
    assert [item["id"] for item in first["results"] + second["results"]] == [
        action.pk for action in reversed(logged)
    ]


@pytest.mark.parametrize("method", ["put", "patch", "delete", "post"])
def test_the_api_cannot_change_the_log(logged, moderator, client_for, method):
    response = getattr(client_for(moderator), method)(AUDIT_URL, {"note": "x"}, format="json")

    assert response.status_code == 405
    assert list(ModerationAction.objects.order_by("pk")) == logged
    assert [action.note for action in ModerationAction.objects.order_by("pk")] == [
        "Banter.",
        "Spam.",
        "",
    ]


def test_owners_cannot_read_the_log(logged, owner, client_for):
    response = client_for(owner).get(AUDIT_URL)

    assert response.status_code == 403


def test_the_model_refuses_to_change_or_delete_an_entry(logged):
    entry = logged[0]
    entry.note = "Rewritten."

    with pytest.raises(ImmutableAuditLog):
        entry.save()
    with pytest.raises(ImmutableAuditLog):
        entry.delete()


@pytest.mark.parametrize("change", ["update", "delete"])
def test_the_database_refuses_to_change_or_delete_an_entry(logged, change):
    entries = ModerationAction.objects.filter(pk=logged[0].pk)
    attempt = {
        "update": lambda: entries.update(note="Rewritten."),
        # A queryset deletes with SQL, past the model's own delete().
        "delete": lambda: entries.delete(),
    }[change]

    with pytest.raises(DatabaseError, match="never changed"), transaction.atomic():
        attempt()

    assert ModerationAction.objects.get(pk=logged[0].pk).note == "Banter."


@pytest.fixture
def admin_client(client, make_user):
    superuser = make_user(email="root@example.com", username="root", is_staff=True)
    superuser.is_superuser = True
    superuser.save()
    client.force_login(superuser)
    return client, superuser


def test_the_admin_shows_the_log_read_only(logged, admin_client):
    client, _ = admin_client
    entry = logged[0]

    page = client.get(f"/admin/realtime/moderationaction/{entry.pk}/change/")
    changed = client.post(
        f"/admin/realtime/moderationaction/{entry.pk}/change/", {"note": "Rewritten."}
    )
    deleted = client.post(f"/admin/realtime/moderationaction/{entry.pk}/delete/", {"post": "yes"})

    assert page.status_code == 200
    assert b"Banter." in page.content
    assert changed.status_code == 403
    assert deleted.status_code == 403
    assert ModerationAction.objects.get(pk=entry.pk).note == "Banter."


@pytest.mark.parametrize(
    "path",
    [
        "/admin/realtime/report/",
        "/admin/realtime/moderationaction/",
        "/admin/realtime/activity/",
        "/admin/realtime/message/",
        "/admin/accounts/user/?suspended_at__isnull=False",
        "/admin/matching/playdate/?q=owner",
        "/admin/pets/pet/?q=Rex",
    ],
)
def test_moderation_admin_pages_render(logged, admin_client, path):
    client, _ = admin_client

    assert client.get(path).status_code == 200


def test_the_admins_report_actions_resolve_and_are_audited(owner, friend, admin_client):
    client, superuser = admin_client
    report = file_report(owner, "user", friend.pk)

    response = client.post(
        "/admin/realtime/report/",
        {"action": "resolve_suspend_user", "_selected_action": [report.pk]},
    )

    assert response.status_code == 302
    report.refresh_from_db()
    friend.refresh_from_db()
    assert (report.status, report.resolution, report.resolved_by_id) == (
        Report.Status.RESOLVED,
        "suspend_user",
        superuser.pk,
    )
    assert friend.is_suspended
    assert list(ModerationAction.objects.values_list("moderator_id", "action")) == [
        (superuser.pk, "suspend_user")
    ]


def test_the_admin_suspends_users_through_the_audited_action_only(owner, admin_client):
    client, _ = admin_client

    client.post(
        "/admin/accounts/user/", {"action": "suspend_users", "_selected_action": [owner.pk]}
    )
    owner.refresh_from_db()
    suspended = owner.is_suspended
    client.post(
        "/admin/accounts/user/", {"action": "unsuspend_users", "_selected_action": [owner.pk]}
    )
    page = client.get(f"/admin/accounts/user/{owner.pk}/change/")

    assert suspended
    owner.refresh_from_db()
    assert not owner.is_suspended
    assert list(ModerationAction.objects.order_by("pk").values_list("action", flat=True)) == [
        "suspend_user",
        "unsuspend_user",
    ]
    # Not an editable field: a suspension by hand would skip the log.
    assert b'name="suspended_at"' not in page.content
