"""Input and output serializers for the engagement figures (realtime.engagement says what each
figure counts)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from rest_framework import serializers

from accounts.metros import METRO_AREAS
from realtime.engagement import MAX_DAYS, MONTH_DAYS, WEEK_DAYS

# The figures reach a month and some weeks beyond either end of the range; nearer the ends of
# the calendar than that, the date arithmetic would overflow.
_REACH = timedelta(days=MONTH_DAYS + 2 * WEEK_DAYS)
EARLIEST, LATEST = date.min + _REACH, date.max - _REACH

RATE = "A share from 0 to 1 (4 decimals); null when there is nothing to divide by."


class EngagementQuery(serializers.Serializer[dict[str, Any]]):
    start = serializers.DateField(
        input_formats=["%Y-%m-%d"], help_text=f"First day, UTC; not before {EARLIEST}."
    )
    end = serializers.DateField(
        input_formats=["%Y-%m-%d"],
        help_text=f"Last day, UTC; at most {MAX_DAYS} days in all; not after {LATEST}.",
    )
    metro = serializers.ChoiceField(
        choices=[(area.slug, area.name) for area in METRO_AREAS],
        required=False,
        help_text="Only this metro area's owners (by slug, as in the user's `metro`).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start: date = attrs["start"]
        end: date = attrs["end"]
        if start < EARLIEST:
            raise serializers.ValidationError({"start": [f"Must be on or after {EARLIEST}."]})
        if end > LATEST:
            raise serializers.ValidationError({"end": [f"Must be on or before {LATEST}."]})
        if end < start:
            raise serializers.ValidationError({"end": ["Must be on or after start."]})
        if (end - start).days + 1 > MAX_DAYS:
            raise serializers.ValidationError(
                {"end": [f"The range may cover at most {MAX_DAYS} days."]}
            )
        return attrs


class EngagementDayOutput(serializers.Serializer[dict[str, Any]]):
    date = serializers.DateField()
    dau = serializers.IntegerField(help_text="Owners active that day.")
    wau = serializers.IntegerField(help_text="Owners active in the 7 days ending that day.")
    mau = serializers.IntegerField(help_text="Owners active in the 30 days ending that day.")
    new_users = serializers.IntegerField(help_text="Owners who signed up.")
    new_pets = serializers.IntegerField(help_text="Pets added.")
    suggestions_shown = serializers.IntegerField(help_text="Suggestions sent (match.suggested).")
    invitations_sent = serializers.IntegerField()
    invitations_accepted = serializers.IntegerField(
        help_text="Invitations accepted that day, whenever they were sent."
    )
    acceptance_rate = serializers.FloatField(
        allow_null=True, help_text=f"Of the invitations sent that day, accepted by now. {RATE}"
    )
    median_seconds_to_accept = serializers.FloatField(
        allow_null=True, help_text="Of the invitations accepted that day."
    )
    p90_seconds_to_accept = serializers.FloatField(allow_null=True)
    messages_sent = serializers.IntegerField()
    playdates_completed = serializers.IntegerField(
        help_text="Accepted playdates that ended (2 hours after their time) that day."
    )


class EngagementTotalsOutput(serializers.Serializer[dict[str, Any]]):
    """The days' figures over the whole range."""

    new_users = serializers.IntegerField()
    new_pets = serializers.IntegerField()
    suggestions_shown = serializers.IntegerField()
    invitations_sent = serializers.IntegerField()
    invitations_accepted = serializers.IntegerField()
    acceptance_rate = serializers.FloatField(allow_null=True, help_text=RATE)
    median_seconds_to_accept = serializers.FloatField(allow_null=True)
    p90_seconds_to_accept = serializers.FloatField(allow_null=True)
    messages_sent = serializers.IntegerField()
    playdates_completed = serializers.IntegerField()


class ActiveUsersOutput(serializers.Serializer[dict[str, Any]]):
    """Active owners as of the range's last day."""

    as_of = serializers.DateField()
    dau = serializers.IntegerField()
    wau = serializers.IntegerField(help_text="Owners active in the 7 days ending on `as_of`.")
    mau = serializers.IntegerField(help_text="Owners active in the 30 days ending on `as_of`.")
    average_dau = serializers.FloatField(help_text="Mean DAU over those 30 days.")
    stickiness = serializers.FloatField(allow_null=True, help_text=f"average_dau / mau. {RATE}")


class FunnelOutput(serializers.Serializer[dict[str, Any]]):
    """Invitations sent in the range and what became of them by now, after the suggestions
    shown in the range."""

    suggested = serializers.IntegerField()
    invited = serializers.IntegerField()
    accepted = serializers.IntegerField()
    completed = serializers.IntegerField()
    invited_per_suggested = serializers.FloatField(allow_null=True)
    accepted_per_invited = serializers.FloatField(allow_null=True)
    completed_per_accepted = serializers.FloatField(allow_null=True)


class RetentionOutput(serializers.Serializer[dict[str, Any]]):
    week = serializers.IntegerField(help_text="Weeks after the sign-up week: 1, 2, ...")
    active = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text=RATE)


class CohortOutput(serializers.Serializer[dict[str, Any]]):
    week = serializers.DateField(help_text="Monday of the ISO week of sign-up (UTC).")
    size = serializers.IntegerField(help_text="Owners who signed up that week.")
    retention = RetentionOutput(many=True)


class EngagementOutput(serializers.Serializer[dict[str, Any]]):
    start = serializers.DateField()
    end = serializers.DateField()
    metro = serializers.CharField(allow_null=True)
    days = EngagementDayOutput(many=True)
    totals = EngagementTotalsOutput()
    active_users = ActiveUsersOutput()
    funnel = FunnelOutput()
    cohorts = CohortOutput(many=True)
