"""Reads for chat: a playdate's history, and each playdate's unread count and last message.

A conversation is its playdate's two owners'; moderators may read any (hidden messages
included). To anyone else it is NotFound, like the playdate itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django_stubs_ext import WithAnnotations
from rest_framework.fields import DateTimeField

from accounts.models import DELETED_USERNAME, User
from config.errors import NotFound
from matching.models import Playdate
from matching.playdate_selectors import NO_SUCH_PLAYDATE
from realtime.models import ChatRead, Message

_timestamp = DateTimeField()


class MessageData(TypedDict):
    """A message as the API and its events show it (CONTRACT.md, Chat). A deleted account's
    messages have no `sender_id` and the `sender_name` "deleted user"; `hidden` (set by a
    moderator) is only ever true for moderators, since owners do not see hidden messages.
    `ref` is the sender's own id for the message, shown to the sender alone (null to anyone
    else, and when the message was sent without one): how their client knows its message."""

    id: int
    playdate_id: int
    sender_id: int | None
    sender_name: str
    body: str
    created_at: str
    hidden: bool
    ref: str | None


class ChatSummary(TypedDict):
    """What the playdate list shows of a playdate's conversation, for the caller."""

    unread_count: int
    last_message: MessageData | None


class ChatAnnotations(TypedDict):
    chat_unread_count: int
    chat_last_message_id: int | None


def message_data(message: Message, *, viewer_id: int | None) -> MessageData:
    """The one shape of a message for REST answers and event payloads alike, as `viewer_id`
    sees it (None: as no one in particular, so without the sender's `ref`). Reads
    `message.sender`: select it with the message."""
    sender = message.sender
    if sender is None or sender.deleted_at is not None:
        sender_id, sender_name = None, DELETED_USERNAME
    else:
        sender_id, sender_name = sender.pk, sender.username
    return {
        "id": message.pk,
        "playdate_id": message.playdate_id,
        "sender_id": sender_id,
        "sender_name": sender_name,
        "body": message.body,
        "created_at": _timestamp.to_representation(message.created_at),
        "hidden": message.hidden_at is not None,
        "ref": (message.ref or None) if sender_id is not None and sender_id == viewer_id else None,
    }


def conversation_get(*, user: User, playdate_id: int) -> Playdate:
    """A playdate whose conversation `user` may read: their own, or any for a moderator."""
    playdates = Playdate.objects.filter(pk=playdate_id)
    if not user.is_moderator:
        playdates = playdates.filter(Q(inviter=user) | Q(invitee=user))
    playdate = playdates.first()
    if playdate is None:
        raise NotFound(NO_SUCH_PLAYDATE)
    return playdate


def message_list(*, user: User, playdate_id: int, before: int | None = None) -> QuerySet[Message]:
    """The playdate's messages as `user` may see them, newest first; `before` (a message id)
    starts after that one. Owners do not see hidden messages; moderators do."""
    playdate = conversation_get(user=user, playdate_id=playdate_id)
    messages = Message.objects.filter(playdate=playdate).select_related("sender")
    if not user.is_moderator:
        messages = messages.filter(hidden_at__isnull=True)
    if before is not None:
        messages = messages.filter(pk__lt=before)
    return messages.order_by("-pk")


def playdates_with_chat(
    playdates: QuerySet[Playdate], *, user: User
) -> QuerySet[WithAnnotations[Playdate, ChatAnnotations]]:
    """`playdates` (the user's own) with their conversation's unread count and last message id
    for `user`, computed in the same query as the playdates themselves.

    Unread: the messages the user can see, from the other side, past the last one they read.
    """
    visible = Message.objects.filter(playdate=OuterRef("pk"), hidden_at__isnull=True)
    last_read = ChatRead.objects.filter(user=user, playdate=OuterRef(OuterRef("pk"))).values(
        "message_id"
    )[:1]
    unread = (
        visible.exclude(sender=user)
        .filter(pk__gt=Coalesce(Subquery(last_read), 0))
        .order_by()
        .values("playdate")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return playdates.annotate(
        chat_unread_count=Coalesce(Subquery(unread), 0),
        chat_last_message_id=Subquery(visible.order_by("-pk").values("pk")[:1]),
    )


def chat_summaries(
    playdates: Sequence[WithAnnotations[Playdate, ChatAnnotations]],
) -> dict[int, ChatSummary]:
    """Each playdate's ChatSummary, by playdate id, for a page of `playdates_with_chat`: one
    query for the whole page's last messages (none if no playdate has one). They show no
    `ref`: a client matches its own sends in the conversation, not in the playdate list."""
    last_ids = [p.chat_last_message_id for p in playdates if p.chat_last_message_id is not None]
    last_messages = {}
    if last_ids:
        last_messages = {
            message.pk: message_data(message, viewer_id=None)
            for message in Message.objects.filter(pk__in=last_ids).select_related("sender")
        }
    return {
        playdate.pk: {
            "unread_count": playdate.chat_unread_count,
            "last_message": (
                last_messages[playdate.chat_last_message_id]
                if playdate.chat_last_message_id is not None
                else None
            ),
        }
        for playdate in playdates
    }
