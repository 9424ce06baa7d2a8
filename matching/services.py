"""Writes for matching: passing on a suggested pet."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from accounts.models import User
from config.errors import NotFound
from matching.models import Pass
from pets.models import Pet
from pets.selectors import pet_get_public


def match_pass(*, owner: User, pet_id: int, other_id: int) -> None:
    """`other_id` is never suggested to the owner's pet `pet_id` again (idempotent)."""
    pet = Pet.objects.filter(pk=pet_id, owner=owner, is_active=True).first()
    if pet is None:
        raise NotFound("No such pet of yours.")
    # The same pets as have a public profile: a pet of a deleted or suspended account is gone.
    other = pet_get_public(pet_id=other_id)
    if other.owner_id == owner.pk:
        raise ValidationError({"other_id": ["Your own pets are never suggested to each other."]})
    Pass.objects.get_or_create(pet=pet, other=other)
