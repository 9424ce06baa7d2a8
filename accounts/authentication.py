"""Bearer access tokens, accepted only while their session and user still stand."""

from __future__ import annotations

from typing import Any

from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.tokens import Token

from accounts.active_days import user_for_access_token_marking_day
from accounts.models import User


class AccessTokenAuthentication(JWTAuthentication):
    def get_user(self, validated_token: Token) -> User:  # type: ignore[override]
        # Also marks the owner's day for the engagement figures (once a day per process).
        user = user_for_access_token_marking_day(
            user_id=validated_token.get("user_id"), session_id=validated_token.get("sid")
        )
        if user is None:
            raise AuthenticationFailed("This token is no longer valid. Please log in again.")
        return user

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="api"'
