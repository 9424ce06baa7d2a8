"""`manage.py seed_demo`: demo owners and pets in real metropolitan areas, and a moderator.

Owners are `demo.<metro-slug>.<n>@pawdate.local`, spread over the metros by population; what an
owner looks like depends only on --seed, its metro and n (matching/demo_data.py). So a second
run adds nothing, and a run with a larger --owners adds only the owners that are missing.
Rows go in by batches, each batch in one transaction: COPY on PostgreSQL, bulk_create elsewhere.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db import connection, models, transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from matching.demo_data import (
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    METROS,
    MODERATOR_EMAIL,
    DemoOwner,
    Metro,
    allocate,
    availability_json,
    availability_text,
    demo_email,
    demo_owner,
    temperament_text,
)
from matching.models import Playdate
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
    "id", "email", "username", "password", "location", "latitude", "longitude", "time_zone",
    "role", "is_active", "is_staff", "is_superuser", "date_joined",
)  # fmt: skip
PET_COLUMNS = (
    "id", "owner", "name", "species", "breed", "age", "size", "energy", "temperament",
    "vaccinated", "bio", "is_active", "created_at", "updated_at",
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
                location_name=metro.neighbourhoods[0].location,
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
                owner.latitude, owner.longitude, owner.time_zone, owner_role, True, False, False,
                owner.date_joined,
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
