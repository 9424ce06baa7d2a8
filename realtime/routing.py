"""WebSocket routes: the gateway at /ws/."""

from django.urls import URLPattern, path

from realtime.gateway import Gateway

websocket_urlpatterns: list[URLPattern] = [path("ws/", Gateway.as_asgi())]
