"""Bearer access tokens, accepted only while their session and user still stand."""

from __future__ import annotations

from typing import Any

from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.tokens import Token

from accounts.models import User
from accounts.selectors import user_for_access_token


class AccessTokenAuthentication(JWTAuthentication):
    def get_user(self, validated_token: Token) -> User:  # type: ignore[override]
        user = user_for_access_token(
            user_id=validated_token.get("user_id"), session_id=validated_token.get("sid")
        )
        if user is None:
            raise AuthenticationFailed("This token is no longer valid. Please log in again.")
        return user

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="api"'
