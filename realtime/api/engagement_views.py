"""GET /api/v1/metrics/engagement: the engagement figures (realtime.engagement), moderators
only."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import error_responses
from realtime import engagement
from realtime.api import engagement_serializers as io
from realtime.api import moderation_views


class IsModerator(moderation_views.IsModerator):
    message = "Only moderators may see the engagement figures."


class EngagementApi(APIView):
    permission_classes = (IsAuthenticated, IsModerator)

    @extend_schema(
        parameters=[io.EngagementQuery],
        responses={
            200: io.EngagementOutput,
            **error_responses(400, *moderation_views.MODERATORS_ERRORS),
        },
    )
    def get(self, request: Request) -> Response:
        """Per UTC day from `start` to `end` (at most 366 days): active owners, sign-ups, new
        pets, suggestions shown, invitations sent and accepted, acceptance rate, median and p90
        time to accept, messages, completed playdates; over the range: totals, WAU/MAU and
        stickiness as of `end`, the invitation funnel and weekly sign-up cohorts' retention.
        `metro` narrows every figure to one metro area's owners."""
        query = io.EngagementQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        figures = engagement.engagement(
            start=query.validated_data["start"],
            end=query.validated_data["end"],
            metro=query.validated_data.get("metro"),
            now=timezone.now(),
        )
        return Response(io.EngagementOutput(figures).data)
