"""Demo owners and pets in real metropolitan areas, for `manage.py seed_demo`.

Pure data and generation (no ORM, no I/O). Each demo owner depends only on the seed, its metro
and its number within the metro, so the same owner comes out the same whatever else is loaded.
"""

from __future__ import annotations

import heapq
import json
import math
import random
import zlib
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from itertools import accumulate
from typing import Generic, TypeVar

from accounts.metros import METRO_AREA_BY_SLUG, MetroArea, Neighbourhood
from matching import algorithm
from pets.models import MAX_AGE, Energy, Size, Species, bit

# How far owners scatter around the centre of their neighbourhood (standard deviation).
NEIGHBOURHOOD_SPREAD_KM = 1.5
DAYS_OF_HISTORY = 365
DEMO_DOMAIN = "pawdate.local"
MODERATOR_EMAIL = f"mod@{DEMO_DOMAIN}"
# Every account seed_demo creates shares this password; seed_demo prints it.
DEMO_PASSWORD = "Paws-Play-Demo-2468"  # noqa: S105  demo accounts only, printed on purpose
T = TypeVar("T")

# --- Places ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Metro:
    area: MetroArea  # name, slug (in demo emails: demo.<slug>.<n>@pawdate.local), centre, radius
    time_zone: str  # IANA
    population_millions: float  # metropolitan area; owners are spread in proportion
    first_names: str  # key of FIRST_NAMES

    @property
    def name(self) -> str:
        return self.area.name

    @property
    def slug(self) -> str:
        return self.area.slug

    @property
    def latitude(self) -> float:
        return self.area.latitude

    @property
    def longitude(self) -> float:
        return self.area.longitude

    @property
    def neighbourhoods(self) -> tuple[Neighbourhood, ...]:
        """Where owners live, each with its share of the metro's owners (`weight`)."""
        return self.area.neighbourhoods

    @property
    def radius_km(self) -> float:
        """Every demo owner lives within this distance of the centre."""
        return self.area.radius_km


_AREAS = METRO_AREA_BY_SLUG


# fmt: off
METROS: tuple[Metro, ...] = (
    Metro(_AREAS["new-york"], "America/New_York", 19.5, "en"),
    Metro(_AREAS["los-angeles"], "America/Los_Angeles", 12.8, "en"),
    Metro(_AREAS["chicago"], "America/Chicago", 9.3, "en"),
    Metro(_AREAS["houston"], "America/Chicago", 7.5, "en"),
    Metro(_AREAS["toronto"], "America/Toronto", 6.7, "en"),
    Metro(_AREAS["mexico-city"], "America/Mexico_City", 22.3, "es"),
    Metro(_AREAS["sao-paulo"], "America/Sao_Paulo", 22.4, "pt"),
    Metro(_AREAS["london"], "Europe/London", 14.3, "en"),
    Metro(_AREAS["paris"], "Europe/Paris", 12.3, "fr"),
    Metro(_AREAS["berlin"], "Europe/Berlin", 6.2, "de"),
    Metro(_AREAS["madrid"], "Europe/Madrid", 6.8, "es"),
    Metro(_AREAS["rome"], "Europe/Rome", 4.3, "it"),
    Metro(_AREAS["amsterdam"], "Europe/Amsterdam", 2.5, "nl"),
    Metro(_AREAS["stockholm"], "Europe/Stockholm", 2.4, "sv"),
    Metro(_AREAS["istanbul"], "Europe/Istanbul", 15.7, "tr"),
    Metro(_AREAS["tokyo"], "Asia/Tokyo", 37.1, "ja"),
    Metro(_AREAS["seoul"], "Asia/Seoul", 26.0, "ko"),
    Metro(_AREAS["singapore"], "Asia/Singapore", 5.9, "sg"),
    Metro(_AREAS["sydney"], "Australia/Sydney", 5.5, "en"),
    Metro(_AREAS["melbourne"], "Australia/Melbourne", 5.2, "en"),
    Metro(_AREAS["mumbai"], "Asia/Kolkata", 21.7, "hi"),
    Metro(_AREAS["san-francisco"], "America/Los_Angeles", 4.6, "en"),
    Metro(_AREAS["buenos-aires"], "America/Argentina/Buenos_Aires", 15.6, "es"),
    Metro(_AREAS["barcelona"], "Europe/Madrid", 5.7, "es"),
    Metro(_AREAS["lisbon"], "Europe/Lisbon", 2.9, "pt"),
    Metro(_AREAS["johannesburg"], "Africa/Johannesburg", 6.1, "za"),
)

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "en": (
        "Olivia", "Liam", "Emma", "Noah", "Ava", "James", "Sophia", "Lucas", "Mia", "Ethan",
        "Chloe", "Jack", "Grace", "Leo", "Zoe", "Henry", "Ella", "Oscar", "Ruby", "Sam",
        "Maya", "Daniel", "Priya", "Omar", "Aisha", "Wei", "Carlos", "Sofia", "Jamal", "Nina",
    ),
    "es": (
        "Sofía", "Mateo", "Valentina", "Santiago", "Camila", "Diego", "Lucía", "Alejandro",
        "Isabella", "Martín", "Daniela", "Javier", "Paula", "Pablo", "Carmen", "Andrés", "Elena",
        "Hugo", "Marta", "Tomás",
    ),
    "pt": (
        "Ana", "João", "Maria", "Pedro", "Beatriz", "Lucas", "Mariana", "Gabriel", "Júlia",
        "Rafael", "Larissa", "Thiago", "Camila", "Bruno", "Fernanda", "Gustavo", "Inês", "Tiago",
        "Rita", "Diogo",
    ),
    "fr": (
        "Camille", "Louis", "Chloé", "Hugo", "Léa", "Jules", "Manon", "Arthur", "Inès", "Gabriel",
        "Sarah", "Nathan", "Clara", "Théo", "Juliette", "Lucas", "Emma", "Adam", "Zoé", "Raphaël",
    ),
    "de": (
        "Mia", "Leon", "Emma", "Paul", "Hannah", "Felix", "Sophie", "Jonas", "Lena", "Lukas",
        "Marie", "Finn", "Anna", "Max", "Lea", "Elias", "Clara", "Noah", "Emil", "Ida",
    ),
    "it": (
        "Giulia", "Francesco", "Sofia", "Alessandro", "Aurora", "Lorenzo", "Martina", "Matteo",
        "Chiara", "Leonardo", "Alice", "Andrea", "Giorgia", "Marco", "Elena", "Riccardo", "Sara",
        "Luca", "Beatrice", "Davide",
    ),
    "nl": (
        "Emma", "Daan", "Julia", "Sem", "Mila", "Lucas", "Sophie", "Finn", "Tess", "Levi",
        "Sara", "Bram", "Anna", "Jesse", "Fleur", "Thijs", "Lotte", "Ruben", "Noor", "Lars",
    ),
    "sv": (
        "Alice", "William", "Maja", "Oscar", "Elsa", "Hugo", "Astrid", "Liam", "Wilma", "Lucas",
        "Ebba", "Elias", "Saga", "Axel", "Freja", "Nils", "Alva", "Erik", "Linnea", "Olle",
    ),
    "tr": (
        "Zeynep", "Yusuf", "Elif", "Emir", "Defne", "Mehmet", "Ayşe", "Mustafa", "Ecrin", "Ömer",
        "Deniz", "Can", "Selin", "Burak", "Ece", "Emre", "Melis", "Kerem", "Naz", "Arda",
    ),
    "ja": (
        "Yui", "Haruto", "Aoi", "Sota", "Hina", "Ren", "Sakura", "Yuto", "Mio", "Riku",
        "Yuna", "Kaito", "Akari", "Haruki", "Emi", "Takumi", "Rin", "Daiki", "Saki", "Kenji",
    ),
    "ko": (
        "Ji-woo", "Min-jun", "Seo-yeon", "Do-yun", "Ha-eun", "Seo-jun", "Ji-ho", "Ye-jin",
        "Hyun-woo", "Su-bin", "Ji-hoon", "Min-seo", "Jae-won", "Yu-na", "Tae-yang", "Eun-ji",
        "Sung-min", "Da-eun", "Joon", "Hye-jin",
    ),
    "sg": (
        "Wei Ling", "Jun Jie", "Hui Min", "Zhi Hao", "Priya", "Arjun", "Nur Aisyah", "Hafiz",
        "Siti", "Ethan", "Chloe", "Ryan", "Shi Min", "Kai Xiang", "Divya", "Rahul", "Jia Hui",
        "Marcus", "Rachel", "Darren",
    ),
    "hi": (
        "Aarav", "Ananya", "Vivaan", "Diya", "Aditya", "Saanvi", "Arjun", "Isha", "Rohan", "Priya",
        "Kabir", "Aditi", "Vihaan", "Neha", "Ishaan", "Pooja", "Rahul", "Kavya", "Siddharth",
        "Meera",
    ),
    "za": (
        "Thabo", "Lerato", "Sipho", "Naledi", "Pieter", "Anika", "Kagiso", "Zanele", "Liam",
        "Amahle", "Bongani", "Emma", "Tshepo", "Palesa", "Johan", "Ayanda", "Lwazi", "Chloe",
        "Mpho", "Nomsa",
    ),
}

PET_NAMES: tuple[str, ...] = (
    "Luna", "Max", "Bella", "Charlie", "Milo", "Coco", "Lucy", "Rocky", "Daisy", "Teddy",
    "Lola", "Simba", "Nala", "Oliver", "Leo", "Bailey", "Ruby", "Toby", "Mochi", "Kiko",
    "Hachi", "Sora", "Momo", "Bruno", "Lupo", "Chispa", "Canela", "Frida", "Paco", "Pepe",
    "Nico", "Olive", "Biscuit", "Pepper", "Ziggy", "Otto", "Fritz", "Bamse", "Findus", "Pamuk",
    "Boncuk", "Kuro", "Shiro", "Bori", "Dubu", "Raja", "Sheru", "Tiger", "Smokey", "Ginger",
    "Oreo", "Thumper", "Clover", "Hazel", "Willow", "Juniper", "Pretzel", "Nugget", "Maple",
    "Loki", "Thor", "Zeus", "Apollo", "Atlas", "Sunny", "Peanut", "Pixel", "Mango", "Kiwi",
    "Bowie", "Marley", "Cooper", "Stella", "Rosie", "Bear", "Duke", "Winston", "Gizmo", "Tofu",
)

# fmt: on

# --- Pets --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Breed:
    name: str
    size: str | None  # None: mixed breeds come in every size
    energy: str
    weight: float


def _breeds(*rows: tuple[str, str | None, str, float]) -> tuple[Breed, ...]:
    return tuple(Breed(*row) for row in rows)


S, M, L = Size.SMALL.value, Size.MEDIUM.value, Size.LARGE.value
LOW, MID, HIGH = Energy.LOW.value, Energy.MEDIUM.value, Energy.HIGH.value
DOG, CAT, RABBIT, OTHER = (
    Species.DOG.value,
    Species.CAT.value,
    Species.RABBIT.value,
    Species.OTHER.value,
)

# fmt: off
BREEDS: dict[str, tuple[Breed, ...]] = {
    DOG: _breeds(
        ("Mixed breed", None, MID, 30),
        ("Labrador Retriever", L, HIGH, 6),
        ("Golden Retriever", L, HIGH, 5),
        ("French Bulldog", S, LOW, 5),
        ("German Shepherd", L, HIGH, 4),
        ("Poodle", M, MID, 3),
        ("Toy Poodle", S, MID, 2),
        ("Bulldog", M, LOW, 2),
        ("Beagle", M, HIGH, 3),
        ("Dachshund", S, MID, 3),
        ("Chihuahua", S, MID, 3),
        ("Shih Tzu", S, LOW, 3),
        ("Yorkshire Terrier", S, MID, 2),
        ("Pomeranian", S, MID, 2),
        ("Maltese", S, LOW, 2),
        ("Pug", S, LOW, 2),
        ("Cavalier King Charles Spaniel", S, MID, 2),
        ("Jack Russell Terrier", S, HIGH, 2),
        ("Shiba Inu", M, MID, 2),
        ("Cocker Spaniel", M, MID, 2),
        ("Border Collie", M, HIGH, 2),
        ("Australian Shepherd", M, HIGH, 2),
        ("Siberian Husky", L, HIGH, 2),
        ("Boxer", L, HIGH, 1.5),
        ("Rottweiler", L, MID, 1.5),
        ("Bernese Mountain Dog", L, LOW, 1),
        ("Greyhound", L, LOW, 1),
        ("Vizsla", L, HIGH, 1),
    ),
    CAT: _breeds(
        ("Domestic Shorthair", None, MID, 45),
        ("Domestic Longhair", None, LOW, 10),
        ("British Shorthair", S, LOW, 5),
        ("Maine Coon", L, MID, 4),
        ("Ragdoll", M, LOW, 4),
        ("Siamese", S, HIGH, 4),
        ("Persian", S, LOW, 4),
        ("Bengal", M, HIGH, 3),
        ("Scottish Fold", S, LOW, 2),
        ("Sphynx", S, HIGH, 2),
        ("Russian Blue", S, MID, 2),
        ("Abyssinian", S, HIGH, 2),
        ("Norwegian Forest Cat", L, MID, 2),
    ),
    RABBIT: _breeds(
        ("Mixed breed", None, MID, 30),
        ("Holland Lop", S, MID, 12),
        ("Netherland Dwarf", S, HIGH, 10),
        ("Mini Lop", S, MID, 8),
        ("Lionhead", S, MID, 8),
        ("Mini Rex", S, MID, 6),
        ("Dutch", S, HIGH, 6),
        ("English Lop", M, LOW, 3),
        ("Rex", M, MID, 4),
        ("Californian", M, MID, 3),
        ("Flemish Giant", L, LOW, 3),
    ),
    OTHER: _breeds(
        ("Ferret", S, HIGH, 30),
        ("Guinea pig", S, MID, 25),
        ("Chinchilla", S, HIGH, 10),
        ("Miniature pig", M, MID, 10),
        ("Hedgehog", S, LOW, 8),
        ("Pot-bellied pig", L, LOW, 5),
        ("Tortoise", S, LOW, 7),
        ("Cockatiel", S, HIGH, 5),
    ),
}
# fmt: on
# Playdates are mostly a dog thing.
SPECIES_WEIGHTS: dict[str, float] = {DOG: 70, CAT: 18, RABBIT: 7, OTHER: 5}
# Sizes of mixed breeds.
MIXED_SIZE_WEIGHTS: dict[str, dict[str, float]] = {
    DOG: {S: 35, M: 40, L: 25},
    CAT: {S: 80, M: 18, L: 2},
    RABBIT: {S: 60, M: 35, L: 5},
    OTHER: {S: 100, M: 0, L: 0},
}
# Weights of ages 0, 1, 2, ...: mostly young adults.
AGE_WEIGHTS: dict[str, tuple[float, ...]] = {
    DOG: (6, 10, 11, 10, 9, 8, 7, 6, 5, 5, 4, 3, 3, 2, 2, 1, 1),
    CAT: (6, 9, 10, 10, 9, 8, 7, 6, 6, 5, 5, 4, 3, 3, 2, 2, 1),
    RABBIT: (8, 12, 12, 11, 9, 7, 5, 4, 3, 2, 1),
    OTHER: (10, 14, 12, 10, 8, 6, 4, 3, 2),
}
VACCINATED_SHARE: dict[str, float] = {DOG: 0.93, CAT: 0.88, RABBIT: 0.8, OTHER: 0.7}
# Temperaments more and less common in pets whose owners look for playdates.
TEMPERAMENT_WEIGHTS: dict[str, float] = {
    "playful": 10,
    "calm": 6,
    "shy": 3,
    "social": 9,
    "dominant": 2,
    "gentle": 7,
    "curious": 7,
    "independent": 4,
    "anxious": 2,
    "protective": 3,
}
CONTRADICTIONS = frozenset(
    {frozenset({"shy", "dominant"}), frozenset({"shy", "social"}), frozenset({"calm", "anxious"})}
)
ADJECTIVES: dict[str, str] = {
    "playful": "playful",
    "calm": "laid-back",
    "shy": "shy",
    "social": "friendly",
    "dominant": "confident",
    "gentle": "gentle",
    "curious": "curious",
    "independent": "independent",
    "anxious": "sensitive",
    "protective": "loyal",
}
PASTIMES: dict[str, tuple[str, ...]] = {
    DOG: (
        "fetch in the park",
        "long walks",
        "chasing squirrels",
        "swimming",
        "tug of war",
        "sniffing everything",
        "zoomies on the grass",
        "belly rubs",
        "frisbee",
        "meeting new friends at the dog run",
    ),
    CAT: (
        "feather toys",
        "sunny windowsills",
        "exploring on a harness",
        "chasing laser dots",
        "cardboard boxes",
        "watching birds",
    ),
    RABBIT: (
        "binkies on the lawn",
        "fresh herbs",
        "tunnels",
        "exploring new spaces",
        "gentle cuddles",
    ),
    OTHER: ("exploring", "treats", "tunnels and hideouts", "meeting new faces"),
}
YOUNG: dict[str, str] = {DOG: "puppy", CAT: "kitten", RABBIT: "kit", OTHER: "youngster"}
SIGN_OFFS: tuple[str, ...] = (
    "Looking for friends nearby.",
    "Best with pets of a similar size.",
    "Still learning manners!",
    "Great with kids.",
    "Takes a minute to warm up, then is everyone's friend.",
    "Weekend adventures welcome.",
    "Fully vaccinated and ready to play.",
    "Loves a good sniff-and-greet.",
    "",
)

# --- Preferences -------------------------------------------------------------------------------

# (weekdays with Monday = 0, start minute, end minute) in the owner's time zone.
WEEKDAYS, WEEKEND, EVERY_DAY = (0, 1, 2, 3, 4), (5, 6), (0, 1, 2, 3, 4, 5, 6)
AVAILABILITY_PATTERNS: dict[str, tuple[tuple[int, ...], int, int]] = {
    "weekday evenings": (WEEKDAYS, 18 * 60, 20 * 60 + 30),
    "weekend days": (WEEKEND, 10 * 60, 17 * 60),
    "early mornings": (WEEKDAYS, 6 * 60 + 30, 8 * 60),
    "weekend mornings": (WEEKEND, 8 * 60, 12 * 60),
    "lunch breaks": (WEEKDAYS, 12 * 60, 13 * 60 + 30),
    "weekday afternoons": (WEEKDAYS, 14 * 60, 17 * 60),
    "evenings all week": (EVERY_DAY, 19 * 60, 21 * 60),
    "saturdays": ((5,), 9 * 60, 18 * 60),
    "sunday afternoons": ((6,), 13 * 60, 18 * 60),
}
PATTERN_WEIGHTS: dict[str, float] = {
    "weekday evenings": 20,
    "weekend days": 20,
    "early mornings": 8,
    "weekend mornings": 12,
    "lunch breaks": 5,
    "weekday afternoons": 6,
    "evenings all week": 10,
    "saturdays": 6,
    "sunday afternoons": 6,
}
MAX_DISTANCE_WEIGHTS: dict[float, float] = {
    2.0: 6,
    3.0: 9,
    4.0: 10,
    5.0: 16,
    6.0: 8,
    8.0: 12,
    10.0: 14,
    12.0: 6,
    15.0: 8,
}
# Who else a pet may meet, besides its own species.
OTHER_SPECIES: dict[str, tuple[str, ...]] = {
    DOG: (CAT,),
    CAT: (DOG, RABBIT),
    RABBIT: (CAT, OTHER),
    OTHER: (RABBIT, CAT),
}
SIZE_ORDER = (S, M, L)
ENERGY_ORDER = (LOW, MID, HIGH)
ALL_SIZES = (1 << len(Size.values)) - 1
ALL_ENERGY = (1 << len(Energy.values)) - 1

# --- Generated owners --------------------------------------------------------------------------

Slot = tuple[int, str, str]  # (weekday, "HH:MM", "HH:MM")


@dataclass(frozen=True, slots=True)
class DemoPreferences:
    max_distance_km: float
    species_mask: int
    sizes_mask: int
    energy_mask: int
    min_age: int
    max_age: int
    require_vaccinated: bool
    availability: tuple[Slot, ...]


@dataclass(frozen=True, slots=True)
class DemoPet:
    name: str
    species: str
    breed: str
    age: int
    size: str
    energy: str
    temperament: tuple[str, ...]
    vaccinated: bool
    bio: str
    created_at: datetime
    preferences: DemoPreferences


@dataclass(frozen=True, slots=True)
class DemoOwner:
    email: str
    username: str
    location: str
    latitude: float
    longitude: float
    time_zone: str
    date_joined: datetime
    pets: tuple[DemoPet, ...]


def _one_of(rng: random.Random, values: Sequence[T]) -> T:
    """rng.choice, a few times faster (and this runs millions of times)."""
    return values[int(rng.random() * len(values))]


def demo_email(metro: Metro, number: int) -> str:
    return f"demo.{metro.slug}.{number}@{DEMO_DOMAIN}"


def allocate(metros: Sequence[Metro], owners: int) -> dict[str, int]:
    """How many of `owners` live in each metro (by slug), in proportion to population.

    Seats are handed out one at a time (Sainte-Laguë), so a larger total never gives a metro
    fewer owners: loading more demo owners only ever adds to each metro.
    """
    counts = dict.fromkeys((metro.slug for metro in metros), 0)
    queue = [(-metro.population_millions, index, metro.slug) for index, metro in enumerate(metros)]
    heapq.heapify(queue)
    weights = {metro.slug: metro.population_millions for metro in metros}
    for _ in range(owners):
        _, index, slug = heapq.heappop(queue)
        counts[slug] += 1
        heapq.heappush(queue, (-weights[slug] / (2 * counts[slug] + 1), index, slug))
    return counts


class _Weighted(Generic[T]):
    """A weighted choice with the cumulative weights computed once (random.choices redoes it)."""

    def __init__(self, weights: Mapping[T, float]) -> None:
        self.values = tuple(weights)
        self.cum_weights = tuple(accumulate(weights.values()))
        self.total = self.cum_weights[-1]

    def pick(self, rng: random.Random) -> T:
        return self.values[bisect_right(self.cum_weights, rng.random() * self.total)]


_SPECIES = _Weighted(SPECIES_WEIGHTS)
_TEMPERAMENTS = _Weighted(TEMPERAMENT_WEIGHTS)
_PATTERNS = _Weighted(PATTERN_WEIGHTS)
_PATTERN_COUNT = _Weighted({1: 60, 2: 40})
_TEMPERAMENT_COUNT = _Weighted({1: 35, 2: 45, 3: 20})
_PET_COUNT = _Weighted({1: 60, 2: 30, 3: 10})  # mean 1.5
_MAX_DISTANCE = _Weighted(MAX_DISTANCE_WEIGHTS)
_MIXED_SIZES = {species: _Weighted(weights) for species, weights in MIXED_SIZE_WEIGHTS.items()}
_BREEDS = {
    species: _Weighted({breed: breed.weight for breed in breeds})
    for species, breeds in BREEDS.items()
}
_AGES = {species: _Weighted(dict(enumerate(weights))) for species, weights in AGE_WEIGHTS.items()}
_NEIGHBOURHOODS = {
    metro.slug: _Weighted({place: place.weight for place in metro.neighbourhoods})
    for metro in METROS
}
_SPECIES_BITS = {value: bit(Species, value) for value in Species.values}
_SIZE_BITS = {value: bit(Size, value) for value in Size.values}
_ENERGY_BITS = {value: bit(Energy, value) for value in Energy.values}
_KM_PER_DEGREE = math.pi * algorithm.EARTH_RADIUS_KM / 180


def demo_owner(*, seed: int, metro: Metro, number: int, now: datetime) -> DemoOwner:
    """Demo owner `number` (from 1) of `metro`, with 1 to 3 pets and their preferences."""
    # A generator of its own per owner: the owner does not depend on who else is loaded.
    rng = random.Random((seed << 64) | (zlib.crc32(metro.slug.encode()) << 32) | number)  # noqa: S311
    place = _NEIGHBOURHOODS[metro.slug].pick(rng)
    latitude, longitude = _scatter(rng, metro, place)
    first_name = _one_of(rng, FIRST_NAMES[metro.first_names])
    date_joined = now - timedelta(seconds=rng.random() * DAYS_OF_HISTORY * 86400)
    species = _SPECIES.pick(rng)
    pets = []
    for _ in range(_PET_COUNT.pick(rng)):
        pets.append(_pet(rng, species, date_joined, now))
        # Households often keep more of the same kind.
        species = species if rng.random() < 0.7 else _SPECIES.pick(rng)
    return DemoOwner(
        email=demo_email(metro, number),
        username=f"{first_name.lower().replace(' ', '.')}.{number}"[:30],
        location=metro.area.location_of(place),
        latitude=round(latitude, 6),
        longitude=round(longitude, 6),
        time_zone=metro.time_zone,
        date_joined=date_joined,
        pets=tuple(pets),
    )


def _scatter(rng: random.Random, metro: Metro, place: Neighbourhood) -> tuple[float, float]:
    """A point around `place` (normal, NEIGHBOURHOOD_SPREAD_KM), within the metro's radius."""
    while True:
        latitude = place.latitude + rng.gauss(0, NEIGHBOURHOOD_SPREAD_KM) / _KM_PER_DEGREE
        longitude = place.longitude + rng.gauss(0, NEIGHBOURHOOD_SPREAD_KM) / (
            _KM_PER_DEGREE * math.cos(math.radians(place.latitude))
        )
        if (
            algorithm.haversine_km(metro.latitude, metro.longitude, latitude, longitude)
            <= metro.radius_km
        ):
            return latitude, longitude


def _pet(rng: random.Random, species: str, owner_joined: datetime, now: datetime) -> DemoPet:
    breed = _BREEDS[species].pick(rng)
    size = breed.size or _MIXED_SIZES[species].pick(rng)
    age = _AGES[species].pick(rng)
    energy = _energy(rng, breed.energy, age)
    temperament = _temperament(rng)
    vaccinated = rng.random() < VACCINATED_SHARE[species]
    name = _one_of(rng, PET_NAMES)
    age_text = YOUNG[species] if age == 0 else f"{age}-year-old"
    if species == OTHER:
        kind = breed.name.lower()
    elif breed.size is None:
        kind = f"{breed.name.lower()} {species}"
    else:
        kind = breed.name
    bio = (
        f"{name} is a {ADJECTIVES[temperament[0]]} {age_text} {kind} who loves "
        f"{_one_of(rng, PASTIMES[species])}. {_one_of(rng, SIGN_OFFS)}"
    ).rstrip()
    # Most pets are added soon after their owner joins.
    created_at = owner_joined + (now - owner_joined) * min(1.0, rng.expovariate(10))
    return DemoPet(
        name=name,
        species=species,
        breed=breed.name,
        age=age,
        size=size,
        energy=energy,
        temperament=temperament,
        vaccinated=vaccinated,
        bio=bio,
        created_at=created_at,
        preferences=_preferences(rng, species, size, energy, age, vaccinated),
    )


def _energy(rng: random.Random, typical: str, age: int) -> str:
    level = ENERGY_ORDER.index(typical)
    roll = rng.random()
    if roll < 0.2:
        level -= 1
    elif roll < 0.4:
        level += 1
    if age <= 1 and rng.random() < 0.5:
        level += 1
    if age >= 10 and rng.random() < 0.6:
        level -= 1
    return ENERGY_ORDER[min(max(level, 0), len(ENERGY_ORDER) - 1)]


def _temperament(rng: random.Random) -> tuple[str, ...]:
    wanted = _TEMPERAMENT_COUNT.pick(rng)
    tags: list[str] = []
    while len(tags) < wanted:
        tag = _TEMPERAMENTS.pick(rng)
        if tag not in tags and all(frozenset({tag, other}) not in CONTRADICTIONS for other in tags):
            tags.append(tag)
    return tuple(tags)


def _preferences(
    rng: random.Random, species: str, size: str, energy: str, age: int, vaccinated: bool
) -> DemoPreferences:
    species_mask = _SPECIES_BITS[species]
    if rng.random() < 0.2:
        species_mask |= _SPECIES_BITS[_one_of(rng, OTHER_SPECIES[species])]
    if rng.random() < 0.75:
        min_age, max_age = 0, MAX_AGE
    elif age <= 1:
        min_age, max_age = 0, 3
    else:
        min_age, max_age = max(0, age - 3), age + 4
    return DemoPreferences(
        max_distance_km=_MAX_DISTANCE.pick(rng),
        species_mask=species_mask,
        sizes_mask=_near(rng, SIZE_ORDER, size, _SIZE_BITS, everything=0.55),
        energy_mask=_near(rng, ENERGY_ORDER, energy, _ENERGY_BITS, everything=0.5),
        min_age=min_age,
        max_age=max_age,
        require_vaccinated=rng.random() < (0.85 if vaccinated else 0.4),
        availability=_availability(rng),
    )


def _near(
    rng: random.Random,
    order: tuple[str, ...],
    own: str,
    bits: dict[str, int],
    everything: float,
) -> int:
    """A mask of every value (share `everything`), the own value, or it and its neighbours."""
    roll = rng.random()
    if roll < everything:
        return (1 << len(order)) - 1
    if roll < everything + 0.1:
        return bits[own]
    index = order.index(own)
    result = 0
    for value in order[max(index - 1, 0) : index + 2]:
        result |= bits[value]
    return result


def _availability(rng: random.Random) -> tuple[Slot, ...]:
    """One or two weekly patterns, each shifted a little."""
    count = _PATTERN_COUNT.pick(rng)
    patterns = sorted({_PATTERNS.pick(rng) for _ in range(count)})
    return _slots(tuple((pattern, _one_of(rng, (-30, 0, 0, 30))) for pattern in patterns))


@cache
def _slots(shifted_patterns: tuple[tuple[str, int], ...]) -> tuple[Slot, ...]:
    """The weekly slots of some (pattern, shift in minutes), merged where they overlap."""
    windows: dict[int, list[tuple[int, int]]] = {}
    for pattern, shift in shifted_patterns:
        days, start, end = AVAILABILITY_PATTERNS[pattern]
        for day in days:
            windows.setdefault(day, []).append((start + shift, end + shift))
    slots: list[Slot] = []
    for day in sorted(windows):
        merged: list[list[int]] = []
        for start, end in sorted(windows[day]):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        slots.extend((day, _clock(start), _clock(end)) for start, end in merged)
    return tuple(slots)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def availability_json(slots: tuple[Slot, ...]) -> list[dict[str, object]]:
    """The availability as stored in Preferences.availability."""
    return [{"weekday": day, "start": start, "end": end} for day, start, end in slots]


@cache
def availability_text(slots: tuple[Slot, ...]) -> str:
    """availability_json as JSON text; patterns repeat, so each is encoded once."""
    return json.dumps(availability_json(slots))


@cache
def temperament_text(tags: tuple[str, ...]) -> str:
    return json.dumps(list(tags))


# --- A year of history -------------------------------------------------------------------------

# Owners 1 to 4 of each metro are the showcase logins seed_demo prints, with their demo
# playdates (seed_playdates): the history gives them active days but no invitations.
SHOWCASE_OWNERS = 4
# A fifth of owners stay with the product; the rest drift away, fast at first (retention).
LOYAL_SHARE = 0.2
# The chance an owner sends an invitation on a day they are active.
INVITE_PER_ACTIVE_DAY = 0.1
_SUGGESTIONS_PER_ACTIVE_DAY = _Weighted({0: 40, 1: 30, 2: 20, 3: 10})
# How an invitation ends (the rest are never answered: pending, then expired).
ACCEPTED_SHARE, DECLINED_SHARE, WITHDRAWN_SHARE = 0.6, 0.2, 0.05
# Accepted playdates called off before they happen.
CANCELLED_AFTER_ACCEPT_SHARE = 0.07
# Time to answer: log-normal, median 2 hours, with a long tail of days.
ANSWER_MEDIAN_SECONDS, ANSWER_SPREAD = 7200.0, 1.5
CHAT_LINES: tuple[str, ...] = (
    "Hi! Would love to meet up.",
    "Sounds great, see you there!",
    "Is the north entrance OK?",
    "We might be 5 minutes late.",
    "Bringing a ball and some treats.",
    "Perfect, thanks!",
    "That was fun, same time next week?",
    "Looking forward to it!",
)
INVITATION_LINES: tuple[str, ...] = (
    "Playdate at the park?",
    "Our pets would get along great!",
    "Fancy a walk together?",
    "",
)
_PLAYDATE_LENGTH = timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class DemoInvitation:
    invitee: int  # the invited owner's number in the metro
    sent_at: datetime
    date_time: datetime
    location: str
    message: str
    status: str  # as stored: pending, accepted, completed, declined, cancelled
    accepted_at: datetime | None
    updated_at: datetime
    messages: tuple[tuple[bool, datetime, str], ...]  # (sent by the inviter, when, text)


@dataclass(frozen=True, slots=True)
class DemoHistory:
    active_days: tuple[date, ...]  # the sign-up day first
    suggestions_shown: tuple[tuple[date, int], ...]
    invitations: tuple[DemoInvitation, ...]


def demo_history(
    *, seed: int, metro: Metro, number: int, joins: Sequence[datetime], now: datetime
) -> DemoHistory:
    """Owner `number` of `metro`'s days from sign-up to `now`: the days they were active, the
    suggestions they were shown and the invitations they sent. `joins[n - 1]` is when owner n
    of the metro signed up (invitees are chosen among those who had by then)."""
    rng = random.Random(f"history:{seed}:{metro.slug}:{number}")  # noqa: S311
    joined = joins[number - 1]
    days = _active_days(rng, joined.date(), now.date())
    suggestions = []
    invitations = []
    for day in days:
        shown = _SUGGESTIONS_PER_ACTIVE_DAY.pick(rng)
        if shown:
            suggestions.append((day, shown))
        if number > SHOWCASE_OWNERS and rng.random() < INVITE_PER_ACTIVE_DAY:
            invitation = _invitation(rng, metro, day, joined, joins, number, now)
            if invitation is not None:
                invitations.append(invitation)
    return DemoHistory(tuple(days), tuple(suggestions), tuple(invitations))


def _active_days(rng: random.Random, first: date, last: date) -> list[date]:
    """The sign-up day, then each later day with a chance that decays with time since sign-up:
    slowly for loyal owners, fast for the rest. Days are drawn by thinning (a geometric jump at
    the highest chance ahead, kept with the ratio of the chances), not one draw per day."""
    if rng.random() < LOYAL_SHARE:
        base, scale, decay = 0.25 + 0.2 * rng.random(), 60.0, 0.3
    else:
        base, scale, decay = 0.25 + 0.45 * rng.random(), 2.0, 0.7

    def chance(age_days: int) -> float:
        return float(base * (1 + age_days / scale) ** -decay)

    days = [first]
    age, span = 0, (last - first).days
    while True:
        ceiling = chance(age + 1)  # the chance only falls, so this bounds every later day
        age += 1 + int(math.log(1.0 - rng.random()) / math.log(1.0 - ceiling))
        if age > span:
            return days
        if rng.random() * ceiling < chance(age):
            days.append(first + timedelta(days=age))


def _invitation(
    rng: random.Random,
    metro: Metro,
    day: date,
    joined: datetime,
    joins: Sequence[datetime],
    number: int,
    now: datetime,
) -> DemoInvitation | None:
    midnight = datetime.combine(day, datetime.min.time(), tzinfo=joined.tzinfo)
    sent_at = max(joined, midnight + timedelta(seconds=rng.random() * 86400))
    if sent_at >= now:
        return None
    invitee = _invitee(rng, joins, number, sent_at)
    if invitee is None:
        return None
    date_time = (sent_at + timedelta(hours=3 + rng.random() * 13 * 24)).replace(
        minute=0, second=0, microsecond=0
    )
    place = metro.area.location_of(_NEIGHBOURHOODS[metro.slug].pick(rng))
    answered_at = sent_at + timedelta(
        seconds=min(
            rng.lognormvariate(math.log(ANSWER_MEDIAN_SECONDS), ANSWER_SPREAD),
            (date_time - sent_at).total_seconds() - 3600,
        )
    )
    roll = rng.random()
    accepted_at: datetime | None = None
    messages: list[tuple[bool, datetime, str]] = []
    if rng.random() < 0.3:
        messages.append((True, sent_at + timedelta(minutes=1), _one_of(rng, CHAT_LINES)))
    if answered_at > now or roll >= ACCEPTED_SHARE + DECLINED_SHARE + WITHDRAWN_SHARE:
        status, updated_at = "pending", sent_at  # expired once its time passes
    elif roll < ACCEPTED_SHARE:
        accepted_at = answered_at
        status, updated_at = "accepted", answered_at
        if rng.random() < CANCELLED_AFTER_ACCEPT_SHARE:
            cancelled_at = answered_at + (date_time - answered_at) * rng.random()
            if cancelled_at <= now:
                status, updated_at = "cancelled", cancelled_at
        elif date_time + _PLAYDATE_LENGTH <= now:
            # As `manage.py expire_playdates` would have written it down.
            status, updated_at = "completed", date_time + _PLAYDATE_LENGTH
        messages += _chat(rng, answered_at, min(date_time + _PLAYDATE_LENGTH, now))
    elif roll < ACCEPTED_SHARE + DECLINED_SHARE:
        status, updated_at = "declined", answered_at
    else:
        status, updated_at = "cancelled", answered_at
    return DemoInvitation(
        invitee=invitee,
        sent_at=sent_at,
        date_time=date_time,
        location=place,
        message=_one_of(rng, INVITATION_LINES),
        status=status,
        accepted_at=accepted_at,
        updated_at=updated_at,
        messages=tuple(messages),
    )


def _invitee(
    rng: random.Random, joins: Sequence[datetime], number: int, sent_at: datetime
) -> int | None:
    """Another owner of the metro (not a showcase one) who had signed up by `sent_at`."""
    if len(joins) <= SHOWCASE_OWNERS + 1:
        return None
    for _ in range(5):
        other = SHOWCASE_OWNERS + 1 + int(rng.random() * (len(joins) - SHOWCASE_OWNERS))
        if other != number and joins[other - 1] <= sent_at:
            return other
    return None


def _chat(rng: random.Random, start: datetime, end: datetime) -> list[tuple[bool, datetime, str]]:
    """Two to seven lines between the owners, the invitee first, between `start` and `end`."""
    if end <= start:
        return []
    moments = sorted(start + (end - start) * rng.random() for _ in range(2 + int(rng.random() * 6)))
    return [
        (index % 2 == 1, moment, _one_of(rng, CHAT_LINES)) for index, moment in enumerate(moments)
    ]
