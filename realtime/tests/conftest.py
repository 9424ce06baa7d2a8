"""Chat personas' conversation: `playdate` is the owner's invitation to the friend (pending,
two days ahead); the stranger has no part in it. Each test's event log starts empty."""

from __future__ import annotations

import pytest

from realtime.tests.chat_helpers import playdate_of


@pytest.fixture
def playdate(owner, friend):
    return playdate_of(owner, friend)
