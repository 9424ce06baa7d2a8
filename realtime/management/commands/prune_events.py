"""`manage.py prune_events [--days 7]`: drops durable events older than the retention period.

The contract keeps events at least 7 days; a client that comes back later than that resumes with
`since` past the pruned ones and simply does not get them. Users' cursors are kept, so `seq`
never starts again. Deletes in batches, so a large backlog does not hold one long transaction.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from realtime.models import Event

RETENTION_DAYS = 7
BATCH = 10_000


class Command(BaseCommand):
    help = "Deletes durable events older than --days (default 7); prints how many."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=RETENTION_DAYS)

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days < RETENTION_DAYS:
            raise CommandError(f"Events are kept at least {RETENTION_DAYS} days (CONTRACT.md).")
        cutoff = timezone.now() - timedelta(days=days)
        pruned = 0
        while True:
            batch = list(
                Event.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:BATCH]
            )
            if not batch:
                break
            pruned += Event.objects.filter(pk__in=batch).delete()[0]
            if options["verbosity"] > 1:
                self.stdout.write(f"{pruned} so far")
        self.stdout.write(
            f"{pruned} event{'' if pruned == 1 else 's'} older than {days} days pruned."
        )
