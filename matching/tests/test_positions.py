"""Where matching looks for pets: each pet at its owner's position, found nearest-first.

On PostgreSQL each pet carries a copy of its owner's position, kept by triggers (migration
0003), and each species has its own nearest-first index; these tests hold both to their word.
The suite runs on PostgreSQL; tests/smoke covers the SQLite default's bounding box.
"""

from __future__ import annotations

import pytest
from django.db import connection

from matching import selectors
from matching.tests.helpers import HOME, offset, pet_of, place, suggested_ids
from pets.models import Species
from pets.tests.factories import PetFactory

pytestmark = pytest.mark.django_db


def test_an_owner_who_moves_takes_their_pets_along(owner, friend, client_for):
    # given: my pet at home; the friend's pet 40 km away, beyond every reach
    mine = pet_of(place(owner, HOME), reach_km=5.0)
    theirs = pet_of(place(friend, offset(40.0, 0.0)), reach_km=5.0)
    assert suggested_ids(mine) == []

    # when: the friend moves next door, through the API as an owner would
    response = client_for(friend).patch(
        "/api/v1/me",
        {"latitude": offset(1.0, 0.0)[0], "longitude": offset(1.0, 0.0)[1]},
        content_type="application/json",
    )

    # then
    assert response.status_code == 200, response.json()
    assert suggested_ids(mine) == [theirs.pk]


def test_an_owner_who_clears_their_location_takes_their_pets_out(owner, friend, client_for):
    # given
    mine = pet_of(place(owner, HOME))
    theirs = pet_of(place(friend, offset(1.0, 0.0)))
    assert suggested_ids(mine) == [theirs.pk]

    # when
    response = client_for(friend).patch(
        "/api/v1/me", {"latitude": None, "longitude": None}, content_type="application/json"
    )

    # then
    assert response.status_code == 200, response.json()
    assert suggested_ids(mine) == []


def test_a_pet_added_after_its_owner_placed_themselves_is_found_at_once(owner, friend):
    # given: the friend placed first, the pet added afterwards
    mine = pet_of(place(owner, HOME))
    place(friend, offset(2.0, 1.0))

    # when
    theirs = pet_of(friend)

    # then
    assert suggested_ids(mine) == [theirs.pk]


def test_each_pet_copies_its_owners_position(owner, friend):
    # given
    place(owner, HOME)
    pets = [PetFactory.create(owner=owner), PetFactory.create(owner=owner)]
    place(owner, offset(3.0, -2.0))

    # when
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id FROM pets_pet p JOIN accounts_user u ON u.id = p.owner_id"
            " WHERE p.matching_latitude = u.latitude AND p.matching_longitude = u.longitude"
        )
        in_place = sorted(row[0] for row in cursor.fetchall())

    # then
    assert in_place == sorted(pet.pk for pet in pets)


@pytest.mark.parametrize("species", Species.values)
def test_the_candidate_query_walks_the_wanted_species_index_nearest_first(owner, species):
    # given: a pet that wants this one species, amid a few pets of each
    for index, kind in enumerate(Species.values * 3):
        pet_of(place(PetFactory.create().owner, offset(0.2 * index, 0.1)), species=kind)
    mine = pet_of(place(owner, HOME))
    mine.preferences.species_mask = 1 << Species.values.index(species)
    mine.preferences.save()
    me = selectors.pet_profile(owner=owner, pet_id=mine.pk)

    # when
    plan = "\n".join(selectors.explain_candidates(me, fetch=40))

    # then: every species has its branch on its own index, and only the wanted one runs
    for kind in Species.values:
        assert f"Index Scan using matching_{kind}_position_gist on pets_pet" in plan
    assert "Merge Append" in plan
    assert "Seq Scan on pets_pet" not in plan
    assert "Sort" not in plan.replace("Sort Key", "")
    assert plan.count("(never executed)") >= len(Species.values) - 1
