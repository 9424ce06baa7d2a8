"""POST /api/v1/pets/{id}/matches/{other_id}/pass: the other pet is not suggested again."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts import services as account_services
from accounts.tests.helpers import assert_error, assert_not_authenticated
from matching.models import Pass
from matching.tests.helpers import (
    HOME,
    matches_url,
    matching_state,
    offset,
    pass_url,
    pet_of,
    place,
)
from pets import services as pet_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(owner):
    return pet_of(place(owner, HOME))


@pytest.fixture
def theirs(friend):
    return pet_of(place(friend, offset(1.0, 0.0)))


def test_passing_records_a_pass(owner, client_for, mine, theirs):
    # when
    response = client_for(owner).post(pass_url(mine.pk, theirs.pk))

    # then
    assert response.status_code == 204
    assert response.content == b""
    assert list(Pass.objects.values_list("pet_id", "other_id")) == [(mine.pk, theirs.pk)]


def test_passing_twice_keeps_one_pass(owner, client_for, mine, theirs):
    # given
    client = client_for(owner)
    assert client.post(pass_url(mine.pk, theirs.pk)).status_code == 204
    first = Pass.objects.get()

    # when
    response = client.post(pass_url(mine.pk, theirs.pk))

    # then
    assert response.status_code == 204
    assert list(Pass.objects.values()) == [
        {"id": first.pk, "pet_id": mine.pk, "other_id": theirs.pk, "created_at": first.created_at}
    ]


def test_a_pass_takes_effect_on_the_very_next_query_for_that_pet_only(
    owner, client_for, mine, theirs
):
    # given
    my_other = pet_of(owner)
    client = client_for(owner)

    def shown(pet_id: int) -> list[int]:
        response = client.get(matches_url(pet_id))
        assert response.status_code == 200, response.json()
        return [suggestion["pet"]["id"] for suggestion in response.json()["results"]]

    assert shown(mine.pk) == [theirs.pk]

    # when
    assert client.post(pass_url(mine.pk, theirs.pk)).status_code == 204

    # then
    assert shown(mine.pk) == []
    assert shown(my_other.pk) == [theirs.pk]


@pytest.mark.parametrize("whose", ["another-users", "inactive", "unknown"])
def test_passing_for_a_pet_that_is_not_my_active_pet_is_not_found(
    owner, friend, stranger, client_for, mine, theirs, whose
):
    # given
    strangers = pet_of(place(stranger, offset(2.0, 0.0)))
    if whose == "inactive":
        pet_services.pet_deactivate(pet=mine)
    pet_id = {"another-users": theirs.pk, "inactive": mine.pk, "unknown": 999_999}[whose]
    before = matching_state()

    # when
    response = client_for(owner).post(pass_url(pet_id, strangers.pk))

    # then
    assert_error(response, 404, "not_found", message="No such pet of yours.")
    assert matching_state() == before


@pytest.mark.parametrize("which", ["inactive", "unknown", "owner-deleted", "owner-suspended"])
def test_passing_on_a_pet_that_is_not_there_is_not_found(
    owner, friend, client_for, password, mine, theirs, which
):
    # given: a pet whose public profile is not found either
    if which == "inactive":
        pet_services.pet_deactivate(pet=theirs)
    if which == "owner-deleted":
        account_services.user_delete(user=friend, password=password)
    if which == "owner-suspended":
        friend.suspended_at = timezone.now()
        friend.save(update_fields=["suspended_at"])
    other_id = 999_999 if which == "unknown" else theirs.pk
    before = matching_state()

    # when
    response = client_for(owner).post(pass_url(mine.pk, other_id))

    # then
    assert_error(response, 404, "not_found", message="No such pet.")
    assert matching_state() == before


@pytest.mark.parametrize("which", ["my-other-pet", "the-pet-itself"])
def test_passing_on_my_own_pet_is_a_validation_error(owner, client_for, mine, which):
    # given
    other_id = pet_of(owner).pk if which == "my-other-pet" else mine.pk
    before = matching_state()

    # when
    response = client_for(owner).post(pass_url(mine.pk, other_id))

    # then
    assert_error(
        response,
        400,
        "validation_error",
        fields={"other_id": ["Your own pets are never suggested to each other."]},
    )
    assert matching_state() == before


def test_passing_requires_authentication(api_client, mine, theirs):
    # given
    before = matching_state()

    # when
    response = api_client.post(pass_url(mine.pk, theirs.pk))

    # then
    assert_not_authenticated(response)
    assert matching_state() == before
