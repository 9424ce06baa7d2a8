"""Django's HTTP handling under daphne, one thread hop per request.

Django's stock ASGIHandler starts a thread per request and hops between the event loop and
threads for every sync middleware (about a dozen hops for our stack); measured here that capped
a daphne process at ~270 requests/s for `GET /api/v1/me` (docs/performance.md). This handler
runs the whole sync middleware chain and view in one hop on a small pool of long-lived threads,
and closes the response (returning the database connection to the pool) on that same thread.
"""

from __future__ import annotations

import asyncio
import contextvars
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import HttpResponseBase
from django.urls import set_script_prefix

PROBES = frozenset({"/healthz", "/readyz"})


class OneHopASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        self.load_middleware(is_async=False)
        self.executor = ThreadPoolExecutor(
            max_workers=settings.HTTP_THREADS, thread_name_prefix="http"
        )
        # The probes get threads of their own: a liveness probe must not queue behind requests
        # that wait for the database during an outage (an orchestrator would restart a healthy
        # process for it).
        self.probe_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="probe")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        loop = asyncio.get_running_loop()
        executor = self.probe_executor if scope.get("path") in PROBES else self.executor
        try:
            response = await loop.run_in_executor(
                executor, contextvars.copy_context().run, self._respond, scope, body_file
            )
            try:
                await self.send_response(response, send)
            except asyncio.CancelledError:
                pass  # the client left while we were sending
            finally:
                if response.streaming:
                    await loop.run_in_executor(executor, response.close)
        finally:
            body_file.close()

    def _respond(self, scope: dict[str, Any], body_file: Any) -> HttpResponseBase:
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__  # type: ignore[attr-defined]
        if response is None:
            raise RuntimeError("create_request returned neither a request nor a response")
        if not response.streaming:
            # The body is already rendered: closing now fires request_finished on this thread,
            # which returns this thread's database connection to the pool.
            response.close()
        return response
