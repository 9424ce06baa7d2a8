"""GET /api/v1/pets/: the caller's own active pets, newest first, a page at a time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from accounts.tests.helpers import assert_error, assert_not_authenticated
from pets import services
from pets.tests.factories import PetFactory
from pets.tests.helpers import PETS_URL, public_profile

pytestmark = pytest.mark.django_db


def test_the_list_shows_the_callers_pets_newest_first(owner, client_for):
    # given
    with time_machine.travel(datetime(2030, 1, 1, 9, 0, tzinfo=UTC), tick=False):
        older = PetFactory.create(
            owner=owner,
            name="Tom",
            species="cat",
            breed="",
            age=7,
            size="small",
            energy="low",
            temperament=["calm"],
            vaccinated=False,
            bio="",
        )
    with time_machine.travel(datetime(2030, 1, 2, 9, 0, tzinfo=UTC), tick=False):
        newer = PetFactory.create(owner=owner, name="Rex")

    # when
    response = client_for(owner).get(PETS_URL)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "id": newer.pk,
                "owner_id": owner.pk,
                "name": "Rex",
                "species": "dog",
                "breed": "Beagle",
                "age": 3,
                "size": "medium",
                "energy": "high",
                "temperament": ["playful", "social"],
                "vaccinated": True,
                "bio": "Loves the park.",
                "created_at": "2030-01-02T09:00:00Z",
            },
            {
                "id": older.pk,
                "owner_id": owner.pk,
                "name": "Tom",
                "species": "cat",
                "breed": "",
                "age": 7,
                "size": "small",
                "energy": "low",
                "temperament": ["calm"],
                "vaccinated": False,
                "bio": "",
                "created_at": "2030-01-01T09:00:00Z",
            },
        ],
        "next": None,
    }


def test_the_list_leaves_out_other_owners_pets_and_retired_pets(owner, friend, client_for):
    # given
    mine = PetFactory.create(owner=owner)
    PetFactory.create(owner=friend)
    services.pet_deactivate(pet=PetFactory.create(owner=owner))

    # when
    response = client_for(owner).get(PETS_URL)

    # then
    assert response.json() == {"results": [public_profile(mine)], "next": None}


def test_an_owner_without_pets_gets_an_empty_list(owner, friend, client_for):
    # given
    PetFactory.create(owner=friend)

    # when
    response = client_for(owner).get(PETS_URL)

    # then
    assert response.status_code == 200
    assert response.json() == {"results": [], "next": None}


def test_pages_follow_one_another_through_next_until_null(owner, client_for):
    # given: five pets, ids ascending in creation order
    pets = [PetFactory.create(owner=owner) for _ in range(5)]
    newest_first = [pet.pk for pet in reversed(pets)]
    client = client_for(owner)

    # when
    first = client.get(PETS_URL, {"limit": 2}).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()

    # then
    assert [pet["id"] for pet in first["results"]] == newest_first[:2]
    assert first["next"] == f"http://testserver/api/v1/pets/?before={newest_first[1]}&limit=2"
    assert [pet["id"] for pet in second["results"]] == newest_first[2:4]
    assert second["next"] == f"http://testserver/api/v1/pets/?before={newest_first[3]}&limit=2"
    assert [pet["id"] for pet in third["results"]] == newest_first[4:]
    assert third["next"] is None


def test_a_full_last_page_has_no_next(owner, client_for):
    # given
    PetFactory.create_batch(2, owner=owner)

    # when
    body = client_for(owner).get(PETS_URL, {"limit": 2}).json()

    # then
    assert len(body["results"]) == 2
    assert body["next"] is None


def test_a_page_holds_20_pets_unless_told_otherwise(owner, client_for):
    # given
    pets = PetFactory.create_batch(21, owner=owner)

    # when
    body = client_for(owner).get(PETS_URL).json()

    # then
    assert [pet["id"] for pet in body["results"]] == [pet.pk for pet in reversed(pets[1:])]
    assert body["next"] == f"http://testserver/api/v1/pets/?before={pets[1].pk}"


def test_a_pet_retired_between_pages_is_skipped_without_repeating_others(owner, client_for):
    # given
    pets = [PetFactory.create(owner=owner) for _ in range(4)]
    client = client_for(owner)
    first = client.get(PETS_URL, {"limit": 2}).json()

    # when
    services.pet_deactivate(pet=pets[1])
    second = client.get(first["next"]).json()

    # then
    assert [pet["id"] for pet in second["results"]] == [pets[0].pk]
    assert second["next"] is None


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"limit": 0}, {"limit": ["Ensure this value is greater than or equal to 1."]}),
        ({"limit": 101}, {"limit": ["Ensure this value is less than or equal to 100."]}),
        ({"limit": "ten"}, {"limit": ["A valid integer is required."]}),
        ({"before": "x"}, {"before": ["A valid integer is required."]}),
        ({"before": 0}, {"before": ["Ensure this value is greater than or equal to 1."]}),
    ],
)
def test_a_bad_page_parameter_is_named(owner, client_for, query, fields):
    # when
    response = client_for(owner).get(PETS_URL, query)

    # then
    assert_error(response, 400, "validation_error", fields=fields)


@pytest.mark.parametrize("pet_count", [1, 25])
def test_the_list_costs_two_queries_however_many_pets(
    owner, client_for, django_assert_num_queries, pet_count
):
    # given
    PetFactory.create_batch(pet_count, owner=owner)
    client = client_for(owner)

    # when: the authentication's user-and-session join, then one page of pets
    with django_assert_num_queries(2):
        response = client.get(PETS_URL)

    # then
    assert len(response.json()["results"]) == min(pet_count, 20)


def test_the_list_requires_authentication(api_client):
    assert_not_authenticated(api_client.get(PETS_URL))
