"""Every API error leaves in the contract's shape: {"error": {"code", "message", "fields"?}}."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config import errors
from config.urls import handler404, handler500
from config.urls import urlpatterns as config_urlpatterns

SECRET_DETAIL = "kaboom: password=hunter2 at 0xdeadbeef"


class BoomApi(APIView):
    authentication_classes = ()
    permission_classes = ()

    def get(self, request: Request) -> Response:
        raise RuntimeError(SECRET_DETAIL)


class DatabaseDownApi(APIView):
    authentication_classes = ()
    permission_classes = ()

    def get(self, request: Request) -> Response:
        raise OperationalError(f"could not connect to server: {SECRET_DETAIL}")


class IntegrityApi(APIView):
    authentication_classes = ()
    permission_classes = ()

    def get(self, request: Request) -> Response:
        raise IntegrityError(f"duplicate key value violates unique constraint: {SECRET_DETAIL}")


def plain_boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET_DETAIL)


urlpatterns = [
    path("api/v1/test/boom", BoomApi.as_view()),
    path("api/v1/test/database-down", DatabaseDownApi.as_view()),
    path("api/v1/test/integrity", IntegrityApi.as_view()),
    path("api/v1/test/plain-boom", plain_boom),
    *config_urlpatterns,
]
__all__ = ["handler404", "handler500", "urlpatterns"]

with_test_views = pytest.mark.urls("tests.test_error_shape")


@pytest.fixture
def client() -> Client:
    # A 500 is answered, as in production, instead of re-raised into the test.
    return Client(raise_request_exception=False)


def test_unknown_api_path_is_json_not_found(client: Client) -> None:
    # when
    response = client.get("/api/v1/no-such-thing")

    # then
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_unknown_page_outside_the_api_stays_html(client: Client) -> None:
    # when: a path of the server's own (any other is a route of the browser app)
    response = client.get("/static/no-such-page")

    # then
    assert response.status_code == 404
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert b"<h1>Not Found</h1>" in response.content


def test_malformed_json_is_a_validation_error(client: Client) -> None:
    # when
    response = client.post(
        "/api/v1/auth/token", data='{"email": "a@example.com",', content_type="application/json"
    )

    # then
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "validation_error",
            "message": "Malformed request body: JSON parse error - "
            "Expecting property name enclosed in double quotes: line 1 column 27 (char 26)",
        }
    }


def test_wrong_method_is_method_not_allowed(client: Client) -> None:
    # when
    response = client.put("/api/v1/auth/token", data={}, content_type="application/json")

    # then
    assert response.status_code == 405
    assert response["Allow"] == "POST, OPTIONS"
    assert response.json() == {
        "error": {"code": "method_not_allowed", "message": 'Method "PUT" not allowed.'}
    }


def test_wrong_content_type_is_unsupported_media_type(client: Client) -> None:
    # when
    response = client.post(
        "/api/v1/auth/token", data="email=a@example.com", content_type="text/plain"
    )

    # then
    assert response.status_code == 415
    assert response.json() == {
        "error": {
            "code": "unsupported_media_type",
            "message": 'Unsupported media type "text/plain" in request.',
        }
    }


def test_missing_bearer_token_is_not_authenticated(client: Client) -> None:
    # when
    response = client.get("/api/v1/me")

    # then
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json() == {
        "error": {
            "code": "not_authenticated",
            "message": "Authentication credentials were not provided.",
        }
    }


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-jwt", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.c2lnbmF0dXJl"],
)
def test_garbage_bearer_token_is_not_authenticated(client: Client, authorization: str) -> None:
    # when
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=authorization)

    # then
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json() == {
        "error": {
            "code": "not_authenticated",
            "message": "Given token not valid for any token type",
        }
    }


@with_test_views
def test_unexpected_exception_in_an_api_view_is_server_error_without_details(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    # when
    response = client.get("/api/v1/test/boom")

    # then
    assert response.status_code == 500
    assert response.json() == {
        "error": {"code": "server_error", "message": "Something went wrong on our side."}
    }
    assert b"Traceback" not in response.content
    assert b"kaboom" not in response.content
    # ...while the operators get the stack trace in the log
    [record] = [r for r in caplog.records if r.name == "pawdate.errors"]
    assert record.levelname == "ERROR"
    assert record.exc_info is not None
    assert record.exc_info[1] is not None
    assert str(record.exc_info[1]) == SECRET_DETAIL


@with_test_views
def test_unexpected_exception_in_a_plain_view_under_api_is_json_server_error(
    client: Client,
) -> None:
    # when
    response = client.get("/api/v1/test/plain-boom")

    # then
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {"code": "server_error", "message": "Something went wrong on our side."}
    }


@with_test_views
def test_database_operational_error_is_unavailable(client: Client) -> None:
    # when
    response = client.get("/api/v1/test/database-down")

    # then
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "error": {
            "code": "unavailable",
            "message": "The service is temporarily unavailable. Please try again shortly.",
        }
    }


@with_test_views
def test_other_database_errors_are_server_errors_without_details(client: Client) -> None:
    # when
    response = client.get("/api/v1/test/integrity")

    # then
    assert response.status_code == 500
    assert response.json() == {
        "error": {"code": "server_error", "message": "Something went wrong on our side."}
    }


# --- config.errors.api_exception_handler, exception by exception -----------------------------


def handled(exc: Exception) -> tuple[int, dict[str, Any], dict[str, str]]:
    response = errors.api_exception_handler(exc, {})
    headers = {name: value for name, value in response.items() if name != "Content-Type"}
    return response.status_code, response.data, headers


class SlotInput(serializers.Serializer[dict[str, Any]]):
    weekday = serializers.IntegerField(min_value=0, max_value=6)
    start = serializers.TimeField()


class PreferencesInput(serializers.Serializer[dict[str, Any]]):
    max_distance_km = serializers.IntegerField(min_value=1)
    availability = SlotInput(many=True)


class PetInput(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField()
    preferences = PreferencesInput()


def test_nested_validation_errors_are_flattened_to_dotted_fields() -> None:
    # given
    payload = PetInput(
        data={
            "preferences": {
                "max_distance_km": 0,
                "availability": [{"weekday": 1, "start": "10:00"}, {"weekday": 9, "start": "x"}],
            }
        }
    )
    assert not payload.is_valid()

    # when
    status, body, headers = handled(exceptions.ValidationError(payload.errors))

    # then
    assert (status, headers) == (400, {})
    assert body == {
        "error": {
            "code": "validation_error",
            "message": "Some fields are invalid: name, preferences.availability.1.start, "
            "preferences.availability.1.weekday, preferences.max_distance_km.",
            "fields": {
                "name": ["This field is required."],
                "preferences.max_distance_km": ["Ensure this value is greater than or equal to 1."],
                "preferences.availability.1.weekday": [
                    "Ensure this value is less than or equal to 6."
                ],
                "preferences.availability.1.start": [
                    "Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]]."
                ],
            },
        }
    }


def test_non_field_validation_error_is_its_own_message() -> None:
    # when
    status, body, _ = handled(exceptions.ValidationError("Pick a time in the future."))

    # then
    assert status == 400
    assert body == {
        "error": {
            "code": "validation_error",
            "message": "Pick a time in the future.",
            "fields": {"non_field_errors": ["Pick a time in the future."]},
        }
    }


def test_django_validation_errors_keep_their_fields() -> None:
    # when
    status, body, _ = handled(
        DjangoValidationError({"email": ["Enter a valid email address."], "age": ["Too old."]})
    )

    # then
    assert status == 400
    assert body == {
        "error": {
            "code": "validation_error",
            "message": "Some fields are invalid: age, email.",
            "fields": {"email": ["Enter a valid email address."], "age": ["Too old."]},
        }
    }


@pytest.mark.parametrize(
    ("exc", "status", "code", "message"),
    [
        (errors.NotFound(), 404, "not_found", "Not found."),
        (errors.Conflict("Already accepted."), 409, "conflict", "Already accepted."),
        (
            errors.PermissionDenied(),
            403,
            "permission_denied",
            "You do not have permission to do this.",
        ),
        (Http404("No Pet matches the given query."), 404, "not_found", "Not found."),
        (DjangoPermissionDenied(), 403, "permission_denied", "You do not have permission."),
        (exceptions.NotFound(), 404, "not_found", "Not found."),
        (
            exceptions.PermissionDenied(),
            403,
            "permission_denied",
            "You do not have permission to perform this action.",
        ),
        (
            exceptions.AuthenticationFailed("Email or password is incorrect."),
            401,
            "not_authenticated",
            "Email or password is incorrect.",
        ),
        (
            exceptions.NotAcceptable(),
            406,
            "not_acceptable",
            "Could not satisfy the request Accept header.",
        ),
    ],
)
def test_domain_and_framework_errors_map_to_contract_codes(
    exc: Exception, status: int, code: str, message: str
) -> None:
    # when
    answered = handled(exc)

    # then
    assert answered == (status, {"error": {"code": code, "message": message}}, {})


@pytest.mark.parametrize(
    ("exc", "retry_after", "message"),
    [
        (errors.RateLimited(0.2), "1", "Too many requests. Try again in 1 second."),
        (errors.RateLimited(41.5), "42", "Too many requests. Try again in 42 seconds."),
        (exceptions.Throttled(wait=2.3), "3", "Too many requests. Try again in 3 seconds."),
        (exceptions.Throttled(), "1", "Too many requests. Try again in 1 second."),
    ],
)
def test_rate_limited_errors_say_when_to_retry(
    exc: Exception, retry_after: str, message: str
) -> None:
    # when
    answered = handled(exc)

    # then
    assert answered == (
        429,
        {"error": {"code": "rate_limited", "message": message}},
        {"Retry-After": retry_after},
    )
