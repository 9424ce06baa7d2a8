"""The ASGI entry point: HTTP goes to Django, WebSockets to the realtime gateway."""

import gc
import os
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

# Django must be set up before anything imports models, consumers included.
django.setup(set_prefix=False)

from config.http import OneHopASGIHandler  # noqa: E402

django_asgi_app = OneHopASGIHandler()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from config.origins import OriginValidator  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

http_app: Any = django_asgi_app
if settings.SENTRY_DSN:
    # One Sentry scope per request (its URL and method on the report, released after): our
    # handler replaces the one Sentry's Django integration hooks. HTTP only: sockets carry none.
    from sentry_sdk.integrations.asgi import SentryAsgiMiddleware

    http_app = SentryAsgiMiddleware(django_asgi_app)

application = ProtocolTypeRouter(
    {
        "http": http_app,
        "websocket": OriginValidator(URLRouter(websocket_urlpatterns)),
    }
)

# Python's cyclic garbage collector, collecting its oldest generation, walks every tracked
# object: with Django, DRF and the apps loaded that is a pause of tens of milliseconds, and it
# was the p95 of every endpoint (GET /api/v1/me at 16 connections: p95 55 ms with it, 12 ms with
# the collector off; docs/performance.md). What exists once the application is loaded lives as
# long as the process: freeze it out of the collector's walks, and collect the youngest
# generation less often (reference counting frees nearly everything anyway). Thousands of open
# sockets are thousands more objects for each full walk: 2,000 of them made invitations' p99
# 58 ms (max 234 ms); full collections 100 times rarer (the middle generation's too, 5 times):
# p99 18.6 ms (bench/ws_bench.py, docs/performance.md). They still run, so cycles that outlive
# the young generations are still freed, every few minutes under load.
gc.collect()
gc.freeze()
gc.set_threshold(5_000, 50, 1_000)
