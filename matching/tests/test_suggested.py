"""`match.suggested`: a new or changed pet is suggested, durably, to the pets nearby it suits.

Neighbours are made first (they suggest themselves to each other as they arrive); each test then
notes where the log stands and looks only at what the action under test recorded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Block, FeatureSwitch
from config import features
from matching import suggestions
from matching.models import Pass
from matching.tests.helpers import (
    ALL_WEEK,
    HOME,
    matches_url,
    offset,
    owner_at,
    pet_of,
    place,
    prefer,
)
from pets import services as pet_services
from pets.models import Pet
from pets.tests.helpers import PETS_URL, pet_url, preferences_url
from pets.tests.test_admin import pet_form, untouched_inline
from realtime import events
from realtime.models import Event

pytestmark = pytest.mark.django_db

# A Monday morning: every request of a test sees the same quarter hour, as one GET would.
MOMENT = datetime(2030, 3, 4, 10, 14, tzinfo=UTC)

# What the owner registers: a pet that suits the dogs the neighbours have (pet_of's defaults).
NEW_PET = {
    "name": "Biscuit",
    "species": "dog",
    "age": 3,
    "size": "medium",
    "energy": "high",
    "temperament": ["playful", "social"],
    "vaccinated": True,
    "bio": "New in town.",
}


@pytest.fixture
def frozen():
    with time_machine.travel(MOMENT, tick=False):
        yield


def log_position() -> int:
    return int(Event.objects.aggregate(last=Max("pk"))["last"] or 0)


def suggested_since(position: int) -> list[tuple[int, int, dict[str, Any]]]:
    """`match.suggested` recorded after `position`: (user id, seq, data), by user and seq."""
    return [
        (event.user_id, event.seq, event.data)
        for event in Event.objects.filter(pk__gt=position, kind="match.suggested").order_by(
            "user_id", "seq"
        )
    ]


def recipients(position: int) -> list[tuple[int, int]]:
    """(user id, for_pet_id) of each `match.suggested` after `position`, sorted."""
    return sorted((user_id, data["for_pet_id"]) for user_id, _, data in suggested_since(position))


def shown_to(client: Any, pet: Pet, suggested_pet_id: int) -> dict[str, Any]:
    """`suggested_pet_id`'s suggestion as `pet`'s GET /matches shows it."""
    response = client.get(matches_url(pet.pk))
    assert response.status_code == 200, response.json()
    [shown] = [s for s in response.json()["results"] if s["pet"]["id"] == suggested_pet_id]
    return shown  # type: ignore[no-any-return]


def test_a_new_pet_is_suggested_once_to_each_suitable_pet_nearby_as_its_matches_show_it(
    owner, friend, stranger, make_user, client_for, frozen
):
    # given: suitable pets 1 km and 2 km away (the stranger has two), and my own pet
    place(owner, HOME)
    mine_already = pet_of(owner)
    luna = pet_of(place(friend, offset(1.0, 0.0)), reach_km=10.0)
    rex = pet_of(place(stranger, offset(0.0, 2.0)), reach_km=10.0)
    tom = pet_of(stranger, reach_km=10.0)
    position = log_position()

    # when
    response = client_for(owner).post(PETS_URL, NEW_PET, format="json")

    # then: one event for each of their pets, the stranger's two with consecutive seqs
    assert response.status_code == 201
    biscuit_id = response.json()["id"]
    assert recipients(position) == sorted(
        [(friend.pk, luna.pk), (stranger.pk, rex.pk), (stranger.pk, tom.pk)]
    )
    assert mine_already.pk not in {pet for _, pet in recipients(position)}
    stranger_seqs = [seq for user, seq, _ in suggested_since(position) if user == stranger.pk]
    assert stranger_seqs == [stranger_seqs[0], stranger_seqs[0] + 1]
    assert events.last_seq(stranger.pk) == stranger_seqs[-1]
    # and each suggestion is exactly what that pet's suggestions show of the new pet
    for user, pet in [(friend, luna), (stranger, rex), (stranger, tom)]:
        [(_, _, data)] = [
            entry for entry in suggested_since(position) if entry[2]["for_pet_id"] == pet.pk
        ]
        assert data == {
            "for_pet_id": pet.pk,
            "suggestion": shown_to(client_for(user), pet, biscuit_id),
        }


def test_pets_that_would_never_see_the_new_pet_are_not_told(owner, make_user, client_for, frozen):
    # given: beyond the new pet's 5 km, wanting only cats, blocked either way, suspended
    place(owner, HOME)
    pet_of(owner_at(offset(6.0, 0.0)), reach_km=50.0)
    cats_only = pet_of(owner_at(offset(1.0, 0.0)))
    prefer(cats_only, species=["cat"])
    blocked, blocker = owner_at(offset(1.0, 0.0)), owner_at(offset(1.0, 0.0))
    pet_of(blocked)
    pet_of(blocker)
    Block.objects.create(blocker=owner, blocked=blocked)
    Block.objects.create(blocker=blocker, blocked=owner)
    pet_of(owner_at(offset(1.0, 0.0), suspended_at=timezone.now()))
    position = log_position()

    # when
    response = client_for(owner).post(PETS_URL, NEW_PET, format="json")

    # then
    assert response.status_code == 201
    assert suggested_since(position) == []


def test_a_poor_match_nearby_is_not_told(owner, friend, client_for, frozen):
    # given: a pet that lets the new one through every hard filter, but is at the edge of its
    # reach, never free at the weekend, small, calm, dominant and 15
    place(owner, HOME)
    poor = pet_of(
        place(friend, offset(4.5, 0.0)),
        size="small",
        energy="low",
        age=15,
        temperament=["dominant"],
    )
    prefer(poor, availability=[{"weekday": 1, "start": "07:00", "end": "08:00"}])
    position = log_position()

    # when
    response = client_for(owner).post(PETS_URL, NEW_PET, format="json")

    # then
    assert response.status_code == 201
    assert suggested_since(position) == []


@pytest.mark.parametrize(
    "edit", [{"bio": "Now loves the beach too."}, {"name": "Rex"}, {"breed": "Poodle"}]
)
def test_an_edit_that_matching_does_not_read_tells_nobody(owner, friend, client_for, edit, frozen):
    # given
    mine = pet_of(place(owner, HOME))
    pet_of(place(friend, offset(1.0, 0.0)))
    position = log_position()

    # when
    response = client_for(owner).patch(pet_url(mine.pk), edit, format="json")

    # then
    assert response.status_code == 200
    assert suggested_since(position) == []


def test_a_preference_change_that_makes_my_pet_suitable_tells_the_pet_it_now_suits(
    owner, friend, client_for, frozen
):
    # given: my pet wanted only cats; the friend's dog is 1 km away
    mine = pet_of(place(owner, HOME))
    prefer(mine, species=["cat"])
    luna = pet_of(place(friend, offset(1.0, 0.0)))
    position = log_position()
    wishes = {
        "max_distance_km": 10.0,
        "species": ["dog", "cat"],
        "sizes": ["small", "medium", "large"],
        "energy": ["low", "medium", "high"],
        "min_age": 0,
        "max_age": 20,
        "require_vaccinated": True,
        "availability": ALL_WEEK,
    }

    # when
    response = client_for(owner).put(preferences_url(mine.pk), wishes, format="json")

    # then
    assert response.status_code == 200
    [(user, _, data)] = suggested_since(position)
    assert user == friend.pk
    assert data == {
        "for_pet_id": luna.pk,
        "suggestion": shown_to(client_for(friend), luna, mine.pk),
    }

    # and the same preferences again change nothing and tell nobody
    position = log_position()
    again = client_for(owner).put(preferences_url(mine.pk), wishes, format="json")
    assert again.status_code == 200
    assert suggested_since(position) == []


def test_a_trait_change_that_makes_my_pet_suitable_tells_the_pet_it_now_suits(
    owner, friend, client_for, frozen
):
    # given: the friend's pet wants small dogs; mine is medium
    mine = pet_of(place(owner, HOME))
    luna = pet_of(place(friend, offset(1.0, 0.0)))
    prefer(luna, sizes=["small"])
    position = log_position()

    # when
    response = client_for(owner).patch(pet_url(mine.pk), {"size": "small"}, format="json")

    # then
    assert response.status_code == 200
    assert recipients(position) == [(friend.pk, luna.pk)]


def test_a_pet_that_passed_on_mine_is_not_told_of_it_again(owner, friend, stranger, frozen):
    # given: two dogs nearby, one of which passed on mine
    mine = pet_of(place(owner, HOME))
    luna = pet_of(place(friend, offset(1.0, 0.0)))
    rex = pet_of(place(stranger, offset(1.0, 0.0)))
    Pass.objects.create(pet=luna, other=mine)
    position = log_position()

    # when
    pet_services.pet_update(pet=mine, age=4)

    # then
    assert recipients(position) == [(stranger.pk, rex.pk)]


def test_retiring_a_pet_tells_nobody_and_bringing_it_back_does(owner, friend, frozen):
    # given
    mine = pet_of(place(owner, HOME))
    luna = pet_of(place(friend, offset(1.0, 0.0)))
    position = log_position()

    # when: retired
    pet_services.pet_deactivate(pet=mine)

    # then
    assert suggested_since(position) == []

    # when: back
    pet_services.pet_update(pet=mine, is_active=True)

    # then
    assert recipients(position) == [(friend.pk, luna.pk)]


def create_then_fail(owner: Any) -> None:
    with transaction.atomic():
        pet_services.pet_create(owner=owner, **NEW_PET)  # type: ignore[arg-type]
        raise RuntimeError("failed after the pet was saved")


def test_a_change_that_fails_leaves_no_suggestion_behind(owner, friend, frozen):
    # given
    place(owner, HOME)
    pet_of(place(friend, offset(1.0, 0.0)))
    position, seq = log_position(), events.last_seq(friend.pk)

    # when: the pet is saved and suggested, then the change fails
    with pytest.raises(RuntimeError, match="after the pet"):
        create_then_fail(owner)

    # then: nothing recorded, no seq used
    assert suggested_since(position) == []
    assert events.last_seq(friend.pk) == seq
    assert not Pet.objects.filter(name="Biscuit").exists()


@pytest.mark.parametrize("neighbours", [3, 40])
def test_the_fan_out_costs_the_same_queries_whatever_the_number_of_recipients(
    owner, make_user, django_assert_max_num_queries, neighbours, frozen
):
    # given
    place(owner, HOME)
    for index in range(neighbours):
        pet_of(owner_at(offset(0.02 * index, 0.01 * index)))
    position = log_position()

    # when: the pet and its preferences in a savepoint; the pet as matching reads it, its
    # candidates, the passes on it, every recipient's next seqs, the events, the day's count of
    # suggestions shown, the moderators' activity item
    with django_assert_max_num_queries(11):
        pet_services.pet_create(owner=owner, **NEW_PET)  # type: ignore[arg-type]

    # then
    assert len(suggested_since(position)) == neighbours


def test_the_fan_out_stops_at_the_nearest_pets(owner, make_user, settings, monkeypatch, frozen):
    # given: five suitable pets at 1 to 5 km, and a fan-out of three
    place(owner, HOME)
    nearest = [pet_of(owner_at(offset(float(km), 0.0))).pk for km in range(1, 6)][:3]
    monkeypatch.setattr(suggestions, "FAN_OUT", 3)
    position = log_position()

    # when
    pet_services.pet_create(owner=owner, **NEW_PET)  # type: ignore[arg-type]

    # then
    assert sorted(pet for _, pet in recipients(position)) == nearest


def test_owners_without_a_location_tell_nobody(owner, friend):
    # given
    place(owner, None)
    pet_of(place(friend, HOME))
    position = log_position()

    # when
    pet = pet_services.pet_create(owner=owner, **NEW_PET)  # type: ignore[arg-type]

    # then
    assert pet.pk is not None
    assert suggested_since(position) == []


def test_a_pet_added_or_changed_in_the_admin_is_suggested_like_one_from_the_api(
    owner, friend, make_user, client, frozen
):
    # given: a suitable pet 1 km away, and a moderator in the admin
    place(owner, HOME)
    luna = pet_of(place(friend, offset(1.0, 0.0)), reach_km=10.0)
    staff = make_user(email="root@example.com", username="root", is_staff=True)
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    form = {
        **pet_form(owner.pk, temperament='["playful", "social"]', vaccinated="on"),
        **untouched_inline(),
    }
    position = log_position()

    # when: added
    response = client.post("/admin/pets/pet/add/", form)

    # then
    assert response.status_code == 302
    assert recipients(position) == [(friend.pk, luna.pk)]

    # when: deactivated, then reactivated there
    added = Pet.objects.get(owner=owner, name="Rex")
    change_url = f"/admin/pets/pet/{added.pk}/change/"
    inactive = {key: value for key, value in form.items() if key != "is_active"}
    assert client.post(change_url, {**inactive, **_inline_ids(added)}).status_code == 302
    position = log_position()
    response = client.post(change_url, {**form, **_inline_ids(added)})

    # then: suggested again, as a reactivated pet is
    assert response.status_code == 302
    assert recipients(position) == [(friend.pk, luna.pk)]


def _inline_ids(pet: Pet) -> dict[str, str | list[str]]:
    """The change form's inline for the pet's existing preferences (dogs of any size and
    energy, as the defaults)."""
    return {
        "preferences-INITIAL_FORMS": "1",
        "preferences-0-pet": str(pet.pk),
        "preferences-0-species": ["dog"],
        "preferences-0-sizes": ["small", "medium", "large"],
        "preferences-0-energy": ["low", "medium", "high"],
    }


def test_live_suggestions_switched_off_tell_nobody_and_a_percentage_tells_its_share(
    owner, friend, stranger, client_for, frozen
):
    # given: two owners nearby whose pets the new pet suits
    place(owner, HOME)
    luna = pet_of(place(friend, offset(1.0, 0.0)), reach_km=10.0)
    rex = pet_of(place(stranger, offset(0.0, 2.0)), reach_km=10.0)
    FeatureSwitch.objects.create(name="live_suggestions", state="off")
    features.forget()
    position = log_position()

    # when: switched off
    assert client_for(owner).post(PETS_URL, NEW_PET, format="json").status_code == 201

    # then
    assert recipients(position) == []

    # when: on for a share of owners, and another pet arrives
    FeatureSwitch.objects.filter(name="live_suggestions").update(state="percent", percent=50)
    features.forget()
    position = log_position()
    assert (
        client_for(owner).post(PETS_URL, {**NEW_PET, "name": "Pip"}, format="json").status_code
        == 201
    )

    # then: exactly the owners inside the share
    inside = [
        (user.pk, pet.pk)
        for user, pet in [(friend, luna), (stranger, rex)]
        if features.enabled("live_suggestions", user.pk)
    ]
    assert recipients(position) == sorted(inside)
