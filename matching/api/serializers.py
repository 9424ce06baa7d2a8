"""Input and output serializers for the matching and playdates APIs.

Inputs take JSON's own types only (see pets.api.serializers): no "3" for an id, no 12 for a time.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from matching.models import Playdate, PlaydateStatus
from matching.playdate_selectors import PlaydateData, PlaydatePetData
from pets.api.serializers import PetOutput, Text, WholeNumber
from pets.models import Species
from realtime.api.serializers import MessageOutput


class MatchQuery(serializers.Serializer[dict[str, Any]]):
    limit = serializers.IntegerField(min_value=1, max_value=50, default=20)


class OwnerOutput(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    username = serializers.CharField()


class ReasonOutput(serializers.Serializer[dict[str, Any]]):
    value = serializers.FloatField()
    weight = serializers.FloatField()
    points = serializers.FloatField()
    detail = serializers.CharField()


class SuggestionOutput(serializers.Serializer[dict[str, Any]]):
    """One suggested playmate. `distance_km` is rounded to 0.5 km (never below 0.5); the other
    owner's coordinates are never shown."""

    pet = PetOutput()
    owner = OwnerOutput()
    distance_km = serializers.FloatField()
    score = serializers.FloatField()
    reasons = serializers.DictField(child=ReasonOutput())
    suggested_slots = serializers.ListField(child=serializers.DateTimeField())


class SuggestionListOutput(serializers.Serializer[dict[str, Any]]):
    results = SuggestionOutput(many=True)
    next = serializers.CharField(allow_null=True)


class Moment(serializers.DateTimeField):
    """An ISO 8601 date and time as a JSON string, with its UTC offset: a time without one would
    mean different moments to the two owners."""

    def to_internal_value(self, value: Any) -> datetime:
        if not isinstance(value, str):
            self.fail("invalid", format="ISO 8601 with a UTC offset")
        try:
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
        if parsed is None:
            raise serializers.ValidationError("Use ISO 8601, e.g. 2030-06-01T15:00:00+02:00.")
        if parsed.tzinfo is None:
            raise serializers.ValidationError("Give a UTC offset, e.g. +02:00 or Z.")
        return parsed


class Degrees(serializers.FloatField):
    """A latitude or longitude: a finite JSON number (not "12.5", not true)."""

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool) or not isinstance(data, int | float) or not math.isfinite(data):
            self.fail("invalid")
        return super().to_internal_value(data)


def _place_together(attrs: dict[str, Any]) -> dict[str, Any]:
    latitude, longitude = attrs.get("latitude"), attrs.get("longitude")
    if (latitude is None) != (longitude is None):
        missing = "longitude" if longitude is None else "latitude"
        raise serializers.ValidationError(
            {missing: ["Give latitude and longitude together, or neither."]}
        )
    return attrs


class PlaceInput(serializers.Serializer[Playdate]):
    """Where to meet: a name the owners agree on and, optionally, its coordinates."""

    location_name = Text(max_length=120, required=False, allow_blank=True)
    latitude = Degrees(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = Degrees(required=False, allow_null=True, min_value=-180, max_value=180)
    message = Text(max_length=500, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _place_together(attrs)


class PlaydateInviteInput(PlaceInput):
    from_pet = WholeNumber(min_value=1, help_text="One of your pets.")
    to_pet = WholeNumber(min_value=1, help_text="Another owner's pet.")
    date_time = Moment(help_text="When to meet: ISO 8601 with a UTC offset, in the future.")


class PlaydateCounterInput(PlaceInput):
    """Another time, and optionally another place. An omitted place keeps the current one; a new
    `location_name` without coordinates drops the old coordinates. `message` replaces the last
    proposal's message."""

    date_time = Moment(help_text="The new time: ISO 8601 with a UTC offset, in the future.")


class PlaydatePetOutput(serializers.Serializer[PlaydatePetData]):
    """One of a playdate's pets, enough to name it. A pet its owner has since deleted keeps
    its name here, though its profile is gone."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    species = serializers.ChoiceField(choices=Species.choices)


class PlaydateOutput(serializers.Serializer[PlaydateData]):
    """A playdate, as `matching.playdate_selectors.playdate_data` renders it. `pet_id_1` is the
    inviting pet; `awaiting_user_id` is whose answer is awaited (null unless pending);
    `pet_1` and `pet_2` are the pets of `pet_id_1` and `pet_id_2`."""

    id = serializers.IntegerField()
    pet_id_1 = serializers.IntegerField()
    pet_id_2 = serializers.IntegerField()
    inviter_id = serializers.IntegerField()
    invitee_id = serializers.IntegerField()
    date_time = serializers.DateTimeField()
    location_name = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    message = serializers.CharField()
    status = serializers.ChoiceField(choices=PlaydateStatus.choices)
    awaiting_user_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    pet_1 = PlaydatePetOutput()
    pet_2 = PlaydatePetOutput()


class PlaydateListItemOutput(PlaydateOutput):
    """A playdate in the caller's list, with its conversation as the caller sees it: how many
    of the other owner's messages the caller has not read, and the newest message."""

    unread_count = serializers.IntegerField()
    last_message = MessageOutput(allow_null=True)


class PlaydateListOutput(serializers.Serializer[dict[str, Any]]):
    results = PlaydateListItemOutput(many=True)
    next = serializers.URLField(allow_null=True)


class PlaydateListQuery(serializers.Serializer[dict[str, Any]]):
    """Newest first. `next` carries `before`: the id of the last playdate on the page."""

    status = serializers.ChoiceField(choices=PlaydateStatus.choices, required=False)
    role = serializers.ChoiceField(
        choices=[("incoming", "incoming"), ("outgoing", "outgoing")],
        required=False,
        help_text="incoming: you were invited; outgoing: you invited.",
    )
    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)
    before = serializers.IntegerField(min_value=1, required=False)
