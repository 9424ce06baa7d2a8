from django.apps import AppConfig


class PetsConfig(AppConfig):
    name = "pets"

    def ready(self) -> None:
        from accounts import exports, signals
        from pets import exports as pet_exports
        from pets import receivers
        from pets.models import Pet, Preferences

        # Accounts never imports pets: it asks through its signal and its export registry.
        signals.user_deleting.connect(
            receivers.retire_pets_of_deleted_user, dispatch_uid="pets.retire_pets_of_deleted_user"
        )
        exports.register(
            name="pets",
            read=pet_exports.pets_owned,
            output=pet_exports.PetRecordOutput(many=True),
            models=(Pet, Preferences),
        )
