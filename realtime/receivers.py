"""Closes sockets when accounts says a user's access ended, in every process (after commit);
writes the activity of pets created (in the pet's transaction); notices new moderators."""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import Value
from django.db.models.functions import Concat, Left, Length, Substr

from accounts.models import DELETED_USERNAME, User
from pets.models import Pet
from realtime import activity, doorbell, events, gateway
from realtime.models import Activity

_log = logging.getLogger("pawdate.realtime")


def _close_sockets(group: str, message: dict[str, Any]) -> None:
    try:
        outcome = doorbell.ring({group: {"type": "sockets.close", **message}})[0]
        if outcome is not None:
            raise outcome
    except Exception:  # the sockets' own heartbeat finds the ended session or user shortly
        _log.warning("could not close the sockets of %s", group, exc_info=True)


def close_session_sockets(
    sender: Any, *, user_id: int, session_ids: list[int], **kwargs: Any
) -> None:
    """Through the user's group: the sockets of other sessions stay open."""
    _close_sockets(
        events.user_group(user_id), {"code": gateway.CLOSE_TICKET, "session_ids": session_ids}
    )


def close_user_sockets(sender: Any, *, user_id: int, **kwargs: Any) -> None:
    _close_sockets(events.user_group(user_id), {"code": gateway.CLOSE_FORBIDDEN})


def pet_created_activity(
    sender: Any, *, pet: Pet, created: bool, fields: frozenset[str], **kwargs: Any
) -> None:
    """Through the API or the admin alike (both send `pet_changed`)."""
    if not created:
        return
    owner: User = pet.owner
    activity.record(
        kind="pet.created",
        actor=owner,
        subject_type="pet",
        subject_id=pet.pk,
        summary=f"{owner.username} added {pet.name} ({pet.species})",
    )


def user_deleted_activity(sender: Any, *, user: User, **kwargs: Any) -> None:
    """In the deletion's transaction: the feed records it, then forgets the name in what it
    said of the user before (summaries name actors and suspended users)."""
    activity.record(
        kind="user.deleted",
        actor=user,
        subject_type="user",
        subject_id=user.pk,
        summary="An owner deleted their account",
    )
    # Summaries name their actor first ("alice invited ...") and a suspended user last
    # ("mod suspended alice"): just those names go, in two statements.
    name = user.username
    Activity.objects.filter(actor=user, summary__startswith=f"{name} ").update(
        summary=Concat(Value(DELETED_USERNAME), Substr("summary", len(name) + 1))
    )
    Activity.objects.filter(target_user=user, summary__endswith=f" {name}").update(
        summary=Concat(Left("summary", Length("summary") - len(name)), Value(DELETED_USERNAME))
    )


def forget_moderators(sender: Any, **kwargs: Any) -> None:
    """A user was saved (perhaps made a moderator) or deleted: this process asks again who the
    moderators are."""
    activity.moderators.forget()
