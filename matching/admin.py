"""Admin for playdates: moderators look them up (who, which pets, when, where, what state).

Read-only: a playdate changes through its owners' actions (matching.playdate_services), which
record the events both owners' screens follow; an edit here would skip them.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from matching.models import Playdate


@admin.register(Playdate)
class PlaydateAdmin(admin.ModelAdmin[Playdate]):
    list_display = (
        "id",
        "date_time",
        "status",
        "inviter",
        "pet_1",
        "invitee",
        "pet_2",
        "location_name",
        "created_at",
    )
    list_filter = ("status",)
    list_select_related = ("inviter", "invitee", "pet_1", "pet_2")
    search_fields = (
        "inviter__email",
        "inviter__username",
        "invitee__email",
        "invitee__username",
        "pet_1__name",
        "pet_2__name",
        "location_name",
    )
    date_hierarchy = "date_time"
    ordering = ("-id",)
    raw_id_fields = ("pet_1", "pet_2", "inviter", "invitee", "awaiting_user")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Playdate | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Playdate | None = None) -> bool:
        return False
