"""POST /api/v1/playdates/{id}/counter: another time (and place) from the awaited side."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.tests.helpers import assert_error
from matching.tests.playdate_helpers import (
    action_url,
    expected,
    in_days,
    invite,
    iso,
    logged,
    playdates_state,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def playdate(mine, theirs):
    return invite(
        mine,
        theirs,
        in_days(2),
        location_name="Prospect Park",
        latitude=40.66,
        longitude=-73.97,
        message="Saturday?",
    )


def counter_url(playdate):
    return action_url(playdate.pk, "counter")


def test_countering_moves_the_time_and_waits_for_the_inviter(owner, friend, client_for, playdate):
    # given
    when = in_days(3, hour=10)

    # when
    response = client_for(friend).post(
        counter_url(playdate), {"date_time": iso(when), "message": "Sunday instead?"}, format="json"
    )

    # then: the place stays, the message is the counter-offer's
    assert response.status_code == 200, response.json()
    assert response.json() == expected(
        playdate,
        status="pending",
        date_time=iso(when),
        location_name="Prospect Park",
        latitude=40.66,
        longitude=-73.97,
        message="Sunday instead?",
        awaiting_user_id=owner.pk,
    )
    event = {"playdate": response.json()}
    assert logged(owner)[-1] == (2, "playdate.updated", event)
    assert logged(friend)[-1] == (2, "playdate.updated", event)


def test_a_counter_without_a_message_clears_the_last_message(friend, client_for, playdate):
    response = client_for(friend).post(
        counter_url(playdate), {"date_time": iso(in_days(3))}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["message"] == ""


def test_a_new_place_name_without_coordinates_drops_the_old_coordinates(
    friend, client_for, playdate
):
    response = client_for(friend).post(
        counter_url(playdate),
        {"date_time": iso(in_days(3)), "location_name": "McCarren Park"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    answer = response.json()
    assert (answer["location_name"], answer["latitude"], answer["longitude"]) == (
        "McCarren Park",
        None,
        None,
    )


def test_a_new_place_with_coordinates(friend, client_for, playdate):
    response = client_for(friend).post(
        counter_url(playdate),
        {
            "date_time": iso(in_days(3)),
            "location_name": "McCarren Park",
            "latitude": 40.72,
            "longitude": -73.95,
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    answer = response.json()
    assert (answer["location_name"], answer["latitude"], answer["longitude"]) == (
        "McCarren Park",
        40.72,
        -73.95,
    )


def test_counter_offers_alternate_between_the_owners(owner, friend, client_for, playdate):
    # given
    first, second = in_days(3), in_days(4)
    assert (
        client_for(friend)
        .post(counter_url(playdate), {"date_time": iso(first)}, format="json")
        .status_code
        == 200
    )

    # when: the inviter counters back, then accepts nothing (the invitee now decides)
    response = client_for(owner).post(
        counter_url(playdate), {"date_time": iso(second)}, format="json"
    )

    # then
    assert response.status_code == 200, response.json()
    assert response.json()["awaiting_user_id"] == friend.pk
    assert response.json()["date_time"] == iso(second)
    assert client_for(friend).post(action_url(playdate.pk, "accept")).json()["status"] == (
        "accepted"
    )


def test_countering_with_a_time_in_the_past_is_conflict(friend, client_for, playdate):
    # given
    before = playdates_state()

    # when
    response = client_for(friend).post(
        counter_url(playdate), {"date_time": iso(timezone.now())}, format="json"
    )

    # then
    assert_error(response, 409, "conflict", "A playdate cannot be arranged in the past.")
    assert playdates_state() == before


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"date_time": ["This field is required."]}),
        ({"date_time": None}, {"date_time": ["This field may not be null."]}),
        ({"date_time": "soon"}, {"date_time": ["Use ISO 8601, e.g. 2030-06-01T15:00:00+02:00."]}),
        (
            {"date_time": "2030-06-01T15:00:00"},
            {"date_time": ["Give a UTC offset, e.g. +02:00 or Z."]},
        ),
        (
            {"date_time": "2030-06-01T15:00:00Z", "location_name": "x" * 121},
            {"location_name": ["Ensure this field has no more than 120 characters."]},
        ),
        (
            {"date_time": "2030-06-01T15:00:00Z", "message": "x" * 501},
            {"message": ["Ensure this field has no more than 500 characters."]},
        ),
        (
            {"date_time": "2030-06-01T15:00:00Z", "latitude": 91, "longitude": 0},
            {"latitude": ["Ensure this value is less than or equal to 90."]},
        ),
        (
            {"date_time": "2030-06-01T15:00:00Z", "latitude": 10},
            {"longitude": ["Give latitude and longitude together, or neither."]},
        ),
    ],
)
def test_bad_counter_input_is_a_validation_error(friend, client_for, playdate, payload, fields):
    # given
    before = playdates_state()

    # when
    response = client_for(friend).post(counter_url(playdate), payload, format="json")

    # then
    assert_error(response, 400, "validation_error", fields=fields)
    assert playdates_state() == before
