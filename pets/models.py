"""Pets and what playmates suit them. A pet is where its owner is (accounts.User's location)."""

from __future__ import annotations

from functools import cache
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

TEMPERAMENTS = (
    "playful",
    "calm",
    "shy",
    "social",
    "dominant",
    "gentle",
    "curious",
    "independent",
    "anxious",
    "protective",
)
MAX_AGE = 40


class Species(models.TextChoices):
    DOG = "dog", "Dog"
    CAT = "cat", "Cat"
    RABBIT = "rabbit", "Rabbit"
    OTHER = "other", "Other"


class Size(models.TextChoices):
    SMALL = "small", "Small"
    MEDIUM = "medium", "Medium"
    LARGE = "large", "Large"


class Energy(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


@cache
def _values(choices: type[models.TextChoices]) -> tuple[str, ...]:
    return tuple(choices.values)  # Django rebuilds the list on every access


def bit(choices: type[models.TextChoices], value: str) -> int:
    """The bit of one choice in a preference mask: masks let SQL test "is X accepted" cheaply."""
    return 1 << _values(choices).index(value)


def mask(choices: type[models.TextChoices], values: list[str]) -> int:
    result = 0
    for value in values:
        result |= bit(choices, value)
    return result


def unmask(choices: type[models.TextChoices], value: int) -> list[str]:
    return [choice for index, choice in enumerate(_values(choices)) if value & (1 << index)]


class Pet(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pets"
    )
    name = models.CharField(max_length=40)
    species = models.CharField(max_length=8, choices=Species.choices)
    breed = models.CharField(max_length=60, blank=True, default="")
    age = models.PositiveSmallIntegerField(validators=[MaxValueValidator(MAX_AGE)])
    size = models.CharField(max_length=8, choices=Size.choices)
    energy = models.CharField(max_length=8, choices=Energy.choices)
    temperament = models.JSONField(default=list, blank=True)
    vaccinated = models.BooleanField(default=False)
    bio = models.TextField(max_length=500, blank=True, default="")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["owner", "is_active"])]
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(age__lte=MAX_AGE), name="pets_pet_age_range")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.species}, owner {self.owner_id})"


def default_availability() -> list[dict[str, object]]:
    """Weekend days, 10:00 to 17:00 in the owner's time zone."""
    return [{"weekday": day, "start": "10:00", "end": "17:00"} for day in (5, 6)]


class Preferences(models.Model):
    """What playmates suit a pet. Species, sizes and energy levels are bit masks (see `bit`)."""

    pet = models.OneToOneField(
        Pet, on_delete=models.CASCADE, primary_key=True, related_name="preferences"
    )
    max_distance_km = models.FloatField(
        default=5.0, validators=[MinValueValidator(0.5), MaxValueValidator(100.0)]
    )
    species_mask = models.PositiveSmallIntegerField()
    sizes_mask = models.PositiveSmallIntegerField(default=(1 << len(Size.values)) - 1)
    energy_mask = models.PositiveSmallIntegerField(default=(1 << len(Energy.values)) - 1)
    min_age = models.PositiveSmallIntegerField(default=0)
    max_age = models.PositiveSmallIntegerField(default=MAX_AGE)
    require_vaccinated = models.BooleanField(default=True)
    # [{"weekday": 0-6 (Monday = 0), "start": "HH:MM", "end": "HH:MM"}] in the owner's time zone.
    availability = models.JSONField(default=default_availability, blank=True)

    class Meta:
        verbose_name_plural = "preferences"

    def __str__(self) -> str:
        return f"preferences of pet {self.pet_id}"

    @property
    def species(self) -> list[str]:
        return unmask(Species, self.species_mask)

    @property
    def sizes(self) -> list[str]:
        return unmask(Size, self.sizes_mask)

    @property
    def energy(self) -> list[str]:
        return unmask(Energy, self.energy_mask)
