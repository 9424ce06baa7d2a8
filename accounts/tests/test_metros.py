"""accounts.metros: which metro area a point is in, and User.metro kept with the coordinates."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps

from accounts import services
from accounts.metros import (
    EDGE_MARGIN_KM,
    METRO_AREA_BY_SLUG,
    METRO_AREAS,
    distance_km,
    metro_at,
)
from accounts.models import User

ME_URL = "/api/v1/me"
KM_PER_DEGREE_OF_LATITUDE = 111.195


def test_every_metros_centre_is_in_that_metro() -> None:
    assert len(METRO_AREA_BY_SLUG) == len(METRO_AREAS)
    for area in METRO_AREAS:
        assert metro_at(area.latitude, area.longitude) == area.slug


@pytest.mark.parametrize("area", METRO_AREAS, ids=lambda area: area.slug)
def test_every_neighbourhood_lies_inside_its_metro(area) -> None:
    assert 5 <= len(area.neighbourhoods) <= 20  # a select to pick from, not a gazetteer
    for place in area.neighbourhoods:
        km = distance_km(area.latitude, area.longitude, place.latitude, place.longitude)
        assert km <= area.radius_km, f"{place.name} is {km:.1f} km from {area.name}'s centre"
        assert metro_at(place.latitude, place.longitude) == area.slug


@pytest.mark.parametrize("area", METRO_AREAS, ids=lambda area: area.slug)
def test_neighbourhoods_have_distinct_names_and_url_safe_slugs_within_their_metro(area) -> None:
    names = [place.name for place in area.neighbourhoods]
    slugs = [place.slug for place in area.neighbourhoods]

    assert len(set(names)) == len(names)
    assert len(set(slugs)) == len(slugs)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) for slug in slugs), slugs


def test_a_point_just_past_the_edge_belongs_to_the_metro_and_one_beyond_the_margin_to_none() -> (
    None
):
    paris = METRO_AREA_BY_SLUG["paris"]
    km_north = paris.radius_km + EDGE_MARGIN_KM

    assert (
        metro_at(paris.latitude + (km_north - 0.5) / KM_PER_DEGREE_OF_LATITUDE, 2.3522) == "paris"
    )
    assert metro_at(paris.latitude + (km_north + 0.5) / KM_PER_DEGREE_OF_LATITUDE, 2.3522) == ""


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [(None, None), (40.7, None), (0.0, 0.0), (-89.9, 179.9), (46.2044, 6.1432)],  # Geneva: none
)
def test_no_position_or_a_point_outside_every_metro_is_no_metro(latitude, longitude) -> None:
    assert metro_at(latitude, longitude) == ""


def test_registering_with_coordinates_sets_the_metro(db) -> None:
    user, _ = services.user_register(
        email="lena@example.com",
        username="lena",
        password="Sturdy-Pass-1234",
        latitude=52.5,
        longitude=13.4,
        client_ip="10.0.0.1",
        user_agent="pytest",
    )

    assert User.objects.get(pk=user.pk).metro == "berlin"


def test_registering_without_coordinates_leaves_no_metro(db) -> None:
    user, _ = services.user_register(
        email="nomad@example.com",
        username="nomad",
        password="Sturdy-Pass-1234",
        client_ip="10.0.0.2",
        user_agent="pytest",
    )

    assert User.objects.get(pk=user.pk).metro == ""


def test_moving_by_patch_me_moves_the_metro_and_shows_it(make_user, client_for) -> None:
    # given: an owner in New York
    owner = make_user(metro="new-york")
    client = client_for(owner)

    # when: they move to Tokyo
    response = client.patch(ME_URL, {"latitude": 35.66, "longitude": 139.70}, format="json")

    # then
    assert response.status_code == 200, response.json()
    assert response.json()["metro"] == "tokyo"
    owner.refresh_from_db()
    assert owner.metro == "tokyo"


def test_clearing_the_position_clears_the_metro(make_user, client_for) -> None:
    owner = make_user(metro="new-york")

    response = client_for(owner).patch(ME_URL, {"latitude": None, "longitude": None}, format="json")

    assert response.status_code == 200
    assert response.json()["metro"] == ""
    owner.refresh_from_db()
    assert owner.metro == ""


def test_a_profile_edit_without_coordinates_keeps_the_metro(make_user, client_for) -> None:
    owner = make_user(metro="new-york")

    response = client_for(owner).patch(ME_URL, {"location": "Queens, NY"}, format="json")

    assert response.status_code == 200
    owner.refresh_from_db()
    assert owner.metro == "new-york"


def test_the_migration_fills_the_metro_of_existing_owners(make_user) -> None:
    # given: owners stored before there was a metro (the factory leaves it blank)
    londoner = make_user(latitude=51.5, longitude=-0.12)
    brooklyn = make_user()
    at_sea = make_user(latitude=0.0, longitude=-30.0)
    nowhere = make_user(latitude=None, longitude=None)
    migration = importlib.import_module("accounts.migrations.0005_user_metro")

    # when
    migration.fill_metro(apps, None)

    # then
    stored = dict(User.objects.values_list("pk", "metro"))
    assert [stored[user.pk] for user in (londoner, brooklyn, at_sea, nowhere)] == [
        "london",
        "new-york",
        "",
        "",
    ]
