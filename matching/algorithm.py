"""How well two pets suit each other, and when they could meet: the pure core of matching.

No ORM and no I/O: the selectors load pets into `Side`s, this module scores them. Times are
aware datetimes; availability windows are wall-clock times in each owner's IANA time zone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Final, TypedDict
from zoneinfo import ZoneInfo

# The vocabularies of pets.models, repeated so that this module stays free of Django.
# Sizes and energy levels are ordered: neighbours in these tuples are "adjacent".
SIZES: Final = ("small", "medium", "large")
ENERGY_LEVELS: Final = ("low", "medium", "high")

# Distance and shared time decide whether a playdate can happen at all; size and energy decide
# whether play is fun and safe; temperament tags are self-reported and coarse; age matters least
# once energy is known. No more than 4 decimals each, like the points, so a perfect pair scores 1.
WEIGHTS: Final = {
    "distance": 0.25,
    "availability": 0.20,
    "size": 0.15,
    "energy": 0.15,
    "temperament": 0.15,
    "age": 0.10,
}

# e^-3 ≈ 5 %: what the distance part is worth at the tighter of the two sides' limits.
DISTANCE_STEEPNESS: Final = 3.0
# The age part halves with every this many years between the pets.
AGE_HALVING_YEARS: Final = 3.0
# Shared free time worth full marks; less scores proportionally.
FULL_OVERLAP: Final = timedelta(hours=6)
SLOT_LOOKAHEAD: Final = timedelta(days=14)
EARTH_RADIUS_KM: Final = 6371.0

# Temperament: a pair of tags, one from each pet, is good or poor company. A pet's own tags are
# never paired with each other. Each good pair adds to a neutral 0.5, each poor pair and each
# anxious pet takes away; the result is clamped to [0, 1].
GOOD_PAIRS: Final = frozenset(
    frozenset(pair)
    for pair in [
        ("playful",),
        ("social",),
        ("gentle",),
        ("calm",),
        ("curious",),
        ("playful", "social"),
        ("playful", "curious"),
        ("calm", "gentle"),
        ("calm", "shy"),
        ("gentle", "shy"),
    ]
)
POOR_PAIRS: Final = frozenset(
    frozenset(pair)
    for pair in [
        ("dominant",),
        ("protective",),
        ("dominant", "shy"),
        ("dominant", "anxious"),
        ("dominant", "protective"),
        ("playful", "anxious"),
    ]
)
GOOD_PAIR_BONUS: Final = 0.15
POOR_PAIR_PENALTY: Final = 0.2
ANXIOUS_PENALTY: Final = 0.1

_QUARTER_MINUTES = 15
_QUARTER = timedelta(minutes=_QUARTER_MINUTES)
_MINUTE = timedelta(minutes=1)
_WEEK = timedelta(days=7)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MINUTES_PER_DAY = 24 * 60
# Free time as bits, one a minute (see _free_minutes): a week of them, and the quarter hours of
# the slots' lookahead.
_WEEK_BITS = (1 << _WEEK // _MINUTE) - 1
_QUARTER_HOUR_BITS = sum(
    1 << minute for minute in range(0, SLOT_LOOKAHEAD // _MINUTE, _QUARTER_MINUTES)
)
# Points are counted in ten-thousandths, so that they and the score have 4 decimals.
_POINT_UNITS = 10_000


@dataclass(frozen=True)
class PetTraits:
    species: str
    size: str
    energy: str
    age: int
    temperament: frozenset[str]
    vaccinated: bool


@dataclass(frozen=True)
class Wants:
    """One side's hard filter on the other pet: a pet outside it is never suggested."""

    max_distance_km: float
    species: frozenset[str]
    sizes: frozenset[str]
    energy: frozenset[str]
    min_age: int
    max_age: int
    require_vaccinated: bool

    def __post_init__(self) -> None:
        if not self.max_distance_km > 0:
            raise ValueError(f"max_distance_km must be positive, not {self.max_distance_km}")


@dataclass(frozen=True)
class Window:
    """A weekly stretch of free time: weekday 0 is Monday; minutes from local midnight."""

    weekday: int
    start_minute: int
    end_minute: int

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0-6, not {self.weekday}")
        if not 0 <= self.start_minute < self.end_minute <= _MINUTES_PER_DAY:
            raise ValueError(f"invalid window {self.start_minute}-{self.end_minute}")


@dataclass(frozen=True)
class Side:
    """One pet as matching sees it: what it is, what it wants, and when its owner is free."""

    traits: PetTraits
    wants: Wants
    windows: tuple[Window, ...]
    time_zone: str


class Reason(TypedDict):
    """One part of a score, ready for JSON: `points` is `value * weight` to 4 decimals."""

    value: float
    weight: float
    points: float
    detail: str


@dataclass(frozen=True)
class Suggestion:
    """A scored pair. `score` is the sum of the reasons' points, exactly as decimals: every
    figure has at most 4 decimals, and the points as shown add up to the score as shown."""

    score: float
    distance_km: float
    reasons: dict[str, Reason]
    suggested_slots: tuple[datetime, ...]


def parse_windows(availability: Iterable[Mapping[str, object]]) -> tuple[Window, ...]:
    """Windows from the stored format: [{"weekday": 0-6, "start": "HH:MM", "end": "HH:MM"}]."""
    windows = []
    for entry in availability:
        weekday, start, end = entry.get("weekday"), entry.get("start"), entry.get("end")
        if not (isinstance(weekday, int) and isinstance(start, str) and isinstance(end, str)):
            raise ValueError(f"malformed availability entry {entry!r}")
        windows.append(Window(weekday, _minute_of_day(start), _minute_of_day(end)))
    return tuple(windows)


def _minute_of_day(text: str) -> int:
    hours, _, minutes = text.partition(":")
    if not (len(hours) == len(minutes) == 2 and hours.isdigit() and minutes.isdigit()):
        raise ValueError(f"time must be HH:MM, not {text!r}")
    minute = int(hours) * 60 + int(minutes)
    # "24:00" is the only hour-24 time: the end of a window that runs to midnight.
    if int(minutes) >= 60 or minute > _MINUTES_PER_DAY:
        raise ValueError(f"time must be HH:MM, not {text!r}")
    return minute


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    # min() guards asin against rounding just above 1 for antipodal points.
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def rounded_distance_km(km: float) -> float:
    """The distance another owner may see: to the nearest 0.5 km (halves up), at least 0.5."""
    return max(0.5, math.floor(km * 2 + 0.5) / 2)


def accepts(wants: Wants, traits: PetTraits) -> bool:
    """Whether a pet passes one side's hard filter (distance is `within_reach`'s job)."""
    return (
        traits.species in wants.species
        and traits.size in wants.sizes
        and traits.energy in wants.energy
        and wants.min_age <= traits.age <= wants.max_age
        and (traits.vaccinated or not wants.require_vaccinated)
    )


def within_reach(distance_km: float, a_wants: Wants, b_wants: Wants) -> bool:
    return distance_km <= min(a_wants.max_distance_km, b_wants.max_distance_km)


def distance_closeness(distance_km: float, limit_km: float) -> float:
    """1 at 0 km, strictly decreasing, about 0.05 at `limit_km` (a bell curve, not a line:
    a few hundred metres either way hardly matter nearby, but do near the limit)."""
    return math.exp(-DISTANCE_STEEPNESS * (distance_km / limit_km) ** 2)


def score(
    a: Side, b: Side, distance_km: float, now: datetime, *, with_slots: bool = True
) -> Suggestion:
    """Score a pair of pets `distance_km` apart. Symmetric: score(a, b) == score(b, a).

    `with_slots=False` leaves `suggested_slots` empty: ranking many candidates needs only the
    score, and the slots are worth computing for the few that are shown."""
    # The rounded distance is scored, not the true one: the distance part's value would
    # otherwise reveal the true distance to four decimals, and with it the owner's location.
    shown_km = rounded_distance_km(distance_km)
    limit_km = min(a.wants.max_distance_km, b.wants.max_distance_km)
    together = _time_together(a, b, now)
    parts = {
        "distance": (distance_closeness(shown_km, limit_km), f"{shown_km:g} km away"),
        "availability": (min(1.0, together / FULL_OVERLAP), _together_phrase(together)),
        "size": _ordered_fit(SIZES, a.traits.size, b.traits.size, "size"),
        "energy": _ordered_fit(ENERGY_LEVELS, a.traits.energy, b.traits.energy, "energy"),
        "temperament": _temperament_fit(a.traits.temperament, b.traits.temperament),
        "age": _age_fit(a.traits.age, b.traits.age),
    }
    reasons: dict[str, Reason] = {}
    total_units = 0
    for name in WEIGHTS:
        reason, units = _reason(name, *parts[name])
        # A copy: the suggestion is the caller's to keep, or to change.
        reasons[name] = reason.copy()
        total_units += units
    return Suggestion(
        score=total_units / _POINT_UNITS,
        distance_km=shown_km,
        reasons=reasons,
        suggested_slots=tuple(suggested_slots(a, b, now)) if with_slots else (),
    )


# Rounding to 4 decimals is slow, and each part of a score depends on a few values that recur
# from one candidate to the next: the parts and their reasons are cached.
@lru_cache(maxsize=4096)
def _reason(name: str, value: float, detail: str) -> tuple[Reason, int]:
    """A part's reason, and its points in `_POINT_UNITS`."""
    weight = WEIGHTS[name]
    value = round(value, 4)
    points = round(value * weight, 4)
    reason: Reason = {"value": value, "weight": weight, "points": points, "detail": detail}
    return reason, round(points * _POINT_UNITS)


@lru_cache(maxsize=256)
def _ordered_fit(scale: tuple[str, ...], mine: str, theirs: str, noun: str) -> tuple[float, str]:
    """Same step of the scale 1, neighbours 0.5, the two ends 0."""
    low, high = sorted((scale.index(mine), scale.index(theirs)))
    value = 1.0 - (high - low) / (len(scale) - 1)
    if low == high:
        return value, f"both {scale[low]} {noun}"
    return value, f"{scale[low]} and {scale[high]} {noun}"


@lru_cache(maxsize=256)
def _age_fit(mine: int, theirs: int) -> tuple[float, str]:
    gap = abs(mine - theirs)
    detail = "same age" if gap == 0 else f"{gap} year{'s' if gap > 1 else ''} apart"
    return 0.5 ** (gap / AGE_HALVING_YEARS), detail


@lru_cache(maxsize=4096)
def _temperament_fit(mine: frozenset[str], theirs: frozenset[str]) -> tuple[float, str]:
    pairs = {frozenset((x, y)) for x in mine for y in theirs}
    good = sorted(_pair_phrase(pair) for pair in pairs & GOOD_PAIRS)
    poor = sorted(_pair_phrase(pair) for pair in pairs & POOR_PAIRS)
    anxious = ("anxious" in mine) + ("anxious" in theirs)
    value = (
        0.5
        + GOOD_PAIR_BONUS * len(good)
        - POOR_PAIR_PENALTY * len(poor)
        - ANXIOUS_PENALTY * anxious
    )
    notes = good + poor + ([f"{'one' if anxious == 1 else 'both'} anxious"] if anxious else [])
    return min(1.0, max(0.0, value)), ", ".join(notes) or "nothing notable about temperament"


def _pair_phrase(pair: frozenset[str]) -> str:
    return f"both {next(iter(pair))}" if len(pair) == 1 else " with ".join(sorted(pair))


@lru_cache(maxsize=4096)
def _together_phrase(together: timedelta) -> str:
    minutes = round(together / timedelta(minutes=1))
    if minutes == 0:
        return "no shared free time this week"
    if minutes < 60:
        return f"free together {minutes} min this week"
    return f"free together {round(minutes / 30) / 2:g} h this week"


def suggested_slots(
    a: Side,
    b: Side,
    now: datetime,
    count: int = 3,
    duration: timedelta = timedelta(hours=1),
) -> list[datetime]:
    """The next `count` UTC start times, on quarter hours strictly after `now` and within
    14 days, when both owners are free for `duration`. At most one a day (in either owner's
    calendar), the earliest that fits; fewer if there are fewer."""
    minutes, part = divmod(duration, _MINUTE)
    # Found on minute bits where they tell exactly: for a `duration` of whole minutes and a `now`
    # in UTC (from intervals, a slot at the first quarter hour after `now` has its time zone).
    if now.tzinfo is UTC and minutes > 0 and not part:
        earliest, end = _first_quarter_after(now), now + SLOT_LOOKAHEAD
        since_epoch = earliest - _EPOCH
        # The whole UTC days that _free_time would expand.
        first_day, days = since_epoch.days, (end - _EPOCH).days + 1 - since_epoch.days
        mine = _free_minutes(a.windows, a.time_zone, first_day, days)
        theirs = _free_minutes(b.windows, b.time_zone, first_day, days)
        if mine is not None and theirs is not None:
            # Bit 0 is `earliest`; the last bit kept is the last whole minute before `end`.
            free = (mine & theirs) >> (since_epoch.seconds // 60)
            free &= (1 << ((end - earliest) // _MINUTE)) - 1
            starts = _slot_starts(
                free, minutes, count, since_epoch // _MINUTE, a.time_zone, b.time_zone
            )
            return [earliest + start * _MINUTE for start in starts]
    return _slots_in_shared_free_time(a, b, now, count, duration)


def _slot_starts(
    free: int, duration: int, count: int, epoch_minute: int, a_zone: str, b_zone: str
) -> list[int]:
    """The slots `_slots_in_shared_free_time` finds, in minutes from `epoch_minute` (a quarter
    hour since 1970-01-01 UTC), found on `free`: a bit for each minute both owners are free,
    from `epoch_minute` on. Durations are in minutes too."""
    # A quarter hour fits a slot if the `duration` minutes from it are free: AND shifted
    # copies, each step checking up to twice as many minutes.
    fits = free
    checked = 1
    while checked < duration:
        step = min(checked, duration - checked)
        fits &= fits >> step
        checked += step
    fits &= _QUARTER_HOUR_BITS
    slots: list[int] = []
    days_taken: set[tuple[int, int]] = set()
    closes = 0
    while len(slots) < count:
        # Each stretch of free time is tried from its first quarter hour, which is also the
        # first to fit, if any does: skip those that none fits.
        later = fits >> closes
        if not later:
            break
        start = closes + (later & -later).bit_length() - 1
        stretch = free >> start
        # x ^ (x + 1) has a bit for each of the trailing ones of x, and one more.
        closes = start + (stretch ^ (stretch + 1)).bit_length() - 1
        while len(slots) < count and start + duration <= closes:
            day_a, next_day_a = _local_day(a_zone, epoch_minute + start)
            day_b, next_day_b = _local_day(b_zone, epoch_minute + start)
            days = {(0, day_a), (1, day_b)}
            if not days & days_taken:
                slots.append(start)
                days_taken |= days
            start = max(start + _QUARTER_MINUTES, max(next_day_a, next_day_b) - epoch_minute)
    return slots


# Slots start at a few quarter hours of each day, much the same for every pair.
@lru_cache(maxsize=16384)
def _local_day(time_zone: str, epoch_minute: int) -> tuple[int, int]:
    """The date (as an ordinal) a clock in `time_zone` shows `epoch_minute` minutes after
    1970-01-01 UTC, and where `_slots_in_shared_free_time` looks for the next day's slot: the
    first quarter hour from the clock's next midnight (in minutes since 1970-01-01 too)."""
    zone = ZoneInfo(time_zone)
    moment = _EPOCH + epoch_minute * _MINUTE
    next_day = _round_up_to_quarter(_next_midnight(moment, zone))
    return moment.astimezone(zone).date().toordinal(), (next_day - _EPOCH) // _MINUTE


def _slots_in_shared_free_time(
    a: Side, b: Side, now: datetime, count: int, duration: timedelta
) -> list[datetime]:
    """`suggested_slots` from intervals of shared free time."""
    zones = ZoneInfo(a.time_zone), ZoneInfo(b.time_zone)
    slots: list[datetime] = []
    days_taken: set[tuple[int, date]] = set()
    for opens, closes in _shared_free_time(a, b, _first_quarter_after(now), now + SLOT_LOOKAHEAD):
        start = _round_up_to_quarter(opens)
        while len(slots) < count and start + duration <= closes:
            days = {(side, start.astimezone(zone).date()) for side, zone in enumerate(zones)}
            if not days & days_taken:
                slots.append(start)
                days_taken |= days
            # Free time can run past midnight (all-day windows): go on from the first moment
            # that is a new day for both owners (and do go on, should a clock fall back).
            next_day = max(_next_midnight(start, zone) for zone in zones)
            start = max(start + _QUARTER, _round_up_to_quarter(next_day))
    return slots


def _next_midnight(moment: datetime, zone: ZoneInfo) -> datetime:
    tomorrow = moment.astimezone(zone).date() + timedelta(days=1)
    return _first_moment_showing(datetime.combine(tomorrow, time()), zone)


def _first_quarter_after(moment: datetime) -> datetime:
    """Where slots may start: the first quarter hour strictly after `moment`."""
    earliest = _round_up_to_quarter(moment)
    return earliest + _QUARTER if earliest == moment else earliest


def _round_up_to_quarter(moment: datetime) -> datetime:
    # In UTC; every time zone in use today is offset by whole quarter hours, so this is a
    # quarter hour in local time as well.
    return moment + (_EPOCH - moment) % _QUARTER


def _time_together(a: Side, b: Side, now: datetime) -> timedelta:
    """How long both owners are free in the week from `now`."""
    # On minute bits if `now` is in UTC: a week from a `now` in another time zone is 7 days on
    # that zone's clock, not always 7 * 24 hours.
    if now.tzinfo is UTC:
        since_epoch = now - _EPOCH
        # The whole UTC days that _free_time would expand.
        mine = _free_minutes(a.windows, a.time_zone, since_epoch.days, 8)
        theirs = _free_minutes(b.windows, b.time_zone, since_epoch.days, 8)
        if mine is not None and theirs is not None:
            minute, part = divmod(since_epoch - timedelta(days=since_epoch.days), _MINUTE)
            free = (mine & theirs) >> minute
            if not part:
                return (free & _WEEK_BITS).bit_count() * _MINUTE
            # `now` is within minute 0: the week is the rest of it, 10,079 whole minutes, and
            # the start of minute 10,080.
            return (
                ((free >> 1) & (_WEEK_BITS >> 1)).bit_count() * _MINUTE
                + (free & 1) * (_MINUTE - part)
                + ((free >> _WEEK // _MINUTE) & 1) * part
            )
    return sum(
        (end - start for start, end in _shared_free_time(a, b, now, now + _WEEK)), timedelta()
    )


# A request scores dozens of candidates, every request of the day asks about the same days,
# and owners' calendars repeat (same windows, same time zone): cached, the shared free time
# of two owners is an AND of two cached integers, instead of dozens of time-zone conversions.
@lru_cache(maxsize=8192)
def _free_minutes(
    windows: tuple[Window, ...], time_zone: str, first_day: int, days: int
) -> int | None:
    """An owner's free time in the `days` UTC days from day `first_day` (1970-01-01 is day 0):
    bit i is set if they are free in minute i. None if it starts or ends within a minute (as
    free time could, in the days of offsets in seconds, before 1972)."""
    start = _EPOCH + timedelta(days=first_day)
    free = 0
    for opens, closes in _free_intervals(windows, time_zone, start, start + timedelta(days=days)):
        first, first_part = divmod(opens - start, _MINUTE)
        last, last_part = divmod(closes - start, _MINUTE)
        if first_part or last_part:
            return None
        free |= ((1 << (last - first)) - 1) << first
    return free


def _shared_free_time(
    a: Side, b: Side, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """When both owners are free between `start` and `end`: sorted, disjoint UTC intervals."""
    # Both lists are sorted and disjoint: walk them together, always advancing the one that
    # closes first.
    mine, theirs = _free_time(a, start, end), _free_time(b, start, end)
    shared = []
    i = j = 0
    while i < len(mine) and j < len(theirs):
        opens, closes = max(mine[i][0], theirs[j][0]), min(mine[i][1], theirs[j][1])
        if opens < closes:
            shared.append((opens, closes))
        if mine[i][1] <= theirs[j][1]:
            i += 1
        else:
            j += 1
    return shared


def _free_time(side: Side, start: datetime, end: datetime) -> tuple[tuple[datetime, datetime], ...]:
    """The side's weekly windows as concrete, merged UTC intervals between `start` and `end`."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    # Expanded from whole UTC days, as for _free_minutes, then clipped to the exact span.
    first_day = start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    last_day = end.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    expanded = _free_intervals(
        side.windows, side.time_zone, first_day, last_day + timedelta(days=1)
    )
    return tuple(
        (max(opens, start), min(closes, end))
        for opens, closes in expanded
        if max(opens, start) < min(closes, end)
    )


def _free_intervals(
    windows: tuple[Window, ...], time_zone: str, start: datetime, end: datetime
) -> tuple[tuple[datetime, datetime], ...]:
    zone = ZoneInfo(time_zone)
    # From midnight, by weekday.
    windows_on: dict[int, list[tuple[timedelta, timedelta]]] = {}
    for window in windows:
        windows_on.setdefault(window.weekday, []).append(
            (timedelta(minutes=window.start_minute), timedelta(minutes=window.end_minute))
        )
    intervals = []
    day, last_day = start.astimezone(zone).date(), end.astimezone(zone).date()
    while day <= last_day:
        midnight = datetime.combine(day, time())
        for window_start, window_end in windows_on.get(day.weekday(), []):
            opens = max(_first_moment_showing(midnight + window_start, zone), start)
            closes = min(_first_moment_showing(midnight + window_end, zone), end)
            if opens < closes:
                intervals.append((opens, closes))
        day += timedelta(days=1)
    merged: list[tuple[datetime, datetime]] = []
    for opens, closes in sorted(intervals):
        if merged and opens <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], closes))
        else:
            merged.append((opens, closes))
    return tuple(merged)


# Calendars share their hours: 18:00 of a day in a time zone opens or closes many of them.
@lru_cache(maxsize=16384)
def _first_moment_showing(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first moment (UTC) a clock in `zone` reads the naive `wall` time or later.

    Usually that moment is unique; in the hour repeated when clocks go back it is the first
    pass; for a time skipped when clocks go forward it is the moment of the jump.
    """
    moment = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _wall_clock(moment, zone) == wall:
        return moment
    # Skipped. Read with the old offset (fold=0) it is a moment after the jump, with the new
    # offset (fold=1) one before it: bisect between the two, to the second, for the jump.
    low = int(wall.replace(tzinfo=zone, fold=1).timestamp())
    high = int(moment.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if _wall_clock(datetime.fromtimestamp(middle, UTC), zone) >= wall:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _wall_clock(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)
