"""Shared fixtures (loaded as a pytest plugin, so every app's tests get them).

Personas: `owner`, `friend`, `stranger`, `moderator`. `client_for(user)` gives an API client
logged in as that user through a real session and token pair. Redis is flushed before each
test (each xdist worker has its own Redis database), so rate limits start from zero.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from rest_framework.test import APIClient

    from accounts.models import User


@pytest.fixture(scope="session", autouse=True)
def _test_databases_released_at_the_end(
    django_db_setup: None, django_db_blocker: Any
) -> Iterator[None]:
    """Ends this process's connections to the test databases before pytest-django drops them:
    those that socket tests' threads hold or gave back to a pool would keep a database in use,
    and dropping it would fail (after retrying for seconds)."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        _end_connections(connections.all(initialized_only=True))


def _end_connections(databases: Sequence[Any]) -> None:
    for connection in databases:
        connection.close()
        if hasattr(connection, "close_pool"):
            connection.close_pool()
        if connection.vendor != "postgresql":
            continue
        # Other threads' connections (each thread has its own): end them from the server side.
        with connection._nodb_cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                [connection.settings_dict["NAME"]],
            )


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    from django.conf import settings

    from accounts import ratelimit

    if settings.REDIS_URLS:
        ratelimit._redis().flushdb()
    ratelimit.reset_local_counters()


@pytest.fixture(autouse=True)
def _fresh_feature_switches() -> None:
    """Each test starts with no switch set, not a previous test's (config/features.py)."""
    from config import features

    features.assume_none_set()


@pytest.fixture
def api_client() -> APIClient:
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def password() -> str:
    from tests.factories import PASSWORD

    return PASSWORD


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    from tests.factories import UserFactory

    def make(**fields: Any) -> User:
        user: User = UserFactory.create(**fields)
        return user

    return make


@pytest.fixture
def owner(make_user: Callable[..., User]) -> User:
    return make_user(email="owner@example.com", username="owner")


@pytest.fixture
def friend(make_user: Callable[..., User]) -> User:
    return make_user(email="friend@example.com", username="friend")


@pytest.fixture
def stranger(make_user: Callable[..., User]) -> User:
    return make_user(email="stranger@example.com", username="stranger")


@pytest.fixture
def moderator(make_user: Callable[..., User]) -> User:
    return make_user(email="mod@example.com", username="mod", role="moderator")


@pytest.fixture
def tokens_for(db: None) -> Callable[..., dict[str, str]]:
    """Logs `user` in the way the token endpoint does and returns {"access", "refresh"}."""
    from accounts.services import _start_session

    def tokens(user: User, user_agent: str = "pytest") -> dict[str, str]:
        pair = _start_session(user=user, user_agent=user_agent)
        return {"access": pair.access, "refresh": pair.refresh}

    return tokens


@pytest.fixture
def client_for(tokens_for: Callable[..., dict[str, str]]) -> Callable[[User], APIClient]:
    from rest_framework.test import APIClient

    def client(user: User) -> APIClient:
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(user)['access']}")
        return api

    return client
