"""GET /api/v1/pets/{id}/: any active pet's public profile, whoever asks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.utils import timezone

from accounts.tests.helpers import assert_error, assert_not_authenticated
from pets import services
from pets.tests.factories import PetFactory
from pets.tests.helpers import PUBLIC_FIELDS, pet_url

pytestmark = pytest.mark.django_db


def test_anyone_signed_in_sees_a_pets_public_profile(owner, stranger, client_for):
    # given
    with time_machine.travel(datetime(2030, 3, 4, 5, 6, 7, tzinfo=UTC), tick=False):
        pet = PetFactory.create(
            owner=owner,
            name="Bun",
            species="rabbit",
            breed="Lionhead",
            age=2,
            size="small",
            energy="medium",
            temperament=["shy", "gentle"],
            vaccinated=False,
            bio="Hops.",
        )

    # when
    response = client_for(stranger).get(pet_url(pet.pk))

    # then
    assert response.status_code == 200
    assert response.json() == {
        "id": pet.pk,
        "owner_id": owner.pk,
        "name": "Bun",
        "species": "rabbit",
        "breed": "Lionhead",
        "age": 2,
        "size": "small",
        "energy": "medium",
        "temperament": ["shy", "gentle"],
        "vaccinated": False,
        "bio": "Hops.",
        "created_at": "2030-03-04T05:06:07Z",
    }


def test_the_owner_sees_the_same_profile_without_coordinates(owner, stranger, client_for):
    # given
    pet = PetFactory.create(owner=owner)

    # when
    mine = client_for(owner).get(pet_url(pet.pk)).json()
    theirs = client_for(stranger).get(pet_url(pet.pk)).json()

    # then
    assert mine == theirs
    assert set(mine) == PUBLIC_FIELDS


def test_a_retired_pet_is_not_found_even_by_its_owner(owner, stranger, client_for):
    # given
    pet = PetFactory.create(owner=owner)
    services.pet_deactivate(pet=pet)

    # when
    by_owner = client_for(owner).get(pet_url(pet.pk))
    by_stranger = client_for(stranger).get(pet_url(pet.pk))

    # then
    assert_error(by_owner, 404, "not_found", message="No such pet.")
    assert_error(by_stranger, 404, "not_found", message="No such pet.")


def test_a_suspended_owners_pet_is_not_found(owner, stranger, client_for):
    # given
    pet = PetFactory.create(owner=owner)
    owner.suspended_at = timezone.now()
    owner.save()

    # when
    response = client_for(stranger).get(pet_url(pet.pk))

    # then
    assert_error(response, 404, "not_found", message="No such pet.")


def test_a_deleted_owners_pet_is_not_found(owner, stranger, client_for):
    # given
    pet = PetFactory.create(owner=owner)
    owner.is_active = False
    owner.save()

    # when
    response = client_for(stranger).get(pet_url(pet.pk))

    # then
    assert_error(response, 404, "not_found", message="No such pet.")


def test_an_unknown_pet_is_not_found(owner, client_for):
    assert_error(client_for(owner).get(pet_url(999_999)), 404, "not_found")


def test_a_pet_id_that_is_not_a_number_is_not_found(owner, client_for):
    assert_error(client_for(owner).get("/api/v1/pets/rex/"), 404, "not_found")


def test_the_profile_costs_two_queries(owner, stranger, client_for, django_assert_num_queries):
    # given
    pet = PetFactory.create(owner=owner)
    client = client_for(stranger)

    # when: the authentication's user-and-session join, then the pet with its owner's standing
    with django_assert_num_queries(2):
        response = client.get(pet_url(pet.pk))

    # then
    assert response.status_code == 200


def test_the_profile_requires_authentication(api_client, owner):
    pet = PetFactory.create(owner=owner)

    assert_not_authenticated(api_client.get(pet_url(pet.pk)))
