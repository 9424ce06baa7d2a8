"""Moderation on the WebSocket: moderators watch the activity feed live (`moderation.activity`,
durable, replayed with `since`), owners never see it; a suspension closes the user's sockets
with 4403; reporters hear their report was reviewed; hidden messages leave both owners' screens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from channels.db import database_sync_to_async
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.helpers import REGISTER_URL
from matching.models import Playdate
from matching.tests.playdate_helpers import iso
from realtime import activity
from realtime.models import Activity, Event, Report
from realtime.tests.chat_helpers import forget_events, messages_url, playdate_of, send
from realtime.tests.moderation_helpers import REPORTS_URL, file_report, resolve_url, suspend_url
from realtime.tests.sockets import closed_with, frames, login, no_frame, open_for, ping
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

PET = {"species": "dog", "age": 3, "size": "medium", "energy": "high"}


@pytest.fixture(autouse=True)
def _no_moderators_remembered():
    """Each test asks who the moderators are: a previous test's cached ids are not its own."""
    activity.moderators.forget()


def call(function, *args, **kwargs):
    return database_sync_to_async(function)(*args, **kwargs)


def succeeded(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    return body


async def conversation(inviter: User, invitee: User) -> Playdate:
    """A pending playdate between them, with every event and activity item so far forgotten."""
    playdate: Playdate = await call(playdate_of, inviter, invitee)
    await call(lambda: Activity.objects.all().delete())
    return playdate


def online(user: User) -> dict[str, Any]:
    return {"type": "presence", "data": {"user_id": user.pk, "online": True}}


async def feed(moderator: User, **params: Any) -> list[dict[str, Any]]:
    """The items of GET /api/v1/moderation/activity, newest first, as `moderator` reads them."""
    session = await login(moderator)
    response = await call(lambda: session.api().get("/api/v1/moderation/activity", params))
    items: list[dict[str, Any]] = succeeded(response)["results"]
    return items


def live_activity(item: dict[str, Any], seq: int, frame: dict[str, Any]) -> None:
    """`frame` is the durable `moderation.activity` event of `item`, with `seq`."""
    assert frame == {
        "type": "moderation.activity",
        "seq": seq,
        "ts": frame["ts"],
        "data": {"activity": item},
    }
    assert datetime.fromisoformat(frame["ts"]).tzinfo is not None


async def test_a_moderator_sees_an_owners_message_live_and_the_owners_do_not(
    owner, friend, moderator
):
    # given: the owners' conversation; everyone online
    playdate_id = (await conversation(owner, friend)).pk
    watching, _ = await open_for(moderator)
    owners_socket, owners_login = await open_for(owner)
    friends_socket, _ = await open_for(friend)
    assert await frames(owners_socket, 1) == [online(friend)]
    assert await frames(friends_socket, 1) == [online(owner)]

    # when: the owner writes through the API
    sent = await call(
        lambda: owners_login.api().post(messages_url(playdate_id), {"body": "Hi!"}, format="json")
    )

    # then: the moderator is told, with the message's activity item; the owners get the
    # message itself and nothing of the feed
    message = succeeded(sent, 201)
    [item] = await feed(moderator)
    assert item["subject"] == {"type": "message", "id": message["id"]}
    # A chat message names no target user (realtime.models.Activity: index entries saved).
    assert (item["actor_id"], item["target_user_id"]) == (owner.pk, None)
    [frame] = await frames(watching, 1)
    live_activity(item, 1, frame)
    assert [f["type"] for f in await frames(owners_socket, 1)] == ["chat.message"]
    assert [f["type"] for f in await frames(friends_socket, 1)] == ["chat.message"]
    assert await no_frame(watching)
    assert await no_frame(owners_socket, 0)
    assert await no_frame(friends_socket, 0)
    for socket in (watching, owners_socket, friends_socket):
        await socket.disconnect()


async def test_every_moderator_sees_a_registration_live(owner, moderator, make_user):
    # given: two moderators and an owner online
    other_moderator = await call(
        make_user, email="mod2@example.com", username="mod2", role="moderator"
    )
    first, _ = await open_for(moderator)
    second, _ = await open_for(other_moderator)
    owners_socket, _ = await open_for(owner)

    # when: someone signs up
    response = await call(
        lambda: APIClient().post(
            REGISTER_URL,
            {"email": "rex@example.com", "username": "rex_owner", "password": PASSWORD},
            format="json",
        )
    )

    # then
    newcomer = succeeded(response, 201)["user"]
    [item] = await feed(moderator, user=newcomer["id"])
    assert item["summary"] == "rex_owner joined"
    live_activity(item, 1, (await frames(first, 1))[0])
    live_activity(item, 1, (await frames(second, 1))[0])
    assert await no_frame(owners_socket)
    assert await call(lambda: list(Event.objects.filter(user_id=owner.pk))) == []
    for socket in (first, second, owners_socket):
        await socket.disconnect()


async def test_a_moderator_back_with_since_gets_the_missed_activity_in_order(
    owner, friend, moderator
):
    # given: the moderator saw the first item live, then went offline
    playdate_id = (await conversation(owner, friend)).pk
    watching, _ = await open_for(moderator)
    owners_socket, owners_login = await open_for(owner)
    api = owners_login.api()
    await call(
        lambda: succeeded(api.post(messages_url(playdate_id), {"body": "One"}, format="json"), 201)
    )
    [seen] = await frames(watching, 1)
    assert seen["seq"] == 1
    await watching.disconnect()

    # when: three more things happen meanwhile
    await call(
        lambda: succeeded(api.post("/api/v1/pets/", {"name": "Rex", **PET}, format="json"), 201)
    )
    await call(
        lambda: succeeded(api.post(messages_url(playdate_id), {"body": "Two"}, format="json"), 201)
    )
    await call(lambda: succeeded(api.post(f"/api/v1/playdates/{playdate_id}/cancel")))
    back, _ = await open_for(moderator, since=1)

    # then: exactly what was missed, in order, each once
    items = list(reversed(await feed(moderator)))
    assert [item["kind"] for item in items] == [
        "chat.message",
        "pet.created",
        "chat.message",
        "playdate.cancelled",
    ]
    replayed = await frames(back, 3)
    for seq, (item, frame) in enumerate(zip(items[1:], replayed, strict=True), start=2):
        live_activity(item, seq, frame)
    assert await no_frame(back)

    # and then live again
    await call(
        lambda: succeeded(api.post("/api/v1/pets/", {"name": "Ada", **PET}, format="json"), 201)
    )
    [live] = await frames(back, 1)
    [newest] = await feed(moderator, limit=1)
    assert newest["summary"] == "owner added Ada (dog)"
    live_activity(newest, 5, live)
    await back.disconnect()
    await owners_socket.disconnect()


async def test_suspending_through_the_api_closes_every_socket_of_the_user_4403(
    owner, friend, moderator
):
    # given: the owner on two devices, the friend and the moderator online
    phone, _ = await open_for(owner)
    laptop, _ = await open_for(owner)
    friends_socket, _ = await open_for(friend)
    watching, moderators_login = await open_for(moderator)

    # when
    response = await call(
        lambda: moderators_login.api().post(suspend_url(owner.pk), {"note": "Spam"}, format="json")
    )

    # then
    assert succeeded(response)["suspended_at"] is not None
    assert await closed_with(phone) == 4403
    assert await closed_with(laptop) == 4403
    assert await ping(friends_socket)
    [item] = await feed(moderator)
    assert (item["kind"], item["subject"]) == ("user.suspended", {"type": "user", "id": owner.pk})
    live_activity(item, 1, (await frames(watching, 1))[0])
    assert await no_frame(friends_socket)
    await friends_socket.disconnect()
    await watching.disconnect()


async def test_a_suspended_user_cannot_open_a_socket_again(owner, moderator):
    # given: a ticket taken before the suspension
    socket, owners_login = await open_for(owner)
    moderators_login = await login(moderator)
    await call(lambda: moderators_login.api().post(suspend_url(owner.pk)))
    assert await closed_with(socket) == 4403

    # when: the old access token asks for a ticket
    response = await call(lambda: owners_login.api().post("/api/v1/realtime/ticket"))

    # then
    assert response.status_code == 401


async def test_the_reporter_hears_their_report_was_reviewed(owner, friend, moderator):
    # given: the friend reported the owner; both online
    report = await call(file_report, friend, "user", owner.pk, "harassment")
    await call(forget_events)
    reporters_socket, _ = await open_for(friend)
    reported_socket, _ = await open_for(owner)
    moderators_login = await login(moderator)

    # when
    response = await call(
        lambda: moderators_login.api().post(
            resolve_url(report.pk), {"action": "dismiss", "note": "Banter."}, format="json"
        )
    )

    # then: the reporter learns the outcome, not the moderator's note; the reported owner
    # hears nothing
    succeeded(response)
    resolved = await call(Report.objects.get, pk=report.pk)
    [frame] = await frames(reporters_socket, 1)
    assert frame == {
        "type": "report.reviewed",
        "seq": 1,
        "ts": frame["ts"],
        "data": {
            "report": {
                "id": report.pk,
                "target": {"type": "user", "id": owner.pk},
                "reason": "harassment",
                "status": "resolved",
                "outcome": "no_action",
                "reviewed_at": iso(resolved.resolved_at),
            }
        },
    }
    assert await no_frame(reporters_socket)
    assert await no_frame(reported_socket, 0)
    await reporters_socket.disconnect()
    await reported_socket.disconnect()


async def test_hiding_a_message_tells_both_owners(owner, friend, moderator):
    # given: the friend reported the owner's message through the API; both online
    playdate = await conversation(owner, friend)
    message = await call(send, owner, playdate, "Rude words")
    friends_login = await login(friend)
    report = succeeded(
        await call(
            lambda: friends_login.api().post(
                REPORTS_URL,
                {"target_type": "message", "target_id": message.pk, "reason": "harassment"},
                format="json",
            )
        ),
        201,
    )
    await call(forget_events)
    friends_socket, _ = await open_for(friend)
    owners_socket, _ = await open_for(owner)
    assert await frames(owners_socket, 1) == [online(friend)]
    assert await frames(friends_socket, 1) == [online(owner)]
    moderators_login = await login(moderator)

    # when
    response = await call(
        lambda: moderators_login.api().post(
            resolve_url(report["id"]), {"action": "hide_message"}, format="json"
        )
    )

    # then: both owners' screens drop the message; the reporter also hears the outcome
    succeeded(response)
    hidden = {"playdate_id": playdate.pk, "message_id": message.pk}
    [to_owner] = await frames(owners_socket, 1)
    assert (to_owner["type"], to_owner["seq"], to_owner["data"]) == ("chat.hidden", 1, hidden)
    to_friend = await frames(friends_socket, 2)
    assert [(f["type"], f["seq"]) for f in to_friend] == [
        ("chat.hidden", 1),
        ("report.reviewed", 2),
    ]
    assert to_friend[0]["data"] == hidden
    assert to_friend[1]["data"]["report"]["outcome"] == "action_taken"
    assert await no_frame(owners_socket)
    assert await no_frame(friends_socket, 0)
    await owners_socket.disconnect()
    await friends_socket.disconnect()
