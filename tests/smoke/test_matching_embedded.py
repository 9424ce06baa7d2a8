"""Matching on the embedded default: SQLite narrows by a latitude/longitude box instead of
PostgreSQL's GiST index, so the hard filters are checked again on that path."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts.models import Block
from matching import selectors
from matching.models import Pass
from matching.tests.helpers import (
    HOME,
    check_random_populations,
    matches_url,
    offset,
    pet_of,
    place,
    prefer,
    suggested_ids,
)

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]


def test_the_embedded_default_is_sqlite():
    assert connection.vendor == "sqlite"


@pytest.mark.parametrize(("my_reach_km", "their_reach_km"), [(5.0, 50.0), (50.0, 5.0)])
def test_pets_beyond_either_sides_reach_are_not_suggested(
    owner, friend, stranger, my_reach_km, their_reach_km
):
    # given: one pet 4 km east, one 6 km west
    mine = pet_of(place(owner, HOME), reach_km=my_reach_km)
    near = pet_of(place(friend, offset(0.0, 4.0)), reach_km=their_reach_km)
    pet_of(place(stranger, offset(0.0, -6.0)), reach_km=their_reach_km)

    # when / then
    assert suggested_ids(mine) == [near.pk]


def test_pets_whose_owners_would_not_come_do_not_crowd_out_those_who_would(owner, make_user):
    # given: more than a fetch's worth of pets 1 km away whose owners go only 0.5 km
    mine = pet_of(place(owner, HOME), reach_km=50.0)
    for _ in range(selectors.MIN_FETCH + 1):
        pet_of(place(make_user(), offset(1.0, 0.0)), reach_km=0.5)
    willing = pet_of(place(make_user(), offset(3.0, 0.0)), reach_km=50.0)

    # when / then
    assert suggested_ids(mine, limit=1) == [willing.pk]


def test_a_species_outside_my_preferences_is_not_suggested(owner, friend, stranger):
    # given
    mine = pet_of(place(owner, HOME))
    prefer(mine, species=["dog"])
    dog = pet_of(place(friend, offset(1.0, 0.0)))
    pet_of(place(stranger, offset(1.0, 0.0)), species="cat")

    # when / then
    assert suggested_ids(mine) == [dog.pk]


def test_a_passed_pet_is_not_suggested_to_the_pet_that_passed(owner, friend, client_for):
    # given
    mine, my_other = pet_of(place(owner, HOME)), pet_of(owner)
    theirs = pet_of(place(friend, offset(1.0, 0.0)))
    client = client_for(owner)

    # when
    passed = client.post(f"{matches_url(mine.pk)}/{theirs.pk}/pass")

    # then
    assert passed.status_code == 204
    assert list(Pass.objects.values_list("pet_id", "other_id")) == [(mine.pk, theirs.pk)]
    assert client.get(matches_url(mine.pk)).json()["results"] == []
    assert [s["pet"]["id"] for s in client.get(matches_url(my_other.pk)).json()["results"]] == [
        theirs.pk
    ]


@pytest.mark.parametrize("i_blocked", [True, False], ids=["i-blocked", "they-blocked"])
def test_pets_of_users_either_side_blocked_are_not_suggested(owner, friend, i_blocked):
    # given
    mine = pet_of(place(owner, HOME))
    theirs = pet_of(place(friend, offset(1.0, 0.0)))
    assert suggested_ids(mine) == [theirs.pk]

    # when
    Block.objects.create(
        blocker=owner if i_blocked else friend, blocked=friend if i_blocked else owner
    )

    # then
    assert suggested_ids(mine) == []
    assert suggested_ids(theirs) == []


def test_suggestions_are_exactly_the_pets_every_hard_filter_lets_through():
    check_random_populations(max_examples=15)
