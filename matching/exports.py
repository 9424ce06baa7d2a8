"""Matching's sections of a user's export (GET /me/export, accounts.exports): the passes the
user's pets made, and every playdate the user sent or received."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import serializers

from accounts.models import User
from matching.models import Pass
from matching.playdate_selectors import PlaydateData, playdate_data, playdate_list


class PassRecordOutput(serializers.Serializer[Pass]):
    """One of the user's pets (`pet_id`) said no to another pet (`other_pet_id`)."""

    pet_id = serializers.IntegerField(read_only=True)
    other_pet_id = serializers.IntegerField(source="other_id", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


def passes_made(*, user: User) -> QuerySet[Pass]:
    """The passes of the user's pets. Other owners' passes on the user's pets are theirs."""
    return Pass.objects.filter(pet__owner=user).order_by("pk")


def playdates_of(*, user: User) -> list[PlaydateData]:
    """Sent and received, newest first, as the playdate list shows them."""
    now = timezone.now()
    return [playdate_data(playdate, now=now) for playdate in playdate_list(user=user, now=now)]
