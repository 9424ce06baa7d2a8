"""URLs and state snapshots shared by the moderation tests."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from realtime import moderation_services as services
from realtime.models import Activity, Event, ModerationAction, Report

REPORTS_URL = "/api/v1/reports"
QUEUE_URL = "/api/v1/moderation/reports"
AUDIT_URL = "/api/v1/moderation/audit"


def report_url(report_id: int) -> str:
    return f"{QUEUE_URL}/{report_id}"


def resolve_url(report_id: int) -> str:
    return f"{QUEUE_URL}/{report_id}/resolve"


def suspend_url(user_id: int) -> str:
    return f"/api/v1/moderation/users/{user_id}/suspend"


def unsuspend_url(user_id: int) -> str:
    return f"/api/v1/moderation/users/{user_id}/unsuspend"


def file_report(reporter: User, target_type: str, target_id: int, reason: str = "spam") -> Report:
    return services.report_file(
        reporter=reporter, target_type=target_type, target_id=target_id, reason=reason
    )


def moderation_state() -> dict[str, Any]:
    """Everything moderation writes, to show that a refused request wrote none of it."""
    return {
        "reports": list(Report.objects.order_by("pk").values()),
        "audit": list(ModerationAction.objects.order_by("pk").values()),
        "activity": list(Activity.objects.order_by("pk").values_list("pk", flat=True)),
        "events": list(Event.objects.order_by("pk").values_list("pk", flat=True)),
        "suspended": list(
            User.objects.filter(suspended_at__isnull=False).values_list("pk", flat=True)
        ),
    }


def events_of(user: User, kind: str) -> list[dict[str, Any]]:
    """The data of the user's durable events of one kind, in order."""
    return [
        event.data for event in Event.objects.filter(user_id=user.pk, kind=kind).order_by("seq")
    ]
