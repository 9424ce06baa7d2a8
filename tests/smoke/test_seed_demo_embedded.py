"""seed_demo on the embedded default (SQLite): bulk_create instead of PostgreSQL's COPY.

`make test` runs it with nothing configured: `DATABASE_URL= REDIS_URL= pytest -m embedded`.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import User
from matching.algorithm import haversine_km as distance_km
from matching.demo_data import DEMO_PASSWORD, METROS, MODERATOR_EMAIL, allocate
from pets.models import Pet, Preferences

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]

CHOSEN = [metro for metro in METROS if metro.name in ("Paris", "Tokyo")]


def seed(owners: int) -> str:
    out = StringIO()
    call_command(
        "seed_demo", owners=owners, metros=["Paris", "Tokyo"], stdout=out, stderr=StringIO()
    )
    return out.getvalue()


def test_seed_demo_loads_owners_pets_and_preferences_on_sqlite(api_client: APIClient) -> None:
    # when
    out = seed(20)

    # then
    assert connection.vendor == "sqlite"
    owners = list(User.objects.filter(email__startswith="demo."))
    assert len(owners) == 20
    expected = allocate(CHOSEN, 20)
    assert {
        metro.slug: sum(owner.email.startswith(f"demo.{metro.slug}.") for owner in owners)
        for metro in CHOSEN
    } == expected
    for owner in owners:
        metro = next(metro for metro in CHOSEN if owner.email.startswith(f"demo.{metro.slug}."))
        assert owner.latitude is not None
        assert owner.longitude is not None
        assert distance_km(metro.latitude, metro.longitude, owner.latitude, owner.longitude) <= (
            metro.radius_km
        )
        assert owner.time_zone == metro.time_zone
        owner.full_clean()
    pets = Pet.objects.filter(owner__in=owners)
    assert 20 <= pets.count() <= 60
    assert Preferences.objects.filter(pet__in=pets).count() == pets.count()
    for pet in pets.select_related("preferences"):
        pet.full_clean()
        pet.preferences.full_clean()
        assert pet.species in pet.preferences.species
        assert pet.preferences.availability
    assert f"Created 20 demo owners with {pets.count()} pets in 2 metros" in out
    assert DEMO_PASSWORD in out
    assert MODERATOR_EMAIL in out
    login = api_client.post(
        "/api/v1/auth/token",
        {"email": "demo.tokyo.1@pawdate.local", "password": DEMO_PASSWORD},
        format="json",
    )
    assert login.status_code == 200, login.json()


def test_seed_demo_on_sqlite_adds_only_what_is_missing() -> None:
    # given
    seed(20)
    ids = set(User.objects.values_list("id", flat=True))

    # when
    again = seed(20)
    more = seed(26)

    # then
    assert "Nothing new: all 20 demo owners in 2 metros already exist" in again
    assert "Created 6 demo owners" in more
    assert User.objects.filter(email__startswith="demo.").count() == 26
    assert ids < set(User.objects.values_list("id", flat=True))
    assert User.objects.filter(email=MODERATOR_EMAIL).count() == 1
    assert Preferences.objects.count() == Pet.objects.count()
