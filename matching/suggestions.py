"""`match.suggested`: when a pet appears, or changes so that it suits pets nearby, their owners
are told, durably, in the transaction of the change (pets' `pet_changed` signal).

The hard filters are symmetric (both sides' wishes and reach, blocks either way), so the pets to
which the changed pet may be suggested are exactly its own candidates: one nearest-first query,
capped at `FAN_OUT`. Each pair is scored as the other pet's GET /pets/{id}/matches scores it,
and the owners of the pets it suits well enough (`GOOD_SUGGESTION`) get the suggestion exactly as
that endpoint renders it. Each is also counted, per day and recipient's metro, for the engagement
figures (`suggestions_shown_add`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from accounts.models import User
from config import features
from matching import algorithm, cache, selectors
from matching.models import Pass, SuggestionDay
from pets.models import Pet
from realtime import events

# The lowest score worth a notification: half the points. A pair above it is close, free at
# the same times, and alike in size and energy on the whole; a pair below it loses on two of
# those, and is one an owner scrolls past. Whether the pet would also be among the other pet's
# best 20 is not checked: that is one more candidate query per recipient (a thousand for a
# crowded block), so this threshold stands for it.
GOOD_SUGGESTION = 0.5
# The nearest pets considered: a new pet in a crowded city is news to the owners around it, not
# to the whole city (and the notification costs one event row each).
FAN_OUT = 1000
# What a pet's suggestions depend on: its traits, its wishes and calendar, whether it is active.
# Not its name, breed or bio.
RELEVANT_FIELDS = frozenset(
    {"species", "age", "size", "energy", "temperament", "vaccinated", "is_active", "preferences"}
)


def on_pet_changed(
    sender: type[Pet], *, pet: Pet, created: bool, fields: frozenset[str], **kwargs: Any
) -> None:
    """pets' `pet_changed`: suggests a new, reactivated or changed pet to the pets nearby."""
    if pet.is_active and (created or fields & RELEVANT_FIELDS):
        pet_suggest(pet=pet, now=timezone.now())


def pet_suggest(*, pet: Pet, now: datetime) -> int:
    """Records `match.suggested` for the owner of every pet nearby that `pet` suits well; returns
    how many. Runs in the caller's transaction; a bounded number of queries, whatever the number
    of recipients."""
    me = selectors.pet_profile(owner=pet.owner, pet_id=pet.pk)
    candidates = selectors.match_candidates(me, fetch=FAN_OUT)
    if not candidates:
        return 0
    # The candidate query leaves out the pets `pet` passed on; a pet that passed on `pet` must
    # never see it again either.
    passed_on_it = set(Pass.objects.filter(other_id=pet.pk).values_list("pet_id", flat=True))
    as_of = selectors.as_of(now)
    suited = []
    for candidate in candidates:
        if candidate.pet_id in passed_on_it:
            continue
        # Live suggestions can be switched off, or on for a share of owners (config/features.py).
        if not features.enabled(features.LIVE_SUGGESTIONS, candidate.profile.owner_id):
            continue
        # As the other pet's suggestions score it: the other pet first (score is symmetric).
        suggestion = algorithm.score(
            candidate.profile.side, me.side, candidate.distance_km, as_of, with_slots=False
        )
        if suggestion.score >= GOOD_SUGGESTION:
            suited.append((candidate, suggestion))
    if not suited:
        return 0
    # What the other pet's GET /pets/{id}/matches would show: `pet`, seen from there.
    shown = [
        selectors.Match(
            candidate=selectors.Candidate(profile=me, distance_km=candidate.distance_km),
            suggestion=suggestion,
            slots=algorithm.suggested_slots(candidate.profile.side, me.side, as_of),
        )
        for candidate, suggestion in suited
    ]
    rendered = json.loads(cache.render(shown))["results"]
    events.record_many(
        [
            (
                candidate.profile.owner_id,
                "match.suggested",
                {"for_pet_id": candidate.pet_id, "suggestion": suggestion},
            )
            for (candidate, _), suggestion in zip(suited, rendered, strict=True)
        ]
    )
    suggestions_shown_add(
        day=now.astimezone(UTC).date(),
        owner_ids=[candidate.profile.owner_id for candidate, _ in suited],
    )
    return len(suited)


def suggestions_shown_add(*, day: date, owner_ids: Sequence[int]) -> None:
    """Counts a suggestion shown to each of `owner_ids` (once per occurrence) on `day`, in each
    owner's metro (matching.SuggestionDay). One upsert in the caller's transaction; it comes
    last, as it holds the day's busy rows until commit."""
    if not owner_ids:
        return
    days = connection.ops.quote_name(SuggestionDay._meta.db_table)
    owners = connection.ops.quote_name(User._meta.db_table)
    shown = ", ".join(["(%s)"] * len(owner_ids))
    # Rows in metro order: concurrent upserts lock the rows in the same order, and so never
    # deadlock. The same statement runs on PostgreSQL and SQLite (whose upsert after a SELECT
    # needs the WHERE to parse).
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH shown (owner_id) AS (VALUES {shown})"  # noqa: S608  names only
            f" INSERT INTO {days} (day, metro, shown)"
            f" SELECT %s, u.metro, count(*) FROM shown JOIN {owners} u ON u.id = shown.owner_id"
            " WHERE true GROUP BY u.metro ORDER BY u.metro"
            f" ON CONFLICT (day, metro) DO UPDATE SET shown = {days}.shown + excluded.shown",
            [*owner_ids, day],
        )
