"""The chat frames a client sends on its WebSocket (CONTRACT.md, Real-time), for the gateway.

`handle` checks a frame's data and calls the same services as REST, so both ways in answer with
the same errors: it raises `config.errors.DomainError` or Django's `ValidationError`, which the
gateway turns into error frames. Answers:

- `chat.send {playdate_id, body}`: an `ack` with the stored message (its `chat.message` event
  follows on every socket of both owners, this one too). A retry with the same `ref` gets the
  same message back.
- `chat.typing {playdate_id}`: nothing; relayed to the other owner, or dropped when the user
  already said so within 3 seconds.
- `chat.read {playdate_id, message_id}`: nothing. The durable `chat.read` event it records for
  both owners is the confirmation (and none is due when the mark did not move on).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.exceptions import ValidationError

from accounts.models import User
from realtime import chat_services as services
from realtime.chat_selectors import MessageData, message_data
from realtime.models import MAX_REF_LENGTH

T = TypeVar("T")

KINDS = frozenset({"chat.send", "chat.typing", "chat.read"})


def _whole_number(data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError({name: [f"{name} must be a positive whole number."]})
    return value


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise ValidationError({name: [f"{name} must be a string."]})
    return value


def _ref(ref: str | int | None) -> str | None:
    """The client's id for a message, as stored: a string of at most MAX_REF_LENGTH."""
    if ref is None:
        return None
    if isinstance(ref, bool) or not isinstance(ref, str | int) or len(str(ref)) > MAX_REF_LENGTH:
        raise ValidationError(
            {"ref": [f"ref must be a string of at most {MAX_REF_LENGTH} characters."]}
        )
    return str(ref)


# Chat's own worker threads, one pooled database connection each while they work
# (settings.CHAT_THREADS; DB_POOL_MAX_SIZE counts them).
_threads = ThreadPoolExecutor(max_workers=settings.CHAT_THREADS, thread_name_prefix="chat")


def _in_pool(function: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """`function` on one of chat's worker threads rather than Channels' one database thread: a
    process's chat messages are stored side by side, not one after the other
    (bench/chat_bench.py). One socket's frames are still handled one at a time, in order."""
    return database_sync_to_async(  # type: ignore[no-any-return]
        function, thread_sensitive=False, executor=_threads
    )


def _send(user_id: int, playdate_id: int, body: str, ref: str | None) -> MessageData:
    user = User.objects.get(pk=user_id)
    message = services.message_send(user=user, playdate_id=playdate_id, body=body, ref=ref)
    return message_data(message)


def _typing(user_id: int, playdate_id: int) -> None:
    other_user_id = services.typing_allowed(user_id=user_id, playdate_id=playdate_id)
    if other_user_id is not None:
        services.typing_relay(user_id=user_id, playdate_id=playdate_id, other_user_id=other_user_id)


def _read(user_id: int, playdate_id: int, message_id: int) -> None:
    user = User.objects.get(pk=user_id)
    services.messages_read(user=user, playdate_id=playdate_id, message_id=message_id)


async def handle(
    user_id: int, kind: str, ref: str | int | None, data: dict[str, Any]
) -> dict[str, Any] | None:
    """Handles one chat frame (`kind` in KINDS) of `user_id`'s socket; returns the frame to
    answer with, if any."""
    if kind == "chat.send":
        playdate_id, body = _whole_number(data, "playdate_id"), _text(data, "body")
        message = await _in_pool(_send)(user_id, playdate_id, body, _ref(ref))
        return {"type": "ack", "ref": ref, "data": {"message": message}}
    if kind == "chat.typing":
        await _in_pool(_typing)(user_id, _whole_number(data, "playdate_id"))
        return None
    if kind == "chat.read":
        playdate_id, message_id = (
            _whole_number(data, "playdate_id"),
            _whole_number(data, "message_id"),
        )
        await _in_pool(_read)(user_id, playdate_id, message_id)
        return None
    raise ValidationError({"type": [f"Unknown chat frame type {kind[:40]!r}."]})
