"""accounts.exports: every model that holds a user's data is in their GET /me/export."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from rest_framework import serializers

from accounts import exports

# Models that point at a user but are not that user's data, each with the reason. Anything
# else pointing at a user must be covered by a registered export section.
NOT_USER_DATA = {
    # The admin's audit trail: what a staff member changed in the admin, kept to hold staff
    # accountable; its lines describe other users' objects, not the staff member.
    "admin.LogEntry": "the admin's audit trail of staff changes",
    # Every refresh token issued. The `sessions` section lists the same logins (one session per
    # token family), and the tokens themselves are credentials, which must never travel in a
    # file the user downloads and keeps.
    "token_blacklist.OutstandingToken": "refresh tokens: credentials, listed as sessions",
}


def _label(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


def _points_at_user(model: type[models.Model]) -> bool:
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    # A OneToOneField is a ForeignKey.
    return any(
        isinstance(field, models.ForeignKey) and field.related_model is user_model
        for field in model._meta.concrete_fields
    )


def test_every_model_holding_user_data_is_covered_by_an_export_section():
    # given: the user model itself, and every model with a foreign key or one-to-one to it
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    holding = {user_model} | {model for model in apps.get_models() if _points_at_user(model)}

    # when
    uncovered = sorted(
        _label(model)
        for model in holding - exports.covered_models()
        if _label(model) not in NOT_USER_DATA
    )

    # then
    assert uncovered == [], (
        f"Not in GET /me/export: {', '.join(uncovered)}. Register an export section for each "
        "in its app's AppConfig.ready() (accounts.exports.register), or, if it is not the "
        "user's data, add it to NOT_USER_DATA with the reason."
    )


def test_the_models_left_out_still_point_at_users_and_are_not_exported():
    """The allow-list does not go stale: each entry names a real model that needs it."""
    for label in NOT_USER_DATA:
        model = apps.get_model(label)
        assert _points_at_user(model), label
        assert model not in exports.covered_models(), label


def test_the_export_sections_are_registered_in_app_order():
    names = [section.name for section in exports.sections()]

    assert names == [
        "profile",
        "sessions",
        "blocked_users",
        "feedback",
        "active_days",
        "pets",
        "passes",
        "playdates",
        "messages",
        "chat_reads",
        "events",
        "reports",
        "activity",
        "moderation_actions",
    ]


def test_a_section_name_is_taken_only_once():
    before = exports.sections()

    with pytest.raises(ValueError, match="'pets' is already registered"):
        exports.register(
            name="pets", read=lambda *, user: None, output=serializers.CharField(), models=()
        )

    assert exports.sections() == before
