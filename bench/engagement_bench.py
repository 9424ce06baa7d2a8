"""Engagement figures at scale: GET /api/v1/metrics/engagement over a year of 100,000 owners.

Loads the demo owners with their year of history (seed_demo, idempotent: a second run adds
nothing) into its own PostgreSQL database, then times the endpoint through Django's whole
request path (test client: middleware, token authentication, view, JSON rendering) as a
moderator, for a year of every metro, a year of the busiest metro (Tokyo) and a month:
  cold: the first request of a fresh process (new connection, nothing cached in Python),
        one process per sample;
  warm: --calls requests in one process after one untimed request.
Prints one JSON object with the data's size, the SQL queries per request and p50/p95/max in
milliseconds.

    .venv/bin/python bench/engagement_bench.py [--owners 100000] [--calls 30] [--cold 5]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from common import server_env

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "pawdate_engagement_bench"
# The test client speaks plain HTTP as "testserver".
ENV = server_env(
    database=DATABASE,
    redis_url="redis://127.0.0.1:6379/14",
    ALLOWED_HOSTS="testserver",
    SECURE_SSL_REDIRECT="0",
)
URL = "/api/v1/metrics/engagement"


def manage(*args: str) -> None:
    # Its output goes to stderr: stdout carries only the JSON figures.
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=ENV, check=True, stdout=sys.stderr
    )


def setup() -> None:
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.update(ENV)
    django.setup()


def scenarios() -> dict[str, dict[str, str]]:
    from django.utils import timezone

    today = timezone.now().date()
    year = {"start": str(today - timedelta(days=364)), "end": str(today)}
    return {
        "year_every_metro": year,
        "year_tokyo": {**year, "metro": "tokyo"},
        "month_every_metro": {"start": str(today - timedelta(days=29)), "end": str(today)},
    }


def client() -> Any:
    from rest_framework.test import APIClient

    from accounts.models import User
    from accounts.services import _start_session
    from matching.demo_data import MODERATOR_EMAIL

    moderator = User.objects.get(email=MODERATOR_EMAIL)
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Bearer {_start_session(user=moderator, user_agent='bench').access}"
    )
    return api


def timed(api: Any, query: dict[str, str]) -> float:
    started = time.perf_counter()
    response = api.get(URL, query)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.content
    return elapsed


def statements(api: Any, query: dict[str, str]) -> int:
    """How many SQL statements one request runs."""
    from django.db import connection

    count = 0

    def counting(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting):
        timed(api, query)
    return count


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {"p50": at(0.5), "p95": at(0.95), "max": round(ordered[-1], 1), "n": len(ordered)}


def one_cold(name: str) -> None:
    """Child process: one request, its milliseconds on stdout."""
    setup()
    api = client()  # the token's session: not part of the timed request
    print(timed(api, scenarios()[name]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--owners", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=30, help="warm requests per scenario")
    parser.add_argument("--cold", type=int, default=5, help="cold processes per scenario")
    parser.add_argument("--cold-one", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.cold_one:
        one_cold(options.cold_one)
        return

    ensure_database()
    manage("migrate", "--verbosity", "0")
    started = time.monotonic()
    manage("seed_demo", "--owners", str(options.owners))
    seed_seconds = time.monotonic() - started

    setup()
    from accounts.models import ActiveDay, User
    from matching.models import Playdate
    from realtime.models import Message

    api = client()
    figures: dict[str, Any] = {
        "owners": User.objects.filter(role=User.Role.OWNER).count(),
        "active_days": ActiveDay.objects.count(),
        "playdates": Playdate.objects.count(),
        "messages": Message.objects.count(),
        "seed_demo_seconds": round(seed_seconds, 1),
        "scenarios": {},
    }
    for name, query in scenarios().items():
        cold = []
        for _ in range(options.cold):
            run = subprocess.run(
                [sys.executable, __file__, "--cold-one", name],
                env=ENV,
                capture_output=True,
                text=True,
                check=True,
            )
            cold.append(float(run.stdout.strip().splitlines()[-1]))
        timed(api, query)
        warm = [timed(api, query) for _ in range(options.calls)]
        figures["scenarios"][name] = {
            "query": query,
            "sql_queries": statements(api, query),
            "cold_ms": percentiles(cold),
            "warm_ms": percentiles(warm),
        }
    print(json.dumps(figures, indent=2))


def ensure_database() -> None:
    import psycopg

    server, name = ENV["DATABASE_URL"].rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    main()
