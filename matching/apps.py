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

        from accounts import exports, signals
        from matching import exports as matching_exports
        from matching import receivers, suggestions
        from matching.api.serializers import PlaydateOutput
        from matching.models import Pass, Playdate
        from pets.signals import pet_changed

        # Pets never imports matching: a new or changed pet is suggested to the pets nearby
        # from pets' signal, in the transaction of the change.
        pet_changed.connect(suggestions.on_pet_changed, dispatch_uid="matching.suggest_pet")
        # Nor does accounts: a deleted account's playdates are called off from its signal, and
        # matching adds its part to the account's export.
        signals.user_deleting.connect(
            receivers.cancel_playdates_of_deleted_user,
            dispatch_uid="matching.cancel_playdates_of_deleted_user",
        )
        exports.register(
            name="passes",
            read=matching_exports.passes_made,
            output=matching_exports.PassRecordOutput(many=True),
            models=(Pass,),
        )
        exports.register(
            name="playdates",
            read=matching_exports.playdates_of,
            output=PlaydateOutput(many=True),
            models=(Playdate,),
        )
