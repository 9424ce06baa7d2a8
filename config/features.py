"""Feature switches: an API group (or a behaviour) on, off, or on for a percentage of users.

Each switch is set in the admin (`accounts.FeatureSwitch`) or, overriding it, by the
environment: FEATURE_<NAME>=on|off|<0-100>. A switch nobody set is on. Every process reads
the table at most once per CACHE_SECONDS, so an admin change takes effect everywhere within
that. A percentage is stable per user: the same users keep the feature as it grows.

A switched-off API group answers 503 `feature_disabled` (`feature_required`); its socket
frames answer an error frame with that code.
"""

from __future__ import annotations

import os
import threading
import time
import zlib

from asgiref.sync import sync_to_async
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from config.errors import DomainError

# The switches the product knows; others may be set, and are checked by whoever names them.
MATCHING, PLAYDATES, CHAT, LIVE_SUGGESTIONS = "matching", "playdates", "chat", "live_suggestions"
CACHE_SECONDS = 2.0

_lock = threading.Lock()
_cache: tuple[float, dict[str, int]] = (0.0, {})  # (read at, name -> percent on)


class FeatureDisabled(DomainError):
    status_code = 503
    code = "feature_disabled"
    default_message = "This feature is switched off for now. Please try again later."


def _parse(name: str, value: str) -> int:
    """A switch's setting as the percentage of users who have it."""
    value = value.strip().lower()
    if value == "on":
        return 100
    if value == "off":
        return 0
    if value.isdigit() and int(value) <= 100:
        return int(value)
    raise ValueError(f"FEATURE_{name.upper()} must be on, off or 0-100; got {value!r}")


def _from_table(*, read: bool = True) -> dict[str, int]:
    """The switches set in the admin, as percentages; read again when older than CACHE_SECONDS
    (with `read` False, as last read: what an event loop may use without the database)."""
    from accounts.models import FeatureSwitch

    global _cache
    now = time.monotonic()
    read_at, switches = _cache
    if now - read_at < CACHE_SECONDS or not read:
        return switches
    with _lock:
        percents = {
            name: 100 if state == "on" else 0 if state == "off" else percent
            for name, state, percent in FeatureSwitch.objects.values_list(
                "name", "state", "percent"
            )
        }
        _cache = (now, percents)
    return percents


def forget() -> None:
    """Reads the table again at the next check."""
    global _cache
    _cache = (0.0, {})


def assume_none_set() -> None:
    """As if the table had just been read and held no switch (where each test starts, so that a
    test's query count does not include a read of the table)."""
    global _cache
    _cache = (time.monotonic(), {})


def percent_on(name: str, *, read: bool = True) -> int:
    """The share of users (0-100) who have the feature."""
    configured = os.environ.get(f"FEATURE_{name.upper()}")
    if configured is not None and configured.strip():
        return _parse(name, configured)
    return _from_table(read=read).get(name, 100)


def enabled(name: str, user_id: int | None, *, read: bool = True) -> bool:
    """Whether `user_id` (None: anyone, for a whole-group check) has the feature now."""
    share = percent_on(name, read=read)
    if share >= 100:
        return True
    if share <= 0 or user_id is None:
        return False
    return zlib.crc32(f"{name}:{user_id}".encode()) % 100 < share


def require(name: str, user_id: int | None, *, read: bool = True) -> None:
    if not enabled(name, user_id, read=read):
        raise FeatureDisabled(f"{name.replace('_', ' ').capitalize()} is switched off for now.")


async def arequire(name: str, user_id: int | None) -> None:
    """`require` for an event loop: the table is read off the loop when the cache is old."""
    if time.monotonic() - _cache[0] >= CACHE_SECONDS:
        await sync_to_async(_from_table, thread_sensitive=False)()
    require(name, user_id, read=False)


def feature_required(name: str) -> type[BasePermission]:
    """A DRF permission: the view's API group is on for the caller (else 503)."""

    class FeatureOn(BasePermission):
        def has_permission(self, request: Request, view: APIView) -> bool:
            user_id = getattr(request.user, "pk", None)
            require(name, user_id)
            return True

    FeatureOn.__name__ = f"FeatureOn_{name}"
    return FeatureOn
