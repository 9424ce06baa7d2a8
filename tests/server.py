"""Runs `manage.py serve` as a real server process for tests that need daphne, workers and logs.

Not a test module. `running_server(...)` starts the server on a free port with production-like
settings (DEBUG off, a random SECRET_KEY), waits until /healthz answers, captures everything it
prints to a file and stops it afterwards (`running_redis(...)` does the same for a private Redis
server, `restartable_redis(...)` for one that a test may stop and start again, and
`running_postgres(...)` for a private PostgreSQL cluster that a test may stop and start again).
Tests whose data the server must see use `@pytest.mark.django_db(transaction=True)` and
`server_database_url()`, the test database's URL.
"""

from __future__ import annotations

import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import psycopg
import redis
from psycopg import sql

BASE_DIR = Path(__file__).resolve().parent.parent
_ports = random.SystemRandom()  # xdist workers must not draw the same sequence
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
    """A port no one listens on, for a server about to start, from below the kernel's
    ephemeral range: a port the kernel picked (`bind(0)`) could be handed to an outgoing
    connection (to PostgreSQL, Redis, another test's server) before the server binds it."""
    ephemeral_from = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(100):
        port = _ports.randrange(ephemeral_from // 2, ephemeral_from)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue  # in use: another try
            return port
    raise AssertionError(f"no free port in 100 tries below {ephemeral_from}")


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


def workers_of(pid: int) -> set[int]:
    """The processes whose parent is `pid` (a `serve`'s daphne workers)."""
    children = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces; the fields after its closing parenthesis don't.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            children.add(int(entry.name))
    return children


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
    with restartable_redis(tmp_path) as server:
        yield server.url


@dataclass
class RedisServer:
    """A private `redis-server` that a test may stop and start again on the same port (a Redis
    restart: without persistence it comes back empty)."""

    port: int
    data_dir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "redis.log"

    def start(self) -> None:
        """Starts it; returns once it answers PING."""
        assert self.process is None or self.process.poll() is not None, "already running"
        command = [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dir",
            str(self.data_dir),
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
        ]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        _wait_until_redis_answers(self.port, self.process, self.log_path)

    def stop(self) -> None:
        """SIGTERM, as a supervisor stops it; returns once it has exited."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def restartable_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """`running_redis`, but yields the server itself, to stop and start again in the test."""
    port = free_port()
    data_dir = tmp_path / f"redis-{port}"
    data_dir.mkdir(parents=True)
    server = RedisServer(port=port, data_dir=data_dir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


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


POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")


@dataclass
class Postgres:
    """A private PostgreSQL cluster: `url` is its `postgres` database, as the superuser
    `postgres` (trust authentication, 127.0.0.1 only)."""

    port: int
    data_dir: Path
    log_path: Path

    @property
    def url(self) -> str:
        return self.database_url("postgres")

    def database_url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{quote(name, safe='')}"

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def start(self) -> None:
        """Starts the cluster (again: same port, same data); returns once it accepts connections."""
        with self.log_path.open("ab") as log:
            # The postmaster keeps pg_ctl's output as its log: a file this process opened,
            # in a directory the postgres user could not open.
            started = subprocess.run(
                _as_postgres(_pg_ctl("start", self.data_dir)),
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=READY_TIMEOUT_SECONDS + 5,
                check=False,
            )
        if started.returncode != 0:
            raise RuntimeError(
                f"PostgreSQL did not start (pg_ctl exited with {started.returncode});"
                f" its log:\n{self.output()}"
            )

    def stop(self, mode: str = "fast") -> None:
        """Stops the cluster as a restart does (`fast`: open sessions are ended); returns once
        it is down."""
        stopped = subprocess.run(
            _as_postgres(_pg_ctl("stop", self.data_dir, "--mode", mode)),
            capture_output=True,
            text=True,
            timeout=STOP_TIMEOUT_SECONDS + 5,
            check=False,
        )
        if stopped.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not stop: {stopped.stdout}{stopped.stderr}")

    def running(self) -> bool:
        return (self.data_dir / "postmaster.pid").exists()


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL's programs refuse to run as root: as root, they run as the postgres user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _pg_ctl(action: str, data_dir: Path, *options: str) -> list[str]:
    timeout = str(int(READY_TIMEOUT_SECONDS))
    return [
        str(POSTGRES_BIN / "pg_ctl"),
        action,
        "-D",
        str(data_dir),
        "-w",
        "-t",
        timeout,
        *options,
    ]


@contextmanager
def running_postgres(tmp_path: Path) -> Iterator[Postgres]:
    """A private PostgreSQL 15 cluster on a free port, made for tests (no fsync: a crash of the
    machine may lose it), yielded running; stopped and deleted on exit. Its log goes to
    `tmp_path`; its data and unix socket to a directory of its own that the postgres user owns
    (pytest's temporary directories are closed to other users)."""
    port = free_port()
    home = Path(tempfile.mkdtemp(prefix=f"pawdate-postgres-{port}-"))
    if os.geteuid() == 0:
        shutil.chown(home, "postgres", "postgres")
    data_dir = home / "data"
    log_path = tmp_path / f"postgres-{port}.log"
    postgres = Postgres(port=port, data_dir=data_dir, log_path=log_path)
    try:
        created = subprocess.run(
            _as_postgres(
                [
                    str(POSTGRES_BIN / "initdb"),
                    "--pgdata",
                    str(data_dir),
                    "--username",
                    "postgres",
                    "--auth",
                    "trust",
                    "--encoding",
                    "UTF8",
                    "--locale",
                    "C",
                    "--no-sync",
                    "--no-instructions",
                ]
            ),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if created.returncode != 0:
            raise RuntimeError(f"initdb failed: {created.stdout}{created.stderr}")
        # Appended by this process: the file keeps its owner, the postgres user.
        with (data_dir / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {port}\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{home}'\n"
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
                "shared_buffers = 32MB\n"
            )
        postgres.start()
        yield postgres
    finally:
        if postgres.running():
            with suppress(RuntimeError, subprocess.TimeoutExpired):
                postgres.stop(mode="immediate")
        shutil.rmtree(home, ignore_errors=True)


def create_database(postgres: Postgres, name: str, *, template: str | None = None) -> str:
    """Creates database `name` on `postgres` (a copy of `template`, if given); returns its URL."""
    with psycopg.connect(postgres.url, autocommit=True) as maintenance:
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        maintenance.execute(statement)
    return postgres.database_url(name)
