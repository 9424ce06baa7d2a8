"""The pure scoring core: exact examples (distances, DST weeks, one scored pair) and properties,
including that free time counted on minute bits is as counted on intervals."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from matching import algorithm
from matching.algorithm import (
    ENERGY_LEVELS,
    GOOD_PAIRS,
    POOR_PAIRS,
    SIZES,
    WEIGHTS,
    PetTraits,
    Side,
    Wants,
    Window,
    accepts,
    distance_closeness,
    haversine_km,
    parse_windows,
    rounded_distance_km,
    score,
    suggested_slots,
    within_reach,
)
from pets.models import TEMPERAMENTS, Energy, Size, Species

# Zones with DST on different dates, half-hour DST (Lord Howe), quarter-hour offsets
# (Kathmandu, Chatham) and clocks changing at midnight (Santiago).
TIME_ZONES = [
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Chatham",
]
ALL_WEEK = tuple(Window(day, 0, 24 * 60) for day in range(7))
# A Monday in June: no clock changes anywhere near Paris.
MONDAY = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
PROPERTIES = settings(max_examples=150)
SLOW_PROPERTIES = settings(PROPERTIES, max_examples=100, deadline=None)


def make_side(
    *,
    size: str = "medium",
    energy: str = "medium",
    age: int = 3,
    temperament: frozenset[str] = frozenset(),
    max_distance_km: float = 10.0,
    windows: tuple[Window, ...] = (),
    time_zone: str = "UTC",
) -> Side:
    return Side(
        traits=PetTraits("dog", size, energy, age, temperament, vaccinated=True),
        wants=Wants(
            max_distance_km=max_distance_km,
            species=frozenset({"dog"}),
            sizes=frozenset(SIZES),
            energy=frozenset(ENERGY_LEVELS),
            min_age=0,
            max_age=40,
            require_vaccinated=True,
        ),
        windows=windows,
        time_zone=time_zone,
    )


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- vocabularies and constants ---------------------------------------------------------------


def test_vocabularies_match_the_pet_models():
    assert tuple(Size.values) == SIZES
    assert tuple(Energy.values) == ENERGY_LEVELS
    assert {tag for pair in GOOD_PAIRS | POOR_PAIRS for tag in pair} <= set(TEMPERAMENTS)
    assert not GOOD_PAIRS & POOR_PAIRS


def test_weights_sum_to_one_with_at_most_four_decimals():
    assert math.fsum(WEIGHTS.values()) == 1.0
    assert all(round(weight, 4) == weight for weight in WEIGHTS.values())


# --- distances --------------------------------------------------------------------------------


def test_haversine_new_york_to_london():
    assert haversine_km(40.7128, -74.0060, 51.5074, -0.1278) == pytest.approx(5570, abs=1)


def test_haversine_same_point_and_quarter_of_the_equator():
    assert haversine_km(48.85, 2.35, 48.85, 2.35) == 0.0
    assert haversine_km(0, 0, 0, 90) == pytest.approx(math.pi / 2 * 6371.0)


@pytest.mark.parametrize(
    ("km", "shown"),
    [(0.0, 0.5), (0.3, 0.5), (0.74, 0.5), (0.75, 1.0), (1.2, 1.0), (1.25, 1.5), (12.3, 12.5)],
)
def test_rounded_distance_km(km, shown):
    assert rounded_distance_km(km) == shown


@PROPERTIES
@given(km=st.floats(min_value=0, max_value=20_000))
def test_rounded_distance_is_a_half_km_step_near_the_truth(km):
    shown = rounded_distance_km(km)
    assert (shown * 2).is_integer()
    assert shown >= 0.5
    if km >= 0.25:
        assert abs(shown - km) <= 0.25


@PROPERTIES
@given(
    distance=st.floats(min_value=0, max_value=200),
    a=st.floats(min_value=0.5, max_value=100),
    b=st.floats(min_value=0.5, max_value=100),
)
def test_within_reach_means_within_both_limits(distance, a, b):
    a_wants, b_wants = make_side(max_distance_km=a).wants, make_side(max_distance_km=b).wants
    assert within_reach(distance, a_wants, b_wants) == (distance <= a and distance <= b)
    assert within_reach(distance, a_wants, b_wants) == within_reach(distance, b_wants, a_wants)


def test_distance_closeness_is_one_at_zero_and_small_at_the_limit():
    assert distance_closeness(0, 5) == 1.0
    assert distance_closeness(5, 5) == pytest.approx(math.exp(-3))


@PROPERTIES
@given(
    limit=st.floats(min_value=0.5, max_value=100),
    nearer=st.floats(min_value=0, max_value=2),
    further_by=st.floats(min_value=1e-4, max_value=2),
)
def test_distance_closeness_strictly_decreases(limit, nearer, further_by):
    # Up to twice the tighter limit: further out nothing is suggested, and e^-x underflows.
    assert distance_closeness(nearer * limit, limit) > distance_closeness(
        (nearer + further_by) * limit, limit
    )


# --- filters ----------------------------------------------------------------------------------

traits_strategy = st.builds(
    PetTraits,
    species=st.sampled_from(Species.values),
    size=st.sampled_from(SIZES),
    energy=st.sampled_from(ENERGY_LEVELS),
    age=st.integers(0, 40),
    temperament=st.frozensets(st.sampled_from(TEMPERAMENTS), max_size=4),
    vaccinated=st.booleans(),
)
wants_strategy = st.builds(
    Wants,
    max_distance_km=st.floats(min_value=0.5, max_value=100),
    species=st.frozensets(st.sampled_from(Species.values)),
    sizes=st.frozensets(st.sampled_from(SIZES)),
    energy=st.frozensets(st.sampled_from(ENERGY_LEVELS)),
    min_age=st.integers(0, 40),
    max_age=st.integers(0, 40),
    require_vaccinated=st.booleans(),
)


def reasons_to_refuse(wants: Wants, traits: PetTraits) -> list[str]:
    refusals = []
    if traits.species not in wants.species:
        refusals.append("species")
    if traits.size not in wants.sizes:
        refusals.append("size")
    if traits.energy not in wants.energy:
        refusals.append("energy")
    if traits.age < wants.min_age or traits.age > wants.max_age:
        refusals.append("age")
    if wants.require_vaccinated and not traits.vaccinated:
        refusals.append("vaccination")
    return refusals


@settings(PROPERTIES, max_examples=500)
@given(wants=wants_strategy, traits=traits_strategy)
def test_accepts_is_the_conjunction_of_its_conditions(wants, traits):
    assert accepts(wants, traits) == (reasons_to_refuse(wants, traits) == [])


def test_accepts_age_range_inclusive_and_vaccination_only_when_required():
    wants = replace(make_side().wants, min_age=2, max_age=4)
    traits = make_side().traits
    assert [accepts(wants, replace(traits, age=age)) for age in (1, 2, 4, 5)] == [
        False,
        True,
        True,
        False,
    ]
    unvaccinated = replace(traits, vaccinated=False)
    assert not accepts(wants, unvaccinated)
    assert accepts(replace(wants, require_vaccinated=False), unvaccinated)


# --- availability windows ---------------------------------------------------------------------


def test_parse_windows_reads_minutes_and_midnight_as_24_00():
    windows = parse_windows(
        [
            {"weekday": 5, "start": "10:00", "end": "17:30"},
            {"weekday": 6, "start": "22:15", "end": "24:00"},
        ]
    )
    assert windows == (Window(5, 600, 1050), Window(6, 1335, 1440))


@pytest.mark.parametrize(
    "entry",
    [
        {"weekday": 7, "start": "10:00", "end": "11:00"},
        {"weekday": 0, "start": "25:00", "end": "26:00"},
        {"weekday": 0, "start": "10:60", "end": "11:00"},
        {"weekday": 0, "start": "9:00", "end": "11:00"},
        {"weekday": 0, "start": "22:00", "end": "24:01"},
        {"weekday": 0, "start": "24:00", "end": "24:00"},
        {"weekday": 0, "start": "11:00", "end": "11:00"},
        {"weekday": 0, "start": "22:00", "end": "02:00"},
        {"weekday": "0", "start": "10:00", "end": "11:00"},
        {"start": "10:00", "end": "11:00"},
    ],
)
def test_parse_windows_rejects_malformed_entries(entry):
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        parse_windows([entry])


# --- one scored pair, exactly -----------------------------------------------------------------


def test_score_of_a_known_pair():
    # given: two dogs in Paris, free together on Saturdays from 14:00 to 17:00
    rex = make_side(
        size="medium",
        energy="high",
        age=3,
        temperament=frozenset({"playful", "social"}),
        max_distance_km=5,
        windows=parse_windows([{"weekday": 5, "start": "10:00", "end": "17:00"}]),
        time_zone="Europe/Paris",
    )
    bella = make_side(
        size="large",
        energy="medium",
        age=6,
        temperament=frozenset({"playful", "anxious"}),
        max_distance_km=10,
        windows=parse_windows(
            [
                {"weekday": 5, "start": "14:00", "end": "18:00"},
                {"weekday": 6, "start": "10:00", "end": "12:00"},
            ]
        ),
        time_zone="Europe/Paris",
    )

    # when
    suggestion = score(rex, bella, 2.3, MONDAY)

    # then: 2.5 km of a 5 km limit is e^-0.75; 3 h of 6 is half; the rest are halves
    assert suggestion.distance_km == 2.5
    assert suggestion.reasons == {
        "distance": {"value": 0.4724, "weight": 0.25, "points": 0.1181, "detail": "2.5 km away"},
        "availability": {
            "value": 0.5,
            "weight": 0.2,
            "points": 0.1,
            "detail": "free together 3 h this week",
        },
        "size": {"value": 0.5, "weight": 0.15, "points": 0.075, "detail": "medium and large size"},
        "energy": {
            "value": 0.5,
            "weight": 0.15,
            "points": 0.075,
            "detail": "medium and high energy",
        },
        "temperament": {
            "value": 0.5,
            "weight": 0.15,
            "points": 0.075,
            "detail": "both playful, playful with social, anxious with playful, one anxious",
        },
        "age": {"value": 0.5, "weight": 0.1, "points": 0.05, "detail": "3 years apart"},
    }
    assert suggestion.score == 0.4931
    # Saturdays 14:00 in Paris (CEST); the lookahead ends before a third Saturday.
    assert suggestion.suggested_slots == (utc(2025, 6, 7, 12, 0), utc(2025, 6, 14, 12, 0))


@pytest.mark.parametrize(
    ("mine", "theirs", "value", "detail"),
    [
        ((), (), 0.5, "nothing notable about temperament"),
        (("playful",), ("playful",), 0.65, "both playful"),
        (("calm", "gentle"), ("shy",), 0.8, "calm with shy, gentle with shy"),
        # Each distinct pair counts once, however many ways round it occurs.
        (
            ("playful", "social"),
            ("playful", "social"),
            0.95,
            "both playful, both social, playful with social",
        ),
        (
            ("playful", "social", "curious"),
            ("playful", "social"),
            1.0,
            "both playful, both social, curious with playful, playful with social",
        ),
        (("dominant",), ("dominant",), 0.3, "both dominant"),
        (("dominant",), ("shy",), 0.3, "dominant with shy"),
        (("calm",), ("anxious",), 0.4, "one anxious"),
        (("anxious",), ("anxious",), 0.3, "both anxious"),
        (
            ("dominant", "protective"),
            ("anxious", "shy"),
            0.0,
            "anxious with dominant, dominant with shy, one anxious",
        ),
    ],
)
def test_temperament_rules(mine, theirs, value, detail):
    a = make_side(temperament=frozenset(mine))
    b = make_side(temperament=frozenset(theirs))
    assert score(a, b, 1, MONDAY).reasons["temperament"] == {
        "value": value,
        "weight": 0.15,
        "points": round(value * 0.15, 4),
        "detail": detail,
    }


@pytest.mark.parametrize(
    ("mine", "theirs", "value", "detail"),
    [
        ("small", "small", 1.0, "both small size"),
        ("small", "medium", 0.5, "small and medium size"),
        ("large", "small", 0.0, "small and large size"),
    ],
)
def test_size_fit(mine, theirs, value, detail):
    reason = score(make_side(size=mine), make_side(size=theirs), 1, MONDAY).reasons["size"]
    assert (reason["value"], reason["detail"]) == (value, detail)


@pytest.mark.parametrize(
    ("mine", "theirs", "value", "detail"),
    [
        ("high", "high", 1.0, "both high energy"),
        ("medium", "low", 0.5, "low and medium energy"),
        ("low", "high", 0.0, "low and high energy"),
    ],
)
def test_energy_fit(mine, theirs, value, detail):
    reason = score(make_side(energy=mine), make_side(energy=theirs), 1, MONDAY).reasons["energy"]
    assert (reason["value"], reason["detail"]) == (value, detail)


@pytest.mark.parametrize(
    ("ages", "value", "detail"),
    [
        ((4, 4), 1.0, "same age"),
        ((4, 5), 0.7937, "1 year apart"),
        ((1, 10), 0.125, "9 years apart"),
    ],
)
def test_age_closeness_halves_every_three_years(ages, value, detail):
    reason = score(make_side(age=ages[0]), make_side(age=ages[1]), 1, MONDAY).reasons["age"]
    assert (reason["value"], reason["detail"]) == (value, detail)


# --- time zones and clock changes -------------------------------------------------------------

PARIS_SUNDAY_MORNING = parse_windows([{"weekday": 6, "start": "10:00", "end": "12:00"}])
NEW_YORK_SUNDAY_DAWN = parse_windows([{"weekday": 6, "start": "05:00", "end": "07:00"}])


@pytest.mark.parametrize(
    ("now", "slots"),
    [
        # 2 March: both on winter time, Paris 09-11 UTC, New York 10-12 UTC.
        # 9 March: New York on summer time (09-11 UTC), Paris not yet.
        (utc(2025, 3, 1, 12, 0), [utc(2025, 3, 2, 10, 0), utc(2025, 3, 9, 9, 0)]),
        # Both on summer time: Paris 08-10 UTC, New York 09-11 UTC.
        (utc(2025, 10, 18, 12, 0), [utc(2025, 10, 19, 9, 0), utc(2025, 10, 26, 9, 0)]),
        # 26 October: Paris back on winter time (09-11 UTC), New York still on summer time.
        # 2 November: New York back too (10-12 UTC).
        (utc(2025, 10, 25, 12, 0), [utc(2025, 10, 26, 9, 0), utc(2025, 11, 2, 10, 0)]),
    ],
)
def test_slots_follow_each_owners_clock_changes(now, slots):
    paris = make_side(windows=PARIS_SUNDAY_MORNING, time_zone="Europe/Paris")
    new_york = make_side(windows=NEW_YORK_SUNDAY_DAWN, time_zone="America/New_York")

    assert suggested_slots(paris, new_york, now) == slots
    assert suggested_slots(new_york, paris, now) == slots


@pytest.mark.parametrize(
    ("now", "together", "detail"),
    [
        (utc(2025, 10, 13, 12, 0), 60, "free together 1 h this week"),
        (utc(2025, 10, 20, 12, 0), 120, "free together 2 h this week"),
        (utc(2025, 10, 27, 12, 0), 60, "free together 1 h this week"),
    ],
)
def test_weekly_overlap_in_utc_across_clock_changes(now, together, detail):
    paris = make_side(windows=PARIS_SUNDAY_MORNING, time_zone="Europe/Paris")
    new_york = make_side(windows=NEW_YORK_SUNDAY_DAWN, time_zone="America/New_York")

    reason = score(paris, new_york, 1, now).reasons["availability"]

    assert (reason["value"], reason["detail"]) == (round(together / 360, 4), detail)


@pytest.mark.parametrize(
    ("duration", "slots"),
    [
        # 10:00-17:00 is 08-15 UTC in summer time, 09-16 UTC on the Sunday clocks go back.
        (timedelta(hours=7), [utc(2025, 10, 19, 8, 0), utc(2025, 10, 26, 9, 0)]),
        (timedelta(hours=7, minutes=15), []),
    ],
)
def test_window_on_the_day_clocks_go_back_keeps_its_local_hours(duration, slots):
    paris = make_side(
        windows=parse_windows([{"weekday": 6, "start": "10:00", "end": "17:00"}]),
        time_zone="Europe/Paris",
    )
    always = make_side(windows=ALL_WEEK)

    assert suggested_slots(paris, always, utc(2025, 10, 18, 12, 0), duration=duration) == slots


@pytest.mark.parametrize(
    ("duration", "slots"),
    [
        # 30 March: 02:00 does not exist in Paris, so 02:30-04:00 is 03:00-04:00 (01-02 UTC);
        # a week later it is 02:30-04:00 CEST (00:30-02:00 UTC).
        (timedelta(hours=1), [utc(2025, 3, 30, 1, 0), utc(2025, 4, 6, 0, 30)]),
        (timedelta(minutes=75), [utc(2025, 4, 6, 0, 30)]),
    ],
)
def test_window_starting_in_the_skipped_hour_starts_at_the_jump(duration, slots):
    paris = make_side(
        windows=parse_windows([{"weekday": 6, "start": "02:30", "end": "04:00"}]),
        time_zone="Europe/Paris",
    )
    always = make_side(windows=ALL_WEEK)

    assert suggested_slots(paris, always, utc(2025, 3, 29, 12, 0), duration=duration) == slots


def test_window_ending_at_the_skipped_midnight_ends_at_the_jump():
    # Santiago moves from 24:00 Saturday 6 September 2025 (-04) to 01:00 Sunday (-03).
    santiago = make_side(
        windows=parse_windows([{"weekday": 5, "start": "22:00", "end": "24:00"}]),
        time_zone="America/Santiago",
    )
    always = make_side(windows=ALL_WEEK)

    now = utc(2025, 9, 5, 12, 0)
    assert suggested_slots(santiago, always, now, count=1, duration=timedelta(hours=2)) == [
        utc(2025, 9, 7, 2, 0)
    ]


# --- slots: examples --------------------------------------------------------------------------


def test_slots_start_on_the_quarter_hour_strictly_after_now():
    always = make_side(windows=ALL_WEEK)
    assert suggested_slots(always, always, utc(2025, 6, 2, 10, 0), count=1) == [
        utc(2025, 6, 2, 10, 15)
    ]
    assert suggested_slots(always, always, utc(2025, 6, 2, 10, 7), count=1) == [
        utc(2025, 6, 2, 10, 15)
    ]


def test_continuous_free_time_gives_one_slot_a_day():
    always = make_side(windows=ALL_WEEK)
    assert suggested_slots(always, always, utc(2025, 6, 2, 10, 7)) == [
        utc(2025, 6, 2, 10, 15),
        utc(2025, 6, 3, 0, 0),
        utc(2025, 6, 4, 0, 0),
    ]


def test_one_slot_a_day_in_either_owners_calendar():
    # given: free every evening 18-22 in New York (22-02 UTC) and all week in UTC
    evenings = parse_windows(
        [{"weekday": day, "start": "18:00", "end": "22:00"} for day in range(7)]
    )
    new_york = make_side(windows=evenings, time_zone="America/New_York")
    always = make_side(windows=ALL_WEEK)

    # then: one slot an evening, though every evening spans two UTC days
    assert suggested_slots(new_york, always, utc(2025, 6, 2, 12, 0)) == [
        utc(2025, 6, 2, 22, 0),
        utc(2025, 6, 3, 22, 0),
        utc(2025, 6, 4, 22, 0),
    ]


def test_windows_that_meet_at_midnight_join_up():
    late = parse_windows(
        [
            {"weekday": 4, "start": "23:00", "end": "24:00"},
            {"weekday": 5, "start": "00:00", "end": "01:00"},
        ]
    )
    owl = make_side(windows=late, time_zone="Europe/Paris")
    always = make_side(windows=ALL_WEEK)

    assert suggested_slots(owl, always, MONDAY, count=1, duration=timedelta(hours=2)) == [
        utc(2025, 6, 6, 21, 0)
    ]


def test_no_shared_time_no_slots_and_no_availability_points():
    morning = make_side(windows=parse_windows([{"weekday": 0, "start": "08:00", "end": "10:00"}]))
    evening = make_side(windows=parse_windows([{"weekday": 0, "start": "18:00", "end": "20:00"}]))

    suggestion = score(morning, evening, 1, MONDAY)

    assert suggestion.suggested_slots == ()
    assert suggestion.reasons["availability"] == {
        "value": 0.0,
        "weight": 0.2,
        "points": 0.0,
        "detail": "no shared free time this week",
    }


# --- properties of score ----------------------------------------------------------------------


@st.composite
def windows_strategy(draw: st.DrawFn) -> Window:
    # Biased towards the small hours and late evening, where clocks change.
    start = draw(
        st.integers(0, 24 * 60 - 1) | st.integers(0, 4 * 60) | st.integers(22 * 60, 24 * 60 - 1)
    )
    end = draw(st.integers(start + 1, 24 * 60) | st.integers(start + 1, min(start + 180, 1440)))
    return Window(draw(st.integers(0, 6)), start, end)


sides_strategy = st.builds(
    Side,
    traits=traits_strategy,
    wants=wants_strategy,
    windows=st.lists(windows_strategy(), min_size=1, max_size=12).map(tuple) | st.just(ALL_WEEK),
    time_zone=st.sampled_from(TIME_ZONES),
)
nows_strategy = st.datetimes(
    # Hypothesis takes naive bounds and attaches the time zone itself.
    min_value=datetime(2024, 1, 1),  # noqa: DTZ001
    max_value=datetime(2030, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
# When clocks change (UTC days, 2025) in the zones of TIME_ZONES that have summer time.
CLOCK_CHANGES = [
    ("America/New_York", utc(2025, 3, 9)),
    ("America/New_York", utc(2025, 11, 2)),
    ("Europe/Paris", utc(2025, 3, 30)),
    ("Europe/Paris", utc(2025, 10, 26)),
    ("America/Santiago", utc(2025, 4, 6)),
    ("America/Santiago", utc(2025, 9, 7)),
    ("Australia/Lord_Howe", utc(2025, 4, 5)),
    ("Australia/Lord_Howe", utc(2025, 10, 4)),
    ("Pacific/Chatham", utc(2025, 4, 5)),
    ("Pacific/Chatham", utc(2025, 9, 27)),
]


@st.composite
def pairs_strategy(draw: st.DrawFn) -> tuple[Side, Side, datetime]:
    """Two sides and a `now`; half the time, one side's clocks change within the next 14 days."""
    a, b = draw(sides_strategy), draw(sides_strategy)
    if not draw(st.booleans()):
        return a, b, draw(nows_strategy)
    zone, change = draw(st.sampled_from(CLOCK_CHANGES))
    before = timedelta(seconds=draw(st.integers(-86_400, 14 * 86_400)))
    return replace(a, time_zone=zone), b, change - before


distances_strategy = st.floats(min_value=0, max_value=200)


@SLOW_PROPERTIES
@given(pair=pairs_strategy(), distance=distances_strategy)
def test_score_is_in_range_and_its_points_add_up_exactly(pair, distance):
    a, b, now = pair

    suggestion = score(a, b, distance, now)

    assert 0 <= suggestion.score <= 1
    assert list(suggestion.reasons) == list(WEIGHTS)
    points = [Decimal(str(reason["points"])) for reason in suggestion.reasons.values()]
    assert all(point == round(point, 4) for point in points)
    assert sum(points) == Decimal(str(suggestion.score))
    for name, reason in suggestion.reasons.items():
        assert 0 <= reason["value"] <= 1
        assert reason["weight"] == WEIGHTS[name]
        assert reason["points"] == round(reason["value"] * reason["weight"], 4)


@SLOW_PROPERTIES
@given(pair=pairs_strategy(), distance=distances_strategy)
def test_score_is_symmetric(pair, distance):
    a, b, now = pair
    assert score(a, b, distance, now) == score(b, a, distance, now)


@SLOW_PROPERTIES
@given(pair=pairs_strategy(), distances=st.lists(distances_strategy, min_size=2, max_size=2))
def test_score_does_not_grow_with_distance(pair, distances):
    a, b, now = pair

    near, far = (score(a, b, distance, now) for distance in sorted(distances))

    assert near.score >= far.score
    assert near.reasons["distance"]["value"] >= far.reasons["distance"]["value"]
    if near.distance_km < far.distance_km <= min(a.wants.max_distance_km, b.wants.max_distance_km):
        assert near.reasons["distance"]["value"] > far.reasons["distance"]["value"]
    assert {k: v for k, v in near.reasons.items() if k != "distance"} == {
        k: v for k, v in far.reasons.items() if k != "distance"
    }


# --- properties of suggested slots ------------------------------------------------------------


def assert_free_throughout(side: Side, start: datetime, end: datetime) -> None:
    """Every minute from `start` to `end` is inside one of the side's windows, read on the
    owner's own clock. In the hour repeated when clocks go back, the clock is taken to read the
    latest time it has shown: a window that has begun runs until its end is first reached."""
    zone = ZoneInfo(side.time_zone)
    moment = start - timedelta(hours=2)
    latest = moment.astimezone(zone).replace(tzinfo=None)
    while moment < end:
        latest = max(latest, moment.astimezone(zone).replace(tzinfo=None))
        minute = latest.hour * 60 + latest.minute
        if moment >= start:
            assert any(
                window.weekday == latest.weekday()
                and window.start_minute <= minute < window.end_minute
                for window in side.windows
            ), f"{side.time_zone} not free at {latest} ({moment})"
        moment += timedelta(minutes=1)


@settings(SLOW_PROPERTIES, max_examples=200)
@given(
    pair=pairs_strategy(),
    count=st.integers(0, 4),
    duration=st.sampled_from([timedelta(minutes=15), timedelta(hours=1), timedelta(hours=2)]),
)
def test_suggested_slots_fit_both_calendars(pair, count, duration):
    a, b, now = pair

    slots = suggested_slots(a, b, now, count, duration)

    assert len(slots) <= count
    assert slots == sorted(set(slots))
    for side in (a, b):
        days = [slot.astimezone(ZoneInfo(side.time_zone)).date() for slot in slots]
        assert len(set(days)) == len(days)
    for slot in slots:
        assert slot.tzinfo is UTC
        assert now < slot <= now + timedelta(days=14)
        assert (slot.minute % 15, slot.second, slot.microsecond) == (0, 0, 0)
        assert_free_throughout(a, slot, slot + duration)
        assert_free_throughout(b, slot, slot + duration)


# --- minute bits against intervals ------------------------------------------------------------

# Free time is counted on bits, one a minute; the intervals it used to be counted on are kept as
# the reference (and the fallback). Zones whose clocks change by an hour (London, New York,
# St John's at -3:30), by half an hour (Lord Howe), at +12:45 (Chatham), or never.
MINUTE_TIME_ZONES = [
    "UTC",
    "Europe/London",
    "America/New_York",
    "America/St_Johns",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
]
# When their clocks change (UTC days). Until 2011 St John's changed at 00:01: going back, its
# clock showed the new day for a minute, then the old one again for an hour.
MINUTE_CLOCK_CHANGES = [
    ("Europe/London", utc(2025, 3, 30)),
    ("Europe/London", utc(2025, 10, 26)),
    ("America/New_York", utc(2025, 3, 9)),
    ("America/New_York", utc(2025, 11, 2)),
    ("America/St_Johns", utc(2025, 3, 9)),
    ("America/St_Johns", utc(2025, 11, 2)),
    ("America/St_Johns", utc(2010, 3, 14)),
    ("America/St_Johns", utc(2010, 11, 7)),
    ("Australia/Lord_Howe", utc(2025, 4, 5)),
    ("Australia/Lord_Howe", utc(2025, 10, 4)),
    ("Pacific/Chatham", utc(2025, 4, 5)),
    ("Pacific/Chatham", utc(2025, 9, 27)),
]
minute_time_zones_strategy = st.sampled_from(MINUTE_TIME_ZONES)


@st.composite
def minute_pairs_strategy(draw: st.DrawFn) -> tuple[Side, Side, datetime]:
    """Two sides in MINUTE_TIME_ZONES and a UTC `now` to the microsecond, or on a quarter hour
    as the matches endpoint asks; half the time, one side's clocks change within 14 days."""
    a = replace(draw(sides_strategy), time_zone=draw(minute_time_zones_strategy))
    b = replace(draw(sides_strategy), time_zone=draw(minute_time_zones_strategy))
    if draw(st.booleans()):
        zone, change = draw(st.sampled_from(MINUTE_CLOCK_CHANGES))
        a = replace(a, time_zone=zone)
        before = draw(st.integers(-86_400 * 10**6, 14 * 86_400 * 10**6))
        now = change - timedelta(microseconds=before)
    else:
        now = draw(
            st.datetimes(
                min_value=datetime(1980, 1, 1),  # noqa: DTZ001
                max_value=datetime(2040, 12, 31),  # noqa: DTZ001
                timezones=st.just(UTC),
            )
        )
    if draw(st.booleans()):
        now -= (now - datetime(1970, 1, 1, tzinfo=UTC)) % timedelta(minutes=15)
    return a, b, now


@settings(SLOW_PROPERTIES, max_examples=300)
@given(pair=minute_pairs_strategy())
def test_time_together_on_minute_bits_is_as_on_intervals(pair):
    a, b, now = pair

    # when: counted on minute bits, the intervals out of reach
    with mock.patch.object(algorithm, "_shared_free_time", side_effect=AssertionError):
        together = algorithm._time_together(a, b, now)

    # then: to the microsecond
    intervals = algorithm._shared_free_time(a, b, now, now + timedelta(days=7))
    assert together == sum((end - start for start, end in intervals), timedelta())


# Free from Monday 22:00 to Tuesday 00:59: Tuesday's first hour does not fit.
LATE_MONDAY = (Window(0, 22 * 60, 24 * 60), Window(1, 0, 59))
# Free on Mondays 11:00-13:00: a fortnight after 12:00:30, 11:00 for 61 minutes ends too late.
MONDAY_LUNCH = (Window(0, 11 * 60, 13 * 60),)


@settings(SLOW_PROPERTIES, max_examples=300)
@example(
    pair=(make_side(windows=LATE_MONDAY), make_side(windows=ALL_WEEK), MONDAY),
    count=2,
    duration=timedelta(hours=1),
)
@example(
    pair=(
        make_side(windows=MONDAY_LUNCH),
        make_side(windows=ALL_WEEK),
        MONDAY.replace(hour=12, second=30),
    ),
    count=3,
    duration=timedelta(minutes=61),
)
@given(
    pair=minute_pairs_strategy(),
    count=st.integers(0, 4),
    duration=st.sampled_from([timedelta(minutes=15), timedelta(hours=1), timedelta(hours=2)])
    | st.integers(1, 8 * 60).map(lambda minutes: timedelta(minutes=minutes)),
)
def test_slots_on_minute_bits_are_as_on_intervals(pair, count, duration):
    a, b, now = pair

    # when: found on minute bits, the intervals out of reach
    with mock.patch.object(algorithm, "_shared_free_time", side_effect=AssertionError):
        slots = suggested_slots(a, b, now, count, duration)

    # then
    assert slots == algorithm._slots_in_shared_free_time(a, b, now, count, duration)
