"""REST baseline: `GET /api/v1/me` with a valid token under concurrent load.

Starts Pawdate the way `make run` serves it in production mode (`manage.py serve`, DEBUG off,
PostgreSQL + Redis), registers one owner, then drives the endpoint with wrk and prints one
JSON object per run. Requests carry `X-Forwarded-Proto: https`, as behind a TLS proxy.

    .venv/bin/python bench/rest_bench.py [--workers 4] [--connections 64] [--duration 20]
    .venv/bin/python bench/rest_bench.py --driver psycopg2   # the same server on psycopg2

`--driver psycopg2` builds var/bench-psycopg2, a virtualenv with requirements.txt but
psycopg2-binary in place of psycopg 3, since Django picks psycopg 3 whenever it is importable
(and its connection pool needs psycopg 3: psycopg2 opens a new connection per request,
CONN_MAX_AGE being 0).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import redis
from common import free_port

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/pawdate_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"  # flushed by every run


def post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-Proto": "https"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return dict(json.load(response))


def wait_healthy(base: str, server: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"server exited with {server.returncode}")
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)
            return
        except OSError:  # refused, reset, or timed out while the workers start
            time.sleep(0.2)
    raise SystemExit("server did not become healthy")


DRIVER_PROBE = """
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.db import connection
pooled = "pool" if connection.settings_dict["OPTIONS"].get("pool") else "new connection per request"
print(connection.Database.__name__, connection.Database.__version__.split()[0], pooled)
"""


def driver_of(python: str, env: dict[str, str]) -> str:
    probe = subprocess.run(
        [python, "-c", DRIVER_PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return probe.stdout.strip()


def psycopg2_python() -> str:
    venv = ROOT / "var" / "bench-psycopg2"
    python = venv / "bin" / "python"
    if not python.exists():
        requirements = [
            line
            for line in (ROOT / "requirements.txt").read_text().splitlines()
            if line and not line.startswith(("#", "psycopg["))
        ]
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *requirements, "psycopg2-binary==2.9.13"],
            check=True,
        )
    return str(python)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--duration", type=int, default=20, help="seconds of measured load")
    parser.add_argument("--driver", choices=["psycopg", "psycopg2"], default="psycopg")
    parser.add_argument("--path", default="/api/v1/me")
    args = parser.parse_args()
    args.python = psycopg2_python() if args.driver == "psycopg2" else sys.executable

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        LOG_LEVEL="WARNING",
    )
    subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-qc",
            f"CREATE DATABASE {env['DATABASE_URL'].rsplit('/', 1)[1]}",
        ],
        capture_output=True,
        check=False,
    )
    subprocess.run([args.python, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    # The bench's own Redis database: start with fresh rate-limit counters.
    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    server = subprocess.Popen(
        [args.python, "manage.py", "serve", "--port", str(port), "--workers", str(args.workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_healthy(base, server)
        email = f"bench-{secrets.token_hex(6)}@example.com"
        tokens = post_json(
            f"{base}/api/v1/auth/register",
            {"email": email, "username": "bench", "password": secrets.token_urlsafe(16)},
        )
        headers = [
            "-H",
            f"Authorization: Bearer {tokens['access']}",
            "-H",
            "X-Forwarded-Proto: https",
        ]
        wrk = [
            "wrk",
            "-t",
            str(args.threads),
            "-c",
            str(args.connections),
            "-s",
            str(ROOT / "bench" / "wrk_report.lua"),
            *headers,
        ]
        # A short warm-up fills the connection pools and Python's caches.
        subprocess.run([*wrk, "-d", "3s", base + args.path], capture_output=True, check=True)
        run = subprocess.run(
            [*wrk, "-d", f"{args.duration}s", base + args.path],
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(run.stdout.strip().splitlines()[-1])
        figures.update(
            target=f"GET {args.path}",
            server=f"manage.py serve --workers {args.workers} (daphne, DEBUG off)",
            driver=driver_of(args.python, env),
            connections=args.connections,
            cpus=os.cpu_count(),
        )
        print(json.dumps(figures))
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
