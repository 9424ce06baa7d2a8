"""The WebSocket handshake's Origin check: only a page of this service may open /ws/.

An Origin is one of ours when its host is one of ALLOWED_HOSTS (Django's own Host check: any
letter case, a trailing dot, `.domain` patterns), its scheme is the connection's (https behind a
TLS proxy that says so in SECURE_PROXY_SSL_HEADER, as Django's `is_secure`) and its port the one
the client connected to (the Host header's, else the scheme's default). Channels'
AllowedHostsOriginValidator compares host names only: it let an `http://` page, or a page on any
other port of an allowed host, open sockets of an HTTPS site. Anything else (no Origin, two, one
with credentials or a path) is refused before the socket is accepted: daphne answers HTTP 403.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}


def _headers(scope: dict[str, Any], name: bytes) -> list[str]:
    return [value.decode("latin-1") for key, value in scope.get("headers", ()) if key == name]


def _connection_scheme(scope: dict[str, Any]) -> str:
    """The scheme of the page that may open this socket: https if the client's connection is
    (here, or at the proxy in front), http otherwise."""
    if scope.get("scheme") in {"wss", "https"}:
        return "https"
    proxy_header: tuple[str, str] | None = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header is not None:
        name, secure_value = proxy_header
        header = name.removeprefix("HTTP_").replace("_", "-").lower().encode("latin-1")
        forwarded = ",".join(_headers(scope, header))
        if forwarded and forwarded.split(",", 1)[0].strip() == secure_value:
            return "https"
    return "http"


def _connection_port(scope: dict[str, Any], scheme: str) -> int | None:
    """The port the client connected to: the Host header's, else the scheme's default; None for
    a Host header that is not a host."""
    hosts = _headers(scope, b"host")
    if not hosts:
        return DEFAULT_PORTS[scheme]
    domain, port = split_domain_port(hosts[0])
    if not domain:
        return None
    return int(port) if port else DEFAULT_PORTS[scheme]


def origin_allowed(scope: dict[str, Any]) -> bool:
    origins = _headers(scope, b"origin")
    if not origins:
        return "*" in settings.ALLOWED_HOSTS
    if len(origins) > 1:
        return False
    scheme = _connection_scheme(scope)
    try:
        origin = urlsplit(origins[0])
        port = origin.port or DEFAULT_PORTS[scheme]
    except ValueError:  # a bracketed host or a port that does not parse
        return False
    # Exactly `scheme://host[:port]`, as browsers send it: no credentials, path or query.
    if origins[0].lower() != f"{scheme}://{origin.netloc.lower()}" or "@" in origin.netloc:
        return False
    domain, _ = split_domain_port(origin.netloc)
    return (
        bool(domain)
        and validate_host(domain, settings.ALLOWED_HOSTS)
        and port == _connection_port(scope, scheme)
    )


class OriginValidator:
    """ASGI middleware for WebSockets: the application for an Origin of ours, a refusal at the
    handshake otherwise."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket" and origin_allowed(scope):
            await self.application(scope, receive, send)
        else:
            await WebsocketDenier()(scope, receive, send)
