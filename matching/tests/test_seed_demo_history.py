"""`manage.py seed_demo --history` (the default): a year of activity for the demo owners."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import import_module
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db.models import Count, F, Q, Sum

from accounts.active_days import week_of
from accounts.models import ActiveDay, ActiveWeek, CohortWeek, DailyActiveOwners, User
from matching.demo_data import METROS, SHOWCASE_OWNERS, demo_history
from matching.models import Playdate, PlaydateStatus, SuggestionDay
from realtime import engagement
from realtime.models import Message

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
METRO_NAMES = ["Paris", "Berlin"]

pytestmark = pytest.mark.django_db


def seed(**options: Any) -> str:
    out = StringIO()
    options.setdefault("owners", 40)
    options.setdefault("metros", METRO_NAMES)
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def history_snapshot() -> dict[str, Any]:
    """The history by owner email, whatever the ids."""
    email = dict(User.objects.values_list("pk", "email"))
    return {
        "days": sorted((email[user], day, metro) for user, day, metro in
                       ActiveDay.objects.values_list("user", "day", "metro")),
        "weeks": sorted((email[user], week, cohort) for user, week, cohort in
                        ActiveWeek.objects.values_list("user", "week", "cohort")),
        "suggestions": sorted(SuggestionDay.objects.values_list("day", "metro", "shown")),
        "playdates": sorted(
            (email[inviter], email[invitee], created, status, accepted, when)
            for inviter, invitee, created, status, accepted, when in Playdate.objects.values_list(
                "inviter", "invitee", "created_at", "status", "accepted_at", "date_time"
            )
        ),
        "messages": sorted(
            (email[sender], created, body)
            for sender, created, body in Message.objects.values_list(
                "sender", "created_at", "body"
            )
        ),
    }  # fmt: skip


def test_every_demo_owner_gets_a_year_of_activity_from_the_day_they_signed_up() -> None:
    # when
    out = seed()

    # then
    owners = list(User.objects.filter(email__startswith="demo."))
    assert len(owners) == 40
    for owner in owners:
        days = list(ActiveDay.objects.filter(user=owner).values_list("day", "metro"))
        joined = owner.date_joined.date()
        assert (joined, owner.metro) in days  # the sign-up day, in the owner's metro
        assert all(joined <= day <= NOW.date() and metro == owner.metro for day, metro in days)
        assert set(ActiveWeek.objects.filter(user=owner).values_list("week", "cohort")) == {
            (week_of(day), week_of(joined)) for day, _ in days
        }
    # The rollups the engagement figures read agree with the rows.
    daily = DailyActiveOwners.objects.order_by("day", "metro", "gap")
    assert sorted(
        daily.order_by()
        .values("day", "metro")
        .annotate(owners=Sum("owners"))
        .values_list("day", "metro", "owners")
    ) == sorted(
        ActiveDay.objects.values("day", "metro")
        .annotate(owners=Count("user"))
        .values_list("day", "metro", "owners")
    )
    # by the days since each owner's previous one, as the migration counts the stored days
    counted = list(daily.values_list("day", "metro", "gap", "owners"))
    daily.delete()
    import_module("accounts.migrations.0008_daily_active_owners_by_gap").count_existing(
        django_apps, None
    )
    assert list(daily.values_list("day", "metro", "gap", "owners")) == counted
    assert {gap for _, _, gap, _ in counted} > {0, 1}  # returning owners, days apart
    assert sorted(CohortWeek.objects.values_list("cohort", "week", "metro", "owners")) == sorted(
        ActiveWeek.objects.values("cohort", "week", "user__metro")
        .annotate(owners=Count("user"))
        .values_list("cohort", "week", "user__metro", "owners")
    )
    active_days = ActiveDay.objects.count()
    assert active_days > 40
    assert Playdate.objects.filter(accepted_at__isnull=False).exists()
    assert SuggestionDay.objects.filter(shown__gt=0).exists()
    assert f"History: 40 owners' year added: {active_days:,} active days" in out


def test_invitations_are_between_owners_who_had_signed_up_and_end_plausibly() -> None:
    # when
    seed()

    # then
    playdates = list(Playdate.objects.select_related("inviter", "invitee"))
    assert playdates
    for playdate in playdates:
        assert playdate.inviter.metro == playdate.invitee.metro
        assert playdate.created_at >= max(
            playdate.inviter.date_joined, playdate.invitee.date_joined
        )
        assert playdate.created_at <= NOW
        assert playdate.date_time > playdate.created_at
        assert playdate.pet_1.owner_id == playdate.inviter_id
        assert playdate.pet_2.owner_id == playdate.invitee_id
        if playdate.accepted_at is not None:
            assert playdate.created_at <= playdate.accepted_at < playdate.date_time
            assert playdate.accepted_at <= NOW
            assert playdate.status in {"accepted", "completed", "cancelled"}
        if playdate.status == PlaydateStatus.COMPLETED:
            assert playdate.date_time + timedelta(hours=2) <= NOW
        assert playdate.awaiting_user_id == (
            playdate.invitee_id if playdate.status == PlaydateStatus.PENDING else None
        )
    statuses = {playdate.status for playdate in playdates}
    assert {"completed", "declined"} <= statuses
    # The showcase logins keep only their demo playdates.
    showcase = Q()
    for number in range(1, SHOWCASE_OWNERS + 1):
        showcase |= Q(email__startswith="demo.", email__contains=f".{number}@")
    showcase_ids = set(User.objects.filter(showcase).values_list("pk", flat=True))
    demo_ones = Playdate.objects.filter(
        Q(inviter_id__in=showcase_ids) | Q(invitee_id__in=showcase_ids)
    )
    assert demo_ones.count() == 3 * len(METRO_NAMES)
    for message in Message.objects.select_related("playdate"):
        assert message.sender_id in {message.playdate.inviter_id, message.playdate.invitee_id}
        assert message.playdate.created_at <= message.created_at <= NOW


def test_a_second_run_adds_nothing() -> None:
    # given
    seed()
    before = history_snapshot()

    # when
    out = seed()

    # then
    assert history_snapshot() == before
    assert "History: every demo owner already has theirs." in out


def test_the_history_depends_only_on_the_seed() -> None:
    # given
    seed(seed=7)
    first = history_snapshot()
    for model in (ActiveDay, ActiveWeek, SuggestionDay, Message, Playdate, User):
        model.objects.all().delete()

    # when
    seed(seed=7)

    # then
    assert history_snapshot() == first


def test_owners_loaded_without_history_get_it_later_and_only_once() -> None:
    # given
    out = seed(history=False)
    assert "History" not in out
    assert not ActiveDay.objects.exists()

    # when
    seed()

    # then
    assert ActiveWeek.objects.filter(week=F("cohort")).count() == 40


def test_more_owners_add_only_the_new_owners_history() -> None:
    # given
    seed(owners=20)
    before = history_snapshot()

    # when
    out = seed(owners=40)

    # then
    after = history_snapshot()
    assert set(before["days"]) < set(after["days"])
    assert "History: 20 owners' year added" in out
    assert ActiveWeek.objects.filter(week=F("cohort")).count() == 40


def test_the_history_is_generated_the_same_every_time() -> None:
    paris = next(metro for metro in METROS if metro.slug == "paris")
    joins = [NOW - timedelta(days=300 - number) for number in range(1, 101)]

    first = demo_history(seed=1, metro=paris, number=50, joins=joins, now=NOW)

    assert demo_history(seed=1, metro=paris, number=50, joins=joins, now=NOW) == first
    assert demo_history(seed=2, metro=paris, number=50, joins=joins, now=NOW) != first
    assert first.active_days[0] == joins[49].date()


def test_the_engagement_figures_read_the_seeded_year() -> None:
    # given
    seed(owners=60)

    # when
    figures = engagement.engagement(
        start=NOW.date() - timedelta(days=364), end=NOW.date(), metro="paris", now=NOW
    )

    # then
    paris_owners = User.objects.filter(metro="paris", role="owner")
    assert sum(day["new_users"] for day in figures["days"]) == paris_owners.count()
    assert (
        sum(day["dau"] for day in figures["days"])
        == ActiveDay.objects.filter(metro="paris").count()
    )
    funnel = figures["funnel"]
    assert funnel["suggested"] > 0
    assert funnel["invited"] >= funnel["accepted"] >= funnel["completed"] > 0
    assert sum(cohort["size"] for cohort in figures["cohorts"]) == paris_owners.count()
