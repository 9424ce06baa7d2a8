"""Schemathesis against the OpenAPI schema served at /api/schema/: every operation, fuzzed as a
real owner (as a moderator on the moderators' routes), in this process, against the PostgreSQL
test database.

No answer may be a 5xx; every answer's status, content type, headers and body must be ones the
schema documents; an operation that wants a token must refuse a request without one or with a
bad one (`ignored_auth`); and nothing deleted may be used again (`use_after_free`, in scenarios
that follow the links Schemathesis infers from the schema, and explicitly for each DELETE).

Generation is derandomized, so every run and CI send the same requests, and bounded: a few
examples per operation and a few short scenarios. Requests go through Django's WSGI handler (the
same middleware as daphne's) inside the test's transaction; each example and each scenario is
rolled back, so all start from the same world.

The schema is loaded when the module is collected: `schemathesis.pytest.from_fixture` (4.32.5)
sets `Node._nodeid`, which pytest 9.2 no longer has.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import strategies as st
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

from accounts import selectors as account_selectors
from accounts.models import User
from accounts.services import _start_session
from accounts.tokens import TokenPair
from config import redis as shared_redis
from matching.tests.playdate_helpers import in_days, invite, pet_for
from realtime import chat_services, moderation_services
from tests.factories import PASSWORD, UserFactory

SCHEMA_PATH = "/api/schema/"
# Routes only moderators may use: fuzzed with a moderator's token, every other with an owner's.
MODERATOR_PATHS = ("/api/v1/moderation/", "/api/v1/metrics/")
MODERATOR_ROUTES = r"^/api/v1/(moderation|metrics)/"
PET_ROUTES = r"^/api/v1/pets/"
PET = "/api/v1/pets/{pet_id}/"
SESSION = "/api/v1/auth/sessions/{session_id}"
# Path parameters the fuzzer picks from ids that exist.
WORLD_ID_NAMES = ("pet_id", "other_id", "playdate_id", "session_id", "report_id", "user_id")

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,
]
SCENARIO_CHECKS = [*CHECKS, use_after_free]

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"max-examples": 10, "deterministic": True, "database": "none"},
        "phases": {
            # Hundreds of boundary cases per operation: minutes, not seconds.
            "coverage": {"enabled": False},
            # Scenarios follow links with valid requests; the fuzzing above sends invalid ones.
            "stateful": {"generation": {"mode": "positive"}},
        },
    }
)


def scenario_settings(scenarios: int) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=scenarios,
        stateful_step_count=8,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )


@dataclass
class Identity:
    """A user the fuzzer acts as. The token is minted again once its session has ended: the
    fuzzer may well end its own session (DELETE /auth/sessions/{id})."""

    user: User
    access: str = ""
    session_id: int = 0

    def token(self) -> str:
        alive = self.session_id and account_selectors.user_for_access_token(
            user_id=self.user.pk, session_id=self.session_id
        )
        if not alive:
            pair = _start_session(user=self.user, user_agent="schemathesis")
            self.access, self.session_id = pair.access, session_of(pair.refresh)
        return self.access


def session_of(raw_refresh: str) -> int:
    return int(RefreshToken(raw_refresh)["sid"])  # type: ignore[arg-type]


@dataclass
class World:
    """What the fuzzer can reach: its identities and ids that exist, by what they are."""

    owner: Identity
    moderator: Identity
    other_device: TokenPair
    ids: dict[str, list[int]] = field(default_factory=dict)
    bodies: list[dict[str, Any]] = field(default_factory=list)

    def identity_for(self, path: str) -> Identity:
        return self.moderator if path.startswith(MODERATOR_PATHS) else self.owner


def make_world() -> World:
    """An owner with two pets and a playdate each way with a friend, both with messages; a
    stranger; a suspended user; open reports; a second session of the owner."""
    owner = UserFactory.create(email="fuzz-owner@example.com", username="fuzzowner")
    friend = UserFactory.create(email="fuzz-friend@example.com", username="fuzzfriend")
    stranger = UserFactory.create(email="fuzz-stranger@example.com", username="stranger")
    suspended = UserFactory.create(email="fuzz-suspended@example.com", username="suspended")
    moderator = UserFactory.create(
        email="fuzz-mod@example.com", username="fuzzmod", role="moderator"
    )
    rex, luna = pet_for(owner, name="Rex"), pet_for(owner, name="Luna", species="cat")
    bella, stray = pet_for(friend, name="Bella"), pet_for(stranger, name="Stray")
    sent = invite(rex, bella, in_days(2))
    received = invite(bella, luna, in_days(3))
    chat_services.message_send(user=owner, playdate_id=sent.pk, body="Park at noon?")
    reply = chat_services.message_send(user=friend, playdate_id=sent.pk, body="Sounds good!")
    hello = chat_services.message_send(user=friend, playdate_id=received.pk, body="Hi Luna!")
    later = (timezone.now() + timedelta(days=5)).isoformat()
    reports = [
        moderation_services.report_file(
            reporter=owner, target_type="message", target_id=reply.pk, reason="spam"
        ),
        moderation_services.report_file(
            reporter=friend, target_type="pet", target_id=stray.pk, reason="other"
        ),
    ]
    moderation_services.user_suspend(moderator=moderator, user_id=suspended.pk, note="spam")
    other_device = _start_session(user=owner, user_agent="another phone")
    return World(
        owner=Identity(owner),
        moderator=Identity(moderator),
        other_device=other_device,
        ids={
            "pet_id": [rex.pk, luna.pk, bella.pk],
            "other_id": [bella.pk, stray.pk],
            "playdate_id": [received.pk, sent.pk],
            "session_id": [session_of(other_device.refresh)],
            "report_id": [report.pk for report in reports],
            "user_id": [friend.pk, stranger.pk, suspended.pk],
        },
        bodies=[
            {"email": owner.email, "password": PASSWORD},
            {"password": PASSWORD},
            {"refresh": other_device.refresh},
            {"from_pet": rex.pk, "to_pet": stray.pk, "date_time": later},
            {"target_type": "user", "target_id": stranger.pk},
            {"target_type": "pet", "target_id": bella.pk},
            {"target_type": "message", "target_id": hello.pk},
            {"message_id": hello.pk},
            {"message_id": reply.pk},
            {"date_time": later},
        ],
    )


class Current:
    """The world of the running test. The schema, its auth and its strategies are made when
    the module is collected; they read the world when a case is generated or sent."""

    world: World | None = None

    def get(self) -> World:
        assert self.world is not None, "the `world` fixture makes one for each test"
        return self.world

    def existing_id(self, name: str, index: int) -> int:
        ids = self.get().ids[name]
        return ids[index % len(ids)]

    def existing_values(self, body: Any, index: int) -> Any:
        """`body` with the values of one of the world's requests that fill most of its fields."""
        if not isinstance(body, dict):
            return body
        fitting = [values for values in self.get().bodies if values.keys() <= body.keys()]
        most = max(map(len, fitting), default=0)
        fullest = [values for values in fitting if len(values) == most]
        return {**body, **fullest[index % len(fullest)]} if fullest else body


CURRENT = Current()

schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, WSGIHandler(), config=CONFIG)


@schema.auth(refresh_interval=None)
class BearerAuth:
    """The owner's or the moderator's access token, on every operation that wants one."""

    def get(self, case: schemathesis.Case[Any], context: schemathesis.AuthContext) -> str | None:
        requirements = context.operation.definition.raw.get("security", [])
        if not any(requirements):
            return None
        return CURRENT.get().identity_for(context.operation.path).token()

    def set(
        self, case: schemathesis.Case[Any], data: str, context: schemathesis.AuthContext
    ) -> None:
        case.headers["Authorization"] = f"Bearer {data}"


def existing_ids(names: list[str]) -> st.SearchStrategy[dict[str, int]]:
    return st.fixed_dictionaries(
        {name: st.integers(0, 2).map(partial(CURRENT.existing_id, name)) for name in names}
    )


@schema.hook
def before_generate_path_parameters(
    context: schemathesis.HookContext, strategy: st.SearchStrategy[dict[str, Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    """Random ids mostly miss: half the cases use ids that exist, so that the fuzzer gets past
    the 404 into the code that reads and changes things."""
    operation = context.operation
    names = [parameter.name for parameter in operation.path_parameters] if operation else []
    if not names or not all(name in WORLD_ID_NAMES for name in names):
        return strategy
    return st.one_of(existing_ids(names), strategy)


@schema.hook
def flatmap_body(context: schemathesis.HookContext, body: Any) -> st.SearchStrategy[Any]:
    """The same for a body: half of them take the values of one of the world's requests that
    fits them (the owner's login, an invitation's pets and a future time, a report's target,
    a read receipt, ...)."""
    existing = st.integers(0, 5).map(partial(CURRENT.existing_values, body))
    return st.one_of(st.just(body), existing)


@pytest.fixture(autouse=True)
def world(db: None) -> Iterator[World]:
    """A new world for each test, rolled back after it. The requests run in the test's
    transaction, so the handler must not close the connection after each of them (Django's
    test client does the same)."""
    request_signals = (signals.request_started, signals.request_finished)
    for signal in request_signals:
        signal.disconnect(close_old_connections)
    CURRENT.world = make_world()
    try:
        yield CURRENT.world
    finally:
        CURRENT.world = None
        for signal in request_signals:
            signal.connect(close_old_connections)


def rewind(savepoint: str) -> None:
    """Back to the world as it was at `savepoint`: the database, and Redis with it. The kept
    suggestions (matching.cache) trust that the database's change counters only grow; rolled
    back, the counters could return to a sum that a kept entry vouches for. (Nor do rate limits
    carry over from one example to the next.)"""
    transaction.savepoint_rollback(savepoint)
    if settings.REDIS_URLS:
        shared_redis.client().flushdb()


@schema.parametrize()
def test_every_operation_answers_as_documented(case: schemathesis.Case[Any]) -> None:
    # Each example starts from the same world, and a database error in one (a 500 all the
    # same) cannot spoil the test's transaction for the next.
    savepoint = transaction.savepoint()
    try:
        case.call_and_validate(checks=CHECKS)
    finally:
        rewind(savepoint)


def run_scenarios(api: Any, scenarios: int) -> None:
    """Chains of calls along the inferred links (POST /pets/ → PATCH, DELETE, GET /pets/{id}/,
    ...), each answer checked, `use_after_free` included."""
    links: Any = api.as_state_machine()

    class Scenarios(links):  # type: ignore[misc]
        # Each scenario starts from the same world: what one scenario created or deleted
        # would otherwise change what the next one draws, which Hypothesis refuses as flaky.
        def setup(self) -> None:
            self.savepoint = transaction.savepoint()

        def teardown(self) -> None:
            rewind(self.savepoint)
            super().teardown()

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(
                response,
                checks=SCENARIO_CHECKS,
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    Scenarios.run(settings=scenario_settings(scenarios))


def test_pet_scenarios_never_reach_a_deleted_pet() -> None:
    run_scenarios(schema.include(path_regex=PET_ROUTES), scenarios=25)


def test_owner_scenarios_answer_as_documented() -> None:
    run_scenarios(schema.exclude(path_regex=MODERATOR_ROUTES), scenarios=15)


def test_moderator_scenarios_answer_as_documented() -> None:
    run_scenarios(schema.include(path_regex=MODERATOR_ROUTES), scenarios=10)


OWNER = "the owner's"


def call(
    method: str, path: str, *, token: str | None = OWNER, body: Any = None, **parts: Any
) -> schemathesis.Response:
    """One call of a documented operation, as the owner unless `token` says otherwise, its
    answer checked like the fuzzer's."""
    if body is not None:
        parts["body"] = body
    case = schema[path][method].Case(**parts)
    if token == OWNER:
        token = CURRENT.get().owner.token()
    headers = {"Authorization": f"Bearer {token}"} if token else None
    return case.call_and_validate(headers=headers, checks=CHECKS)


def test_a_deleted_pet_is_not_found_on_any_of_its_routes(world: World) -> None:
    # given: the owner deletes one of their pets
    pet_id, other_pet_id, other_id = (
        world.ids["pet_id"][0],
        world.ids["pet_id"][1],
        world.ids["other_id"][0],
    )
    preferences = call("GET", f"{PET}preferences", path_parameters={"pet_id": other_pet_id})
    deleted = call("DELETE", PET, path_parameters={"pet_id": pet_id})
    assert deleted.status_code == 204

    # when: each route of that pet, with a request it accepts for a pet that exists
    the_pet = {"pet_id": pet_id}
    answers = {
        f"{method} {path}": call(method, path, path_parameters=parameters, body=body).status_code
        for method, path, parameters, body in [
            ("GET", PET, the_pet, None),
            ("PATCH", PET, the_pet, {"name": "Rex"}),
            ("DELETE", PET, the_pet, None),
            ("GET", f"{PET}preferences", the_pet, None),
            ("PUT", f"{PET}preferences", the_pet, preferences.json()),
            ("GET", "/api/v1/pets/{pet_id}/matches", the_pet, None),
            (
                "POST",
                "/api/v1/pets/{pet_id}/matches/{other_id}/pass",
                {**the_pet, "other_id": other_id},
                None,
            ),
        ]
    }

    # then: not found, on every route the schema has for a pet
    assert answers == dict.fromkeys(answers, 404)
    pet_routes = set()
    for result in schema.include(path_regex=r"^/api/v1/pets/\{pet_id\}").get_all_operations():
        assert isinstance(result, Ok), result
        pet_routes.add(result.ok().label)
    assert set(answers) == pet_routes


def test_a_revoked_session_cannot_be_used_again(world: World) -> None:
    # given: the owner ends the session of another device
    other_device = world.other_device
    session_id = session_of(other_device.refresh)
    revoked = call("DELETE", SESSION, path_parameters={"session_id": session_id})
    assert revoked.status_code == 204

    # when
    answers = {
        "revoke again": call("DELETE", SESSION, path_parameters={"session_id": session_id}),
        "its refresh token": call(
            "POST", "/api/v1/auth/token/refresh", token=None, body={"refresh": other_device.refresh}
        ),
        "its access token": call("GET", "/api/v1/me", token=other_device.access),
    }

    # then
    assert {what: answer.status_code for what, answer in answers.items()} == {
        "revoke again": 404,
        "its refresh token": 401,
        "its access token": 401,
    }


def test_every_error_answer_is_documented_in_the_contract_shape() -> None:
    # given
    shape = {"$ref": "#/components/schemas/ErrorOutput"}
    problems = []

    # when: every operation's documented answers are read
    for path, item in schema.raw_schema["paths"].items():
        for method, operation in item.items():
            label = f"{method.upper()} {path}"
            answers = operation["responses"]
            errors = {status: answer for status, answer in answers.items() if int(status) >= 400}
            problems += [
                f"{label} {status}: not the error shape"
                for status, answer in errors.items()
                if answer["content"]["application/json"]["schema"] != shape
            ]
            if any(operation.get("security", [])) and "401" not in errors:
                problems.append(f"{label}: wants a token, documents no 401")
            if "429" in errors and "Retry-After" not in errors["429"].get("headers", {}):
                problems.append(f"{label} 429: no Retry-After")

    # then
    assert problems == []


@pytest.mark.parametrize(
    ("path", "query", "status"),
    [
        ("/api/v1/metrics/engagement", {"start": "0001-01-01", "end": "0001-01-03"}, 400),
        ("/api/v1/metrics/engagement", {"start": "0001-02-14", "end": "0001-02-20"}, 200),
        ("/api/v1/metrics/engagement", {"start": "9999-11-11", "end": "9999-11-17"}, 200),
        ("/api/v1/metrics/engagement", {"start": "9999-12-29", "end": "9999-12-31"}, 400),
        ("/api/v1/moderation/reports", {"page": 2**62}, 400),
        ("/api/v1/moderation/reports", {"page": 2**31 - 1}, 200),
    ],
)
def test_values_at_the_ends_of_their_range_are_refused_not_crashed_on(
    world: World, path: str, query: dict[str, Any], status: int
) -> None:
    # when: what Schemathesis once answered 500 to (a date or an offset that overflowed)
    answer = call("GET", path, query=query, token=world.moderator.token())

    # then
    assert answer.status_code == status
