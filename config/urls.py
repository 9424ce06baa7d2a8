from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config import errors, frontend, health

urlpatterns = [
    path("api/v1/", include("accounts.api.urls")),
    path("api/v1/", include("pets.api.urls")),
    path("api/v1/", include("matching.api.urls")),
    path("api/v1/", include("realtime.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    # Everything else is a client-side route of the browser app (/, /login, /pets/3, ...).
    re_path(rf"^(?!{frontend.SERVER_PATHS})", frontend.app_page, name="app"),
]

handler404 = errors.not_found_view
handler500 = errors.server_error_view
