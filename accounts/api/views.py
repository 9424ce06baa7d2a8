"""Accounts API: thin views over accounts.services and accounts.selectors."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import Token

from accounts import selectors, services
from accounts.api import serializers as io
from accounts.metros import METRO_AREAS
from accounts.models import User
from accounts.tokens import TokenPair
from config.clients import client_address
from config.errors import RETRY_AFTER, PermissionDenied, error_responses


def client_ip(request: Request) -> str:
    return client_address(request.META) or "unknown"


def user_agent(request: Request) -> str:
    return str(request.META.get("HTTP_USER_AGENT", ""))


def current_user(request: Request) -> User:
    if not isinstance(request.user, User):
        raise exceptions.NotAuthenticated
    return request.user


def register(request: Request) -> tuple[User, TokenPair]:
    """Validates a registration and makes the account, for the JSON and browser flows alike."""
    payload = io.RegisterInput(data=request.data)
    payload.is_valid(raise_exception=True)
    try:
        return services.user_register(
            **payload.validated_data,
            client_ip=client_ip(request),
            user_agent=user_agent(request),
        )
    except services.EmailTaken as exc:
        raise serializers.ValidationError(
            {"email": ["An account with this email already exists."]}
        ) from exc


# A login answers a wrong email or password 401 and a suspended account 403.
LOGIN_ERRORS = (400, 401, (403, "permission_denied: this account is suspended."), 429)
BLOCK_ERRORS = error_responses(
    (400, "validation_error: you cannot block yourself."), 401, (404, "not_found: no such user.")
)


class RegisterApi(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        request=io.RegisterInput,
        responses={201: io.RegisterOutput, **error_responses(400, 429)},
        parameters=[RETRY_AFTER],
        auth=[],
    )
    def post(self, request: Request) -> Response:
        user, tokens = register(request)
        body = {
            "user": io.UserOutput(user).data,
            "access": tokens.access,
            "refresh": tokens.refresh,
        }
        return Response(body, status=status.HTTP_201_CREATED)


class TokenObtainApi(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        request=io.LoginInput,
        responses={200: io.TokenPairOutput, **error_responses(*LOGIN_ERRORS)},
        parameters=[RETRY_AFTER],
        auth=[],
    )
    def post(self, request: Request) -> Response:
        payload = io.LoginInput(data=request.data)
        payload.is_valid(raise_exception=True)
        _, tokens = services.auth_login(
            **payload.validated_data, client_ip=client_ip(request), user_agent=user_agent(request)
        )
        return Response({"access": tokens.access, "refresh": tokens.refresh})


class TokenRefreshApi(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        request=io.RefreshInput,
        responses={
            200: io.TokenPairOutput,
            **error_responses(
                400, (401, "not_authenticated: the refresh token is invalid, used or ended.")
            ),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        payload = io.RefreshInput(data=request.data)
        payload.is_valid(raise_exception=True)
        tokens = services.token_refresh(raw_refresh=payload.validated_data["refresh"])
        return Response({"access": tokens.access, "refresh": tokens.refresh})


class LogoutApi(APIView):
    @extend_schema(request=io.RefreshInput, responses={204: None, **error_responses(400, 401)})
    def post(self, request: Request) -> Response:
        payload = io.RefreshInput(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            services.auth_logout(
                user=current_user(request), raw_refresh=payload.validated_data["refresh"]
            )
        except services.InvalidRefresh as exc:
            raise serializers.ValidationError(
                {"refresh": ["This is not a live refresh token of yours."]}
            ) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    @extend_schema(responses={200: io.UserOutput, **error_responses(401)})
    def get(self, request: Request) -> Response:
        return Response(io.UserOutput(current_user(request)).data)

    @extend_schema(
        request=io.ProfileInput, responses={200: io.UserOutput, **error_responses(400, 401)}
    )
    def patch(self, request: Request) -> Response:
        user = current_user(request)
        payload = io.ProfileInput(instance=user, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        if payload.validated_data:
            user = services.user_update(user=user, **payload.validated_data)
        return Response(io.UserOutput(user).data)

    @extend_schema(
        request=io.PasswordConfirmInput,
        responses={204: None, **error_responses(400, 401, 429)},
        parameters=[RETRY_AFTER],
    )
    def delete(self, request: Request) -> Response:
        payload = io.PasswordConfirmInput(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            services.user_delete(
                user=current_user(request), password=payload.validated_data["password"]
            )
        except services.WrongPassword as exc:
            raise serializers.ValidationError({"password": ["The password is incorrect."]}) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeExportApi(APIView):
    @extend_schema(responses={200: io.ExportOutput, **error_responses(401)})
    def get(self, request: Request) -> Response:
        export = selectors.user_export(user=current_user(request))
        return Response(io.ExportOutput({"exported_at": timezone.now(), **export}).data)


class UserBlockApi(APIView):
    @extend_schema(request=None, responses={204: None, **BLOCK_ERRORS})
    def post(self, request: Request, user_id: int) -> Response:
        services.user_block(user=current_user(request), other_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={204: None, **BLOCK_ERRORS})
    def delete(self, request: Request, user_id: int) -> Response:
        services.user_unblock(user=current_user(request), other_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionListApi(APIView):
    @extend_schema(responses={200: io.SessionListOutput, **error_responses(401)})
    def get(self, request: Request) -> Response:
        sessions = selectors.session_list(user=current_user(request))
        context: dict[str, Any] = {"current_session_id": _session_id(request)}
        results = io.SessionOutput(sessions, many=True, context=context).data
        return Response({"results": results, "next": None})


class SessionDetailApi(APIView):
    @extend_schema(responses={204: None, **error_responses(401, 404)})
    def delete(self, request: Request, session_id: int) -> Response:
        services.session_revoke(user=current_user(request), session_id=session_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _session_id(request: Request) -> object:
    token = request.auth
    return token.get("sid") if isinstance(token, Token) else None


class FeedbackApi(APIView):
    @extend_schema(
        request=io.FeedbackInput,
        responses={201: io.FeedbackOutput, **error_responses(400, 401, 429)},
        parameters=[RETRY_AFTER],
    )
    def post(self, request: Request) -> Response:
        """Tell us what you think of Pawdate, from anywhere in the app; moderators read it.
        Rate limited per owner (429 with Retry-After)."""
        payload = io.FeedbackInput(data=request.data)
        payload.is_valid(raise_exception=True)
        feedback = services.feedback_give(user=current_user(request), **payload.validated_data)
        return Response(io.FeedbackOutput(feedback).data, status=status.HTTP_201_CREATED)


class ModerationFeedbackListApi(APIView):
    @extend_schema(
        parameters=[io.FeedbackListQuery],
        responses={
            200: io.FeedbackListOutput,
            **error_responses(400, 401, (403, "permission_denied: moderators only.")),
        },
    )
    def get(self, request: Request) -> Response:
        """Every owner's feedback, newest first (moderators only)."""
        if not current_user(request).is_moderator:
            raise PermissionDenied("Only moderators read feedback.")
        query = io.FeedbackListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        limit: int = query.validated_data["limit"]
        feedback = selectors.feedback_list(before=query.validated_data.get("before"))
        # One more than the page tells whether there is a next page, without a COUNT.
        page = list(feedback[: limit + 1])
        next_url = None
        if len(page) > limit:
            page = page[:limit]
            next_url = replace_query_param(request.build_absolute_uri(), "before", page[-1].pk)
        return Response(io.FeedbackListOutput({"results": page, "next": next_url}).data)


class MetroListApi(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(responses={200: io.MetroOutput(many=True)})
    def get(self, request: Request) -> Response:
        """The metro areas Pawdate knows, for picking where one lives (no login needed)."""
        return Response(io.MetroOutput(METRO_AREAS, many=True).data)
