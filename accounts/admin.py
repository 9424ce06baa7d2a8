"""Admin for users and their login sessions. Superusers and moderators are set here."""

from typing import Any, ClassVar

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.http import HttpRequest

from accounts.metros import metro_at
from accounts.models import FeatureSwitch, Feedback, Session, User


class UserCreationForm(BaseUserCreationForm[User]):
    class Meta:
        model = User
        fields = ("email", "username")


class UserChangeForm(DjangoUserChangeForm[User]):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):  # type: ignore[type-arg]  # our User is not an AbstractUser
    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ("-date_joined",)
    list_display = ("email", "username", "role", "location", "metro", "is_active", "suspended_at")
    list_filter: ClassVar[tuple[str, ...]] = ("role", "is_active", "is_staff", "is_superuser")
    search_fields = ("email", "username", "location")
    fieldsets = (
        (None, {"fields": ("email", "username", "password")}),
        ("Profile", {"fields": ("location", "latitude", "longitude", "metro", "time_zone")}),
        ("Role and status", {"fields": ("role", "is_active", "suspended_at")}),
        ("Admin access", {"fields": ("is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields: ClassVar[tuple[str, ...]] = ("metro",)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        # The metro follows the coordinates, as it does through the API.
        obj.metro = metro_at(obj.latitude, obj.longitude)
        super().save_model(request, obj, form, change)

    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "username", "password1", "password2"),
            },
        ),
    )


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin[Session]):
    list_display = ("id", "user", "user_agent", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__email",)
    raw_id_fields = ("user",)
    readonly_fields = ("refresh_jti", "created_at", "last_used_at", "expires_at")


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin[Feedback]):
    list_display = ("id", "user", "page", "message", "created_at")
    list_select_related = ("user",)
    search_fields = ("message", "page", "user__email")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    # What an owner said stays as they said it.
    readonly_fields = ("user", "message", "page", "created_at")


@admin.register(FeatureSwitch)
class FeatureSwitchAdmin(admin.ModelAdmin[FeatureSwitch]):
    list_display = ("name", "state", "percent", "updated_at")
    list_editable = ("state", "percent")
    search_fields = ("name",)
    ordering = ("name",)
