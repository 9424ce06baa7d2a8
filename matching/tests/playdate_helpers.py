"""URLs, builders and state snapshots shared by the playdate tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from matching import playdate_services as services
from matching.models import Playdate
from pets.models import Pet
from pets.tests.factories import PetFactory
from realtime.models import Event, EventCursor

PLAYDATES_URL = "/api/v1/playdates/"
ACTIONS = ("accept", "decline", "cancel", "counter")

FIELDS = {
    "id",
    "pet_id_1",
    "pet_id_2",
    "inviter_id",
    "invitee_id",
    "date_time",
    "location_name",
    "latitude",
    "longitude",
    "message",
    "status",
    "awaiting_user_id",
    "created_at",
    "updated_at",
    "pet_1",
    "pet_2",
}


def playdate_url(playdate_id: int) -> str:
    return f"/api/v1/playdates/{playdate_id}/"


def action_url(playdate_id: int, action: str) -> str:
    return f"/api/v1/playdates/{playdate_id}/{action}"


def iso(moment: datetime) -> str:
    """A moment as DRF renders it (UTC, "Z")."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def in_days(days: float, *, hour: int = 15) -> datetime:
    """A whole-second moment `days` from now, at `hour` UTC."""
    moment = timezone.now() + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def pet_for(user: User, **traits: Any) -> Pet:
    pet: Pet = PetFactory.create(owner=user, **traits)
    return pet


def invite(from_pet: Pet, to_pet: Pet, when: datetime | None = None, **fields: Any) -> Playdate:
    """An invitation made through the service (so it records its events)."""
    inviter = User.objects.get(pk=from_pet.owner_id)
    return services.playdate_invite(
        inviter=inviter,
        from_pet_id=from_pet.pk,
        to_pet_id=to_pet.pk,
        date_time=when or in_days(2),
        **fields,
    )


def pet_summary(pet_id: int) -> dict[str, Any]:
    """A playdate's pet as the API shows it, read back from the database."""
    pet = Pet.objects.get(pk=pet_id)
    return {"id": pet.pk, "name": pet.name, "species": pet.species}


def expected(playdate: Playdate, **changes: Any) -> dict[str, Any]:
    """What the API should show of `playdate`, read back from the database, with `changes`."""
    playdate.refresh_from_db()
    return {
        "id": playdate.pk,
        "pet_id_1": playdate.pet_1_id,
        "pet_id_2": playdate.pet_2_id,
        "inviter_id": playdate.inviter_id,
        "invitee_id": playdate.invitee_id,
        "date_time": iso(playdate.date_time),
        "location_name": playdate.location_name,
        "latitude": playdate.latitude,
        "longitude": playdate.longitude,
        "message": playdate.message,
        "status": playdate.status,
        "awaiting_user_id": playdate.awaiting_user_id,
        "created_at": iso(playdate.created_at),
        "updated_at": iso(playdate.updated_at),
        "pet_1": pet_summary(playdate.pet_1_id),
        "pet_2": pet_summary(playdate.pet_2_id),
        **changes,
    }


def forget_suggestions() -> None:
    """Drops the `match.suggested` events that adding compatible pets next door caused, and the
    seqs of users left without events, so a test's log starts with what it does itself."""
    Event.objects.filter(kind="match.suggested").delete()
    EventCursor.objects.exclude(user__in=Event.objects.values("user")).delete()


def logged(user: User) -> list[tuple[int, str, dict[str, Any]]]:
    """The user's durable events: (seq, kind, data), in order."""
    return [
        (event.seq, event.kind, event.data)
        for event in Event.objects.filter(user_id=user.pk).order_by("seq")
    ]


def playdates_state() -> dict[str, Any]:
    """Every playdate and event row, to assert that a refused request changed nothing."""
    return {
        "playdates": list(Playdate.objects.order_by("pk").values()),
        "events": list(Event.objects.order_by("pk").values()),
    }
