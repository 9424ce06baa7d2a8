"""Request ids, one log line per request, JSON logs and Prometheus metrics.

Nothing secret is logged: the request line carries the path without its query string, and no
header or body is ever written.
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
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse
from prometheus_client import Counter, Histogram

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
