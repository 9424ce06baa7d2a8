"""Input and output serializers for the matching API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from pets.api.serializers import PetOutput


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
