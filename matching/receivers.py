"""What matching does when accounts announces a change to a user (accounts.signals)."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from matching import playdate_services


def cancel_playdates_of_deleted_user(sender: type[User], *, user: User, **kwargs: Any) -> None:
    """`user_deleting`, in the deletion's transaction: the other owners of the user's upcoming
    playdates see them cancelled (`playdate.updated`). Past ones stay as they are, in both
    owners' lists."""
    playdate_services.playdates_cancel_upcoming(user=user)
