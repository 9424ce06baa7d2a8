"""The browser session flow: the access token lives in the page's memory, the refresh token in
an HttpOnly cookie that scripts cannot read, so an XSS cannot carry a session away.

The same services as the JSON endpoints (auth/token, auth/token/refresh, auth/logout) do the
work, with the same limits, lock-out and rotation. A cookie is sent whatever page asked for the
request, so every endpoint here also wants `X-Pawdate-Client: web`: a browser sends a custom
header cross-site only after a CORS preflight, which this API never grants. SameSite=Strict is
the second line of that defence.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from accounts import services
from accounts.api import serializers as io
from accounts.api.views import client_ip, register, user_agent
from config.errors import RETRY_AFTER, error_responses

REFRESH_COOKIE = "pawdate_refresh"
# Sent only to this flow's endpoints: no other request carries the refresh token.
REFRESH_COOKIE_PATH = "/api/v1/auth/browser/"
# Readable by the page, holding nothing secret: "a session cookie exists", so that a page opened
# without one does not ask for a refresh it would be refused (a 401 in every visitor's console).
SIGNED_IN_COOKIE = "pawdate_signed_in"
CLIENT_HEADER = "X-Pawdate-Client"
CLIENT_HEADER_VALUE = "web"

_CLIENT_HEADER_PARAMETER = OpenApiParameter(
    CLIENT_HEADER,
    location=OpenApiParameter.HEADER,
    required=True,
    enum=[CLIENT_HEADER_VALUE],
    description="Cross-site request forgery guard: without it the answer is 403.",
)
_NO_CLIENT_HEADER = (403, f"permission_denied: the request lacks `{CLIENT_HEADER}`.")
_COOKIE_PARAMETER = OpenApiParameter(
    REFRESH_COOKIE,
    location=OpenApiParameter.COOKIE,
    description="The refresh token the login or the last refresh set (HttpOnly).",
)


def _set_cookie_header(*statuses: int, sets: bool = True) -> OpenApiParameter:
    what = (
        f"`{REFRESH_COOKIE}=<refresh token>`; Max-Age the refresh token's lifetime"
        if sets
        else f'`{REFRESH_COOKIE}=""`; Max-Age=0, which clears it'
    )
    return OpenApiParameter(
        "Set-Cookie",
        location=OpenApiParameter.HEADER,
        response=list(statuses),
        description=(
            f"{what}; HttpOnly; SameSite=Strict; Path={REFRESH_COOKIE_PATH}; Secure (except "
            "with DEBUG over plain HTTP)."
        ),
    )


class FromTheWebApp(BasePermission):
    message = (
        f"Browser session requests must carry the header {CLIENT_HEADER}: {CLIENT_HEADER_VALUE}."
    )

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.headers.get(CLIENT_HEADER) == CLIENT_HEADER_VALUE


def _cookie_is_secure(request: Request) -> bool:
    # DEBUG serves http://127.0.0.1:8000, where a browser drops a Secure cookie.
    return not settings.DEBUG or request.is_secure()


def _set_refresh_cookie(response: Response, request: Request, raw_refresh: str) -> None:
    response.set_cookie(
        REFRESH_COOKIE,
        raw_refresh,
        max_age=jwt_settings.REFRESH_TOKEN_LIFETIME,
        path=REFRESH_COOKIE_PATH,
        secure=_cookie_is_secure(request),
        httponly=True,
        samesite="Strict",
    )
    response.set_cookie(
        SIGNED_IN_COOKIE,
        "1",
        max_age=jwt_settings.REFRESH_TOKEN_LIFETIME,
        path="/",
        secure=_cookie_is_secure(request),
        samesite="Strict",
    )


def _clear_refresh_cookie(response: Response, request: Request) -> None:
    response.set_cookie(
        REFRESH_COOKIE,
        "",
        max_age=0,
        expires="Thu, 01 Jan 1970 00:00:00 GMT",
        path=REFRESH_COOKIE_PATH,
        secure=_cookie_is_secure(request),
        httponly=True,
        samesite="Strict",
    )
    response.delete_cookie(SIGNED_IN_COOKIE, path="/", samesite="Strict")


class BrowserApi(APIView):
    authentication_classes = ()
    permission_classes = (FromTheWebApp,)


class BrowserLoginApi(BrowserApi):
    @extend_schema(
        request=io.LoginInput,
        responses={
            200: io.BrowserSessionOutput,
            **error_responses(
                400,
                401,
                (
                    403,
                    f"permission_denied: the request lacks `{CLIENT_HEADER}`, or the account "
                    "is suspended.",
                ),
                429,
            ),
        },
        parameters=[_CLIENT_HEADER_PARAMETER, _set_cookie_header(200), RETRY_AFTER],
        auth=[],
    )
    def post(self, request: Request) -> Response:
        """Logs in like POST /auth/token (same limits, lock-out and errors); the refresh token
        goes into the cookie, not the body."""
        payload = io.LoginInput(data=request.data)
        payload.is_valid(raise_exception=True)
        user, tokens = services.auth_login(
            **payload.validated_data, client_ip=client_ip(request), user_agent=user_agent(request)
        )
        response = Response({"access": tokens.access, "user": io.UserOutput(user).data})
        _set_refresh_cookie(response, request, tokens.refresh)
        return response


class BrowserRegisterApi(BrowserApi):
    @extend_schema(
        request=io.RegisterInput,
        responses={201: io.BrowserSessionOutput, **error_responses(400, _NO_CLIENT_HEADER, 429)},
        parameters=[_CLIENT_HEADER_PARAMETER, _set_cookie_header(201), RETRY_AFTER],
        auth=[],
    )
    def post(self, request: Request) -> Response:
        """Registers like POST /auth/register; the refresh token goes into the cookie."""
        user, tokens = register(request)
        body = {"access": tokens.access, "user": io.UserOutput(user).data}
        response = Response(body, status=status.HTTP_201_CREATED)
        _set_refresh_cookie(response, request, tokens.refresh)
        return response


class BrowserRefreshApi(BrowserApi):
    @extend_schema(
        request=None,
        responses={
            200: io.BrowserAccessOutput,
            **error_responses(
                (401, "not_authenticated: no session; the cookie is cleared."), _NO_CLIENT_HEADER
            ),
        },
        parameters=[
            _CLIENT_HEADER_PARAMETER,
            _COOKIE_PARAMETER,
            _set_cookie_header(200),
            _set_cookie_header(401, sets=False),
        ],
        auth=[],
    )
    def post(self, request: Request) -> Response:
        """A new access token, and the cookie rotated as POST /auth/token/refresh rotates. A
        missing or refused cookie answers 401 and clears the cookie."""
        raw_refresh = request.COOKIES.get(REFRESH_COOKIE)
        if not raw_refresh:
            raise exceptions.NotAuthenticated("There is no session in this browser. Please log in.")
        tokens = services.token_refresh(raw_refresh=raw_refresh)
        response = Response({"access": tokens.access})
        _set_refresh_cookie(response, request, tokens.refresh)
        return response

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        # A refused token never works again: the browser may as well forget it. Not on a 403
        # (that request may come from another site) nor on a 503 (the token may be fine).
        if response.status_code == status.HTTP_401_UNAUTHORIZED:
            _clear_refresh_cookie(response, self.request)
        return response


class BrowserLogoutApi(BrowserApi):
    @extend_schema(
        request=None,
        responses={204: None, **error_responses(_NO_CLIENT_HEADER)},
        parameters=[
            _CLIENT_HEADER_PARAMETER,
            _COOKIE_PARAMETER,
            _set_cookie_header(204, sets=False),
        ],
        auth=[],
    )
    def post(self, request: Request) -> Response:
        """Ends the cookie's session as POST /auth/logout does, and clears the cookie. Without
        a cookie, or with one that no longer works, there is nothing to end: 204 all the same."""
        raw_refresh = request.COOKIES.get(REFRESH_COOKIE)
        if raw_refresh:
            with contextlib.suppress(services.InvalidRefresh):
                services.auth_logout(user=None, raw_refresh=raw_refresh)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        _clear_refresh_cookie(response, request)
        return response
