"""DELETE /api/v1/pets/{id}/: the owner retires a pet, which then disappears everywhere."""

from __future__ import annotations

import pytest

from accounts.tests.helpers import assert_error, assert_not_authenticated
from pets.models import Pet, Preferences
from pets.tests.factories import PetFactory
from pets.tests.helpers import PETS_URL, pet_url, pets_state, preferences_url

pytestmark = pytest.mark.django_db


def test_deleting_a_pet_retires_it_but_keeps_the_row(owner, client_for):
    # given
    pet = PetFactory.create(owner=owner)

    # when
    response = client_for(owner).delete(pet_url(pet.pk))

    # then
    assert response.status_code == 204
    assert response.content == b""
    pet.refresh_from_db()
    assert pet.is_active is False
    assert Preferences.objects.filter(pet=pet).exists()


def test_deleting_touches_only_that_pet(owner, friend, client_for):
    # given
    pet = PetFactory.create(owner=owner)
    PetFactory.create(owner=owner)
    PetFactory.create(owner=friend)
    before = pets_state()

    # when
    client_for(owner).delete(pet_url(pet.pk))

    # then
    after = pets_state()
    assert [row["is_active"] for row in after["pets"]] == [False, True, True]
    assert after["preferences"] == before["preferences"]
    assert [row for row in after["pets"] if row["id"] != pet.pk] == [
        row for row in before["pets"] if row["id"] != pet.pk
    ]


def test_a_deleted_pet_disappears_everywhere(owner, stranger, client_for):
    # given
    pet = PetFactory.create(owner=owner)
    client = client_for(owner)
    client.delete(pet_url(pet.pk))

    # when
    answers = [
        client.get(pet_url(pet.pk)),
        client_for(stranger).get(pet_url(pet.pk)),
        client.patch(pet_url(pet.pk), {"name": "Back"}, format="json"),
        client.get(preferences_url(pet.pk)),
        client.delete(pet_url(pet.pk)),
    ]

    # then
    for answer in answers:
        assert_error(answer, 404, "not_found", message="No such pet.")
    assert client.get(PETS_URL).json() == {"results": [], "next": None}


def test_another_owners_pet_is_not_found_and_stays(owner, friend, client_for):
    # given
    pet = PetFactory.create(owner=owner)
    before = pets_state()

    # when
    response = client_for(friend).delete(pet_url(pet.pk))

    # then
    assert_error(response, 404, "not_found", message="No such pet.")
    assert pets_state() == before
    assert Pet.objects.get().is_active is True


def test_a_moderator_cannot_delete_someone_elses_pet(owner, moderator, client_for):
    # given
    pet = PetFactory.create(owner=owner)
    before = pets_state()

    # when
    response = client_for(moderator).delete(pet_url(pet.pk))

    # then
    assert_error(response, 404, "not_found")
    assert pets_state() == before


def test_an_unknown_pet_cannot_be_deleted(owner, client_for):
    # given
    PetFactory.create(owner=owner)
    before = pets_state()

    # when
    response = client_for(owner).delete(pet_url(999_999))

    # then
    assert_error(response, 404, "not_found")
    assert pets_state() == before


def test_deleting_requires_authentication(api_client, owner):
    # given
    pet = PetFactory.create(owner=owner)
    before = pets_state()

    # when
    response = api_client.delete(pet_url(pet.pk))

    # then
    assert_not_authenticated(response)
    assert pets_state() == before
