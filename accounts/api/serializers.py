"""Input and output serializers for the accounts API."""

from __future__ import annotations

import copy
import math
import zoneinfo
from functools import cache
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from accounts import exports
from accounts.models import Block, Feedback, Session, User, normalize_email
from pets.api.serializers import Text


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class UserOutput(serializers.Serializer[User]):
    """A user as the owner sees themself. A plain Serializer: it is on the hot path of /me."""

    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    username = serializers.CharField(read_only=True)
    location = serializers.CharField(read_only=True)
    latitude = serializers.FloatField(read_only=True, allow_null=True)
    longitude = serializers.FloatField(read_only=True, allow_null=True)
    time_zone = serializers.CharField(read_only=True)
    role = serializers.SerializerMethodField()
    date_joined = serializers.DateTimeField(read_only=True)
    metro = serializers.CharField(
        read_only=True,
        help_text='Slug of the metro area the coordinates fall in (accounts.metros), "" for none.',
    )

    def get_role(self, user: User) -> str:
        return str(User.Role.MODERATOR if user.is_moderator else User.Role.OWNER)


class Degrees(serializers.FloatField):
    """A latitude or longitude. float() also reads "nan", which passes every range check."""

    def to_internal_value(self, data: Any) -> float:
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


class ProfileInput(serializers.Serializer[User]):
    """The editable profile fields, shared by register and PATCH /me."""

    username = serializers.CharField(max_length=30, min_length=2, trim_whitespace=True)
    location = serializers.CharField(
        max_length=120, required=False, allow_blank=True, trim_whitespace=True
    )
    latitude = Degrees(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = Degrees(required=False, allow_null=True, min_value=-180, max_value=180)
    time_zone = serializers.CharField(max_length=64, required=False)

    def validate_username(self, value: str) -> str:
        User._meta.get_field("username").run_validators(value)
        return value

    def validate_time_zone(self, value: str) -> str:
        if value not in _time_zones():
            raise serializers.ValidationError("Use an IANA time zone name such as Europe/Paris.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance = self.instance if isinstance(self.instance, User) else None
        latitude = attrs.get("latitude", instance.latitude if instance else None)
        longitude = attrs.get("longitude", instance.longitude if instance else None)
        if (latitude is None) != (longitude is None):
            missing = "longitude" if longitude is None else "latitude"
            raise serializers.ValidationError(
                {missing: ["Give latitude and longitude together, or neither."]}
            )
        return attrs


class RegisterInput(ProfileInput):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)

    def validate_email(self, value: str) -> str:
        # Whether the email is taken is decided by services.user_register, after the register
        # limits have counted the attempt; checked here, anyone could probe for accounts
        # without limit, and the per-account register limit would never be reached.
        return normalize_email(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        candidate = User(email=attrs.get("email", ""), username=attrs.get("username", ""))
        try:
            validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


class LoginInput(serializers.Serializer[dict[str, Any]]):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class RefreshInput(serializers.Serializer[dict[str, Any]]):
    refresh = serializers.CharField(max_length=4096)


class TokenPairOutput(serializers.Serializer[dict[str, Any]]):
    access = serializers.CharField()
    refresh = serializers.CharField()


class RegisterOutput(TokenPairOutput):
    user = UserOutput()


class BrowserAccessOutput(serializers.Serializer[dict[str, Any]]):
    """What the browser flow answers: the refresh token travels only in its HttpOnly cookie."""

    access = serializers.CharField()


class BrowserSessionOutput(BrowserAccessOutput):
    user = UserOutput()


class SessionOutput(serializers.ModelSerializer[Session]):
    current = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = ("id", "created_at", "last_used_at", "user_agent", "current")
        read_only_fields = fields

    def get_current(self, session: Session) -> bool:
        return bool(session.pk == self.context.get("current_session_id"))


class SessionListOutput(serializers.Serializer[dict[str, Any]]):
    results = SessionOutput(many=True)
    next = serializers.CharField(allow_null=True)


class PasswordConfirmInput(serializers.Serializer[dict[str, Any]]):
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class SessionRecordOutput(serializers.ModelSerializer[Session]):
    """A session as kept on record (export), ended ones included."""

    class Meta:
        model = Session
        fields = ("id", "created_at", "last_used_at", "user_agent", "expires_at", "revoked_at")
        read_only_fields = fields


class BlockOutput(serializers.ModelSerializer[Block]):
    user_id = serializers.IntegerField(source="blocked.id")
    username = serializers.CharField(source="blocked.username")

    class Meta:
        model = Block
        fields = ("user_id", "username", "created_at")
        read_only_fields = fields


class FeedbackInput(serializers.Serializer[dict[str, Any]]):
    message = Text(
        max_length=Feedback.MAX_MESSAGE_LENGTH,
        help_text=f"What you want to tell us: 1 to {Feedback.MAX_MESSAGE_LENGTH} characters.",
    )
    page = Text(
        max_length=Feedback.MAX_PAGE_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="Where in the app (a path or screen name).",
    )


class FeedbackOutput(serializers.ModelSerializer[Feedback]):
    class Meta:
        model = Feedback
        fields = ("id", "user_id", "message", "page", "created_at")


class FeedbackListQuery(serializers.Serializer[dict[str, Any]]):
    """Newest first. `next` carries `before`: the id of the last feedback on the page."""

    before = serializers.IntegerField(min_value=1, required=False)
    limit = serializers.IntegerField(min_value=1, max_value=100, default=50)


class FeedbackListOutput(serializers.Serializer[dict[str, Any]]):
    results = FeedbackOutput(many=True)
    next = serializers.URLField(allow_null=True)


class ExportOutput(serializers.Serializer[dict[str, Any]]):
    """Everything the service holds about the caller: `exported_at`, then one key per section
    the apps registered (accounts.exports), in INSTALLED_APPS order."""

    exported_at = serializers.DateTimeField()

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # Read from the registry when used, not when this module loads: the apps above
        # accounts register their sections in ready(), after this class exists.
        fields = super().get_fields()
        for section in exports.sections():
            fields[section.name] = copy.deepcopy(section.output)
        return fields


class NeighbourhoodOutput(serializers.Serializer[Any]):
    """A well-known neighbourhood of a metro and its approximate centre."""

    name = serializers.CharField()
    slug = serializers.CharField(help_text="Unique within its metro.")
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()


class MetroOutput(serializers.Serializer[Any]):
    """A metro area to pick where one lives from: slug (User.metro), centre, neighbourhoods."""

    slug = serializers.CharField()
    name = serializers.CharField()
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    neighbourhoods = NeighbourhoodOutput(many=True)
