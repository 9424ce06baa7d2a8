"""The world of the access-control matrix (test_access_matrix.py): a victim owner B with a pet, a
pending playdate with a partner C, messages, a read mark, a second session, a report and
feedback; an attacker A far away with a pet and a playdate of their own (with a neighbour D),
and nothing in common with B or C. Plus what a refused request must leave as it was: every row
of B's and C's, and the strings that must never reach A."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Q
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import Block, Feedback, Session, User
from accounts.services import _start_session, feedback_give
from matching.models import Pass, Playdate
from matching.tests.playdate_helpers import invite, pet_for
from pets.models import Pet, Preferences
from realtime import chat_services, moderation_services
from realtime.models import (
    Activity,
    ChatRead,
    Event,
    EventCursor,
    Message,
    ModerationAction,
    Report,
)
from tests.factories import UserFactory

PROJECT_APPS = ("accounts", "pets", "matching", "realtime", "token_blacklist")
# An id no row has: the answer to it is what "no such thing" looks like.
MISSING_ID = 2_000_000_000
VICTIM_REF = "victim-ref-7f3a"
# Never shown to anyone but B and C (or moderators): A's answers must not contain them.
PRIVATE_MARKERS = (
    "victim-vera@example.com",
    "partner-pablo@example.com",
    "Victim Lane 12, Brooklyn",
    "40.6782",  # B's and C's latitude
    "-73.9442",  # and longitude
    "Victim secret: north gate at five",
    "Partner secret: bring the blue ball",
    "Victim-phone-agent/1.0",
    "Victim report: rude words",
    "Victim feedback: love the map",
)
# Public where the contract says so (a pet's profile, suggestions), but never in A's own lists.
OWNED_MARKERS = ("Biscuit-of-Vera", "Mochi-of-Pablo", "victim-vera", "partner-pablo")


@dataclass(frozen=True)
class World:
    attacker: User  # A
    victim: User  # B
    partner: User  # C, B's playdate partner
    victim_id: int
    pet: int  # B's
    partner_pet: int  # C's
    playdate: int  # B's invitation to C, pending
    message: int  # B's, in that playdate
    session: int  # B's phone
    refresh: str  # that session's refresh token
    report: int  # B's report of C's message, open
    own_pet: int  # A's
    own_playdate: int  # A's invitation to D

    def ghost(self) -> World:
        """This world with every id of B's and C's replaced by one that does not exist."""
        return dataclasses.replace(
            self,
            victim_id=MISSING_ID,
            pet=MISSING_ID,
            partner_pet=MISSING_ID,
            playdate=MISSING_ID,
            message=MISSING_ID,
            session=MISSING_ID,
            refresh="not-a-refresh-token",
            report=MISSING_ID,
        )


def nowhere() -> World:
    """A world of ids nobody has, for requests that must be refused before any is looked up."""
    nobody = User(pk=MISSING_ID)
    return World(
        attacker=nobody,
        victim=nobody,
        partner=nobody,
        victim_id=MISSING_ID,
        pet=MISSING_ID,
        partner_pet=MISSING_ID,
        playdate=MISSING_ID,
        message=MISSING_ID,
        session=MISSING_ID,
        refresh="not-a-refresh-token",
        report=MISSING_ID,
        own_pet=MISSING_ID,
        own_playdate=MISSING_ID,
    )


def rows_written() -> dict[str, int]:
    """How many rows each model of the project holds."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
    }


def _owner(name: str, *, latitude: float, longitude: float, **fields: Any) -> User:
    user: User = UserFactory.create(
        email=f"{name}@example.com",
        username=name,
        latitude=latitude,
        longitude=longitude,
        **fields,
    )
    return user


def build_world() -> World:
    brooklyn: dict[str, Any] = {"latitude": 40.6782, "longitude": -73.9442}
    # Far from Brooklyn: nothing A does suggests anything to B or C.
    paris: dict[str, Any] = {
        "latitude": 48.8566,
        "longitude": 2.3522,
        "location": "Paris",
        "time_zone": "Europe/Paris",
    }
    victim = _owner("victim-vera", location="Victim Lane 12, Brooklyn", **brooklyn)
    partner = _owner("partner-pablo", **brooklyn)
    attacker = _owner("attacker-ada", **paris)
    neighbour = _owner("neighbour-noe", **paris)
    pet, partner_pet = (
        pet_for(victim, name="Biscuit-of-Vera"),
        pet_for(partner, name="Mochi-of-Pablo"),
    )
    own_pet, neighbour_pet = pet_for(attacker, name="Ada-pet"), pet_for(neighbour, name="Noe-pet")
    playdate = invite(pet, partner_pet)
    own_playdate = invite(own_pet, neighbour_pet)
    message = chat_services.message_send(
        user=victim,
        playdate_id=playdate.pk,
        body="Victim secret: north gate at five",
        ref=VICTIM_REF,
    )
    reply = chat_services.message_send(
        user=partner, playdate_id=playdate.pk, body="Partner secret: bring the blue ball"
    )
    chat_services.messages_read(user=partner, playdate_id=playdate.pk, message_id=message.pk)
    with transaction.atomic():
        phone = _start_session(user=victim, user_agent="Victim-phone-agent/1.0")
    report = moderation_services.report_file(
        reporter=victim,
        target_type="message",
        target_id=reply.pk,
        reason="harassment",
        text="Victim report: rude words",
    )
    feedback_give(user=victim, message="Victim feedback: love the map")
    return World(
        attacker=attacker,
        victim=victim,
        partner=partner,
        victim_id=victim.pk,
        pet=pet.pk,
        partner_pet=partner_pet.pk,
        playdate=playdate.pk,
        message=message.pk,
        session=Session.objects.filter(user=victim).latest("pk").pk,
        refresh=phone.refresh,
        report=report.pk,
        own_pet=own_pet.pk,
        own_playdate=own_playdate.pk,
    )


def _rows(queryset: Any, *order: str) -> list[dict[str, Any]]:
    return list(queryset.order_by(*(order or ("pk",))).values())


def victims_rows(world: World) -> dict[str, list[dict[str, Any]]]:
    """Every row of B's and C's (and what was done to them) that a request of A's could touch."""
    users = (world.victim.pk, world.partner.pk)
    playdates = Playdate.objects.filter(Q(inviter_id__in=users) | Q(invitee_id__in=users))
    return {
        "users": _rows(User.objects.filter(pk__in=users)),
        "pets": _rows(Pet.objects.filter(owner_id__in=users)),
        "preferences": _rows(Preferences.objects.filter(pet__owner_id__in=users), "pet_id"),
        "passes": _rows(Pass.objects.filter(pet__owner_id__in=users)),
        "playdates": _rows(playdates),
        "messages": _rows(Message.objects.filter(playdate__in=playdates)),
        "reads": _rows(ChatRead.objects.filter(user_id__in=users)),
        "events": _rows(Event.objects.filter(user_id__in=users)),
        "cursors": _rows(EventCursor.objects.filter(user_id__in=users), "user_id"),
        "sessions": _rows(Session.objects.filter(user_id__in=users)),
        "refresh_tokens": _rows(OutstandingToken.objects.filter(user_id__in=users)),
        "revoked_tokens": _rows(BlacklistedToken.objects.filter(token__user_id__in=users)),
        "blocks": _rows(Block.objects.filter(blocker_id__in=users)),
        "feedback": _rows(Feedback.objects.filter(user_id__in=users)),
        "reports": _rows(
            Report.objects.filter(Q(reporter_id__in=users) | Q(target_user_id__in=users))
        ),
        "activity": _rows(
            Activity.objects.filter(Q(actor_id__in=users) | Q(target_user_id__in=users))
        ),
        "moderation": _rows(
            ModerationAction.objects.filter(target_type="user", target_id__in=users)
        ),
    }


def leaked(text: str, *, public: bool) -> list[str]:
    """The markers of B's and C's data found in `text`; with `public`, only the private ones
    (the route shows a public profile by contract)."""
    markers = PRIVATE_MARKERS if public else (*PRIVATE_MARKERS, *OWNED_MARKERS)
    return [marker for marker in markers if marker in text]
