"""factory_boy factories for the domain's models."""

from __future__ import annotations

from functools import cache

import factory
from django.contrib.auth.hashers import make_password
from factory.declarations import LazyFunction, Sequence

from accounts.models import User

PASSWORD = "Correct-Horse-Battery-42"


@cache
def _password_hash() -> str:
    # Argon2 is deliberately slow; hashing the shared test password once keeps factories fast.
    return make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = Sequence(lambda n: f"owner{n}@example.com")
    username = Sequence(lambda n: f"owner{n}")
    location = "Brooklyn, NY"
    latitude = 40.6782
    longitude = -73.9442
    time_zone = "America/New_York"
    password = LazyFunction(_password_hash)
