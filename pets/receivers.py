"""What pets does when accounts announces a change to a user (accounts.signals)."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from pets import services


def retire_pets_of_deleted_user(sender: type[User], *, user: User, **kwargs: Any) -> None:
    """`user_deleting`, in the deletion's transaction: the pets go as their own DELETE makes
    them go (inactive, no longer shown or suggested). The rows and their preferences stay for
    the other owners' playdates and chats that refer to them."""
    services.pets_deactivate_all(owner=user)
