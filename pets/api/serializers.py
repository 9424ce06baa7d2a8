"""Input and output serializers for the pets API.

Inputs take JSON's own types only: DRF would otherwise read "3" or 3.0 as an age, "yes" or 1 as
true, and 42 as a name.
"""

from __future__ import annotations

import math
import re
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pets.models import MAX_AGE, TEMPERAMENTS, Energy, Pet, Preferences, Size, Species
from pets.services import Window

MAX_TEMPERAMENT_TAGS = 5
MAX_WINDOWS = 21
# ASCII digits only, and fullmatch: `\d` takes any script's digits and `$` a trailing newline.
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


class Text(serializers.CharField):
    """A JSON string, trimmed unless told otherwise."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class WholeNumber(serializers.IntegerField):
    """A JSON integer: not 1.5, not 3.0, not "3", not true."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class Flag(serializers.BooleanField):
    """A JSON true or false: not "yes", not 1."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class Kilometres(serializers.FloatField):
    """A finite JSON number. The JSON parser reads 1e400 as infinity."""

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


class ChoiceList(serializers.ListField):
    """A list of distinct values from a fixed vocabulary."""

    def __init__(self, choices: Any, **kwargs: Any) -> None:
        super().__init__(child=serializers.ChoiceField(choices=choices), **kwargs)

    def to_internal_value(self, data: Any) -> list[str]:
        values: list[str] = super().to_internal_value(data)
        if len(set(values)) != len(values):
            raise serializers.ValidationError("Each value may appear only once.")
        return values


@extend_schema_field(
    {
        "type": "array",
        "items": {"$ref": "#/components/schemas/SizeEnum"},
        "minItems": 1,
        "uniqueItems": True,
    }
)
class SizeList(ChoiceList):
    """Sizes, described with the pet's own `size` enum rather than a second name for it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(Size.choices, **kwargs)


class Clock(Text):
    """A 24-hour "HH:MM" time of day; "24:00" (midnight at the end of the day) where allowed."""

    def __init__(self, *, allow_midnight_end: bool = False, **kwargs: Any) -> None:
        super().__init__(trim_whitespace=False, **kwargs)
        self.allow_midnight_end = allow_midnight_end

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if self.allow_midnight_end and value == "24:00":
            return value
        if not _CLOCK.fullmatch(value):
            latest = "24:00" if self.allow_midnight_end else "23:59"
            raise serializers.ValidationError(f'Use 24-hour "HH:MM", from 00:00 to {latest}.')
        return value


class ChoiceListSchema(OpenApiSerializerFieldExtension):  # type: ignore[no-untyped-call]
    """A ChoiceList in the schema: distinct values, and at least one unless it may be empty."""

    target_class = ChoiceList
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer_field(
            self.target, direction, bypass_extensions=True
        )
        schema["uniqueItems"] = True
        if not self.target.allow_empty:
            schema["minItems"] = 1
        return schema


class ClockSchema(OpenApiSerializerFieldExtension):  # type: ignore[no-untyped-call]
    """A Clock in the schema: the pattern it checks."""

    target_class = Clock

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        clock = _CLOCK.pattern
        if self.target.allow_midnight_end:
            clock = f"{clock}|24:00"
        return {"type": "string", "pattern": f"^({clock})$"}


class PetInput(serializers.Serializer[Pet]):
    """A pet's profile: all of it to create (POST), any part of it to edit (PATCH)."""

    name = Text(max_length=40)
    species = serializers.ChoiceField(choices=Species.choices)
    breed = Text(max_length=60, required=False, allow_blank=True)
    age = WholeNumber(min_value=0, max_value=MAX_AGE)
    size = serializers.ChoiceField(choices=Size.choices)
    energy = serializers.ChoiceField(choices=Energy.choices)
    temperament = ChoiceList(TEMPERAMENTS, max_length=MAX_TEMPERAMENT_TAGS, required=False)
    vaccinated = Flag(required=False)
    bio = Text(max_length=500, required=False, allow_blank=True)


class PetOutput(serializers.Serializer[Pet]):
    """A pet's public profile. A plain Serializer: lists and matches render many of them.

    Never any coordinates: a pet is where its owner is, and that is the owner's secret.
    """

    id = serializers.IntegerField(read_only=True)
    owner_id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    species = serializers.CharField(read_only=True)
    breed = serializers.CharField(read_only=True)
    age = serializers.IntegerField(read_only=True)
    size = serializers.CharField(read_only=True)
    energy = serializers.CharField(read_only=True)
    temperament = serializers.ListField(child=serializers.CharField(), read_only=True)
    vaccinated = serializers.BooleanField(read_only=True)
    bio = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class PetListOutput(serializers.Serializer[dict[str, Any]]):
    results = PetOutput(many=True)
    next = serializers.URLField(allow_null=True)


class PetListQuery(serializers.Serializer[dict[str, Any]]):
    """Newest first. `next` carries `before`: the id of the last pet on the page."""

    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)
    before = serializers.IntegerField(min_value=1, required=False)


class WindowIO(serializers.Serializer[Window]):
    weekday = WholeNumber(min_value=0, max_value=6, help_text="Monday = 0 … Sunday = 6.")
    start = Clock(help_text='"HH:MM", in the owner\'s time zone.')
    end = Clock(allow_midnight_end=True, help_text='"HH:MM" after start; "24:00" for midnight.')

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Zero-padded "HH:MM" strings sort like the times they name.
        if attrs["start"] >= attrs["end"]:
            raise serializers.ValidationError({"end": ["Must be later than start."]})
        return attrs


class PreferencesIO(serializers.Serializer[Preferences]):
    """What playmates suit a pet: the same shape in (PUT) and out (GET).

    PUT replaces the whole object, so every field is required, `availability` included: a client
    reads, edits and writes back, and nothing is left to a default it never saw. `availability`
    may be empty (no regular times: matching then proposes none); the other lists may not.
    Windows are weekly, in the owner's time zone (`time_zone` on the user); they come back in
    weekday and start order.
    """

    max_distance_km = Kilometres(min_value=0.5, max_value=100)
    species = ChoiceList(Species.choices, allow_empty=False)
    sizes = SizeList(allow_empty=False)
    energy = ChoiceList(Energy.choices, allow_empty=False)
    min_age = WholeNumber(min_value=0, max_value=MAX_AGE)
    max_age = WholeNumber(min_value=0, max_value=MAX_AGE)
    require_vaccinated = Flag()
    availability = serializers.ListField(child=WindowIO(), max_length=MAX_WINDOWS)

    def validate_availability(self, windows: list[Window]) -> list[Window]:
        latest_end: dict[int, str] = {}  # weekday -> the latest end among its windows so far
        overlapping: dict[str, list[str]] = {}
        by_start = sorted(
            enumerate(windows), key=lambda item: (item[1]["weekday"], item[1]["start"])
        )
        for index, window in by_start:
            day_end = latest_end.get(window["weekday"], "00:00")
            if window["start"] < day_end:
                overlapping[str(index)] = ["Overlaps another window on the same weekday."]
            latest_end[window["weekday"]] = max(window["end"], day_end)
        if overlapping:
            raise serializers.ValidationError(overlapping)
        return windows

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["min_age"] > attrs["max_age"]:
            raise serializers.ValidationError({"min_age": ["Must not be greater than max_age."]})
        return attrs
