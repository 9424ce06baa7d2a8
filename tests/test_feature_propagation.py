"""A feature switch set in the database reaches every server process within seconds
(config/features.py: each process reads the table at most every 2 s), and a percentage gives a
user the same answer from every process.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from accounts.models import FeatureSwitch, User
from config import features
from tests.server import Server, running_server, server_database_url, server_redis_url

pytestmark = pytest.mark.django_db(transaction=True)

# Generous: the switch is cached for 2 s per process; this bounds a wait, it times nothing.
DEADLINE_SECONDS = 10.0
GATED = "/api/v1/playdates/"
SWITCHED_OFF = {
    "error": {"code": "feature_disabled", "message": "Playdates is switched off for now."}
}


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """Two independent server processes over the test database and Redis, with this process's
    SECRET_KEY, so that tokens made here are good there."""
    with ExitStack() as stack:
        first, second = (
            stack.enter_context(
                running_server(
                    tmp_path,
                    database_url=server_database_url(),
                    redis_url=server_redis_url(),
                    SECRET_KEY=settings.SECRET_KEY,
                )
            )
            for _ in range(2)
        )
        yield first, second


def answer(server: Server, access: str) -> tuple[int, Any]:
    with server.client() as http:
        response = http.get(GATED, headers={"Authorization": f"Bearer {access}"})
    return response.status_code, response.json()


def until(servers: tuple[Server, ...], access: str, status: int) -> list[tuple[int, Any]]:
    """Each server's answer once it is `status`, or its last one at the deadline."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    answers = []
    for server in servers:
        while (found := answer(server, access))[0] != status and time.monotonic() < deadline:
            time.sleep(0.1)
        answers.append(found)
    return answers


def test_switching_a_group_off_and_on_reaches_both_processes(
    servers: tuple[Server, Server],
    make_user: Callable[..., User],
    tokens_for: Callable[..., dict[str, str]],
) -> None:
    # given: both processes serve the playdates group
    access = tokens_for(make_user())["access"]
    assert [status for status, _ in until(servers, access, 200)] == [200, 200]

    # when: a moderator switches it off (the admin writes this row)
    FeatureSwitch.objects.create(name=features.PLAYDATES, state=FeatureSwitch.State.OFF)

    # then: both answer 503 feature_disabled
    assert until(servers, access, 503) == [(503, SWITCHED_OFF), (503, SWITCHED_OFF)]

    # when: switched on again
    FeatureSwitch.objects.filter(name=features.PLAYDATES).update(state=FeatureSwitch.State.ON)

    # then: both serve it again
    assert until(servers, access, 200) == [(200, {"results": [], "next": None})] * 2


def test_a_percentage_gives_each_user_the_same_answer_from_both_processes(
    servers: tuple[Server, Server],
    make_user: Callable[..., User],
    tokens_for: Callable[..., dict[str, str]],
) -> None:
    # given: owners, at least two of whom a 50 % rollout includes and two it leaves out
    # (stable per user: crc32 of "playdates:<id>", config/features.py)
    FeatureSwitch.objects.create(
        name=features.PLAYDATES, state=FeatureSwitch.State.PERCENT, percent=50
    )
    features.forget()
    included: dict[bool, list[User]] = {True: [], False: []}
    while min(len(users) for users in included.values()) < 2:
        user = make_user()
        included[features.enabled(features.PLAYDATES, user.pk)].append(user)
    owners = [*included[True][:2], *included[False][:2]]
    access = {user.pk: tokens_for(user)["access"] for user in owners}

    # when: both processes have read the switch (an owner left out is refused by both)
    left_out = included[False][0]
    assert [status for status, _ in until(servers, access[left_out.pk], 503)] == [503, 503]

    # then: every owner gets the same answer from both, the one the rollout gives them
    statuses = {
        user.pk: [answer(server, access[user.pk])[0] for server in servers] for user in owners
    }
    assert statuses == {
        user.pk: [200, 200] if features.enabled(features.PLAYDATES, user.pk) else [503, 503]
        for user in owners
    }
