"""The contract's error shape, in one place for every API error.

Domain code raises `NotFound`, `Conflict`, `PermissionDenied`, `RateLimited` or Django's
`ValidationError`; `api_exception_handler` turns those and DRF's own exceptions into
`{"error": {"code", "message", "fields"?}}`.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import redis
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger("pawdate.errors")


def seconds(count: int) -> str:
    return "1 second" if count == 1 else f"{count} seconds"


class DomainError(Exception):
    status_code: int = status.HTTP_400_BAD_REQUEST
    code = "error"
    default_message = "The request could not be completed."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class NotFound(DomainError):
    status_code: int = status.HTTP_404_NOT_FOUND
    code = "not_found"
    default_message = "Not found."


class Conflict(DomainError):
    status_code: int = status.HTTP_409_CONFLICT
    code = "conflict"
    default_message = "This conflicts with the current state."


class PermissionDenied(DomainError):
    status_code: int = status.HTTP_403_FORBIDDEN
    code = "permission_denied"
    default_message = "You do not have permission to do this."


class RateLimited(DomainError):
    status_code: int = status.HTTP_429_TOO_MANY_REQUESTS
    code = "rate_limited"
    default_message = "Too many requests."

    def __init__(self, retry_after: float, message: str | None = None) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(message or f"Too many requests. Try again in {seconds(self.retry_after)}.")


class Unavailable(DomainError):
    status_code: int = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "unavailable"
    default_message = "The service is temporarily unavailable. Please try again shortly."


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def _flatten_fields(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF nests errors for nested serializers and lists; the contract wants field -> messages."""
    if isinstance(detail, dict):
        fields: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            fields.update(_flatten_fields(value, name))
        return fields
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return {prefix or "non_field_errors": [str(item) for item in detail]}
        fields = {}
        for index, item in enumerate(detail):
            fields.update(_flatten_fields(item, f"{prefix}.{index}" if prefix else str(index)))
        return fields
    return {prefix or "non_field_errors": [str(detail)]}


def _validation_message(fields: dict[str, list[str]]) -> str:
    if set(fields) == {"non_field_errors"}:
        return fields["non_field_errors"][0]
    names = ", ".join(sorted(fields))
    return f"Some fields are invalid: {names}."


def _drf_error(exc: exceptions.APIException) -> tuple[int, dict[str, Any], dict[str, str]]:
    headers: dict[str, str] = {}
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten_fields(exc.detail)
        return 400, error_body("validation_error", _validation_message(fields), fields), headers
    if isinstance(exc, exceptions.ParseError):
        return 400, error_body("validation_error", f"Malformed request body: {exc.detail}"), headers
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        # simplejwt puts a dict in `detail`; its sentence is under "detail".
        detail = exc.detail
        message = str(
            detail.get("detail", "Authentication failed.") if isinstance(detail, dict) else detail
        )
        # A 401 names the scheme to use (RFC 9110); DRF's own handler sets this header too.
        auth_header = getattr(exc, "auth_header", None)
        if auth_header:
            headers["WWW-Authenticate"] = str(auth_header)
        return 401, error_body("not_authenticated", message), headers
    if isinstance(exc, exceptions.PermissionDenied):
        return 403, error_body("permission_denied", str(exc.detail)), headers
    if isinstance(exc, exceptions.NotFound):
        return 404, error_body("not_found", "Not found."), headers
    if isinstance(exc, exceptions.Throttled):
        wait = max(1, math.ceil(getattr(exc, "wait", None) or 1))
        headers["Retry-After"] = str(wait)
        message = f"Too many requests. Try again in {seconds(wait)}."
        return 429, error_body("rate_limited", message), headers
    if isinstance(exc, exceptions.MethodNotAllowed):
        return 405, error_body("method_not_allowed", str(exc.detail)), headers
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return 415, error_body("unsupported_media_type", str(exc.detail)), headers
    if isinstance(exc, exceptions.NotAcceptable):
        return 406, error_body("not_acceptable", str(exc.detail)), headers
    code = exc.default_code if isinstance(exc.default_code, str) else "error"
    return exc.status_code, error_body(code, str(exc.detail)), headers


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's EXCEPTION_HANDLER: every exception a view raises leaves in the contract's shape."""
    headers: dict[str, str] = {}
    status_code: int
    body: dict[str, Any]
    if isinstance(exc, DomainError):
        status_code, body = exc.status_code, error_body(exc.code, exc.message)
        if isinstance(exc, RateLimited):
            headers["Retry-After"] = str(exc.retry_after)
    elif isinstance(exc, DjangoValidationError):
        fields = _flatten_fields(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
        status_code, body = 400, error_body("validation_error", _validation_message(fields), fields)
    elif isinstance(exc, Http404):
        status_code, body = 404, error_body("not_found", "Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        status_code, body = 403, error_body("permission_denied", "You do not have permission.")
    elif isinstance(exc, exceptions.APIException):
        status_code, body, headers = _drf_error(exc)
    elif isinstance(exc, OperationalError | InterfaceError | redis.RedisError):
        logger.warning("backing service unavailable: %s", exc.__class__.__name__)
        status_code, body = 503, error_body("unavailable", Unavailable.default_message)
        headers["Retry-After"] = "5"
    else:
        if not isinstance(exc, DatabaseError):
            logger.exception("unhandled error in API view", exc_info=exc)
        else:
            logger.exception("database error in API view", exc_info=exc)
        status_code, body = 500, error_body("server_error", "Something went wrong on our side.")
    set_rollback()
    return Response(body, status=status_code, headers=headers)


class ErrorDetailOutput(serializers.Serializer[dict[str, Any]]):
    code = serializers.CharField(help_text="snake_case, e.g. validation_error, not_found.")
    message = serializers.CharField(help_text="A sentence for a person.")
    # DRF's metaclass takes declared fields off the class, so this does not hide `.fields`.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors only: each invalid field's messages.",
    )


class ErrorOutput(serializers.Serializer[dict[str, Any]]):
    """Every 4xx and 5xx answer of the API."""

    error = ErrorDetailOutput()


# What each status means across the API; an operation may say more of its own.
ERROR_MEANINGS = {
    400: "validation_error: a malformed body or an invalid field (`fields` says which).",
    401: "not_authenticated: no access token, or one that is expired, revoked or of a "
    "suspended or deleted account.",
    403: "permission_denied: the caller may not do this.",
    404: "not_found: no such object, or another user's private one.",
    409: "conflict: the object's current state does not allow this.",
    429: "rate_limited: too many requests; `Retry-After` says how many seconds to wait.",
    503: "feature_disabled: this part of the API is switched off for now (or unavailable: a "
    "backing service is down); try again later.",
}

RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    int,
    OpenApiParameter.HEADER,
    response=[status.HTTP_429_TOO_MANY_REQUESTS],
    required=True,
    description="Seconds to wait before trying again.",
)


def error_responses(*answers: int | tuple[int, str]) -> dict[int, OpenApiResponse]:
    """The error answers of one operation, for its `extend_schema(responses=...)`: each in the
    contract's shape, described by `ERROR_MEANINGS` or by the operation's own sentence. An
    operation that documents 429 also lists `RETRY_AFTER` in its parameters."""
    responses = {}
    for answer in answers:
        status_code, meaning = answer if isinstance(answer, tuple) else (answer, None)
        description = meaning or ERROR_MEANINGS[status_code]
        responses[status_code] = OpenApiResponse(ErrorOutput, description=description)
    return responses


def json_error(status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found_view(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: the contract's shape under /api/, Django's page elsewhere."""
    if _is_api(request):
        return json_error(404, "not_found", "Not found.")
    return defaults.page_not_found(request, exception)


def server_error_view(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return json_error(500, "server_error", "Something went wrong on our side.")
    return defaults.server_error(request)
