"""WebSocket routes. The gateway at /ws/ arrives with the real-time issue."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
