"""The sections of a user's data export (GET /me/export), registered by the apps that hold them.

Accounts cannot import the apps above it, so each app registers, in its `AppConfig.ready()`,
what it holds about a user: a section name, a reader, the serializer that renders the reader's
answer (and describes it in the OpenAPI schema), and the models the section covers. The
completeness test (accounts/tests/test_exports.py) fails for any model pointing at a user that
no section covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.db import models
from rest_framework import serializers

if TYPE_CHECKING:
    from accounts.models import User


class SectionReader(Protocol):
    def __call__(self, *, user: User) -> Any: ...


@dataclass(frozen=True)
class ExportSection:
    name: str
    read: SectionReader
    # A template: the export serializer renders each section with a copy of it.
    output: serializers.Field[Any, Any, Any, Any]
    models: tuple[type[models.Model], ...]


_sections: dict[str, ExportSection] = {}


def register(
    *,
    name: str,
    read: SectionReader,
    output: serializers.Field[Any, Any, Any, Any],
    models: tuple[type[models.Model], ...],
) -> None:
    """Adds a section to every export, after those registered before it (apps in
    INSTALLED_APPS order). A name is the document's key, so it is taken only once."""
    if name in _sections:
        raise ValueError(f"The export section {name!r} is already registered.")
    _sections[name] = ExportSection(name=name, read=read, output=output, models=models)


def sections() -> list[ExportSection]:
    return list(_sections.values())


def covered_models() -> set[type[models.Model]]:
    return {model for section in _sections.values() for model in section.models}
