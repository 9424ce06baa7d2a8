"""factory_boy factories for pets. Pets are made through the service, so each has preferences."""

from __future__ import annotations

from typing import Any

import factory
from factory.declarations import LazyFunction, Sequence, SubFactory

from pets import services
from pets.models import Pet
from tests.factories import UserFactory


class PetFactory(factory.django.DjangoModelFactory[Pet]):
    class Meta:
        model = Pet

    owner = SubFactory(UserFactory)
    name = Sequence(lambda n: f"Pet {n}")
    species = "dog"
    breed = "Beagle"
    age = 3
    size = "medium"
    energy = "high"
    temperament = LazyFunction(lambda: ["playful", "social"])
    vaccinated = True
    bio = "Loves the park."

    @classmethod
    def _create(cls, model_class: type[Pet], *args: Any, **kwargs: Any) -> Pet:
        return services.pet_create(**kwargs)
