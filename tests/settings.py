"""Settings for the test suite: config.settings with test defaults for the environment.

Tests run against the real PostgreSQL and Redis named by DATABASE_URL and REDIS_URL (the local
servers by default). Setting either to an empty string selects the embedded default instead,
which is how `make test` runs the smoke tests. Each xdist worker gets its own Redis database.
(Redis database 0 is left to `make run`.)
"""

import os
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pawdate")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")
os.environ.setdefault("SECRET_KEY", "pawdate-test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
# Tests speak plain HTTP to the test client; production redirects to HTTPS (see test_deploy).
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")


def _per_worker(url: str) -> str:
    """xdist worker N uses Redis database (the URL's database + N), so flushes don't collide."""
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(base + worker) % 16}"))


if os.environ["REDIS_URL"]:
    os.environ["REDIS_URL"] = ",".join(_per_worker(u) for u in os.environ["REDIS_URL"].split(","))

from config.settings import *  # noqa: E402, F403

# The hashed-name manifest exists only after collectstatic; tests serve static files unhashed.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (WhiteNoise warns when it is absent)
