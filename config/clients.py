"""The client's address, for per-IP rate limits and the loopback check of /metrics.

Directly connected, it is REMOTE_ADDR. Behind TRUSTED_PROXIES reverse proxies (a load
balancer, nginx), REMOTE_ADDR is the nearest proxy's, and each proxy appends the address it
received from to X-Forwarded-For: the client's is then the TRUSTED_PROXIES-th entry from the
right. Entries further left are whatever the client sent, so they are never read; a header
with fewer entries than proxies (a proxy that does not append, a misconfiguration) gives
REMOTE_ADDR.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings


def client_address(meta: Mapping[str, Any]) -> str:
    """The client's IP address from a request's META ("" when there is none)."""
    remote = str(meta.get("REMOTE_ADDR") or "")
    proxies: int = settings.TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [entry.strip() for entry in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    forwarded = [entry for entry in forwarded if entry]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]
