"""realtime.engagement: every figure, exactly, for every metro and for one (PostgreSQL; the
embedded default runs the same checks in tests/smoke/test_engagement_embedded.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.db.models import Count

from accounts.active_days import active_day_mark, marked
from accounts.models import ActiveDay, ActiveWeek, CohortWeek, DailyActiveOwners
from realtime import engagement
from realtime.tests.engagement_world import END, EVERY_METRO, NOW, PARIS_ONLY, START, build
from tests.factories import UserFactory

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
    # and the rollups count exactly the rows, each day by the days since the owner's last
    assert sorted(DailyActiveOwners.objects.values_list("day", "metro", "gap", "owners")) == [
        (date(2030, 2, 25), "paris", 0, 1),  # E
        (date(2030, 3, 4), "berlin", 0, 1),  # C
        (date(2030, 3, 4), "paris", 0, 1),  # A
        (date(2030, 3, 5), "paris", 0, 1),  # B
        (date(2030, 3, 5), "paris", 1, 1),  # A
        (date(2030, 3, 6), "paris", 1, 1),  # B
        (date(2030, 3, 11), "paris", 6, 1),  # A
        (date(2030, 3, 12), "berlin", 0, 1),  # D
        (date(2030, 3, 12), "berlin", 8, 1),  # C
        (date(2030, 3, 13), "berlin", 1, 1),  # D
        (date(2030, 3, 17), "paris", 6, 1),  # A
        (date(2030, 3, 17), "paris", 20, 1),  # E
    ]
    assert sorted(CohortWeek.objects.values_list("cohort", "week", "metro", "owners")) == sorted(
        ActiveWeek.objects.values("cohort", "week", "user__metro")
        .annotate(owners=Count("user"))
        .values_list("cohort", "week", "user__metro", "owners")
    )


def test_an_owner_back_after_more_than_30_days_counts_as_new_in_every_window() -> None:
    # given: active on 1 January and 1 March (59 days apart), then on 2 March
    owner = UserFactory.create(metro="paris", date_joined=datetime(2030, 1, 1, tzinfo=UTC))
    marked.forget()
    for day in (date(2030, 1, 1), date(2030, 3, 1), date(2030, 3, 2)):
        active_day_mark(user=owner, now=datetime.combine(day, time(12), tzinfo=UTC))

    # when
    figures = engagement.engagement(
        start=date(2030, 1, 30), end=date(2030, 3, 8), metro=None, now=NOW
    )

    # then: the January day is in the MAU until 30 January, March's from the 1st on
    assert DailyActiveOwners.objects.filter(day=date(2030, 3, 1)).get().gap == 0
    by_day = {row["date"]: (row["dau"], row["wau"], row["mau"]) for row in figures["days"]}
    assert by_day[date(2030, 1, 30)] == (0, 0, 1)
    assert by_day[date(2030, 1, 31)] == (0, 0, 0)
    assert by_day[date(2030, 2, 28)] == (0, 0, 0)
    assert by_day[date(2030, 3, 1)] == (1, 1, 1)
    assert by_day[date(2030, 3, 2)] == (1, 1, 1)
    assert by_day[date(2030, 3, 8)] == (0, 1, 1)  # 2 to 8 March


def test_the_migration_counts_the_stored_active_days_as_marking_them_did() -> None:
    # given: the world's marks, and their counts by the marking path
    build()
    counted = sorted(DailyActiveOwners.objects.values_list("day", "metro", "gap", "owners"))
    DailyActiveOwners.objects.all().delete()

    # when
    import_module("accounts.migrations.0008_daily_active_owners_by_gap").count_existing(
        django_apps, None
    )

    # then
    assert sorted(DailyActiveOwners.objects.values_list("day", "metro", "gap", "owners")) == counted


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [([5.0], 0.9, 5.0), ([1.0, 2.0], 0.5, 1.5), ([1.0, 2.0, 3.0, 10.0], 0.9, 7.9)],
)
def test_percentiles_interpolate_as_postgresql_does(values, fraction, expected) -> None:
    assert engagement.percentile(values, fraction) == pytest.approx(expected)
