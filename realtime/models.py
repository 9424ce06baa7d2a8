"""The durable per-user event log: what each user was told, in order, kept in PostgreSQL.

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
