"""accounts.active_days: an authenticated request or a socket marks its owner's day, at most
once per owner, day and process, and (on PostgreSQL) inside the authentication's one query."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from accounts.active_days import marked, week_of
from accounts.models import ActiveDay, ActiveWeek, CohortWeek, DailyActiveOwners

ME_URL = "/api/v1/me"
TUESDAY = datetime(2030, 3, 5, 9, 30, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_process():
    marked.forget()
    yield
    marked.forget()


def counts() -> tuple[list[tuple[date, str, int]], list[tuple[date, date, str, int]]]:
    """The rollups: owners per day and metro, and per cohort, week and metro."""
    return (
        sorted(DailyActiveOwners.objects.values_list("day", "metro", "owners")),
        sorted(CohortWeek.objects.values_list("cohort", "week", "metro", "owners")),
    )


def days_of(user) -> list[tuple[date, str]]:
    return list(ActiveDay.objects.filter(user=user).order_by("day").values_list("day", "metro"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement on PostgreSQL")
def test_the_first_request_of_the_day_marks_it_in_the_authentications_one_query(
    make_user, client_for, django_assert_num_queries
):
    # given: an owner in Paris who signed up on a Sunday
    with time_machine.travel(TUESDAY, tick=False):
        owner = make_user(metro="paris", date_joined=datetime(2030, 3, 3, 20, tzinfo=UTC))
        client = client_for(owner)

        # when
        with django_assert_num_queries(1):
            response = client.get(ME_URL)

    # then: the day, in the owner's metro, and the week with the week they signed up in
    assert response.status_code == 200
    assert days_of(owner) == [(date(2030, 3, 5), "paris")]
    assert list(ActiveWeek.objects.filter(user=owner).values_list("week", "cohort")) == [
        (date(2030, 3, 4), date(2030, 2, 25))
    ]
    assert counts() == (
        [(date(2030, 3, 5), "paris", 1)],
        [(date(2030, 2, 25), date(2030, 3, 4), "paris", 1)],
    )


def test_each_new_day_and_week_adds_one_owner_to_the_counts(make_user, client_for):
    # given: two owners of one metro and cohort, each active twice on Tuesday
    with time_machine.travel(TUESDAY, tick=False):
        for owner in [make_user(metro="rome"), make_user(metro="rome")]:
            for _ in range(2):
                marked.forget()  # as two processes would
                assert client_for(owner).get(ME_URL).status_code == 200
    # and one of them again on Wednesday, the same week
    with time_machine.travel(TUESDAY + timedelta(days=1), tick=False):
        client_for(owner).get(ME_URL)

    # then
    joined_week = week_of(owner.date_joined.date())
    assert counts() == (
        [(date(2030, 3, 5), "rome", 2), (date(2030, 3, 6), "rome", 1)],
        [(joined_week, date(2030, 3, 4), "rome", 2)],
    )


def test_later_requests_that_day_write_nothing(
    owner, client_for, django_assert_num_queries, django_capture_on_commit_callbacks
):
    # given: a first request, committed
    with time_machine.travel(TUESDAY, tick=False):
        client = client_for(owner)
        with django_capture_on_commit_callbacks(execute=True):
            client.get(ME_URL)

        # when / then: the user-and-session join alone
        with django_assert_num_queries(1):
            assert client.get(ME_URL).status_code == 200

    assert days_of(owner) == [(date(2030, 3, 5), "")]


def test_the_next_day_is_marked_again(owner, client_for, django_capture_on_commit_callbacks):
    # given
    with time_machine.travel(TUESDAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        client_for(owner).get(ME_URL)

    # when
    with time_machine.travel(datetime(2030, 3, 6, 0, 1, tzinfo=UTC), tick=False):
        client_for(owner).get(ME_URL)

    # then
    assert [day for day, _ in days_of(owner)] == [date(2030, 3, 5), date(2030, 3, 6)]


def test_a_mark_lost_with_its_transaction_is_made_again(owner, client_for):
    # given: the first request's mark is never committed (the test's transaction holds it), so
    # the process does not remember it
    with time_machine.travel(TUESDAY, tick=False):
        client = client_for(owner)
        client.get(ME_URL)

        # when / then
        assert not marked.has(owner.pk, TUESDAY.date())


def test_moderators_are_not_marked(moderator, client_for):
    with time_machine.travel(TUESDAY, tick=False):
        response = client_for(moderator).get(ME_URL)

    assert response.status_code == 200
    assert days_of(moderator) == []


def test_a_refused_token_marks_nothing(owner, client_for):
    # given
    with time_machine.travel(TUESDAY, tick=False):
        client = client_for(owner)
        owner.suspended_at = timezone.now()
        owner.save(update_fields=["suspended_at"])

        # when
        response = client.get(ME_URL)

    # then
    assert response.status_code == 401
    assert days_of(owner) == []
