"""GET /api/v1/playdates/{id}/, and IDOR: another user's playdate is 404 on every route."""

from __future__ import annotations

import pytest

from accounts.tests.helpers import assert_error, assert_not_authenticated
from matching.tests.playdate_helpers import (
    ACTIONS,
    action_url,
    expected,
    in_days,
    invite,
    iso,
    playdate_url,
    playdates_state,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("participant", ["owner", "friend"])
def test_both_owners_see_the_playdate(request, client_for, mine, theirs, participant):
    # given
    playdate = invite(mine, theirs, location_name="Prospect Park", latitude=40.66, longitude=-74.0)

    # when
    response = client_for(request.getfixturevalue(participant)).get(playdate_url(playdate.pk))

    # then
    assert response.status_code == 200
    assert response.json() == expected(playdate)


def test_reading_one_playdate_costs_two_queries_with_both_pets(
    owner, client_for, mine, theirs, django_assert_max_num_queries
):
    # given
    playdate = invite(mine, theirs)
    client = client_for(owner)

    # when / then: authentication, and the playdate with both its pets
    with django_assert_max_num_queries(2):
        response = client.get(playdate_url(playdate.pk))
    assert (response.json()["pet_1"]["name"], response.json()["pet_2"]["name"]) == ("Rex", "Luna")


def test_moderators_are_not_participants(moderator, client_for, mine, theirs):
    playdate = invite(mine, theirs)

    response = client_for(moderator).get(playdate_url(playdate.pk))

    assert_error(response, 404, "not_found", "No such playdate.")


def test_an_unknown_playdate_is_not_found(owner, client_for):
    assert_error(client_for(owner).get(playdate_url(10**9)), 404, "not_found", "No such playdate.")


def test_reading_without_a_token_is_not_authenticated(api_client, mine, theirs):
    assert_not_authenticated(api_client.get(playdate_url(invite(mine, theirs).pk)))


ROUTES = [("get", None), *(("post", action) for action in ACTIONS)]


@pytest.mark.parametrize(("method", "action"), ROUTES)
def test_another_users_playdate_is_not_found_on_every_route_and_nothing_changes(
    stranger, client_for, mine, theirs, method, action
):
    # given
    playdate = invite(mine, theirs)
    before = playdates_state()
    url = playdate_url(playdate.pk) if action is None else action_url(playdate.pk, action)
    payload = {"date_time": iso(in_days(3))} if action == "counter" else None

    # when
    response = getattr(client_for(stranger), method)(url, payload, format="json")

    # then: exactly what an id that does not exist gets
    assert_error(response, 404, "not_found", "No such playdate.")
    assert playdates_state() == before
