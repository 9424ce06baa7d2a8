"""Signals other apps listen to when a pet changes (matching suggests it to the pets nearby).

Pets sends them from its services, inside the transaction of the change, and never imports its
listeners. A listener's writes (durable events) therefore commit or roll back with the change;
anything outside the database belongs in its own `transaction.on_commit`.
- `pet_changed(pet, created, fields)`: `pet` was created (`created`, no `fields`), or the
  `fields` named changed value: pet fields by name, "preferences" for any of its preferences.
"""

from __future__ import annotations

from django.dispatch import Signal

pet_changed = Signal()
