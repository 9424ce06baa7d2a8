"""What the load generators share: a free port, and the environment of a production-mode server."""

from __future__ import annotations

import os
import secrets
import socket


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def server_env(*, database: str, redis_url: str, **extra: str) -> dict[str, str]:
    """Production settings (DEBUG off) on the bench's own database and Redis database; the
    BENCH_DATABASE_URL / BENCH_REDIS_URL variables override them. The bench process signs
    tokens for its servers, so all of them share these keys."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": os.environ.get(
            "BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{database}"
        ),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", redis_url),
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-" + secrets.token_urlsafe(40),
        "JWT_SIGNING_KEY": os.environ.get("JWT_SIGNING_KEY")
        or "bench-" + secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
