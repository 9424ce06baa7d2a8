"""Shared assertions and small HTTP helpers for the accounts tests."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import Block, Session, User

REGISTER_URL = "/api/v1/auth/register"
TOKEN_URL = "/api/v1/auth/token"
REFRESH_URL = "/api/v1/auth/token/refresh"
LOGOUT_URL = "/api/v1/auth/logout"
ME_URL = "/api/v1/me"
SESSIONS_URL = "/api/v1/auth/sessions"
EXPORT_URL = "/api/v1/me/export"


def block_url(user_id: int) -> str:
    return f"/api/v1/users/{user_id}/block"


# 2030-01-01T00:00:00Z: a whole number of every rate-limit window (60 s, 900 s, 3600 s) since
# the epoch, so a clock frozen here starts fresh windows and Retry-After values are exact.
WINDOW_START = datetime(2030, 1, 1, tzinfo=UTC)

BAD_CREDENTIALS = {
    "error": {"code": "not_authenticated", "message": "Email or password is incorrect."}
}


def session_url(session_id: int) -> str:
    return f"{SESSIONS_URL}/{session_id}"


def assert_error(
    response: Any,
    status: int,
    code: str,
    message: str | None = None,
    fields: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """Asserts the contract's error shape; `fields` is exact when given and absent otherwise."""
    assert response.status_code == status, response.content
    body = response.json()
    assert list(body) == ["error"], body
    error = body["error"]
    expected_keys = {"code", "message", "fields"} if fields is not None else {"code", "message"}
    assert set(error) == expected_keys, error
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"].strip()
    if message is not None:
        assert error["message"] == message
    if fields is not None:
        assert error["fields"] == fields
    return dict(error)


def assert_not_authenticated(response: Any) -> None:
    assert_error(response, 401, "not_authenticated")


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def login(
    client: APIClient,
    email: str,
    password: str,
    *,
    ip: str = "203.0.113.10",
    user_agent: str = "pytest",
) -> Any:
    return client.post(
        TOKEN_URL,
        {"email": email, "password": password},
        format="json",
        REMOTE_ADDR=ip,
        HTTP_USER_AGENT=user_agent,
    )


def refresh(client: APIClient, refresh_token: str) -> Any:
    return client.post(REFRESH_URL, {"refresh": refresh_token}, format="json")


def jwt_payload(token: str) -> dict[str, Any]:
    """The claims of a JWT, read without checking its signature."""
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def session_of(token: str) -> Session:
    return Session.objects.get(pk=jwt_payload(token)["sid"])


def signing_key() -> str:
    return str(settings.SIMPLE_JWT["SIGNING_KEY"])


def access_lifetime() -> timedelta:
    lifetime = settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"]
    assert isinstance(lifetime, timedelta)
    return lifetime


def refresh_lifetime() -> timedelta:
    lifetime = settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"]
    assert isinstance(lifetime, timedelta)
    return lifetime


def accounts_state() -> dict[str, Any]:
    """Everything accounts writes, to assert that a refused request changed nothing."""
    return {
        "users": list(User.objects.order_by("pk").values()),
        "sessions": list(Session.objects.order_by("pk").values()),
        "outstanding": list(OutstandingToken.objects.order_by("pk").values_list("jti", flat=True)),
        "blacklisted": list(
            BlacklistedToken.objects.order_by("pk").values_list("token__jti", flat=True)
        ),
        "blocks": list(Block.objects.order_by("pk").values("blocker_id", "blocked_id")),
    }
