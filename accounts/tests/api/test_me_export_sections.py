"""GET /api/v1/me/export: the sections the apps above accounts register (pets, passes, playdates,
messages, read marks, the event log), with exact values, and a bounded number of queries."""

from __future__ import annotations

from typing import Any

import pytest

from accounts import exports
from accounts.models import User
from accounts.tests.helpers import EXPORT_URL
from matching import playdate_services
from matching.models import Pass, Playdate
from matching.tests.playdate_helpers import expected, in_days, invite, iso, pet_for
from pets import services as pet_services
from pets.models import Pet
from realtime import chat_services
from realtime.models import ChatRead, Event
from realtime.tests.chat_helpers import forget_events, send, shown

pytestmark = pytest.mark.django_db

DEFAULT_PREFERENCES = {
    "max_distance_km": 5.0,
    "sizes": ["small", "medium", "large"],
    "energy": ["low", "medium", "high"],
    "min_age": 0,
    "max_age": 40,
    "require_vaccinated": True,
    "availability": [
        {"weekday": 5, "start": "10:00", "end": "17:00"},
        {"weekday": 6, "start": "10:00", "end": "17:00"},
    ],
}


def pet_record(pet: Pet, **fields: Any) -> dict[str, Any]:
    """A pet made by PetFactory, as the export shows it; timestamps read back."""
    pet.refresh_from_db()
    return {
        "id": pet.pk,
        "owner_id": pet.owner_id,
        "breed": "Beagle",
        "age": 3,
        "size": "medium",
        "energy": "high",
        "temperament": ["playful", "social"],
        "vaccinated": True,
        "bio": "Loves the park.",
        "created_at": iso(pet.created_at),
        "updated_at": iso(pet.updated_at),
        **fields,
    }


def event_rows(user: User) -> list[dict[str, Any]]:
    return [
        {
            "seq": event.seq,
            "kind": event.kind,
            "data": event.data,
            "created_at": iso(event.created_at),
        }
        for event in Event.objects.filter(user_id=user.pk).order_by("seq")
    ]


def test_export_holds_the_pets_passes_playdates_messages_and_event_log(
    owner, friend, stranger, client_for
):
    # given: the owner's dog with its own wishes, a cat retired since, a pass; the friend's dog
    rex = pet_for(owner, name="Rex")
    pet_services.preferences_replace(
        pet=rex,
        max_distance_km=12.5,
        species=["dog", "cat"],
        sizes=["small", "large"],
        energy=["high"],
        min_age=1,
        max_age=9,
        require_vaccinated=False,
        availability=[{"weekday": 2, "start": "18:00", "end": "20:00"}],
    )
    whiskers = pet_for(owner, name="Whiskers", species="cat")
    pet_services.pet_deactivate(pet=whiskers)
    luna = pet_for(friend, name="Luna")
    tom = pet_for(stranger, name="Tom")
    passed = Pass.objects.create(pet=rex, other=tom)
    Pass.objects.create(pet=luna, other=rex)  # the friend's own choice, not the owner's
    forget_events()
    # a playdate each way, one accepted; a conversation; one someone else's
    sent = invite(rex, luna, in_days(2), message="Park?")
    received = invite(luna, rex, in_days(3))
    playdate_services.playdate_accept(user=owner, playdate_id=received.pk)
    hello = send(owner, sent, "Hello!")
    reply = send(friend, sent, "Hi there!")
    chat_services.messages_read(user=owner, playdate_id=sent.pk, message_id=reply.pk)
    chat_services.messages_read(user=friend, playdate_id=sent.pk, message_id=hello.pk)
    invite(tom, luna, in_days(4))

    # when
    response = client_for(owner).get(EXPORT_URL)

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["pets"] == [
        pet_record(
            rex,
            name="Rex",
            species="dog",
            is_active=True,
            preferences={
                "max_distance_km": 12.5,
                "species": ["dog", "cat"],
                "sizes": ["small", "large"],
                "energy": ["high"],
                "min_age": 1,
                "max_age": 9,
                "require_vaccinated": False,
                "availability": [{"weekday": 2, "start": "18:00", "end": "20:00"}],
            },
        ),
        pet_record(
            whiskers,
            name="Whiskers",
            species="cat",
            is_active=False,
            preferences={**DEFAULT_PREFERENCES, "species": ["cat"]},
        ),
    ]
    assert body["passes"] == [
        {"pet_id": rex.pk, "other_pet_id": tom.pk, "created_at": iso(passed.created_at)}
    ]
    assert body["playdates"] == [
        expected(received, status="accepted", awaiting_user_id=None),
        expected(sent, status="pending", awaiting_user_id=friend.pk, message="Park?"),
    ]
    assert body["messages"] == [shown(hello, sender_id=owner.pk, sender_name="owner")]
    read = ChatRead.objects.get(user=owner)
    assert body["chat_reads"] == [
        {"playdate_id": sent.pk, "message_id": reply.pk, "updated_at": iso(read.updated_at)}
    ]
    assert [event["kind"] for event in body["events"]["held"]] == [
        "playdate.invited",
        "playdate.invited",
        "playdate.updated",
        "chat.message",
        "chat.message",
        "chat.read",
        "chat.read",
    ]
    assert body["events"] == {"last_seq": 7, "held": event_rows(owner)}


def test_a_pet_without_preferences_is_exported_with_none(owner, client_for):
    # given: a pet added in the admin, which never had preferences
    pet = Pet.objects.create(
        owner=owner, name="Bun", species="rabbit", age=1, size="small", energy="low"
    )

    # when
    body = client_for(owner).get(EXPORT_URL).json()

    # then
    assert [(record["id"], record["preferences"]) for record in body["pets"]] == [(pet.pk, None)]


def test_export_of_a_new_owner_has_empty_sections(owner, client_for):
    body = client_for(owner).get(EXPORT_URL).json()

    assert body["pets"] == []
    assert body["passes"] == []
    assert body["playdates"] == []
    assert body["messages"] == []
    assert body["chat_reads"] == []
    assert body["events"] == {"last_seq": 0, "held": []}


def test_export_shows_a_hidden_message_of_the_owner_as_hidden(owner, friend, client_for):
    # given: a moderator hid one of the owner's messages from the conversation
    playdate = invite(pet_for(owner), pet_for(friend))
    kept, hidden = send(owner, playdate, "Fine"), send(owner, playdate, "Rude")
    hidden.hidden_at = hidden.created_at
    hidden.save(update_fields=["hidden_at"])

    # when
    body = client_for(owner).get(EXPORT_URL).json()

    # then: the service still holds it, so the export shows it
    assert [(m["id"], m["body"], m["hidden"]) for m in body["messages"]] == [
        (kept.pk, "Fine", False),
        (hidden.pk, "Rude", True),
    ]


def test_export_query_count_does_not_grow_with_pets_playdates_or_messages(
    owner, make_user, client_for, django_assert_max_num_queries
):
    # given: three pets, each with a playdate with another owner, messages both ways, read
    client = client_for(owner)
    for number in range(3):
        other = make_user(email=f"o{number}@example.com")
        mine, theirs = pet_for(owner), pet_for(other)
        Pass.objects.create(pet=mine, other=pet_for(make_user(email=f"p{number}@example.com")))
        playdate = invite(mine, theirs)
        send(owner, playdate, "Hello")
        answer = send(other, playdate, "Hi")
        chat_services.messages_read(user=owner, playdate_id=playdate.pk, message_id=answer.pk)

    # when: authentication, then one query per section (none for the profile, two for the
    # event log)
    with django_assert_max_num_queries(1 + len(exports.sections())):
        response = client.get(EXPORT_URL)

    # then
    body = response.json()
    assert (len(body["pets"]), len(body["passes"]), len(body["playdates"])) == (3, 3, 3)
    assert (len(body["messages"]), len(body["chat_reads"])) == (3, 3)
    assert Playdate.objects.count() == 3
