"""Signals other apps listen to when a user's access ends (the gateway closes their sockets).

Accounts sends them after the change commits and never imports its listeners:
- `session_ended(user_id, session_ids)`: sessions were revoked, logged out or ended with the
  account;
- `user_locked_out(user_id, reason)`: the user was suspended ("suspended") or deleted their
  account ("deleted"). Suspension is whatever sets `suspended_at` (a service, the admin), so it
  is noticed in `post_save`.

One is sent inside the change's transaction instead, so that what its listeners write commits
or rolls back with the change:
- `user_deleting(user)`: `user` is deleting their account (`services.user_delete`), not yet
  anonymised; pets retires their pets, matching calls off their upcoming playdates.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from accounts.models import User

session_ended = Signal()
user_locked_out = Signal()
user_deleting = Signal()


def send_on_commit(signal: Signal, **arguments: Any) -> None:
    transaction.on_commit(lambda: signal.send(sender=User, **arguments))


@receiver(post_save, sender=User, dispatch_uid="accounts.user_suspended")
def _announce_suspension(
    sender: type[User], instance: User, update_fields: frozenset[str] | None, **kwargs: Any
) -> None:
    # A save that writes a set `suspended_at`: the suspension itself, or an edit of a suspended
    # user, for which closing (already closed) sockets again is harmless.
    if instance.suspended_at is not None and (
        update_fields is None or "suspended_at" in update_fields
    ):
        send_on_commit(user_locked_out, user_id=instance.pk, reason="suspended")
