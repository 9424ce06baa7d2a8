from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Registers the OpenAPI auth scheme; connects the suspension receiver.
        from accounts import schema, signals  # noqa: F401
