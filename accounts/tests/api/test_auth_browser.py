"""POST /api/v1/auth/browser/{login,register,refresh,logout}: the refresh token in a cookie.

The browser keeps the access token in memory and the refresh token in an HttpOnly cookie; the
same services as the JSON endpoints do the work, so limits, lock-out and rotation are shared.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from accounts.models import Session, User
from accounts.tests.helpers import (
    BAD_CREDENTIALS,
    ME_URL,
    REFRESH_URL,
    REGISTER_URL,
    SESSIONS_URL,
    TOKEN_URL,
    WINDOW_START,
    accounts_state,
    assert_error,
    bearer,
    jwt_payload,
    login,
    refresh,
    refresh_lifetime,
    session_of,
)
from config.errors import seconds

pytestmark = pytest.mark.django_db

LOGIN_URL = "/api/v1/auth/browser/login"
BROWSER_REGISTER_URL = "/api/v1/auth/browser/register"
BROWSER_REFRESH_URL = "/api/v1/auth/browser/refresh"
BROWSER_LOGOUT_URL = "/api/v1/auth/browser/logout"
BROWSER_URLS = [LOGIN_URL, BROWSER_REGISTER_URL, BROWSER_REFRESH_URL, BROWSER_LOGOUT_URL]

COOKIE = "pawdate_refresh"
COOKIE_PATH = "/api/v1/auth/browser/"
WEB = {"HTTP_X_PAWDATE_CLIENT": "web"}
NEW_PASSWORD = "Sturdy-Pass-123"

NO_HEADER = "Browser session requests must carry the header X-Pawdate-Client: web."
NO_SESSION = "There is no session in this browser. Please log in."
INVALID = "The refresh token is invalid or expired."


# --- helpers -------------------------------------------------------------------------------------


def browser_login(
    client: APIClient,
    email: str,
    password: str,
    *,
    ip: str = "203.0.113.10",
    headers: dict[str, Any] = WEB,
    **extra: Any,
) -> Any:
    return client.post(
        LOGIN_URL,
        {"email": email, "password": password},
        format="json",
        REMOTE_ADDR=ip,
        **headers,
        **extra,
    )


def browser_register(
    client: APIClient, *, headers: dict[str, Any] = WEB, user_agent: str = "pytest", **fields: Any
) -> Any:
    body = {"email": "alice@example.com", "username": "alice", "password": NEW_PASSWORD, **fields}
    return client.post(
        BROWSER_REGISTER_URL, body, format="json", HTTP_USER_AGENT=user_agent, **headers
    )


def browser_refresh(client: APIClient, headers: dict[str, Any] = WEB) -> Any:
    return client.post(BROWSER_REFRESH_URL, **headers)


def browser_logout(client: APIClient, headers: dict[str, Any] = WEB) -> Any:
    return client.post(BROWSER_LOGOUT_URL, **headers)


def cookie_attributes(response: Any) -> dict[str, Any]:
    """The attributes the response set on the refresh cookie (those with a value)."""
    morsel = response.cookies[COOKIE]
    return {name: value for name, value in morsel.items() if value != ""}


def assert_cookie_set(response: Any, *, secure: bool = True) -> str:
    """Asserts the refresh cookie was set with exactly our attributes; returns its value.
    Call with the clock frozen at WINDOW_START (Expires is computed from now)."""
    expected: dict[str, Any] = {
        "path": COOKIE_PATH,
        "max-age": int(refresh_lifetime().total_seconds()),
        "expires": "Tue, 15 Jan 2030 00:00:00 GMT",
        "httponly": True,
        "samesite": "Strict",
    }
    if secure:
        expected["secure"] = True
    assert cookie_attributes(response) == expected
    value = str(response.cookies[COOKIE].value)
    assert value
    return value


def assert_cookie_cleared(response: Any) -> None:
    assert response.cookies[COOKIE].value == ""
    assert cookie_attributes(response) == {
        "path": COOKIE_PATH,
        "max-age": 0,
        "expires": "Thu, 01 Jan 1970 00:00:00 GMT",
        "secure": True,
        "httponly": True,
        "samesite": "Strict",
    }


def assert_no_cookie(response: Any) -> None:
    assert COOKIE not in response.cookies
    assert not response.has_header("Set-Cookie")


@pytest.fixture
def clock():
    with time_machine.travel(WINDOW_START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def logged_in(api_client, clock, owner, password) -> dict[str, Any]:
    """The owner logged in through the browser flow: api_client holds the cookie."""
    response = browser_login(api_client, owner.email, password)
    assert response.status_code == 200, response.json()
    return {"access": response.json()["access"], "cookie": response.cookies[COOKIE].value}


# --- login --------------------------------------------------------------------------------------


def test_login_answers_the_access_token_and_user_and_sets_the_refresh_cookie(
    api_client, clock, owner, password
):
    # when
    response = browser_login(api_client, owner.email, password, HTTP_USER_AGENT="Firefox/130")

    # then
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == {"access", "user"}
    assert body["user"] == {
        "id": owner.pk,
        "email": "owner@example.com",
        "username": "owner",
        "location": owner.location,
        "latitude": owner.latitude,
        "longitude": owner.longitude,
        "time_zone": owner.time_zone,
        "role": "owner",
        "date_joined": owner.date_joined.isoformat().replace("+00:00", "Z"),
        "metro": owner.metro,
    }
    cookie = assert_cookie_set(response)
    assert response.cookies[COOKIE].OutputString() == (
        f"{COOKIE}={cookie}; expires=Tue, 15 Jan 2030 00:00:00 GMT; HttpOnly; Max-Age=1209600; "
        "Path=/api/v1/auth/browser/; SameSite=Strict; Secure"
    )
    session = Session.objects.get()
    assert (session.user, session.user_agent, session.revoked_at) == (owner, "Firefox/130", None)
    assert jwt_payload(cookie)["jti"] == session.refresh_jti
    assert jwt_payload(cookie)["sid"] == jwt_payload(body["access"])["sid"] == session.pk
    assert cookie not in response.content.decode()


def test_login_access_token_works(api_client, logged_in, owner):
    # when
    me = bearer(logged_in["access"]).get(ME_URL)

    # then
    assert me.status_code == 200
    assert me.json()["id"] == owner.pk


@pytest.mark.parametrize(
    ("debug", "https", "secure"),
    [(False, False, True), (False, True, True), (True, False, False), (True, True, True)],
    ids=["production", "production-https", "debug-http", "debug-https"],
)
def test_the_cookie_is_secure_unless_debug_over_plain_http(
    api_client, clock, owner, password, settings, debug, https, secure
):
    # given
    settings.DEBUG = debug

    # when
    response = browser_login(api_client, owner.email, password, secure=https)

    # then
    assert response.status_code == 200
    assert_cookie_set(response, secure=secure)


def test_login_with_a_wrong_password_is_refused_as_the_json_endpoint_refuses_it(api_client, owner):
    # given
    before = accounts_state()

    # when
    browser = browser_login(api_client, owner.email, "Wrong-Password-1")
    json_endpoint = login(api_client, owner.email, "Wrong-Password-1")

    # then
    assert browser.status_code == json_endpoint.status_code == 401
    assert browser.json() == json_endpoint.json() == BAD_CREDENTIALS
    assert_no_cookie(browser)
    assert accounts_state() == before


def test_login_with_an_unknown_email_is_refused_like_a_wrong_password(api_client, owner):
    # given
    before = accounts_state()

    # when
    response = browser_login(api_client, "nobody@example.com", "Wrong-Password-1")

    # then
    assert response.status_code == 401
    assert response.json() == BAD_CREDENTIALS
    assert_no_cookie(response)
    assert accounts_state() == before


def test_login_of_a_suspended_user_is_refused(api_client, make_user, password):
    # given
    make_user(email="banned@example.com", suspended_at=timezone.now())
    before = accounts_state()

    # when
    response = browser_login(api_client, "banned@example.com", password)

    # then
    assert_error(response, 403, "permission_denied", message="This account is suspended.")
    assert_no_cookie(response)
    assert accounts_state() == before


def test_login_without_fields_names_each_of_them(api_client, owner):
    # when
    response = api_client.post(LOGIN_URL, {}, format="json", **WEB)

    # then
    assert_error(
        response,
        400,
        "validation_error",
        fields={"email": ["This field is required."], "password": ["This field is required."]},
    )
    assert_no_cookie(response)


def test_failed_browser_logins_lock_the_account_for_every_login(api_client, clock, owner, password):
    # given: as many failures as the lock allows, through the browser flow
    max_failures, window = settings.LOGIN_FAILURE_LIMIT
    for attempt in range(max_failures):
        failed = browser_login(
            api_client, owner.email, "Wrong-Password-1", ip=f"198.51.100.{attempt + 1}"
        )
        assert failed.json() == BAD_CREDENTIALS
    clock.move_to(WINDOW_START + timedelta(seconds=100))
    before = accounts_state()

    # when: the right password, on both login endpoints
    browser = browser_login(api_client, owner.email, password, ip="192.0.2.50")
    json_endpoint = login(api_client, owner.email, password, ip="192.0.2.51")

    # then
    message = f"Too many failed logins for this account. Try again in {window - 100} seconds."
    for response in (browser, json_endpoint):
        assert_error(response, 429, "rate_limited", message=message)
        assert response["Retry-After"] == str(window - 100)
    assert_no_cookie(browser)
    assert accounts_state() == before


def test_failed_json_logins_lock_the_browser_login(api_client, clock, owner, password):
    # given
    max_failures, window = settings.LOGIN_FAILURE_LIMIT
    for attempt in range(max_failures):
        login(api_client, owner.email, "Wrong-Password-1", ip=f"198.51.100.{attempt + 1}")
    before = accounts_state()

    # when
    response = browser_login(api_client, owner.email, password, ip="192.0.2.50")

    # then
    assert_error(response, 429, "rate_limited")
    assert response["Retry-After"] == str(window)
    assert_no_cookie(response)
    assert accounts_state() == before


def test_the_per_ip_login_limit_counts_both_login_endpoints(
    api_client, clock, owner, friend, password, settings
):
    # given: a limit of 2 per IP, one used by each endpoint
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_ip": (2, 60)}
    assert login(api_client, owner.email, password, ip="198.51.100.7").status_code == 200
    assert browser_login(api_client, friend.email, password, ip="198.51.100.7").status_code == 200
    clock.move_to(WINDOW_START + timedelta(seconds=20))
    before = accounts_state()

    # when
    browser = browser_login(APIClient(), owner.email, password, ip="198.51.100.7")
    json_endpoint = login(api_client, friend.email, password, ip="198.51.100.7")

    # then
    for response in (browser, json_endpoint):
        assert_error(
            response, 429, "rate_limited", message=f"Too many requests. Try again in {seconds(40)}."
        )
        assert response["Retry-After"] == "40"
    assert_no_cookie(browser)
    assert accounts_state() == before


def test_the_per_account_login_limit_counts_both_login_endpoints(
    api_client, clock, owner, password, settings
):
    # given
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_account": (2, 60)}
    assert login(api_client, owner.email, password, ip="198.51.100.1").status_code == 200
    assert browser_login(api_client, owner.email, password, ip="198.51.100.2").status_code == 200
    before = accounts_state()

    # when
    response = browser_login(APIClient(), owner.email, password, ip="198.51.100.3")

    # then
    assert_error(response, 429, "rate_limited")
    assert response["Retry-After"] == "60"
    assert_no_cookie(response)
    assert accounts_state() == before


# --- register -----------------------------------------------------------------------------------


def test_register_creates_the_owner_answers_access_and_user_and_sets_the_cookie(api_client, clock):
    # when
    response = browser_register(
        api_client, email="  Alice@Example.COM ", location="Brooklyn, NY", user_agent="Safari"
    )

    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    user = User.objects.get()
    assert set(body) == {"access", "user"}
    assert body["user"] == {
        "id": user.pk,
        "email": "alice@example.com",
        "username": "alice",
        "location": "Brooklyn, NY",
        "latitude": None,
        "longitude": None,
        "time_zone": "UTC",
        "role": "owner",
        "date_joined": "2030-01-01T00:00:00Z",
        "metro": "",
    }
    assert user.check_password(NEW_PASSWORD)
    cookie = assert_cookie_set(response)
    session = Session.objects.get()
    assert (session.user, session.user_agent) == (user, "Safari")
    assert jwt_payload(cookie)["jti"] == session.refresh_jti
    assert jwt_payload(body["access"])["sid"] == session.pk
    assert bearer(body["access"]).get(ME_URL).json()["id"] == user.pk


def test_register_with_a_taken_email_is_refused_as_the_json_endpoint_refuses_it(
    api_client, make_user
):
    # given
    make_user(email="alice@example.com", username="first-alice")
    before = accounts_state()

    # when
    browser = browser_register(api_client, email="ALICE@example.com")
    json_endpoint = api_client.post(
        REGISTER_URL,
        {"email": "ALICE@example.com", "username": "alice", "password": NEW_PASSWORD},
        format="json",
    )

    # then
    assert_error(
        browser,
        400,
        "validation_error",
        message="Some fields are invalid: email.",
        fields={"email": ["An account with this email already exists."]},
    )
    assert browser.json() == json_endpoint.json()
    assert_no_cookie(browser)
    assert accounts_state() == before


def test_register_with_a_weak_password_is_refused(api_client):
    # when
    response = browser_register(api_client, password="password")

    # then
    assert_error(
        response, 400, "validation_error", fields={"password": ["This password is too common."]}
    )
    assert_no_cookie(response)
    assert User.objects.count() == 0


def test_the_per_ip_register_limit_counts_both_register_endpoints(api_client, clock, settings):
    # given
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register_ip": (1, 3600)}
    first = api_client.post(
        REGISTER_URL,
        {"email": "first@example.com", "username": "first", "password": NEW_PASSWORD},
        format="json",
    )
    assert first.status_code == 201
    before = accounts_state()

    # when
    response = browser_register(api_client)

    # then
    assert_error(response, 429, "rate_limited")
    assert response["Retry-After"] == "3600"
    assert_no_cookie(response)
    assert accounts_state() == before


# --- refresh ------------------------------------------------------------------------------------


def test_refresh_answers_a_new_access_token_and_rotates_the_cookie(
    api_client, clock, logged_in, owner
):
    # given
    session = Session.objects.get()
    clock.move_to(WINDOW_START + timedelta(minutes=5))

    # when
    response = browser_refresh(api_client)

    # then
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == {"access"}
    assert body["access"] != logged_in["access"]
    assert jwt_payload(body["access"])["sid"] == session.pk
    assert cookie_attributes(response) == {
        "path": COOKIE_PATH,
        "max-age": 14 * 24 * 3600,
        "expires": "Tue, 15 Jan 2030 00:05:00 GMT",
        "secure": True,
        "httponly": True,
        "samesite": "Strict",
    }
    rotated = response.cookies[COOKIE].value
    assert rotated != logged_in["cookie"]
    session.refresh_from_db()
    assert session.refresh_jti == jwt_payload(rotated)["jti"]
    assert session.last_used_at == WINDOW_START + timedelta(minutes=5)
    assert Session.objects.count() == 1
    assert BlacklistedToken.objects.filter(
        token__jti=jwt_payload(logged_in["cookie"])["jti"]
    ).exists()
    assert bearer(body["access"]).get(ME_URL).json()["id"] == owner.pk


def test_the_rotated_cookie_refreshes_again(api_client, logged_in):
    # given
    assert browser_refresh(api_client).status_code == 200

    # when: the client now holds the rotated cookie
    response = browser_refresh(api_client)

    # then
    assert response.status_code == 200
    assert session_of(response.cookies[COOKIE].value).pk == Session.objects.get().pk


def test_the_old_cookie_is_refused_after_a_refresh_and_cleared(api_client, logged_in):
    # given
    rotated = browser_refresh(api_client).cookies[COOKIE].value
    replay = APIClient()
    replay.cookies[COOKIE] = logged_in["cookie"]
    before = accounts_state()

    # when
    response = browser_refresh(replay)

    # then
    assert_error(response, 401, "not_authenticated", message=INVALID)
    assert_cookie_cleared(response)
    assert accounts_state() == before
    assert session_of(rotated).refresh_jti == jwt_payload(rotated)["jti"]


def test_a_refresh_token_refreshed_through_the_json_endpoint_is_refused_as_a_cookie(
    api_client, logged_in
):
    # given: the cookie's token reused elsewhere (the JSON endpoint), so it is spent
    assert refresh(APIClient(), logged_in["cookie"]).status_code == 200
    before = accounts_state()

    # when
    response = browser_refresh(api_client)

    # then
    assert_error(response, 401, "not_authenticated", message=INVALID)
    assert_cookie_cleared(response)
    assert accounts_state() == before


def test_refresh_without_a_cookie_is_refused_and_clears_it(api_client, owner):
    # given
    before = accounts_state()

    # when
    response = browser_refresh(api_client)

    # then
    assert_error(response, 401, "not_authenticated", message=NO_SESSION)
    assert_cookie_cleared(response)
    assert accounts_state() == before


@pytest.mark.parametrize("value", ["garbage", "a.b.c"])
def test_refresh_with_a_garbage_cookie_is_refused_and_clears_it(api_client, logged_in, value):
    # given
    api_client.cookies[COOKIE] = value
    before = accounts_state()

    # when
    response = browser_refresh(api_client)

    # then
    assert_error(response, 401, "not_authenticated", message=INVALID)
    assert_cookie_cleared(response)
    assert accounts_state() == before


def test_refresh_with_an_access_token_in_the_cookie_is_refused(api_client, logged_in):
    # given
    api_client.cookies[COOKIE] = logged_in["access"]
    before = accounts_state()

    # when
    response = browser_refresh(api_client)

    # then
    assert_error(response, 401, "not_authenticated", message=INVALID)
    assert_cookie_cleared(response)
    assert accounts_state() == before


def test_refresh_of_a_suspended_users_session_is_refused(api_client, logged_in, owner):
    # given
    User.objects.filter(pk=owner.pk).update(suspended_at=WINDOW_START)
    before = accounts_state()

    # when
    response = browser_refresh(api_client)

    # then
    assert_error(response, 401, "not_authenticated", message="This account can no longer log in.")
    assert_cookie_cleared(response)
    assert accounts_state() == before


def test_refresh_with_an_expired_cookie_is_refused(api_client, clock, logged_in):
    # given: a browser that kept the cookie past its Max-Age
    clock.move_to(WINDOW_START + refresh_lifetime() + timedelta(seconds=1))
    before = accounts_state()

    # when
    response = browser_refresh(api_client)

    # then
    assert_error(response, 401, "not_authenticated", message=INVALID)
    assert_cookie_cleared(response)
    assert accounts_state() == before


def test_refresh_ignores_a_body(api_client, logged_in):
    # when: a refresh token in the body is not how this endpoint is used
    response = api_client.post(BROWSER_REFRESH_URL, {"refresh": "ignored"}, format="json", **WEB)

    # then
    assert response.status_code == 200
    assert set(response.json()) == {"access"}


# --- logout -------------------------------------------------------------------------------------


def test_logout_ends_the_session_and_clears_the_cookie(api_client, logged_in):
    # given
    session = Session.objects.get()

    # when
    response = browser_logout(api_client)

    # then
    assert response.status_code == 204
    assert response.content == b""
    assert_cookie_cleared(response)
    session.refresh_from_db()
    assert session.revoked_at == WINDOW_START
    assert BlacklistedToken.objects.filter(
        token__jti=jwt_payload(logged_in["cookie"])["jti"]
    ).exists()


def test_after_logout_the_cookie_and_the_access_token_stop_working(api_client, logged_in):
    # given
    assert browser_logout(api_client).status_code == 204
    replay = APIClient()
    replay.cookies[COOKIE] = logged_in["cookie"]
    before = accounts_state()

    # when
    refreshed = browser_refresh(replay)
    me = bearer(logged_in["access"]).get(ME_URL)

    # then
    assert_error(refreshed, 401, "not_authenticated", message=INVALID)
    assert_cookie_cleared(refreshed)
    assert_error(
        me, 401, "not_authenticated", message="This token is no longer valid. Please log in again."
    )
    assert accounts_state() == before


def test_logout_without_a_cookie_answers_204_and_writes_nothing(api_client, owner, tokens_for):
    # given
    tokens_for(owner)
    before = accounts_state()

    # when
    response = browser_logout(api_client)

    # then
    assert response.status_code == 204
    assert_cookie_cleared(response)
    assert accounts_state() == before


def test_logout_twice_answers_204_both_times(api_client, logged_in):
    # given
    assert browser_logout(api_client).status_code == 204
    before = accounts_state()

    # when: the client sends the cleared (empty) cookie
    response = browser_logout(api_client)

    # then
    assert response.status_code == 204
    assert_cookie_cleared(response)
    assert accounts_state() == before


def test_logout_with_a_superseded_cookie_leaves_the_live_session_alone(api_client, logged_in):
    # given: the session moved on to a rotated cookie
    rotated = browser_refresh(api_client).cookies[COOKIE].value
    replay = APIClient()
    replay.cookies[COOKIE] = logged_in["cookie"]
    before = accounts_state()

    # when
    response = browser_logout(replay)

    # then
    assert response.status_code == 204
    assert_cookie_cleared(response)
    assert accounts_state() == before
    assert session_of(rotated).revoked_at is None


def test_logout_leaves_the_users_other_sessions_working(api_client, logged_in, owner, tokens_for):
    # given
    phone = tokens_for(owner, user_agent="phone")

    # when
    response = browser_logout(api_client)

    # then
    assert response.status_code == 204
    assert session_of(phone["refresh"]).revoked_at is None
    assert bearer(phone["access"]).get(ME_URL).status_code == 200


# --- the client header (cross-site request forgery) ---------------------------------------------


@pytest.mark.parametrize("url", BROWSER_URLS)
@pytest.mark.parametrize(
    "headers", [{}, {"HTTP_X_PAWDATE_CLIENT": "mobile"}], ids=["missing", "wrong-value"]
)
def test_without_the_client_header_every_endpoint_is_forbidden_and_writes_nothing(
    api_client, logged_in, owner, password, url, headers
):
    # given: a request as another site could make it: with the cookie, without the header
    before = accounts_state()
    body = {"email": owner.email, "password": password, "username": "alice"}

    # when
    response = api_client.post(url, body, format="json", **headers)

    # then
    assert_error(response, 403, "permission_denied", message=NO_HEADER)
    assert_no_cookie(response)
    assert accounts_state() == before
    assert browser_refresh(api_client).status_code == 200


def test_a_refused_header_does_not_count_toward_the_login_limits(
    api_client, clock, owner, password, settings
):
    # given
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_ip": (1, 60)}
    assert browser_login(api_client, owner.email, password, headers={}).status_code == 403

    # when
    response = browser_login(api_client, owner.email, password)

    # then
    assert response.status_code == 200


def test_the_endpoints_need_no_csrf_token(owner, password):
    # given: a client that enforces Django's CSRF checks, as a browser session would meet them
    client = APIClient(enforce_csrf_checks=True)

    # when
    logged_in = browser_login(client, owner.email, password)
    refreshed = browser_refresh(client)
    logged_out = browser_logout(client)

    # then
    assert [logged_in.status_code, refreshed.status_code, logged_out.status_code] == [
        200,
        200,
        204,
    ]


# --- sessions -----------------------------------------------------------------------------------


def test_sessions_marks_the_browser_session_current_after_login_and_refresh(
    api_client, clock, logged_in, owner, tokens_for
):
    # given
    tokens_for(owner, user_agent="phone")
    browser_session = session_of(logged_in["cookie"])
    refreshed = browser_refresh(api_client).json()

    # when
    after_login = bearer(logged_in["access"]).get(SESSIONS_URL)
    after_refresh = bearer(refreshed["access"]).get(SESSIONS_URL)

    # then
    for response in (after_login, after_refresh):
        assert response.status_code == 200
        current = {s["id"]: s["current"] for s in response.json()["results"]}
        assert current == {
            browser_session.pk: True,
            Session.objects.get(user_agent="phone").pk: False,
        }


def test_revoking_the_browser_session_stops_its_cookie(api_client, logged_in, owner, tokens_for):
    # given: the session ended from another device
    phone = tokens_for(owner, user_agent="phone")
    browser_session = session_of(logged_in["cookie"])
    assert bearer(phone["access"]).delete(f"{SESSIONS_URL}/{browser_session.pk}").status_code == 204

    # when
    response = browser_refresh(api_client)

    # then
    assert_error(response, 401, "not_authenticated", message=INVALID)
    assert_cookie_cleared(response)


# --- the JSON endpoints are unchanged -----------------------------------------------------------


def test_the_json_login_and_refresh_still_answer_the_pair_and_set_no_cookie(
    api_client, owner, password
):
    # when
    logged_in = login(api_client, owner.email, password)
    refreshed = refresh(api_client, logged_in.json()["refresh"])

    # then
    for response in (logged_in, refreshed):
        assert response.status_code == 200
        assert set(response.json()) == {"access", "refresh"}
        assert_no_cookie(response)


def test_the_json_register_still_answers_user_and_pair_and_sets_no_cookie(api_client):
    # when
    response = api_client.post(
        REGISTER_URL,
        {"email": "alice@example.com", "username": "alice", "password": NEW_PASSWORD},
        format="json",
    )

    # then
    assert response.status_code == 201
    assert set(response.json()) == {"user", "access", "refresh"}
    assert_no_cookie(response)


def test_the_json_endpoints_do_not_read_the_cookie(api_client, logged_in):
    # given: the client holds a browser cookie
    before = accounts_state()

    # when
    refreshed = api_client.post(REFRESH_URL, {}, format="json")
    logged_out = bearer(logged_in["access"]).post("/api/v1/auth/logout", {}, format="json")

    # then
    assert_error(
        refreshed, 400, "validation_error", fields={"refresh": ["This field is required."]}
    )
    assert_error(
        logged_out, 400, "validation_error", fields={"refresh": ["This field is required."]}
    )
    assert accounts_state() == before


def test_the_json_token_endpoint_needs_no_client_header(api_client, owner, password):
    # when
    response = api_client.post(
        TOKEN_URL, {"email": owner.email, "password": password}, format="json"
    )

    # then
    assert response.status_code == 200


# --- the schema ---------------------------------------------------------------------------------


def test_the_schema_documents_the_browser_endpoints(api_client):
    # when
    schema = api_client.get("/api/schema/", {"format": "json"}).json()

    # then
    for url in BROWSER_URLS:
        operation = schema["paths"][url]["post"]
        assert "security" not in operation, url  # no bearer token
        parameters = {(p["in"], p["name"]): p for p in operation["parameters"]}
        client_header = parameters[("header", "X-Pawdate-Client")]
        assert client_header["required"] is True
        assert client_header["schema"] == {"type": "string", "enum": ["web"]}
        has_cookie = url in {BROWSER_REFRESH_URL, BROWSER_LOGOUT_URL}
        assert (("cookie", COOKIE) in parameters) is has_cookie, url
    success = {
        LOGIN_URL: "200",
        BROWSER_REGISTER_URL: "201",
        BROWSER_REFRESH_URL: "200",
        BROWSER_LOGOUT_URL: "204",
    }
    for url, status in success.items():
        response = schema["paths"][url]["post"]["responses"][status]
        assert "Set-Cookie" in response["headers"], url
    session_output = schema["components"]["schemas"]["BrowserSessionOutput"]
    assert set(session_output["properties"]) == {"access", "user"}
    assert set(schema["components"]["schemas"]["BrowserAccessOutput"]["properties"]) == {"access"}


def test_login_and_logout_set_and_clear_the_readable_signed_in_hint(api_client, owner, password):
    # when
    logged_in = browser_login(api_client, owner.email, password)
    signed_in = logged_in.cookies["pawdate_signed_in"]
    logged_out = api_client.post(BROWSER_LOGOUT_URL, **WEB)

    # then: a hint the page reads (no secret in it), gone with the session
    assert signed_in.value == "1"
    assert (signed_in["path"], signed_in["samesite"], signed_in["httponly"]) == ("/", "Strict", "")
    assert signed_in["max-age"] == logged_in.cookies["pawdate_refresh"]["max-age"]
    cleared = logged_out.cookies["pawdate_signed_in"]
    assert (cleared.value, cleared["max-age"]) == ("", 0)
