"""Matching state: which pets a pet has passed on, and the playdates owners arrange."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from pets.models import Pet

# An accepted playdate is over (completed) this long after it starts; two accepted playdates of
# one pet must start at least this far apart.
PLAYDATE_LENGTH = timedelta(hours=2)


class Pass(models.Model):
    """`pet`'s owner said no to `other`: it is never suggested to `pet` again."""

    pet = models.ForeignKey(Pet, on_delete=models.CASCADE, related_name="passes")
    other = models.ForeignKey(Pet, on_delete=models.CASCADE, related_name="passed_by")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["pet", "other"], name="matching_pass_unique")
        ]
        verbose_name_plural = "passes"

    def __str__(self) -> str:
        return f"pet {self.pet_id} passed on pet {self.other_id}"


class PlaydateStatus(models.TextChoices):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    COMPLETED = "completed"


class Playdate(models.Model):
    """An invitation from `pet_1` (the inviter's) to `pet_2` (the invitee's) to meet.

    `status` is what was last written: a pending playdate whose time has passed *is* expired and
    an accepted one two hours past its time *is* completed (`status_at`) before anyone writes
    that down (the next write to it or `manage.py expire_playdates`). The place is where the
    owners agreed to meet, never anyone's home.
    """

    pet_1 = models.ForeignKey(Pet, on_delete=models.CASCADE, related_name="playdates_sent")
    pet_2 = models.ForeignKey(Pet, on_delete=models.CASCADE, related_name="playdates_received")
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playdates_sent"
    )
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playdates_received"
    )
    date_time = models.DateTimeField()
    location_name = models.CharField(max_length=120, blank=True, default="")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    message = models.TextField(max_length=500, blank=True, default="")
    status = models.CharField(
        max_length=10, choices=PlaydateStatus.choices, default=PlaydateStatus.PENDING
    )
    # Whose answer is awaited: the invitee, then whoever did not make the latest counter-offer.
    awaiting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # When the invitation was accepted (kept if it is later cancelled or completed): time to
    # accept, for the engagement figures.
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [
            # Invitations sent and accepted per day (the engagement figures).
            models.Index(fields=["created_at"], name="matching_pd_created"),
            models.Index(
                fields=["accepted_at"],
                name="matching_pd_accepted",
                condition=models.Q(accepted_at__isnull=False),
            ),
            # Each participant's list, newest first.
            models.Index(fields=["inviter", "-id"], name="matching_pd_inviter"),
            models.Index(fields=["invitee", "-id"], name="matching_pd_invitee"),
            # The overlap check on accept, and the sweep.
            models.Index(fields=["pet_1", "status", "date_time"], name="matching_pd_pet_1"),
            models.Index(fields=["pet_2", "status", "date_time"], name="matching_pd_pet_2"),
            models.Index(fields=["status", "date_time"], name="matching_pd_due"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~models.Q(inviter=models.F("invitee")), name="matching_pd_two_owners"
            ),
            models.CheckConstraint(
                condition=~models.Q(pet_1=models.F("pet_2")), name="matching_pd_two_pets"
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(
                    latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180
                ),
                name="matching_pd_place",
            ),
        ]

    def __str__(self) -> str:
        return f"playdate {self.pk}: pet {self.pet_1_id} and pet {self.pet_2_id}, {self.status}"

    def status_at(self, now: datetime) -> str:
        """The status as of `now`, the passing of time included."""
        if self.status == PlaydateStatus.PENDING and self.date_time <= now:
            return PlaydateStatus.EXPIRED
        if self.status == PlaydateStatus.ACCEPTED and self.date_time + PLAYDATE_LENGTH <= now:
            return PlaydateStatus.COMPLETED
        return self.status


class SuggestionDay(models.Model):
    """How many suggestions owners of one metro were shown on one UTC day (`match.suggested`).

    A daily rollup rather than a count of the event log, which keeps 7 days: one upsert that
    adds to the day's count per metro, in the transaction that records the suggestions.
    """

    pk = models.CompositePrimaryKey("day", "metro")
    day = models.DateField()
    metro = models.SlugField(max_length=40, blank=True, default="")
    shown = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.shown} suggestions shown in {self.metro or 'no metro'} on {self.day}"
