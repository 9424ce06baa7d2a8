"""Runs `manage.py serve` as a real server process for tests that need daphne, workers and logs.

Not a test module. `running_server(...)` starts the server on a free port with production-like
settings (DEBUG off, a random SECRET_KEY), waits until /healthz answers, captures everything it
prints to a file and stops it afterwards (`running_redis(...)` does the same for a private Redis
server). Tests whose data the server must see use `@pytest.mark.django_db(transaction=True)` and
`server_database_url()`, the test database's URL.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import redis

BASE_DIR = Path(__file__).resolve().parent.parent
READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 15.0

# Configuration the server must not inherit from the test process (tests.settings rewrites some
# of these per xdist worker, and DJANGO_SETTINGS_MODULE points at the test settings).
_CONFIG_VARIABLES = {
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "DB_POOL_MAX_SIZE",
    "DEBUG",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DJANGO_SETTINGS_MODULE",
    "HOST",
    "HTTP_THREADS",
    "JWT_SIGNING_KEY",
    "LOG_FORMAT",
    "LOG_LEVEL",
    "METRICS_TOKEN",
    "SENTRY_DSN",
    "PAWDATE_VAR_DIR",
    "PORT",
    "PROMETHEUS_MULTIPROC_DIR",
    "REDIS_URL",
    "SECRET_KEY",
    "SECURE_HSTS_SECONDS",
    "SECURE_SSL_REDIRECT",
    "WEB_CONCURRENCY",
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def closed_port_url(scheme: str, path: str = "") -> str:
    """A URL to a port nothing listens on (connections are refused at once)."""
    return f"{scheme}://127.0.0.1:1{path}"


def server_database_url() -> str:
    """The URL of the database pytest-django created (call it once the test database exists)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql", database["ENGINE"]
    user = quote(str(database.get("USER") or ""), safe="")
    password = quote(str(database.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{quote(str(database['NAME']), safe='')}"


def server_redis_url() -> str:
    """The Redis database(s) of this test process, which tests/fixtures.py flushes per test."""
    from django.conf import settings

    return ",".join(settings.REDIS_URLS)


def production_environment(**overrides: str) -> dict[str, str]:
    """The environment of a production deployment, without anything of the test process's."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _CONFIG_VARIABLES and not key.startswith(("PYTEST_", "FEATURE_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    var_dir: Path

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_output(self, predicate: Callable[[str], bool], timeout: float = 5.0) -> str:
        """Polls the captured output until `predicate` holds (log lines are written by another
        process, so they may land a moment after the response)."""
        deadline = time.monotonic() + timeout
        while True:
            output = self.output()
            if predicate(output):
                return output
            if time.monotonic() > deadline:
                raise AssertionError(f"expected output did not appear; server output:\n{output}")
            time.sleep(0.02)

    def client(self, **options: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=15.0, **options)  # type: ignore[arg-type]


def manage(
    *args: str,
    var_dir: Path,
    database_url: str,
    redis_url: str,
    unset: tuple[str, ...] = (),
    **environment: str,
) -> subprocess.CompletedProcess[str]:
    """`manage.py <args>` in a fresh process with production settings; its output captured."""
    env = production_environment(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        PAWDATE_VAR_DIR=str(var_dir),
        **environment,
    )
    for name in unset:
        del env[name]
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@contextmanager
def running_server(
    tmp_path: Path,
    *,
    database_url: str,
    redis_url: str,
    workers: int = 1,
    var_dir: Path | None = None,
    **environment: str,
) -> Iterator[Server]:
    """`manage.py serve --port <free port> --workers N`, ready to answer, stopped on exit.

    `database_url` and `redis_url` may be "" (the embedded default, which keeps its SQLite
    database in `var_dir`). Further keyword arguments are environment variables
    (LOG_FORMAT="json", METRICS_TOKEN=..., ...).
    """
    var_dir = var_dir or tmp_path / f"var-{secrets.token_hex(4)}"
    (var_dir / "static").mkdir(parents=True, exist_ok=True)  # whitenoise warns if it is missing
    env = production_environment(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SECURE_SSL_REDIRECT="0",
        PAWDATE_VAR_DIR=str(var_dir),
        **environment,
    )
    port = free_port()
    log_path = var_dir / "server.log"
    command = [
        sys.executable,
        "manage.py",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    with launched(command, env=env, port=port, var_dir=var_dir, log_path=log_path) as server:
        yield server


@contextmanager
def launched(
    command: list[str], *, env: dict[str, str], port: int, var_dir: Path, log_path: Path
) -> Iterator[Server]:
    """Starts `command` (a server listening on `port`), yields it once it answers, stops it on
    exit (whatever it does with SIGTERM)."""
    with log_path.open("wb") as log:
        # Its own session, so that a server which ignores SIGTERM can be killed with its workers.
        process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(
        url=f"http://127.0.0.1:{port}", process=process, log_path=log_path, var_dir=var_dir
    )
    try:
        _wait_until_alive(server)
        yield server
    finally:
        _stop(process)


@contextmanager
def running_redis(tmp_path: Path) -> Iterator[str]:
    """A private `redis-server` on a free port, without persistence; yields its URL (database 0),
    stopped on exit. For tests that need a Redis of their own, e.g. a second channel-layer shard."""
    port = free_port()
    data_dir = tmp_path / f"redis-{port}"
    data_dir.mkdir(parents=True)
    command = [
        "redis-server",
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--dir",
        str(data_dir),
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
    ]
    log_path = data_dir / "redis.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_redis_answers(port, process, log_path)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_redis_answers(port: int, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    with redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1) as probe:
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"redis-server exited with {process.returncode};"
                    f" its output:\n{log_path.read_text(errors='replace')}"
                )
            with suppress(redis.ConnectionError):
                if probe.ping():
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"redis-server did not answer within {READY_TIMEOUT_SECONDS:.0f}s;"
                    f" its output:\n{log_path.read_text(errors='replace')}"
                )
            time.sleep(0.02)


def _wait_until_alive(server: Server) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"the server exited with {server.process.returncode} before answering /healthz;"
                f" its output:\n{server.output()}"
            )
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"the server did not answer /healthz within {READY_TIMEOUT_SECONDS:.0f}s;"
                f" its output:\n{server.output()}"
            )
        time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    # The workers of a server that died abruptly would outlive it; they share its session.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
