"""The hard filters of `matching.selectors.pet_matches`: who is never suggested.

Each filter has an example where it keeps a pet out and a control where that one condition is
flipped and the pet comes back; a property test then checks random populations against an
independent oracle (`helpers.expected_suggestions`).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Block
from matching import algorithm, selectors
from matching.models import Pass
from matching.tests.helpers import (
    HOME,
    block_url,
    check_random_populations,
    matches_url,
    offset,
    pet_of,
    place,
    prefer,
    suggested_ids,
)
from pets import services as pet_services

pytestmark = pytest.mark.django_db

EXCLUDED_OR_NOT = pytest.mark.parametrize("suggested", [False, True], ids=["excluded", "control"])


def neighbour_pet(user: Any, km: float = 1.0, **traits: Any) -> Any:
    """A pet of `user`, placed `km` north of HOME."""
    return pet_of(place(user, offset(km, 0.0)), **traits)


# --- the pet itself and its owner's other pets ---------------------------------------------


@pytest.mark.parametrize("sibling_owner", ["owner", "friend"])
def test_a_pet_never_sees_itself_or_its_owners_other_pets(owner, friend, stranger, sibling_owner):
    # given: the owner's second pet, or (control) the same pet at the same spot but a friend's
    mine = pet_of(place(owner, HOME))
    place(friend, HOME)
    sibling = pet_of(owner if sibling_owner == "owner" else friend)
    witness = neighbour_pet(stranger)

    # when
    suggested = suggested_ids(mine)

    # then
    if sibling_owner == "owner":
        assert suggested == [witness.pk]
    else:
        assert sorted(suggested) == sorted([sibling.pk, witness.pk])


# --- reach ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("my_reach_km", "suggested"), [(5.0, False), (7.0, True)])
def test_a_pet_beyond_my_max_distance_is_not_suggested(owner, friend, my_reach_km, suggested):
    # given: their pet 6 km away; they would go 50 km
    mine = pet_of(place(owner, HOME), reach_km=my_reach_km)
    theirs = neighbour_pet(friend, km=6.0, reach_km=50.0)

    # when / then
    assert suggested_ids(mine) == ([theirs.pk] if suggested else [])


@pytest.mark.parametrize(("their_reach_km", "suggested"), [(5.0, False), (7.0, True)])
def test_a_pet_whose_owner_would_not_come_this_far_is_not_suggested(
    owner, friend, their_reach_km, suggested
):
    # given: their pet 6 km away; I would go 50 km
    mine = pet_of(place(owner, HOME), reach_km=50.0)
    theirs = neighbour_pet(friend, km=6.0, reach_km=their_reach_km)

    # when / then
    assert suggested_ids(mine) == ([theirs.pk] if suggested else [])


def test_pets_whose_owners_would_not_come_do_not_crowd_out_those_who_would(owner, make_user):
    # given: more than a fetch's worth of pets 1 km away whose owners go only 0.5 km, and
    # beyond them one pet whose owner would come
    mine = pet_of(place(owner, HOME), reach_km=50.0)
    for _ in range(selectors.MIN_FETCH + 1):
        pet_of(place(make_user(), offset(1.0, 0.0)), reach_km=0.5)
    willing = pet_of(place(make_user(), offset(3.0, 0.0)), reach_km=50.0)

    # when / then
    assert suggested_ids(mine, limit=1) == [willing.pk]


BEARINGS = [(1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (-1.0, 1.0), (-1.0, 0.0), (-1.0, -1.0)]


@pytest.mark.parametrize(
    "home",
    [HOME, (78.2232, 15.6267), (-33.8688, 151.2093)],
    ids=["brooklyn", "longyearbyen", "sydney"],
)
def test_reach_is_a_circle_in_every_direction(owner, make_user, home):
    # given: pets just inside (4.9 km) and just outside (5.1 km) a 5 km reach, all round
    mine = pet_of(place(owner, home), reach_km=5.0)
    inside: list[int] = []
    outside: list[int] = []
    for north, east in BEARINGS:
        for km, bucket in ((4.9, inside), (5.1, outside)):
            scale = km / (north**2 + east**2) ** 0.5
            neighbour = place(make_user(), offset(north * scale, east * scale, origin=home))
            assert neighbour.latitude is not None
            assert neighbour.longitude is not None
            true_km = algorithm.haversine_km(
                home[0], home[1], neighbour.latitude, neighbour.longitude
            )
            assert abs(true_km - km) < 0.01
            bucket.append(pet_of(neighbour).pk)

    # when
    suggested = suggested_ids(mine)

    # then
    assert sorted(suggested) == sorted(inside)


# --- what I want of them, and what they want of me ------------------------------------------

# (their pet's traits, my wishes, suggested)
MY_WISHES = [
    pytest.param({"species": "cat"}, {"species": ["dog"]}, False, id="species-excluded"),
    pytest.param({"species": "cat"}, {"species": ["dog", "cat"]}, True, id="species-control"),
    pytest.param({"size": "large"}, {"sizes": ["small", "medium"]}, False, id="size-excluded"),
    pytest.param({"size": "large"}, {"sizes": ["large"]}, True, id="size-control"),
    pytest.param({"energy": "low"}, {"energy": ["medium", "high"]}, False, id="energy-excluded"),
    pytest.param({"energy": "low"}, {"energy": ["low", "high"]}, True, id="energy-control"),
    pytest.param({"age": 3}, {"min_age": 4, "max_age": 10}, False, id="age-below-min"),
    pytest.param({"age": 4}, {"min_age": 4, "max_age": 10}, True, id="age-at-min"),
    pytest.param({"age": 10}, {"min_age": 4, "max_age": 10}, True, id="age-at-max"),
    pytest.param({"age": 11}, {"min_age": 4, "max_age": 10}, False, id="age-above-max"),
    pytest.param(
        {"vaccinated": False}, {"require_vaccinated": True}, False, id="vaccination-excluded"
    ),
    pytest.param(
        {"vaccinated": False}, {"require_vaccinated": False}, True, id="vaccination-control"
    ),
    pytest.param({"vaccinated": True}, {"require_vaccinated": True}, True, id="vaccinated-control"),
]


@pytest.mark.parametrize(("their_traits", "my_wishes", "suggested"), MY_WISHES)
def test_a_pet_outside_my_preferences_is_not_suggested(
    owner, friend, their_traits, my_wishes, suggested
):
    # given: they would meet any pet; I narrow one wish
    mine = pet_of(place(owner, HOME))
    prefer(mine, **my_wishes)
    theirs = neighbour_pet(friend, **their_traits)

    # when / then
    assert suggested_ids(mine) == ([theirs.pk] if suggested else [])


@pytest.mark.parametrize(("my_traits", "their_wishes", "suggested"), MY_WISHES)
def test_a_pet_whose_preferences_leave_me_out_is_not_suggested(
    owner, friend, my_traits, their_wishes, suggested
):
    # given: I would meet any pet; they narrow one wish, and my pet is on its edge
    mine = pet_of(place(owner, HOME), **my_traits)
    theirs = neighbour_pet(friend)
    prefer(theirs, **their_wishes)

    # when / then
    assert suggested_ids(mine) == ([theirs.pk] if suggested else [])


def test_a_pet_that_wants_nothing_is_never_suggested_nor_sees_anyone(owner, friend):
    # given: an owner who unticked every species
    mine = pet_of(place(owner, HOME))
    theirs = neighbour_pet(friend)
    prefer(theirs, species=[])

    # when / then
    assert suggested_ids(mine) == []
    assert suggested_ids(theirs) == []


# --- passes -----------------------------------------------------------------------------------


@EXCLUDED_OR_NOT
def test_a_passed_pet_is_not_suggested_to_the_pet_that_passed(owner, friend, suggested):
    # given: two pets of mine; one of them passed on their pet (or, control, did not)
    mine = pet_of(place(owner, HOME))
    my_other = pet_of(owner)
    theirs = neighbour_pet(friend)
    if not suggested:
        Pass.objects.create(pet=mine, other=theirs)

    # when / then: a pass is per pet, my other pet still sees theirs
    assert suggested_ids(mine) == ([theirs.pk] if suggested else [])
    assert suggested_ids(my_other) == [theirs.pk]


# --- blocks -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("blocker", "blocked", "suggested"),
    [
        ("owner", "friend", False),
        ("friend", "owner", False),
        ("friend", "stranger", True),
        ("stranger", "owner", True),
    ],
    ids=[
        "i-blocked-them",
        "they-blocked-me",
        "they-blocked-someone-else",
        "someone-else-blocked-me",
    ],
)
def test_pets_of_users_either_side_blocked_are_not_suggested(
    owner, friend, stranger, blocker, blocked, suggested
):
    # given
    users = {"owner": owner, "friend": friend, "stranger": stranger}
    mine = pet_of(place(owner, HOME))
    theirs = neighbour_pet(friend)
    Block.objects.create(blocker=users[blocker], blocked=users[blocked])

    # when / then: and blocks hide both ways, so their pet does not see mine either
    assert suggested_ids(mine) == ([theirs.pk] if suggested else [])
    assert suggested_ids(theirs) == ([mine.pk] if suggested else [])


def test_a_block_and_an_unblock_take_effect_on_the_very_next_query(owner, friend, client_for):
    # given
    mine = pet_of(place(owner, HOME))
    theirs = neighbour_pet(friend)
    mine_client, their_client = client_for(owner), client_for(friend)

    def shown() -> list[int]:
        response = mine_client.get(matches_url(mine.pk))
        assert response.status_code == 200, response.json()
        return [suggestion["pet"]["id"] for suggestion in response.json()["results"]]

    # when / then
    assert shown() == [theirs.pk]
    assert their_client.post(block_url(owner.pk)).status_code == 204
    assert shown() == []
    assert their_client.delete(block_url(owner.pk)).status_code == 204
    assert shown() == [theirs.pk]


# --- owners and pets that are not there ------------------------------------------------------


@EXCLUDED_OR_NOT
def test_pets_of_suspended_owners_are_not_suggested(owner, friend, suggested):
    # given
    mine = pet_of(place(owner, HOME))
    theirs = neighbour_pet(friend)
    friend.suspended_at = None if suggested else timezone.now()
    friend.save(update_fields=["suspended_at"])

    # when / then
    assert suggested_ids(mine) == ([theirs.pk] if suggested else [])


@EXCLUDED_OR_NOT
def test_pets_of_inactive_owners_are_not_suggested(owner, friend, suggested):
    # given: an inactive owner who still has a location and an active pet
    mine = pet_of(place(owner, HOME))
    theirs = neighbour_pet(friend)
    friend.is_active = suggested
    friend.save(update_fields=["is_active"])

    # when / then
    assert suggested_ids(mine) == ([theirs.pk] if suggested else [])


@EXCLUDED_OR_NOT
def test_pets_of_deleted_accounts_are_not_suggested(owner, friend, password, suggested):
    # given
    mine = pet_of(place(owner, HOME))
    theirs = neighbour_pet(friend)
    if not suggested:
        account_services.user_delete(user=friend, password=password)

    # when / then
    assert suggested_ids(mine) == ([theirs.pk] if suggested else [])


@EXCLUDED_OR_NOT
def test_inactive_pets_are_not_suggested(owner, friend, suggested):
    # given
    mine = pet_of(place(owner, HOME))
    theirs = neighbour_pet(friend)
    if not suggested:
        pet_services.pet_deactivate(pet=theirs)

    # when / then
    assert suggested_ids(mine) == ([theirs.pk] if suggested else [])


@pytest.mark.parametrize(
    ("keep_latitude", "keep_longitude", "suggested"),
    [(False, False, False), (True, False, False), (False, True, False), (True, True, True)],
    ids=["no-location", "no-longitude", "no-latitude", "control"],
)
def test_pets_of_owners_without_a_location_are_not_suggested(
    owner, friend, keep_latitude, keep_longitude, suggested
):
    # given
    mine = pet_of(place(owner, HOME))
    theirs = neighbour_pet(friend)
    if not keep_latitude:
        friend.latitude = None
    if not keep_longitude:
        friend.longitude = None
    friend.save(update_fields=["latitude", "longitude"])

    # when / then
    assert suggested_ids(mine) == ([theirs.pk] if suggested else [])


# --- every filter at once, against an oracle ------------------------------------------------


def test_suggestions_are_exactly_the_pets_every_hard_filter_lets_through():
    check_random_populations(max_examples=25)
