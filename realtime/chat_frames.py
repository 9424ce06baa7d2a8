"""The chat frames a client sends on its WebSocket (CONTRACT.md, Real-time), for the gateway.

`handle` checks a frame's data and calls the same services as REST, so both ways in answer with
the same errors: it raises `config.errors.DomainError` or Django's `ValidationError`, which the
gateway turns into error frames. Answers:

- `chat.send {playdate_id, body}`: an `ack` with the stored message (its `chat.message` event
  follows on every socket of both owners, this one too). A retry with the same `ref` gets the
  same message back. Stored with the other messages of the process sent meanwhile
  (`realtime.chat_batch`).
- `chat.typing {playdate_id}`: nothing; relayed to the other owner, or dropped when the user
  already said so within 3 seconds.
- `chat.read {playdate_id, message_id}`: nothing. The durable `chat.read` event it records for
  both owners is the confirmation (and none is due when the mark did not move on).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

from accounts.models import User
from config import features
from realtime import chat_batch
from realtime import chat_services as services
from realtime.models import MAX_REF_LENGTH
from realtime.workers import in_pool

KINDS = frozenset({"chat.send", "chat.typing", "chat.read"})
NULL_CHARACTERS = "Null characters are not allowed."
_SURROGATE = re.compile("[\ud800-\udfff]")


def _whole_number(data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError({name: [f"{name} must be a positive whole number."]})
    return value


def _storable(value: str, name: str) -> str:
    """As over REST (DRF's CharField): no NUL and no lone surrogate, which PostgreSQL cannot
    store (a surrogate is not UTF-8). In a batch (`realtime.chat_batch`) such a message would
    cost the others a second try, or fail them."""
    if "\x00" in value:
        raise ValidationError({name: [NULL_CHARACTERS]})
    surrogate = _SURROGATE.search(value)
    if surrogate is not None:
        code_point = ord(surrogate.group())
        raise ValidationError({name: [f"Surrogate characters are not allowed: U+{code_point:X}."]})
    return value


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise ValidationError({name: [f"{name} must be a string."]})
    return _storable(value, name)


def _ref(ref: str | int | None) -> str | None:
    """The client's id for a message, as stored: a string of at most MAX_REF_LENGTH."""
    if ref is None:
        return None
    if isinstance(ref, bool) or not isinstance(ref, str | int) or len(str(ref)) > MAX_REF_LENGTH:
        raise ValidationError(
            {"ref": [f"ref must be a string of at most {MAX_REF_LENGTH} characters."]}
        )
    return _storable(str(ref), "ref")


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
    await features.arequire(features.CHAT, user_id)
    if kind == "chat.send":
        playdate_id, body = _whole_number(data, "playdate_id"), _text(data, "body")
        message = await chat_batch.submit(user_id, playdate_id, body, _ref(ref))
        return {"type": "ack", "ref": ref, "data": {"message": message}}
    if kind == "chat.typing":
        await in_pool(_typing)(user_id, _whole_number(data, "playdate_id"))
        return None
    if kind == "chat.read":
        playdate_id, message_id = (
            _whole_number(data, "playdate_id"),
            _whole_number(data, "message_id"),
        )
        await in_pool(_read)(user_id, playdate_id, message_id)
        return None
    raise ValidationError({"type": [f"Unknown chat frame type {kind[:40]!r}."]})
