"""PATCH /api/v1/pets/{id}/: the owner edits any part of a pet's profile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from accounts.tests.helpers import assert_error, assert_not_authenticated
from pets import services
from pets.models import Pet
from pets.tests.factories import PetFactory
from pets.tests.helpers import pet_url, pets_state, public_profile

pytestmark = pytest.mark.django_db

CREATED = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)

NOT_NULL = ["This field may not be null."]
NOT_AN_INTEGER = ["A valid integer is required."]
NOT_A_BOOLEAN = ["Must be a valid boolean."]


@pytest.fixture
def rex(owner) -> Pet:
    with time_machine.travel(CREATED, tick=False):
        pet: Pet = PetFactory.create(
            owner=owner,
            name="Rex",
            species="dog",
            breed="Beagle",
            age=3,
            size="medium",
            energy="high",
            temperament=["playful"],
            vaccinated=True,
            bio="Loves the park.",
        )
    return pet


def test_patching_one_field_changes_only_that_field(owner, client_for, rex):
    # when
    response = client_for(owner).patch(pet_url(rex.pk), {"age": 4}, format="json")

    # then
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "id": rex.pk,
        "owner_id": owner.pk,
        "name": "Rex",
        "species": "dog",
        "breed": "Beagle",
        "age": 4,
        "size": "medium",
        "energy": "high",
        "temperament": ["playful"],
        "vaccinated": True,
        "bio": "Loves the park.",
        "created_at": "2030-01-01T09:00:00Z",
    }
    assert public_profile(rex) == response.json()


def test_patching_every_field_at_once(owner, client_for, rex):
    # given
    changes = {
        "name": "  Rexy ",
        "species": "other",
        "breed": "Ferret",
        "age": 0,
        "size": "small",
        "energy": "low",
        "temperament": ["curious", "independent"],
        "vaccinated": False,
        "bio": "",
    }

    # when
    response = client_for(owner).patch(pet_url(rex.pk), changes, format="json")

    # then
    assert response.status_code == 200, response.json()
    expected = {**changes, "name": "Rexy"}
    assert {field: response.json()[field] for field in changes} == expected
    assert {field: public_profile(rex)[field] for field in changes} == expected


def test_patching_records_when_the_pet_changed(owner, client_for, rex):
    # when
    with time_machine.travel(CREATED + timedelta(days=1), tick=False):
        client_for(owner).patch(pet_url(rex.pk), {"bio": "Older now."}, format="json")

    # then
    rex.refresh_from_db()
    assert (rex.created_at, rex.updated_at) == (CREATED, CREATED + timedelta(days=1))


def test_an_empty_patch_changes_nothing(owner, client_for, rex):
    # given
    before = pets_state()

    # when
    response = client_for(owner).patch(pet_url(rex.pk), {}, format="json")

    # then
    assert response.status_code == 200
    assert response.json() == public_profile(rex)
    assert pets_state() == before


def test_changing_species_leaves_the_preferences_alone(owner, client_for, rex):
    # given: preferences are the owner's choice, not derived from the profile
    before = pets_state()["preferences"]

    # when
    client_for(owner).patch(pet_url(rex.pk), {"species": "cat"}, format="json")

    # then
    assert pets_state()["preferences"] == before


def test_owner_id_and_state_cannot_be_patched(owner, friend, client_for, rex):
    # when
    response = client_for(owner).patch(
        pet_url(rex.pk),
        {"owner_id": friend.pk, "is_active": False, "id": 999, "created_at": "2000-01-01T00:00Z"},
        format="json",
    )

    # then
    assert response.status_code == 200
    rex.refresh_from_db()
    assert (rex.pk, rex.owner_id, rex.is_active, rex.created_at) == (
        response.json()["id"],
        owner.pk,
        True,
        CREATED,
    )


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"name": None}, {"name": NOT_NULL}),
        ({"name": "  "}, {"name": ["This field may not be blank."]}),
        ({"name": "x" * 41}, {"name": ["Ensure this field has no more than 40 characters."]}),
        ({"name": 1}, {"name": ["Not a valid string."]}),
        ({"species": "dragon"}, {"species": ['"dragon" is not a valid choice.']}),
        ({"breed": "b" * 61}, {"breed": ["Ensure this field has no more than 60 characters."]}),
        ({"age": 1.5}, {"age": NOT_AN_INTEGER}),
        ({"age": "3"}, {"age": NOT_AN_INTEGER}),
        ({"age": True}, {"age": NOT_AN_INTEGER}),
        ({"age": -1}, {"age": ["Ensure this value is greater than or equal to 0."]}),
        ({"age": 41}, {"age": ["Ensure this value is less than or equal to 40."]}),
        ({"size": "xl"}, {"size": ['"xl" is not a valid choice.']}),
        ({"energy": None}, {"energy": NOT_NULL}),
        (
            {"temperament": ["calm", "calm"]},
            {"temperament": ["Each value may appear only once."]},
        ),
        ({"temperament": ["rude"]}, {"temperament.0": ['"rude" is not a valid choice.']}),
        (
            {"temperament": ["playful", "calm", "shy", "social", "gentle", "curious"]},
            {"temperament": ["Ensure this field has no more than 5 elements."]},
        ),
        ({"vaccinated": "false"}, {"vaccinated": NOT_A_BOOLEAN}),
        ({"vaccinated": 0}, {"vaccinated": NOT_A_BOOLEAN}),
        ({"bio": "b" * 501}, {"bio": ["Ensure this field has no more than 500 characters."]}),
        # one bad field spoils the whole patch
        ({"name": "Max", "age": 99}, {"age": ["Ensure this value is less than or equal to 40."]}),
    ],
)
def test_an_invalid_patch_is_named_and_changes_nothing(owner, client_for, rex, changes, fields):
    # given
    before = pets_state()

    # when
    response = client_for(owner).patch(pet_url(rex.pk), changes, format="json")

    # then
    assert_error(response, 400, "validation_error", fields=fields)
    assert pets_state() == before


@pytest.mark.parametrize("changes", [{"name": "Mine now"}, {"age": 99}, {}])
def test_another_owners_pet_is_not_found_and_unchanged(
    friend, client_for, rex, changes: dict[str, Any]
):
    # given
    before = pets_state()

    # when
    response = client_for(friend).patch(pet_url(rex.pk), changes, format="json")

    # then
    assert_error(response, 404, "not_found", message="No such pet.")
    assert pets_state() == before


def test_a_moderator_cannot_patch_someone_elses_pet(moderator, client_for, rex):
    # given
    before = pets_state()

    # when
    response = client_for(moderator).patch(pet_url(rex.pk), {"name": "Mod"}, format="json")

    # then
    assert_error(response, 404, "not_found")
    assert pets_state() == before


def test_a_retired_pet_cannot_be_patched(owner, client_for, rex):
    # given
    services.pet_deactivate(pet=rex)
    before = pets_state()

    # when
    response = client_for(owner).patch(pet_url(rex.pk), {"name": "Back"}, format="json")

    # then
    assert_error(response, 404, "not_found", message="No such pet.")
    assert pets_state() == before


def test_an_unknown_pet_cannot_be_patched(owner, client_for, rex):
    # given
    before = pets_state()

    # when
    response = client_for(owner).patch(pet_url(999_999), {"name": "Ghost"}, format="json")

    # then
    assert_error(response, 404, "not_found")
    assert pets_state() == before


def test_patching_requires_authentication(api_client, rex):
    # given
    before = pets_state()

    # when
    response = api_client.patch(pet_url(rex.pk), {"name": "Anon"}, format="json")

    # then
    assert_not_authenticated(response)
    assert pets_state() == before


def test_put_is_not_allowed_on_a_pet(owner, client_for, rex):
    # given
    before = pets_state()

    # when
    response = client_for(owner).put(pet_url(rex.pk), {"name": "Whole"}, format="json")

    # then
    assert_error(response, 405, "method_not_allowed")
    assert pets_state() == before
