"""Reads for accounts."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connection
from django.db.models import DateTimeField, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts import exports
from accounts.models import Block, Feedback, Session, User


def session_list(*, user: User) -> QuerySet[Session]:
    """The user's live sessions, most recently used first."""
    return Session.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-last_used_at", "-pk")


_USER_FIELDS = User._meta.concrete_fields
_USER_COLUMNS = [field.column for field in _USER_FIELDS]
_USER_ATTNAMES = [field.attname for field in _USER_FIELDS]
_USER_DATETIMES = [
    index for index, field in enumerate(_USER_FIELDS) if isinstance(field, DateTimeField)
]
# Built from model metadata only; the values are bound parameters.
_USER_BY_LIVE_SESSION = (  # noqa: S608
    "SELECT {columns} FROM {users} u JOIN {sessions} s ON s.user_id = u.id"
    " WHERE u.id = %s AND s.id = %s AND s.revoked_at IS NULL"
    " AND u.is_active AND u.suspended_at IS NULL"
).format(
    columns=", ".join(f"u.{connection.ops.quote_name(column)}" for column in _USER_COLUMNS),
    users=User._meta.db_table,
    sessions=Session._meta.db_table,
)


def user_for_access_token(*, user_id: object, session_id: object) -> User | None:
    """The user behind an access token, if both the user and the token's session still stand.

    This runs on every authenticated request, so it is one primary-key join written out in
    SQL: the ORM spent more time compiling this query than PostgreSQL spent answering it.
    """
    try:
        user_pk, session_pk = int(str(user_id)), int(str(session_id))
    except ValueError:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_USER_BY_LIVE_SESSION, [user_pk, session_pk])
        row = cursor.fetchone()
    if row is None:
        return None
    if connection.vendor == "sqlite":
        row = _aware_times(row)
    return User.from_db(connection.alias, _USER_ATTNAMES, row)


def _aware_times(row: tuple[object, ...]) -> tuple[object, ...]:
    """SQLite hands raw SQL its timestamps as naive text (the ORM converts them; raw SQL does
    not): read them back as the aware UTC datetimes they were stored as."""
    values = list(row)
    for index in _USER_DATETIMES:
        value = values[index]
        if isinstance(value, str):
            value = parse_datetime(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        values[index] = value
    return tuple(values)


def user_export(*, user: User) -> dict[str, object]:
    """Everything the service holds about `user`, for GET /me/export: each app's registered
    sections (`accounts.exports`), each read in a fixed number of queries."""
    return {section.name: section.read(user=user) for section in exports.sections()}


def session_records(*, user: User) -> QuerySet[Session]:
    """Every session the user ever opened, ended ones too, oldest first."""
    return Session.objects.filter(user=user).order_by("created_at", "pk")


def blocks_made(*, user: User) -> QuerySet[Block]:
    """The users `user` blocked. Blocks of `user` by others are theirs, and never shown."""
    return Block.objects.filter(blocker=user).select_related("blocked").order_by("created_at")


def feedback_given(*, user: User) -> QuerySet[Feedback]:
    return Feedback.objects.filter(user=user).order_by("created_at", "pk")


def feedback_list(*, before: int | None = None) -> QuerySet[Feedback]:
    """All feedback, newest first, for moderators; `before` (a feedback id) pages back."""
    feedback = Feedback.objects.order_by("-pk")
    if before is not None:
        feedback = feedback.filter(pk__lt=before)
    return feedback
