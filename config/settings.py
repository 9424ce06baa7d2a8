"""Pawdate settings: one module, read from the environment only (see CONTRACT.md, Operations).

With nothing configured it runs on SQLite under var/ and the in-memory channel layer;
DATABASE_URL and REDIS_URL switch it to PostgreSQL and Redis.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import timedelta
from importlib.util import find_spec
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

# Lets the admin and generic views take type parameters at run time (ModelAdmin[User]).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PAWDATE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}"
    )


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or default


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (use DEBUG=1 for local development)."
        )
    SECRET_KEY = "django-insecure-pawdate-local-development-only"  # noqa: S105  DEBUG only

# Tokens are signed with their own key, so rotating it logs everyone out without touching
# sessions, password resets or anything else SECRET_KEY protects.
JWT_SIGNING_KEY = (
    os.environ.get("JWT_SIGNING_KEY")
    or hmac.new(SECRET_KEY.encode(), b"pawdate.jwt.signing-key", hashlib.sha256).hexdigest()
)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "accounts",
    "pets",
    "matching",
    "realtime",
]

MIDDLEWARE = [
    "config.observability.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# Under ASGI a persistent connection belongs to whichever thread opened it and is never closed,
# so CONN_MAX_AGE stays 0. On PostgreSQL, psycopg 3's pool (Django's built-in) keeps connections
# warm instead; its max_size bounds the server connections each process may hold.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
# Reverse proxies in front of the servers that append to X-Forwarded-For (config/clients.py):
# per-IP rate limits and the /metrics loopback check then see the client, not the proxy.
TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
# Threads per process that run HTTP views (config/http.py); each may hold one connection.
HTTP_THREADS = int(os.environ.get("HTTP_THREADS", "4"))
# Threads per process that do sockets' database work: opening, chat (realtime/workers.py).
SOCKET_THREADS = int(os.environ.get("SOCKET_THREADS", "4"))
# Those threads, Channels' database thread and one to spare.
DB_POOL_MAX_SIZE = int(os.environ.get("DB_POOL_MAX_SIZE", str(HTTP_THREADS + SOCKET_THREADS + 2)))
if DATABASE_URL:
    _database: dict[str, Any] = dict(dj_database_url.parse(DATABASE_URL, conn_max_age=0))
    if _database["ENGINE"] == "django.db.backends.postgresql" and find_spec("psycopg_pool"):
        _database.setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": DB_POOL_MAX_SIZE,
            # How long a thread waits for a connection. Only an unreachable PostgreSQL makes it
            # wait that long (the pool holds a connection per thread), so it is how long a
            # request waits for its 503 during an outage, its thread taken meanwhile.
            "timeout": 5,
            # psycopg retries a lost connection with a doubling delay until this gives out,
            # then tries again only when a thread asks: PostgreSQL back after an outage of
            # minutes is used within seconds, not after the next of delays doubling to minutes.
            "reconnect_timeout": 5,
        }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _database = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "db.sqlite3",
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
    }
_database["CONN_MAX_AGE"] = 0
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache ----------------------------------------------------------
# Several comma-separated URLs shard the channel layer; the cache (throttles, tickets) uses
# the first one, since Django's Redis cache treats further URLs as read replicas.
REDIS_URLS = env_list("REDIS_URL", [])
if REDIS_URLS:
    # Redis Pub/Sub, not channels_redis' default RedisChannelLayer. Measured in the real-time
    # issue, the default layer silently dropped 38% of fan-out deliveries under load (per-channel
    # capacity), redis-py 8's default 5 s socket timeout killed idle consumers' blocking reads
    # ("Timeout reading from Redis", channels_redis#422), and its connection pool ran out ("Too
    # many connections") when 2,000 sockets closed at once. The Pub/Sub layer lost nothing: it
    # keeps one subscriber connection per process and shard (groups are Redis channels), its
    # reads carry their own short timeout, and publishes take one more connection. Each URL is
    # a shard. Commands keep a bounded timeout, so a hung Redis fails a publish instead of
    # hanging a socket; keepalive finds a dead subscriber connection, which redis-py reconnects
    # and resubscribes. Pub/Sub has no delivery guarantee, and needs none here: doorbells only
    # say "read the log" (realtime.events), and each socket checks every 15 s that it still
    # hears its own groups, and closes (1012, resume) if not (realtime.gateway).
    # Pub/Sub channels ignore the database number, so it goes into the prefix: services (and
    # test workers) on one Redis server but different databases stay apart, as they did with
    # the default layer's keys.
    _pubsub_database = urlsplit(REDIS_URLS[0]).path.strip("/") or "0"
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "prefix": f"pawdate.db{_pubsub_database}.",
                "hosts": [
                    {
                        "address": url,
                        "socket_timeout": 5,
                        "socket_connect_timeout": 2,
                        "socket_keepalive": True,
                    }
                    for url in REDIS_URLS
                ],
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URLS[0],
            "KEY_PREFIX": "pawdate",
        }
    }
else:
    # One process: every socket's messages pass through the one channel of the process's hub
    # (realtime.hub), so it holds far more than the default 100.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": 100_000},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Suggestions kept until a pet, preference, owner, block or pass within reach changes
# (matching.cache; PostgreSQL only). Off: every request computes them.
MATCHES_CACHE = env_bool("MATCHES_CACHE", True)

# --- Accounts and auth -----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.AccessTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=10),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=14),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "AUDIENCE": "pawdate-api",
    "ISSUER": "pawdate",
    "LEEWAY": 0,
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "TOKEN_TYPE_CLAIM": "token_type",
    "JTI_CLAIM": "jti",
}

# Rate limits: (requests, window in seconds). Counted atomically in Redis when configured.
RATE_LIMITS = {
    "login_ip": (30, 60),
    "login_account": (10, 60),
    "register_ip": (10, 3600),
    "register_account": (5, 3600),
    # Invitations per owner: generous for real use, a wall for spamming every pet nearby.
    "playdate_invite": (30, 3600),
    # Chat messages per user, over every socket and REST: a fast typist sends about one a
    # second; a script sending more than 3 a second for 10 seconds is flooding the other owner.
    "chat_message": (30, 10),
    # Feedback per owner: plenty for what one person has to say in an hour.
    "feedback": (20, 3600),
    # Reports per owner: enough to flag everything wrong in an evening, not to flood moderators.
    "report": (20, 3600),
}


def _rate_limit_from_env(name: str, default: tuple[int, int]) -> tuple[int, int]:
    """RATE_LIMIT_<NAME>=<count>/<seconds> (e.g. RATE_LIMIT_CHAT_MESSAGE=60/10) replaces one."""
    variable = f"RATE_LIMIT_{name.upper()}"
    value = os.environ.get(variable, "").strip()
    if not value:
        return default
    count, _, seconds = value.partition("/")
    if not (count.isdigit() and seconds.isdigit() and int(count) > 0 and int(seconds) > 0):
        raise ImproperlyConfigured(
            f"{variable} must be <count>/<seconds>, e.g. 30/10; got {value!r}"
        )
    return int(count), int(seconds)


RATE_LIMITS = {name: _rate_limit_from_env(name, limit) for name, limit in RATE_LIMITS.items()}
# Failed logins on one account lock it (even for the right password) for the rest of the window.
LOGIN_FAILURE_LIMIT = (5, 900)

SPECTACULAR_SETTINGS = {
    "TITLE": "Pawdate API",
    "DESCRIPTION": "Playdates for pets: accounts, pets, matching, playdates, chat and moderation.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Security --------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Internationalisation and static files ---------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Static files are collected by `make run`; in tests they are served from the app folders.
WHITENOISE_USE_FINDERS = DEBUG
# Vite's assets (app/assets/name-<hash>.js) are named by their content, like the manifest's
# copies (name.<12 hex>.css): both can be cached for ever. index.html refers to Vite's names, so
# the unhashed originals must stay in STATIC_ROOT (never WHITENOISE_KEEP_ONLY_HASHED_FILES).
WHITENOISE_IMMUTABLE_FILE_TEST = r"^/static/(?:app/assets/.+|.+\.[0-9a-f]{12}\.\w+)$"
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# --- The browser app -------------------------------------------------------------------------
# `make run` and `make test` build frontend/ with Vite into FRONTEND_DIST: its index.html is the
# page of `/` and every client-side route (config/frontend.py), its assets are static files under
# /static/app/. Listed only once built: Python runs and tests without Node.
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS = [("app", FRONTEND_DIST)] if FRONTEND_DIST.is_dir() else []

# --- Logging ---------------------------------------------------------------------------------
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.observability.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "config.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Our request log already has one line per request; Django's would repeat 4xx lines.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "ERROR"},
        "daphne": {"level": "WARNING"},
    },
}

# --- Error reporting -------------------------------------------------------------------------
# Sentry only when SENTRY_DSN is set: otherwise nothing is loaded and nothing leaves. Errors
# (unhandled exceptions, ERROR log lines with their exception) go without what the logs never
# hold either. The SDK's defaults would send request bodies (passwords, tokens, message
# bodies), query strings (WebSocket tickets) and stack frames' local variables: none of them
# here, nor cookies or credential headers (`sentry_before_send`). No performance traces.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "").strip()
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

    from config.observability import sentry_before_send

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "").strip() or "production",
        release=os.environ.get("SENTRY_RELEASE", "").strip() or None,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        event_scrubber=EventScrubber(
            denylist=[*DEFAULT_DENYLIST, "ticket", "body", "refresh", "access"], recursive=True
        ),
        before_send=sentry_before_send,
    )
