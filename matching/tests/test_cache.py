"""Kept suggestions (matching.cache): served again only while nothing they depend on changed.

Each test asks once, so that the answer is kept, changes one thing the way owners, moderators or
the admin would, and asks again: the change must show at once. A change out of reach must not
throw the kept answer away (it is served with two queries instead of six).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from matching.tests.helpers import (
    HOME,
    block_url,
    matches_url,
    offset,
    pass_url,
    pet_of,
    place,
    prefer,
)
from pets import services as pet_services
from pets.models import Pet, Species

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _kept(settings):
    settings.MATCHES_CACHE = True


def ask(client: Any, pet: Pet) -> tuple[dict[str, Any], int]:
    """The suggestions for `pet`, and how many queries answering took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(matches_url(pet.pk))
    assert response.status_code == 200, response.json()
    return response.json(), len(queries)


def suggested(body: dict[str, Any]) -> list[int]:
    return [suggestion["pet"]["id"] for suggestion in body["results"]]


@pytest.fixture
def scene(owner, friend, client_for):
    """My pet at HOME, the friend's pet 1 km north, both keen on each other."""
    mine = pet_of(place(owner, HOME), reach_km=10.0)
    theirs = pet_of(place(friend, offset(1.0, 0.0)), reach_km=10.0, name="Rex")
    client = client_for(owner)
    first, _ = ask(client, mine)
    assert suggested(first) == [theirs.pk]
    return mine, theirs, client


def test_an_unchanged_answer_is_served_again_with_two_queries(scene):
    # given
    mine, theirs, client = scene

    # when
    again, queries = ask(client, mine)

    # then: the token's user and session, and the counters
    assert suggested(again) == [theirs.pk]
    assert queries == 2


def test_a_change_out_of_reach_keeps_the_answer(scene, make_user):
    # given
    mine, theirs, client = scene

    # when: a new pet 300 km away, far outside every cell under my pet's reach
    pet_of(place(make_user(), offset(300.0, 0.0)))
    again, queries = ask(client, mine)

    # then
    assert suggested(again) == [theirs.pk]
    assert queries == 2


def test_a_new_pet_within_reach_shows_at_once(scene, make_user):
    # given
    mine, theirs, client = scene

    # when
    newcomer = pet_of(place(make_user(), offset(0.5, 0.0)))
    again, queries = ask(client, mine)

    # then
    assert sorted(suggested(again)) == sorted([theirs.pk, newcomer.pk])
    assert queries > 2


def test_a_pass_takes_effect_at_once(scene):
    # given
    mine, theirs, client = scene

    # when
    assert client.post(pass_url(mine.pk, theirs.pk)).status_code == 204
    again, _ = ask(client, mine)

    # then
    assert suggested(again) == []


@pytest.mark.parametrize("blocker", ["me", "them"])
def test_a_block_either_way_takes_effect_at_once(scene, owner, friend, client_for, blocker):
    # given
    mine, _, client = scene
    by, target = (owner, friend) if blocker == "me" else (friend, owner)

    # when
    assert client_for(by).post(block_url(target.pk)).status_code in (200, 201, 204)
    again, _ = ask(client, mine)

    # then
    assert suggested(again) == []


def test_a_suspension_takes_effect_at_once(scene, friend):
    # given
    mine, _, client = scene

    # when: as a moderator in the admin would
    User.objects.filter(pk=friend.pk).update(suspended_at=timezone.now())
    again, _ = ask(client, mine)

    # then
    assert suggested(again) == []


def test_their_pet_leaving_takes_effect_at_once(scene):
    # given
    mine, theirs, client = scene

    # when
    pet_services.pet_deactivate(pet=theirs)
    again, _ = ask(client, mine)

    # then
    assert suggested(again) == []


def test_their_changed_wishes_take_effect_at_once(scene):
    # given: my pet is a dog
    mine, theirs, client = scene

    # when
    prefer(theirs, species=[Species.CAT])
    again, _ = ask(client, mine)

    # then
    assert suggested(again) == []


def test_their_owner_moving_away_takes_effect_at_once(scene, friend, client_for):
    # given
    mine, _, client = scene
    far = offset(40.0, 0.0)

    # when
    response = client_for(friend).patch(
        "/api/v1/me", {"latitude": far[0], "longitude": far[1]}, content_type="application/json"
    )
    again, _ = ask(client, mine)

    # then
    assert response.status_code == 200, response.json()
    assert suggested(again) == []


def test_their_renamed_pet_and_owner_show_at_once(scene, friend):
    # given
    mine, theirs, client = scene

    # when
    pet_services.pet_update(pet=theirs, name="Max")
    account_services.user_update(user=friend, username="rex_and_max")
    again, _ = ask(client, mine)

    # then
    [suggestion] = again["results"]
    assert suggestion["pet"]["name"] == "Max"
    assert suggestion["owner"]["username"] == "rex_and_max"


def test_my_own_narrower_reach_takes_effect_at_once(scene):
    # given: the friend's pet is 1 km away
    mine, _, client = scene

    # when
    prefer(mine, max_distance_km=0.5)
    again, _ = ask(client, mine)

    # then
    assert suggested(again) == []


def test_my_pet_leaving_is_not_found_at_once(scene, owner):
    # given
    mine, _, client = scene

    # when
    pet_services.pet_deactivate(pet=mine)
    response = client.get(matches_url(mine.pk))

    # then
    assert response.status_code == 404


def test_a_kept_answer_is_for_its_owner_only(scene, stranger, client_for):
    # given: my answer is kept
    mine, _, _ = scene

    # when: someone else asks for my pet's suggestions
    response = client_for(stranger).get(matches_url(mine.pk))

    # then
    assert response.status_code == 404


def test_the_next_quarter_hour_is_scored_afresh(owner, friend, client_for):
    # given: an answer kept at 10:14 UTC
    mine = pet_of(place(owner, HOME), reach_km=10.0)
    pet_of(place(friend, offset(1.0, 0.0)), reach_km=10.0)
    with time_machine.travel(datetime(2030, 3, 4, 10, 14, tzinfo=UTC), tick=False):
        client = client_for(owner)
        before, _ = ask(client, mine)

    # when: asked again a minute later, in the next quarter hour
    with time_machine.travel(datetime(2030, 3, 4, 10, 15, tzinfo=UTC), tick=False):
        after, queries = ask(client, mine)

    # then: computed again, with slots from the new quarter hour
    assert queries > 2
    [slot_before] = before["results"][0]["suggested_slots"][:1]
    [slot_after] = after["results"][0]["suggested_slots"][:1]
    assert slot_before == "2030-03-04T10:15:00Z"
    assert slot_after == "2030-03-04T10:30:00Z"


def test_without_the_cache_every_request_is_computed(scene, settings):
    # given
    mine, theirs, client = scene
    settings.MATCHES_CACHE = False

    # when
    again, queries = ask(client, mine)

    # then: the token's user and session, the pet, the candidates
    assert suggested(again) == [theirs.pk]
    assert queries == 3


def test_a_kept_answer_lasts_the_rest_of_its_quarter_hour(owner, friend, client_for):
    # given: an answer kept at 10:14:30
    mine = pet_of(place(owner, HOME), reach_km=10.0)
    pet_of(place(friend, offset(1.0, 0.0)), reach_km=10.0)
    moment = datetime(2030, 3, 4, 10, 14, 30, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        client = client_for(owner)
        ask(client, mine)

    # when: the same quarter hour, 20 seconds later
    with time_machine.travel(moment + timedelta(seconds=20), tick=False):
        _, queries = ask(client, mine)

    # then: still kept
    assert queries == 2


@pytest.fixture
def redis_down(settings):
    """The shared Redis client pointed at a closed port."""
    from config import redis as shared_redis

    shared_redis.client.cache_clear()
    settings.REDIS_URLS = ["redis://127.0.0.1:1/0"]
    yield
    shared_redis.client.cache_clear()


def test_without_redis_answers_are_computed_not_refused(owner, friend, client_for, redis_down):
    # given
    mine = pet_of(place(owner, HOME), reach_km=10.0)
    theirs = pet_of(place(friend, offset(1.0, 0.0)), reach_km=10.0)

    # when
    body, queries = ask(client_for(owner), mine)

    # then: computed (the token's user, a transaction's pet, counters and candidates)
    assert suggested(body) == [theirs.pk]
    assert queries > 2
