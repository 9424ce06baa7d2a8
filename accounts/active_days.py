"""Which days each owner used the product: DAU, WAU, MAU and sign-up cohorts for the engagement
figures (`realtime.engagement`).

An authenticated request marks its owner's day (UTC), a socket's ticket among them, at most
once per owner, day and process: a set in memory remembers whom this process marked today. A
mark stores the owner's day (ActiveDay) and week (ActiveWeek), and a row that is new adds one to
the day's count (DailyActiveOwners, by the days since the owner's previous active day: what
WAU and MAU per day are summed from) or to the cohort's count for the week (CohortWeek). On
PostgreSQL the mark rides in the authentication's own query (the user-and-session join, with
the writes as data-modifying CTEs), so even the first request of a day costs one round trip;
elsewhere it is a few statements more. Moderators are not counted: the figures are about owners.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from accounts import selectors
from accounts.models import (
    RETURN_WINDOW_DAYS,
    ActiveDay,
    ActiveWeek,
    CohortWeek,
    DailyActiveOwners,
    User,
)

_OWNER = User.Role.OWNER.value


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def week_of(day: date) -> date:
    """The Monday of `day`'s ISO week."""
    return day - timedelta(days=day.weekday())


class _Marked:
    """The owners this process marked active today; yesterday's are forgotten at midnight."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.day: date | None = None
        self.user_ids: set[int] = set()

    def has(self, user_id: int, day: date) -> bool:
        return day == self.day and user_id in self.user_ids

    def add(self, user_id: int, day: date) -> None:
        with self.lock:
            if day != self.day:
                if self.day is not None and day < self.day:
                    return  # a request that began before midnight; today's set stays
                self.day, self.user_ids = day, set()
            self.user_ids.add(user_id)

    def forget(self) -> None:
        with self.lock:
            self.day, self.user_ids = None, set()


marked = _Marked()


def _remember_after_commit(user_id: int, day: date) -> None:
    # Only once the rows are stored: a mark rolled back with its transaction is tried again.
    transaction.on_commit(lambda: marked.add(user_id, day))


_quote = connection.ops.quote_name
_DAYS, _WEEKS = _quote(ActiveDay._meta.db_table), _quote(ActiveWeek._meta.db_table)
_DAILY, _COHORTS = _quote(DailyActiveOwners._meta.db_table), _quote(CohortWeek._meta.db_table)


# The statements are built from model metadata only (the values are bound parameters), and run
# alike on PostgreSQL and SQLite.
def _mark(table: str, columns: str, source: str) -> str:
    """Inserts an owner's day or week from `source`, unless it is there already."""
    return f"INSERT INTO {table} ({columns}) {source} ON CONFLICT DO NOTHING"


def _count_day(source: str) -> str:
    """Adds one owner to the day's count per row of `source`: (day, metro, gap, 1)."""
    return (
        f"INSERT INTO {_DAILY} (day, metro, gap, owners) {source} ON CONFLICT (day, metro, gap)"
        f" DO UPDATE SET owners = {_DAILY}.owners + excluded.owners"
    )


def _count_week(source: str) -> str:
    """Adds one owner to the cohort's week per row of `source`: (cohort, week, metro, 1)."""
    return (
        f"INSERT INTO {_COHORTS} (cohort, week, metro, owners) {source}"
        " ON CONFLICT (cohort, week, metro)"
        f" DO UPDATE SET owners = {_COHORTS}.owners + excluded.owners"
    )


_MARK_DAY = _mark(_DAYS, "user_id, day, metro", "VALUES (%s, %s, %s)")
_MARK_WEEK = _mark(_WEEKS, "user_id, week, cohort", "VALUES (%s, %s, %s)")
_COUNT_DAY = _count_day("VALUES (%s, %s, %s, 1)")
_COUNT_WEEK = _count_week("VALUES (%s, %s, %s, 1)")
# The authentication's own statement (accounts.selectors) as it is, so the marking path can
# never disagree with it about who may sign in, with the marks as data-modifying CTEs: a day or
# week that is new (RETURNING) is counted.
_AUTHENTICATION_MARKING_DAY = (
    f"WITH live AS ({selectors._USER_BY_LIVE_SESSION}),"  # noqa: S608
    " day_marked AS ("
    + _mark(_DAYS, "user_id, day, metro", "SELECT id, %s, metro FROM live WHERE role = %s")
    + " RETURNING user_id, day, metro),"
    # The statement's snapshot does not hold the new day: max() finds the one before it.
    " day_counted AS ("
    + _count_day(
        "SELECT m.day, m.metro, COALESCE((SELECT m.day - max(a.day)"  # noqa: S608  names only
        f" FROM {_DAYS} a WHERE a.user_id = m.user_id AND a.day < m.day"
        f" AND a.day >= m.day - {RETURN_WINDOW_DAYS:d}), 0), 1 FROM day_marked m"
    )
    + "),"
    " week_marked AS ("
    + _mark(
        _WEEKS,
        "user_id, week, cohort",
        "SELECT id, %s, date_trunc('week', date_joined AT TIME ZONE 'UTC')::date FROM live"
        " WHERE role = %s",
    )
    + " RETURNING cohort, week),"
    " week_counted AS ("
    + _count_week("SELECT cohort, week, live.metro, 1 FROM week_marked CROSS JOIN live")
    + ") SELECT * FROM live"
)


def active_day_mark(*, user: User, now: datetime | None = None) -> None:
    """Marks `user` active today (and this week), unless this process already did."""
    day = utc_day(now or timezone.now())
    if user.role != _OWNER or marked.has(user.pk, day):
        return
    week, cohort = week_of(day), week_of(utc_day(user.date_joined))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_MARK_DAY, [user.pk, day, user.metro])
        if cursor.rowcount:
            cursor.execute(_COUNT_DAY, [day, user.metro, _gap_before(user, day)])
        cursor.execute(_MARK_WEEK, [user.pk, week, cohort])
        if cursor.rowcount:
            cursor.execute(_COUNT_WEEK, [cohort, week, user.metro])
    _remember_after_commit(user.pk, day)


def gap_between(previous: date | None, day: date) -> int:
    """DailyActiveOwners.gap of an owner active on `day` whose active day before was
    `previous`: the days between, if at most RETURN_WINDOW_DAYS; else (or with none) 0."""
    if previous is None or (day - previous).days > RETURN_WINDOW_DAYS:
        return 0
    return (day - previous).days


def _gap_before(user: User, day: date) -> int:
    previous = ActiveDay.objects.filter(user=user, day__lt=day).order_by("-day").values("day")[:1]
    return gap_between(next((row["day"] for row in previous), None), day)


def user_for_access_token_marking_day(
    *, user_id: object, session_id: object, now: datetime | None = None
) -> User | None:
    """accounts.selectors.user_for_access_token, which also marks the user's day if this
    process has not yet: the same one query on PostgreSQL, two statements more elsewhere."""
    day = utc_day(now or timezone.now())
    try:
        user_pk, session_pk = int(str(user_id)), int(str(session_id))
    except ValueError:
        return None
    if marked.has(user_pk, day):
        return selectors.user_for_access_token(user_id=user_pk, session_id=session_pk)
    if connection.vendor != "postgresql":
        user = selectors.user_for_access_token(user_id=user_pk, session_id=session_pk)
        if user is not None:
            active_day_mark(user=user, now=now)
        return user
    with connection.cursor() as cursor:
        cursor.execute(
            _AUTHENTICATION_MARKING_DAY, [user_pk, session_pk, day, _OWNER, week_of(day), _OWNER]
        )
        row = cursor.fetchone()
    if row is None:
        return None
    _remember_after_commit(user_pk, day)
    return User.from_db(connection.alias, selectors._USER_ATTNAMES, row)


def active_days_of(*, user: User) -> list[date]:
    """The days `user` was active, oldest first: their part of GET /me/export."""
    return list(ActiveDay.objects.filter(user=user).order_by("day").values_list("day", flat=True))
