"""Admin for moderators: the report queue with one-click actions, the activity feed, the audit
log (read-only), chat messages, and suspension of users from the user list.

Every action here goes through `realtime.moderation_services`, exactly as the API does, so it
lands in the audit log and takes effect at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin import UserAdmin
from accounts.models import User
from config.errors import DomainError
from realtime import moderation_services as services
from realtime.models import Activity, Message, ModerationAction, Report


def _for_each(
    request: HttpRequest, items: QuerySet[Any], act: Callable[[Any], object], done: str
) -> None:
    """Runs `act` on each selected item; says how many succeeded and why any did not."""
    succeeded = 0
    for item in items:
        try:
            act(item)
        except (DomainError, ValidationError) as error:
            messages.warning(request, f"{item}: {error}")
        else:
            succeeded += 1
    if succeeded:
        messages.success(request, f"{done}: {succeeded}.")


def _moderator(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise TypeError("the admin serves logged-in users only")
    return user


def _resolve_action(action: str, label: str) -> Any:
    @admin.action(description=label)
    def resolve(modeladmin: Any, request: HttpRequest, reports: QuerySet[Report]) -> None:
        _for_each(
            request,
            reports.filter(status=Report.Status.OPEN),
            lambda report: services.report_resolve(
                moderator=_moderator(request), report_id=report.pk, action=action
            ),
            f"Resolved ({action})",
        )

    resolve.__name__ = f"resolve_{action}"
    return resolve


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin[Report]):
    list_display = (
        "id",
        "created_at",
        "status",
        "reason",
        "target_type",
        "target_id",
        "target_user",
        "reporter",
        "resolution",
    )
    list_filter = ("status", "reason", "target_type", "resolution")
    list_select_related = ("target_user", "reporter")
    search_fields = ("text", "reporter__email", "target_user__email", "target_user__username")
    date_hierarchy = "created_at"
    ordering = ("status", "created_at")
    actions = (
        _resolve_action(ModerationAction.Kind.DISMISS, "Dismiss the selected reports"),
        _resolve_action(ModerationAction.Kind.HIDE_MESSAGE, "Hide the reported messages"),
        _resolve_action(ModerationAction.Kind.SUSPEND_USER, "Suspend the reported users"),
    )

    # Reports change by being resolved (the actions above), never by hand.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        return False


class _ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ModerationAction)
class ModerationActionAdmin(_ReadOnlyAdmin):
    """The audit log: who did what, to what, why and when. Nobody edits it."""

    list_display = ("id", "created_at", "moderator", "action", "target_type", "target_id", "note")
    list_filter = ("action", "target_type")
    list_select_related = ("moderator",)
    search_fields = ("note", "moderator__email")
    date_hierarchy = "created_at"
    ordering = ("-id",)


@admin.register(Activity)
class ActivityAdmin(_ReadOnlyAdmin):
    list_display = ("id", "created_at", "kind", "actor", "summary", "metro")
    list_filter = ("kind", "metro")
    list_select_related = ("actor",)
    search_fields = ("summary", "actor__email")
    ordering = ("-id",)
    # The feed is large: no COUNT(*) of it on every page.
    show_full_result_count = False


@admin.register(Message)
class MessageAdmin(_ReadOnlyAdmin):
    """Messages, for reading a reported conversation; hiding one goes through its report."""

    list_display = ("id", "created_at", "playdate", "sender", "body", "hidden_at")
    list_filter = ("hidden_at",)
    list_select_related = ("sender",)
    search_fields = ("body", "sender__email")
    raw_id_fields = ("playdate", "sender")
    ordering = ("-id",)
    show_full_result_count = False


@admin.action(description="Suspend the selected users")
def suspend_users(modeladmin: Any, request: HttpRequest, users: QuerySet[User]) -> None:
    _for_each(
        request,
        users,
        lambda user: services.user_suspend(moderator=_moderator(request), user_id=user.pk),
        "Suspended",
    )


@admin.action(description="Lift the suspension of the selected users")
def unsuspend_users(modeladmin: Any, request: HttpRequest, users: QuerySet[User]) -> None:
    _for_each(
        request,
        users,
        lambda user: services.user_unsuspend(moderator=_moderator(request), user_id=user.pk),
        "Suspension lifted",
    )


# accounts cannot know moderation (it sits below realtime): its user admin is extended here with
# the suspension actions, and the suspension field becomes read-only, so that every suspension
# is audited.
admin.site.unregister(User)


@admin.register(User)
class ModeratedUserAdmin(UserAdmin):
    actions = (suspend_users, unsuspend_users)
    readonly_fields = ("suspended_at", "metro")

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # An owner deletes their account themselves (DELETE /me), which anonymises it: a row
        # removed here would take their playdates out of other owners' histories.
        return False

    list_filter = (*UserAdmin.list_filter, "suspended_at", "metro")
