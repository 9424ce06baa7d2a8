"""OpenAPI description of our bearer-token authentication."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class AccessTokenScheme(SimpleJWTScheme):  # type: ignore[no-untyped-call]
    target_class = "accounts.authentication.AccessTokenAuthentication"
    name = "bearerAuth"
