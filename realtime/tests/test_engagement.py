"""realtime.engagement: every figure, exactly, for every metro and for one (PostgreSQL; the
embedded default runs the same checks in tests/smoke/test_engagement_embedded.py)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import Count

from accounts.models import ActiveDay, ActiveWeek, CohortWeek, DailyActiveOwners
from realtime import engagement
from realtime.tests.engagement_world import END, EVERY_METRO, NOW, PARIS_ONLY, START, build

pytestmark = pytest.mark.django_db


def test_every_figure_for_every_metro() -> None:
    # given
    build()

    # when
    figures = engagement.engagement(start=START, end=END, metro=None, now=NOW)

    # then
    assert figures == EVERY_METRO


def test_every_figure_for_one_metro() -> None:
    # given
    build()

    # when
    figures = engagement.engagement(start=START, end=END, metro="paris", now=NOW)

    # then
    assert figures == PARIS_ONLY


def test_a_metro_without_anyone_has_zeros_and_no_rates() -> None:
    # given
    build()

    # when
    figures = engagement.engagement(start=START, end=END, metro="tokyo", now=NOW)

    # then
    assert {row["dau"] for row in figures["days"]} == {0}
    assert {row["acceptance_rate"] for row in figures["days"]} == {None}
    assert figures["active_users"]["stickiness"] is None
    assert figures["funnel"]["accepted_per_invited"] is None
    assert [cohort["size"] for cohort in figures["cohorts"]] == [0, 0]


def test_one_day_range_reads_that_day_and_the_30_days_before_for_mau() -> None:
    # given
    build()

    # when
    figures = engagement.engagement(start=END, end=END, metro=None, now=NOW)

    # then
    assert [row["date"] for row in figures["days"]] == [END]
    assert figures["days"][0]["dau"] == 2
    assert figures["active_users"]["mau"] == 5
    # The week of 17 March (a Sunday) began on the 11th; no week after it has started.
    assert figures["cohorts"] == [{"week": date(2030, 3, 11), "size": 1, "retention": []}]


def test_the_active_days_are_marked_once_per_owner_and_day() -> None:
    # given / when
    world = build()

    # then: the marks the world made twice a day are stored once; moderators are not marked
    assert ActiveDay.objects.filter(user=world.a).count() == 4
    assert not ActiveDay.objects.filter(user=world.moderator).exists()
    assert sorted(ActiveWeek.objects.filter(user=world.a).values_list("week", "cohort")) == [
        (date(2030, 3, 4), date(2030, 3, 4)),
        (date(2030, 3, 11), date(2030, 3, 4)),
    ]
    # and the rollups count exactly the rows
    assert sorted(DailyActiveOwners.objects.values_list("day", "metro", "owners")) == sorted(
        ActiveDay.objects.values("day", "metro")
        .annotate(owners=Count("user"))
        .values_list("day", "metro", "owners")
    )
    assert sorted(CohortWeek.objects.values_list("cohort", "week", "metro", "owners")) == sorted(
        ActiveWeek.objects.values("cohort", "week", "user__metro")
        .annotate(owners=Count("user"))
        .values_list("cohort", "week", "user__metro", "owners")
    )


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [([5.0], 0.9, 5.0), ([1.0, 2.0], 0.5, 1.5), ([1.0, 2.0, 3.0, 10.0], 0.9, 7.9)],
)
def test_percentiles_interpolate_as_postgresql_does(values, fraction, expected) -> None:
    assert engagement.percentile(values, fraction) == pytest.approx(expected)
