"""Writes for playdates: inviting, answering (accept, decline, counter), cancelling, and writing
down what time did (expiry, completion). Each change records its events in its own transaction.

State machine (CONTRACT.md, Playdates):
    pending  --accept (awaited side)-->  accepted  --cancel (either)-->  cancelled
    pending  --decline (awaited side)--> declined
    pending  --counter (awaited side)--> pending, now awaiting the other side
    pending  --cancel (either)---------> cancelled
    pending  --its time passes--------> expired
    accepted --2 hours past its time--> completed
Anything else is a Conflict.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import ratelimit
from accounts.models import Block, User
from config.errors import Conflict, NotFound
from matching.models import PLAYDATE_LENGTH, Playdate, PlaydateStatus
from matching.playdate_selectors import (
    NO_SUCH_PLAYDATE,
    PLAYDATE_RELATED,
    in_sight,
    playdate_data,
    playdates_due,
)
from pets.models import Pet
from pets.selectors import NO_SUCH_PET, pet_get_public
from realtime import activity, events

# How far ahead a playdate may be arranged.
MAX_LEAD_TIME = timedelta(days=365)

IN_THE_PAST = "A playdate cannot be arranged in the past."


def _blocked(user_id: int, other_id: int) -> bool:
    return Block.objects.filter(
        Q(blocker_id=user_id, blocked_id=other_id) | Q(blocker_id=other_id, blocked_id=user_id)
    ).exists()


def _check_time(date_time: datetime, *, now: datetime) -> None:
    if date_time <= now:
        raise Conflict(IN_THE_PAST)
    if date_time > now + MAX_LEAD_TIME:
        raise ValidationError({"date_time": ["Must be within a year from now."]})


def _record(
    playdate: Playdate, kind: str, *, now: datetime, by: User | None = None, did: str = ""
) -> None:
    """Records `kind` for both owners and, when an owner's action caused it (`by` user, who
    `did` e.g. "accepted"), the moderators' activity item `playdate.<did>`, in one go."""
    data = {"playdate": dict(playdate_data(playdate, now=now))}
    owners = sorted({playdate.inviter_id, playdate.invitee_id})
    entries: list[tuple[int, str, dict[str, Any]]] = [(user_id, kind, data) for user_id in owners]
    if by is not None:
        other_id = playdate.invitee_id if by.pk == playdate.inviter_id else playdate.inviter_id
        entries += activity.entries_for(
            [
                activity.NewActivity(
                    f"playdate.{did}",
                    by,
                    "playdate",
                    playdate.pk,
                    f"{by.username} {did} playdate {playdate.pk} with owner {other_id}",
                    other_id,
                )
            ]
        )
    events.record_many(entries)


def playdate_invite(
    *,
    inviter: User,
    from_pet_id: int,
    to_pet_id: int,
    date_time: datetime,
    location_name: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    message: str = "",
) -> Playdate:
    """`inviter`'s pet `from_pet_id` invites `to_pet_id`; its owner's answer is awaited.

    A pet of a user who blocked the inviter, or whom the inviter blocked, is NotFound, exactly
    like a pet that does not exist: the inviter learns nothing about the block.
    """
    ratelimit.hit("playdate_invite", str(inviter.pk))
    now = timezone.now()
    from_pet = Pet.objects.filter(pk=from_pet_id, owner=inviter, is_active=True).first()
    if from_pet is None:
        raise NotFound("No such pet of yours.")
    to_pet = pet_get_public(pet_id=to_pet_id)
    if to_pet.owner_id == inviter.pk:
        raise ValidationError({"to_pet": ["Invite another owner's pet, not your own."]})
    if _blocked(inviter.pk, to_pet.owner_id):
        raise NotFound(NO_SUCH_PET)
    _check_time(date_time, now=now)
    with transaction.atomic():
        playdate = Playdate.objects.create(
            pet_1=from_pet,
            pet_2=to_pet,
            inviter=inviter,
            invitee_id=to_pet.owner_id,
            date_time=date_time,
            location_name=location_name,
            latitude=latitude,
            longitude=longitude,
            message=message,
            status=PlaydateStatus.PENDING,
            awaiting_user_id=to_pet.owner_id,
            created_at=now,
        )
        _record(playdate, "playdate.invited", now=now, by=inviter, did="invited")
    return playdate


def _settle(playdate: Playdate, *, now: datetime) -> bool:
    """Writes down what time did to a locked playdate (expired, completed), with its event.
    Returns whether anything changed."""
    status = playdate.status_at(now)
    if status == playdate.status:
        return False
    playdate.status = status
    playdate.awaiting_user = None
    playdate.save(update_fields=["status", "awaiting_user", "updated_at"])
    _record(playdate, "playdate.updated", now=now)
    return True


def _change(
    *, user: User, playdate_id: int, did: str, apply: Callable[[Playdate, datetime], None]
) -> Playdate:
    """Locks one of the user's playdates, writes down what time did to it, then `apply`s the
    user's change and records `playdate.updated`.

    A playdate that time has just expired or completed takes no further change, but what time
    did is still written down (with its event) before the Conflict: it is true whatever the
    user asked, and nobody should have to find it again.
    """
    with transaction.atomic():
        playdate = (
            Playdate.objects.select_for_update(of=("self",))
            .select_related(*PLAYDATE_RELATED)
            .filter(pk=playdate_id)
            .filter(Q(inviter=user) | Q(invitee=user))
            .filter(in_sight())
            .first()
        )
        if playdate is None:
            raise NotFound(NO_SUCH_PLAYDATE)
        now = timezone.now()
        settled = _settle(playdate, now=now)
        if not settled:
            apply(playdate, now)
            playdate.save()
            _record(playdate, "playdate.updated", now=now, by=user, did=did)
    if settled:
        raise Conflict(f"This playdate is {playdate.status}.")
    return playdate


def _awaiting(playdate: Playdate, user: User) -> None:
    """Only a pending playdate is answered, and only by the side whose answer is awaited."""
    if playdate.status != PlaydateStatus.PENDING:
        raise Conflict(f"This playdate is {playdate.status}.")
    if playdate.awaiting_user_id != user.pk:
        raise Conflict("This playdate is waiting for the other owner's answer.")


def _no_block(playdate: Playdate) -> None:
    if _blocked(playdate.inviter_id, playdate.invitee_id):
        raise Conflict("One of you has blocked the other.")


def _no_overlap(playdate: Playdate) -> None:
    """Refuses a playdate within two hours of another accepted one of either pet.

    Both pets' rows are locked first, in id order: two accepts that share a pet then run their
    check one after the other, and the second sees the first's commit. Without the lock both
    could see no overlap and both commit (double-booking).
    """
    pet_ids = sorted({playdate.pet_1_id, playdate.pet_2_id})
    # NO KEY UPDATE: accepts of a shared pet wait for each other, while new invitations (whose
    # foreign keys take KEY SHARE on the pets) do not wait for an accept.
    list(Pet.objects.select_for_update(no_key=True).filter(pk__in=pet_ids).order_by("pk"))
    overlapping = (
        Playdate.objects.filter(
            Q(pet_1_id__in=pet_ids) | Q(pet_2_id__in=pet_ids),
            status=PlaydateStatus.ACCEPTED,
            date_time__gt=playdate.date_time - PLAYDATE_LENGTH,
            date_time__lt=playdate.date_time + PLAYDATE_LENGTH,
        )
        .exclude(pk=playdate.pk)
        .exists()
    )
    if overlapping:
        raise Conflict("One of the pets already has a playdate within two hours of this one.")


def playdate_accept(*, user: User, playdate_id: int) -> Playdate:
    def accept(playdate: Playdate, now: datetime) -> None:
        _awaiting(playdate, user)
        _no_block(playdate)
        _no_overlap(playdate)
        playdate.status = PlaydateStatus.ACCEPTED
        playdate.accepted_at = now
        playdate.awaiting_user = None

    return _change(user=user, playdate_id=playdate_id, did="accepted", apply=accept)


def playdate_decline(*, user: User, playdate_id: int) -> Playdate:
    def decline(playdate: Playdate, now: datetime) -> None:
        _awaiting(playdate, user)
        playdate.status = PlaydateStatus.DECLINED
        playdate.awaiting_user = None

    return _change(user=user, playdate_id=playdate_id, did="declined", apply=decline)


def _call_off(playdate: Playdate, now: datetime) -> None:
    if playdate.status not in (PlaydateStatus.PENDING, PlaydateStatus.ACCEPTED):
        raise Conflict(f"This playdate is {playdate.status}.")
    playdate.status = PlaydateStatus.CANCELLED
    playdate.awaiting_user = None


def playdate_cancel(*, user: User, playdate_id: int) -> Playdate:
    """Either owner calls off a pending or accepted playdate."""
    return _change(user=user, playdate_id=playdate_id, did="cancelled", apply=_call_off)


def playdates_cancel_upcoming(*, user: User) -> list[Playdate]:
    """Calls off every playdate of `user` still to come (pending, or accepted with its time
    ahead) as `playdate_cancel` does, each with `playdate.updated` to both owners: the account
    is being deleted. Runs in the caller's transaction; returns the cancelled playdates.

    The playdates are locked in one statement and all their events recorded in one more, so
    the owners' event cursors are taken in user id order, as every writer takes them:
    cancelling one playdate after another would hold the user's cursor while waiting for the
    next owner's, and could deadlock with a write to both.
    """
    now = timezone.now()
    with transaction.atomic():
        # The lock re-reads the filter: a playdate answered meanwhile stays as answered.
        playdates = list(
            Playdate.objects.select_for_update(of=("self",))
            .select_related(*PLAYDATE_RELATED)
            .filter(Q(inviter=user) | Q(invitee=user))
            .filter(status__in=(PlaydateStatus.PENDING, PlaydateStatus.ACCEPTED), date_time__gt=now)
            .order_by("pk")
        )
        for playdate in playdates:
            _call_off(playdate, now)
            playdate.save(update_fields=["status", "awaiting_user", "updated_at"])
        events.record_many(
            [
                (owner_id, "playdate.updated", {"playdate": dict(playdate_data(playdate, now=now))})
                for playdate in playdates
                for owner_id in (playdate.inviter_id, playdate.invitee_id)
            ]
        )
    return playdates


def playdate_counter(
    *,
    user: User,
    playdate_id: int,
    date_time: datetime,
    location_name: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    message: str = "",
) -> Playdate:
    """The awaited side proposes another time (and place); the other side's answer is awaited.

    An omitted place keeps the current one; a new `location_name` without coordinates drops
    the old place's coordinates. `message` belongs to this proposal and replaces the last one.
    """

    def counter(playdate: Playdate, now: datetime) -> None:
        _awaiting(playdate, user)
        _no_block(playdate)
        _check_time(date_time, now=now)
        playdate.date_time = date_time
        if location_name is not None:
            playdate.location_name = location_name
            playdate.latitude, playdate.longitude = latitude, longitude
        elif latitude is not None:
            playdate.latitude, playdate.longitude = latitude, longitude
        playdate.message = message
        playdate.awaiting_user_id = (
            playdate.inviter_id if user.pk == playdate.invitee_id else playdate.invitee_id
        )

    return _change(user=user, playdate_id=playdate_id, did="countered", apply=counter)


def playdates_settle_due(*, now: datetime | None = None) -> int:
    """Writes down every expiry and completion that time has brought (`manage.py
    expire_playdates`); returns how many playdates changed.

    One transaction per playdate, as a write would do it: each locks one playdate and records
    its event for its two owners, so the sweep never holds many owners' event cursors at once
    (which could deadlock with a writer taking them in another order).
    """
    moment = now or timezone.now()
    changed = 0
    due = Playdate.objects.filter(playdates_due(now=moment)).order_by("pk")
    for playdate_id in due.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            playdate = (
                Playdate.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related(*PLAYDATE_RELATED)
                .filter(pk=playdate_id)
                .first()
            )
            # A locked one is being written right now, and that write settles it.
            if playdate is not None and _settle(playdate, now=moment):
                changed += 1
    return changed
