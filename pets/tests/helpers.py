"""URLs and state snapshots shared by the pets API tests."""

from __future__ import annotations

from typing import Any

from pets.models import Pet, Preferences

PETS_URL = "/api/v1/pets/"

# The profile fields of a pet, as the API shows them: never any coordinates.
PUBLIC_FIELDS = {
    "id",
    "owner_id",
    "name",
    "species",
    "breed",
    "age",
    "size",
    "energy",
    "temperament",
    "vaccinated",
    "bio",
    "created_at",
}


def pet_url(pet_id: int) -> str:
    return f"/api/v1/pets/{pet_id}/"


def preferences_url(pet_id: int) -> str:
    return f"/api/v1/pets/{pet_id}/preferences"


def pets_state() -> dict[str, Any]:
    """Every pet and preferences row, to assert that a refused request changed nothing."""
    return {
        "pets": list(Pet.objects.order_by("pk").values()),
        "preferences": list(Preferences.objects.order_by("pk").values()),
    }


def public_profile(pet: Pet) -> dict[str, Any]:
    """What the API should show of `pet`, read back from the database."""
    pet.refresh_from_db()
    return {
        "id": pet.pk,
        "owner_id": pet.owner_id,
        "name": pet.name,
        "species": pet.species,
        "breed": pet.breed,
        "age": pet.age,
        "size": pet.size,
        "energy": pet.energy,
        "temperament": pet.temperament,
        "vaccinated": pet.vaccinated,
        "bio": pet.bio,
        "created_at": pet.created_at.isoformat().replace("+00:00", "Z"),
    }
