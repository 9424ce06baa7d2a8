"""GET /api/v1/moderation/activity: what owners and moderators did, newest first, written by
the real actions in their own transactions, and told to each moderator as a durable
`moderation.activity` event (CONTRACT.md, Moderation and metrics)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.metros import metro_at
from accounts.models import User
from accounts.tests.helpers import REGISTER_URL, assert_error
from matching.models import Playdate
from matching.tests.playdate_helpers import (
    PLAYDATES_URL,
    action_url,
    in_days,
    invite,
    iso,
    pet_for,
)
from realtime import activity, doorbell
from realtime.models import Activity, Event, EventCursor, Message, ModerationAction
from realtime.tests.chat_helpers import logged, messages_url, send
from realtime.tests.moderation_helpers import (
    AUDIT_URL,
    QUEUE_URL,
    REPORTS_URL,
    file_report,
    moderation_state,
    report_url,
    resolve_url,
    suspend_url,
    unsuspend_url,
)
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ACTIVITY_URL = "/api/v1/moderation/activity"
FEEDBACK_URL = "/api/v1/moderation/feedback"
# As DRF renders a moment: UTC, "Z", microseconds when there are any.
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")

BROOKLYN = (40.6782, -73.9442)
CAMDEN = (51.5390, -0.1426)


@pytest.fixture(autouse=True)
def _no_moderators_remembered():
    """Each test asks who the moderators are: a previous test's cached ids are not its own."""
    activity.moderators.forget()


@pytest.fixture
def owner(make_user):
    """The owner persona, in Brooklyn (metro "new-york")."""
    return make_user(
        email="owner@example.com",
        username="owner",
        latitude=BROOKLYN[0],
        longitude=BROOKLYN[1],
        metro=metro_at(*BROOKLYN),
    )


@pytest.fixture
def friend(make_user):
    """The friend persona, in Camden (metro "london")."""
    return make_user(
        email="friend@example.com",
        username="friend",
        location="Camden, London",
        latitude=CAMDEN[0],
        longitude=CAMDEN[1],
        time_zone="Europe/London",
        metro=metro_at(*CAMDEN),
    )


@pytest.fixture
def second_moderator(make_user):
    return make_user(email="mod2@example.com", username="mod2", role="moderator")


@pytest.fixture
def rung(monkeypatch):
    """Every doorbell rung (after commit), as (group, message); nothing reaches Redis."""
    rings: list[tuple[str, dict[str, Any]]] = []

    def ring(messages):
        rings.extend(messages.items())
        return [None] * len(messages)

    monkeypatch.setattr(doorbell, "ring", ring)
    return rings


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs a request as if its transaction committed: what it left for after commit runs."""

    def run(request):
        with django_capture_on_commit_callbacks(execute=True):
            return request()

    return run


def told(rung, user) -> list[tuple[str, int]]:
    """(kind, seq) of the frames the user's doorbell carried, in order."""
    return [
        (frame["type"], frame["seq"])
        for group, message in rung
        if group == f"user.{user.pk}"
        for frame in message.get("frames", [])
    ]


def forget_activity() -> None:
    """Drops what the test's setup wrote: the feed and the logs start with the action itself."""
    Activity.objects.all().delete()
    Event.objects.all().delete()
    EventCursor.objects.all().delete()


def shown(
    *,
    kind: str,
    actor: User | None,
    subject: tuple[str, int],
    target: User | None,
    summary: str,
    metro: str,
) -> dict[str, Any]:
    """The feed item of the one row of `kind`: its id and time read back, the rest as given."""
    row = Activity.objects.get(kind=kind)
    return {
        "id": row.pk,
        "kind": kind,
        "actor_id": actor.pk if actor is not None else None,
        "subject": {"type": subject[0], "id": subject[1]},
        "target_user_id": target.pk if target is not None else None,
        "summary": summary,
        "metro": metro,
        "created_at": iso(row.created_at),
    }


def feed(client, **params: Any) -> dict[str, Any]:
    response = client.get(ACTIVITY_URL, params)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def activity_events(user: User) -> list[tuple[int, dict[str, Any]]]:
    return [(seq, data) for seq, kind, data in logged(user) if kind == "moderation.activity"]


def assert_told_to_moderators(moderators: list[User], items: list[dict[str, Any]]) -> None:
    """Each moderator's log holds one `moderation.activity` per item, oldest first, its data
    the feed's own item."""
    oldest_first = list(reversed(items))
    for moderator in moderators:
        assert activity_events(moderator) == [
            (seq, {"activity": item}) for seq, item in enumerate(oldest_first, start=1)
        ]


def written() -> dict[str, Any]:
    """Everything a moderation, playdate or chat action could write, to compare before and after."""
    return {
        **moderation_state(),
        "playdates": list(Playdate.objects.order_by("pk").values()),
        "messages": list(Message.objects.order_by("pk").values()),
        "cursors": list(EventCursor.objects.order_by("pk").values()),
    }


# --- each kind, written by the real action -----------------------------------------------


def test_registering_is_in_the_feed_with_the_new_owners_metro(
    api_client, client_for, moderator, second_moderator, owner, rung, committed
):
    # when: someone signs up in Brooklyn
    started = timezone.now()
    response = committed(
        lambda: api_client.post(
            REGISTER_URL,
            {
                "email": "rex@example.com",
                "username": "rex_owner",
                "password": PASSWORD,
                "location": "Brooklyn, NY",
                "latitude": BROOKLYN[0],
                "longitude": BROOKLYN[1],
            },
            format="json",
        )
    )

    # then
    assert response.status_code == 201, response.content
    newcomer = User.objects.get(email="rex@example.com")
    item = shown(
        kind="user.registered",
        actor=newcomer,
        subject=("user", newcomer.pk),
        target=None,
        summary="rex_owner joined in Brooklyn, NY",
        metro="new-york",
    )
    body = feed(client_for(moderator))
    assert body == {"results": [item], "next": None}
    assert TIMESTAMP.fullmatch(item["created_at"])
    assert started <= Activity.objects.get().created_at <= timezone.now()
    assert_told_to_moderators([moderator, second_moderator], [item])
    assert told(rung, moderator) == [("moderation.activity", 1)]
    assert told(rung, second_moderator) == [("moderation.activity", 1)]
    assert activity_events(owner) == []
    assert activity_events(newcomer) == []


def test_registering_without_a_place_has_no_metro(api_client, client_for, moderator):
    response = api_client.post(
        REGISTER_URL,
        {"email": "nomad@example.com", "username": "nomad", "password": PASSWORD},
        format="json",
    )

    assert response.status_code == 201, response.content
    newcomer = User.objects.get(email="nomad@example.com")
    assert feed(client_for(moderator))["results"] == [
        shown(
            kind="user.registered",
            actor=newcomer,
            subject=("user", newcomer.pk),
            target=None,
            summary="nomad joined",
            metro="",
        )
    ]


def test_adding_a_pet_is_in_the_feed(client_for, owner, moderator, rung, committed):
    # when
    response = committed(
        lambda: client_for(owner).post(
            "/api/v1/pets/",
            {"name": "Rex", "species": "dog", "age": 3, "size": "medium", "energy": "high"},
            format="json",
        )
    )

    # then
    assert response.status_code == 201, response.content
    item = shown(
        kind="pet.created",
        actor=owner,
        subject=("pet", response.json()["id"]),
        target=None,
        summary="owner added Rex (dog)",
        metro="new-york",
    )
    assert feed(client_for(moderator)) == {"results": [item], "next": None}
    assert_told_to_moderators([moderator], [item])
    assert told(rung, moderator) == [("moderation.activity", 1)]
    assert activity_events(owner) == []


def test_inviting_is_in_the_feed_with_the_invitee_as_target(
    client_for, owner, friend, moderator, second_moderator, rung, committed
):
    # given
    mine, theirs = pet_for(owner), pet_for(friend)
    forget_activity()

    # when
    response = committed(
        lambda: client_for(owner).post(
            PLAYDATES_URL,
            {"from_pet": mine.pk, "to_pet": theirs.pk, "date_time": iso(in_days(2))},
            format="json",
        )
    )

    # then: the inviter's metro, not the invitee's
    assert response.status_code == 201, response.content
    playdate_id = response.json()["id"]
    item = shown(
        kind="playdate.invited",
        actor=owner,
        subject=("playdate", playdate_id),
        target=friend,
        summary=f"owner invited playdate {playdate_id} with owner {friend.pk}",
        metro="new-york",
    )
    assert feed(client_for(moderator)) == {"results": [item], "next": None}
    assert_told_to_moderators([moderator, second_moderator], [item])
    assert told(rung, moderator) == [("moderation.activity", 1)]
    assert told(rung, friend) == [("playdate.invited", 1)]
    assert activity_events(owner) == activity_events(friend) == []


@pytest.mark.parametrize(
    ("who", "action", "kind", "verb"),
    [
        ("friend", "accept", "playdate.accepted", "accepted"),
        ("friend", "decline", "playdate.declined", "declined"),
        ("owner", "cancel", "playdate.cancelled", "cancelled"),
        ("friend", "cancel", "playdate.cancelled", "cancelled"),
    ],
)
def test_answering_an_invitation_is_in_the_feed(
    client_for, owner, friend, moderator, rung, committed, who, action, kind, verb
):
    # given
    playdate = invite(pet_for(owner), pet_for(friend))
    forget_activity()
    actor, other = (friend, owner) if who == "friend" else (owner, friend)

    # when
    response = committed(lambda: client_for(actor).post(action_url(playdate.pk, action)))

    # then: the actor's metro, the other owner as target
    assert response.status_code == 200, response.content
    item = shown(
        kind=kind,
        actor=actor,
        subject=("playdate", playdate.pk),
        target=other,
        summary=f"{actor.username} {verb} playdate {playdate.pk} with owner {other.pk}",
        metro=actor.metro,
    )
    assert feed(client_for(moderator)) == {"results": [item], "next": None}
    assert_told_to_moderators([moderator], [item])
    assert told(rung, moderator) == [("moderation.activity", 1)]
    assert activity_events(owner) == activity_events(friend) == []


def test_countering_is_in_the_feed(client_for, owner, friend, moderator, rung, committed):
    # given
    playdate = invite(pet_for(owner), pet_for(friend))
    forget_activity()

    # when
    response = committed(
        lambda: client_for(friend).post(
            action_url(playdate.pk, "counter"), {"date_time": iso(in_days(3))}, format="json"
        )
    )

    # then
    assert response.status_code == 200, response.content
    item = shown(
        kind="playdate.countered",
        actor=friend,
        subject=("playdate", playdate.pk),
        target=owner,
        summary=f"friend countered playdate {playdate.pk} with owner {owner.pk}",
        metro="london",
    )
    assert feed(client_for(moderator)) == {"results": [item], "next": None}
    assert_told_to_moderators([moderator], [item])
    assert told(rung, moderator) == [("moderation.activity", 1)]


def test_a_chat_message_is_in_the_feed_without_its_text(
    client_for, owner, friend, moderator, rung, committed
):
    # given
    playdate = invite(pet_for(owner), pet_for(friend))
    forget_activity()

    # when
    response = committed(
        lambda: client_for(owner).post(
            messages_url(playdate.pk), {"body": "Park at 3?"}, format="json"
        )
    )

    # then
    assert response.status_code == 201, response.content
    item = shown(
        kind="chat.message",
        actor=owner,
        subject=("message", response.json()["id"]),
        target=None,
        summary=f"owner wrote in playdate {playdate.pk}",
        metro="new-york",
    )
    assert feed(client_for(moderator)) == {"results": [item], "next": None}
    assert_told_to_moderators([moderator], [item])
    assert told(rung, moderator) == [("moderation.activity", 1)]
    assert told(rung, owner) == [("chat.message", 1)]
    assert told(rung, friend) == [("chat.message", 1)]
    assert activity_events(owner) == activity_events(friend) == []


def test_reporting_is_in_the_feed_with_the_reported_owner_as_target(
    client_for, owner, friend, moderator, rung, committed
):
    # given: the owner wrote to the friend
    playdate = invite(pet_for(owner), pet_for(friend))
    message = send(owner, playdate, "Rude words")
    forget_activity()

    # when: the friend reports the message
    response = committed(
        lambda: client_for(friend).post(
            REPORTS_URL,
            {"target_type": "message", "target_id": message.pk, "reason": "harassment"},
            format="json",
        )
    )

    # then
    assert response.status_code == 201, response.content
    item = shown(
        kind="report.filed",
        actor=friend,
        subject=("report", response.json()["id"]),
        target=owner,
        summary="friend reported a message for harassment",
        metro="london",
    )
    assert feed(client_for(moderator)) == {"results": [item], "next": None}
    assert_told_to_moderators([moderator], [item])
    assert told(rung, moderator) == [("moderation.activity", 1)]
    assert activity_events(owner) == activity_events(friend) == []


def test_suspending_and_unsuspending_are_in_the_feed(
    client_for, owner, moderator, second_moderator, rung, committed
):
    # given
    moderators_api = client_for(moderator)

    # when
    suspended = committed(
        lambda: moderators_api.post(suspend_url(owner.pk), {"note": "Spam"}, format="json")
    )
    unsuspended = committed(lambda: moderators_api.post(unsuspend_url(owner.pk)))

    # then: the moderator is the actor, the owner the subject and target (and its metro)
    assert suspended.status_code == 200, suspended.content
    assert unsuspended.status_code == 200, unsuspended.content
    items = [
        shown(
            kind="user.unsuspended",
            actor=moderator,
            subject=("user", owner.pk),
            target=owner,
            summary="mod lifted the suspension of owner",
            metro="new-york",
        ),
        shown(
            kind="user.suspended",
            actor=moderator,
            subject=("user", owner.pk),
            target=owner,
            summary="mod suspended owner",
            metro="new-york",
        ),
    ]
    assert feed(moderators_api) == {"results": items, "next": None}
    assert_told_to_moderators([moderator, second_moderator], items)
    assert told(rung, second_moderator) == [("moderation.activity", 1), ("moderation.activity", 2)]
    assert activity_events(owner) == []
    # the suspension closed the owner's sockets, after commit
    assert (f"user.{owner.pk}", {"type": "sockets.close", "code": 4403}) in rung


def test_dismissing_a_report_is_in_the_feed_and_the_reporter_hears_no_action(
    client_for, owner, friend, moderator, rung, committed
):
    # given
    report = file_report(friend, "user", owner.pk, reason="spam")
    forget_activity()

    # when
    response = committed(
        lambda: client_for(moderator).post(
            resolve_url(report.pk), {"action": "dismiss", "note": "Fine."}, format="json"
        )
    )

    # then
    assert response.status_code == 200, response.content
    report.refresh_from_db()
    item = shown(
        kind="report.resolved",
        actor=moderator,
        subject=("report", report.pk),
        target=owner,
        summary="mod resolved 1 report(s) of a user: dismiss",
        metro="new-york",
    )
    assert feed(client_for(moderator)) == {"results": [item], "next": None}
    assert_told_to_moderators([moderator], [item])
    assert logged(friend) == [
        (
            1,
            "report.reviewed",
            {
                "report": {
                    "id": report.pk,
                    "target": {"type": "user", "id": owner.pk},
                    "reason": "spam",
                    "status": "resolved",
                    "outcome": "no_action",
                    "reviewed_at": iso(report.resolved_at),  # type: ignore[arg-type]
                }
            },
        )
    ]
    assert logged(owner) == []


def test_hiding_a_reported_message_is_in_the_feed_before_the_resolution(
    client_for, owner, friend, moderator, second_moderator, rung, committed
):
    # given: the friend reported the owner's message
    playdate = invite(pet_for(owner), pet_for(friend))
    message = send(owner, playdate, "Rude words")
    report = file_report(friend, "message", message.pk, reason="harassment")
    forget_activity()

    # when
    response = committed(
        lambda: client_for(moderator).post(
            resolve_url(report.pk), {"action": "hide_message", "note": "Rude."}, format="json"
        )
    )

    # then: two items, newest first; every moderator is told both, in order
    assert response.status_code == 200, response.content
    report.refresh_from_db()
    items = [
        shown(
            kind="report.resolved",
            actor=moderator,
            subject=("report", report.pk),
            target=owner,
            summary="mod resolved 1 report(s) of a message: hide_message",
            metro="new-york",
        ),
        shown(
            kind="message.hidden",
            actor=moderator,
            subject=("message", message.pk),
            target=owner,
            summary=f"mod hid a message in playdate {playdate.pk}",
            metro="new-york",
        ),
    ]
    assert feed(client_for(moderator)) == {"results": items, "next": None}
    assert_told_to_moderators([moderator, second_moderator], items)
    hidden = {"playdate_id": playdate.pk, "message_id": message.pk}
    assert logged(owner) == [(1, "chat.hidden", hidden)]
    assert logged(friend) == [
        (1, "chat.hidden", hidden),
        (
            2,
            "report.reviewed",
            {
                "report": {
                    "id": report.pk,
                    "target": {"type": "message", "id": message.pk},
                    "reason": "harassment",
                    "status": "resolved",
                    "outcome": "action_taken",
                    "reviewed_at": iso(report.resolved_at),  # type: ignore[arg-type]
                }
            },
        ),
    ]
    assert told(rung, owner) == [("chat.hidden", 1)]
    assert told(rung, friend) == [("chat.hidden", 1), ("report.reviewed", 2)]
    assert [
        (audit.action, audit.target_type, audit.target_id, audit.report_id, audit.note)
        for audit in ModerationAction.objects.all()
    ] == [("hide_message", "message", message.pk, report.pk, "Rude.")]


def test_resolving_with_a_suspension_is_in_the_feed(
    client_for, owner, friend, moderator, rung, committed
):
    # given
    report = file_report(friend, "user", owner.pk, reason="unsafe_meeting")
    forget_activity()

    # when
    response = committed(
        lambda: client_for(moderator).post(
            resolve_url(report.pk), {"action": "suspend_user"}, format="json"
        )
    )

    # then
    assert response.status_code == 200, response.content
    items = [
        shown(
            kind="report.resolved",
            actor=moderator,
            subject=("report", report.pk),
            target=owner,
            summary="mod resolved 1 report(s) of a user: suspend_user",
            metro="new-york",
        ),
        shown(
            kind="user.suspended",
            actor=moderator,
            subject=("user", owner.pk),
            target=owner,
            summary="mod suspended owner",
            metro="new-york",
        ),
    ]
    assert feed(client_for(moderator)) == {"results": items, "next": None}
    assert_told_to_moderators([moderator], items)
    assert User.objects.get(pk=owner.pk).suspended_at is not None


def test_a_moderator_named_in_process_is_told_of_the_very_next_activity(
    client_for, owner, moderator, stranger
):
    # given: the moderators are known (and cached) ...
    client_for(owner).post(
        "/api/v1/pets/",
        {"name": "Rex", "species": "dog", "age": 3, "size": "medium", "energy": "high"},
        format="json",
    )
    assert list(Event.objects.values_list("user_id", "kind")) == [
        (moderator.pk, "moderation.activity")
    ]

    # when: ... and the stranger is made a moderator in this process
    stranger.role = User.Role.MODERATOR
    stranger.save(update_fields=["role"])
    response = client_for(owner).post(
        "/api/v1/pets/",
        {"name": "Ada", "species": "cat", "age": 2, "size": "small", "energy": "low"},
        format="json",
    )

    # then
    assert response.status_code == 201, response.content
    [item] = feed(client_for(moderator), kind="pet.created", limit=1)["results"]
    assert activity_events(stranger) == [(1, {"activity": item})]


@pytest.mark.django_db(transaction=True)
def test_a_moderator_deleted_outright_does_not_break_the_next_action(
    client_for, owner, moderator, second_moderator
):
    # given: the moderators are known (and cached) ...
    pet = {"species": "dog", "age": 3, "size": "medium", "energy": "high"}
    api = client_for(owner)
    assert api.post("/api/v1/pets/", {"name": "Rex", **pet}, format="json").status_code == 201

    # when: ... and one of them is deleted outright, as the admin's delete does (a moderator
    # who never acted: the audit log protects the others), then the owner acts again
    User.objects.get(pk=second_moderator.pk).delete()
    response = api.post("/api/v1/pets/", {"name": "Ada", **pet}, format="json")

    # then: the pet is added and the remaining moderator told
    assert response.status_code == 201, response.content
    assert [kind for _, kind, _ in logged(moderator)] == ["moderation.activity"] * 2


# --- filters and pages ------------------------------------------------------------------


@pytest.fixture
def two_cities(api_client, client_for):
    """Alice (New York) and Bob (London) sign up, each adds a pet, Alice invites Bob's pet and
    Bob accepts: six items, all through the API."""

    def sign_up(name: str, point: tuple[float, float]) -> tuple[User, Any]:
        response = api_client.post(
            REGISTER_URL,
            {
                "email": f"{name}@example.com",
                "username": name,
                "password": PASSWORD,
                "latitude": point[0],
                "longitude": point[1],
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        user = User.objects.get(pk=response.json()["user"]["id"])
        return user, client_for(user)

    alice, alices = sign_up("alice", BROOKLYN)
    bob, bobs = sign_up("bob", CAMDEN)
    pet = {"species": "dog", "age": 3, "size": "medium", "energy": "high"}
    rex = alices.post("/api/v1/pets/", {"name": "Rex", **pet}, format="json").json()
    fido = bobs.post("/api/v1/pets/", {"name": "Fido", **pet}, format="json").json()
    playdate = alices.post(
        PLAYDATES_URL,
        {"from_pet": rex["id"], "to_pet": fido["id"], "date_time": iso(in_days(2))},
        format="json",
    ).json()
    assert bobs.post(action_url(playdate["id"], "accept")).status_code == 200
    ids = {
        name: Activity.objects.get(kind=kind, actor=actor).pk
        for name, kind, actor in [
            ("alice joined", "user.registered", alice),
            ("bob joined", "user.registered", bob),
            ("rex", "pet.created", alice),
            ("fido", "pet.created", bob),
            ("invited", "playdate.invited", alice),
            ("accepted", "playdate.accepted", bob),
        ]
    }
    return alice, bob, ids


def ids_of(body: dict[str, Any]) -> list[int]:
    return [item["id"] for item in body["results"]]


def test_the_whole_feed_is_newest_first(client_for, moderator, two_cities):
    _, _, ids = two_cities

    body = feed(client_for(moderator))

    assert ids_of(body) == [
        ids[name] for name in ("accepted", "invited", "fido", "rex", "bob joined", "alice joined")
    ]
    assert body["next"] is None
    assert [item["metro"] for item in body["results"]] == [
        "london",
        "new-york",
        "london",
        "new-york",
        "london",
        "new-york",
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "pet.created"}, ["fido", "rex"]),
        ({"kind": "playdate.declined"}, []),
        ({"user": "bob"}, ["accepted", "invited", "fido", "bob joined"]),
        ({"user": "alice"}, ["accepted", "invited", "rex", "alice joined"]),
        ({"metro": "london"}, ["accepted", "fido", "bob joined"]),
        ({"metro": "new-york"}, ["invited", "rex", "alice joined"]),
        ({"metro": "paris"}, []),
        ({"kind": "user.registered", "metro": "london"}, ["bob joined"]),
        # alice as the target of bob's accept, in bob's metro
        ({"user": "alice", "metro": "london"}, ["accepted"]),
        ({"user": "bob", "kind": "playdate.invited"}, ["invited"]),
        ({"user": "alice", "kind": "pet.created", "metro": "london"}, []),
    ],
)
def test_filters_narrow_the_feed(client_for, moderator, two_cities, params, expected):
    # given
    alice, bob, ids = two_cities
    users = {"alice": alice.pk, "bob": bob.pk}
    if "user" in params:
        params = {**params, "user": users[params["user"]]}

    # when
    body = feed(client_for(moderator), **params)

    # then
    assert ids_of(body) == [ids[name] for name in expected]
    assert body["next"] is None


def test_a_user_with_no_activity_has_an_empty_feed(client_for, moderator, two_cities, stranger):
    assert feed(client_for(moderator), user=stranger.pk) == {"results": [], "next": None}


def record_items(count: int, actor: User) -> list[int]:
    """`count` activity items by `actor`, each in its own transaction; their ids, oldest first."""
    for n in range(count):
        with transaction.atomic():
            activity.record(
                kind="pet.created",
                actor=actor,
                subject_type="pet",
                subject_id=n + 1,
                summary=f"{actor.username} added pet {n + 1}",
            )
    return list(Activity.objects.order_by("pk").values_list("pk", flat=True))


def test_pages_follow_next_to_the_end_without_gaps_or_duplicates(client_for, owner, moderator):
    # given
    ids = record_items(7, owner)
    api = client_for(moderator)

    # when
    pages = [feed(api, limit=3)]
    while pages[-1]["next"] is not None:
        response = api.get(pages[-1]["next"])
        assert response.status_code == 200, response.content
        pages.append(response.json())

    # then
    assert [ids_of(page) for page in pages] == [
        ids[6:3:-1],
        ids[3:0:-1],
        ids[0:1],
    ]
    for page, last in zip(pages, (ids[4], ids[1]), strict=False):
        next_url = urlsplit(page["next"])
        assert (next_url.scheme, next_url.netloc, next_url.path) == (
            "http",
            "testserver",
            ACTIVITY_URL,
        )
        assert parse_qs(next_url.query) == {"limit": ["3"], "before": [str(last)]}


def test_next_keeps_the_filters(client_for, owner, friend, moderator):
    # given: the owner's items and the friend's, interleaved
    for _ in range(3):
        record_items(1, owner)
        record_items(1, friend)
    mine = list(Activity.objects.filter(actor=owner).order_by("-pk").values_list("pk", flat=True))
    api = client_for(moderator)

    # when
    first = feed(api, user=owner.pk, limit=2)
    second = api.get(first["next"]).json()

    # then
    assert parse_qs(urlsplit(first["next"]).query) == {
        "user": [str(owner.pk)],
        "limit": ["2"],
        "before": [str(mine[1])],
    }
    assert ids_of(first) + ids_of(second) == mine
    assert second["next"] is None


def test_a_full_last_page_has_no_next(client_for, owner, moderator):
    ids = record_items(3, owner)

    body = feed(client_for(moderator), limit=3)

    assert ids_of(body) == ids[::-1]
    assert body["next"] is None


def test_before_starts_below_an_id(client_for, owner, moderator):
    ids = record_items(4, owner)

    body = feed(client_for(moderator), before=ids[2])

    assert ids_of(body) == [ids[1], ids[0]]


def test_the_default_page_is_50(client_for, owner, moderator):
    ids = record_items(51, owner)

    body = feed(client_for(moderator))

    assert ids_of(body) == ids[:0:-1]
    assert parse_qs(urlsplit(body["next"]).query) == {"before": [str(ids[1])]}


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"kind": "user.hacked"}, {"kind": ['"user.hacked" is not a valid choice.']}),
        ({"before": "0"}, {"before": ["Ensure this value is greater than or equal to 1."]}),
        ({"before": "x"}, {"before": ["A valid integer is required."]}),
        ({"limit": "101"}, {"limit": ["Ensure this value is less than or equal to 100."]}),
        ({"limit": "0"}, {"limit": ["Ensure this value is greater than or equal to 1."]}),
        ({"user": "abc"}, {"user": ["A valid integer is required."]}),
        ({"user": "0"}, {"user": ["Ensure this value is greater than or equal to 1."]}),
        (
            {"metro": "New York"},
            {
                "metro": [
                    'Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.'
                ]
            },
        ),
        (
            {"kind": "nope", "limit": "101"},
            {
                "kind": ['"nope" is not a valid choice.'],
                "limit": ["Ensure this value is less than or equal to 100."],
            },
        ),
    ],
)
def test_bad_parameters_are_a_validation_error(client_for, moderator, owner, params, fields):
    record_items(1, owner)

    response = client_for(moderator).get(ACTIVITY_URL, params)

    assert_error(response, 400, "validation_error", fields=fields)


@pytest.mark.parametrize("limit", [1, 20, 100])
def test_the_feed_costs_the_same_queries_whatever_the_page(
    client_for, owner, moderator, django_assert_max_num_queries, limit
):
    # given
    record_items(120, owner)
    api = client_for(moderator)

    # when / then: the moderator's authentication and one read of the page
    with django_assert_max_num_queries(2):
        response = api.get(ACTIVITY_URL, {"limit": limit, "user": owner.pk})
    assert response.status_code == 200
    assert len(response.json()["results"]) == limit


# --- who may read and act ----------------------------------------------------------------


MODERATOR_ROUTES = [
    ("get", "reports", lambda ids: QUEUE_URL, None),
    ("get", "report", lambda ids: report_url(ids["report"]), None),
    ("post", "resolve", lambda ids: resolve_url(ids["report"]), {"action": "suspend_user"}),
    ("post", "suspend", lambda ids: suspend_url(ids["friend"]), {"note": "x"}),
    ("post", "unsuspend", lambda ids: unsuspend_url(ids["stranger"]), {"note": "x"}),
    ("get", "activity", lambda ids: ACTIVITY_URL, None),
    ("get", "audit", lambda ids: AUDIT_URL, None),
    ("get", "feedback", lambda ids: FEEDBACK_URL, None),
]


@pytest.fixture
def moderated(owner, friend, stranger, moderator):
    """An open report of the friend (by the owner) and a suspended stranger: what each
    moderator route would change; the log and the feed start empty."""
    report = file_report(owner, "user", friend.pk)
    User.objects.filter(pk=stranger.pk).update(suspended_at=timezone.now())
    forget_activity()
    return {"report": report.pk, "friend": friend.pk, "stranger": stranger.pk}


def call(client, method: str, url: str, body: dict[str, Any] | None) -> Any:
    if method == "get":
        return client.get(url)
    return client.post(url, body, format="json")


@pytest.mark.parametrize(
    ("method", "route", "url", "body"), MODERATOR_ROUTES, ids=[r[1] for r in MODERATOR_ROUTES]
)
def test_an_owner_is_refused_every_moderator_route_and_nothing_happens(
    client_for, owner, moderated, rung, committed, method, route, url, body
):
    # given
    before = written()

    # when
    response = committed(lambda: call(client_for(owner), method, url(moderated), body))

    # then
    assert_error(response, 403, "permission_denied")
    assert written() == before
    assert rung == []


@pytest.mark.parametrize(
    ("method", "route", "url", "body"), MODERATOR_ROUTES, ids=[r[1] for r in MODERATOR_ROUTES]
)
def test_anonymous_is_refused_every_moderator_route_and_nothing_happens(
    api_client, moderated, rung, committed, method, route, url, body
):
    # given
    before = written()

    # when
    response = committed(lambda: call(api_client, method, url(moderated), body))

    # then
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert written() == before
    assert rung == []


def test_anonymous_cannot_report(api_client, owner, moderator, rung, committed):
    before = written()

    response = committed(
        lambda: api_client.post(
            REPORTS_URL,
            {"target_type": "user", "target_id": owner.pk, "reason": "spam"},
            format="json",
        )
    )

    assert_error(response, 401, "not_authenticated")
    assert written() == before
    assert rung == []


# --- a failed action writes no activity ---------------------------------------------------


def test_an_invitation_refused_by_validation_writes_no_activity(
    client_for, owner, friend, moderator, rung, committed
):
    # given: inviting one's own pet
    mine, also_mine = pet_for(owner), pet_for(owner)
    pet_for(friend)
    forget_activity()
    before = written()

    # when
    response = committed(
        lambda: client_for(owner).post(
            PLAYDATES_URL,
            {"from_pet": mine.pk, "to_pet": also_mine.pk, "date_time": iso(in_days(2))},
            format="json",
        )
    )

    # then
    assert_error(
        response,
        400,
        "validation_error",
        fields={"to_pet": ["Invite another owner's pet, not your own."]},
    )
    assert written() == before
    assert feed(client_for(moderator)) == {"results": [], "next": None}
    assert rung == []


def test_an_invitation_in_the_past_writes_no_activity(
    client_for, owner, friend, moderator, rung, committed
):
    mine, theirs = pet_for(owner), pet_for(friend)
    before = written()

    response = committed(
        lambda: client_for(owner).post(
            PLAYDATES_URL,
            {"from_pet": mine.pk, "to_pet": theirs.pk, "date_time": iso(in_days(-1))},
            format="json",
        )
    )

    assert_error(response, 409, "conflict", message="A playdate cannot be arranged in the past.")
    assert written() == before
    assert rung == []


def test_an_accept_refused_for_an_overlap_writes_no_activity(
    client_for, owner, friend, moderator, rung, committed
):
    # given: the same pets, two invitations an hour apart, the first accepted
    mine, theirs = pet_for(owner), pet_for(friend)
    first = invite(mine, theirs, in_days(2, hour=10))
    second = invite(mine, theirs, in_days(2, hour=11))
    assert client_for(friend).post(action_url(first.pk, "accept")).status_code == 200
    forget_activity()
    before = written()

    # when
    response = committed(lambda: client_for(friend).post(action_url(second.pk, "accept")))

    # then
    assert_error(response, 409, "conflict")
    assert written() == before
    assert rung == []


def test_a_duplicate_report_writes_no_activity(client_for, owner, friend, moderator, committed):
    # given: the friend's open report of the owner
    file_report(friend, "user", owner.pk)
    before = written()
    seqs_before = list(EventCursor.objects.values_list("user_id", "last_seq"))

    # when
    response = committed(
        lambda: client_for(friend).post(
            REPORTS_URL,
            {"target_type": "user", "target_id": owner.pk, "reason": "harassment"},
            format="json",
        )
    )

    # then
    assert_error(response, 409, "conflict")
    assert written() == before
    assert list(EventCursor.objects.values_list("user_id", "last_seq")) == seqs_before
    assert Activity.objects.filter(kind="report.filed").count() == 1


def test_reporting_oneself_writes_no_activity(client_for, owner, moderator, rung, committed):
    before = written()

    response = committed(
        lambda: client_for(owner).post(
            REPORTS_URL,
            {"target_type": "user", "target_id": owner.pk, "reason": "spam"},
            format="json",
        )
    )

    assert_error(
        response,
        400,
        "validation_error",
        fields={"target_id": ["You cannot report your own user."]},
    )
    assert written() == before
    assert rung == []


def test_suspending_a_moderator_writes_nothing(
    client_for, moderator, second_moderator, rung, committed
):
    before = written()

    response = committed(
        lambda: client_for(moderator).post(
            suspend_url(second_moderator.pk), {"note": "x"}, format="json"
        )
    )

    assert_error(response, 409, "conflict")
    assert written() == before
    assert rung == []


def test_resolving_a_report_twice_writes_nothing_the_second_time(
    client_for, owner, friend, moderator, rung, committed
):
    # given
    report = file_report(friend, "user", owner.pk)
    dismissed = client_for(moderator).post(
        resolve_url(report.pk), {"action": "dismiss"}, format="json"
    )
    assert dismissed.status_code == 200, dismissed.content
    before = written()

    # when
    response = committed(
        lambda: client_for(moderator).post(
            resolve_url(report.pk), {"action": "suspend_user"}, format="json"
        )
    )

    # then
    assert_error(response, 409, "conflict", message="This report was already resolved (dismiss).")
    assert written() == before
    assert rung == []


def test_hiding_a_reported_user_is_refused_and_writes_nothing(
    client_for, owner, friend, moderator, rung, committed
):
    report = file_report(friend, "user", owner.pk)
    before = written()

    response = committed(
        lambda: client_for(moderator).post(
            resolve_url(report.pk), {"action": "hide_message"}, format="json"
        )
    )

    assert_error(
        response,
        400,
        "validation_error",
        fields={"action": ["Only a reported message can be hidden."]},
    )
    assert written() == before
    assert rung == []
