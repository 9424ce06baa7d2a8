"""Engagement figures for moderators (GET /api/v1/metrics/engagement): per day, over the range,
the invitation funnel and weekly sign-up cohorts, for every metro or one.

Days are UTC dates, `start` to `end` inclusive. Every figure is one grouped SQL aggregate (nine
queries in all, whatever the range), never a row per owner in Python: DAU, WAU, MAU,
suggestions and the cohorts' activity from daily and weekly rollups kept as things happen, the
rest from their rows. On PostgreSQL the times to accept are `percentile_cont`; elsewhere (the
embedded SQLite default) they are computed here from the rows, with the same interpolation.

Per day:
- `dau`: owners who used the product (accounts.DailyActiveOwners: authenticated requests mark
  the day, a socket's ticket among them); `wau` and `mau`: owners who did in the 7 and the 30
  days ending on it (`_active_owners` says how); `new_users`: owners who signed up; `new_pets`: pets
  added (deleted ones included);
  `suggestions_shown`: `match.suggested` suggestions (matching.SuggestionDay);
- `invitations_sent`: playdates created; `acceptance_rate`: the share of that day's invitations
  accepted by now; `invitations_accepted` and the `median`/`p90_seconds_to_accept`: invitations
  accepted that day, whenever sent (the time from invitation to acceptance);
- `messages_sent`: chat messages (hidden ones included); `playdates_completed`: accepted
  playdates that ended (two hours after their time) that day, up to now.
Active users are as of `end`: DAU, WAU and MAU of that day, and stickiness is the average DAU
over the 30 days ending on it divided by MAU.
The funnel follows the invitations sent in the range (accepted and completed by now), with the
suggestions shown in the range ahead of it. A cohort is everyone who signed up in one ISO week
(Monday to Sunday, whole weeks) that overlaps the range; its retention in week k is the share of
it active in the k-th week after, for every week that started by `end`.

The metro filter is the owner's metro: the inviter's for invitations, acceptances and completed
playdates, the sender's for messages, the owner's for pets, sign-ups and cohort sizes (as it is
now, accounts.User.metro); for active days, suggestions and the cohorts' weekly activity, the one
stored with them (the active owner's, the recipient's, as it was then). An owner who moved is
counted where they were (and, for WAU and MAU, in a metro they moved to from the day their
previous active day's windows end); the two agree for everyone else.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import Any, TypeVar, cast

from django.db import connection
from django.db.models import (
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    Model,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncDate

from accounts.active_days import week_of
from accounts.models import CohortWeek, DailyActiveOwners, User
from matching.models import PLAYDATE_LENGTH, Playdate, PlaydateStatus, SuggestionDay
from pets.models import Pet
from realtime.models import Message

MAX_DAYS = 366
WEEK_DAYS, MONTH_DAYS = 7, 30
PERCENTILES = (0.5, 0.9)
# Playdates that took place: accepted, and over by now (`Playdate.status_at`), whether or not
# that has been written down yet.
TOOK_PLACE = Q(status__in=[PlaydateStatus.ACCEPTED, PlaydateStatus.COMPLETED])
M = TypeVar("M", bound=Model)


@dataclass(frozen=True, slots=True)
class AcceptTimes:
    """How many invitations were accepted, and the median and p90 of their times to accept."""

    count: int
    median_seconds: float | None
    p90_seconds: float | None


NO_ACCEPTS = AcceptTimes(0, None, None)


def engagement(*, start: date, end: date, metro: str | None, now: datetime) -> dict[str, Any]:
    """Every engagement figure for the days `start` to `end` (UTC), of one metro or all."""
    start_at, end_at = _midnight(start), _midnight(end + timedelta(days=1))
    days = [start + timedelta(days=offset) for offset in range((end - start).days + 1)]

    active = _active_owners(start, end, metro)
    # Sign-ups of the whole weeks around the range: the days' new owners and the cohorts' sizes.
    first_week, last_week = week_of(start), week_of(end)
    signed_up = _by_day(
        _of_metro(
            User.objects.filter(
                role=User.Role.OWNER,
                date_joined__gte=_midnight(first_week),
                date_joined__lt=_midnight(last_week + timedelta(weeks=1)),
            ),
            "metro",
            metro,
        ),
        moment="date_joined",
    )
    new_users = {day: count for day, count in signed_up.items() if start <= day <= end}
    new_pets = _by_day(
        _of_metro(
            Pet.objects.filter(created_at__gte=start_at, created_at__lt=end_at),
            "owner__metro",
            metro,
        ),
        moment="created_at",
    )
    suggestions = _sum_by_day(SuggestionDay.objects.filter(day__range=(start, end)), "shown", metro)
    sent = _invitations_sent(start_at, end_at, metro, now)
    accepted_by_day, accepted_in_range = _accept_times(start_at, end_at, metro)
    messages = _by_day(
        _of_metro(
            Message.objects.filter(created_at__gte=start_at, created_at__lt=end_at),
            "sender__metro",
            metro,
        ),
        moment="created_at",
    )
    completed = _completed_by_day(start_at, end_at, metro, now)

    rows = []
    for day in days:
        sent_that_day, accepted_of_those, _ = sent.get(day, (0, 0, 0))
        times = accepted_by_day.get(day, NO_ACCEPTS)
        rows.append(
            {
                "date": day,
                "dau": active[day].dau,
                "wau": active[day].wau,
                "mau": active[day].mau,
                "new_users": new_users.get(day, 0),
                "new_pets": new_pets.get(day, 0),
                "suggestions_shown": suggestions.get(day, 0),
                "invitations_sent": sent_that_day,
                "invitations_accepted": times.count,
                "acceptance_rate": _ratio(accepted_of_those, sent_that_day),
                "median_seconds_to_accept": times.median_seconds,
                "p90_seconds_to_accept": times.p90_seconds,
                "messages_sent": messages.get(day, 0),
                "playdates_completed": completed.get(day, 0),
            }
        )
    invited = sum(counts[0] for counts in sent.values())
    accepted = sum(counts[1] for counts in sent.values())
    completed_of_invited = sum(counts[2] for counts in sent.values())
    suggested = sum(suggestions.values())
    return {
        "start": start,
        "end": end,
        "metro": metro,
        "days": rows,
        "totals": {
            "new_users": sum(new_users.values()),
            "new_pets": sum(new_pets.values()),
            "suggestions_shown": suggested,
            "invitations_sent": invited,
            "invitations_accepted": accepted_in_range.count,
            "acceptance_rate": _ratio(accepted, invited),
            "median_seconds_to_accept": accepted_in_range.median_seconds,
            "p90_seconds_to_accept": accepted_in_range.p90_seconds,
            "messages_sent": sum(messages.values()),
            "playdates_completed": sum(completed.values()),
        },
        "active_users": _active_users(end, active),
        "funnel": {
            "suggested": suggested,
            "invited": invited,
            "accepted": accepted,
            "completed": completed_of_invited,
            "invited_per_suggested": _ratio(invited, suggested),
            "accepted_per_invited": _ratio(accepted, invited),
            "completed_per_accepted": _ratio(completed_of_invited, accepted),
        },
        "cohorts": _cohorts(first_week, last_week, signed_up, metro),
    }


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _of_metro(rows: QuerySet[M], field: str, metro: str | None) -> QuerySet[M]:
    return rows if metro is None else rows.filter(**{field: metro})


def _sum_by_day(rows: QuerySet[Any], counted: str, metro: str | None) -> dict[date, int]:
    """A daily rollup's counts per day, of every metro or one."""
    return dict(
        _of_metro(rows, "metro", metro)
        .order_by()
        .values("day")
        .annotate(total=Sum(counted))
        .values_list("day", "total")
    )


def _by_day(rows: QuerySet[Any], moment: str | None = None) -> dict[date, int]:
    """Rows per day: of the `day` column, or of the UTC date of the `moment` column."""
    if moment is not None:
        rows = rows.annotate(day=TruncDate(moment, tzinfo=UTC))
    return dict(
        rows.order_by().values("day").annotate(count=Count("*")).values_list("day", "count")
    )


def _invitations_sent(
    start_at: datetime, end_at: datetime, metro: str | None, now: datetime
) -> dict[date, tuple[int, int, int]]:
    """Per day: invitations sent, how many of them were accepted, and completed, by now."""
    over = now - PLAYDATE_LENGTH
    rows = (
        _of_metro(
            Playdate.objects.filter(created_at__gte=start_at, created_at__lt=end_at),
            "inviter__metro",
            metro,
        )
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .order_by()
        .values("day")
        .annotate(
            sent=Count("*"),
            accepted=Count("id", filter=Q(accepted_at__isnull=False)),
            completed=Count("id", filter=TOOK_PLACE & Q(date_time__lte=over)),
        )
        .values_list("day", "sent", "accepted", "completed")
    )
    return {day: (sent, accepted, completed) for day, sent, accepted, completed in rows}


def _completed_by_day(
    start_at: datetime, end_at: datetime, metro: str | None, now: datetime
) -> dict[date, int]:
    """Per day: playdates completed, on the day they ended (two hours after their time)."""
    ended_at = ExpressionWrapper(F("date_time") + PLAYDATE_LENGTH, output_field=DateTimeField())
    return _by_day(
        _of_metro(
            Playdate.objects.filter(
                TOOK_PLACE,
                date_time__gte=start_at - PLAYDATE_LENGTH,
                date_time__lt=min(end_at, now) - PLAYDATE_LENGTH,
            ).annotate(ended_at=ended_at),
            "inviter__metro",
            metro,
        ),
        moment="ended_at",
    )


def _accept_times(
    start_at: datetime, end_at: datetime, metro: str | None
) -> tuple[dict[date, AcceptTimes], AcceptTimes]:
    """Invitations accepted per day and over the range, with their times to accept."""
    if connection.vendor == "postgresql":
        return _accept_times_in_sql(start_at, end_at, metro)
    accepted = _of_metro(
        Playdate.objects.filter(accepted_at__gte=start_at, accepted_at__lt=end_at),
        "inviter__metro",
        metro,
    ).values_list("accepted_at", "created_at")
    seconds_by_day: dict[date, list[float]] = defaultdict(list)
    for accepted_at, created_at in cast("Iterable[tuple[datetime, datetime]]", accepted):
        seconds = (accepted_at - created_at).total_seconds()
        seconds_by_day[accepted_at.astimezone(UTC).date()].append(seconds)
    everything = [seconds for day in seconds_by_day.values() for seconds in day]
    return (
        {day: _accept_times_of(seconds) for day, seconds in seconds_by_day.items()},
        _accept_times_of(everything),
    )


def _accept_times_of(seconds: Sequence[float]) -> AcceptTimes:
    if not seconds:
        return NO_ACCEPTS
    ordered = sorted(seconds)
    median, p90 = (percentile(ordered, fraction) for fraction in PERCENTILES)
    return AcceptTimes(len(ordered), _seconds(median), _seconds(p90))


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """PostgreSQL's percentile_cont: linear interpolation between the two nearest values."""
    position = fraction * (len(ordered) - 1)
    below, above = math.floor(position), math.ceil(position)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _accept_times_in_sql(
    start_at: datetime, end_at: datetime, metro: str | None
) -> tuple[dict[date, AcceptTimes], AcceptTimes]:
    quote = connection.ops.quote_name
    of_metro = (
        f"JOIN {quote(User._meta.db_table)} u ON u.id = p.inviter_id AND u.metro = %s"
        if metro is not None
        else ""
    )
    # ROLLUP adds the row for the whole range (day NULL) to the days' rows, from one scan.
    statement = (
        "SELECT (p.accepted_at AT TIME ZONE 'UTC')::date, count(*),"  # noqa: S608  names only
        " percentile_cont(ARRAY[%s, %s]::float8[]) WITHIN GROUP"
        " (ORDER BY extract(epoch FROM p.accepted_at - p.created_at)::float8)"
        f" FROM {quote(Playdate._meta.db_table)} p {of_metro}"
        " WHERE p.accepted_at >= %s AND p.accepted_at < %s"
        " GROUP BY ROLLUP ((p.accepted_at AT TIME ZONE 'UTC')::date)"
    )
    parameters: list[float | str | datetime] = [*PERCENTILES]
    if metro is not None:
        parameters.append(metro)
    parameters += [start_at, end_at]
    with connection.cursor() as cursor:
        cursor.execute(statement, parameters)
        rows = cursor.fetchall()
    by_day, everything = {}, NO_ACCEPTS
    for day, count, percentiles in rows:
        if not count:
            continue  # the range's row when nothing was accepted: percentiles are NULL
        median, p90 = percentiles
        times = AcceptTimes(count, _seconds(median), _seconds(p90))
        if day is None:
            everything = times
        else:
            by_day[day] = times
    return by_day, everything


@dataclass(frozen=True, slots=True)
class ActiveOwners:
    """Owners active on a day, and in the 7 and the 30 days ending on it."""

    dau: int
    wau: int
    mau: int


def _active_owners(start: date, end: date, metro: str | None) -> dict[date, ActiveOwners]:
    """DAU, WAU and MAU for each day from MONTH_DAYS - 1 days before `start` to `end`.

    An owner is in a window of W days ending on day d if they were active on one of its days.
    Each active day a of theirs, after one on a - gap, adds the days its own window reaches
    that the previous one did not: [a, a + W) less [a - gap, a - gap + W), the days from
    max(a, a - gap + W) to a + W. Those pieces never overlap, so an owner's are counted once:
    WAU on d is the pieces begun by d and not yet over, a running sum of +1s and -1s read from
    DailyActiveOwners, whose rows count a day's owners by `gap`.
    """
    first = start - timedelta(days=MONTH_DAYS - 1)
    counts = (
        _of_metro(DailyActiveOwners.objects.filter(day__range=(first, end)), "metro", metro)
        .order_by()
        .values("day", "gap")
        .annotate(owners=Sum("owners"))
        .values_list("day", "gap", "owners")
    )
    size = (end - first).days + 1
    dau = [0] * size
    # By days from `first`: the owners whose window of W days begins or ends there.
    changes = {window: [0] * (size + window) for window in (WEEK_DAYS, MONTH_DAYS)}
    for day, gap, owners in counts:
        offset = (day - first).days
        dau[offset] += owners
        for window, change in changes.items():
            change[offset + (window - gap if 0 < gap < window else 0)] += owners
            change[offset + window] -= owners
    wau, mau = (list(accumulate(changes[window][:size])) for window in (WEEK_DAYS, MONTH_DAYS))
    return {
        first + timedelta(days=offset): ActiveOwners(dau[offset], wau[offset], mau[offset])
        for offset in range(size)
    }


def _active_users(end: date, active: dict[date, ActiveOwners]) -> dict[str, Any]:
    """DAU on `end`, WAU and MAU as of `end`, and stickiness (average DAU / MAU)."""
    month = [end - timedelta(days=offset) for offset in range(MONTH_DAYS)]
    average_dau = sum(active[day].dau for day in month) / MONTH_DAYS
    as_of = active[end]
    return {
        "as_of": end,
        "dau": as_of.dau,
        "wau": as_of.wau,
        "mau": as_of.mau,
        "average_dau": round(average_dau, 2),
        "stickiness": round(average_dau / as_of.mau, 4) if as_of.mau else None,
    }


def _cohorts(
    first: date, last: date, signed_up: dict[date, int], metro: str | None
) -> list[dict[str, Any]]:
    """Each ISO week of sign-ups from `first` to `last` (Mondays): its size (from the owners
    who signed up each day) and its weekly retention (accounts.CohortWeek)."""
    weeks = [first + timedelta(weeks=offset) for offset in range((last - first).days // 7 + 1)]
    sizes: dict[date, int] = defaultdict(int)
    for day, count in signed_up.items():
        sizes[week_of(day)] += count
    active: dict[tuple[date, date], int] = {
        (cohort, week): count
        for cohort, week, count in _of_metro(
            CohortWeek.objects.filter(
                cohort__range=(first, last), week__gt=F("cohort"), week__lte=last
            ),
            "metro",
            metro,
        )
        .order_by()
        .values("cohort", "week")
        .annotate(count=Sum("owners"))
        .values_list("cohort", "week", "count")
    }
    return [
        {
            "week": cohort,
            "size": sizes[cohort],
            "retention": list(_retention(cohort, last, sizes[cohort], active)),
        }
        for cohort in weeks
    ]


def _retention(
    cohort: date, last: date, size: int, active: dict[tuple[date, date], int]
) -> Iterable[dict[str, Any]]:
    for number in range(1, (last - cohort).days // 7 + 1):
        count = active.get((cohort, cohort + timedelta(weeks=number)), 0)
        yield {"week": number, "active": count, "rate": _ratio(count, size)}
