"""What the load generators share: a free port, the environment of a production-mode server,
stopping servers (their whole process groups) when the bench ends or is interrupted, and a
private Redis."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def server_env(*, database: str, redis_url: str, **extra: str) -> dict[str, str]:
    """Production settings (DEBUG off) on the bench's own database and Redis database; the
    BENCH_DATABASE_URL / BENCH_REDIS_URL variables override them. The bench process signs
    tokens for its servers, so all of them share these keys."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": os.environ.get(
            "BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{database}"
        ),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", redis_url),
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-" + secrets.token_urlsafe(40),
        "JWT_SIGNING_KEY": os.environ.get("JWT_SIGNING_KEY")
        or "bench-" + secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def stop_process_group(process: subprocess.Popen[bytes], grace: float = 15.0) -> None:
    """Stops a server started with `start_new_session=True` and everything it started: SIGTERM
    to its whole process group, then SIGKILL to the group after `grace` seconds. Safe to call
    twice, and on a process that already exited."""
    try:
        group = os.getpgid(process.pid)
    except ProcessLookupError:
        group = process.pid  # the leader is gone; its group id was its pid
    if group == os.getpgid(0):
        raise RuntimeError("the server shares our process group: start it with a new session")
    for sent in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(group, sent)
        except ProcessLookupError:
            break  # nobody left in the group
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; its children may still be finishing their own graceful stop.
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and _group_alive(group):
            time.sleep(0.1)
        if not _group_alive(group):
            break
    if process.poll() is None:
        process.wait()


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def interrupt_on_termination() -> None:
    """SIGTERM and SIGHUP raise KeyboardInterrupt, as Ctrl-C does: the bench's `finally`
    blocks then stop its servers instead of leaving them running."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)


@contextmanager
def private_redis(host: str = "127.0.0.1") -> Iterator[str]:
    """A throwaway `redis-server` (no persistence) on a free port, for a machine whose shared
    Redis databases others are using; yields its URL and stops it (its process group) on exit."""
    port = free_port(host)
    with tempfile.TemporaryDirectory(prefix="pawdate-bench-redis-") as data_dir:
        command = ["redis-server", "--bind", host, "--port", str(port), "--dir", data_dir]
        command += ["--save", "", "--appendonly", "no", "--maxclients", "20000"]
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    with socket.create_connection((host, port), timeout=1) as probe:
                        probe.sendall(b"PING\r\n")
                        if probe.recv(16).startswith(b"+PONG"):
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server on port {port} did not start")
                time.sleep(0.1)
            yield f"redis://{host}:{port}/0"
        finally:
            stop_process_group(process, grace=5)
