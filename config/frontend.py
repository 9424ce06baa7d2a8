"""The browser app's page: frontend/dist/index.html for `/` and every client-side route.

Its assets are static files under /static/app/ (settings.STATICFILES_DIRS). Until the app is
built (`make run`), the page says so, and Python alone still runs and tests.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

# Paths the app never owns: the server's own, answered by their views (or their 404s).
SERVER_PATHS = r"(?:api|admin|static|ws|healthz|readyz|metrics)(?:/|$)"


@require_safe
def app_page(request: HttpRequest) -> HttpResponse:
    # A file the browser or a crawler asks for (favicon.ico, robots.txt) is not a route: a 404,
    # not the app's HTML under a file's name.
    if "." in request.path.rsplit("/", 1)[-1]:
        raise Http404
    index = Path(settings.FRONTEND_DIST) / "index.html"
    try:
        response = HttpResponse(index.read_bytes(), content_type="text/html; charset=utf-8")
    except FileNotFoundError:
        response = render(request, "home.html")
    # Each build renames the assets it refers to: browsers must ask for the page every time.
    patch_cache_control(response, no_cache=True)
    return response
