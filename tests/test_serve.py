"""`manage.py serve`: workers on one port, replaced when they die, stopped on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import httpx
import pytest

from tests.server import (
    free_port,
    manage,
    running_server,
    server_database_url,
    server_redis_url,
    workers_of,
)

pytestmark = pytest.mark.django_db(transaction=True)


def wait_until(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.1)


def test_serve_refuses_a_port_that_is_already_taken(tmp_path):
    with socket.socket() as taken:
        port = free_port()
        taken.bind(("127.0.0.1", port))
        taken.listen()

        result = manage(
            "serve",
            "--port",
            str(port),
            var_dir=tmp_path,
            database_url=server_database_url(),
            redis_url=server_redis_url(),
        )

    assert result.returncode == 1
    assert f"Cannot listen on 127.0.0.1:{port}: Address already in use." in result.stderr


def test_a_killed_worker_is_replaced_and_the_port_keeps_answering(tmp_path):
    with running_server(
        tmp_path, database_url=server_database_url(), redis_url=server_redis_url(), workers=2
    ) as server:
        wait_until(lambda: len(workers_of(server.process.pid)) == 2)
        victim, survivor = sorted(workers_of(server.process.pid))

        os.kill(victim, signal.SIGKILL)

        wait_until(lambda: len(workers_of(server.process.pid) - {victim}) == 2)
        replacement = (workers_of(server.process.pid) - {survivor}).pop()
        assert replacement != victim
        wait_until(lambda: httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200)
        # New connections are spread over both workers' sockets; all of them must be answered.
        # The replacement may still be importing Django: connections wait in its socket's queue.
        statuses = [httpx.get(f"{server.url}/healthz", timeout=30).status_code for _ in range(30)]
        assert statuses == [200] * 30
        assert f"worker {victim} exited with -9; restarting it" in server.output()


def test_sigterm_stops_the_server_and_its_workers(tmp_path):
    with running_server(
        tmp_path, database_url=server_database_url(), redis_url=server_redis_url(), workers=2
    ) as server:
        wait_until(lambda: len(workers_of(server.process.pid)) == 2)
        workers = workers_of(server.process.pid)

        server.process.send_signal(signal.SIGTERM)
        returncode = server.process.wait(timeout=15)

    assert returncode == 0
    assert "Pawdate stopped." in server.output()
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()


def test_without_redis_the_server_uses_one_worker(tmp_path):
    with running_server(tmp_path, database_url="", redis_url="", workers=3) as server:
        wait_until(lambda: len(workers_of(server.process.pid)) == 1)

        assert "REDIS_URL is not set" in server.output()
        assert "with 1 daphne worker " in server.output()
