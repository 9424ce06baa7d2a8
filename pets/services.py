"""Writes for pets: creating, editing and retiring a pet, and replacing what playmates suit it."""

from __future__ import annotations

from typing import TypedDict

from django.db import transaction

from accounts.models import User
from pets.models import Energy, Pet, Preferences, Size, Species, bit, default_availability, mask
from pets.signals import pet_changed

DEFAULT_MAX_DISTANCE_KM = 5.0


class Window(TypedDict):
    """One weekly availability window, in the owner's time zone. `end` may be "24:00"."""

    weekday: int  # Monday = 0
    start: str  # "HH:MM"
    end: str


def _default_preferences(pet: Pet) -> Preferences:
    """A new pet meets its own species, any size and energy, within 5 km, vaccinated only."""
    return Preferences(
        pet=pet,
        max_distance_km=DEFAULT_MAX_DISTANCE_KM,
        species_mask=bit(Species, pet.species),
        sizes_mask=mask(Size, Size.values),
        energy_mask=mask(Energy, Energy.values),
        require_vaccinated=True,
        availability=default_availability(),
    )


def pet_create(
    *,
    owner: User,
    name: str,
    species: str,
    age: int,
    size: str,
    energy: str,
    breed: str = "",
    temperament: list[str] | None = None,
    vaccinated: bool = False,
    bio: str = "",
) -> Pet:
    """Creates a pet with its default preferences. Fields are already validated by the caller."""
    with transaction.atomic():
        pet = Pet.objects.create(
            owner=owner,
            name=name,
            species=species,
            age=age,
            size=size,
            energy=energy,
            breed=breed,
            temperament=list(temperament or []),
            vaccinated=vaccinated,
            bio=bio,
        )
        _default_preferences(pet).save(force_insert=True)
        pet_changed.send(sender=Pet, pet=pet, created=True, fields=frozenset())
    return pet


def preferences_ensure(*, pet: Pet) -> None:
    """Gives a pet its default preferences if it has none (a pet added in the admin)."""
    Preferences.objects.bulk_create([_default_preferences(pet)], ignore_conflicts=True)


def pet_update(*, pet: Pet, **changes: object) -> Pet:
    """Changes some of a pet's profile fields. They are already validated by the caller."""
    if not changes:
        return pet
    changed = frozenset(field for field, value in changes.items() if getattr(pet, field) != value)
    for field, value in changes.items():
        setattr(pet, field, value)
    with transaction.atomic():
        pet.save(update_fields=[*changes, "updated_at"])
        if changed:
            pet_changed.send(sender=Pet, pet=pet, created=False, fields=changed)
    return pet


def pet_deactivate(*, pet: Pet) -> None:
    """Retires a pet (DELETE). The row stays for the playdates and chats that refer to it."""
    was_active = pet.is_active
    pet.is_active = False
    with transaction.atomic():
        pet.save(update_fields=["is_active", "updated_at"])
        if was_active:
            pet_changed.send(sender=Pet, pet=pet, created=False, fields=frozenset({"is_active"}))


def pets_deactivate_all(*, owner: User) -> list[Pet]:
    """Retires every active pet of `owner`, each as its DELETE does: the account is being
    deleted. Returns the pets retired."""
    pets = list(Pet.objects.filter(owner=owner, is_active=True).order_by("pk"))
    for pet in pets:
        pet_deactivate(pet=pet)
    return pets


def preferences_replace(
    *,
    pet: Pet,
    max_distance_km: float,
    species: list[str],
    sizes: list[str],
    energy: list[str],
    min_age: int,
    max_age: int,
    require_vaccinated: bool,
    availability: list[Window],
) -> Preferences:
    """Replaces all of a pet's preferences. Fields are already validated by the caller."""
    preferences = Preferences(
        pet=pet,
        max_distance_km=float(max_distance_km),
        species_mask=mask(Species, species),
        sizes_mask=mask(Size, sizes),
        energy_mask=mask(Energy, energy),
        min_age=min_age,
        max_age=max_age,
        require_vaccinated=require_vaccinated,
        # Kept in weekday and time order, so readers (matching's slot finder) can rely on it.
        availability=[
            Window(weekday=w["weekday"], start=w["start"], end=w["end"])
            for w in sorted(availability, key=lambda w: (w["weekday"], w["start"]))
        ],
    )
    with transaction.atomic():
        before = Preferences.objects.filter(pk=pet.pk).values(*_PREFERENCES).first()
        # An UPDATE; an INSERT only for a pet that never had preferences.
        preferences.save()
        if before != {field: getattr(preferences, field) for field in _PREFERENCES}:
            pet_changed.send(sender=Pet, pet=pet, created=False, fields=frozenset({"preferences"}))
    return preferences


_PREFERENCES = (
    "max_distance_km",
    "species_mask",
    "sizes_mask",
    "energy_mask",
    "min_age",
    "max_age",
    "require_vaccinated",
    "availability",
)
