"""POST /api/v1/pets/: an owner adds a pet, which starts with default preferences."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine

from accounts.tests.helpers import assert_error, assert_not_authenticated
from pets.models import TEMPERAMENTS, Pet, Preferences
from pets.tests.helpers import PETS_URL, PUBLIC_FIELDS, pets_state

pytestmark = pytest.mark.django_db

NOON = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)

REX = {
    "name": "Rex",
    "species": "dog",
    "breed": "Épagneul Breton / Poodle mix",
    "age": 4,
    "size": "large",
    "energy": "high",
    "temperament": ["playful", "social"],
    "vaccinated": True,
    "bio": "Fetches anything.",
}

REQUIRED = ["This field is required."]
NOT_NULL = ["This field may not be null."]
BLANK = ["This field may not be blank."]
NOT_A_STRING = ["Not a valid string."]
NOT_AN_INTEGER = ["A valid integer is required."]
NOT_A_BOOLEAN = ["Must be a valid boolean."]


def with_(**changes: Any) -> dict[str, Any]:
    return {**REX, **changes}


def without(field: str) -> dict[str, Any]:
    return {key: value for key, value in REX.items() if key != field}


def test_creating_a_pet_answers_its_profile(owner, client_for):
    # when
    with time_machine.travel(NOON, tick=False):
        response = client_for(owner).post(PETS_URL, REX, format="json")

    # then
    assert response.status_code == 201, response.json()
    pet = Pet.objects.get()
    assert response.json() == {
        "id": pet.pk,
        "owner_id": owner.pk,
        "name": "Rex",
        "species": "dog",
        "breed": "Épagneul Breton / Poodle mix",
        "age": 4,
        "size": "large",
        "energy": "high",
        "temperament": ["playful", "social"],
        "vaccinated": True,
        "bio": "Fetches anything.",
        "created_at": "2030-01-01T12:00:00Z",
    }


def test_creating_a_pet_stores_it_active_and_owned_by_the_caller(owner, client_for):
    # when
    client_for(owner).post(PETS_URL, REX, format="json")

    # then
    pet = Pet.objects.get()
    assert (pet.owner_id, pet.is_active, pet.name, pet.age) == (owner.pk, True, "Rex", 4)
    assert pet.temperament == ["playful", "social"]


def test_a_new_pet_gets_default_preferences_for_its_own_species(owner, client_for):
    # when
    client_for(owner).post(PETS_URL, with_(species="rabbit"), format="json")

    # then
    preferences = Preferences.objects.get(pet=Pet.objects.get())
    assert preferences.max_distance_km == 5.0
    assert preferences.species == ["rabbit"]
    assert preferences.sizes == ["small", "medium", "large"]
    assert preferences.energy == ["low", "medium", "high"]
    assert (preferences.min_age, preferences.max_age) == (0, 40)
    assert preferences.require_vaccinated is True
    assert preferences.availability == [
        {"weekday": 5, "start": "10:00", "end": "17:00"},
        {"weekday": 6, "start": "10:00", "end": "17:00"},
    ]


def test_optional_fields_default_to_empty_and_not_vaccinated(owner, client_for):
    # given
    minimal = {"name": "Tom", "species": "cat", "age": 0, "size": "small", "energy": "low"}

    # when
    response = client_for(owner).post(PETS_URL, minimal, format="json")

    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["breed"], body["temperament"], body["vaccinated"], body["bio"]) == (
        "",
        [],
        False,
        "",
    )


def test_the_answer_shows_no_coordinates(owner, client_for):
    # when
    body = client_for(owner).post(PETS_URL, REX, format="json").json()

    # then
    assert set(body) == PUBLIC_FIELDS


def test_the_owner_and_state_in_the_body_are_ignored(owner, friend, client_for):
    # when: the caller tries to create the pet for someone else, already retired
    response = client_for(owner).post(
        PETS_URL, with_(owner_id=friend.pk, owner=friend.pk, is_active=False, id=999), format="json"
    )

    # then
    assert response.status_code == 201
    pet = Pet.objects.get()
    assert (pet.owner_id, pet.is_active) == (owner.pk, True)
    assert response.json()["id"] == pet.pk != 999


@pytest.mark.parametrize(
    ("name", "stored"),
    [("  Rex  ", "Rex"), ("R", "R"), ("x" * 40, "x" * 40), (" " + "y" * 40 + " ", "y" * 40)],
)
def test_names_are_trimmed_and_up_to_40_characters(owner, client_for, name, stored):
    # when
    response = client_for(owner).post(PETS_URL, with_(name=name), format="json")

    # then
    assert response.status_code == 201, response.json()
    assert response.json()["name"] == stored
    assert Pet.objects.get().name == stored


@pytest.mark.parametrize("species", ["dog", "cat", "rabbit", "other"])
def test_every_species_is_accepted(owner, client_for, species):
    response = client_for(owner).post(PETS_URL, with_(species=species), format="json")

    assert response.status_code == 201
    assert response.json()["species"] == species


@pytest.mark.parametrize("size", ["small", "medium", "large"])
def test_every_size_is_accepted(owner, client_for, size):
    response = client_for(owner).post(PETS_URL, with_(size=size), format="json")

    assert response.status_code == 201
    assert response.json()["size"] == size


@pytest.mark.parametrize("energy", ["low", "medium", "high"])
def test_every_energy_level_is_accepted(owner, client_for, energy):
    response = client_for(owner).post(PETS_URL, with_(energy=energy), format="json")

    assert response.status_code == 201
    assert response.json()["energy"] == energy


@pytest.mark.parametrize("age", [0, 1, 15, 40])
def test_ages_from_0_to_40_whole_years_are_accepted(owner, client_for, age):
    response = client_for(owner).post(PETS_URL, with_(age=age), format="json")

    assert response.status_code == 201
    assert response.json()["age"] == age


@pytest.mark.parametrize("breed", ["", "Mixed", "Border Collie / Kelpie cross", "b" * 60])
def test_breed_is_free_text_up_to_60_characters(owner, client_for, breed):
    response = client_for(owner).post(PETS_URL, with_(breed=breed), format="json")

    assert response.status_code == 201
    assert response.json()["breed"] == breed


@pytest.mark.parametrize(
    "temperament",
    [[], ["calm"], ["shy", "gentle", "curious", "independent", "anxious"]],
)
def test_temperament_takes_up_to_five_distinct_tags_in_the_given_order(
    owner, client_for, temperament
):
    response = client_for(owner).post(PETS_URL, with_(temperament=temperament), format="json")

    assert response.status_code == 201
    assert response.json()["temperament"] == temperament


def test_every_temperament_tag_of_the_vocabulary_is_accepted(owner, client_for):
    client = client_for(owner)
    for start in range(0, len(TEMPERAMENTS), 5):
        tags = list(TEMPERAMENTS[start : start + 5])

        response = client.post(PETS_URL, with_(temperament=tags), format="json")

        assert response.status_code == 201
        assert response.json()["temperament"] == tags


@pytest.mark.parametrize("bio", ["", "b" * 500])
def test_bio_is_up_to_500_characters(owner, client_for, bio):
    response = client_for(owner).post(PETS_URL, with_(bio=bio), format="json")

    assert response.status_code == 201
    assert response.json()["bio"] == bio


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        # name
        (without("name"), {"name": REQUIRED}),
        (with_(name=None), {"name": NOT_NULL}),
        (with_(name=""), {"name": BLANK}),
        (with_(name="   "), {"name": BLANK}),
        (with_(name="x" * 41), {"name": ["Ensure this field has no more than 40 characters."]}),
        (with_(name=42), {"name": NOT_A_STRING}),
        (with_(name=["Rex"]), {"name": NOT_A_STRING}),
        (with_(name="Rex\x00"), {"name": ["Null characters are not allowed."]}),
        # species
        (without("species"), {"species": REQUIRED}),
        (with_(species="dragon"), {"species": ['"dragon" is not a valid choice.']}),
        (with_(species="Dog"), {"species": ['"Dog" is not a valid choice.']}),
        (with_(species=None), {"species": NOT_NULL}),
        # breed
        (with_(breed="b" * 61), {"breed": ["Ensure this field has no more than 60 characters."]}),
        (with_(breed=None), {"breed": NOT_NULL}),
        (with_(breed=7), {"breed": NOT_A_STRING}),
        # age
        (without("age"), {"age": REQUIRED}),
        (with_(age=1.5), {"age": NOT_AN_INTEGER}),
        (with_(age=3.0), {"age": NOT_AN_INTEGER}),
        (with_(age="3"), {"age": NOT_AN_INTEGER}),
        (with_(age=True), {"age": NOT_AN_INTEGER}),
        (with_(age=None), {"age": NOT_NULL}),
        (with_(age=-1), {"age": ["Ensure this value is greater than or equal to 0."]}),
        (with_(age=41), {"age": ["Ensure this value is less than or equal to 40."]}),
        # size and energy
        (without("size"), {"size": REQUIRED}),
        (with_(size="huge"), {"size": ['"huge" is not a valid choice.']}),
        (without("energy"), {"energy": REQUIRED}),
        (with_(energy="extreme"), {"energy": ['"extreme" is not a valid choice.']}),
        (with_(energy=1), {"energy": ['"1" is not a valid choice.']}),
        # temperament
        (
            with_(temperament="playful"),
            {"temperament": ['Expected a list of items but got type "str".']},
        ),
        (
            with_(temperament=["playful", "grumpy"]),
            {"temperament.1": ['"grumpy" is not a valid choice.']},
        ),
        (
            with_(temperament=["calm", "calm"]),
            {"temperament": ["Each value may appear only once."]},
        ),
        (
            with_(temperament=["playful", "calm", "shy", "social", "gentle", "curious"]),
            {"temperament": ["Ensure this field has no more than 5 elements."]},
        ),
        (with_(temperament=None), {"temperament": NOT_NULL}),
        # vaccinated
        (with_(vaccinated="true"), {"vaccinated": NOT_A_BOOLEAN}),
        (with_(vaccinated=1), {"vaccinated": NOT_A_BOOLEAN}),
        (with_(vaccinated="yes"), {"vaccinated": NOT_A_BOOLEAN}),
        (with_(vaccinated=None), {"vaccinated": NOT_NULL}),
        # bio
        (with_(bio="b" * 501), {"bio": ["Ensure this field has no more than 500 characters."]}),
        (with_(bio=None), {"bio": NOT_NULL}),
    ],
)
def test_an_invalid_field_is_named_and_nothing_is_created(owner, client_for, body, fields):
    # given
    before = pets_state()

    # when
    response = client_for(owner).post(PETS_URL, body, format="json")

    # then
    assert_error(response, 400, "validation_error", fields=fields)
    assert pets_state() == before


def test_every_invalid_field_is_named_at_once(owner, client_for):
    # when
    response = client_for(owner).post(
        PETS_URL, {"name": "", "species": "dragon", "age": 41, "vaccinated": "no"}, format="json"
    )

    # then
    assert_error(
        response,
        400,
        "validation_error",
        message="Some fields are invalid: age, energy, name, size, species, vaccinated.",
        fields={
            "name": BLANK,
            "species": ['"dragon" is not a valid choice.'],
            "age": ["Ensure this value is less than or equal to 40."],
            "size": REQUIRED,
            "energy": REQUIRED,
            "vaccinated": NOT_A_BOOLEAN,
        },
    )
    assert Pet.objects.count() == 0


def test_a_body_that_is_not_an_object_is_a_validation_error(owner, client_for):
    # when
    response = client_for(owner).post(PETS_URL, [REX], format="json")

    # then
    assert_error(
        response,
        400,
        "validation_error",
        message="Invalid data. Expected a dictionary, but got list.",
        fields={"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]},
    )
    assert Pet.objects.count() == 0


def test_malformed_json_is_a_validation_error(owner, client_for):
    # when
    response = client_for(owner).post(
        PETS_URL, data='{"name": "Rex",', content_type="application/json"
    )

    # then
    assert_error(response, 400, "validation_error")
    assert Pet.objects.count() == 0


def test_creating_a_pet_requires_authentication(api_client):
    # when
    response = api_client.post(PETS_URL, REX, format="json")

    # then
    assert_not_authenticated(response)
    assert pets_state() == {"pets": [], "preferences": []}
