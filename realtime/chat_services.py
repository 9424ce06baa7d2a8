"""Writes for chat: sending a message, reading up to one, and saying "typing".

A message is stored with its durable `chat.message` events for both owners (the sender's
other sockets too) in one transaction; the sockets hear of it only after commit
(`realtime.events`). Typing is ephemeral: relayed to the other owner's sockets, never logged.

Only the playdate's two owners write, and only while the playdate is pending or accepted and
neither has blocked the other; after that the conversation is read-only (Conflict).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts import ratelimit
from accounts.models import Block, User
from config import redis
from config.errors import Conflict, NotFound
from matching.models import Playdate, PlaydateStatus
from matching.playdate_selectors import NO_SUCH_PLAYDATE
from realtime import doorbell, events
from realtime.chat_selectors import message_data
from realtime.models import Message

MAX_BODY_LENGTH = 2000
BODY_LENGTH = f"Write 1 to {MAX_BODY_LENGTH} characters (spaces around the text do not count)."
REF_REUSED = "This ref was already used for another message."
# At most one typing notice per user and playdate in this many seconds.
TYPING_SECONDS = 3

_OPEN = (PlaydateStatus.PENDING, PlaydateStatus.ACCEPTED)
_TYPING_KEY_PREFIX = "pawdate:typing:"

_log = logging.getLogger("pawdate.realtime")

# Never backwards in one statement, even for two reads of one owner at once: the stored
# message id only ever grows, and a row comes back only when it did.
_ADVANCE_READ_SQL = (
    "INSERT INTO realtime_chatread (user_id, playdate_id, message_id, updated_at)"
    " VALUES (%s, %s, %s, %s)"
    " ON CONFLICT (user_id, playdate_id) DO UPDATE"
    " SET message_id = excluded.message_id, updated_at = excluded.updated_at"
    " WHERE realtime_chatread.message_id < excluded.message_id"
    " RETURNING message_id"
)


def _open_conversation(*, user_id: int, playdate_id: int) -> Playdate:
    """One of the user's playdates whose conversation takes new messages."""
    blocked = Block.objects.filter(
        Q(blocker_id=OuterRef("inviter_id"), blocked_id=OuterRef("invitee_id"))
        | Q(blocker_id=OuterRef("invitee_id"), blocked_id=OuterRef("inviter_id"))
    )
    playdate = (
        Playdate.objects.filter(pk=playdate_id)
        .filter(Q(inviter_id=user_id) | Q(invitee_id=user_id))
        .annotate(blocked=Exists(blocked))
        .first()
    )
    if playdate is None:
        raise NotFound(NO_SUCH_PLAYDATE)
    status = playdate.status_at(timezone.now())
    if status not in _OPEN:
        raise Conflict(f"This playdate is {status}: its chat is read-only.")
    if playdate.blocked:
        raise Conflict("One of you has blocked the other.")
    return playdate


def _clean_body(body: str) -> str:
    text = body.strip()
    if not 1 <= len(text) <= MAX_BODY_LENGTH:
        raise ValidationError({"body": [BODY_LENGTH]})
    return text


def _stored(*, user: User, ref: str, playdate_id: int, body: str) -> Message | None:
    """The message `user` already sent with `ref`, if any: a retry gets it back. A ref the user
    used for another message is a Conflict, not a silent answer about that other message."""
    message = Message.objects.filter(sender=user, ref=ref).first()
    if message is None:
        return None
    if message.playdate_id != playdate_id or message.body != body:
        raise Conflict(REF_REUSED)
    message.sender = user
    return message


def message_send(*, user: User, playdate_id: int, body: str, ref: str | None = None) -> Message:
    """`user` says `body` in the playdate's conversation; both owners are told after commit.

    With a `ref`, sending again is safe: the stored message comes back, nothing new is stored
    or told, and the retry does not count towards the rate limit. Without one, every call is a
    new message. Rate limit: `settings.RATE_LIMITS["chat_message"]`, per user, whatever the
    way in (REST or WebSocket) and the process.
    """
    text = _clean_body(body)
    if ref:
        stored = _stored(user=user, ref=ref, playdate_id=playdate_id, body=text)
        if stored is not None:
            return stored
    ratelimit.hit("chat_message", str(user.pk))
    playdate = _open_conversation(user_id=user.pk, playdate_id=playdate_id)
    try:
        with transaction.atomic():
            message = Message.objects.create(
                playdate=playdate, sender=user, body=text, ref=ref or "", created_at=timezone.now()
            )
            events.record(
                user_ids=[playdate.inviter_id, playdate.invitee_id],
                kind="chat.message",
                data={"message": dict(message_data(message))},
            )
    except IntegrityError:
        # The same ref sent twice at once: the other send stored it first.
        stored = None
        if ref:
            stored = _stored(user=user, ref=ref, playdate_id=playdate_id, body=text)
        if stored is None:
            raise
        return stored
    return message


def messages_read(*, user: User, playdate_id: int, message_id: int) -> None:
    """`user` has read the playdate's conversation up to `message_id`.

    The mark never moves backwards: an older message id changes nothing and tells nobody.
    When it moves, both owners get a durable `chat.read`: the other owner sees the receipt,
    and the reader's other sockets clear their unread count. Allowed on a finished playdate
    too (reading a read-only conversation), but not to moderators: receipts are the owners'.
    """
    playdate = (
        Playdate.objects.filter(pk=playdate_id).filter(Q(inviter=user) | Q(invitee=user)).first()
    )
    if playdate is None:
        raise NotFound(NO_SUCH_PLAYDATE)
    if not Message.objects.filter(pk=message_id, playdate=playdate).exists():
        raise ValidationError({"message_id": ["No such message in this playdate."]})
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_ADVANCE_READ_SQL, [user.pk, playdate.pk, message_id, timezone.now()])
            advanced = cursor.fetchone() is not None
        if advanced:
            events.record(
                user_ids=[playdate.inviter_id, playdate.invitee_id],
                kind="chat.read",
                data={"playdate_id": playdate.pk, "user_id": user.pk, "message_id": message_id},
            )


_local_lock = threading.Lock()
# typing key -> when its slot frees, as time.time()
_local_typing: dict[str, float] = {}


def _typing_slot(user_id: int, playdate_id: int) -> bool:
    """Takes the user's typing slot for this playdate for TYPING_SECONDS; False if taken.
    Shared by every process through Redis (SET NX PX); in this process without REDIS_URL."""
    key = f"{_TYPING_KEY_PREFIX}{user_id}:{playdate_id}"
    if settings.REDIS_URLS:
        return bool(redis.client().set(key, 1, nx=True, px=TYPING_SECONDS * 1000))
    now = time.time()
    with _local_lock:
        if len(_local_typing) > 10_000:
            for stale in [k for k, frees_at in _local_typing.items() if frees_at <= now]:
                del _local_typing[stale]
        if _local_typing.get(key, 0.0) > now:
            return False
        _local_typing[key] = now + TYPING_SECONDS
        return True


def typing_allowed(*, user_id: int, playdate_id: int) -> int | None:
    """The other owner, to tell that `user_id` is typing in the playdate's conversation; None
    when the user already did within TYPING_SECONDS (the notice is dropped).

    The throttle comes first, so a keystroke-happy client costs at most one database query per
    TYPING_SECONDS. A playdate the user is not part of is NotFound and a closed conversation a
    Conflict, as for a message.
    """
    if not _typing_slot(user_id, playdate_id):
        return None
    playdate = _open_conversation(user_id=user_id, playdate_id=playdate_id)
    return playdate.invitee_id if playdate.inviter_id == user_id else playdate.inviter_id


def typing_relay(*, user_id: int, playdate_id: int, other_user_id: int) -> None:
    """Tells every socket of `other_user_id` that `user_id` is typing: an ephemeral `chat.typing`
    frame, sent as is by the gateway (`frame.ephemeral`). Best effort: nothing is kept."""
    frame: dict[str, Any] = {
        "type": "chat.typing",
        "data": {"playdate_id": playdate_id, "user_id": user_id},
    }
    group = events.user_group(other_user_id)
    try:
        outcomes = doorbell.ring({group: {"type": "frame.ephemeral", "frame": frame}})
    except Exception:
        _log.warning("could not relay typing to user %s", other_user_id, exc_info=True)
        return
    if outcomes[0] is not None:
        _log.warning("could not relay typing to user %s", other_user_id, exc_info=outcomes[0])
