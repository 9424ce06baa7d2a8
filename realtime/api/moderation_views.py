"""Reports (any user) and the moderators' API: thin views over realtime.moderation_services and
realtime.moderation_selectors. Owners get 403 on every moderator route."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from accounts.api.views import current_user
from config.errors import RETRY_AFTER, error_responses
from realtime import activity
from realtime import moderation_selectors as selectors
from realtime import moderation_services as services
from realtime.api import moderation_serializers as io


class IsModerator(BasePermission):
    message = services.ONLY_MODERATORS

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(getattr(request.user, "is_moderator", False))


MODERATORS = (IsAuthenticated, IsModerator)
MODERATORS_ERRORS = (401, (403, "permission_denied: moderators only."))
NO_SUCH_REPORT = (404, "not_found: no such report.")
NO_SUCH_USER = (404, "not_found: no such user.")


def _newest_first_page(
    request: Request, items: QuerySet[Any], limit: int
) -> tuple[list[Any], str | None]:
    """One item more than the page tells whether there is a next page, without a COUNT."""
    page = list(items[: limit + 1])
    if len(page) <= limit:
        return page, None
    page = page[:limit]
    return page, replace_query_param(request.build_absolute_uri(), "before", page[-1].pk)


class ReportFileApi(APIView):
    @extend_schema(
        request=io.ReportInput,
        responses={
            201: io.FiledReportOutput,
            **error_responses(
                400,
                401,
                (404, "not_found: no such target you can see."),
                (409, "conflict: your earlier report of this target is still open."),
                429,
            ),
        },
        parameters=[RETRY_AFTER],
    )
    def post(self, request: Request) -> Response:
        """Report a user, a pet or a message of one of your conversations, with a reason.
        Moderators review it; you hear back on your sockets (`report.reviewed`). 409 while your
        earlier report of the same target is open; rate limited (429)."""
        payload = io.ReportInput(data=request.data)
        payload.is_valid(raise_exception=True)
        report = services.report_file(reporter=current_user(request), **payload.validated_data)
        return Response(io.FiledReportOutput(report).data, status=status.HTTP_201_CREATED)


def _report_output(reports: list[selectors.ReportRow]) -> list[dict[str, Any]]:
    previews = selectors.target_previews(reports)
    return [selectors.report_data(report, previews) for report in reports]


class ReportQueueApi(APIView):
    permission_classes = MODERATORS

    @extend_schema(
        operation_id="v1_moderation_reports_list",
        parameters=[io.ReportListQuery],
        responses={200: io.ReportListOutput, **error_responses(400, *MODERATORS_ERRORS)},
    )
    def get(self, request: Request) -> Response:
        """The report queue: `status=open` for what is left to do, oldest first or most
        reported target first (`ordering=frequency`)."""
        query = io.ReportListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        page_number: int = query.validated_data["page"]
        limit: int = query.validated_data["limit"]
        reports = selectors.report_queue(
            status=query.validated_data.get("status"), ordering=query.validated_data["ordering"]
        )
        start = (page_number - 1) * limit
        page = list(reports[start : start + limit + 1])
        next_url = None
        if len(page) > limit:
            page = page[:limit]
            next_url = replace_query_param(request.build_absolute_uri(), "page", page_number + 1)
        return Response(
            io.ReportListOutput({"results": _report_output(page), "next": next_url}).data
        )


class ReportDetailApi(APIView):
    permission_classes = MODERATORS

    @extend_schema(
        responses={200: io.ReportOutput, **error_responses(*MODERATORS_ERRORS, NO_SUCH_REPORT)}
    )
    def get(self, request: Request, report_id: int) -> Response:
        report = selectors.report_get(report_id=report_id)
        return Response(io.ReportOutput(_report_output([report])[0]).data)


class ReportResolveApi(APIView):
    permission_classes = MODERATORS

    @extend_schema(
        request=io.ResolveInput,
        responses={
            200: io.ReportOutput,
            **error_responses(
                400,
                *MODERATORS_ERRORS,
                NO_SUCH_REPORT,
                (409, "conflict: the report is already resolved."),
            ),
        },
    )
    def post(self, request: Request, report_id: int) -> Response:
        """Resolve a report, and every open report of the same target, with one action:
        `dismiss`, `hide_message` (message reports) or `suspend_user`. 409 if already
        resolved. The reporters are told; the action lands in the audit log."""
        payload = io.ResolveInput(data=request.data)
        payload.is_valid(raise_exception=True)
        services.report_resolve(
            moderator=current_user(request), report_id=report_id, **payload.validated_data
        )
        report = selectors.report_get(report_id=report_id)
        return Response(io.ReportOutput(_report_output([report])[0]).data)


class UserSuspendApi(APIView):
    permission_classes = MODERATORS

    @extend_schema(
        request=io.SuspensionInput,
        responses={
            200: io.ModeratedUserOutput,
            **error_responses(
                400,
                *MODERATORS_ERRORS,
                NO_SUCH_USER,
                (409, "conflict: the user is already suspended, or is a moderator."),
            ),
        },
    )
    def post(self, request: Request, user_id: int) -> Response:
        """Suspend a user at once: their tokens stop working, their sockets close (4403), their
        pets and pending invitations disappear. 409 if already suspended or a moderator."""
        payload = io.SuspensionInput(data=request.data)
        payload.is_valid(raise_exception=True)
        user = services.user_suspend(
            moderator=current_user(request), user_id=user_id, **payload.validated_data
        )
        return Response(io.ModeratedUserOutput(user).data)


class UserUnsuspendApi(APIView):
    permission_classes = MODERATORS

    @extend_schema(
        request=io.SuspensionInput,
        responses={
            200: io.ModeratedUserOutput,
            **error_responses(
                400,
                *MODERATORS_ERRORS,
                NO_SUCH_USER,
                (409, "conflict: the user is not suspended."),
            ),
        },
    )
    def post(self, request: Request, user_id: int) -> Response:
        """Lift a suspension. 409 if the user is not suspended."""
        payload = io.SuspensionInput(data=request.data)
        payload.is_valid(raise_exception=True)
        user = services.user_unsuspend(
            moderator=current_user(request), user_id=user_id, **payload.validated_data
        )
        return Response(io.ModeratedUserOutput(user).data)


class ActivityFeedApi(APIView):
    permission_classes = MODERATORS

    @extend_schema(
        parameters=[io.ActivityListQuery],
        responses={200: io.ActivityListOutput, **error_responses(400, *MODERATORS_ERRORS)},
    )
    def get(self, request: Request) -> Response:
        """The activity feed, newest first, optionally of one kind, one user (as actor or
        target) or one metro area. Live: the `moderation.activity` WebSocket event."""
        query = io.ActivityListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        feed = selectors.activity_feed(
            before=filters.get("before"),
            kind=filters.get("kind"),
            user_id=filters.get("user"),
            metro=filters.get("metro"),
        )
        page, next_url = _newest_first_page(request, feed, filters["limit"])
        results = [activity.activity_data(item) for item in page]
        return Response(io.ActivityListOutput({"results": results, "next": next_url}).data)


class AuditLogApi(APIView):
    permission_classes = MODERATORS

    @extend_schema(
        parameters=[io.AuditListQuery],
        responses={200: io.AuditListOutput, **error_responses(400, *MODERATORS_ERRORS)},
    )
    def get(self, request: Request) -> Response:
        """Every moderator action (who, what, why, when), newest first. Read-only: the log is
        never changed."""
        query = io.AuditListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        actions = selectors.audit_log(
            before=filters.get("before"),
            target_type=filters.get("target_type"),
            target_id=filters.get("target_id"),
        )
        page, next_url = _newest_first_page(request, actions, filters["limit"])
        return Response(io.AuditListOutput({"results": page, "next": next_url}).data)
