"""The playdate state machine, every action by every actor in every state, through the API.

ALLOWED lists each permitted (state, action, actor) and where it leads; every other combination
of a participant is a 409 conflict that changes nothing and records nothing, and a stranger gets
404 everywhere (no existence leak).
"""

from __future__ import annotations

import itertools

import pytest

from accounts.tests.helpers import assert_error
from matching.models import Playdate
from matching.tests.playdate_helpers import (
    ACTIONS,
    action_url,
    expected,
    in_days,
    invite,
    iso,
    logged,
    playdates_state,
)

pytestmark = pytest.mark.django_db

STATES = (
    "pending awaiting invitee",
    "pending awaiting inviter",
    "accepted",
    "declined",
    "cancelled",
    "expired",
    "completed",
)
ACTORS = ("inviter", "invitee")

# (state, action, actor) -> (status after, whose answer is awaited after)
ALLOWED = {
    ("pending awaiting invitee", "accept", "invitee"): ("accepted", None),
    ("pending awaiting invitee", "decline", "invitee"): ("declined", None),
    ("pending awaiting invitee", "counter", "invitee"): ("pending", "inviter"),
    ("pending awaiting invitee", "cancel", "invitee"): ("cancelled", None),
    ("pending awaiting invitee", "cancel", "inviter"): ("cancelled", None),
    ("pending awaiting inviter", "accept", "inviter"): ("accepted", None),
    ("pending awaiting inviter", "decline", "inviter"): ("declined", None),
    ("pending awaiting inviter", "counter", "inviter"): ("pending", "invitee"),
    ("pending awaiting inviter", "cancel", "invitee"): ("cancelled", None),
    ("pending awaiting inviter", "cancel", "inviter"): ("cancelled", None),
    ("accepted", "cancel", "inviter"): ("cancelled", None),
    ("accepted", "cancel", "invitee"): ("cancelled", None),
}
REFUSED = sorted(set(itertools.product(STATES, ACTIONS, ACTORS)) - set(ALLOWED))

COUNTER_TIME = in_days(5, hour=11)


@pytest.fixture
def people(owner, friend, stranger):
    return {"inviter": owner, "invitee": friend, "stranger": stranger}


def playdate_in(state, mine, theirs, people):
    """A playdate from `mine` to `theirs` in `state` (set directly: the transitions into it are
    tested here too)."""
    playdate = invite(mine, theirs, in_days(2))
    if state == "pending awaiting inviter":
        changes = {"awaiting_user": people["inviter"]}
    elif state != "pending awaiting invitee":
        changes = {"status": state, "awaiting_user": None}
    else:
        changes = {}
    Playdate.objects.filter(pk=playdate.pk).update(**changes)
    playdate.refresh_from_db()
    return playdate


def act(client, playdate, action):
    payload = {"date_time": iso(COUNTER_TIME)} if action == "counter" else None
    return client.post(action_url(playdate.pk, action), payload, format="json")


@pytest.mark.parametrize(("state", "action", "actor"), sorted(ALLOWED))
def test_allowed_transitions(client_for, people, mine, theirs, state, action, actor):
    # given
    playdate = playdate_in(state, mine, theirs, people)
    before = {role: logged(people[role]) for role in ACTORS}

    # when
    response = act(client_for(people[actor]), playdate, action)

    # then
    assert response.status_code == 200, response.json()
    status, awaiting = ALLOWED[(state, action, actor)]
    changes = {"date_time": iso(COUNTER_TIME)} if action == "counter" else {}
    assert response.json() == expected(
        playdate,
        status=status,
        awaiting_user_id=people[awaiting].pk if awaiting else None,
        **changes,
    )
    event = {"playdate": response.json()}
    for role in ACTORS:
        seq = len(before[role]) + 1
        assert logged(people[role]) == [*before[role], (seq, "playdate.updated", event)]


@pytest.mark.parametrize(("state", "action", "actor"), REFUSED)
def test_refused_transitions_are_conflict_and_change_nothing(
    client_for, people, mine, theirs, state, action, actor
):
    # given
    playdate = playdate_in(state, mine, theirs, people)
    before = playdates_state()

    # when
    response = act(client_for(people[actor]), playdate, action)

    # then
    assert_error(response, 409, "conflict")
    assert playdates_state() == before


@pytest.mark.parametrize(("state", "action"), list(itertools.product(STATES, ACTIONS)))
def test_a_stranger_gets_not_found_in_every_state_and_changes_nothing(
    client_for, people, mine, theirs, state, action
):
    # given
    playdate = playdate_in(state, mine, theirs, people)
    before = playdates_state()

    # when
    response = act(client_for(people["stranger"]), playdate, action)

    # then
    assert_error(response, 404, "not_found", "No such playdate.")
    assert playdates_state() == before


def test_the_table_covers_every_combination():
    assert len(ALLOWED) + len(REFUSED) == len(STATES) * len(ACTIONS) * len(ACTORS)
    assert len(REFUSED) == 44
