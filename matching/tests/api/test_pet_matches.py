"""GET /api/v1/pets/{id}/matches: suggestions for one of the caller's pets, best first."""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.tests.helpers import assert_error, assert_not_authenticated
from matching import algorithm, selectors
from matching.tests.helpers import (
    HOME,
    keys_anywhere,
    matches_url,
    matching_state,
    offset,
    owner_at,
    pet_of,
    place,
    prefer,
)
from pets import services as pet_services
from pets.tests.factories import PetFactory
from pets.tests.helpers import public_profile

pytestmark = pytest.mark.django_db

ISO_8601_WITH_OFFSET = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


def at(make_user, email, latitude, longitude, **fields):
    return make_user(email=email, latitude=latitude, longitude=longitude, **fields)


def suggested_pet_ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [suggestion["pet"]["id"] for suggestion in response.json()["results"]]


def test_a_compatible_pet_nearby_is_suggested_with_reasons(owner, make_user, client_for):
    # given
    owner.latitude, owner.longitude = HOME
    owner.save()
    mine = PetFactory.create(owner=owner)
    neighbour = at(make_user, "n@example.com", 40.6702, -73.9690)  # ~1.1 km north
    theirs = PetFactory.create(owner=neighbour, name="Rex")

    # when
    response = client_for(owner).get(matches_url(mine.pk))

    # then
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == {"results", "next"}
    assert body["next"] is None
    [suggestion] = body["results"]
    assert set(suggestion) == {"pet", "owner", "distance_km", "score", "reasons", "suggested_slots"}
    assert suggestion["pet"] == public_profile(theirs)
    assert suggestion["owner"] == {"id": neighbour.pk, "username": neighbour.username}
    assert suggestion["distance_km"] == 1.0
    assert 0 <= suggestion["score"] <= 1
    assert set(suggestion["reasons"]) == set(algorithm.WEIGHTS)
    for reason in suggestion["reasons"].values():
        assert set(reason) == {"value", "weight", "points", "detail"}
    assert suggestion["reasons"]["distance"]["detail"] == "1 km away"
    assert suggestion["reasons"]["size"]["detail"] == "both medium size"
    assert "latitude" not in str(body)
    assert len(suggestion["suggested_slots"]) == 3


def test_the_reasons_points_add_up_to_the_score_exactly(owner, make_user, client_for):
    # given: neighbours with different sizes, energy, ages and temperaments
    mine = pet_of(place(owner, HOME), temperament=["shy", "calm"], age=5)
    for km, size, energy, age, temperament in [
        (0.3, "small", "low", 1, ["dominant"]),
        (1.7, "large", "medium", 9, ["gentle"]),
        (3.2, "medium", "high", 5, ["anxious"]),
    ]:
        neighbour = place(make_user(), offset(km, 0.0))
        pet_of(neighbour, size=size, energy=energy, age=age, temperament=temperament)

    # when
    response = client_for(owner).get(matches_url(mine.pk))

    # then
    results = response.json()["results"]
    assert len(results) == 3
    for suggestion in results:
        points = sum(Decimal(str(reason["points"])) for reason in suggestion["reasons"].values())
        assert points == Decimal(str(suggestion["score"]))
        assert 0 <= suggestion["score"] <= 1


def test_suggestions_come_best_first_and_at_most_limit(owner, make_user, client_for):
    # given: eight neighbours, nearer ones not always better
    mine = pet_of(place(owner, HOME), size="medium", energy="medium", age=4)
    for index, (size, energy, age) in enumerate(
        [
            ("large", "low", 12),
            ("medium", "medium", 4),
            ("small", "high", 1),
            ("medium", "low", 6),
            ("large", "medium", 4),
            ("medium", "medium", 3),
            ("small", "low", 9),
            ("medium", "high", 5),
        ]
    ):
        neighbour = place(make_user(), offset(0.6 + 0.7 * index, 0.3 * index))
        pet_of(neighbour, size=size, energy=energy, age=age)
    client = client_for(owner)

    # when
    everyone = client.get(matches_url(mine.pk, limit=50)).json()["results"]
    best_five = client.get(matches_url(mine.pk, limit=5)).json()["results"]

    # then
    assert len(everyone) == 8
    scores = [suggestion["score"] for suggestion in everyone]
    assert scores == sorted(scores, reverse=True)
    distances = [suggestion["distance_km"] for suggestion in everyone]
    assert distances != sorted(distances)
    assert [s["pet"]["id"] for s in best_five] == [s["pet"]["id"] for s in everyone[:5]]


def test_limit_defaults_to_20(owner, make_user, client_for):
    # given
    mine = pet_of(place(owner, HOME))
    for index in range(25):
        pet_of(place(make_user(), offset(0.1 * index, 0.0)))

    # when
    response = client_for(owner).get(matches_url(mine.pk))

    # then
    assert len(suggested_pet_ids(response)) == 20


@pytest.mark.parametrize(("limit", "shown"), [(1, 1), (3, 3), (50, 4)])
def test_limit_caps_the_number_of_suggestions(owner, make_user, client_for, limit, shown):
    # given
    mine = pet_of(place(owner, HOME))
    for index in range(4):
        pet_of(place(make_user(), offset(0.5 + index, 0.0)))

    # when
    response = client_for(owner).get(matches_url(mine.pk, limit=limit))

    # then
    assert len(suggested_pet_ids(response)) == shown


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        ("0", "Ensure this value is greater than or equal to 1."),
        ("-1", "Ensure this value is greater than or equal to 1."),
        ("51", "Ensure this value is less than or equal to 50."),
        ("abc", "A valid integer is required."),
        ("2.5", "A valid integer is required."),
    ],
)
def test_a_limit_outside_1_to_50_is_a_validation_error(owner, friend, client_for, limit, message):
    # given
    mine = pet_of(place(owner, HOME))
    neighbour_pet = pet_of(place(friend, offset(1.0, 0.0)))
    before = matching_state()

    # when
    response = client_for(owner).get(matches_url(mine.pk, limit=limit))

    # then
    assert_error(response, 400, "validation_error", fields={"limit": [message]})
    assert str(neighbour_pet.pk) not in json.dumps(response.json())
    assert matching_state() == before


@pytest.mark.parametrize("whose", ["another-users", "inactive", "unknown"])
def test_only_the_callers_own_active_pet_gets_suggestions(
    owner, friend, stranger, client_for, whose
):
    # given: a pet that would have suggestions, were it the caller's and active
    mine = pet_of(place(owner, HOME))
    place(friend, offset(1.0, 0.0))
    their_pet = pet_of(friend)
    pet_of(place(stranger, offset(2.0, 0.0)))
    if whose == "inactive":
        pet_services.pet_deactivate(pet=mine)
    pet_id = {"another-users": their_pet.pk, "inactive": mine.pk, "unknown": 999_999}[whose]
    before = matching_state()

    # when
    response = client_for(owner).get(matches_url(pet_id))

    # then
    assert_error(response, 404, "not_found")
    assert matching_state() == before


def test_an_owner_without_a_location_is_a_conflict(owner, friend, client_for):
    # given
    mine = pet_of(place(owner, None))
    pet_of(place(friend, HOME))
    before = matching_state()

    # when
    response = client_for(owner).get(matches_url(mine.pk))

    # then
    assert_error(
        response,
        409,
        "conflict",
        message="Set your location on your profile to get suggestions for your pets.",
    )
    assert matching_state() == before


def test_suggestions_require_authentication(api_client, owner):
    # given
    mine = pet_of(place(owner, HOME))
    before = matching_state()

    # when
    response = api_client.get(matches_url(mine.pk))

    # then
    assert_not_authenticated(response)
    assert matching_state() == before


def test_distances_are_rounded_to_half_a_kilometre_and_never_below_it(owner, make_user, client_for):
    # given: neighbours at known distances due north
    mine = pet_of(place(owner, HOME))
    shown_for = {}
    for km, shown in [(0.0, 0.5), (0.1, 0.5), (0.6, 0.5), (0.8, 1.0), (2.2, 2.0), (2.3, 2.5)]:
        shown_for[pet_of(place(make_user(), offset(km, 0.0))).pk] = shown
    shown_for[pet_of(place(make_user(), offset(0.0, 7.9))).pk] = 8.0

    # when
    response = client_for(owner).get(matches_url(mine.pk))

    # then
    results = response.json()["results"]
    assert {s["pet"]["id"]: s["distance_km"] for s in results} == shown_for
    for suggestion in results:
        assert (
            suggestion["reasons"]["distance"]["detail"] == f"{suggestion['distance_km']:g} km away"
        )


def test_nobodys_coordinates_appear_anywhere_in_the_answer(owner, make_user, client_for):
    # given: a neighbour at distinctive coordinates 100 m away, with a location name
    mine = pet_of(place(owner, (40.6602137, -73.9690419)))
    neighbour_point = offset(0.1, 0.0, origin=(40.6602137, -73.9690419))
    neighbour = owner_at(neighbour_point, location="Park Slope, Brooklyn")
    theirs = pet_of(neighbour)

    # when
    response = client_for(owner).get(matches_url(mine.pk))

    # then
    text = response.content.decode()
    [suggestion] = response.json()["results"]
    assert suggestion["pet"]["id"] == theirs.pk
    assert suggestion["distance_km"] == 0.5
    assert suggestion["owner"] == {"id": neighbour.pk, "username": neighbour.username}
    assert keys_anywhere(response.json()).isdisjoint({"latitude", "longitude", "location"})
    assert "Park Slope" not in text
    for coordinate in [*neighbour_point, 40.6602137, -73.9690419]:
        assert repr(coordinate) not in text
        assert f"{coordinate:.4f}" not in text


def test_suggested_slots_are_upcoming_times_with_an_offset(owner, make_user, client_for):
    # given: one neighbour free all week, one free only on weekend afternoons, one never
    # free when I am
    mine = pet_of(place(owner, HOME))
    all_week = pet_of(place(make_user(), offset(1.0, 0.0)))
    weekends = pet_of(place(make_user(), offset(2.0, 0.0)))
    prefer(weekends, availability=[{"weekday": 5, "start": "13:00", "end": "17:00"}])
    never = pet_of(place(make_user(), offset(3.0, 0.0)))
    prefer(mine, availability=[{"weekday": d, "start": "08:00", "end": "20:00"} for d in range(6)])
    prefer(never, availability=[{"weekday": 6, "start": "08:00", "end": "20:00"}])
    before = timezone.now()

    # when
    response = client_for(owner).get(matches_url(mine.pk))

    # then
    slots = {s["pet"]["id"]: s["suggested_slots"] for s in response.json()["results"]}
    assert set(slots) == {all_week.pk, weekends.pk, never.pk}
    assert len(slots[all_week.pk]) == 3
    assert 2 <= len(slots[weekends.pk]) <= 3
    assert slots[never.pk] == []
    for times in slots.values():
        for text in times:
            assert ISO_8601_WITH_OFFSET.fullmatch(text), text
        starts = [datetime.fromisoformat(text) for text in times]
        assert all(start > before for start in starts)
        assert starts == sorted(starts)
    assert all(
        datetime.fromisoformat(text).astimezone(ZoneInfo("America/New_York")).weekday() == 5
        for text in slots[weekends.pk]
    )


@pytest.mark.parametrize("candidates", [3, 30])
@pytest.mark.parametrize("cached", [False, True], ids=["computed", "cached"])
def test_the_query_count_does_not_grow_with_the_candidates(
    owner, make_user, client_for, django_assert_num_queries, settings, candidates, cached
):
    # given
    settings.MATCHES_CACHE = cached
    mine = pet_of(place(owner, HOME))
    for index in range(candidates):
        pet_of(place(make_user(), offset(0.1 * index, 0.05 * index)))
    client = client_for(owner)

    # when / then: computed, the token's user and session, the caller's pet with its
    # preferences and location, and the candidates (on PostgreSQL one call of the candidate
    # function); to be kept, also the counters it depends on, in a savepoint (a transaction of
    # its own outside tests)
    with django_assert_num_queries(6 if cached else 3):
        response = client.get(matches_url(mine.pk, limit=50))
    assert len(suggested_pet_ids(response)) == candidates
    # and served again from the cache: the token's user and session, and the counters
    with django_assert_num_queries(2 if cached else 3):
        again = client.get(matches_url(mine.pk, limit=50))
    assert again.json() == response.json()


@pytest.mark.django_db(transaction=True)
def test_the_planner_switches_do_not_outlive_the_candidate_query(owner, client_for):
    # given: an outer transaction, as a future service recording suggestions would have
    owner.latitude, owner.longitude = HOME
    owner.save()
    mine = PetFactory.create(owner=owner)

    with transaction.atomic():
        # when
        selectors.pet_matches(owner=owner, pet_id=mine.pk, limit=20, now=timezone.now())

        # then
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('enable_sort'), current_setting('enable_bitmapscan')"
            )
            assert cursor.fetchone() == ("on", "on")
