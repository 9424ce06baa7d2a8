"""The Procfile: `web` really serves with production settings, `release` migrates.

A platform runs each line with its environment: PORT, the configuration variables, and the
virtualenv's `python` first on PATH. The test does the same with this test's PostgreSQL and Redis.
"""

from __future__ import annotations

import os
import shlex
import signal
import sys
from pathlib import Path
from string import Template

import httpx
import pytest

from tests.server import (
    BASE_DIR,
    free_port,
    launched,
    production_environment,
    server_database_url,
    server_redis_url,
)

pytestmark = pytest.mark.django_db(transaction=True)


def procfile() -> dict[str, str]:
    """The Procfile's process types, `<name>: <command>` a line."""
    processes = {}
    for line in (BASE_DIR / "Procfile").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            processes[name.strip()] = command.strip()
    return processes


def test_the_procfile_declares_web_and_release():
    assert set(procfile()) == {"web", "release"}


def test_release_applies_migrations_without_asking():
    assert shlex.split(procfile()["release"]) == ["python", "manage.py", "migrate", "--noinput"]


def test_web_serves_with_production_settings_and_stops_on_sigterm(tmp_path):
    # given: what a platform provides, and the command with its PORT filled in
    port = free_port()
    var_dir = tmp_path / "var"
    (var_dir / "static").mkdir(parents=True)  # collectstatic's output; whitenoise warns without
    env = production_environment(
        PORT=str(port),
        DATABASE_URL=server_database_url(),
        REDIS_URL=server_redis_url(),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        WEB_CONCURRENCY="2",
        PAWDATE_VAR_DIR=str(var_dir),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    )
    # Only PORT may be substituted: any other variable would make this raise.
    command = shlex.split(Template(procfile()["web"]).substitute(PORT=port))
    log_path = var_dir / "web.log"

    # when
    with launched(command, env=env, port=port, var_dir=var_dir, log_path=log_path) as server:
        readiness = httpx.get(f"{server.url}/readyz", timeout=10)
        foreign_host = httpx.get(
            f"{server.url}/healthz", headers={"Host": "pawdate.example.com"}, timeout=10
        )
        server.process.send_signal(signal.SIGTERM)
        returncode = server.process.wait(timeout=15)

    # then
    assert readiness.status_code == 200
    assert readiness.json() == {
        "status": "ready",
        "checks": {"database": "ok", "channel_layer": "ok"},
    }
    assert foreign_host.status_code == 400
    assert returncode == 0
    output = server.output()
    assert f"Pawdate is serving on http://0.0.0.0:{port} with 2 daphne workers" in output
    assert "(DEBUG=off)" in output
    assert "Pawdate stopped." in output
