"""Django serves the browser app: its page at `/` and every client-side route, its assets as
static files under /static/app/, while the server's own paths keep their answers.

Nothing here builds the app: `built_app` lays out a tiny stand-in for frontend/dist, as Vite
does, and points the settings at it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from pytest_django.fixtures import Settings

INDEX_HTML = """<!doctype html>
<html lang="en">
  <head>
    <title>Pawdate</title>
    <script type="module" crossorigin src="/static/app/assets/index-AbCd1234.js"></script>
    <link rel="stylesheet" crossorigin href="/static/app/assets/index-Ef_G5678.css">
  </head>
  <body><div id="root"></div></body>
</html>
"""
SCRIPT = 'import("/static/app/assets/chat-Hi-J9012.js");\n'
# Vite writes absolute URLs into CSS; collectstatic's manifest storage follows them.
STYLES = "body{background:url(/static/app/assets/paw-Kl3M4567.svg)}\n"
FOREVER = "max-age=315360000, public, immutable"


@pytest.fixture
def built_app(settings: Settings, tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX_HTML)
    (dist / "assets" / "index-AbCd1234.js").write_text(SCRIPT)
    (dist / "assets" / "chat-Hi-J9012.js").write_text("export const chat = 1;\n")
    (dist / "assets" / "index-Ef_G5678.css").write_text(STYLES)
    (dist / "assets" / "paw-Kl3M4567.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    settings.FRONTEND_DIST = dist
    settings.STATICFILES_DIRS = [("app", dist)]
    return dist


@pytest.mark.parametrize(
    "route", ["/", "/login", "/pets/3", "/playdates/7/chat", "/moderation/feed", "/pets/3/"]
)
def test_the_root_and_client_side_routes_answer_the_app_page(
    client: Client, built_app: Path, route: str
) -> None:
    # when
    response = client.get(route)

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    assert response.content.decode() == INDEX_HTML


def test_the_app_page_answers_head_but_not_post(client: Client, built_app: Path) -> None:
    # when
    head = client.head("/playdates/7/chat")
    post = client.post("/login")

    # then
    assert head.status_code == 200
    assert head["Content-Type"] == "text/html; charset=utf-8"
    assert post.status_code == 405


@pytest.mark.parametrize("path", ["/favicon.ico", "/robots.txt", "/pets/photo.png"])
def test_a_missing_file_is_not_found_rather_than_the_app_page(
    client: Client, built_app: Path, path: str
) -> None:
    # when
    response = client.get(path)

    # then
    assert response.status_code == 404
    assert b'<div id="root">' not in response.content


@pytest.mark.parametrize(
    "path", ["/api/v1/no-such-thing", "/api/nothing/here", "/api/v1/pets/3/nope"]
)
def test_unknown_api_paths_still_answer_the_contracts_json_404(
    client: Client, built_app: Path, path: str
) -> None:
    # when
    response = client.get(path)

    # then
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}


@pytest.mark.parametrize("path", ["/static/app/assets/gone-Zz999999.js", "/ws/", "/healthz/x"])
def test_the_servers_own_paths_are_never_app_routes(
    client: Client, built_app: Path, path: str
) -> None:
    # when
    response = client.get(path)

    # then
    assert response.status_code == 404
    assert b'<div id="root">' not in response.content


@pytest.mark.django_db
def test_the_admin_is_still_the_admin(client: Client, built_app: Path) -> None:
    # when
    index = client.get("/admin/")
    login = client.get("/admin/login/")
    without_slash = client.get("/admin")

    # then
    assert (index.status_code, index["Location"]) == (302, "/admin/login/?next=/admin/")
    assert login.status_code == 200
    assert b"Django administration" in login.content
    assert (without_slash.status_code, without_slash["Location"]) == (301, "/admin/")


def test_health_is_still_health(client: Client, built_app: Path) -> None:
    # when
    response = client.get("/healthz")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_the_app_assets_are_static_files_cached_for_ever(client: Client, built_app: Path) -> None:
    # when
    script = client.get("/static/app/assets/index-AbCd1234.js")
    styles = client.get("/static/app/assets/index-Ef_G5678.css")

    # then
    assert script.status_code == 200
    assert b"".join(script.streaming_content) == SCRIPT.encode()  # type: ignore[attr-defined]
    assert script["Content-Type"] == 'text/javascript; charset="utf-8"'
    assert script["Cache-Control"] == FOREVER
    assert styles.status_code == 200
    assert styles["Cache-Control"] == FOREVER


def test_collectstatic_keeps_vites_names_so_the_page_finds_its_assets_in_production(
    client: Client, built_app: Path, settings: Settings, tmp_path: Path
) -> None:
    # given: production's storage and WhiteNoise serving STATIC_ROOT, not the finders
    static_root = tmp_path / "static"
    settings.STATIC_ROOT = static_root
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.WHITENOISE_USE_FINDERS = False

    # when
    call_command("collectstatic", "--no-input", verbosity=0)

    # then: the manifest hashes Vite's files again, and Vite's own names stay beside them
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    assert sorted(manifest) == [
        "app/assets/chat-Hi-J9012.js",
        "app/assets/index-AbCd1234.js",
        "app/assets/index-Ef_G5678.css",
        "app/assets/paw-Kl3M4567.svg",
        "app/index.html",
    ]
    page = client.get("/moderation/feed").content.decode()
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert assets == [
        "/static/app/assets/index-AbCd1234.js",
        "/static/app/assets/index-Ef_G5678.css",
    ]
    for asset in assets:
        response = client.get(asset, headers={"Accept-Encoding": "gzip"})
        assert (response.status_code, response["Cache-Control"]) == (200, FOREVER), asset
    assert client.get("/static/app/assets/chat-Hi-J9012.js").status_code == 200
    assert client.get("/static/app/assets/paw-Kl3M4567.svg").status_code == 200


@pytest.mark.django_db
def test_without_a_build_the_root_says_how_to_build_it(
    client: Client, settings: Settings, tmp_path: Path
) -> None:
    # given
    settings.FRONTEND_DIST = tmp_path / "never-built"

    # when
    response = client.get("/")

    # then
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-cache"
    assert b"<code>make run</code>" in response.content
    assert b'href="/api/docs/"' in response.content
    assert b'href="/admin/"' in response.content
