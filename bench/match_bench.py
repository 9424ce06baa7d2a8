"""Matching at scale: GET /api/v1/pets/{id}/matches over 100,000 and 1,000,000 pets.

Loads demo pets with seed_demo across 20 metros, the densest (Tokyo) holding 20 % of them, into
its own PostgreSQL database; picks pets in dense areas (within 5 km of central Tokyo); then
  1. times the candidate query alone (matching.selectors.match_candidates) and shows its plan,
  2. splits one request's time into SQL, scoring (Python) and the rest of the view, in process,
  3. drives the endpoint through daphne (`manage.py serve`) with wrk, 16 connections: once
     computing every answer (MATCHES_CACHE=0), once keeping answers (matching.cache).
Prints one JSON object per population size. seed_demo is additive, so 100k is loaded first and
then topped up to 1M.

    .venv/bin/python bench/match_bench.py [--pets 100000 1000000] [--queries 500]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from common import free_port, server_env

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "pawdate_match_bench"
DENSE_METRO = "Tokyo"
OTHER_METROS = [
    "New York", "Los Angeles", "Chicago", "Toronto", "Mexico City", "sao-paulo", "London",
    "Paris", "Berlin", "Madrid", "Rome", "Amsterdam", "Stockholm", "Istanbul", "Seoul",
    "Singapore", "Sydney", "Melbourne", "Mumbai",
]  # fmt: skip
DENSE_SHARE = 0.20
PETS_PER_OWNER = 1.5  # seed_demo's mean
DENSE_RADIUS_KM = 5.0

ENV = server_env(database=DATABASE, redis_url="redis://127.0.0.1:6379/15")


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)

    return {
        "p50": at(0.50),
        "p95": at(0.95),
        "p99": at(0.99),
        "mean": round(statistics.fmean(ordered), 3),
    }


def manage(*args: str) -> None:
    # Its output goes to stderr: stdout carries only the JSON figures.
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=ENV, check=True, stdout=sys.stderr
    )


def load(pets: int) -> None:
    owners = round(pets / PETS_PER_OWNER)
    dense = round(owners * DENSE_SHARE)
    manage("seed_demo", "--owners", str(dense), "--metros", DENSE_METRO)
    manage("seed_demo", "--owners", str(owners - dense), "--metros", *OTHER_METROS)


def in_process(queries: int) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Candidate-query and request-phase timings, and (path, token) pairs for the HTTP run."""
    import django

    sys.path.insert(0, str(ROOT))
    # The engine itself: every answer computed, none kept (the HTTP runs measure both).
    os.environ.update({**ENV, "MATCHES_CACHE": "0"})
    django.setup()
    from django.db import connection
    from django.utils import timezone
    from rest_framework.test import APIRequestFactory, force_authenticate

    from accounts.models import User
    from accounts.services import _start_session
    from matching import selectors
    from matching.api.views import PetMatchesApi
    from matching.demo_data import METROS
    from pets.models import Pet

    tokyo = next(metro for metro in METROS if metro.name == DENSE_METRO)
    box = DENSE_RADIUS_KM / 111.2
    dense_pets = list(
        Pet.objects.filter(
            is_active=True,
            owner__latitude__range=(tokyo.latitude - box, tokyo.latitude + box),
            owner__longitude__range=(tokyo.longitude - box * 1.25, tokyo.longitude + box * 1.25),
        ).values_list("id", "owner_id")[:20000]
    )
    picked = random.Random(7).sample(dense_pets, min(queries, len(dense_pets)))
    owners = User.objects.in_bulk([owner_id for _, owner_id in picked])

    profile_ms, sql_ms, scoring_ms, render_ms, candidates = [], [], [], [], []
    factory = APIRequestFactory()
    view = PetMatchesApi.as_view()
    now = timezone.now()
    # One untimed pass first, as the HTTP runs warm up: pages from disk into PostgreSQL's
    # buffers, the function's plan, calendars into the process's caches.
    for pet_id, owner_id in picked:
        selectors.pet_matches(owner=owners[owner_id], pet_id=pet_id, limit=20, now=now)
    for pet_id, owner_id in picked:
        owner = owners[owner_id]
        started = time.perf_counter()
        me = selectors.pet_profile(owner=owner, pet_id=pet_id)
        profile_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        found = selectors.match_candidates(me, fetch=selectors.fetch_size(20))
        sql_ms.append((time.perf_counter() - started) * 1000)
        candidates.append(len(found))
        started = time.perf_counter()
        selectors.pet_matches(owner=owner, pet_id=pet_id, limit=20, now=now)
        whole = (time.perf_counter() - started) * 1000
        scoring_ms.append(max(0.0, whole - sql_ms[-1] - profile_ms[-1]))
        # The whole view, through DRF's rendering to JSON bytes, minus the reads above.
        request = factory.get(f"/api/v1/pets/{pet_id}/matches?limit=20")
        force_authenticate(request, user=owner)
        started = time.perf_counter()
        response = view(request, pet_id=pet_id)
        assert response.status_code == 200, response.content
        render_ms.append(max(0.0, (time.perf_counter() - started) * 1000 - whole))

    # The plan of one candidate query, with its real timing: the function's body, as run.
    pet_id, owner_id = picked[0]
    me = selectors.pet_profile(owner=owners[owner_id], pet_id=pet_id)
    plan_lines = selectors.explain_candidates(me, fetch=selectors.fetch_size(20))

    pairs = []
    for pet_id, owner_id in picked:
        tokens = _start_session(user=owners[owner_id], user_agent="match-bench")
        pairs.append((f"/api/v1/pets/{pet_id}/matches?limit=20", tokens.access))
    figures = {
        "pets": Pet.objects.count(),
        "queried_pets": len(picked),
        "candidates_per_query": percentiles([float(c) for c in candidates]),
        "pet_query_ms": percentiles(profile_ms),
        "candidate_query_ms": percentiles(sql_ms),
        "scoring_python_ms": percentiles(scoring_ms),
        "view_rest_ms": percentiles(render_ms),
        "candidate_query_plan": plan_lines,
    }
    connection.close()
    return figures, pairs


def over_http(
    pairs: list[tuple[str, str]], clients: int, duration: int, workers: int, *, kept: bool
) -> dict[str, Any]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port), "--workers", str(workers)],
        cwd=ROOT,
        env={**ENV, "MATCHES_CACHE": "1" if kept else "0"},
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("server did not start") from None
                time.sleep(0.3)
        with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as requests_file:
            requests_file.writelines(f"{path}\t{token}\n" for path, token in pairs)
        wrk = [
            "wrk", "-t", "2", "-c", str(clients), "-s", str(ROOT / "bench" / "wrk_report.lua"),
            f"http://127.0.0.1:{port}",
        ]  # fmt: skip
        env = {**os.environ, "WRK_REQUESTS": requests_file.name}
        subprocess.run([*wrk, "-d", "5s"], env=env, capture_output=True, check=True)  # warm-up
        run = subprocess.run(
            [*wrk, "-d", f"{duration}s"], env=env, capture_output=True, text=True, check=True
        )
        return dict(json.loads(run.stdout.strip().splitlines()[-1]))
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pets", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {DATABASE}"],
        capture_output=True,
        check=False,
    )
    manage("migrate", "-v", "0")
    for target in sorted(args.pets):
        started = time.monotonic()
        load(target)
        load_s = round(time.monotonic() - started, 1)
        # Each population is measured in a fresh interpreter, so Django's state starts clean.
        probe = subprocess.run(
            [sys.executable, __file__, "--measure", str(args.queries)],
            cwd=ROOT,
            env=ENV,
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
        figures, pairs = json.loads(probe.stdout)
        figures["load_s"] = load_s
        for name, kept in (("http_computed", False), ("http_kept", True)):
            figures[name] = over_http(
                [tuple(pair) for pair in pairs], args.clients, args.duration, args.workers,
                kept=kept,
            )  # fmt: skip
            figures[name]["clients"] = args.clients
            figures[name]["server"] = (
                f"manage.py serve --workers {args.workers}, MATCHES_CACHE={int(kept)}"
            )
        print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        print(json.dumps(in_process(int(sys.argv[2]))))
    else:
        main()
