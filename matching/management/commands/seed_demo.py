"""`manage.py seed_demo`: demo owners and pets in real metropolitan areas, and a moderator.

Owners are `demo.<metro-slug>.<n>@pawdate.local`, spread over the metros by population; what an
owner looks like depends only on --seed, its metro and n (matching/demo_data.py). So a second
run adds nothing, and a run with a larger --owners adds only the owners that are missing.
Rows go in by batches, each batch in one transaction: COPY on PostgreSQL, bulk_create elsewhere.
"""

from __future__ import annotations

import re
import time
from argparse import BooleanOptionalAction
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db import connection, models, transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from accounts.active_days import gap_between, week_of
from accounts.metros import metro_at
from accounts.models import ActiveDay, ActiveWeek, CohortWeek, DailyActiveOwners, User
from matching.demo_data import (
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    METROS,
    MODERATOR_EMAIL,
    DemoHistory,
    DemoInvitation,
    DemoOwner,
    Metro,
    allocate,
    availability_json,
    availability_text,
    demo_email,
    demo_history,
    demo_owner,
    temperament_text,
)
from matching.models import Playdate, PlaydateStatus, SuggestionDay
from matching.playdate_services import playdate_accept, playdate_invite
from pets.models import Pet, Preferences

DEFAULT_OWNERS = 200
DEFAULT_SEED = 20261124
DEFAULT_BATCH_SIZE = 10_000
EXAMPLE_LOGINS = 5
# The moderator may view and change these apps' objects in the admin (suspend a user, hide a
# message, turn a feature switch off), but not add or delete them.
MODERATED_APPS = ("accounts", "pets", "matching", "realtime")
DEMO_EMAIL = re.compile(rf"^demo\.([a-z0-9-]+)\.([0-9]+)@{re.escape(DEMO_DOMAIN)}$")

USER_COLUMNS = (
    "id", "email", "username", "password", "location", "latitude", "longitude", "metro",
    "time_zone", "role", "is_active", "is_staff", "is_superuser", "date_joined",
)  # fmt: skip
PET_COLUMNS = (
    "id", "owner", "name", "species", "breed", "age", "size", "energy", "temperament",
    "vaccinated", "bio", "is_active", "created_at", "updated_at",
)  # fmt: skip
PLAYDATE_COLUMNS = (
    "id", "pet_1", "pet_2", "inviter", "invitee", "date_time", "location_name", "message",
    "status", "awaiting_user", "created_at", "updated_at", "accepted_at",
)  # fmt: skip
PREFERENCES_COLUMNS = (
    "pet", "max_distance_km", "species_mask", "sizes_mask", "energy_mask", "min_age", "max_age",
    "require_vaccinated", "availability",
)  # fmt: skip


class Command(BaseCommand):
    help = (
        "Load demo owners, their pets and preferences in real metropolitan areas, and the "
        f"moderator {MODERATOR_EMAIL}; prints the logins. Running it again adds only what is "
        "missing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--owners",
            type=int,
            default=DEFAULT_OWNERS,
            help=f"demo owners in the chosen metros, in all (default {DEFAULT_OWNERS}); "
            "each has 1 to 3 pets, 1.5 on average",
        )
        parser.add_argument(
            "--metros",
            nargs="+",
            metavar="METRO",
            help=f'metros by name or slug, e.g. "New York" london (default: all {len(METROS)})',
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help="random seed; the same seed gives the same owners and pets",
        )
        parser.add_argument(
            "--history",
            action=BooleanOptionalAction,
            default=True,
            help="a year of activity for the demo owners: active days, suggestions shown, "
            "invitations and their answers, messages (default: yes; --no-history skips it)",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"owners per insert transaction (default {DEFAULT_BATCH_SIZE})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        metros = chosen_metros(options["metros"])
        owners: int = options["owners"]
        seed: int = options["seed"]
        batch_size: int = options["batch_size"]
        if owners < 0:
            raise CommandError("--owners must be 0 or more.")
        if seed < 0:
            raise CommandError("--seed must be 0 or more.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")

        started = time.monotonic()
        wanted = allocate(metros, owners)
        existing = existing_demo_owners()
        missing = [
            (metro, number)
            for metro in metros
            for number in range(1, wanted[metro.slug] + 1)
            if number not in existing.get(metro.slug, set())
        ]
        # Argon2 is deliberately slow (~0.1 s): one hash, shared by every account made here.
        password_hash = make_password(DEMO_PASSWORD)
        moderator_created = ensure_moderator(password_hash)
        pets = self.load(missing, seed=seed, batch_size=batch_size, password_hash=password_hash)
        if missing and connection.vendor == "postgresql":
            analyze(User, Pet, Preferences)
        playdates = seed_playdates(metros, now=timezone.now())
        history = (
            self.load_history(metros, wanted, seed=seed, batch_size=batch_size)
            if options["history"]
            else None
        )

        self.report(
            metros,
            wanted,
            created=len(missing),
            pets=pets,
            moderator_created=moderator_created,
            seconds=time.monotonic() - started,
        )
        self.stdout.write(
            f"Demo playdates: {playdates} created"
            " (owner 1 of each metro: an invitation to answer, an accepted playdate, one sent)."
        )
        if history is not None:
            self.stdout.write(
                f"History: {history.owners:,} owners' year added: {history.active_days:,} active "
                f"days, {history.invitations:,} invitations, {history.messages:,} messages."
                if history.owners
                else "History: every demo owner already has theirs."
            )

    def load(
        self,
        missing: Sequence[tuple[Metro, int]],
        *,
        seed: int,
        batch_size: int,
        password_hash: str,
    ) -> int:
        """Creates the `missing` owners with their pets; returns how many pets.

        The next batch is generated in a second thread while the database takes the current one
        (the insert mostly waits on the database, which releases the GIL).
        """
        insert = insert_by_copy if connection.vendor == "postgresql" else insert_by_orm
        now = timezone.now()

        def generate(start: int) -> list[DemoOwner]:
            return [
                demo_owner(seed=seed, metro=metro, number=number, now=now)
                for metro, number in missing[start : start + batch_size]
            ]

        progress = Progress(self.stderr, total=len(missing), unit="owners")
        pets = 0
        with ThreadPoolExecutor(max_workers=1) as generator:
            upcoming = generator.submit(generate, 0)
            for start in range(0, len(missing), batch_size):
                batch = upcoming.result()
                upcoming = generator.submit(generate, start + batch_size)
                with transaction.atomic():
                    pets += insert(batch, password_hash=password_hash, now=now)
                progress.advance(len(batch))
        progress.finish()
        return pets

    def load_history(
        self, metros: Sequence[Metro], wanted: dict[str, int], *, seed: int, batch_size: int
    ) -> HistoryCounts:
        """A year of activity (matching.demo_data.demo_history) for each wanted demo owner who
        has none yet, in batches: each owner's whole history in one transaction, so a second run
        adds nothing. Invitees are among the metro's wanted owners."""
        now = timezone.now()
        owners = demo_owner_rows(metros, wanted)
        with_history = owners_with_history()
        missing = [
            (metro, number)
            for metro in metros
            for number in range(1, wanted[metro.slug] + 1)
            if owners[metro.slug][number - 1].user_id not in with_history
        ]
        joins = {slug: [row.joined for row in rows] for slug, rows in owners.items()}
        insert = insert_history_by_copy if connection.vendor == "postgresql" else insert_history
        counts = HistoryCounts(owners=len(missing))

        def generate(start: int) -> list[tuple[Metro, int, DemoHistory]]:
            return [
                (
                    metro,
                    number,
                    demo_history(
                        seed=seed, metro=metro, number=number, joins=joins[metro.slug], now=now
                    ),
                )
                for metro, number in missing[start : start + batch_size]
            ]

        progress = Progress(self.stderr, total=len(missing), unit="owners' history")
        with ThreadPoolExecutor(max_workers=1) as generator:
            upcoming = generator.submit(generate, 0)
            for start in range(0, len(missing), batch_size):
                batch = upcoming.result()
                upcoming = generator.submit(generate, start + batch_size)
                with transaction.atomic():
                    insert(history_rows(batch, owners), counts)
                progress.advance(len(batch))
        progress.finish()
        if missing and connection.vendor == "postgresql":
            analyze(ActiveDay, ActiveWeek, Playdate, chat_messages())
        return counts

    def report(
        self,
        metros: Sequence[Metro],
        wanted: dict[str, int],
        *,
        created: int,
        pets: int,
        moderator_created: bool,
        seconds: float,
    ) -> None:
        total = sum(wanted.values())
        where = f"{len(metros)} metro{'s' if len(metros) != 1 else ''}"
        if created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created {created:,} demo owners with {pets:,} pets in {where} "
                    f"({total - created:,} of the {total:,} already existed) in {seconds:.1f} s."
                )
            )
        else:
            self.stdout.write(
                f"Nothing new: all {total:,} demo owners in {where} already exist "
                f"({seconds:.1f} s)."
            )
        self.stdout.write(
            f"Moderator {MODERATOR_EMAIL}: {'created' if moderator_created else 'already exists'}."
        )

        biggest = sorted(metros, key=lambda metro: -wanted[metro.slug])[:EXAMPLE_LOGINS]
        emails = [demo_email(metro, 1) for metro in biggest if wanted[metro.slug]]
        examples = {
            email: (location, pet_count)
            for email, location, pet_count in User.objects.filter(email__in=emails)
            .annotate(pet_count=Count("pets"))
            .values_list("email", "location", "pet_count")
        }
        width = max(len(email) for email in [MODERATOR_EMAIL, *emails])
        self.stdout.write("")
        self.stdout.write(f"Logins (password for every demo account: {DEMO_PASSWORD}):")
        self.stdout.write(f"  {MODERATOR_EMAIL:<{width}}  moderator, can use /admin/")
        for email in emails:
            if email in examples:
                location, pet_count = examples[email]
                pets_text = f"{pet_count} pet{'s' if pet_count != 1 else ''}"
                self.stdout.write(f"  {email:<{width}}  {location}, {pets_text}")
        if total > len(emails):
            self.stdout.write(
                "  ... and every demo.<metro>.<n>@pawdate.local, n from 1 to the metro's count."
            )


def chosen_metros(names: Sequence[str] | None) -> list[Metro]:
    """The metros named (by name or slug, any case), in the order given; all when none."""
    if not names:
        return list(METROS)
    by_key = {key.casefold(): metro for metro in METROS for key in (metro.name, metro.slug)}
    unknown = [name for name in names if name.casefold() not in by_key]
    if unknown:
        raise CommandError(
            f"Unknown metro{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
            f"Valid names: {', '.join(metro.name for metro in METROS)}."
        )
    chosen: dict[str, Metro] = {}
    for name in names:
        metro = by_key[name.casefold()]
        chosen[metro.slug] = metro
    return list(chosen.values())


def existing_demo_owners() -> dict[str, set[int]]:
    """The numbers of the demo owners already there, by metro slug (one query)."""
    numbers: dict[str, set[int]] = {}
    emails = User.objects.filter(
        email__startswith="demo.", email__endswith=f"@{DEMO_DOMAIN}"
    ).values_list("email", flat=True)
    for email in emails.iterator(chunk_size=20_000):
        match = DEMO_EMAIL.match(email)
        if match:
            numbers.setdefault(match[1], set()).add(int(match[2]))
    return numbers


# For owner 1 of each metro, whose login seed_demo prints: (the other owner's number, whether
# owner 1 invites, whether it is accepted). Through the playdate services, so each playdate is
# also in both owners' event logs, as if they had made it.
DEMO_PLAYDATES = ((2, False, False), (3, False, True), (4, True, False))


def seed_playdates(metros: Sequence[Metro], *, now: datetime) -> int:
    """Demo playdates between owner 1 of each metro and owners 2 to 4; only the missing ones."""
    created = 0
    for metro in metros:
        owners = {
            number: User.objects.filter(email=demo_email(metro, number)).first()
            for number in (1, *(other for other, _, _ in DEMO_PLAYDATES))
        }
        first = owners[1]
        if first is None:
            continue
        for index, (number, first_invites, accepted) in enumerate(DEMO_PLAYDATES, start=1):
            other = owners[number]
            if (
                other is None
                or Playdate.objects.filter(
                    Q(inviter=first, invitee=other) | Q(inviter=other, invitee=first)
                ).exists()
            ):
                continue
            inviter, invitee = (first, other) if first_invites else (other, first)
            from_pet = Pet.objects.filter(owner=inviter, is_active=True).order_by("pk").first()
            to_pet = Pet.objects.filter(owner=invitee, is_active=True).order_by("pk").first()
            if from_pet is None or to_pet is None:
                continue
            day = (now + timedelta(days=index + 1)).replace(hour=10, minute=0, second=0)
            playdate = playdate_invite(
                inviter=inviter,
                from_pet_id=from_pet.pk,
                to_pet_id=to_pet.pk,
                date_time=day.replace(microsecond=0),
                location_name=metro.area.location_of(metro.neighbourhoods[0]),
                message=f"{from_pet.name} would love to meet {to_pet.name}!",
            )
            if accepted:
                playdate_accept(user=invitee, playdate_id=playdate.pk)
            created += 1
    return created


def ensure_moderator(password_hash: str) -> bool:
    """Creates the demo moderator unless there is one; True if it was created."""
    if User.objects.filter(email=MODERATOR_EMAIL).exists():
        return False
    with transaction.atomic():
        moderator = User.objects.create(
            email=MODERATOR_EMAIL,
            username="moderator",
            password=password_hash,
            role=User.Role.MODERATOR,
            is_staff=True,
        )
        moderator.user_permissions.set(
            Permission.objects.filter(
                content_type__app_label__in=MODERATED_APPS, codename__regex=r"^(view|change)_"
            )
        )
    return True


def insert_by_orm(owners: Sequence[DemoOwner], *, password_hash: str, now: datetime) -> int:
    """bulk_create, which returns the new ids (PostgreSQL, SQLite 3.35+). Returns the pets made."""
    users = User.objects.bulk_create(
        User(
            email=owner.email,
            username=owner.username,
            password=password_hash,
            location=owner.location,
            latitude=owner.latitude,
            longitude=owner.longitude,
            metro=metro_at(owner.latitude, owner.longitude),
            time_zone=owner.time_zone,
            date_joined=owner.date_joined,
        )
        for owner in owners
    )
    demo_pets = [
        (user, pet) for user, owner in zip(users, owners, strict=True) for pet in owner.pets
    ]
    pets = Pet.objects.bulk_create(
        Pet(
            owner_id=user.pk,
            name=pet.name,
            species=pet.species,
            breed=pet.breed,
            age=pet.age,
            size=pet.size,
            energy=pet.energy,
            temperament=list(pet.temperament),
            vaccinated=pet.vaccinated,
            bio=pet.bio,
            created_at=pet.created_at,
        )
        for user, pet in demo_pets
    )
    Preferences.objects.bulk_create(
        Preferences(
            pet_id=row.pk,
            max_distance_km=pet.preferences.max_distance_km,
            species_mask=pet.preferences.species_mask,
            sizes_mask=pet.preferences.sizes_mask,
            energy_mask=pet.preferences.energy_mask,
            min_age=pet.preferences.min_age,
            max_age=pet.preferences.max_age,
            require_vaccinated=pet.preferences.require_vaccinated,
            availability=availability_json(pet.preferences.availability),
        )
        for row, (_, pet) in zip(pets, demo_pets, strict=True)
    )
    return len(pets)


def insert_by_copy(owners: Sequence[DemoOwner], *, password_hash: str, now: datetime) -> int:
    """PostgreSQL's COPY, with ids drawn from the tables' own sequences. Returns the pets made."""
    user_ids = next_ids(User, len(owners))
    pet_ids = iter(next_ids(Pet, sum(len(owner.pets) for owner in owners)))
    owned_pets = [
        (user_id, next(pet_ids), pet)
        for user_id, owner in zip(user_ids, owners, strict=True)
        for pet in owner.pets
    ]
    owner_role = User.Role.OWNER.value
    copy_rows(
        User,
        USER_COLUMNS,
        (
            (
                user_id, owner.email, owner.username, password_hash, owner.location,
                owner.latitude, owner.longitude, metro_at(owner.latitude, owner.longitude),
                owner.time_zone, owner_role, True, False, False, owner.date_joined,
            )
            for user_id, owner in zip(user_ids, owners, strict=True)
        ),
    )  # fmt: skip
    copy_rows(
        Pet,
        PET_COLUMNS,
        (
            (
                pet_id, user_id, pet.name, pet.species, pet.breed, pet.age, pet.size, pet.energy,
                temperament_text(pet.temperament), pet.vaccinated, pet.bio, True, pet.created_at,
                now,
            )
            for user_id, pet_id, pet in owned_pets
        ),
    )  # fmt: skip
    copy_rows(
        Preferences,
        PREFERENCES_COLUMNS,
        (
            (
                pet_id, pet.preferences.max_distance_km, pet.preferences.species_mask,
                pet.preferences.sizes_mask, pet.preferences.energy_mask, pet.preferences.min_age,
                pet.preferences.max_age, pet.preferences.require_vaccinated,
                availability_text(pet.preferences.availability),
            )
            for _, pet_id, pet in owned_pets
        ),
    )  # fmt: skip
    return len(owned_pets)


def chat_messages() -> type[models.Model]:
    """realtime.Message, through the app registry: matching never imports realtime, but the
    demo history has conversations."""
    return apps.get_model("realtime", "Message")


@dataclass(slots=True)
class HistoryCounts:
    owners: int
    active_days: int = 0
    invitations: int = 0
    messages: int = 0


@dataclass(frozen=True, slots=True)
class DemoOwnerRow:
    user_id: int
    metro: str  # User.metro
    joined: datetime
    pet_id: int  # the owner's first pet: the one that invites and is invited


def demo_owner_rows(
    metros: Sequence[Metro], wanted: dict[str, int]
) -> dict[str, list[DemoOwnerRow]]:
    """The wanted demo owners of each metro, by number (index 0 is owner 1): two queries."""
    emails = {
        demo_email(metro, number): (metro.slug, number)
        for metro in metros
        for number in range(1, wanted[metro.slug] + 1)
    }
    users = (
        User.objects.filter(email__startswith="demo.", email__endswith=f"@{DEMO_DOMAIN}")
        .values_list("pk", "email", "metro", "date_joined")
        .iterator(chunk_size=20_000)
    )
    found = {
        user_id: (emails[email], metro, joined)
        for user_id, email, metro, joined in users
        if email in emails
    }
    first_pets = dict(
        Pet.objects.filter(owner_id__in=list(found))
        .values("owner_id")
        .annotate(first=Min("pk"))
        .values_list("owner_id", "first")
    )
    rows: dict[str, list[DemoOwnerRow | None]] = {
        metro.slug: [None] * wanted[metro.slug] for metro in metros
    }
    for user_id, ((slug, number), metro, joined) in found.items():
        rows[slug][number - 1] = DemoOwnerRow(user_id, metro, joined, first_pets[user_id])
    return {slug: [row for row in owners if row is not None] for slug, owners in rows.items()}


def owners_with_history() -> set[int]:
    """Owners whose sign-up week is marked active: every demo history starts on the sign-up
    day, so these already have theirs."""
    return set(ActiveWeek.objects.filter(week=F("cohort")).values_list("user_id", flat=True))


@dataclass(slots=True)
class HistoryRows:
    active_days: list[tuple[int, date, str]] = field(default_factory=list)
    active_weeks: set[tuple[int, date, date]] = field(default_factory=set)
    daily_active: Counter[tuple[date, str, int]] = field(default_factory=Counter)
    cohort_weeks: Counter[tuple[date, date, str]] = field(default_factory=Counter)
    suggestions: Counter[tuple[date, str]] = field(default_factory=Counter)
    # (pet_1, pet_2, inviter, invitee, the invitation)
    invitations: list[tuple[int, int, int, int, DemoInvitation]] = field(default_factory=list)


def history_rows(
    batch: Sequence[tuple[Metro, int, DemoHistory]], owners: dict[str, list[DemoOwnerRow]]
) -> HistoryRows:
    rows = HistoryRows()
    for metro, number, history in batch:
        owner = owners[metro.slug][number - 1]
        cohort = week_of(owner.joined.astimezone(UTC).date())
        weeks = {week_of(day) for day in history.active_days}
        previous = None
        for day in history.active_days:  # oldest first
            rows.active_days.append((owner.user_id, day, owner.metro))
            rows.daily_active[day, owner.metro, gap_between(previous, day)] += 1
            previous = day
        for week in weeks:
            rows.active_weeks.add((owner.user_id, week, cohort))
            rows.cohort_weeks[cohort, week, owner.metro] += 1
        for day, shown in history.suggestions_shown:
            rows.suggestions[day, owner.metro] += shown
        for invitation in history.invitations:
            invitee = owners[metro.slug][invitation.invitee - 1]
            rows.invitations.append(
                (owner.pet_id, invitee.pet_id, owner.user_id, invitee.user_id, invitation)
            )
    return rows


def add_counts(
    model: type[models.Model], key: Sequence[str], counted: str, counts: Counter[Any]
) -> None:
    """Adds `counts` (by `key`) to a rollup's `counted` column, whoever else counted there:
    the day's active owners and suggestions shown, the cohorts' weeks."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join([*key, counted])
    values = ", ".join(["%s"] * (len(key) + 1))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({values})"  # noqa: S608  names only
            f" ON CONFLICT ({', '.join(key)})"
            f" DO UPDATE SET {counted} = {table}.{counted} + excluded.{counted}",
            [(*row, count) for row, count in sorted(counts.items())],
        )


def add_history_counts(rows: HistoryRows) -> None:
    add_counts(DailyActiveOwners, ("day", "metro", "gap"), "owners", rows.daily_active)
    add_counts(CohortWeek, ("cohort", "week", "metro"), "owners", rows.cohort_weeks)
    add_counts(SuggestionDay, ("day", "metro"), "shown", rows.suggestions)


def _awaiting(invitee_id: int, invitation: DemoInvitation) -> int | None:
    return invitee_id if invitation.status == PlaydateStatus.PENDING else None


def insert_history(rows: HistoryRows, counts: HistoryCounts) -> None:
    """The history through the ORM (the embedded default)."""
    ActiveDay.objects.bulk_create(
        ActiveDay(user_id=user_id, day=day, metro=metro) for user_id, day, metro in rows.active_days
    )
    ActiveWeek.objects.bulk_create(
        ActiveWeek(user_id=user_id, week=week, cohort=cohort)
        for user_id, week, cohort in sorted(rows.active_weeks)
    )
    add_history_counts(rows)
    playdates = Playdate.objects.bulk_create(
        Playdate(
            pet_1_id=pet_1, pet_2_id=pet_2, inviter_id=inviter, invitee_id=invitee,
            date_time=invitation.date_time, location_name=invitation.location,
            message=invitation.message, status=invitation.status,
            awaiting_user_id=_awaiting(invitee, invitation),
            created_at=invitation.sent_at, updated_at=invitation.updated_at,
            accepted_at=invitation.accepted_at,
        )
        for pet_1, pet_2, inviter, invitee, invitation in rows.invitations
    )  # fmt: skip
    # bulk_create sets updated_at (auto_now) to now: put back when each was last changed.
    for playdate, (*_, invitation) in zip(playdates, rows.invitations, strict=True):
        playdate.updated_at = invitation.updated_at
    Playdate.objects.bulk_update(playdates, ["updated_at"], batch_size=1000)
    message = chat_messages()
    messages = message._default_manager.bulk_create(
        message(
            playdate_id=playdate.pk,
            sender_id=inviter if by_inviter else invitee,
            body=body,
            created_at=sent_at,
        )
        for playdate, (_, _, inviter, invitee, invitation) in zip(
            playdates, rows.invitations, strict=True
        )
        for by_inviter, sent_at, body in invitation.messages
    )
    counts.active_days += len(rows.active_days)
    counts.invitations += len(playdates)
    counts.messages += len(messages)


def insert_history_by_copy(rows: HistoryRows, counts: HistoryCounts) -> None:
    """The history by COPY (PostgreSQL), playdate ids drawn from the table's sequence."""
    copy_rows(ActiveDay, ("user", "day", "metro"), rows.active_days)
    copy_rows(ActiveWeek, ("user", "week", "cohort"), sorted(rows.active_weeks))
    add_history_counts(rows)
    playdate_ids = next_ids(Playdate, len(rows.invitations))
    copy_rows(
        Playdate,
        PLAYDATE_COLUMNS,
        (
            (
                playdate_id, pet_1, pet_2, inviter, invitee, invitation.date_time,
                invitation.location, invitation.message, invitation.status,
                _awaiting(invitee, invitation), invitation.sent_at,
                invitation.updated_at, invitation.accepted_at,
            )
            for playdate_id, (pet_1, pet_2, inviter, invitee, invitation) in zip(
                playdate_ids, rows.invitations, strict=True
            )
        ),
    )  # fmt: skip
    messages = [
        (playdate_id, inviter if by_inviter else invitee, body, "", sent_at)
        for playdate_id, (_, _, inviter, invitee, invitation) in zip(
            playdate_ids, rows.invitations, strict=True
        )
        for by_inviter, sent_at, body in invitation.messages
    ]
    copy_rows(chat_messages(), ("playdate", "sender", "body", "ref", "created_at"), messages)
    counts.active_days += len(rows.active_days)
    counts.invitations += len(playdate_ids)
    counts.messages += len(messages)


def next_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys from the table's sequence, as inserts would take them."""
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    """COPY `rows` (values of `fields`, in that order) into the model's table."""
    quote = connection.ops.quote_name
    column_of = {field.name: field.column for field in model._meta.concrete_fields}
    columns = ", ".join(quote(column_of[name]) for name in fields)
    statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def analyze(*tables: type[models.Model]) -> None:
    """Fresh planner statistics: the matching queries plan by them, and they are now stale."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(quote(model._meta.db_table) for model in tables)}")


class Progress:
    """Progress of a long load: one line redrawn in place on a terminal, else a line per ~10%."""

    def __init__(self, out: OutputWrapper, *, total: int, unit: str) -> None:
        self.out = out
        self.total = total
        self.unit = unit
        self.done = 0
        self.started = time.monotonic()
        self.interactive = out.isatty()
        self.drawn_at = 0.0
        self.drawn_width = 0
        self.next_tenth = 1

    def advance(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if self.interactive:
            if now - self.drawn_at >= 0.2 or self.done >= self.total:
                line = self.line(now)
                self.write(f"\r{line:<{self.drawn_width}}", ending="")
                self.out.flush()
                self.drawn_at, self.drawn_width = now, len(line)
        elif self.done * 10 >= self.total * self.next_tenth:
            self.write(self.line(now))
            while self.done * 10 >= self.total * self.next_tenth:
                self.next_tenth += 1

    def finish(self) -> None:
        if self.interactive and self.drawn_width:
            self.write("")

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate else 0.0
        percent = 100 * self.done / self.total if self.total else 100.0
        timing = f"ETA {_duration(left)}" if self.done < self.total else f"in {_duration(elapsed)}"
        return (
            f"{self.unit}: {self.done:,}/{self.total:,} ({percent:.0f}%), {rate:,.0f}/s, {timing}"
        )

    def write(self, text: str, ending: str | None = None) -> None:
        # Not styled: on a terminal, stderr's default style is the error colour.
        self.out.write(text, style_func=_unstyled, ending=ending)


def _unstyled(text: str) -> str:
    return text


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"
