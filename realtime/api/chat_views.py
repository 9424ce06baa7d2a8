"""Chat API: thin views over realtime.chat_services and realtime.chat_selectors."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from accounts.api.views import current_user
from config import features
from config.errors import RETRY_AFTER, error_responses
from config.features import feature_required
from realtime import chat_selectors as selectors
from realtime import chat_services as services
from realtime.api import serializers as io

NO_SUCH_CHAT = (404, "not_found: no such playdate of yours.")


class MessageListCreateApi(APIView):
    permission_classes = (IsAuthenticated, feature_required(features.CHAT))

    @extend_schema(
        operation_id="v1_playdates_messages_list",
        parameters=[io.MessageListQuery],
        responses={200: io.MessageListOutput, **error_responses(400, 401, NO_SUCH_CHAT, 503)},
    )
    def get(self, request: Request, playdate_id: int) -> Response:
        """The playdate's conversation, newest first: its two owners (without hidden messages)
        and moderators (with them)."""
        query = io.MessageListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        limit: int = query.validated_data["limit"]
        user = current_user(request)
        messages = selectors.message_list(
            user=user,
            playdate_id=playdate_id,
            before=query.validated_data.get("before"),
        )
        # One message more than the page tells whether there is a next page, without a COUNT.
        page = list(messages[: limit + 1])
        next_url = None
        if len(page) > limit:
            page = page[:limit]
            next_url = replace_query_param(request.build_absolute_uri(), "before", page[-1].pk)
        results = [selectors.message_data(message, viewer_id=user.pk) for message in page]
        return Response(io.MessageListOutput({"results": results, "next": next_url}).data)

    @extend_schema(
        request=io.MessageSendInput,
        responses={
            201: io.MessageOutput,
            **error_responses(
                400,
                401,
                NO_SUCH_CHAT,
                (409, "conflict: the playdate is over, or one of you blocked the other."),
                429,
                503,
            ),
        },
        parameters=[RETRY_AFTER],
    )
    def post(self, request: Request, playdate_id: int) -> Response:
        """Either owner, while the playdate is pending or accepted (409 after that); rate
        limited per user across REST and WebSocket (429 with Retry-After)."""
        payload = io.MessageSendInput(data=request.data)
        payload.is_valid(raise_exception=True)
        user = current_user(request)
        message = services.message_send(
            user=user, playdate_id=playdate_id, **payload.validated_data
        )
        return Response(
            io.MessageOutput(selectors.message_data(message, viewer_id=user.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class ChatReadApi(APIView):
    permission_classes = (IsAuthenticated, feature_required(features.CHAT))

    @extend_schema(
        request=io.ChatReadInput,
        responses={204: None, **error_responses(400, 401, NO_SUCH_CHAT, 503)},
    )
    def post(self, request: Request, playdate_id: int) -> Response:
        """Marks the conversation read up to `message_id` (never backwards); the other owner
        gets a `chat.read` event."""
        payload = io.ChatReadInput(data=request.data)
        payload.is_valid(raise_exception=True)
        services.messages_read(
            user=current_user(request),
            playdate_id=playdate_id,
            message_id=payload.validated_data["message_id"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
