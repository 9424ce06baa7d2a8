"""A small world with known engagement figures, for the selector (PostgreSQL and SQLite) and
API tests: five owners in Paris and Berlin and a moderator, their active days, pets, suggestions,
eight invitations and their messages, in the two ISO weeks of 4 to 17 March 2030.

Playdates (inviter -> invitee; sent, accepted, seconds to accept; what became of it):
  P1 A -> C  03-04 10:00, 03-04 10:10,    600; took place 03-06 10:00 (ended 03-06)
  P2 A -> B  03-05 09:00, 03-05 10:00,   3600; completed, written down (ended 03-08)
  P3 C -> A  03-05 12:00, 03-06 12:00,  86400; took place 03-16 23:00 (ended 03-17 01:00)
  P4 B -> C  03-05 13:00, declined
  P5 D -> A  03-12 08:00, pending (03-25)
  P6 A -> D  03-12 09:00, 03-12 09:20,   1200; then cancelled
  P7 E -> A  02-28 12:00, 03-04 12:00, 345600; takes place 03-19 (ends after the range)
  P8 B -> A  03-17 10:00, 03-17 11:00,   3600; takes place 03-20 18:00, after "now"
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from accounts.active_days import active_day_mark, marked
from accounts.models import User
from matching.models import Playdate, PlaydateStatus
from matching.suggestions import suggestions_shown_add
from pets.models import Pet
from realtime.models import Message
from tests.factories import UserFactory

NOW = datetime(2030, 3, 20, 12, 0, tzinfo=UTC)
START, END = date(2030, 3, 4), date(2030, 3, 17)  # a Monday, a Sunday
WEEK_1, WEEK_2 = date(2030, 3, 4), date(2030, 3, 11)
PARIS, BERLIN = (48.8566, 2.3522), (52.52, 13.405)


def at(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2030, month, day, hour, minute, second, tzinfo=UTC)


@dataclass(frozen=True)
class World:
    a: User
    b: User
    c: User
    d: User
    e: User
    moderator: User


def _owner(name: str, metro: str, place: tuple[float, float], joined: datetime) -> User:
    user: User = UserFactory.create(
        email=f"{name}@example.com",
        username=name,
        latitude=place[0],
        longitude=place[1],
        metro=metro,
        date_joined=joined,
    )
    return user


def _pet(owner: User, created_at: datetime, *, is_active: bool = True) -> Pet:
    # Straight to the table: the pets service would also send live suggestions.
    return Pet.objects.create(
        owner=owner,
        name=f"Pet of {owner.username}",
        species="dog",
        age=3,
        size="medium",
        energy="high",
        created_at=created_at,
        is_active=is_active,
    )


def build() -> World:
    marked.forget()
    a = _owner("ana", "paris", PARIS, at(3, 4, 9))
    b = _owner("bea", "paris", PARIS, at(3, 5, 10))
    c = _owner("carl", "berlin", BERLIN, at(3, 4, 11))
    d = _owner("dora", "berlin", BERLIN, at(3, 12, 8))
    e = _owner("emil", "paris", PARIS, at(2, 20, 8))
    moderator: User = UserFactory.create(
        email="mod@example.com", username="mod", role="moderator", date_joined=at(3, 6)
    )

    active = {
        a: [(3, 4), (3, 5), (3, 11), (3, 17)],
        b: [(3, 5), (3, 6)],
        c: [(3, 4), (3, 12)],
        d: [(3, 12), (3, 13)],
        e: [(2, 25), (3, 17)],
        moderator: [(3, 6), (3, 17)],  # moderators are not counted
    }
    for user, days in active.items():
        for month, day in days:
            active_day_mark(user=user, now=at(month, day, 15))
            active_day_mark(user=user, now=at(month, day, 16))  # once a day, however often

    pets = {a: _pet(a, at(3, 4, 10)), b: _pet(b, at(3, 5, 11)), c: _pet(c, at(3, 4, 12))}
    pets[d] = _pet(d, at(3, 12, 9))
    pets[e] = _pet(e, at(2, 20, 9))
    _pet(a, at(3, 10, 8), is_active=False)  # added, then deleted: still a new pet

    suggestions_shown_add(day=date(2030, 3, 4), owner_ids=[a.pk, a.pk, c.pk])
    suggestions_shown_add(day=date(2030, 3, 4), owner_ids=[a.pk])  # adds to the day
    suggestions_shown_add(day=date(2030, 3, 5), owner_ids=[b.pk])
    suggestions_shown_add(day=date(2030, 3, 12), owner_ids=[d.pk, d.pk, d.pk, c.pk])
    suggestions_shown_add(day=date(2030, 3, 18), owner_ids=[a.pk])  # after the range

    def playdate(
        inviter: User,
        invitee: User,
        *,
        sent: datetime,
        when: datetime,
        status: str,
        accepted: datetime | None = None,
    ) -> Playdate:
        return Playdate.objects.create(
            pet_1=pets[inviter],
            pet_2=pets[invitee],
            inviter=inviter,
            invitee=invitee,
            date_time=when,
            status=status,
            created_at=sent,
            accepted_at=accepted,
        )

    accepted, completed = PlaydateStatus.ACCEPTED, PlaydateStatus.COMPLETED
    p1 = playdate(
        a, c, sent=at(3, 4, 10), accepted=at(3, 4, 10, 10), when=at(3, 6, 10), status=accepted
    )
    p2 = playdate(
        a, b, sent=at(3, 5, 9), accepted=at(3, 5, 10), when=at(3, 8, 17), status=completed
    )
    p3 = playdate(
        c, a, sent=at(3, 5, 12), accepted=at(3, 6, 12), when=at(3, 16, 23), status=accepted
    )
    playdate(b, c, sent=at(3, 5, 13), when=at(3, 9, 10), status=PlaydateStatus.DECLINED)
    playdate(d, a, sent=at(3, 12, 8), when=at(3, 25, 10), status=PlaydateStatus.PENDING)
    playdate(
        a,
        d,
        sent=at(3, 12, 9),
        accepted=at(3, 12, 9, 20),
        when=at(3, 14, 10),
        status=PlaydateStatus.CANCELLED,
    )
    playdate(e, a, sent=at(2, 28, 12), accepted=at(3, 4, 12), when=at(3, 19, 10), status=accepted)
    p8 = playdate(
        b, a, sent=at(3, 17, 10), accepted=at(3, 17, 11), when=at(3, 20, 18), status=accepted
    )

    for conversation, sender, sent_at, hidden in [
        (p1, a, at(3, 4, 10, 30), False),
        (p1, c, at(3, 4, 11), False),
        (p2, b, at(3, 5, 23, 59, 59), False),
        (p3, c, at(3, 6), False),
        (p8, a, at(3, 17, 12), True),  # hidden by a moderator: still sent
        (p1, a, at(3, 18, 9), False),  # after the range
    ]:
        Message.objects.create(
            playdate=conversation,
            sender=sender,
            body="Woof!",
            created_at=sent_at,
            hidden_at=sent_at + timedelta(hours=1) if hidden else None,
        )
    return World(a, b, c, d, e, moderator)


FIGURES = (
    "dau", "wau", "mau", "new_users", "new_pets", "suggestions_shown", "invitations_sent",
    "invitations_accepted", "acceptance_rate", "median_seconds_to_accept",
    "p90_seconds_to_accept", "messages_sent", "playdates_completed",
)  # fmt: skip
ZERO: dict[str, Any] = {
    figure: None if figure.endswith(("rate", "accept")) else 0 for figure in FIGURES
}


def days(active: list[tuple[int, int]], **by_day: dict[str, Any]) -> list[dict[str, Any]]:
    """The days from START to END: their (WAU, MAU), and zeros but for those named
    ("d0304": {...})."""
    result = []
    for offset, (wau, mau) in enumerate(active):
        day = START + timedelta(days=offset)
        figures = {**ZERO, "wau": wau, "mau": mau, **by_day.get(f"d{day:%m%d}", {})}
        result.append({"date": day, **figures})
    assert len(result) == (END - START).days + 1
    return result


# fmt: off
EVERY_METRO: dict[str, Any] = {
    "start": START,
    "end": END,
    "metro": None,
    "days": days(
        # Active owners in the 7 and the 30 days ending on each day, 4 to 17 March: A, C and
        # E (25 February); B from the 5th; A, B and C until C's week is over on the 11th, D
        # from the 12th; E again on the 17th.
        [(2, 3), (3, 4), (3, 4), (3, 4), (3, 4), (3, 4), (3, 4),
         (2, 4), (4, 5), (3, 5), (3, 5), (3, 5), (3, 5), (4, 5)],
        d0304={
            "dau": 2, "new_users": 2, "new_pets": 2, "suggestions_shown": 4,
            "invitations_sent": 1, "acceptance_rate": 1.0, "invitations_accepted": 2,
            "median_seconds_to_accept": 173100.0, "p90_seconds_to_accept": 311100.0,
            "messages_sent": 2,
        },
        d0305={
            "dau": 2, "new_users": 1, "new_pets": 1, "suggestions_shown": 1,
            "invitations_sent": 3, "acceptance_rate": 0.6667, "invitations_accepted": 1,
            "median_seconds_to_accept": 3600.0, "p90_seconds_to_accept": 3600.0,
            "messages_sent": 1,
        },
        d0306={
            "dau": 1, "invitations_accepted": 1, "median_seconds_to_accept": 86400.0,
            "p90_seconds_to_accept": 86400.0, "messages_sent": 1, "playdates_completed": 1,
        },
        d0308={"playdates_completed": 1},
        d0310={"new_pets": 1},
        d0311={"dau": 1},
        d0312={
            "dau": 2, "new_users": 1, "new_pets": 1, "suggestions_shown": 4,
            "invitations_sent": 2, "acceptance_rate": 0.5, "invitations_accepted": 1,
            "median_seconds_to_accept": 1200.0, "p90_seconds_to_accept": 1200.0,
        },
        d0313={"dau": 1},
        d0317={
            "dau": 2, "invitations_sent": 1, "acceptance_rate": 1.0, "invitations_accepted": 1,
            "median_seconds_to_accept": 3600.0, "p90_seconds_to_accept": 3600.0,
            "messages_sent": 1, "playdates_completed": 1,
        },
    ),
    "totals": {
        "new_users": 4,
        "new_pets": 5,
        "suggestions_shown": 9,
        "invitations_sent": 7,
        "invitations_accepted": 6,
        "acceptance_rate": 0.7143,
        # Of 600, 1200, 3600, 3600, 86400 and 345600 seconds.
        "median_seconds_to_accept": 3600.0,
        "p90_seconds_to_accept": 216000.0,
        "messages_sent": 5,
        "playdates_completed": 3,
    },
    "active_users": {
        "as_of": END,
        "dau": 2,
        "wau": 4,
        "mau": 5,
        # 12 active days from 16 February to 17 March.
        "average_dau": 0.4,
        "stickiness": 0.08,
    },
    "funnel": {
        "suggested": 9,
        "invited": 7,
        "accepted": 5,
        "completed": 3,
        "invited_per_suggested": 0.7778,
        "accepted_per_invited": 0.7143,
        "completed_per_accepted": 0.6,
    },
    "cohorts": [
        {"week": WEEK_1, "size": 3, "retention": [{"week": 1, "active": 2, "rate": 0.6667}]},
        {"week": WEEK_2, "size": 1, "retention": []},
    ],
}

PARIS_ONLY: dict[str, Any] = {
    "start": START,
    "end": END,
    "metro": "paris",
    "days": days(
        # A; B from the 5th, until their week is over on the 13th; E in both windows.
        [(1, 2), (2, 3), (2, 3), (2, 3), (2, 3), (2, 3), (2, 3),
         (2, 3), (2, 3), (1, 3), (1, 3), (1, 3), (1, 3), (2, 3)],
        d0304={
            "dau": 1, "new_users": 1, "new_pets": 1, "suggestions_shown": 3,
            "invitations_sent": 1, "acceptance_rate": 1.0, "invitations_accepted": 2,
            "median_seconds_to_accept": 173100.0, "p90_seconds_to_accept": 311100.0,
            "messages_sent": 1,
        },
        d0305={
            "dau": 2, "new_users": 1, "new_pets": 1, "suggestions_shown": 1,
            "invitations_sent": 2, "acceptance_rate": 0.5, "invitations_accepted": 1,
            "median_seconds_to_accept": 3600.0, "p90_seconds_to_accept": 3600.0,
            "messages_sent": 1,
        },
        d0306={"dau": 1, "playdates_completed": 1},
        d0308={"playdates_completed": 1},
        d0310={"new_pets": 1},
        d0311={"dau": 1},
        d0312={
            "invitations_sent": 1, "acceptance_rate": 1.0, "invitations_accepted": 1,
            "median_seconds_to_accept": 1200.0, "p90_seconds_to_accept": 1200.0,
        },
        d0317={
            "dau": 2, "invitations_sent": 1, "acceptance_rate": 1.0, "invitations_accepted": 1,
            "median_seconds_to_accept": 3600.0, "p90_seconds_to_accept": 3600.0,
            "messages_sent": 1,
        },
    ),
    "totals": {
        "new_users": 2,
        "new_pets": 3,
        "suggestions_shown": 4,
        "invitations_sent": 5,
        "invitations_accepted": 5,
        "acceptance_rate": 0.8,
        # Of 600, 1200, 3600, 3600 and 345600 seconds.
        "median_seconds_to_accept": 3600.0,
        "p90_seconds_to_accept": 208800.0,
        "messages_sent": 3,
        "playdates_completed": 2,
    },
    "active_users": {
        "as_of": END,
        "dau": 2,
        "wau": 2,
        "mau": 3,
        "average_dau": 0.27,
        "stickiness": 0.0889,
    },
    "funnel": {
        "suggested": 4,
        "invited": 5,
        "accepted": 4,
        "completed": 2,
        "invited_per_suggested": 1.25,
        "accepted_per_invited": 0.8,
        "completed_per_accepted": 0.5,
    },
    "cohorts": [
        {"week": WEEK_1, "size": 2, "retention": [{"week": 1, "active": 1, "rate": 0.5}]},
        {"week": WEEK_2, "size": 0, "retention": []},
    ],
}
# fmt: on
