"""Writes for chat: sending a message (or many at once), reading up to one, and saying "typing".

A message is stored with its durable `chat.message` events for both owners (the sender's
other sockets too; only the sender's copy shows the sender's `ref`) in one transaction; the
sockets hear of it only after commit (`realtime.events`). Typing is ephemeral: relayed to the
other owner's sockets, never logged.

Only the playdate's two owners write, and only while the playdate is pending or accepted and
neither has blocked the other; after that the conversation is read-only (Conflict).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django_stubs_ext import WithAnnotations

from accounts import ratelimit
from accounts.models import DELETED_USERNAME, Block, User
from config import redis
from config.errors import Conflict, NotFound
from matching.models import Playdate, PlaydateStatus
from matching.playdate_selectors import NO_SUCH_PLAYDATE
from realtime import activity, doorbell, events
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


class NewMessage(NamedTuple):
    """A message to send: what `message_send` takes, as one item of `message_send_many`."""

    sender_id: int
    playdate_id: int
    body: str
    ref: str | None = None


class _BlockAnnotation(TypedDict):
    blocked: bool


if TYPE_CHECKING:
    # A playdate read by `_with_block`.
    Conversation: TypeAlias = WithAnnotations[Playdate, _BlockAnnotation]


def _with_block(playdates: QuerySet[Playdate]) -> QuerySet[Conversation]:
    """`playdates` with whether either owner has blocked the other."""
    blocked = Block.objects.filter(
        Q(blocker_id=OuterRef("inviter_id"), blocked_id=OuterRef("invitee_id"))
        | Q(blocker_id=OuterRef("invitee_id"), blocked_id=OuterRef("inviter_id"))
    )
    return playdates.annotate(blocked=Exists(blocked))


def _writable(playdate: Conversation | None, *, user_id: int, now: datetime) -> Playdate:
    """`playdate` (read by `_with_block`) if `user_id` may write in its conversation now."""
    if playdate is None or user_id not in (playdate.inviter_id, playdate.invitee_id):
        raise NotFound(NO_SUCH_PLAYDATE)
    status = playdate.status_at(now)
    if status not in _OPEN:
        raise Conflict(f"This playdate is {status}: its chat is read-only.")
    if playdate.blocked:
        raise Conflict("One of you has blocked the other.")
    return playdate


def _open_conversation(*, user_id: int, playdate_id: int) -> Playdate:
    """One of the user's playdates whose conversation takes new messages."""
    playdate = _with_block(Playdate.objects.filter(pk=playdate_id)).first()
    return _writable(playdate, user_id=user_id, now=timezone.now())


def clean_body(body: str) -> str:
    """A message's body as stored: trimmed, 1 to MAX_BODY_LENGTH characters."""
    text = body.strip()
    if not 1 <= len(text) <= MAX_BODY_LENGTH:
        raise ValidationError({"body": [BODY_LENGTH]})
    return text


def _stored(messages: Iterable[NewMessage]) -> dict[tuple[int | None, str], Message]:
    """The messages already sent with the refs of `messages`, by (sender id, ref): one query,
    none when no message has a ref."""
    pairs = sorted({(m.sender_id, m.ref) for m in messages if m.ref})
    if not pairs:
        return {}
    # Exactly those pairs, on the (sender, ref) index. As ORM filters, building the query cost
    # more than running it (0.25 ms a message in a batch of 100). Only placeholders go in.
    values = ", ".join(["(%s, %s)"] * len(pairs))
    sql = f"SELECT id FROM realtime_message WHERE (sender_id, ref) IN (VALUES {values})"  # noqa: S608
    ids = RawSQL(sql + " AND ref <> ''", [value for pair in pairs for value in pair])  # noqa: S611
    stored = Message.objects.filter(pk__in=ids).select_related("sender")
    return {(message.sender_id, message.ref): message for message in stored}


def message_send(*, user: User, playdate_id: int, body: str, ref: str | None = None) -> Message:
    """`user` says `body` in the playdate's conversation; both owners are told after commit.

    With a `ref`, sending again is safe: the stored message comes back, nothing new is stored
    or told, and the retry does not count towards the rate limit. Without one, every call is a
    new message. Rate limit: `settings.RATE_LIMITS["chat_message"]`, per user, whatever the
    way in (REST or WebSocket) and the process.
    """
    (outcome,) = message_send_many([NewMessage(user.pk, playdate_id, body, ref)])
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def message_send_many(messages: Sequence[NewMessage]) -> list[Message | Exception]:
    """Sends many messages at once, each as `message_send` would, in a few queries and one
    transaction for them all: the group commit of the sockets' messages (`realtime.chat_batch`).

    Returns each message's outcome, in order: the stored message (its `sender` selected), or
    the error `message_send` would raise for it (ValidationError, NotFound, Conflict,
    RateLimited), or the database's own error for a message it refused. New messages get
    their seqs in the order of `messages`. A failure of the database as a whole raises, and
    the transaction it broke stores nothing; without Redis the rate limit counts in the
    process (`accounts.ratelimit`).
    """
    outcomes: dict[int, Message | Exception] = {}
    pending: dict[int, NewMessage] = {}
    later: dict[int, NewMessage] = {}
    refs: set[tuple[int, str]] = set()
    for index, message in enumerate(messages):
        try:
            message = message._replace(body=clean_body(message.body))
        except ValidationError as error:
            outcomes[index] = error
            continue
        if not message.ref:
            pending[index] = message
        elif (message.sender_id, message.ref) in refs:
            # A ref twice in one batch: the second is sent once the first is stored, as a
            # retry of it (or afresh if the first was refused), as one after the other would.
            later[index] = message
        else:
            refs.add((message.sender_id, message.ref))
            pending[index] = message
    stored = _stored(pending.values())
    for index, message in list(pending.items()):
        if message.ref and (message.sender_id, message.ref) in stored:
            del pending[index]
            outcomes[index] = _retry_answer(stored[message.sender_id, message.ref], message)
    # Retries of a stored message were answered above: they do not count.
    counted = ratelimit.hit_many("chat_message", [str(m.sender_id) for m in pending.values()])
    for index, refused in zip(list(pending), counted, strict=True):
        if refused is not None:
            del pending[index]
            outcomes[index] = refused
    outcomes.update(_store(pending))
    if later:
        outcomes.update(zip(later, message_send_many(list(later.values())), strict=True))
    return [outcomes[index] for index in range(len(messages))]


def _retry_answer(stored: Message, message: NewMessage) -> Message | Conflict:
    """The stored message for a retry of it. A ref the sender used for another message is a
    Conflict, not a silent answer about that other message."""
    if stored.playdate_id != message.playdate_id or stored.body != message.body:
        return Conflict(REF_REUSED)
    return stored


# `metro` for the moderators' activity item of each message.
_OWNER_FIELDS = ("id", "username", "deleted_at", "metro")
_CONVERSATION_FIELDS = (
    "id",
    "status",
    "date_time",
    "inviter_id",
    "invitee_id",
    *(f"{owner}__{field}" for owner in ("inviter", "invitee") for field in _OWNER_FIELDS),
)


def _store(pending: dict[int, NewMessage]) -> dict[int, Message | Exception]:
    """Stores the `pending` messages (by index) that their conversations take, with their
    events, in one transaction; each one's outcome, by index."""
    if not pending:
        return {}
    now = timezone.now()
    ids = {message.playdate_id for message in pending.values()}
    # The owners too: one of them is each message's sender. Only what the checks and the
    # message's shape read: whole users made this query a sixth of a batch's CPU.
    conversations = (
        Playdate.objects.filter(pk__in=ids)
        .select_related("inviter", "invitee")
        .only(*_CONVERSATION_FIELDS)
    )
    playdates = {playdate.pk: playdate for playdate in _with_block(conversations)}
    outcomes: dict[int, Message | Exception] = {}
    new: dict[int, Message] = {}
    for index, message in pending.items():
        try:
            playdate = _writable(
                playdates.get(message.playdate_id), user_id=message.sender_id, now=now
            )
        except (NotFound, Conflict) as error:
            outcomes[index] = error
            continue
        is_inviter = playdate.inviter_id == message.sender_id
        new[index] = Message(
            playdate=playdate,
            sender=playdate.inviter if is_inviter else playdate.invitee,
            body=message.body,
            ref=message.ref or "",
            created_at=now,
        )
    if not new:
        return outcomes
    try:
        with transaction.atomic():
            _save_with_events(list(new.values()))
    except DatabaseError:
        # Most likely a ref of the batch sent at the same time by another batch or over REST,
        # which stored it first: one message at a time, so that only the message at fault
        # fails (or gets the other send's answer), as it would have alone.
        with transaction.atomic():
            for index, unsaved in new.items():
                outcomes[index] = _save_alone(unsaved, pending[index])
        return outcomes
    outcomes.update(new)
    return outcomes


def _save_alone(message: Message, sent: NewMessage) -> Message | Exception:
    """Stores `message` in a savepoint of its own; if its ref was taken meanwhile, what a retry
    of the stored message gets; if the database refuses it otherwise, that error."""
    message.pk = None  # the failed batch may have numbered it
    try:
        with transaction.atomic():
            _save_with_events([message])
    except IntegrityError as error:
        stored = _stored([sent]).get((sent.sender_id, message.ref))
        return error if stored is None else _retry_answer(stored, sent)
    except DatabaseError as error:
        return error
    return message


def _save_with_events(messages: list[Message]) -> None:
    """Inserts `messages`, and both owners' `chat.message` event for each, in that order, with
    the moderators' activity items (which show no message text: moderators open the
    conversation for that). The sender's event alone shows the message's `ref`."""
    Message.objects.bulk_create(messages)
    entries: list[tuple[int, str, dict[str, Any]]] = []
    items = []
    for message in messages:
        # One rendering for both: the other owner's copy is the sender's without the ref.
        shown: dict[str, Any] = dict(message_data(message, viewer_id=message.sender_id))
        playdate = message.playdate
        for user_id in sorted((playdate.inviter_id, playdate.invitee_id)):
            copy = shown if user_id == message.sender_id else {**shown, "ref": None}
            entries.append((user_id, "chat.message", {"message": copy}))
        sender = message.sender
        items.append(
            activity.NewActivity(
                "chat.message",
                sender,
                "message",
                message.pk,
                f"{sender.username if sender else DELETED_USERNAME} wrote in playdate"
                f" {playdate.pk}",
            )
        )
    events.record_many(entries + activity.entries_for(items))


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
    Conflict, as for a message, every time: a refused notice gives its slot back, so a slot is
    only ever held for a conversation the user may type in (and the flood limit bounds the
    queries of refused ones).
    """
    if not _typing_slot(user_id, playdate_id):
        return None
    try:
        playdate = _open_conversation(user_id=user_id, playdate_id=playdate_id)
    except (NotFound, Conflict):
        _typing_slot_free(user_id, playdate_id)
        raise
    return playdate.invitee_id if playdate.inviter_id == user_id else playdate.inviter_id


def _typing_slot_free(user_id: int, playdate_id: int) -> None:
    key = f"{_TYPING_KEY_PREFIX}{user_id}:{playdate_id}"
    if settings.REDIS_URLS:
        redis.client().delete(key)
        return
    with _local_lock:
        _local_typing.pop(key, None)


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
