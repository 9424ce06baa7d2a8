"""The engagement figures on the embedded default: SQLite has no percentile_cont, so the times
to accept are computed in Python there; every figure must still come out exactly the same."""

from __future__ import annotations

import pytest
from django.db import connection

from realtime import engagement
from realtime.tests.engagement_world import END, EVERY_METRO, NOW, PARIS_ONLY, START, build

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]


def test_the_embedded_default_is_sqlite():
    assert connection.vendor == "sqlite"


def test_every_figure_for_every_metro():
    build()

    assert engagement.engagement(start=START, end=END, metro=None, now=NOW) == EVERY_METRO


def test_every_figure_for_one_metro():
    build()

    assert engagement.engagement(start=START, end=END, metro="paris", now=NOW) == PARIS_ONLY
