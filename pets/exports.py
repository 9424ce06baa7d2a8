"""The `pets` section of a user's export (GET /me/export, accounts.exports): every pet the user
ever added, with what playmates suit it."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers

from accounts.models import User
from pets.api.serializers import PetOutput, PreferencesIO
from pets.models import Pet


class PetRecordOutput(PetOutput):
    """A pet as kept on record: retired ones too (`is_active` false), with its preferences
    (null for a pet added in the admin that never had any)."""

    is_active = serializers.BooleanField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    preferences = PreferencesIO(read_only=True, allow_null=True)


def pets_owned(*, user: User) -> QuerySet[Pet]:
    """Retired pets too: their rows stay (for playdates and chats), so they are still held."""
    return Pet.objects.filter(owner=user).select_related("preferences").order_by("pk")
