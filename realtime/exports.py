"""Realtime's sections of a user's export (GET /me/export, accounts.exports): the chat messages
the user sent, how far they read each conversation, their durable event log, the reports they
filed, their actions in the moderators' feed and, for moderators, their audit log entries."""

from __future__ import annotations

from typing import TypedDict

from django.db.models import Q, QuerySet
from rest_framework import serializers

from accounts.models import User
from matching.models import Playdate
from realtime import events
from realtime.activity import ActivityData, activity_data
from realtime.chat_selectors import MessageData, message_data
from realtime.models import Activity, ChatRead, Event, Message, ModerationAction, Report


class ChatReadRecordOutput(serializers.Serializer[ChatRead]):
    """The user has read playdate `playdate_id`'s conversation up to message `message_id`."""

    playdate_id = serializers.IntegerField(read_only=True)
    message_id = serializers.IntegerField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class EventRecordOutput(serializers.Serializer[Event]):
    """A durable event as it was delivered: `kind` and `data` are its frame's `type` and `data`."""

    seq = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    # The frame's own name. DRF takes declared fields off the class, so `.data` still works.
    data = serializers.JSONField(read_only=True)  # type: ignore[assignment]
    created_at = serializers.DateTimeField(read_only=True)


class EventLog(TypedDict):
    last_seq: int
    held: QuerySet[Event]


class EventLogOutput(serializers.Serializer[EventLog]):
    """`last_seq`: how many durable events the user was ever sent; `held`: those the log still
    keeps (at least the last 7 days', `manage.py prune_events`), oldest first."""

    last_seq = serializers.IntegerField(read_only=True)
    held = EventRecordOutput(many=True, read_only=True)


def messages_sent(*, user: User) -> list[MessageData]:
    """Every message the user sent, oldest first, hidden ones too (`hidden`: a moderator hid
    it from the owners; the service still holds it), with the user's own `ref`s. Messages
    received are the other owner's.

    Found through the user's playdates, as every chat read is, because messages have no index
    on their sender: the history index (playdate, -id) serves each conversation.
    """
    playdates = Playdate.objects.filter(Q(inviter=user) | Q(invitee=user)).values("pk")
    messages = (
        Message.objects.filter(playdate__in=playdates, sender=user)
        .select_related("sender")
        .order_by("pk")
    )
    return [message_data(message, viewer_id=user.pk) for message in messages]


def chat_reads(*, user: User) -> QuerySet[ChatRead]:
    return ChatRead.objects.filter(user=user).order_by("playdate_id")


def event_log(*, user: User) -> EventLog:
    """The whole log as held. It is a delivery log of what other sections already hold
    (playdates, messages, read marks), but also of `match.suggested`, which nothing else keeps,
    and it is data addressed to the user: so it is in full, not just counted. Pruning keeps it
    to the retention period, so it stays a few days' worth."""
    return {
        "last_seq": events.last_seq(user.pk),
        "held": Event.objects.filter(user=user).order_by("seq"),
    }


def reports_filed(*, user: User) -> QuerySet[Report]:
    """The reports the user filed. Reports of the user are the reporters' (and who filed them
    is kept from the reported user), as are moderators' notes on them."""
    return Report.objects.filter(reporter=user).order_by("pk")


def activity_of(*, user: User) -> list[ActivityData]:
    """What the moderators' feed recorded of the user's own actions, oldest first."""
    return [activity_data(item) for item in Activity.objects.filter(actor=user).order_by("pk")]


def moderation_actions(*, user: User) -> QuerySet[ModerationAction]:
    """A moderator's own actions, from the audit log (for an owner: none)."""
    return ModerationAction.objects.filter(moderator=user).order_by("pk")
