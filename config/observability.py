"""Request ids, one log line per request, JSON logs, Prometheus metrics and what Sentry gets.

Nothing secret is logged: the request line carries the path without its query string, and no
header or body is ever written. Sentry events are held to the same rule (`sentry_before_send`).
Metrics work in multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set by `manage.py serve`): /metrics
sums every worker's.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse
from prometheus_client import Counter, Gauge, Histogram

if TYPE_CHECKING:  # sentry_sdk is imported only where SENTRY_DSN turns it on (settings)
    from sentry_sdk.types import Event, Hint

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
request_logger = logging.getLogger("pawdate.request")

_INCOMING_REQUEST_ID = re.compile(r"^[A-Za-z0-9\-_.]{8,64}$")

HTTP_REQUESTS = Counter(
    "pawdate_http_requests_total", "HTTP requests answered.", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "pawdate_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
# Sockets past their hello, summed over the live workers (a dead worker's are dropped when the
# parent marks it dead).
WEBSOCKETS_OPEN = Gauge(
    "pawdate_websockets_open",
    "WebSocket connections open: authenticated and greeted, not yet closed.",
    multiprocess_mode="livesum",
)
EVENTS_RECORDED = Counter(
    "pawdate_events_recorded_total", "Durable events committed to users' logs.", ["kind"]
)
EVENTS_DELIVERED = Counter(
    "pawdate_events_delivered_total", "Durable event frames sent on sockets, replays included."
)
EVENT_DELIVERY_LAG = Histogram(
    "pawdate_event_delivery_lag_seconds",
    "From an event's recording (its ts) to its frame on a socket; one observation per batch of"
    " live frames sent together, its oldest frame's.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
WEBSOCKET_REPLAYS = Counter(
    "pawdate_websocket_replays_total",
    "Sockets that connected with since=N behind their user's log and so got a replay.",
)
EVENTS_REPLAYED = Counter(
    "pawdate_events_replayed_total", "Durable event frames sent in replays (since=N)."
)
RATE_LIMITED = Counter(
    "pawdate_rate_limited_total",
    "Requests, messages or frames refused by a rate limit, by limit (a RATE_LIMITS name, or"
    " websocket_frames for the socket's flood limit).",
    ["limit"],
)


def event_frames_sent(count: int, oldest_recorded_at: float) -> None:
    """`count` live durable frames just sent on one socket, the oldest recorded at that Unix
    time. The lag is observed once per batch, not per frame: a process sends ~20,000 frames a
    second, and a batch's oldest frame is its slowest."""
    EVENTS_DELIVERED.inc(count)
    EVENT_DELIVERY_LAG.observe(max(0.0, time.time() - oldest_recorded_at))


# What an error report may say of a request: its method, URL (without the query string: a
# WebSocket's carries its ticket) and ordinary headers; never bodies (passwords, tokens,
# message bodies), cookies or credentials.
_UNREPORTED_REQUEST_PARTS = ("data", "query_string", "cookies", "env")
_UNREPORTED_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-csrftoken"})


def sentry_before_send(event: Event, hint: Hint) -> Event:
    """Sentry's `before_send`: strips what `_UNREPORTED_*` names from the event's request, on top
    of the SDK's own scrubbing, whatever an integration collected."""
    request = event.get("request")
    if isinstance(request, dict):
        for part in _UNREPORTED_REQUEST_PARTS:
            request.pop(part, None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {
                name: value
                for name, value in headers.items()
                if name.lower() not in _UNREPORTED_HEADERS
            }
    return event


class RequestIdFilter(logging.Filter):
    """Stamps every log record with the id of the request being served (or "-")."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """LOG_FORMAT=json: one JSON object per line, with any `extra=` fields included."""

    _standard = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in self._standard:
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def _route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.route or match.view_name or "unmatched"


class RequestLogMiddleware:
    """Gives each request an id (kept from X-Request-ID when sane) and logs one line for it."""

    async_capable = True
    sync_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        started = self._start(request)
        response: HttpResponse = self.get_response(request)
        return self._finish(request, response, started)

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        started = self._start(request)
        get_response: Callable[[HttpRequest], Awaitable[HttpResponse]] = self.get_response
        response = await get_response(request)
        return self._finish(request, response, started)

    def _start(self, request: HttpRequest) -> float:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _INCOMING_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request_id_var.set(request_id)
        request.request_id = request_id  # type: ignore[attr-defined]
        return time.perf_counter()

    def _finish(self, request: HttpRequest, response: HttpResponse, started: float) -> HttpResponse:
        elapsed = time.perf_counter() - started
        route = _route_of(request)
        response["X-Request-ID"] = request_id_var.get()
        HTTP_REQUESTS.labels(request.method, route, response.status_code).inc()
        HTTP_LATENCY.labels(request.method, route).observe(elapsed)
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        request_logger.info(
            "%s %s %s %.1fms",
            request.method,
            request.path,
            response.status_code,
            elapsed * 1000,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 1),
                "user_id": user_id,
            },
        )
        return response
