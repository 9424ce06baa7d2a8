"""The built app loads in Chromium from the real server: at `/`, and at a client-side route
opened directly (a bookmark, a reload), which the server answers with the app, not a 404."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.server import Server


def test_the_app_loads_at_the_root_without_console_errors(
    app_server: Server,
    page_for: Callable[[str], Page],
    console_errors: Callable[[Page], list[str]],
    screenshot: Callable[[Page, str], Path],
) -> None:
    # given
    page = page_for("visitor")

    # when
    response = page.goto("/", wait_until="networkidle")

    # then
    assert response is not None
    assert response.status == 200
    expect(page).to_have_title("Pawdate")
    expect(page.locator("#root > *").first).to_be_visible()
    screenshot(page, "app-shell-root")
    assert console_errors(page) == []


def test_a_client_side_route_opened_directly_renders_the_app(
    app_server: Server,
    page_for: Callable[[str], Page],
    console_errors: Callable[[Page], list[str]],
    screenshot: Callable[[Page, str], Path],
) -> None:
    # given
    page = page_for("visitor")

    # when
    response = page.goto("/login", wait_until="networkidle")

    # then
    assert response is not None
    assert (response.status, response.headers["cache-control"]) == (200, "no-cache")
    expect(page).to_have_title("Pawdate")
    expect(page).to_have_url(f"{app_server.url}/login")
    expect(page.locator("input[type=password]")).to_be_visible()
    screenshot(page, "app-shell-login")
    assert console_errors(page) == []
