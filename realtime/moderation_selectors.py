"""Reads for moderators: the report queue, the activity feed and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, TypeAlias, TypedDict

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django_stubs_ext import WithAnnotations
from rest_framework.fields import DateTimeField

from accounts.models import User
from config.errors import NotFound
from pets.models import Pet
from realtime.models import Activity, Message, ModerationAction, Report, TargetType

Ordering = Literal["age", "frequency"]

NO_SUCH_REPORT = "No such report."

_timestamp = DateTimeField()


class _ReportAnnotations(TypedDict):
    target_reports: int


if TYPE_CHECKING:
    # A report read by `report_queue`.
    ReportRow: TypeAlias = WithAnnotations[Report, _ReportAnnotations]


def report_queue(*, status: str | None, ordering: Ordering) -> QuerySet[ReportRow]:
    """Reports (of one status, or all), each with how often its target was reported (ever).

    `age`: oldest first, the order of a fair queue. `frequency`: the most reported targets
    first, then oldest first.
    """
    times_reported = (
        Report.objects.filter(target_type=OuterRef("target_type"), target_id=OuterRef("target_id"))
        .order_by()
        .values("target_type")
        .annotate(count=Count("pk"))
        .values("count")
    )
    reports = Report.objects.annotate(target_reports=Coalesce(Subquery(times_reported), 0))
    if status is not None:
        reports = reports.filter(status=status)
    if ordering == "frequency":
        return reports.order_by("-target_reports", "created_at", "pk")
    return reports.order_by("created_at", "pk")


class TargetData(TypedDict):
    type: str
    id: int
    user_id: int | None
    # What the moderator sees of it without opening it: a username, a pet's name, a message.
    preview: str


def target_previews(reports: Sequence[Report]) -> dict[tuple[str, int], str]:
    """Each report's target preview, in one query per target type on the page."""
    wanted: dict[str, set[int]] = {}
    for report in reports:
        wanted.setdefault(report.target_type, set()).add(report.target_id)
    previews: dict[tuple[str, int], str] = {}
    if ids := wanted.get(TargetType.USER):
        for user_id, username in User.objects.filter(pk__in=ids).values_list("pk", "username"):
            previews["user", user_id] = username
    if ids := wanted.get(TargetType.PET):
        for pet_id, name, species in Pet.objects.filter(pk__in=ids).values_list(
            "pk", "name", "species"
        ):
            previews["pet", pet_id] = f"{name} ({species})"
    if ids := wanted.get(TargetType.MESSAGE):
        for message_id, body in Message.objects.filter(pk__in=ids).values_list("pk", "body"):
            previews["message", message_id] = body[:280]
    return previews


def report_data(report: ReportRow, previews: dict[tuple[str, int], str]) -> dict[str, object]:
    """A report as moderators see it."""
    resolved_at = report.resolved_at
    return {
        "id": report.pk,
        "reporter_id": report.reporter_id,
        "target": {
            "type": report.target_type,
            "id": report.target_id,
            "user_id": report.target_user_id,
            "preview": previews.get((report.target_type, report.target_id), ""),
        },
        "reason": report.reason,
        "text": report.text,
        "status": report.status,
        "target_reports": report.target_reports,
        "created_at": _timestamp.to_representation(report.created_at),
        "resolution": (
            {
                "action": report.resolution,
                "note": report.resolution_note,
                "moderator_id": report.resolved_by_id,
                "resolved_at": _timestamp.to_representation(resolved_at),
            }
            if resolved_at is not None
            else None
        ),
    }


def report_get(*, report_id: int) -> ReportRow:
    report = report_queue(status=None, ordering="age").filter(pk=report_id).first()
    if report is None:
        raise NotFound(NO_SUCH_REPORT)
    return report


def activity_feed(
    *,
    before: int | None = None,
    kind: str | None = None,
    user_id: int | None = None,
    metro: str | None = None,
) -> QuerySet[Activity]:
    """The activity feed, newest first; `user_id`: what the user did and what was done to them."""
    feed = Activity.objects.all()
    if before is not None:
        feed = feed.filter(pk__lt=before)
    if kind is not None:
        feed = feed.filter(kind=kind)
    if user_id is not None:
        feed = feed.filter(Q(actor_id=user_id) | Q(target_user_id=user_id))
    if metro is not None:
        feed = feed.filter(metro=metro)
    return feed.order_by("-pk")


def audit_log(
    *, before: int | None = None, target_type: str | None = None, target_id: int | None = None
) -> QuerySet[ModerationAction]:
    """Every moderator action, newest first."""
    actions = ModerationAction.objects.all()
    if before is not None:
        actions = actions.filter(pk__lt=before)
    if target_type is not None:
        actions = actions.filter(target_type=target_type)
    if target_id is not None:
        actions = actions.filter(target_id=target_id)
    return actions.order_by("-pk")
