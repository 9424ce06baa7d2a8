"""The durable per-user event log: what each user was told, in order, kept in PostgreSQL; and
chat: each playdate's messages and how far each owner has read them.

Every durable event (CONTRACT.md, Real-time) is a row with the recipient's next `seq`, written in
the transaction of the change that caused it; the channel layer only rings the doorbell after
commit, and sockets deliver from these rows (`realtime.events`).
"""

from __future__ import annotations

from typing import Any, ClassVar

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


class Activity(models.Model):
    """One meaningful action in the product, for the moderators' live feed (`realtime.activity`).

    Written in the transaction of the action it reports. `actor` did it; `subject` is what it
    was done to; `target_user` is the other owner it concerned, if any (the invitee, the
    reported or suspended user), so that a moderator following one user sees both what they did
    and what was done to them. `metro` is the actor's metro area as it was then.
    """

    kind = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    subject_type = models.CharField(max_length=16)
    subject_id = models.BigIntegerField()
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    summary = models.CharField(max_length=200)
    metro = models.CharField(max_length=40, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "activity"
        indexes: ClassVar = [
            # The feed pages newest first by id, whole or filtered by one of these.
            # Chat messages are most of the feed and its busiest writes: they stay out of the
            # kind index (a filter on them reads the feed itself, dense with them) and have no
            # target user, so that each costs two index entries fewer.
            models.Index(
                fields=["kind", "-id"],
                condition=~models.Q(kind="chat.message"),
                name="realtime_activity_kind",
            ),
            models.Index(fields=["actor", "-id"], name="realtime_activity_actor"),
            models.Index(
                fields=["target_user", "-id"],
                condition=models.Q(target_user__isnull=False),
                name="realtime_activity_target",
            ),
            models.Index(fields=["metro", "-id"], name="realtime_activity_metro"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} by user {self.actor_id}"


class TargetType(models.TextChoices):
    USER = "user"
    PET = "pet"
    MESSAGE = "message"


class Report(models.Model):
    """An owner's report of a user, a pet or a message, until a moderator resolves it."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        HARASSMENT = "harassment", "Harassment"
        INAPPROPRIATE = "inappropriate", "Inappropriate content"
        UNSAFE_MEETING = "unsafe_meeting", "Unsafe meeting"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    MAX_TEXT_LENGTH = 2000

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    target_type = models.CharField(max_length=8, choices=TargetType.choices)
    target_id = models.BigIntegerField()
    # Who answers for the target: the user, the pet's owner, the message's sender.
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(max_length=16, choices=Reason.choices)
    text = models.TextField(max_length=MAX_TEXT_LENGTH, blank=True, default="")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    # Set when resolved: the moderator's action (ModerationAction.Kind) and note.
    resolution = models.CharField(max_length=16, blank=True, default="")
    resolution_note = models.TextField(max_length=2000, blank=True, default="")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["status", "created_at"], name="realtime_report_queue"),
            models.Index(
                fields=["target_type", "target_id", "status"], name="realtime_report_target"
            ),
        ]
        constraints: ClassVar = [
            # One open report per reporter and target: reporting again adds nothing.
            models.UniqueConstraint(
                fields=["reporter", "target_type", "target_id"],
                condition=models.Q(status="open"),
                name="realtime_report_open_once",
            ),
        ]

    def __str__(self) -> str:
        return f"report {self.pk}: {self.target_type} {self.target_id} ({self.reason})"


class ModerationAction(models.Model):
    """The audit log: one row per moderator action, written with the action and never changed.

    Nothing in the API edits it, the admin shows it read-only, and the model itself refuses an
    update or a delete.
    """

    class Kind(models.TextChoices):
        DISMISS = "dismiss", "Dismissed a report"
        HIDE_MESSAGE = "hide_message", "Hid a message"
        SUSPEND_USER = "suspend_user", "Suspended a user"
        UNSUSPEND_USER = "unsuspend_user", "Lifted a suspension"

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=16, choices=Kind.choices)
    target_type = models.CharField(max_length=8, choices=TargetType.choices)
    target_id = models.BigIntegerField()
    report = models.ForeignKey(
        Report, on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    note = models.TextField(max_length=2000, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["target_type", "target_id"], name="realtime_modaction_target"),
        ]

    def __str__(self) -> str:
        return f"{self.action} of {self.target_type} {self.target_id} by user {self.moderator_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableAuditLog("The audit log is never changed, only added to.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableAuditLog("The audit log is never changed, only added to.")


class ImmutableAuditLog(Exception):
    pass
