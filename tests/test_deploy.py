"""Production readiness: the deploy check, the settings guard, the schema and the API docs."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from django.test import Client

from tests import server

CONTRACT_PATHS = {
    "/api/v1/auth/register",
    "/api/v1/auth/token",
    "/api/v1/auth/token/refresh",
    "/api/v1/auth/logout",
    "/api/v1/me",
    "/api/v1/auth/sessions",
    "/api/v1/auth/sessions/{session_id}",
}


def manage(
    tmp_path: Path,
    *args: str,
    environment: dict[str, str] | None = None,
    unset: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    return server.manage(
        *args,
        var_dir=tmp_path / "var",
        database_url=os.environ["DATABASE_URL"],
        redis_url=os.environ["REDIS_URL"],
        unset=unset,
        **{"ALLOWED_HOSTS": "pawdate.example.com", **(environment or {})},
    )


def test_production_settings_pass_the_deploy_check(tmp_path: Path) -> None:
    # when
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING")

    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout == "System check identified no issues (0 silenced).\n"


@pytest.mark.parametrize(
    ("environment", "warning"),
    [
        ({"SECURE_SSL_REDIRECT": "0"}, "(security.W008)"),
        ({"SECRET_KEY": "too-short-and-too-simple"}, "(security.W009)"),
        ({"SECURE_HSTS_SECONDS": "0"}, "(security.W004)"),
    ],
)
def test_the_deploy_check_fails_on_a_weakened_setting(
    tmp_path: Path, environment: dict[str, str], warning: str
) -> None:
    # when
    result = manage(
        tmp_path, "check", "--deploy", "--fail-level", "WARNING", environment=environment
    )

    # then
    assert result.returncode == 1
    assert warning in result.stderr


def test_starting_without_secret_key_in_production_fails_clearly(tmp_path: Path) -> None:
    # when
    result = manage(tmp_path, "check", unset=("SECRET_KEY",))

    # then
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: SECRET_KEY must be set when DEBUG is off"
        " (use DEBUG=1 for local development)."
    )


def test_the_schema_validates_without_warnings(tmp_path: Path) -> None:
    # given
    schema = tmp_path / "schema.yml"

    # when
    result = manage(tmp_path, "spectacular", "--validate", "--fail-on-warn", "--file", str(schema))

    # then
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert schema.read_text().startswith("openapi: 3.0.3\n")


def test_schema_is_served_without_auth(client: Client) -> None:
    # when
    response = client.get("/api/schema/", {"format": "json"})

    # then
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"] == "3.0.3"
    assert schema["info"]["title"] == "Pawdate API"
    assert set(schema["paths"]) >= CONTRACT_PATHS
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }


def test_docs_are_served_without_auth_and_load_nothing_from_other_hosts(client: Client) -> None:
    # when
    response = client.get("/api/docs/")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert re.findall(r"(?:https?:)?//[\w.-]+\.\w+", html) == []
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sorted(assets) == [
        "/static/drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
    ]
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    assert 'url: "/api/schema/"' in html
