"""GET /api/v1/playdates/: the caller's playdates, newest first, by status and role."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from accounts.tests.helpers import assert_error
from matching.models import Playdate
from matching.tests.playdate_helpers import PLAYDATES_URL, expected, in_days, invite, pet_for
from pets import services as pet_services
from pets.models import Pet
from pets.tests.helpers import pet_url
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.json()
    return [playdate["id"] for playdate in response.json()["results"]]


def test_the_list_holds_the_callers_playdates_newest_first(owner, client_for, mine, theirs, strays):
    # given
    sent = invite(mine, theirs)
    received = invite(strays, mine)
    invite(strays, theirs)  # not the owner's

    # when
    response = client_for(owner).get(PLAYDATES_URL)

    # then
    assert response.status_code == 200
    chat = {"unread_count": 0, "last_message": None}
    assert response.json() == {
        "results": [expected(received, **chat), expected(sent, **chat)],
        "next": None,
    }


@pytest.mark.parametrize(("role", "which"), [("incoming", "received"), ("outgoing", "sent")])
def test_role_picks_invitations_received_or_sent(
    owner, client_for, mine, theirs, strays, role, which
):
    # given
    playdates = {"sent": invite(mine, theirs), "received": invite(strays, mine)}

    # when
    response = client_for(owner).get(PLAYDATES_URL, {"role": role})

    # then
    assert ids(response) == [playdates[which].pk]


@pytest.mark.parametrize(
    "status", ["pending", "accepted", "declined", "cancelled", "expired", "completed"]
)
def test_status_filters_by_the_status_as_of_now(owner, client_for, mine, theirs, status):
    # given: one playdate stored with each status, plus a pending one whose time has passed
    # (expired) and an accepted one 2 hours past its time (completed)
    stored = {}
    for name in ("pending", "accepted", "declined", "cancelled", "expired", "completed"):
        stored[name] = invite(mine, theirs)
        Playdate.objects.filter(pk=stored[name].pk).update(status=name)
    lapsed = invite(mine, theirs)
    finished = invite(mine, theirs)
    Playdate.objects.filter(pk=lapsed.pk).update(date_time=in_days(-1))
    Playdate.objects.filter(pk=finished.pk).update(status="accepted", date_time=in_days(-1))
    by_time = {"expired": lapsed, "completed": finished}

    # when
    response = client_for(owner).get(PLAYDATES_URL, {"status": status})

    # then
    expected_ids = [by_time[status].pk] if status in by_time else []
    assert ids(response) == [*expected_ids, stored[status].pk]
    assert {playdate["status"] for playdate in response.json()["results"]} == {status}


def test_pages_follow_next_without_gaps_or_repeats(owner, client_for, mine, theirs):
    # given
    made = [invite(mine, theirs).pk for _ in range(5)]
    client = client_for(owner)

    # when
    first = client.get(PLAYDATES_URL, {"limit": 2})
    second = client.get(first.json()["next"])
    third = client.get(second.json()["next"])

    # then
    assert ids(first) + ids(second) + ids(third) == made[::-1]
    assert third.json()["next"] is None
    assert first.json()["next"].startswith("http://testserver/api/v1/playdates/?")


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"status": "lost"}, {"status": ['"lost" is not a valid choice.']}),
        ({"role": "both"}, {"role": ['"both" is not a valid choice.']}),
        ({"limit": 0}, {"limit": ["Ensure this value is greater than or equal to 1."]}),
        ({"limit": 101}, {"limit": ["Ensure this value is less than or equal to 100."]}),
        ({"before": "x"}, {"before": ["A valid integer is required."]}),
    ],
)
def test_bad_query_parameters_are_validation_errors(owner, client_for, query, fields):
    response = client_for(owner).get(PLAYDATES_URL, query)

    assert_error(response, 400, "validation_error", fields=fields)


@pytest.mark.parametrize("count", [1, 30])
def test_listing_costs_the_same_few_queries_for_many_playdates(
    owner, client_for, mine, django_assert_max_num_queries, count
):
    # given: playdates with as many different pets and owners
    inviting = [pet_for(UserFactory.create(), name=f"Guest {n}") for n in range(count)]
    for pet in inviting:
        invite(pet, mine, in_days(2) + timedelta(minutes=1))
    client = client_for(owner)

    # when / then: authentication (one query) and the page with both pets of each playdate
    # (one query), however many playdates
    with django_assert_max_num_queries(2):
        response = client.get(PLAYDATES_URL, {"limit": 30})
    assert len(ids(response)) == count
    assert [
        (item["pet_1"]["name"], item["pet_2"]["name"]) for item in response.json()["results"]
    ] == [(pet.name, "Rex") for pet in reversed(inviting)]


def test_each_playdate_names_both_pets(owner, client_for, mine, strays):
    # given: a cat invites the owner's dog
    Pet.objects.filter(pk=strays.pk).update(species="cat")
    invite(strays, mine)

    # when
    response = client_for(owner).get(PLAYDATES_URL)

    # then: pet_1 is the inviting pet (pet_id_1), pet_2 the invited one (pet_id_2)
    [item] = response.json()["results"]
    assert (item["pet_id_1"], item["pet_id_2"]) == (strays.pk, mine.pk)
    assert item["pet_1"] == {"id": strays.pk, "name": "Tom", "species": "cat"}
    assert item["pet_2"] == {"id": mine.pk, "name": "Rex", "species": "dog"}


def test_a_deleted_pet_is_still_named_in_its_playdates(owner, client_for, mine, theirs):
    # given: the friend deleted Luna after the playdate was arranged (the row stays, retired)
    playdate = invite(mine, theirs)
    pet_services.pet_deactivate(pet=theirs)

    # when
    response = client_for(owner).get(PLAYDATES_URL)

    # then: the playdate is listed with Luna's name, though her profile is gone
    assert response.json()["results"] == [expected(playdate, unread_count=0, last_message=None)]
    assert response.json()["results"][0]["pet_2"] == {
        "id": theirs.pk,
        "name": "Luna",
        "species": "dog",
    }
    assert client_for(owner).get(pet_url(theirs.pk)).status_code == 404


def test_a_pending_playdate_lists_as_expired_once_its_time_passes(owner, client_for, mine, theirs):
    # given
    playdate = invite(mine, theirs)

    # when
    with time_machine.travel(playdate.date_time + timedelta(seconds=1)):
        response = client_for(owner).get(PLAYDATES_URL)

    # then: shown expired, not yet written down
    assert response.json()["results"][0]["status"] == "expired"
    assert response.json()["results"][0]["awaiting_user_id"] is None
    assert Playdate.objects.get().status == "pending"
