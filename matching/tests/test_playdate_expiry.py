"""Time's part in the state machine: a pending playdate whose time has passed is expired, an
accepted one 2 hours past its time is completed, on every read at once; the next write or
`manage.py expire_playdates` writes it down, with `playdate.updated` to both owners."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from accounts.tests.helpers import assert_error
from matching.models import Playdate
from matching.playdate_selectors import playdate_data
from matching.tests.playdate_helpers import (
    action_url,
    expected,
    in_days,
    invite,
    logged,
    playdate_url,
    playdates_state,
)

pytestmark = pytest.mark.django_db


def accepted(playdate):
    Playdate.objects.filter(pk=playdate.pk).update(status="accepted", awaiting_user=None)
    playdate.refresh_from_db()
    return playdate


def sweep():
    out = StringIO()
    call_command("expire_playdates", stdout=out)
    return out.getvalue()


def test_a_pending_playdate_reads_pending_until_its_time_then_expired(
    owner, client_for, mine, theirs
):
    # given
    playdate = invite(mine, theirs)

    # when
    with time_machine.travel(playdate.date_time - timedelta(seconds=1), tick=False):
        before_time = client_for(owner).get(playdate_url(playdate.pk)).json()
    with time_machine.travel(playdate.date_time, tick=False):
        at_time = client_for(owner).get(playdate_url(playdate.pk)).json()

    # then
    assert before_time == expected(playdate)
    assert at_time == expected(playdate, status="expired", awaiting_user_id=None)
    assert Playdate.objects.get().status == "pending"


def test_an_accepted_playdate_completes_two_hours_after_its_time(owner, client_for, mine, theirs):
    # given
    playdate = accepted(invite(mine, theirs))
    end = playdate.date_time + timedelta(hours=2)

    # when
    with time_machine.travel(end - timedelta(seconds=1), tick=False):
        during = client_for(owner).get(playdate_url(playdate.pk)).json()["status"]
    with time_machine.travel(end, tick=False):
        after = client_for(owner).get(playdate_url(playdate.pk)).json()["status"]

    # then
    assert (during, after) == ("accepted", "completed")


@pytest.mark.parametrize("action", ["accept", "decline", "cancel", "counter"])
def test_a_write_to_an_expired_playdate_is_conflict_and_writes_the_expiry_down(
    owner, friend, client_for, mine, theirs, action
):
    # given
    playdate = invite(mine, theirs)
    moment = playdate.date_time + timedelta(minutes=5)

    # when
    with time_machine.travel(moment, tick=False):
        payload = {"date_time": (moment + timedelta(days=1)).isoformat()}
        response = client_for(friend).post(
            action_url(playdate.pk, action), payload if action == "counter" else None, format="json"
        )

    # then: refused, but the expiry is now stored and both owners were told once
    assert_error(response, 409, "conflict", "This playdate is expired.")
    assert expected(playdate)["status"] == "expired"
    assert expected(playdate)["awaiting_user_id"] is None
    event = (2, "playdate.updated", {"playdate": playdate_data(playdate, now=moment)})
    assert logged(owner)[1:] == [event]
    assert logged(friend)[1:] == [event]


def test_cancelling_a_completed_playdate_is_conflict_and_writes_the_completion_down(
    owner, client_for, mine, theirs
):
    # given
    playdate = accepted(invite(mine, theirs))

    # when
    with time_machine.travel(playdate.date_time + timedelta(hours=3), tick=False):
        response = client_for(owner).post(action_url(playdate.pk, "cancel"))

    # then
    assert_error(response, 409, "conflict", "This playdate is completed.")
    assert Playdate.objects.get().status == "completed"
    assert [kind for _, kind, _ in logged(owner)] == ["playdate.invited", "playdate.updated"]


def test_the_sweep_writes_down_expiries_and_completions_and_tells_both_owners(
    owner, friend, mine, theirs, strays
):
    # given
    soon = invite(mine, theirs, in_days(1))
    finishing = accepted(invite(mine, theirs, in_days(1, hour=9)))
    later = invite(strays, theirs, in_days(3))
    moment = in_days(1) + timedelta(hours=1)

    # when
    with time_machine.travel(moment, tick=False):
        first = sweep()
        again = sweep()

    # then
    assert first == "2 playdates changed.\n"
    assert again == "0 playdates changed.\n"
    statuses = dict(Playdate.objects.values_list("pk", "status"))
    assert statuses == {soon.pk: "expired", finishing.pk: "completed", later.pk: "pending"}
    soon.refresh_from_db()
    finishing.refresh_from_db()
    for user in (owner, friend):
        updates = [(kind, data) for _, kind, data in logged(user) if kind == "playdate.updated"]
        assert updates == [
            ("playdate.updated", {"playdate": playdate_data(soon, now=moment)}),
            ("playdate.updated", {"playdate": playdate_data(finishing, now=moment)}),
        ]


def test_the_sweep_with_nothing_due_changes_nothing(mine, theirs):
    # given
    invite(mine, theirs)
    before = playdates_state()

    # when
    output = sweep()

    # then
    assert output == "0 playdates changed.\n"
    assert playdates_state() == before
