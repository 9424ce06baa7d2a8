"""Playdate personas' pets: `mine` (owner's) invites `theirs` (friend's); `strays` is the
stranger's."""

from __future__ import annotations

import pytest

from matching.tests.playdate_helpers import pet_for


@pytest.fixture
def mine(owner):
    return pet_for(owner, name="Rex")


@pytest.fixture
def theirs(friend):
    return pet_for(friend, name="Luna")


@pytest.fixture
def strays(stranger):
    return pet_for(stranger, name="Tom")
