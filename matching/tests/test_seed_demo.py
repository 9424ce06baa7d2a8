"""`manage.py seed_demo`: demo owners, pets and preferences in real metros, and the moderator."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from matching.algorithm import haversine_km as distance_km
from matching.demo_data import (
    BREEDS,
    DEMO_PASSWORD,
    METROS,
    MODERATOR_EMAIL,
    NEIGHBOURHOOD_SPREAD_KM,
    TEMPERAMENT_WEIGHTS,
    allocate,
    demo_email,
    demo_owner,
)
from matching.models import Playdate
from pets.api.serializers import PetInput, PreferencesIO
from pets.models import TEMPERAMENTS, Pet, Preferences, Size
from realtime.models import Event

METRO_NAMES = ["New York", "London"]
BY_SLUG = {metro.slug: metro for metro in METROS}


def seed(*args: str, **options: Any) -> tuple[str, str]:
    """Runs seed_demo; returns what it printed on (stdout, stderr)."""
    out, err = StringIO(), StringIO()
    options.setdefault("owners", 30)
    options.setdefault("metros", METRO_NAMES)
    # Owners and pets alone; the history's own tests ask for it (test_seed_demo_history.py).
    options.setdefault("history", False)
    call_command("seed_demo", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def demo_owners() -> list[User]:
    return list(User.objects.filter(email__startswith="demo.").order_by("id"))


def metro_of(user: User) -> str:
    return user.email.split(".")[1]


def pet_names_and_ages(owner: User) -> list[tuple[str, int]]:
    return list(Pet.objects.filter(owner=owner).order_by("id").values_list("name", "age"))


# --- the data ----------------------------------------------------------------------------------


def test_there_are_at_least_20_real_metros_with_valid_time_zones() -> None:
    assert len(METROS) >= 20
    assert len({metro.slug for metro in METROS}) == len(METROS)
    for metro in METROS:
        assert metro.slug == slugify(metro.name)
        assert ZoneInfo(metro.time_zone)
        assert metro.population_millions > 0
        assert len(metro.neighbourhoods) >= 5
        for place in metro.neighbourhoods:
            # Owners scatter around their neighbourhood but stay inside the metro's radius.
            assert (
                distance_km(metro.latitude, metro.longitude, place.latitude, place.longitude)
                <= metro.radius_km - 2 * NEIGHBOURHOOD_SPREAD_KM
            ), place


def test_breeds_and_temperaments_use_the_models_vocabulary() -> None:
    assert set(TEMPERAMENT_WEIGHTS) == set(TEMPERAMENTS)
    for breeds in BREEDS.values():
        assert all(breed.size in {None, *Size.values} for breed in breeds)


def test_owners_are_spread_by_population_and_more_owners_never_means_fewer_in_a_metro() -> None:
    previous = allocate(METROS, 0)
    for total in range(1, 400):
        counts = allocate(METROS, total)
        assert sum(counts.values()) == total
        assert all(counts[slug] >= previous[slug] for slug in counts)
        previous = counts
    # Tokyo (37 million) gets about 15 times Stockholm's share (2.4 million).
    assert allocate(METROS, 3010)["tokyo"] == pytest.approx(15 * 24, rel=0.05)


def test_a_demo_owner_depends_only_on_the_seed_its_metro_and_its_number() -> None:
    now = timezone.now()
    london = BY_SLUG["london"]

    same = demo_owner(seed=7, metro=london, number=3, now=now)

    assert demo_owner(seed=7, metro=london, number=3, now=now) == same
    assert demo_owner(seed=8, metro=london, number=3, now=now) != same
    assert demo_owner(seed=7, metro=london, number=4, now=now) != same
    assert same.email == "demo.london.3@pawdate.local"


def test_pets_average_about_one_and_a_half_per_owner_mostly_dogs() -> None:
    now = timezone.now()
    owners = [demo_owner(seed=1, metro=METROS[n % 5], number=n, now=now) for n in range(1, 3001)]
    pets = [pet for owner in owners for pet in owner.pets]

    assert {len(owner.pets) for owner in owners} == {1, 2, 3}
    assert len(pets) / len(owners) == pytest.approx(1.5, abs=0.05)
    assert sum(pet.species == "dog" for pet in pets) / len(pets) == pytest.approx(0.7, abs=0.05)
    assert all(pet.age <= 16 for pet in pets)
    assert all(pet.age <= 10 for pet in pets if pet.species == "rabbit")
    assert sum(pet.vaccinated for pet in pets) / len(pets) > 0.8
    assert all(2 <= pet.preferences.max_distance_km <= 15 for pet in pets)
    assert all(1 <= len(pet.temperament) <= 3 for pet in pets)


# --- the command -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_seed_demo_creates_owners_with_pets_and_preferences_in_the_chosen_metros() -> None:
    # when
    out, _ = seed()

    # then
    owners = demo_owners()
    assert len(owners) == 30
    expected = allocate([BY_SLUG["new-york"], BY_SLUG["london"]], 30)
    assert {slug: sum(metro_of(u) == slug for u in owners) for slug in expected} == expected
    assert {u.email for u in owners} == {
        f"demo.{slug}.{n}@pawdate.local"
        for slug, count in expected.items()
        for n in range(1, count + 1)
    }
    for owner in owners:
        metro = BY_SLUG[metro_of(owner)]
        assert owner.latitude is not None
        assert owner.longitude is not None
        assert distance_km(metro.latitude, metro.longitude, owner.latitude, owner.longitude) <= (
            metro.radius_km
        )
        assert owner.location in {metro.area.location_of(place) for place in metro.neighbourhoods}
        assert owner.time_zone == metro.time_zone
        assert owner.metro == metro.slug
        assert owner.role == User.Role.OWNER
        assert not owner.is_staff
        assert 1 <= Pet.objects.filter(owner=owner).count() <= 3
    pets = Pet.objects.filter(owner__in=owners)
    assert f"with {pets.count()} pets in 2 metros" in out
    assert Preferences.objects.filter(pet__in=pets).count() == pets.count()
    for preferences in Preferences.objects.filter(pet__in=pets).select_related("pet"):
        assert preferences.pet.species in preferences.species


@pytest.mark.django_db
def test_seeded_rows_pass_the_model_and_api_validators() -> None:
    # given
    seed()

    # then
    for owner in demo_owners()[:10]:
        owner.full_clean()
    for pet in Pet.objects.select_related("preferences")[:20]:
        pet.full_clean()
        pet.preferences.full_clean()
        profile = PetInput(
            data={
                field: getattr(pet, field)
                for field in ("name", "species", "breed", "age", "size", "energy")
            }
            | {"temperament": pet.temperament, "vaccinated": pet.vaccinated, "bio": pet.bio}
        )
        assert profile.is_valid(), profile.errors
        preferences = pet.preferences
        wanted = PreferencesIO(
            data={
                "max_distance_km": preferences.max_distance_km,
                "species": preferences.species,
                "sizes": preferences.sizes,
                "energy": preferences.energy,
                "min_age": preferences.min_age,
                "max_age": preferences.max_age,
                "require_vaccinated": preferences.require_vaccinated,
                "availability": preferences.availability,
            }
        )
        assert wanted.is_valid(), wanted.errors
        assert preferences.availability
        assert preferences.availability == sorted(
            preferences.availability, key=lambda w: (w["weekday"], w["start"])
        )


@pytest.mark.django_db
def test_a_second_run_adds_nothing_and_says_so() -> None:
    # given
    seed()
    before = (User.objects.count(), Pet.objects.count(), Preferences.objects.count())
    ids = [owner.pk for owner in demo_owners()]

    # when
    out, _ = seed()

    # then
    assert (User.objects.count(), Pet.objects.count(), Preferences.objects.count()) == before
    assert [owner.pk for owner in demo_owners()] == ids
    assert "Nothing new: all 30 demo owners in 2 metros already exist" in out
    assert f"Moderator {MODERATOR_EMAIL}: already exists." in out


@pytest.mark.django_db
def test_a_larger_owner_count_adds_only_the_missing_owners() -> None:
    # given
    seed()
    first = {owner.email: owner.pk for owner in demo_owners()}
    pets_before = Pet.objects.count()

    # when
    out, _ = seed(owners=45)

    # then
    owners = demo_owners()
    assert len(owners) == 45
    assert len({owner.email for owner in owners}) == 45
    assert {owner.email: owner.pk for owner in owners if owner.email in first} == first
    added = Pet.objects.count() - pets_before
    assert f"Created 15 demo owners with {added} pets in 2 metros (30 of the 45 already" in out
    assert Preferences.objects.count() == Pet.objects.count()


@pytest.mark.django_db
def test_the_same_owners_come_out_whatever_was_loaded_before() -> None:
    # given: 45 owners loaded in two steps
    seed(owners=20)
    seed(owners=45)
    in_steps = {
        owner.email: (
            owner.location,
            owner.latitude,
            pet_names_and_ages(owner),
        )
        for owner in demo_owners()
    }
    User.objects.filter(email__startswith="demo.").delete()

    # when: the same 45 in one go
    seed(owners=45)

    # then
    assert {
        owner.email: (
            owner.location,
            owner.latitude,
            pet_names_and_ages(owner),
        )
        for owner in demo_owners()
    } == in_steps


@pytest.mark.django_db
def test_an_unknown_metro_is_a_command_error_naming_the_valid_ones() -> None:
    # when
    with pytest.raises(CommandError) as raised:
        seed(metros=["London", "Atlantis"])

    # then
    assert str(raised.value).startswith("Unknown metro: Atlantis. Valid names: New York, ")
    assert "São Paulo" in str(raised.value)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_metros_may_be_named_by_slug_in_any_case() -> None:
    # when
    seed(owners=4, metros=["new-york", "LONDON"])

    # then
    assert {metro_of(owner) for owner in demo_owners()} == {"new-york", "london"}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"owners": -1}, "--owners must be 0 or more."),
        ({"batch_size": 0}, "--batch-size must be at least 1."),
        ({"seed": -5}, "--seed must be 0 or more."),
    ],
)
@pytest.mark.django_db
def test_invalid_numbers_are_command_errors(options: dict[str, int], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        seed(**options)

    assert not User.objects.exists()


@pytest.mark.django_db
def test_the_moderator_is_created_once_and_can_use_the_admin() -> None:
    # when
    seed()
    seed(owners=35)

    # then
    moderators = User.objects.filter(email=MODERATOR_EMAIL)
    assert moderators.count() == 1
    moderator = moderators.get()
    assert moderator.role == User.Role.MODERATOR
    assert moderator.is_moderator
    assert moderator.is_staff
    assert not moderator.is_superuser
    assert moderator.check_password(DEMO_PASSWORD)
    assert moderator.has_perms(["accounts.change_user", "accounts.view_user", "pets.view_pet"])
    assert not moderator.has_perm("accounts.delete_user")


@pytest.mark.django_db
def test_no_owners_makes_only_the_moderator() -> None:
    # when
    out, _ = seed(owners=0)

    # then
    assert list(User.objects.values_list("email", flat=True)) == [MODERATOR_EMAIL]
    assert "Nothing new: all 0 demo owners in 2 metros already exist" in out


@pytest.mark.django_db
def test_the_output_lists_the_logins_and_they_work(api_client: Any) -> None:
    # when
    out, err = seed()

    # then
    assert f"Logins (password for every demo account: {DEMO_PASSWORD}):" in out
    assert re.search(rf"\n  {re.escape(MODERATOR_EMAIL)} +moderator, can use /admin/\n", out)
    example = User.objects.get(email="demo.new-york.1@pawdate.local")
    assert re.search(
        rf"\n  demo\.new-york\.1@pawdate\.local +{re.escape(example.location)}, \d pets?\n", out
    )
    assert "demo.london.1@pawdate.local" in out
    # Not a terminal: plain progress lines, the last one at 100%.
    assert err.splitlines()[-1].startswith("owners: 30/30 (100%)")
    for email in (MODERATOR_EMAIL, "demo.london.1@pawdate.local"):
        login = api_client.post(
            "/api/v1/auth/token", {"email": email, "password": DEMO_PASSWORD}, format="json"
        )
        assert login.status_code == 200, login.json()


@pytest.mark.django_db
def test_every_owner_shares_one_password_hash() -> None:
    # given
    seed(owners=10, metros=["Tokyo"])

    # then: hashed once, not per owner (Argon2 takes ~0.1 s a hash)
    assert User.objects.filter(email__startswith="demo.").values("password").distinct().count() == 1


@pytest.mark.django_db
def test_small_batches_load_the_same_owners() -> None:
    # when
    seed(batch_size=7)

    # then
    assert len(demo_owners()) == 30
    assert Preferences.objects.count() == Pet.objects.count()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ANALYZE is PostgreSQL's")
@pytest.mark.django_db
def test_the_filled_tables_are_analyzed_on_postgresql() -> None:
    # when
    seed()

    # then: the planner's row estimates are the tables' real sizes
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)",
            [["accounts_user", "pets_pet", "pets_preferences"]],
        )
        estimates = dict(cursor.fetchall())
    assert estimates == {
        "accounts_user": User.objects.count(),
        "pets_pet": Pet.objects.count(),
        "pets_preferences": Preferences.objects.count(),
    }


@pytest.mark.django_db
def test_owner_one_of_each_metro_gets_demo_playdates_once() -> None:
    # given
    out, _ = seed()
    first = User.objects.get(email=demo_email(BY_SLUG["new-york"], 1))
    others = {
        number: User.objects.get(email=demo_email(BY_SLUG["new-york"], number))
        for number in (2, 3, 4)
    }

    # when
    again, _ = seed()

    # then: an invitation to answer, an accepted playdate, and one sent, in each metro
    playdates = {
        (playdate.inviter_id, playdate.invitee_id, playdate.status, playdate.awaiting_user_id)
        for playdate in Playdate.objects.filter(Q(inviter=first) | Q(invitee=first))
    }
    assert playdates == {
        (others[2].pk, first.pk, "pending", first.pk),
        (others[3].pk, first.pk, "accepted", None),
        (first.pk, others[4].pk, "pending", others[4].pk),
    }
    assert Playdate.objects.count() == 3 * len(METRO_NAMES)
    assert "Demo playdates: 6 created" in out
    assert "Demo playdates: 0 created" in again
    kinds = list(Event.objects.filter(user=first).order_by("seq").values_list("kind", flat=True))
    assert kinds == ["playdate.invited", "playdate.invited", "playdate.updated", "playdate.invited"]
