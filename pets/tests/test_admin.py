"""The pets admin: list and search, and preferences edited inline as checkboxes, not bit masks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pets.models import Pet, Preferences, default_availability
from pets.tests.factories import PetFactory

pytestmark = pytest.mark.django_db

INLINE = {
    "preferences-TOTAL_FORMS": "1",
    "preferences-INITIAL_FORMS": "0",
    "preferences-MIN_NUM_FORMS": "0",
    "preferences-MAX_NUM_FORMS": "1",
}


@pytest.fixture
def admin_client(client, make_user):
    superuser = make_user(email="root@example.com", username="root", is_staff=True)
    superuser.is_superuser = True
    superuser.save()
    client.force_login(superuser)
    return client


def pet_form(owner_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "owner": str(owner_id),
        "name": "Rex",
        "species": "dog",
        "breed": "",
        "age": "3",
        "size": "medium",
        "energy": "high",
        "temperament": "[]",
        "bio": "",
        "is_active": "on",
        **fields,
    }


def untouched_inline() -> dict[str, str]:
    """The inline preferences form as a browser sends it when nobody edits it."""
    return {
        **INLINE,
        "preferences-0-max_distance_km": "5.0",
        "preferences-0-min_age": "0",
        "preferences-0-max_age": "40",
        "preferences-0-require_vaccinated": "on",
        "preferences-0-availability": json.dumps(default_availability()),
        # A callable default is echoed back in a hidden field, to tell whether it was edited.
        "initial-preferences-0-availability": json.dumps(default_availability()),
    }


@pytest.mark.parametrize("path", ["/admin/pets/pet/", "/admin/pets/pet/add/"])
def test_pet_admin_pages_render(admin_client, owner, path):
    PetFactory.create(owner=owner)

    assert admin_client.get(path).status_code == 200


def test_the_pet_list_is_searchable_by_owner_email_name_and_breed(admin_client, owner, friend):
    # given
    PetFactory.create(owner=owner, name="Rex", breed="Beagle")
    PetFactory.create(owner=friend, name="Tom", breed="Siamese")

    # when
    by_email = admin_client.get("/admin/pets/pet/", {"q": "friend@example.com"})
    by_name = admin_client.get("/admin/pets/pet/", {"q": "rex"})
    by_breed = admin_client.get("/admin/pets/pet/", {"q": "siamese"})

    # then
    assert [pet.name for pet in by_email.context["cl"].result_list] == ["Tom"]
    assert [pet.name for pet in by_name.context["cl"].result_list] == ["Rex"]
    assert [pet.name for pet in by_breed.context["cl"].result_list] == ["Tom"]


def test_the_change_page_shows_the_masks_as_ticked_choices(admin_client, owner):
    # given
    pet = PetFactory.create(owner=owner, species="cat")

    # when
    response = admin_client.get(f"/admin/pets/pet/{pet.pk}/change/")

    # then
    inline_form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert inline_form.initial["species"] == ["cat"]
    assert inline_form.initial["sizes"] == ["small", "medium", "large"]
    assert inline_form.initial["energy"] == ["low", "medium", "high"]


def test_a_pet_added_with_its_preferences_stores_the_ticked_choices_as_masks(admin_client, owner):
    # given
    form = {
        **pet_form(owner.pk),
        **untouched_inline(),
        "preferences-0-max_distance_km": "8",
        "preferences-0-species": ["dog", "rabbit"],
        "preferences-0-sizes": ["large"],
        "preferences-0-energy": ["medium", "high"],
    }

    # when
    response = admin_client.post("/admin/pets/pet/add/", form)

    # then
    assert response.status_code == 302, response.context["errors"]
    preferences = Preferences.objects.get(pet=Pet.objects.get())
    assert (preferences.species, preferences.sizes, preferences.energy) == (
        ["dog", "rabbit"],
        ["large"],
        ["medium", "high"],
    )
    assert preferences.max_distance_km == 8.0


def test_a_pet_added_without_touching_its_preferences_gets_the_defaults(admin_client, owner):
    # when
    response = admin_client.post(
        "/admin/pets/pet/add/", {**pet_form(owner.pk, species="cat"), **untouched_inline()}
    )

    # then
    assert response.status_code == 302, response.context["errors"]
    preferences = Preferences.objects.get(pet=Pet.objects.get())
    assert (preferences.species, preferences.sizes, preferences.energy) == (
        ["cat"],
        ["small", "medium", "large"],
        ["low", "medium", "high"],
    )
    assert preferences.availability == default_availability()
