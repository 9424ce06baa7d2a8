"""Reads for playdates. Only its two owners see a playdate: to anyone else it is NotFound.

Time is part of the state: a pending playdate whose time has passed reads as expired and an
accepted one two hours past its time as completed, whether or not that was written down yet.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, TypedDict

from django.db.models import Q, QuerySet
from rest_framework.fields import DateTimeField

from accounts.models import User
from config.errors import NotFound
from matching.models import PLAYDATE_LENGTH, Playdate, PlaydateStatus
from pets.models import Pet

NO_SUCH_PLAYDATE = "No such playdate."

Role = Literal["incoming", "outgoing"]

_timestamp = DateTimeField()

# What `playdate_data` reads beyond the playdate's own row: load it in the same query.
PLAYDATE_RELATED = ("pet_1", "pet_2")


class PlaydatePetData(TypedDict):
    """Enough of a pet to name it in a playdate. A pet its owner deleted keeps its row (and
    its name here): the playdate still happened, or was arranged, with that pet."""

    id: int
    name: str
    species: str


def _pet_data(pet: Pet) -> PlaydatePetData:
    return {"id": pet.pk, "name": pet.name, "species": pet.species}


class PlaydateData(TypedDict):
    """A playdate as the API and its events show it (CONTRACT.md, Playdates)."""

    id: int
    pet_id_1: int
    pet_id_2: int
    inviter_id: int
    invitee_id: int
    date_time: str
    location_name: str
    latitude: float | None
    longitude: float | None
    message: str
    status: str
    awaiting_user_id: int | None
    created_at: str
    updated_at: str
    pet_1: PlaydatePetData
    pet_2: PlaydatePetData


def playdate_data(playdate: Playdate, *, now: datetime) -> PlaydateData:
    """The playdate as of `now`: the one shape for REST answers and event payloads alike.
    Reads both pets: fetch playdates with `select_related(*PLAYDATE_RELATED)`."""
    status = playdate.status_at(now)
    return {
        "id": playdate.pk,
        "pet_id_1": playdate.pet_1_id,
        "pet_id_2": playdate.pet_2_id,
        "inviter_id": playdate.inviter_id,
        "invitee_id": playdate.invitee_id,
        "date_time": _timestamp.to_representation(playdate.date_time),
        "location_name": playdate.location_name,
        "latitude": playdate.latitude,
        "longitude": playdate.longitude,
        "message": playdate.message,
        "status": status,
        "awaiting_user_id": (
            playdate.awaiting_user_id if status == PlaydateStatus.PENDING else None
        ),
        "created_at": _timestamp.to_representation(playdate.created_at),
        "updated_at": _timestamp.to_representation(playdate.updated_at),
        "pet_1": _pet_data(playdate.pet_1),
        "pet_2": _pet_data(playdate.pet_2),
    }


def status_is(status: str, *, now: datetime) -> Q:
    """The playdates whose status as of `now` (`Playdate.status_at`) is `status`."""
    started_before = Q(date_time__lte=now)
    ended_before = Q(date_time__lte=now - PLAYDATE_LENGTH)
    if status == PlaydateStatus.PENDING:
        return Q(status=status) & ~started_before
    if status == PlaydateStatus.EXPIRED:
        return Q(status=status) | (Q(status=PlaydateStatus.PENDING) & started_before)
    if status == PlaydateStatus.ACCEPTED:
        return Q(status=status) & ~ended_before
    if status == PlaydateStatus.COMPLETED:
        return Q(status=status) | (Q(status=PlaydateStatus.ACCEPTED) & ended_before)
    return Q(status=status)


def playdates_due(*, now: datetime) -> Q:
    """Playdates whose stored status time has overtaken: what the sweep writes down."""
    return (Q(status=PlaydateStatus.PENDING) & Q(date_time__lte=now)) | (
        Q(status=PlaydateStatus.ACCEPTED) & Q(date_time__lte=now - PLAYDATE_LENGTH)
    )


def in_sight() -> Q:
    """A pending invitation from a suspended owner is out of sight (and out of reach) until the
    suspension is lifted; everything else of the user's stays."""
    return ~Q(status=PlaydateStatus.PENDING, inviter__suspended_at__isnull=False)


def playdate_list(
    *,
    user: User,
    now: datetime,
    status: str | None = None,
    role: Role | None = None,
    before: int | None = None,
) -> QuerySet[Playdate]:
    """The user's playdates, newest first; `before` (a playdate id) starts after that one.
    `incoming`: the user was invited; `outgoing`: the user invited."""
    if role == "incoming":
        playdates = Playdate.objects.filter(invitee=user)
    elif role == "outgoing":
        playdates = Playdate.objects.filter(inviter=user)
    else:
        playdates = Playdate.objects.filter(Q(inviter=user) | Q(invitee=user))
    if status is not None:
        playdates = playdates.filter(status_is(status, now=now))
    if before is not None:
        playdates = playdates.filter(pk__lt=before)
    return playdates.filter(in_sight()).select_related(*PLAYDATE_RELATED).order_by("-pk")


def playdate_get(*, user: User, playdate_id: int) -> Playdate:
    """One of the user's playdates, as either owner."""
    playdate = (
        Playdate.objects.filter(pk=playdate_id)
        .filter(Q(inviter=user) | Q(invitee=user))
        .filter(in_sight())
        .select_related(*PLAYDATE_RELATED)
        .first()
    )
    if playdate is None:
        raise NotFound(NO_SUCH_PLAYDATE)
    return playdate
