"""`manage.py expire_playdates`: writes down the expiries and completions time has brought.

Not needed for correctness (every read already shows a passed playdate as expired or completed);
it keeps the stored status, and so the owners' event logs, in step without waiting for a write.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from matching.playdate_services import playdates_settle_due


class Command(BaseCommand):
    help = (
        "Marks pending playdates whose time has passed expired, and accepted ones 2 hours past"
        " their time completed; prints how many changed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        changed = playdates_settle_due()
        self.stdout.write(f"{changed} playdate{'' if changed == 1 else 's'} changed.")
