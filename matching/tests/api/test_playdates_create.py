"""POST /api/v1/playdates/: one owner's pet invites another owner's pet."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Block
from accounts.tests.helpers import assert_error, assert_not_authenticated
from matching.models import Playdate
from matching.tests.playdate_helpers import (
    FIELDS,
    PLAYDATES_URL,
    expected,
    in_days,
    iso,
    logged,
    pet_for,
    playdates_state,
)
from pets import services as pet_services

pytestmark = pytest.mark.django_db


def body(inviting, invited, /, **fields):
    return {"from_pet": inviting.pk, "to_pet": invited.pk, "date_time": iso(in_days(2)), **fields}


def test_inviting_creates_a_pending_playdate_awaiting_the_invitee(
    owner, friend, client_for, mine, theirs
):
    # given
    when = in_days(3)

    # when
    response = client_for(owner).post(
        PLAYDATES_URL,
        {
            "from_pet": mine.pk,
            "to_pet": theirs.pk,
            "date_time": when.isoformat(),
            "location_name": "  Prospect Park, Long Meadow ",
            "latitude": 40.6602,
            "longitude": -73.969,
            "message": "Rex would love to meet Luna!",
        },
        format="json",
    )

    # then
    assert response.status_code == 201, response.json()
    playdate = Playdate.objects.get()
    assert set(response.json()) == FIELDS
    assert response.json() == expected(playdate)
    assert response.json() | {"id": 0, "created_at": "", "updated_at": ""} == {
        "id": 0,
        "pet_id_1": mine.pk,
        "pet_id_2": theirs.pk,
        "inviter_id": owner.pk,
        "invitee_id": friend.pk,
        "date_time": iso(when),
        "location_name": "Prospect Park, Long Meadow",
        "latitude": 40.6602,
        "longitude": -73.969,
        "message": "Rex would love to meet Luna!",
        "status": "pending",
        "awaiting_user_id": friend.pk,
        "created_at": "",
        "updated_at": "",
        "pet_1": {"id": mine.pk, "name": "Rex", "species": "dog"},
        "pet_2": {"id": theirs.pk, "name": "Luna", "species": "dog"},
    }


def test_optional_fields_default_to_empty(owner, client_for, mine, theirs):
    # when
    response = client_for(owner).post(PLAYDATES_URL, body(mine, theirs), format="json")

    # then
    assert response.status_code == 201, response.json()
    answer = response.json()
    assert (answer["location_name"], answer["latitude"], answer["longitude"]) == ("", None, None)
    assert answer["message"] == ""


def test_a_time_with_another_offset_is_the_same_moment(owner, client_for, mine, theirs):
    # given
    when = in_days(2)

    # when
    response = client_for(owner).post(
        PLAYDATES_URL,
        body(mine, theirs, date_time=when.astimezone(timezone.get_fixed_timezone(120)).isoformat()),
        format="json",
    )

    # then
    assert response.status_code == 201, response.json()
    assert response.json()["date_time"] == iso(when)
    assert Playdate.objects.get().date_time == when


def test_inviting_tells_both_owners_with_their_next_seq(owner, friend, client_for, mine, theirs):
    # when
    response = client_for(owner).post(PLAYDATES_URL, body(mine, theirs), format="json")

    # then
    assert response.status_code == 201
    event = {"playdate": response.json()}
    assert logged(owner) == [(1, "playdate.invited", event)]
    assert logged(friend) == [(1, "playdate.invited", event)]


def test_an_unauthenticated_invitation_is_refused(api_client, mine, theirs):
    # given
    before = playdates_state()

    # when
    response = api_client.post(PLAYDATES_URL, body(mine, theirs), format="json")

    # then
    assert_not_authenticated(response)
    assert playdates_state() == before


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"from_pet": None}, {"from_pet": ["This field may not be null."]}),
        ({"from_pet": "1"}, {"from_pet": ["A valid integer is required."]}),
        ({"from_pet": 1.5}, {"from_pet": ["A valid integer is required."]}),
        ({"from_pet": True}, {"from_pet": ["A valid integer is required."]}),
        ({"from_pet": 0}, {"from_pet": ["Ensure this value is greater than or equal to 1."]}),
        ({"to_pet": "x"}, {"to_pet": ["A valid integer is required."]}),
        ({"to_pet": [1]}, {"to_pet": ["A valid integer is required."]}),
        (
            {"date_time": 1893456000},
            {
                "date_time": [
                    "Datetime has wrong format. Use one of these formats instead: "
                    "ISO 8601 with a UTC offset."
                ]
            },
        ),
        (
            {"date_time": "tomorrow"},
            {"date_time": ["Use ISO 8601, e.g. 2030-06-01T15:00:00+02:00."]},
        ),
        (
            {"date_time": "2030-02-30T10:00:00Z"},
            {"date_time": ["Use ISO 8601, e.g. 2030-06-01T15:00:00+02:00."]},
        ),
        (
            {"date_time": "2030-06-01T15:00:00"},
            {"date_time": ["Give a UTC offset, e.g. +02:00 or Z."]},
        ),
        ({"location_name": 12}, {"location_name": ["Not a valid string."]}),
        (
            {"location_name": "x" * 121},
            {"location_name": ["Ensure this field has no more than 120 characters."]},
        ),
        (
            {"message": "x" * 501},
            {"message": ["Ensure this field has no more than 500 characters."]},
        ),
        ({"message": None}, {"message": ["This field may not be null."]}),
        (
            {"latitude": 90.5, "longitude": 0},
            {"latitude": ["Ensure this value is less than or equal to 90."]},
        ),
        (
            {"latitude": -91, "longitude": 0},
            {"latitude": ["Ensure this value is greater than or equal to -90."]},
        ),
        (
            {"latitude": 0, "longitude": 180.01},
            {"longitude": ["Ensure this value is less than or equal to 180."]},
        ),
        (
            {"latitude": 0, "longitude": -181},
            {"longitude": ["Ensure this value is greater than or equal to -180."]},
        ),
        ({"latitude": "40.1", "longitude": 0}, {"latitude": ["A valid number is required."]}),
        ({"latitude": 40.1}, {"longitude": ["Give latitude and longitude together, or neither."]}),
        (
            {"longitude": 40.1, "latitude": None},
            {"latitude": ["Give latitude and longitude together, or neither."]},
        ),
    ],
)
def test_bad_input_is_a_validation_error_naming_the_field(
    owner, client_for, mine, theirs, change, fields
):
    # given
    before = playdates_state()

    # when
    response = client_for(owner).post(PLAYDATES_URL, body(mine, theirs, **change), format="json")

    # then
    assert_error(response, 400, "validation_error", fields=fields)
    assert playdates_state() == before


@pytest.mark.parametrize("missing", ["from_pet", "to_pet", "date_time"])
def test_each_required_field_is_required(owner, client_for, mine, theirs, missing):
    # given
    payload = body(mine, theirs)
    del payload[missing]

    # when
    response = client_for(owner).post(PLAYDATES_URL, payload, format="json")

    # then
    assert_error(response, 400, "validation_error", fields={missing: ["This field is required."]})
    assert not Playdate.objects.exists()


def test_a_body_that_is_not_an_object_is_a_validation_error(owner, client_for):
    response = client_for(owner).post(PLAYDATES_URL, [1, 2], format="json")

    message = "Invalid data. Expected a dictionary, but got list."
    assert_error(response, 400, "validation_error", message, {"non_field_errors": [message]})
    assert not Playdate.objects.exists()


@pytest.mark.parametrize("ago", [timedelta(seconds=1), timedelta(days=1)])
def test_a_time_in_the_past_is_conflict(owner, client_for, mine, theirs, ago):
    # given
    before = playdates_state()

    # when
    response = client_for(owner).post(
        PLAYDATES_URL,
        body(mine, theirs, date_time=iso(timezone.now() - ago)),
        format="json",
    )

    # then
    assert_error(response, 409, "conflict", "A playdate cannot be arranged in the past.")
    assert playdates_state() == before


def test_a_time_more_than_a_year_ahead_is_a_validation_error(owner, client_for, mine, theirs):
    response = client_for(owner).post(
        PLAYDATES_URL, body(mine, theirs, date_time=iso(in_days(367))), format="json"
    )

    assert_error(
        response,
        400,
        "validation_error",
        fields={"date_time": ["Must be within a year from now."]},
    )
    assert not Playdate.objects.exists()


def test_inviting_your_own_pet_is_a_validation_error_naming_to_pet(owner, client_for, mine):
    # given
    other_of_mine = pet_for(owner)
    before = playdates_state()

    # when
    response = client_for(owner).post(PLAYDATES_URL, body(mine, other_of_mine), format="json")

    # then
    assert_error(
        response,
        400,
        "validation_error",
        fields={"to_pet": ["Invite another owner's pet, not your own."]},
    )
    assert playdates_state() == before


def test_a_pet_inviting_itself_is_a_validation_error(owner, client_for, mine):
    response = client_for(owner).post(PLAYDATES_URL, body(mine, mine), format="json")

    assert_error(
        response,
        400,
        "validation_error",
        fields={"to_pet": ["Invite another owner's pet, not your own."]},
    )
    assert not Playdate.objects.exists()


def test_inviting_from_another_owners_pet_is_not_found(owner, stranger, client_for, theirs, strays):
    # given
    before = playdates_state()

    # when: the owner names the stranger's pet as the inviting pet
    response = client_for(owner).post(PLAYDATES_URL, body(strays, theirs), format="json")

    # then
    assert_error(response, 404, "not_found", "No such pet of yours.")
    assert playdates_state() == before


def test_inviting_from_a_retired_pet_is_not_found(owner, client_for, mine, theirs):
    # given
    pet_services.pet_deactivate(pet=mine)

    # when
    response = client_for(owner).post(PLAYDATES_URL, body(mine, theirs), format="json")

    # then
    assert_error(response, 404, "not_found", "No such pet of yours.")
    assert not Playdate.objects.exists()


def test_inviting_an_unknown_pet_is_not_found(owner, client_for, mine):
    response = client_for(owner).post(
        PLAYDATES_URL,
        {"from_pet": mine.pk, "to_pet": 10**9, "date_time": iso(in_days(2))},
        format="json",
    )

    assert_error(response, 404, "not_found", "No such pet.")
    assert not Playdate.objects.exists()


def test_inviting_a_retired_pet_is_not_found(owner, client_for, mine, theirs):
    # given
    pet_services.pet_deactivate(pet=theirs)

    # when
    response = client_for(owner).post(PLAYDATES_URL, body(mine, theirs), format="json")

    # then
    assert_error(response, 404, "not_found", "No such pet.")
    assert not Playdate.objects.exists()


def test_inviting_a_pet_of_a_suspended_owner_is_not_found(owner, friend, client_for, mine, theirs):
    # given
    friend.suspended_at = timezone.now()
    friend.save(update_fields=["suspended_at"])

    # when
    response = client_for(owner).post(PLAYDATES_URL, body(mine, theirs), format="json")

    # then
    assert_error(response, 404, "not_found", "No such pet.")
    assert not Playdate.objects.exists()


@pytest.mark.parametrize("who_blocks", ["inviter", "invitee"])
def test_inviting_across_a_block_either_way_is_not_found_so_the_block_does_not_leak(
    owner, friend, client_for, mine, theirs, who_blocks
):
    # given
    blocker, blocked = (owner, friend) if who_blocks == "inviter" else (friend, owner)
    Block.objects.create(blocker=blocker, blocked=blocked)
    before = playdates_state()

    # when
    response = client_for(owner).post(PLAYDATES_URL, body(mine, theirs), format="json")

    # then: the same answer as for a pet that does not exist
    assert_error(response, 404, "not_found", "No such pet.")
    assert playdates_state() == before
    assert logged(owner) == []
    assert logged(friend) == []


def test_inviting_past_the_hourly_limit_is_rate_limited_and_creates_nothing(
    owner, client_for, mine, theirs, settings
):
    # given: a limit of 3 invitations an hour, all used
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "playdate_invite": (3, 3600)}
    client = client_for(owner)
    for day in range(3):
        sent = client.post(
            PLAYDATES_URL, body(mine, theirs, date_time=iso(in_days(day + 1))), format="json"
        )
        assert sent.status_code == 201, sent.json()

    # when
    response = client.post(PLAYDATES_URL, body(mine, theirs), format="json")

    # then
    assert response.status_code == 429, response.json()
    assert response.json()["error"]["code"] == "rate_limited"
    assert int(response["Retry-After"]) > 0
    assert Playdate.objects.count() == 3
