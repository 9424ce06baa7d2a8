"""Playdate personas' pets: `mine` (owner's) invites `theirs` (friend's); `strays` is the
stranger's.

The personas live at the same spot with compatible dogs, so adding their pets tells each other
of a new suggestion (`match.suggested`). Playdate tests start from a log without those: each
fixture forgets the suggestions its pet caused, and the users' seqs start again from 1.
"""

from __future__ import annotations

import pytest

from matching.tests.playdate_helpers import forget_suggestions, pet_for


@pytest.fixture
def mine(owner):
    pet = pet_for(owner, name="Rex")
    forget_suggestions()
    return pet


@pytest.fixture
def theirs(friend):
    pet = pet_for(friend, name="Luna")
    forget_suggestions()
    return pet


@pytest.fixture
def strays(stranger):
    pet = pet_for(stranger, name="Tom")
    forget_suggestions()
    return pet
