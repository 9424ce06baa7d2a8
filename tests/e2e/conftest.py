"""Browser tests: Debian's Chromium, driven by Playwright's sync API, against a real server.

- `app_server`: `manage.py serve` (daphne, production settings: DEBUG off, static files from
  collectstatic's manifest) on this worker's test database and Redis, serving the built app.
  Data a test writes with the ORM is committed (`transactional_db`), so the server sees it.
- `page_for(name)`: a page in a browser context of its own per person ("ann", "bob", ...): two
  owners never share cookies, storage or sockets. `console_errors(page)`: what it logged as
  errors (failed loads included) and its uncaught exceptions.
- `screenshot(page, name)`: tests/e2e/artifacts/<name>.png (git-ignored), to look at.

The app must be built (`make test` builds it; frontend/dist). Every test here is marked `e2e`
and may run on any xdist worker: each worker has its own test database and Redis database,
collects the static files once, and starts a fresh server and Chromium for each test (about a
second together), so nothing carries over from one test to the next.

While Playwright's sync API is open it marks its own asyncio loop as running in this thread
(between calls too). Django then takes every ORM call for one made inside an event loop, so
the tests here set DJANGO_ALLOW_ASYNC_UNSAFE: no loop really runs while test code does. The
server does not inherit it (tests/server.py), and Playwright stops with each test, before any
other test (async ones included) runs on this worker.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Error,
    Page,
    ViewportSize,
    expect,
    sync_playwright,
)

from tests.server import (
    BASE_DIR,
    Server,
    manage,
    running_server,
    server_database_url,
    server_redis_url,
)

E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS = E2E_DIR / "artifacts"
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
# Headless without a sandbox (tests run as root) and without Chromium's own traffic to Google's
# services, which this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
# Every wait on the page is bounded: a missing element fails the test in seconds (generous
# enough for a loaded CI machine running the other tests beside these).
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(E2E_DIR):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """STATIC_ROOT as `make run` and a deployment fill it, from the built app: once per worker."""
    if not (FRONTEND_DIST / "index.html").is_file():
        pytest.fail(
            f"the browser app is not built ({FRONTEND_DIST} has no index.html):"
            " run make test (it builds the frontend), or make frontend",
            pytrace=False,
        )
    var_dir = tmp_path_factory.mktemp("e2e-static")
    result = manage(
        "collectstatic", "--no-input", "-v", "0", var_dir=var_dir, database_url="", redis_url=""
    )
    assert result.returncode == 0, result.stderr
    return var_dir / "static"


@pytest.fixture
def app_server(transactional_db: None, collected_static: Path, tmp_path: Path) -> Iterator[Server]:
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    (var_dir / "static").symlink_to(collected_static, target_is_directory=True)
    with running_server(
        tmp_path,
        database_url=server_database_url(),
        redis_url=server_redis_url(),
        var_dir=var_dir,
    ) as server:
        yield server


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "chromium is not installed: make test installs it (apt-get install -y chromium)",
            pytrace=False,
        )
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def console_errors() -> Callable[[Page], list[str]]:
    """Filled by `page_for`'s listeners: for each page, what it reported as errors."""
    recorded: dict[int, list[str]] = {}

    def errors_of(page: Page) -> list[str]:
        return recorded.setdefault(id(page), [])

    return errors_of


@pytest.fixture
def page_for(
    browser: Browser, app_server: Server, console_errors: Callable[[Page], list[str]]
) -> Iterator[Callable[[str], Page]]:
    pages: dict[str, Page] = {}

    def page(name: str) -> Page:
        if name not in pages:
            context = browser.new_context(base_url=app_server.url, viewport=VIEWPORT)
            context.set_default_timeout(TIMEOUT_MS)
            new_page = context.new_page()
            errors = console_errors(new_page)

            def on_console(message: ConsoleMessage) -> None:
                if message.type == "error":
                    errors.append(f"{message.text} ({message.location.get('url', '')})")

            def on_page_error(error: Error) -> None:
                errors.append(f"uncaught: {error.message}")

            new_page.on("console", on_console)
            new_page.on("pageerror", on_page_error)
            pages[name] = new_page
        return pages[name]

    yield page
    for opened in pages.values():
        opened.context.close()


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    def save(page: Page, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return save
