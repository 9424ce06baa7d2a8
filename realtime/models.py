"""The durable per-user event log: what each user was told, in order, kept in PostgreSQL; and
chat: each playdate's messages and how far each owner has read them.

Every durable event (CONTRACT.md, Real-time) is a row with the recipient's next `seq`, written in
the transaction of the change that caused it; the channel layer only rings the doorbell after
commit, and sockets deliver from these rows (`realtime.events`).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone


class EventCursor(models.Model):
    """A user's last `seq`. Taking the next one locks this row until commit, so one user's
    events commit in `seq` order and a reader never sees a later one before an earlier one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_seq = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"user {self.user_id} at seq {self.last_seq}"


class Event(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    seq = models.BigIntegerField()
    kind = models.CharField(max_length=40)
    data = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "seq"], name="realtime_event_user_seq")
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.seq} for user {self.user_id}"


# As long as a WebSocket frame's `ref` may be.
MAX_REF_LENGTH = 100


class Message(models.Model):
    """One chat message in a playdate's conversation between its two owners.

    `sender` is kept when an account is deleted (the row is anonymised, `accounts.services.
    user_delete`) and goes NULL only if a user row is removed outright: either way the message
    stays in the other owner's history as from "deleted user". `ref` is the sender's own id for
    the message (empty: none): a retried send with the same `ref` gets the stored message, not a
    second one.
    """

    playdate = models.ForeignKey(
        "matching.Playdate", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        db_index=False,
    )
    body = models.TextField(max_length=2000)
    ref = models.CharField(max_length=MAX_REF_LENGTH, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    # Set by a moderator: the owners no longer see the message; moderators still do.
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [
            # History newest first, and unread counts (ids past the last one read): one index
            # serves both. Hidden messages are rare enough to be filtered out as it is read.
            models.Index(fields=["playdate", "-id"], name="realtime_msg_history"),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["sender", "ref"],
                condition=~models.Q(ref=""),
                name="realtime_msg_sender_ref",
            ),
        ]

    def __str__(self) -> str:
        return f"message {self.pk} in playdate {self.playdate_id}"


class ChatRead(models.Model):
    """How far one owner has read one playdate's conversation: the last message they saw."""

    playdate = models.ForeignKey(
        "matching.Playdate", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+", db_index=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            # User first: the index also serves deleting a user's rows.
            models.UniqueConstraint(fields=["user", "playdate"], name="realtime_chatread_unique"),
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} read playdate {self.playdate_id} up to {self.message_id}"
