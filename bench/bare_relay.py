"""The baseline for bench/ws_bench.py: a bare Channels consumer that relays group messages.

No authentication, no database, none of Pawdate's apps: a socket joins the group named in its
query string (`/relay/?group=<name>`), says hello, and forwards every `relay.message` sent to
that group as one text frame; a frame the client sends goes to the whole group, itself included
(the Channels tutorial's chat, and bench/chat_bench.py's baseline). The channel layer is
Pawdate's own (`config.settings`' CHANNEL_LAYERS, from the same REDIS_URL), so the bench
compares the gateway with the cheapest thing that could deliver through the same layer.
Served by daphne:

    python -m daphne -b 127.0.0.1 -p 8100 bench.bare_relay:application
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qs

import django
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from config import settings as pawdate_settings

settings.configure(CHANNEL_LAYERS=pawdate_settings.CHANNEL_LAYERS, INSTALLED_APPS=["channels"])
django.setup(set_prefix=False)

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402


class Relay(AsyncWebsocketConsumer):  # type: ignore[misc]  # channels is untyped
    group = ""

    async def connect(self) -> None:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        self.group = (query.get("group") or ["relay"])[0]
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send(text_data='{"type":"hello"}')

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.channel_layer.group_send(
            self.group, {"type": "relay.message", "text": text_data or ""}
        )

    async def relay_message(self, message: dict[str, Any]) -> None:
        await self.send(text_data=message["text"])


application = ProtocolTypeRouter({"websocket": URLRouter([path("relay/", Relay.as_asgi())])})
