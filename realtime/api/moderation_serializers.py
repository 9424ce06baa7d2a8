"""Input and output serializers for reports and the moderators' API (JSON's own types only)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from pets.api.serializers import Text, WholeNumber
from realtime.activity import KINDS
from realtime.models import ModerationAction, Report, TargetType

NOTE_MAX_LENGTH = 2000


class ReportInput(serializers.Serializer[dict[str, Any]]):
    target_type = serializers.ChoiceField(choices=TargetType.choices)
    target_id = WholeNumber(min_value=1)
    reason = serializers.ChoiceField(choices=Report.Reason.choices)
    text = Text(
        max_length=Report.MAX_TEXT_LENGTH,
        allow_blank=True,
        default="",
        help_text="What happened, in the reporter's words (optional).",
    )


class ReportTargetOutput(serializers.Serializer[dict[str, Any]]):
    type = serializers.CharField()
    id = serializers.IntegerField()
    user_id = serializers.IntegerField(allow_null=True, help_text="Who answers for the target.")
    preview = serializers.CharField(help_text="Username, pet name or message text.")


class FiledReportOutput(serializers.Serializer[Any]):
    """A report as its reporter sees it."""

    id = serializers.IntegerField()
    target_type = serializers.CharField()
    target_id = serializers.IntegerField()
    reason = serializers.CharField()
    text = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


class ResolutionOutput(serializers.Serializer[dict[str, Any]]):
    action = serializers.CharField()
    note = serializers.CharField()
    moderator_id = serializers.IntegerField(allow_null=True)
    resolved_at = serializers.DateTimeField()


class ReportOutput(serializers.Serializer[dict[str, Any]]):
    """A report as moderators see it; `target_reports`: how often its target was reported."""

    id = serializers.IntegerField()
    reporter_id = serializers.IntegerField(allow_null=True)
    target = ReportTargetOutput()
    reason = serializers.CharField()
    text = serializers.CharField()
    status = serializers.CharField()
    target_reports = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    resolution = ResolutionOutput(allow_null=True)


class ReportListQuery(serializers.Serializer[dict[str, Any]]):
    status = serializers.ChoiceField(choices=Report.Status.choices, required=False)
    ordering = serializers.ChoiceField(
        choices=["age", "frequency"],
        default="age",
        help_text="age: oldest first; frequency: most reported targets first.",
    )
    # Bounded so that the page's offset fits PostgreSQL's bigint OFFSET (past the last report
    # a page is empty, as before).
    page = serializers.IntegerField(min_value=1, max_value=2**31 - 1, default=1)
    limit = serializers.IntegerField(min_value=1, max_value=100, default=50)


class ReportListOutput(serializers.Serializer[dict[str, Any]]):
    results = ReportOutput(many=True)
    next = serializers.URLField(allow_null=True)


class ResolveInput(serializers.Serializer[dict[str, Any]]):
    action = serializers.ChoiceField(
        choices=[
            ModerationAction.Kind.DISMISS,
            ModerationAction.Kind.HIDE_MESSAGE,
            ModerationAction.Kind.SUSPEND_USER,
        ]
    )
    note = Text(max_length=NOTE_MAX_LENGTH, allow_blank=True, default="")


class SuspensionInput(serializers.Serializer[dict[str, Any]]):
    note = Text(
        max_length=NOTE_MAX_LENGTH, allow_blank=True, default="", help_text="Why, for the log."
    )


class ModeratedUserOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    username = serializers.CharField()
    role = serializers.CharField()
    suspended_at = serializers.DateTimeField(allow_null=True)
    date_joined = serializers.DateTimeField()


class SubjectOutput(serializers.Serializer[dict[str, Any]]):
    type = serializers.CharField()
    id = serializers.IntegerField()


class ActivityOutput(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    actor_id = serializers.IntegerField(allow_null=True)
    subject = SubjectOutput()
    target_user_id = serializers.IntegerField(
        allow_null=True, help_text="The other user the action concerned, if any."
    )
    summary = serializers.CharField()
    metro = serializers.CharField(help_text="The actor's metro area (slug), or empty.")
    created_at = serializers.DateTimeField()


class ActivityListQuery(serializers.Serializer[dict[str, Any]]):
    """Newest first. `next` carries `before`: the id of the last item on the page."""

    before = serializers.IntegerField(min_value=1, required=False)
    limit = serializers.IntegerField(min_value=1, max_value=100, default=50)
    kind = serializers.ChoiceField(choices=KINDS, required=False)
    user = serializers.IntegerField(
        min_value=1, required=False, help_text="What this user did, and what was done to them."
    )
    metro = serializers.SlugField(max_length=40, required=False)


class ActivityListOutput(serializers.Serializer[dict[str, Any]]):
    results = ActivityOutput(many=True)
    next = serializers.URLField(allow_null=True)


class AuditEntryOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    moderator_id = serializers.IntegerField()
    action = serializers.CharField()
    target_type = serializers.CharField()
    target_id = serializers.IntegerField()
    report_id = serializers.IntegerField(allow_null=True)
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class AuditListQuery(serializers.Serializer[dict[str, Any]]):
    before = serializers.IntegerField(min_value=1, required=False)
    limit = serializers.IntegerField(min_value=1, max_value=100, default=50)
    target_type = serializers.ChoiceField(choices=TargetType.choices, required=False)
    target_id = serializers.IntegerField(min_value=1, required=False)


class AuditListOutput(serializers.Serializer[dict[str, Any]]):
    results = AuditEntryOutput(many=True)
    next = serializers.URLField(allow_null=True)
