"""Owners, moderators and their login sessions."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

DELETED_USERNAME = "deleted user"


def normalize_email(email: str) -> str:
    """Emails are unique regardless of case, so they are stored lower-cased and trimmed."""
    return email.strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("Users must have an email address.")
        fields.setdefault("username", normalize_email(email).split("@")[0][:30])
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.update(is_staff=True, is_superuser=True, role=User.Role.MODERATOR)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email=normalize_email(username or ""))


class User(AbstractBaseUser, PermissionsMixin):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MODERATOR = "moderator", "Moderator"

    email = models.EmailField(max_length=254, unique=True)
    username = models.CharField(
        max_length=30,
        validators=[
            RegexValidator(
                r"^[\w.\- ]+$", "Use letters, digits, spaces, dots, dashes or underscores."
            )
        ],
    )
    location = models.CharField(max_length=120, blank=True, default="")
    latitude = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    # The metro area (accounts.metros) the coordinates fall in, "" for none: kept with them so
    # per-metro figures filter on one indexed column instead of a distance per owner.
    metro = models.SlugField(max_length=40, blank=True, default="", db_index=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.OWNER)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    suspended_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["username"]

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.username} <{self.email}>"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = normalize_email(self.email)
        if self.is_superuser:
            self.role = self.Role.MODERATOR
        super().save(*args, **kwargs)

    @property
    def is_moderator(self) -> bool:
        return self.role == self.Role.MODERATOR or self.is_superuser

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None


class Session(models.Model):
    """One login: a family of refresh tokens, of which only the newest (`refresh_jti`) works.

    Access tokens carry the session id, so revoking a session ends its access tokens at once.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    refresh_jti = models.CharField(max_length=64, unique=True)
    user_agent = models.CharField(max_length=256, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"session {self.pk} of user {self.user_id}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class Block(models.Model):
    """`blocker` never sees `blocked` in matches, and neither can invite or message the other."""

    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_made")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_received")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="accounts_block_unique"),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")), name="accounts_block_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"user {self.blocker_id} blocks user {self.blocked_id}"


class Feedback(models.Model):
    """What an owner tells us about the product (user acceptance feedback), for moderators."""

    MAX_MESSAGE_LENGTH = 5000
    MAX_PAGE_LENGTH = 500

    # Kept when the account is deleted (deletion keeps the user row, anonymised).
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="feedback")
    message = models.TextField(max_length=MAX_MESSAGE_LENGTH)
    # Where in the app it was given (a path or screen name), when the client says.
    page = models.CharField(max_length=MAX_PAGE_LENGTH, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"feedback {self.pk} from user {self.user_id}"


class FeatureSwitch(models.Model):
    """A feature group on, off, or on for a percentage of users (config/features.py)."""

    class State(models.TextChoices):
        ON = "on", "On"
        OFF = "off", "Off"
        PERCENT = "percent", "On for a percentage of users"

    name = models.SlugField(max_length=50, unique=True, help_text="e.g. chat, live_suggestions")
    state = models.CharField(max_length=8, choices=State.choices, default=State.ON)
    percent = models.PositiveSmallIntegerField(
        default=100,
        validators=[MaxValueValidator(100)],
        help_text="With 'percentage': the share of users, stable per user.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}: {self.state}" + (
            f" {self.percent} %" if self.state == "percent" else ""
        )


class ActiveDay(models.Model):
    """An owner used the product (an authenticated request, a socket) on `day`, a UTC date.

    The source of WAU and MAU (`realtime.engagement`). Written at most once per owner, day and
    process (`accounts.active_days`), with DailyActiveOwners; `metro` is the owner's metro on
    that day.
    """

    pk = models.CompositePrimaryKey("user", "day")
    # The primary key, user first, indexes it.
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    metro = models.SlugField(max_length=40, blank=True, default="")

    class Meta:
        indexes: ClassVar = [
            # Distinct owners over a window, all metros or one, read from the index alone.
            models.Index(fields=["day", "user"], name="accounts_activeday_day"),
            models.Index(fields=["metro", "day", "user"], name="accounts_activeday_metro"),
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} active on {self.day}"


class ActiveWeek(models.Model):
    """An owner was active on some day of the ISO week starting `week` (a Monday, UTC).

    `cohort` is the Monday of the week the owner signed up in. Written with ActiveDay; its
    first row for an owner and week counts them in CohortWeek.
    """

    pk = models.CompositePrimaryKey("user", "week")
    # The primary key, user first, indexes it.
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", db_index=False)
    week = models.DateField()
    cohort = models.DateField()

    def __str__(self) -> str:
        return f"user {self.user_id} active in the week of {self.week}"


# How far back an active day looks for the owner's previous one: the longest rolling window
# counted from DailyActiveOwners (MAU's 30 days).
RETURN_WINDOW_DAYS = 30


class DailyActiveOwners(models.Model):
    """How many owners of a metro were active on a day, by how long before it they were last
    active: ActiveDay's rows counted as they are written, in the same statement, so a year of
    DAU, WAU and MAU is a few thousand rows per metro to read (`realtime.engagement`)."""

    pk = models.CompositePrimaryKey("day", "metro", "gap")
    day = models.DateField()
    metro = models.SlugField(max_length=40, blank=True, default="")
    # Days since the owner's previous active day, 1 to RETURN_WINDOW_DAYS; 0 when there was
    # none that recent (or none at all).
    gap = models.PositiveSmallIntegerField(default=0)
    owners = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "daily active owners"

    def __str__(self) -> str:
        since = f"{self.gap} days after their last" if self.gap else "first in a while"
        return f"{self.owners} owners active in {self.metro or 'no metro'} on {self.day} ({since})"


class CohortWeek(models.Model):
    """How many owners who signed up in the week `cohort` were active in the week `week`, in a
    metro (theirs that week): ActiveWeek's rows counted as they are written, for retention."""

    pk = models.CompositePrimaryKey("cohort", "week", "metro")
    cohort = models.DateField()
    week = models.DateField()
    metro = models.SlugField(max_length=40, blank=True, default="")
    owners = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.owners} owners of the {self.cohort} cohort active in the week of {self.week}"
