from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_candidates_function(using: str, **kwargs: Any) -> None:
    from matching.selectors import install_candidates_function

    install_candidates_function(using)


class MatchingConfig(AppConfig):
    name = "matching"

    def ready(self) -> None:
        # The candidate query's PostgreSQL function is made from matching.selectors' SQL, so
        # it is recreated after every migrate and never drifts from the code.
        post_migrate.connect(_install_candidates_function, sender=self)

        from matching import suggestions
        from pets.signals import pet_changed

        # Pets never imports matching: a new or changed pet is suggested to the pets nearby
        # from pets' signal, in the transaction of the change.
        pet_changed.connect(suggestions.on_pet_changed, dispatch_uid="matching.suggest_pet")
