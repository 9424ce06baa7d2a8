"""Micro-benchmark of matching.algorithm: the scoring part of one matches request.

Builds 40 random sides like the demo's (one or two weekly patterns, each shifted a little; owners
in a few time zones), then times `score(..., with_slots=False)` over the 40 and `suggested_slots`
for 20 of them, as `selectors.pet_matches` does: first with empty caches (cold), then again with
new `Side`s of the same pets (warm), then for each of the next few quarter hours (next_quarters:
the endpoint's `now` moves on by quarter hours, the days it asks about stay the same). Also
times building the 41 `Side`s as `selectors.side_of` does. Prints one JSON object: µs per call
(per side built for side_us, per request for request_us), the median of the repetitions.

    .venv/bin/python bench/algorithm_bench.py [--algorithm PATH] [--repeat 9]

`--algorithm` times another copy of algorithm.py (an older one, say), loaded from its file.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CANDIDATES = 40
SHOWN = 20
# A Wednesday a few days before Europe's clocks go back, and New York's a week later: the
# slots' fortnight crosses both.
NOW = datetime(2025, 10, 22, 9, 15, tzinfo=UTC)
# The endpoint scores as of the last quarter hour: the same calendars are asked about again,
# each quarter hour, for a new `now`.
QUARTER = timedelta(minutes=15)
TIME_ZONES = [
    "Europe/London",
    "Europe/Paris",
    "America/New_York",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
]
WEEKDAYS, WEEKEND, EVERY_DAY = (0, 1, 2, 3, 4), (5, 6), (0, 1, 2, 3, 4, 5, 6)
# (weekdays, start minute, end minute) in the owner's time zone, as in matching.demo_data.
PATTERNS = [
    (WEEKDAYS, 18 * 60, 21 * 60),
    (WEEKEND, 10 * 60, 17 * 60),
    (WEEKDAYS, 6 * 60 + 30, 8 * 60),
    (WEEKEND, 8 * 60, 12 * 60),
    (WEEKDAYS, 12 * 60, 13 * 60 + 30),
    (EVERY_DAY, 19 * 60, 21 * 60),
    ((5,), 9 * 60, 18 * 60),
    ((6,), 13 * 60, 18 * 60),
]
TEMPERAMENTS = ["playful", "calm", "shy", "social", "anxious", "gentle", "curious", "dominant"]


@dataclass(frozen=True)
class Pet:
    """What `selectors.side_of` reads from a pet, its preferences and its owner."""

    size: str
    energy: str
    age: int
    temperament: list[str]
    max_distance_km: float
    availability: list[dict[str, object]]
    time_zone: str
    distance_km: float


def random_pet(rng: random.Random) -> Pet:
    availability: list[dict[str, object]] = []
    for days, start, end in rng.sample(PATTERNS, rng.choice([1, 1, 2])):
        shift = rng.choice([-30, 0, 0, 30])
        availability.extend(
            {"weekday": day, "start": clock(start + shift), "end": clock(end + shift)}
            for day in days
        )
    return Pet(
        size=rng.choice(["small", "medium", "large"]),
        energy=rng.choice(["low", "medium", "high"]),
        age=rng.randint(0, 15),
        temperament=rng.sample(TEMPERAMENTS, rng.randint(0, 3)),
        max_distance_km=rng.choice([3.0, 5.0, 8.0, 10.0, 15.0]),
        availability=availability,
        time_zone=rng.choice(TIME_ZONES),
        distance_km=rng.uniform(0.1, 3.0),
    )


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def load_algorithm(path: Path) -> ModuleType:
    """A fresh copy of the module, with empty caches."""
    spec = importlib.util.spec_from_file_location("algorithm_under_test", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses looks the module up while building the classes.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def side_of(algorithm: ModuleType, pet: Pet, windows: Any) -> Any:
    """As `selectors.side_of`, given the pet's windows as its cached `_windows` gives them."""
    return algorithm.Side(
        traits=algorithm.PetTraits(
            species="dog",
            size=pet.size,
            energy=pet.energy,
            age=pet.age,
            temperament=frozenset(pet.temperament),
            vaccinated=True,
        ),
        wants=algorithm.Wants(
            max_distance_km=pet.max_distance_km,
            species=frozenset(["dog", "cat"]),
            sizes=frozenset(["small", "medium", "large"]),
            energy=frozenset(["low", "medium", "high"]),
            min_age=0,
            max_age=20,
            require_vaccinated=False,
        ),
        windows=windows,
        time_zone=pet.time_zone,
    )


def one_request(
    algorithm: ModuleType, now: datetime, mine: Pet, pets: list[Pet], calendars: list[Any]
) -> dict[str, float]:
    """µs per side built, per candidate scored and per pair given slots. `calendars` holds the
    parsed windows of `mine` and then of each of `pets`."""
    started = time.perf_counter()
    my_side = side_of(algorithm, mine, calendars[0])
    sides = [side_of(algorithm, pet, calendars[i]) for i, pet in enumerate(pets, 1)]
    built = time.perf_counter()
    for pet, side in zip(pets, sides, strict=True):
        algorithm.score(my_side, side, pet.distance_km, now, with_slots=False)
    scored = time.perf_counter()
    for side in sides[:SHOWN]:
        algorithm.suggested_slots(my_side, side, now)
    done = time.perf_counter()
    return {
        "side_us": (built - started) * 1e6 / (len(pets) + 1),
        "score_us": (scored - built) * 1e6 / len(pets),
        "slots_us": (done - scored) * 1e6 / SHOWN,
        "request_us": (done - started) * 1e6,
    }


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {name: round(statistics.median(run[name] for run in runs), 2) for name in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--algorithm", type=Path, default=ROOT / "matching" / "algorithm.py")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    mine, *pets = (random_pet(rng) for _ in range(CANDIDATES + 1))
    cold: list[dict[str, float]] = []
    warm: list[dict[str, float]] = []
    later: list[dict[str, float]] = []
    for _ in range(args.repeat):
        algorithm = load_algorithm(args.algorithm)
        # Like selectors._windows: each calendar is parsed once, and its windows shared after.
        calendars = [algorithm.parse_windows(pet.availability) for pet in [mine, *pets]]
        cold.append(one_request(algorithm, NOW, mine, pets, calendars))
        warm.extend(one_request(algorithm, NOW, mine, pets, calendars) for _ in range(20))
        later.extend(
            one_request(algorithm, NOW + QUARTER * quarters, mine, pets, calendars)
            for quarters in range(1, 5)
        )
    print(
        json.dumps(
            {
                "algorithm": str(args.algorithm),
                "candidates": CANDIDATES,
                "shown": SHOWN,
                "cold": medians(cold),
                "warm": medians(warm),
                "next_quarters": medians(later),
            }
        )
    )


if __name__ == "__main__":
    main()
