"""URLs, builders and state snapshots shared by the chat tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from accounts.models import User
from matching.models import Playdate
from matching.tests.playdate_helpers import invite, iso, pet_for
from realtime import chat_services
from realtime.models import ChatRead, Event, EventCursor, Message

# 2030-01-01T00:00:00Z: a whole number of 10-second rate-limit windows since the epoch, so a
# clock frozen here starts a fresh window and Retry-After values are exact.
WINDOW_START = datetime(2030, 1, 1, tzinfo=UTC)

MESSAGE_FIELDS = {
    "id",
    "playdate_id",
    "sender_id",
    "sender_name",
    "body",
    "created_at",
    "hidden",
    "ref",
}


def messages_url(playdate_id: int) -> str:
    return f"/api/v1/playdates/{playdate_id}/messages"


def read_url(playdate_id: int) -> str:
    return f"/api/v1/playdates/{playdate_id}/read"


def playdate_of(inviter: User, invitee: User) -> Playdate:
    """A pending playdate between a new pet of each, with every event so far forgotten: the
    test's logs start at seq 1 with what it does itself."""
    playdate = invite(pet_for(inviter), pet_for(invitee))
    forget_events()
    return playdate


def forget_events() -> None:
    Event.objects.all().delete()
    EventCursor.objects.all().delete()


def send(user: User, playdate: Playdate, body: str = "Hello!", ref: str | None = None) -> Message:
    """A message sent through the service (so it records its events)."""
    return chat_services.message_send(user=user, playdate_id=playdate.pk, body=body, ref=ref)


def shown(message: Message, **changes: Any) -> dict[str, Any]:
    """What the API should show of `message`, read back from the database, with `changes`: as
    anyone but its sender sees it, so without its `ref` (`ref=` in `changes` for the sender's
    view)."""
    message.refresh_from_db()
    sender = message.sender
    return {
        "id": message.pk,
        "playdate_id": message.playdate_id,
        "sender_id": message.sender_id,
        "sender_name": sender.username if sender is not None else "deleted user",
        "body": message.body,
        "created_at": iso(message.created_at),
        "hidden": message.hidden_at is not None,
        "ref": None,
        **changes,
    }


def logged(user: User) -> list[tuple[int, str, dict[str, Any]]]:
    """The user's durable events: (seq, kind, data), in order."""
    return [
        (event.seq, event.kind, event.data)
        for event in Event.objects.filter(user_id=user.pk).order_by("seq")
    ]


def chat_state() -> dict[str, Any]:
    """Every message, read mark and event row, to assert that a refused request changed
    nothing."""
    return {
        "messages": list(Message.objects.order_by("pk").values()),
        "reads": list(ChatRead.objects.order_by("pk").values()),
        "events": list(Event.objects.order_by("pk").values()),
        "cursors": list(EventCursor.objects.order_by("pk").values()),
    }
