"""The ASGI entry point: HTTP goes to Django, WebSockets to the realtime gateway."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

# Django must be set up before anything imports models, consumers included.
django.setup(set_prefix=False)

from config.http import OneHopASGIHandler  # noqa: E402

django_asgi_app = OneHopASGIHandler()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)),
    }
)
