"""The moderators' activity feed: every meaningful action is a row, written in the action's
transaction, and a durable `moderation.activity` event for each moderator (CONTRACT.md,
Moderation and metrics).

Services call `record` (or `entries_for`, to fold the moderators' events into their own
`events.record_many`) inside their transaction, like `events.record`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any, NamedTuple, TypedDict

from django.db.models import Q
from rest_framework.fields import DateTimeField

from accounts.models import User
from realtime import events
from realtime.models import Activity

# Kinds written today; the contract's list and more.
KINDS = (
    "user.registered",
    "user.deleted",
    "user.suspended",
    "user.unsuspended",
    "pet.created",
    "playdate.invited",
    "playdate.accepted",
    "playdate.declined",
    "playdate.cancelled",
    "playdate.countered",
    "chat.message",
    "message.hidden",
    "report.filed",
    "report.resolved",
)

# Who the moderators are, cached this long per process: a moderator named in the admin starts
# receiving the feed within seconds (and at once in the process that saved them).
MODERATORS_TTL_SECONDS = 2.0

_timestamp = DateTimeField()


class NewActivity(NamedTuple):
    kind: str
    actor: User | None
    subject_type: str
    subject_id: int
    summary: str
    target_user_id: int | None = None
    # The metro area the feed files it under: the actor's unless told (a moderator's action on
    # an owner is filed under the owner's metro).
    metro: str | None = None


class SubjectData(TypedDict):
    type: str
    id: int


class ActivityData(TypedDict):
    """An activity item as the feed and its events show it (CONTRACT.md)."""

    id: int
    kind: str
    actor_id: int | None
    subject: SubjectData
    target_user_id: int | None
    summary: str
    metro: str
    created_at: str


def activity_data(activity: Activity) -> ActivityData:
    return {
        "id": activity.pk,
        "kind": activity.kind,
        "actor_id": activity.actor_id,
        "subject": {"type": activity.subject_type, "id": activity.subject_id},
        "target_user_id": activity.target_user_id,
        "summary": activity.summary,
        "metro": activity.metro,
        "created_at": _timestamp.to_representation(activity.created_at),
    }


class _Moderators:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: list[int] = []
        self._expires = 0.0

    def ids(self) -> list[int]:
        with self._lock:
            if time.monotonic() < self._expires:
                return self._ids
        ids = list(
            User.objects.filter(
                Q(role=User.Role.MODERATOR) | Q(is_superuser=True),
                is_active=True,
                suspended_at__isnull=True,
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        with self._lock:
            self._ids, self._expires = ids, time.monotonic() + MODERATORS_TTL_SECONDS
        return ids

    def forget(self) -> None:
        with self._lock:
            self._expires = 0.0


moderators = _Moderators()


def metro_of(user: User | None) -> str:
    """The metro an item is filed under: its actor's, or the owner a moderator acted on."""
    return user.metro if user is not None else ""


def entries_for(
    items: Sequence[NewActivity],
) -> list[tuple[int, str, dict[str, Any]]]:
    """Stores `items` as activity rows; returns the moderators' `moderation.activity` events
    for them, for the caller's `events.record_many` (inside the same transaction)."""
    if not items:
        return []
    rows = Activity.objects.bulk_create(
        [
            Activity(
                kind=item.kind,
                actor=item.actor,
                subject_type=item.subject_type,
                subject_id=item.subject_id,
                target_user_id=item.target_user_id,
                summary=item.summary[:200],
                metro=item.metro if item.metro is not None else metro_of(item.actor),
            )
            for item in items
        ]
    )
    recipients = moderators.ids()
    entries: list[tuple[int, str, dict[str, Any]]] = []
    if not recipients:
        return entries
    for row in rows:
        data: dict[str, Any] = {"activity": dict(activity_data(row))}
        entries.extend((moderator_id, "moderation.activity", data) for moderator_id in recipients)
    return entries


def record(
    *,
    kind: str,
    actor: User | None,
    subject_type: str,
    subject_id: int,
    summary: str,
    target_user_id: int | None = None,
    metro: str | None = None,
) -> None:
    """Writes one activity row and tells the moderators; inside the action's transaction."""
    events.record_many(
        entries_for(
            [NewActivity(kind, actor, subject_type, subject_id, summary, target_user_id, metro)]
        )
    )
