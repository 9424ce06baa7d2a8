"""GET /api/v1/metrics/engagement: moderators only; validated dates, range and metro."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from accounts.models import ActiveDay
from accounts.tests.helpers import assert_error
from realtime.tests.engagement_world import EVERY_METRO, NOW, PARIS_ONLY, World, build

URL = "/api/v1/metrics/engagement"
A_WEEK = {"start": "2030-03-04", "end": "2030-03-17"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> Iterator[World]:
    with time_machine.travel(NOW, tick=False):
        yield build()


def as_json(figures: dict[str, Any]) -> Any:
    """The figures as the API renders them: dates as ISO text."""
    return json.loads(json.dumps(figures, default=str))


def test_a_moderator_gets_every_figure(world, client_for, django_assert_max_num_queries):
    # given
    client = client_for(world.moderator)

    # when: the authentication, then one aggregate per figure (days: 8, active users: 1,
    # cohorts: 2), whatever the range
    with django_assert_max_num_queries(12):
        response = client.get(URL, A_WEEK)

    # then
    assert response.status_code == 200, response.json()
    assert response.json() == as_json(EVERY_METRO)


def test_the_figures_of_one_metro(world, client_for):
    response = client_for(world.moderator).get(URL, {**A_WEEK, "metro": "paris"})

    assert response.status_code == 200, response.json()
    assert response.json() == as_json(PARIS_ONLY)


def test_a_year_costs_the_same_queries_as_a_week(world, client_for, django_assert_max_num_queries):
    client = client_for(world.moderator)

    with django_assert_max_num_queries(12):
        response = client.get(URL, {"start": "2029-03-18", "end": "2030-03-17"})

    assert response.status_code == 200
    assert len(response.json()["days"]) == 365
    assert len(response.json()["cohorts"]) == 53


def test_an_owner_is_refused(world, client_for):
    # given
    before = ActiveDay.objects.count()

    # when
    response = client_for(world.a).get(URL, A_WEEK)

    # then: refused; the owner's request still marks their own day (today's, once)
    assert_error(response, 403, "permission_denied")
    assert ActiveDay.objects.count() == before + 1


def test_anonymous_is_not_authenticated(world, api_client):
    assert_error(api_client.get(URL, A_WEEK), 401, "not_authenticated")


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({}, {"start": ["This field is required."], "end": ["This field is required."]}),
        (
            {"start": "2030-02-30", "end": "2030-03-01"},
            {"start": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        (
            {"start": "4 March 2030", "end": "2030-03-17"},
            {"start": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        ({"start": "2030-03-17", "end": "2030-03-04"}, {"end": ["Must be on or after start."]}),
        (
            {"start": "2029-03-16", "end": "2030-03-17"},
            {"end": ["The range may cover at most 366 days."]},
        ),
        ({**A_WEEK, "metro": "atlantis"}, {"metro": ['"atlantis" is not a valid choice.']}),
    ],
)
def test_invalid_queries_are_validation_errors(world, client_for, query, fields):
    response = client_for(world.moderator).get(URL, query)

    assert_error(response, 400, "validation_error", fields=fields)


def test_366_days_are_allowed(world, client_for):
    response = client_for(world.moderator).get(URL, {"start": "2029-03-17", "end": "2030-03-17"})

    assert response.status_code == 200
    assert len(response.json()["days"]) == 366


def test_the_schema_documents_the_endpoint(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")

    schema = response.json()
    operation = schema["paths"][URL]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} == {
        "start",
        "end",
        "metro",
    }
    output = schema["components"]["schemas"]["EngagementOutput"]["properties"]
    assert set(output) == set(EVERY_METRO)
