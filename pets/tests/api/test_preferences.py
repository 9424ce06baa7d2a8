"""GET and PUT /api/v1/pets/{id}/preferences: what playmates suit a pet (owner only)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from accounts.tests.helpers import assert_error, assert_not_authenticated
from pets import services
from pets.models import Pet, Preferences
from pets.tests.factories import PetFactory
from pets.tests.helpers import pets_state, preferences_url

pytestmark = pytest.mark.django_db

WEEKEND = [
    {"weekday": 5, "start": "10:00", "end": "17:00"},
    {"weekday": 6, "start": "10:00", "end": "17:00"},
]

CHOSEN = {
    "max_distance_km": 12.5,
    "species": ["dog", "cat"],
    "sizes": ["small"],
    "energy": ["medium", "high"],
    "min_age": 1,
    "max_age": 10,
    "require_vaccinated": False,
    "availability": [
        {"weekday": 0, "start": "18:00", "end": "20:30"},
        {"weekday": 2, "start": "07:15", "end": "08:00"},
    ],
}

REQUIRED = ["This field is required."]
NOT_NULL = ["This field may not be null."]
NOT_AN_INTEGER = ["A valid integer is required."]
NOT_A_NUMBER = ["A valid number is required."]
NOT_A_BOOLEAN = ["Must be a valid boolean."]
NOT_EMPTY = ["This list may not be empty."]
ONCE = ["Each value may appear only once."]
BAD_START = ['Use 24-hour "HH:MM", from 00:00 to 23:59.']
BAD_END = ['Use 24-hour "HH:MM", from 00:00 to 24:00.']
AFTER_START = ["Must be later than start."]
OVERLAP = ["Overlaps another window on the same weekday."]


def with_(**changes: Any) -> dict[str, Any]:
    return {**CHOSEN, **changes}


def without(field: str) -> dict[str, Any]:
    return {key: value for key, value in CHOSEN.items() if key != field}


def window(weekday: Any = 1, start: Any = "10:00", end: Any = "12:00") -> dict[str, Any]:
    return {"weekday": weekday, "start": start, "end": end}


@pytest.fixture
def tom(owner) -> Pet:
    pet: Pet = PetFactory.create(owner=owner, species="cat")
    return pet


def test_a_new_pet_has_the_default_preferences(owner, client_for, tom):
    # when
    response = client_for(owner).get(preferences_url(tom.pk))

    # then
    assert response.status_code == 200
    assert response.json() == {
        "max_distance_km": 5.0,
        "species": ["cat"],
        "sizes": ["small", "medium", "large"],
        "energy": ["low", "medium", "high"],
        "min_age": 0,
        "max_age": 40,
        "require_vaccinated": True,
        "availability": WEEKEND,
    }


def test_put_replaces_the_preferences_and_answers_them(owner, client_for, tom):
    # when
    response = client_for(owner).put(preferences_url(tom.pk), CHOSEN, format="json")

    # then
    assert response.status_code == 200, response.json()
    assert response.json() == CHOSEN
    assert client_for(owner).get(preferences_url(tom.pk)).json() == CHOSEN


def test_put_stores_the_lists_as_bit_masks(owner, client_for, tom):
    # when
    client_for(owner).put(
        preferences_url(tom.pk),
        with_(species=["other", "dog"], sizes=["large", "small"], energy=["low"]),
        format="json",
    )

    # then: bits follow the order of the choices (dog 1, cat 2, rabbit 4, other 8)
    preferences = Preferences.objects.get(pet=tom)
    assert (preferences.species_mask, preferences.sizes_mask, preferences.energy_mask) == (9, 5, 1)


def test_lists_come_back_in_the_vocabularys_order(owner, client_for, tom):
    # when
    response = client_for(owner).put(
        preferences_url(tom.pk),
        with_(species=["rabbit", "cat", "dog"], sizes=["large", "small"], energy=["high", "low"]),
        format="json",
    )

    # then
    body = response.json()
    assert (body["species"], body["sizes"], body["energy"]) == (
        ["dog", "cat", "rabbit"],
        ["small", "large"],
        ["low", "high"],
    )


def test_windows_come_back_in_weekday_and_start_order(owner, client_for, tom):
    # given
    windows = [
        window(6, "09:00", "10:00"),
        window(0, "14:00", "15:00"),
        window(0, "08:00", "09:00"),
    ]

    # when
    response = client_for(owner).put(
        preferences_url(tom.pk), with_(availability=windows), format="json"
    )

    # then
    expected = [
        window(0, "08:00", "09:00"),
        window(0, "14:00", "15:00"),
        window(6, "09:00", "10:00"),
    ]
    assert response.json()["availability"] == expected
    assert Preferences.objects.get(pet=tom).availability == expected


def test_a_distance_given_as_a_whole_number_is_kept_as_kilometres(owner, client_for, tom):
    # when
    response = client_for(owner).put(
        preferences_url(tom.pk), with_(max_distance_km=100), format="json"
    )

    # then
    assert response.json()["max_distance_km"] == 100.0
    assert Preferences.objects.get(pet=tom).max_distance_km == 100.0


@pytest.mark.parametrize(
    ("changes", "stored"),
    [
        ({"max_distance_km": 0.5}, {"max_distance_km": 0.5}),
        ({"min_age": 0, "max_age": 0}, {"min_age": 0, "max_age": 0}),
        ({"min_age": 40, "max_age": 40}, {"min_age": 40, "max_age": 40}),
        ({"species": ["dog", "cat", "rabbit", "other"]}, {"species_mask": 15}),
        ({"require_vaccinated": True}, {"require_vaccinated": True}),
        ({"availability": []}, {"availability": []}),
        (
            {"availability": [window(3, "00:00", "24:00")]},
            {"availability": [window(3, "00:00", "24:00")]},
        ),
        (
            {"availability": [window(1, "12:00", "14:00"), window(1, "10:00", "12:00")]},
            {"availability": [window(1, "10:00", "12:00"), window(1, "12:00", "14:00")]},
        ),
        (
            {"availability": [window(1, "10:00", "12:00"), window(2, "10:00", "12:00")]},
            {"availability": [window(1, "10:00", "12:00"), window(2, "10:00", "12:00")]},
        ),
        (
            {"availability": [window(1, "23:59", "24:00"), window(1, "00:00", "00:01")]},
            {"availability": [window(1, "00:00", "00:01"), window(1, "23:59", "24:00")]},
        ),
    ],
)
def test_edge_values_are_accepted(owner, client_for, tom, changes, stored):
    # when
    response = client_for(owner).put(preferences_url(tom.pk), with_(**changes), format="json")

    # then
    assert response.status_code == 200, response.json()
    preferences = Preferences.objects.filter(pet=tom).values(*stored).get()
    assert preferences == stored


def test_up_to_21_windows_are_accepted(owner, client_for, tom):
    # given: three a day, every day
    windows = [
        window(day, start, end)
        for day in range(7)
        for start, end in (("07:00", "08:00"), ("12:00", "13:00"), ("18:00", "24:00"))
    ]

    # when
    response = client_for(owner).put(
        preferences_url(tom.pk), with_(availability=windows), format="json"
    )

    # then
    assert response.status_code == 200, response.json()
    assert response.json()["availability"] == windows


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        # every field is required: PUT replaces the whole object
        *[(without(field), {field: REQUIRED}) for field in CHOSEN],
        # max_distance_km
        (
            with_(max_distance_km=0.4),
            {"max_distance_km": ["Ensure this value is greater than or equal to 0.5."]},
        ),
        (
            with_(max_distance_km=0),
            {"max_distance_km": ["Ensure this value is greater than or equal to 0.5."]},
        ),
        (
            with_(max_distance_km=100.1),
            {"max_distance_km": ["Ensure this value is less than or equal to 100."]},
        ),
        (with_(max_distance_km="5"), {"max_distance_km": NOT_A_NUMBER}),
        (with_(max_distance_km=True), {"max_distance_km": NOT_A_NUMBER}),
        (with_(max_distance_km=None), {"max_distance_km": NOT_NULL}),
        # species, sizes, energy
        (with_(species=[]), {"species": NOT_EMPTY}),
        (with_(species=["dog", "dog"]), {"species": ONCE}),
        (with_(species=["dog", "wolf"]), {"species.1": ['"wolf" is not a valid choice.']}),
        (with_(species="dog"), {"species": ['Expected a list of items but got type "str".']}),
        (with_(sizes=[]), {"sizes": NOT_EMPTY}),
        (with_(sizes=["tiny"]), {"sizes.0": ['"tiny" is not a valid choice.']}),
        (with_(sizes=["small", "small"]), {"sizes": ONCE}),
        (with_(energy=[]), {"energy": NOT_EMPTY}),
        (with_(energy=["low", "low"]), {"energy": ONCE}),
        (with_(energy=["hyper"]), {"energy.0": ['"hyper" is not a valid choice.']}),
        (with_(energy=None), {"energy": NOT_NULL}),
        # ages
        (with_(min_age=5, max_age=4), {"min_age": ["Must not be greater than max_age."]}),
        (with_(min_age=-1), {"min_age": ["Ensure this value is greater than or equal to 0."]}),
        (with_(max_age=41), {"max_age": ["Ensure this value is less than or equal to 40."]}),
        (with_(min_age=1.5), {"min_age": NOT_AN_INTEGER}),
        (with_(max_age="10"), {"max_age": NOT_AN_INTEGER}),
        (with_(max_age=True), {"max_age": NOT_AN_INTEGER}),
        # require_vaccinated
        (with_(require_vaccinated="true"), {"require_vaccinated": NOT_A_BOOLEAN}),
        (with_(require_vaccinated=1), {"require_vaccinated": NOT_A_BOOLEAN}),
        (with_(require_vaccinated=None), {"require_vaccinated": NOT_NULL}),
        # availability: the list
        (with_(availability=None), {"availability": NOT_NULL}),
        (
            with_(availability={}),
            {"availability": ['Expected a list of items but got type "dict".']},
        ),
        (
            with_(
                availability=[
                    window(day % 7, f"{day:02d}:00", f"{day:02d}:30") for day in range(22)
                ]
            ),
            {"availability": ["Ensure this field has no more than 21 elements."]},
        ),
        (
            with_(availability=["Monday 10-12"]),
            {
                "availability.0.non_field_errors": [
                    "Invalid data. Expected a dictionary, but got str."
                ]
            },
        ),
        # availability: a window's fields
        (
            with_(availability=[{"start": "10:00", "end": "12:00"}]),
            {"availability.0.weekday": REQUIRED},
        ),
        (with_(availability=[{"weekday": 1, "end": "12:00"}]), {"availability.0.start": REQUIRED}),
        (with_(availability=[{"weekday": 1, "start": "10:00"}]), {"availability.0.end": REQUIRED}),
        (
            with_(availability=[window(weekday=7)]),
            {"availability.0.weekday": ["Ensure this value is less than or equal to 6."]},
        ),
        (
            with_(availability=[window(weekday=-1)]),
            {"availability.0.weekday": ["Ensure this value is greater than or equal to 0."]},
        ),
        (with_(availability=[window(weekday="1")]), {"availability.0.weekday": NOT_AN_INTEGER}),
        (with_(availability=[window(weekday=1.5)]), {"availability.0.weekday": NOT_AN_INTEGER}),
        (with_(availability=[window(weekday=True)]), {"availability.0.weekday": NOT_AN_INTEGER}),
        (with_(availability=[window(start="9:00")]), {"availability.0.start": BAD_START}),
        (
            with_(availability=[window(start="24:00", end="24:00")]),
            {"availability.0.start": BAD_START},
        ),
        (with_(availability=[window(start="10:60")]), {"availability.0.start": BAD_START}),
        (with_(availability=[window(start="10:00:00")]), {"availability.0.start": BAD_START}),
        (with_(availability=[window(start=" 10:00")]), {"availability.0.start": BAD_START}),
        (with_(availability=[window(start="10h00")]), {"availability.0.start": BAD_START}),
        (with_(availability=[window(start="10:00\n")]), {"availability.0.start": BAD_START}),
        (
            with_(availability=[window(start="\u0661\u0660:00")]),
            {"availability.0.start": BAD_START},
        ),
        (
            with_(availability=[window(start=1000)]),
            {"availability.0.start": ["Not a valid string."]},
        ),
        (with_(availability=[window(end="24:01")]), {"availability.0.end": BAD_END}),
        (with_(availability=[window(end="25:00")]), {"availability.0.end": BAD_END}),
        (
            with_(availability=[window(end="")]),
            {"availability.0.end": ["This field may not be blank."]},
        ),
        # availability: a window's shape and its neighbours
        (
            with_(availability=[window(start="12:00", end="12:00")]),
            {"availability.0.end": AFTER_START},
        ),
        (
            with_(availability=[window(start="13:00", end="12:00")]),
            {"availability.0.end": AFTER_START},
        ),
        (
            with_(availability=[window(1, "10:00", "12:00"), window(1, "11:59", "13:00")]),
            {"availability.1": OVERLAP},
        ),
        (
            with_(availability=[window(1, "11:00", "12:00"), window(1, "09:00", "18:00")]),
            {"availability.0": OVERLAP},
        ),
        (
            with_(availability=[window(4, "10:00", "12:00"), window(4, "10:00", "12:00")]),
            {"availability.1": OVERLAP},
        ),
        (
            with_(
                availability=[
                    window(2, "08:00", "20:00"),
                    window(2, "09:00", "10:00"),
                    window(2, "18:00", "19:00"),
                    window(3, "09:00", "10:00"),
                ]
            ),
            {"availability.1": OVERLAP, "availability.2": OVERLAP},
        ),
    ],
)
def test_an_invalid_field_is_named_and_nothing_changes(owner, client_for, tom, body, fields):
    # given
    before = pets_state()

    # when
    response = client_for(owner).put(preferences_url(tom.pk), body, format="json")

    # then
    assert_error(response, 400, "validation_error", fields=fields)
    assert pets_state() == before


def test_an_infinite_distance_is_refused(owner, client_for, tom):
    # given: JSON's parser reads 1e400 as infinity
    before = pets_state()
    body = json.dumps(with_(max_distance_km=0)).replace(
        '"max_distance_km": 0', '"max_distance_km": 1e400'
    )

    # when
    response = client_for(owner).put(
        preferences_url(tom.pk), data=body, content_type="application/json"
    )

    # then
    assert_error(response, 400, "validation_error", fields={"max_distance_km": NOT_A_NUMBER})
    assert pets_state() == before


def test_a_not_a_number_distance_is_refused(owner, client_for, tom):
    # given
    before = pets_state()
    body = json.dumps(with_(max_distance_km=0)).replace(
        '"max_distance_km": 0', '"max_distance_km": NaN'
    )

    # when
    response = client_for(owner).put(
        preferences_url(tom.pk), data=body, content_type="application/json"
    )

    # then
    assert_error(response, 400, "validation_error")
    assert pets_state() == before


@pytest.mark.parametrize("method", ["get", "put"])
def test_another_owners_pet_preferences_are_not_found(friend, client_for, tom, method):
    # given
    before = pets_state()

    # when
    response = getattr(client_for(friend), method)(preferences_url(tom.pk), CHOSEN, format="json")

    # then
    assert_error(response, 404, "not_found", message="No such pet.")
    assert pets_state() == before


def test_another_owners_pet_is_not_found_even_with_an_invalid_body(friend, client_for, tom):
    # given
    before = pets_state()

    # when
    response = client_for(friend).put(preferences_url(tom.pk), {}, format="json")

    # then
    assert_error(response, 404, "not_found")
    assert pets_state() == before


@pytest.mark.parametrize("method", ["get", "put"])
def test_a_retired_pets_preferences_are_not_found(owner, client_for, tom, method):
    # given
    services.pet_deactivate(pet=tom)
    before = pets_state()

    # when
    response = getattr(client_for(owner), method)(preferences_url(tom.pk), CHOSEN, format="json")

    # then
    assert_error(response, 404, "not_found", message="No such pet.")
    assert pets_state() == before


@pytest.mark.parametrize("method", ["get", "put"])
def test_an_unknown_pets_preferences_are_not_found(owner, client_for, tom, method):
    # given
    before = pets_state()

    # when
    response = getattr(client_for(owner), method)(preferences_url(999_999), CHOSEN, format="json")

    # then
    assert_error(response, 404, "not_found")
    assert pets_state() == before


@pytest.mark.parametrize("method", ["get", "put"])
def test_preferences_require_authentication(api_client, tom, method):
    # given
    before = pets_state()

    # when
    response = getattr(api_client, method)(preferences_url(tom.pk), CHOSEN, format="json")

    # then
    assert_not_authenticated(response)
    assert pets_state() == before


def test_patch_is_not_allowed_on_preferences(owner, client_for, tom):
    # given
    before = pets_state()

    # when
    response = client_for(owner).patch(preferences_url(tom.pk), {"min_age": 2}, format="json")

    # then
    assert_error(response, 405, "method_not_allowed")
    assert pets_state() == before


def test_reading_preferences_costs_two_queries(owner, client_for, tom, django_assert_num_queries):
    # given
    client = client_for(owner)

    # when: the authentication's user-and-session join, then the preferences of an owned pet
    with django_assert_num_queries(2):
        response = client.get(preferences_url(tom.pk))

    # then
    assert response.status_code == 200


def test_replacing_preferences_costs_a_fixed_number_of_queries(
    owner, client_for, tom, django_assert_num_queries
):
    # given
    client = client_for(owner)

    # when: authentication, the owned pet; then in a savepoint the current preferences, one
    # UPDATE, and the live-suggestions check (matching.suggestions: the owner, the pet as
    # matching reads it, its candidates; nobody nearby to tell)
    with django_assert_num_queries(9):
        response = client.put(preferences_url(tom.pk), CHOSEN, format="json")

    # then
    assert response.status_code == 200
