"""Login and register limits (per client IP and per account) and the failed-login lock.

The clock is frozen at the start of every window (see WINDOW_START), so the counts, the
`Retry-After` values and the moment a window ends are exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import time_machine
from django.conf import settings

from accounts.models import Session, User
from accounts.tests.helpers import (
    BAD_CREDENTIALS,
    REGISTER_URL,
    WINDOW_START,
    accounts_state,
    assert_error,
    login,
)
from config.errors import seconds

pytestmark = pytest.mark.django_db

REGISTER_PASSWORD = "Sturdy-Pass-123"


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(WINDOW_START, tick=False) as traveller:
        yield traveller


def at(seconds: float) -> datetime:
    return WINDOW_START + timedelta(seconds=seconds)


def register(api_client, email: str, *, ip: str = "203.0.113.10"):
    return api_client.post(
        REGISTER_URL,
        {"email": email, "username": "newcomer", "password": REGISTER_PASSWORD},
        format="json",
        REMOTE_ADDR=ip,
    )


def assert_rate_limited(response, retry_after: int, message: str | None = None) -> None:
    assert_error(
        response,
        429,
        "rate_limited",
        message=message or f"Too many requests. Try again in {seconds(retry_after)}.",
    )
    assert response["Retry-After"] == str(retry_after)


# --- login, per client IP ----------------------------------------------------------------------


def test_login_per_ip_limit_refuses_the_request_after_the_limit(api_client, clock, owner, password):
    # given: as many failed logins from one IP as the limit allows, each for another email
    limit, window = settings.RATE_LIMITS["login_ip"]
    for attempt in range(limit):
        response = login(api_client, f"guess{attempt}@example.com", "wrong", ip="198.51.100.7")
        assert response.status_code == 401, attempt
    clock.move_to(at(20))
    before = accounts_state()

    # when: one more, with the right password of a real account
    response = login(api_client, owner.email, password, ip="198.51.100.7")

    # then
    assert_rate_limited(response, retry_after=window - 20)
    assert accounts_state() == before


def test_login_per_ip_limit_leaves_other_ips_alone(api_client, clock, owner, password, settings):
    # given: a smaller limit (the boundary is the same code), used up from one IP
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_ip": (3, 60)}
    for _ in range(3):
        assert login(api_client, owner.email, password, ip="198.51.100.7").status_code == 200
    assert login(api_client, owner.email, password, ip="198.51.100.7").status_code == 429

    # when
    response = login(api_client, owner.email, password, ip="198.51.100.8")

    # then
    assert response.status_code == 200
    assert Session.objects.filter(user=owner).count() == 4


def test_login_per_ip_limit_starts_again_in_the_next_window(
    api_client, clock, owner, password, settings
):
    # given
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_ip": (2, 60)}
    for _ in range(2):
        assert login(api_client, owner.email, password, ip="198.51.100.7").status_code == 200
    clock.move_to(at(59))
    assert_rate_limited(login(api_client, owner.email, password, ip="198.51.100.7"), 1)

    # when
    clock.move_to(at(60))
    response = login(api_client, owner.email, password, ip="198.51.100.7")

    # then
    assert response.status_code == 200


# --- login, per account -------------------------------------------------------------------------


def test_login_per_account_limit_refuses_even_the_right_password(
    api_client, clock, owner, password
):
    # given: as many successful logins to one account as the limit allows, from many IPs
    limit, window = settings.RATE_LIMITS["login_account"]
    for attempt in range(limit):
        response = login(api_client, owner.email, password, ip=f"198.51.100.{attempt + 1}")
        assert response.status_code == 200, attempt
    before = accounts_state()
    assert Session.objects.filter(user=owner).count() == limit

    # when: one more, from a fresh IP and with the email written differently
    response = login(api_client, "  OWNER@Example.com ", password, ip="192.0.2.99")

    # then
    assert_rate_limited(response, retry_after=window)
    assert accounts_state() == before


def test_login_per_account_limit_leaves_other_accounts_alone(
    api_client, clock, owner, friend, password
):
    # given
    limit, _ = settings.RATE_LIMITS["login_account"]
    for attempt in range(limit):
        response = login(api_client, owner.email, password, ip=f"198.51.100.{attempt + 1}")
        assert response.status_code == 200
    assert login(api_client, owner.email, password, ip="192.0.2.1").status_code == 429

    # when
    response = login(api_client, friend.email, password, ip="192.0.2.1")

    # then
    assert response.status_code == 200
    assert Session.objects.filter(user=friend).count() == 1


# --- register -----------------------------------------------------------------------------------


def test_register_per_ip_limit_refuses_the_request_after_the_limit(api_client, clock):
    # given
    limit, window = settings.RATE_LIMITS["register_ip"]
    for attempt in range(limit):
        response = register(api_client, f"new{attempt}@example.com", ip="198.51.100.7")
        assert response.status_code == 201, attempt
    clock.move_to(at(600))
    before = accounts_state()

    # when
    response = register(api_client, "one-more@example.com", ip="198.51.100.7")

    # then
    assert_rate_limited(response, retry_after=window - 600)
    assert accounts_state() == before
    assert not User.objects.filter(email="one-more@example.com").exists()


def test_register_per_ip_limit_leaves_other_ips_alone(api_client, clock, settings):
    # given
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register_ip": (1, 3600)}
    assert register(api_client, "first@example.com", ip="198.51.100.7").status_code == 201
    assert register(api_client, "second@example.com", ip="198.51.100.7").status_code == 429

    # when
    response = register(api_client, "second@example.com", ip="198.51.100.8")

    # then
    assert response.status_code == 201
    assert User.objects.count() == 2


def test_register_per_account_limit_counts_attempts_on_a_taken_email(api_client, clock):
    # given: one registration, then repeated attempts on the same email from other IPs
    # (what someone probing which emails have accounts would do)
    limit, window = settings.RATE_LIMITS["register_account"]
    assert register(api_client, "alice@example.com", ip="198.51.100.1").status_code == 201
    for attempt in range(1, limit):
        response = register(api_client, "alice@example.com", ip=f"198.51.100.{attempt + 1}")
        assert_error(
            response,
            400,
            "validation_error",
            fields={"email": ["An account with this email already exists."]},
        )
    before = accounts_state()

    # when
    response = register(api_client, "ALICE@example.com", ip="192.0.2.99")

    # then
    assert_rate_limited(response, retry_after=window)
    assert accounts_state() == before


# --- the failed-login lock ----------------------------------------------------------------------


def fail_logins(api_client, email: str, times: int) -> None:
    for attempt in range(times):
        response = login(api_client, email, "Wrong-Password-1", ip=f"198.51.100.{attempt + 1}")
        assert response.status_code == 401, attempt
        assert response.json() == BAD_CREDENTIALS


def test_account_lock_refuses_even_the_right_password(api_client, clock, owner, password):
    # given
    max_failures, window = settings.LOGIN_FAILURE_LIMIT
    fail_logins(api_client, owner.email, max_failures)
    clock.move_to(at(100))
    before = accounts_state()

    # when
    response = login(api_client, owner.email, password, ip="192.0.2.50")

    # then
    assert_rate_limited(
        response,
        retry_after=window - 100,
        message=(f"Too many failed logins for this account. Try again in {window - 100} seconds."),
    )
    assert accounts_state() == before


def test_right_password_works_just_before_the_lock(api_client, clock, owner, password):
    # given
    max_failures, _ = settings.LOGIN_FAILURE_LIMIT
    fail_logins(api_client, owner.email, max_failures - 1)

    # when
    response = login(api_client, owner.email, password, ip="192.0.2.50")

    # then
    assert response.status_code == 200
    assert Session.objects.filter(user=owner).count() == 1


def test_unknown_email_and_wrong_password_answer_identically(api_client, clock, owner):
    # when
    unknown = login(api_client, "nobody@example.com", "Wrong-Password-1")
    wrong = login(api_client, owner.email, "Wrong-Password-1")

    # then
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json() == BAD_CREDENTIALS
    assert unknown.get("Retry-After") is None
    assert wrong.get("Retry-After") is None


def test_failures_for_an_unknown_email_count_toward_its_lock(
    api_client, clock, make_user, password
):
    # given: failures for an email before anyone registered it
    max_failures, window = settings.LOGIN_FAILURE_LIMIT
    fail_logins(api_client, "later@example.com", max_failures)
    make_user(email="later@example.com")
    before = accounts_state()

    # when
    response = login(api_client, "later@example.com", password, ip="192.0.2.50")

    # then
    assert_error(response, 429, "rate_limited")
    assert response["Retry-After"] == str(window)
    assert accounts_state() == before


def test_failures_in_any_email_case_count_toward_one_lock(api_client, clock, owner, password):
    # given
    max_failures, _ = settings.LOGIN_FAILURE_LIMIT
    fail_logins(api_client, "OWNER@example.com", max_failures - 1)
    fail_logins(api_client, " Owner@Example.COM", 1)

    # when
    response = login(api_client, owner.email, password, ip="192.0.2.50")

    # then
    assert response.status_code == 429
    assert Session.objects.count() == 0


def test_account_lock_leaves_other_accounts_alone(api_client, clock, owner, friend, password):
    # given
    max_failures, _ = settings.LOGIN_FAILURE_LIMIT
    fail_logins(api_client, owner.email, max_failures)

    # when: the friend logs in from the very IP the failures came from
    response = login(api_client, friend.email, password, ip="198.51.100.1")

    # then
    assert response.status_code == 200
    assert Session.objects.filter(user=friend).count() == 1


def test_account_lock_ends_when_the_window_passes(api_client, clock, owner, password):
    # given
    max_failures, window = settings.LOGIN_FAILURE_LIMIT
    fail_logins(api_client, owner.email, max_failures)
    clock.move_to(at(window - 1))
    assert_rate_limited(
        login(api_client, owner.email, password),
        retry_after=1,
        message="Too many failed logins for this account. Try again in 1 second.",
    )

    # when
    clock.move_to(at(window))
    response = login(api_client, owner.email, password)

    # then
    assert response.status_code == 200
    assert Session.objects.filter(user=owner).count() == 1


def test_lock_retry_after_header_and_message_agree(api_client, clock, owner, password):
    # given: a lock looked at part-way through a second
    max_failures, window = settings.LOGIN_FAILURE_LIMIT
    fail_logins(api_client, owner.email, max_failures)
    clock.move_to(at(100.25))

    # when
    response = login(api_client, owner.email, password)

    # then: 799.75 seconds are left; both round up, so a client that waits is not refused again
    assert_rate_limited(
        response,
        retry_after=window - 100,
        message=f"Too many failed logins for this account. Try again in {window - 100} seconds.",
    )


@pytest.fixture
def redis_down(settings):
    """The rate limiter's Redis at a closed port (the channel layer and cache are untouched)."""
    from accounts import ratelimit

    ratelimit._redis.cache_clear()
    settings.REDIS_URLS = ["redis://127.0.0.1:1/0"]
    yield
    ratelimit._redis.cache_clear()


def test_login_while_redis_is_down_works(api_client, owner, password, redis_down):
    # when
    response = login(api_client, owner.email, password)

    # then
    assert response.status_code == 200, response.content
    assert Session.objects.filter(user=owner).count() == 1


def test_login_while_redis_is_down_is_still_limited_counted_in_the_process(
    api_client, clock, owner, password, redis_down
):
    # given: as many failed logins from one IP as the limit allows, each for another email
    limit, window = settings.RATE_LIMITS["login_ip"]
    for attempt in range(limit):
        response = login(api_client, f"guess{attempt}@example.com", "wrong", ip="198.51.100.7")
        assert response.status_code == 401, attempt
    before = accounts_state()

    # when: one more, with the right password of a real account
    response = login(api_client, owner.email, password, ip="198.51.100.7")

    # then
    assert_rate_limited(response, retry_after=window)
    assert accounts_state() == before


def test_register_while_redis_is_down_works(api_client, redis_down):
    # when
    response = register(api_client, "newcomer@example.com")

    # then
    assert response.status_code == 201, response.content
    assert User.objects.filter(email="newcomer@example.com").exists()
