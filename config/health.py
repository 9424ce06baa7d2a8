"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import secrets
from concurrent.futures import ThreadPoolExecutor

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

from config.clients import client_address
from config.errors import error_body

CHECK_TIMEOUT_SECONDS = 3.0
# The database check gets threads of its own: one stuck on an unreachable server (the pool waits
# 5 s for a connection: settings.DATABASES) is abandoned after CHECK_TIMEOUT_SECONDS, whereas
# asyncio.run (which runs this async view under the sync handler) and sync_to_async both wait
# for their threads.
_database_check_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="readyz")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()


async def _check_channel_layer() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    # Subscribed before the send: on the Redis Pub/Sub layer a message published to a channel
    # nobody listens to is gone. (That layer keeps one connection set per event loop, so this
    # view's own loop does not disturb the consumers'.)
    channel = await layer.new_channel("readyz.")
    await layer.send(channel, {"type": "readyz.ping"})
    message = await layer.receive(channel)
    if message.get("type") != "readyz.ping":
        raise RuntimeError("channel layer returned a different message")


async def _outcome(check: asyncio.Future[None] | asyncio.Task[None]) -> str:
    try:
        await asyncio.wait_for(check, CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        return "timeout"
    except Exception as exc:  # a readiness probe reports any failure rather than raising it
        return f"error: {exc.__class__.__name__}"
    return "ok"


@require_GET
async def readyz(request: HttpRequest) -> JsonResponse:
    """200 only when PostgreSQL (or SQLite) and the channel layer both answer for real."""
    loop = asyncio.get_running_loop()
    database, channel_layer = await asyncio.gather(
        _outcome(loop.run_in_executor(_database_check_threads, _check_database)),
        _outcome(asyncio.ensure_future(_check_channel_layer())),
    )
    checks = {"database": database, "channel_layer": channel_layer}
    failed = [name for name, outcome in checks.items() if outcome != "ok"]
    if not failed:
        return JsonResponse({"status": "ready", "checks": checks})
    body = error_body("unavailable", f"Not ready: {' and '.join(failed)} unavailable.")
    body["checks"] = checks
    return JsonResponse(body, status=503, headers={"Retry-After": "5"})


def _may_read_metrics(request: HttpRequest) -> bool:
    if settings.METRICS_TOKEN:
        presented = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return secrets.compare_digest(presented, settings.METRICS_TOKEN)
    try:
        return ipaddress.ip_address(client_address(request.META)).is_loopback
    except ValueError:
        return False


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text; from loopback only, unless METRICS_TOKEN is set and presented."""
    if not _may_read_metrics(request):
        return JsonResponse(
            error_body("permission_denied", "Metrics are only served to the monitoring system."),
            status=403,
        )
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
