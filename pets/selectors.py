"""Reads for pets. Another user's pet that is not public reads as missing: NotFound, never 403."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from config.errors import NotFound
from pets.models import Pet, Preferences

NO_SUCH_PET = "No such pet."


def pet_list_owned(*, owner: User, before: int | None = None) -> QuerySet[Pet]:
    """The owner's active pets, newest first; `before` (a pet id) starts after that pet."""
    pets = Pet.objects.filter(owner=owner, is_active=True)
    if before is not None:
        pets = pets.filter(pk__lt=before)
    return pets.order_by("-pk")


def pet_get_public(*, pet_id: int) -> Pet:
    """Any active pet whose owner still stands (active, not suspended)."""
    pet = Pet.objects.filter(
        pk=pet_id, is_active=True, owner__is_active=True, owner__suspended_at__isnull=True
    ).first()
    if pet is None:
        raise NotFound(NO_SUCH_PET)
    return pet


def pet_get_owned(*, owner: User, pet_id: int) -> Pet:
    """One of the owner's active pets."""
    pet = Pet.objects.filter(pk=pet_id, owner=owner, is_active=True).first()
    if pet is None:
        raise NotFound(NO_SUCH_PET)
    return pet


def preferences_get_owned(*, owner: User, pet_id: int) -> Preferences:
    """The preferences of one of the owner's active pets, in one query."""
    preferences = Preferences.objects.filter(
        pet_id=pet_id, pet__owner=owner, pet__is_active=True
    ).first()
    if preferences is None:
        raise NotFound(NO_SUCH_PET)
    return preferences
