"""Places, pets and an independent oracle shared by the matching tests.

The oracle (`expected_suggestions`) restates the contract's hard filters in plain Python over
the rows the test made, using only the pure `algorithm.haversine_km` and `algorithm.accepts`:
it shares no code with the SQL in `matching.selectors`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Block, User
from matching import algorithm, selectors
from matching.models import Pass
from matching.selectors import pet_matches
from pets import services as pet_services
from pets.models import MAX_AGE, Energy, Pet, Preferences, Size, Species
from pets.services import Window
from pets.tests.factories import PetFactory
from tests.factories import UserFactory

# Prospect Park, Brooklyn.
HOME = (40.6602, -73.9690)
# Every day, all day: the availability part of every score is then the same at any moment.
ALL_WEEK: list[Window] = [{"weekday": day, "start": "00:00", "end": "24:00"} for day in range(7)]


def matches_url(pet_id: int, limit: object = None) -> str:
    query = f"?limit={limit}" if limit is not None else ""
    return f"/api/v1/pets/{pet_id}/matches{query}"


def pass_url(pet_id: int, other_id: int) -> str:
    return f"/api/v1/pets/{pet_id}/matches/{other_id}/pass"


def block_url(user_id: int) -> str:
    return f"/api/v1/users/{user_id}/block"


def offset(
    north_km: float, east_km: float, origin: tuple[float, float] = HOME
) -> tuple[float, float]:
    """A point about `north_km` north and `east_km` east of `origin` (exactly, when east is 0)."""
    latitude, longitude = origin
    radius = algorithm.EARTH_RADIUS_KM
    return (
        latitude + math.degrees(north_km / radius),
        longitude + math.degrees(east_km / (radius * math.cos(math.radians(latitude)))),
    )


def place(user: User, point: tuple[float, float] | None) -> User:
    """Moves `user` to `point` (latitude, longitude), or nowhere."""
    user.latitude, user.longitude = point if point is not None else (None, None)
    user.save(update_fields=["latitude", "longitude"])
    return user


def owner_at(point: tuple[float, float] | None, **fields: Any) -> User:
    latitude, longitude = point if point is not None else (None, None)
    user: User = UserFactory.create(latitude=latitude, longitude=longitude, **fields)
    return user


def prefer(pet: Pet, **changes: Any) -> Preferences:
    """Replaces some of `pet`'s preferences through the service, keeping the rest."""
    current = Preferences.objects.get(pet=pet)
    wishes: dict[str, Any] = {
        "max_distance_km": current.max_distance_km,
        "species": current.species,
        "sizes": current.sizes,
        "energy": current.energy,
        "min_age": current.min_age,
        "max_age": current.max_age,
        "require_vaccinated": current.require_vaccinated,
        "availability": current.availability,
        **changes,
    }
    return pet_services.preferences_replace(pet=pet, **wishes)


def pet_of(owner: User, *, reach_km: float = 50.0, **traits: Any) -> Pet:
    """A pet of `owner` (a vaccinated medium high-energy dog of 3 unless told otherwise) that
    would meet any pet within `reach_km`, free all week. Tests narrow one wish at a time."""
    pet: Pet = PetFactory.create(owner=owner, **traits)
    prefer(
        pet,
        max_distance_km=reach_km,
        species=Species.values,
        sizes=Size.values,
        energy=Energy.values,
        min_age=0,
        max_age=MAX_AGE,
        require_vaccinated=False,
        availability=ALL_WEEK,
    )
    return pet


def suggested_ids(pet: Pet, *, limit: int = 50) -> list[int]:
    """What `pet_matches` suggests to `pet`, best first, as pet ids."""
    owner = User.objects.get(pk=pet.owner_id)
    matches = pet_matches(owner=owner, pet_id=pet.pk, limit=limit, now=timezone.now())
    return [match.candidate.pet_id for match in matches]


def matching_state() -> dict[str, Any]:
    """Everything matching reads or writes, to assert that a refused request changed nothing."""
    return {
        "passes": list(Pass.objects.order_by("pk").values()),
        "blocks": list(Block.objects.order_by("pk").values("blocker_id", "blocked_id")),
        "pets": list(Pet.objects.order_by("pk").values()),
        "preferences": list(Preferences.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values()),
    }


def keys_anywhere(value: object) -> set[str]:
    """Every object key in a parsed JSON document, at any depth."""
    if isinstance(value, dict):
        return set(value).union(*(keys_anywhere(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(keys_anywhere(item) for item in value))
    return set()


# --- A random population, for the property test ------------------------------------------

# Cities at several latitudes, both hemispheres, both sides of Greenwich (none near ±180°).
CITIES = [
    HOME,
    (59.9139, 10.7522),  # Oslo
    (-33.8688, 151.2093),  # Sydney
    (-0.1807, -78.4678),  # Quito
    (78.2232, 15.6267),  # Longyearbyen
]
REACHES = [3.0, 5.0, 10.0, 25.0, 100.0]


@dataclass(frozen=True)
class PetSpec:
    species: str
    size: str
    energy: str
    age: int
    vaccinated: bool
    active: bool
    reach_km: float
    wants_species: frozenset[str]
    wants_sizes: frozenset[str]
    wants_energy: frozenset[str]
    min_age: int
    max_age: int
    require_vaccinated: bool


@dataclass(frozen=True)
class OwnerSpec:
    position_km: tuple[float, float] | None  # (north, east) of the city; None: no location
    active: bool
    suspended: bool
    pets: tuple[PetSpec, ...]


@dataclass(frozen=True)
class Population:
    """Owner 0 is the searcher and its pet 0 the searching pet; the rest are indices into
    `owners` (blocks) and into the pets in owner order (passes)."""

    city: tuple[float, float]
    owners: tuple[OwnerSpec, ...]
    blocks: frozenset[tuple[int, int]]
    passes: frozenset[tuple[int, int]]


# One chance in eight: each way of being filtered out is drawn this rarely, so that in most
# examples a few pets get through every filter and there is something to compare.
SELDOM = st.lists(st.booleans(), min_size=3, max_size=3).map(all)


@st.composite
def _wanted(draw: st.DrawFn, values: list[str]) -> frozenset[str]:
    if draw(SELDOM):
        return draw(st.frozensets(st.sampled_from(values), max_size=len(values) - 1))
    return frozenset(values)


@st.composite
def _ages(draw: st.DrawFn) -> tuple[int, int]:
    if not draw(SELDOM):
        return 0, MAX_AGE
    low, high = sorted(draw(st.lists(st.integers(0, 12), min_size=2, max_size=2)))
    return low, high


@st.composite
def pet_specs(draw: st.DrawFn, *, active: bool | None = None) -> PetSpec:
    min_age, max_age = draw(_ages())
    return PetSpec(
        species=draw(st.sampled_from(Species.values)),
        size=draw(st.sampled_from(Size.values)),
        energy=draw(st.sampled_from(Energy.values)),
        age=draw(st.integers(0, 12)),
        vaccinated=not draw(SELDOM),
        active=not draw(SELDOM) if active is None else active,
        reach_km=draw(st.floats(0.5, 100.0) if draw(SELDOM) else st.sampled_from(REACHES)),
        wants_species=draw(_wanted(Species.values)),
        wants_sizes=draw(_wanted(Size.values)),
        wants_energy=draw(_wanted(Energy.values)),
        min_age=min_age,
        max_age=max_age,
        require_vaccinated=draw(st.booleans()),
    )


@st.composite
def _positions(draw: st.DrawFn, *, limit_km: float = 4.0) -> tuple[float, float]:
    """(north, east) of the city centre in km: within `limit_km`, or sometimes 20 km."""
    kilometres = st.floats(-20.0, 20.0) if draw(SELDOM) else st.floats(-limit_km, limit_km)
    return draw(kilometres), draw(kilometres)


@st.composite
def _owners(draw: st.DrawFn) -> OwnerSpec:
    return OwnerSpec(
        position_km=None if draw(SELDOM) else draw(_positions()),
        active=not draw(SELDOM),
        suspended=draw(SELDOM),
        pets=tuple(draw(st.lists(pet_specs(), min_size=1, max_size=3))),
    )


@st.composite
def populations(draw: st.DrawFn) -> Population:
    searcher = OwnerSpec(
        position_km=draw(_positions(limit_km=1.0)),
        active=True,
        suspended=False,
        pets=(draw(pet_specs(active=True)), *draw(st.lists(pet_specs(), max_size=2))),
    )
    owners = (searcher, *draw(st.lists(_owners(), min_size=3, max_size=8)))
    pet_count = sum(len(spec.pets) for spec in owners)
    # Blocks and passes often involve the searcher (owner 0, pet 0), and sometimes not.
    owner_index = st.integers(0, len(owners) - 1)
    pet_index = st.integers(0, pet_count - 1)
    blocks = st.tuples(st.one_of(st.just(0), owner_index), owner_index)
    blocks = st.one_of(blocks, blocks.map(lambda pair: (pair[1], pair[0])))
    passes = st.tuples(st.one_of(st.just(0), pet_index), pet_index)
    return Population(
        city=draw(st.sampled_from(CITIES)),
        owners=owners,
        blocks=draw(st.frozensets(blocks.filter(lambda pair: pair[0] != pair[1]), max_size=3)),
        passes=draw(st.frozensets(passes.filter(lambda pair: pair[0] != pair[1]), max_size=5)),
    )


@dataclass
class Built:
    """The rows made for a population: `users[i]` for owner i, `pets[j]` for pet j."""

    users: list[User] = field(default_factory=list)
    pets: list[Pet] = field(default_factory=list)
    specs: list[PetSpec] = field(default_factory=list)
    owner_of: list[int] = field(default_factory=list)


def build(population: Population) -> Built:
    built = Built()
    for index, spec in enumerate(population.owners):
        point = offset(*spec.position_km, origin=population.city) if spec.position_km else None
        user = owner_at(
            point,
            is_active=spec.active,
            suspended_at=timezone.now() if spec.suspended else None,
        )
        built.users.append(user)
        for pet_spec in spec.pets:
            pet = PetFactory.create(
                owner=user,
                species=pet_spec.species,
                size=pet_spec.size,
                energy=pet_spec.energy,
                age=pet_spec.age,
                vaccinated=pet_spec.vaccinated,
            )
            if not pet_spec.active:
                pet_services.pet_deactivate(pet=pet)
            pet_services.preferences_replace(
                pet=pet,
                max_distance_km=pet_spec.reach_km,
                species=sorted(pet_spec.wants_species),
                sizes=sorted(pet_spec.wants_sizes),
                energy=sorted(pet_spec.wants_energy),
                min_age=pet_spec.min_age,
                max_age=pet_spec.max_age,
                require_vaccinated=pet_spec.require_vaccinated,
                availability=ALL_WEEK,
            )
            built.pets.append(pet)
            built.specs.append(pet_spec)
            built.owner_of.append(index)
    Block.objects.bulk_create(
        Block(blocker=built.users[blocker], blocked=built.users[blocked])
        for blocker, blocked in population.blocks
    )
    Pass.objects.bulk_create(
        Pass(pet=built.pets[pet], other=built.pets[other]) for pet, other in population.passes
    )
    return built


def _wants(spec: PetSpec) -> algorithm.Wants:
    return algorithm.Wants(
        max_distance_km=spec.reach_km,
        species=spec.wants_species,
        sizes=spec.wants_sizes,
        energy=spec.wants_energy,
        min_age=spec.min_age,
        max_age=spec.max_age,
        require_vaccinated=spec.require_vaccinated,
    )


def _traits(spec: PetSpec) -> algorithm.PetTraits:
    return algorithm.PetTraits(
        species=spec.species,
        size=spec.size,
        energy=spec.energy,
        age=spec.age,
        temperament=frozenset(),
        vaccinated=spec.vaccinated,
    )


def expected_suggestions(population: Population, built: Built) -> dict[int, float]:
    """The contract's hard filters, restated: {pet id: true distance} of every pet that may be
    suggested to pet 0."""
    me, mine = built.users[0], built.specs[0]
    assert me.latitude is not None
    assert me.longitude is not None
    expected = {}
    for index, (pet, spec) in enumerate(zip(built.pets, built.specs, strict=True)):
        owner_index = built.owner_of[index]
        owner = built.users[owner_index]
        if (
            owner_index == 0
            or not owner.is_active
            or owner.suspended_at is not None
            or owner.latitude is None
            or owner.longitude is None
            or not spec.active
            or (0, index) in population.passes
            or (0, owner_index) in population.blocks
            or (owner_index, 0) in population.blocks
        ):
            continue
        distance = algorithm.haversine_km(
            me.latitude, me.longitude, owner.latitude, owner.longitude
        )
        if (
            distance <= min(mine.reach_km, spec.reach_km)
            and algorithm.accepts(_wants(mine), _traits(spec))
            and algorithm.accepts(_wants(spec), _traits(mine))
        ):
            expected[pet.pk] = distance
    return expected


@dataclass
class Tally:
    """How many examples had suggestions, and how many had pets the filters kept out, so that
    the property is known not to hold vacuously."""

    with_suggestions: int = 0
    with_exclusions: int = 0


def check_population(population: Population, tally: Tally) -> None:
    """Builds the population, asks `pet_matches` for pet 0 and compares it with the oracle.
    Every row is rolled back afterwards, so examples do not see each other's data."""
    with transaction.atomic():
        built = build(population)
        expected = expected_suggestions(population, built)
        # The selector scores only the nearest MIN_FETCH candidates; the oracle knows no such
        # cut, so the populations stay well below it.
        assert len(built.pets) < selectors.MIN_FETCH

        me = built.users[0]
        matches = pet_matches(owner=me, pet_id=built.pets[0].pk, limit=50, now=timezone.now())

        assert {match.candidate.pet_id for match in matches} == set(expected)
        for match in matches:
            true_distance = expected[match.candidate.pet_id]
            assert match.candidate.distance_km == true_distance
            assert match.suggestion.distance_km == algorithm.rounded_distance_km(true_distance)
        scores = [match.suggestion.score for match in matches]
        assert scores == sorted(scores, reverse=True)
        tally.with_suggestions += bool(expected)
        tally.with_exclusions += len(built.pets) - len(population.owners[0].pets) > len(expected)
        transaction.set_rollback(True)


def check_random_populations(max_examples: int) -> None:
    """Random populations around a city: `pet_matches` must suggest exactly what the oracle
    lets through. Run on PostgreSQL and (in the smoke tests) on SQLite."""
    tally = Tally()

    @settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(populations())
    def check(population: Population) -> None:
        check_population(population, tally)

    check()
    assert tally.with_suggestions > 0
    assert tally.with_exclusions > 0
