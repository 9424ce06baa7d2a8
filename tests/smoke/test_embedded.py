"""Smoke tests of the embedded default: SQLite, the in-memory channel layer, local-memory cache.

`make test` runs them on their own with nothing configured:
`DATABASE_URL= REDIS_URL= pytest -m embedded tests/smoke`. The in-process tests then run on the
embedded default; the server test configures its server process that way whatever this one uses.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rest_framework.test import APIClient

from tests.server import manage, running_server

pytestmark = pytest.mark.embedded

EMAIL = "embedded@example.com"
PASSWORD = "Embedded-Smoke-Pass-42"
PROFILE = {
    "email": EMAIL,
    "username": "embedded",
    "location": "Brooklyn, NY",
    "latitude": 40.6782,
    "longitude": -73.9442,
}


@pytest.mark.django_db
def test_register_login_me_and_refresh(api_client: APIClient) -> None:
    # when
    registered = api_client.post(
        "/api/v1/auth/register", {**PROFILE, "password": PASSWORD}, format="json"
    )
    login = api_client.post(
        "/api/v1/auth/token", {"email": EMAIL, "password": PASSWORD}, format="json"
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['access']}")
    me = api_client.get("/api/v1/me")
    refreshed = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": login.json()["refresh"]}, format="json"
    )
    replayed = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": login.json()["refresh"]}, format="json"
    )

    # then
    assert registered.status_code == 201, registered.json()
    assert login.status_code == 200, login.json()
    assert me.status_code == 200
    assert me.json() == registered.json()["user"]
    assert {key: me.json()[key] for key in PROFILE} == PROFILE
    assert me.json()["role"] == "owner"
    assert refreshed.status_code == 200
    assert set(refreshed.json()) == {"access", "refresh"}
    assert refreshed.json()["refresh"] != login.json()["refresh"]
    assert replayed.status_code == 401
    assert replayed.json()["error"]["code"] == "not_authenticated"


@pytest.mark.django_db
def test_readyz_is_ready(api_client: APIClient) -> None:
    # when
    response = api_client.get("/readyz")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "channel_layer": "ok"},
    }


def test_a_server_with_nothing_configured_serves_the_api(tmp_path: Path) -> None:
    # given: a fresh SQLite database under the server's var/ directory
    var_dir = tmp_path / "var"
    migrated = manage("migrate", "--no-input", var_dir=var_dir, database_url="", redis_url="")
    assert migrated.returncode == 0, migrated.stderr
    assert (var_dir / "db.sqlite3").is_file()

    with (
        running_server(
            tmp_path, database_url="", redis_url="", workers=2, var_dir=var_dir
        ) as server,
        server.client() as client,
    ):
        # when
        ready = client.get("/readyz")
        registered = client.post("/api/v1/auth/register", json={**PROFILE, "password": PASSWORD})
        login = client.post("/api/v1/auth/token", json={"email": EMAIL, "password": PASSWORD})
        access, refresh = login.json()["access"], login.json()["refresh"]
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {access}"})
        refreshed = client.post("/api/v1/auth/token/refresh", json={"refresh": refresh})

    # then
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "channel_layer": "ok"}}
    assert registered.status_code == 201, registered.text
    assert login.status_code == 200, login.text
    assert me.status_code == 200
    assert me.json()["id"] == registered.json()["user"]["id"]
    assert refreshed.status_code == 200
    assert refreshed.json()["refresh"] != refresh
    assert (
        "REDIS_URL is not set: the in-memory channel layer works within one process, "
        "so serving with 1 worker." in server.output()
    )


@pytest.mark.django_db
def test_an_owner_can_delete_their_account(api_client: APIClient) -> None:
    # given: the token's user is read with raw SQL, which SQLite answers with naive text times
    api_client.post("/api/v1/auth/register", {**PROFILE, "password": PASSWORD}, format="json")
    login = api_client.post(
        "/api/v1/auth/token", {"email": EMAIL, "password": PASSWORD}, format="json"
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['access']}")
    me = api_client.get("/api/v1/me")

    # when
    deleted = api_client.delete("/api/v1/me", {"password": PASSWORD}, format="json")

    # then
    assert me.json()["date_joined"].endswith("Z") or "+00:00" in me.json()["date_joined"]
    assert deleted.status_code == 204, deleted.content
