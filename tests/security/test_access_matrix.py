"""The access-control matrix: every route of the URL conf and every frame type a socket takes,
tried by an owner A with another owner B's ids (B's pet, B's playdate with C, B's session, B's
message, B's report). A gets 404 where the object is another's (the same answer as for an id that
does not exist: no existence leak), 403 on the moderators' routes, 401 without a token; and
nothing of B's or C's changes, nor reaches A, nor reaches B's or C's sockets.

CASES and FRAME_CASES are the tables. A route or frame type with neither a case nor an exemption
(with its reason) fails `test_every_route_and_method_has_a_case_or_an_exemption` (or its frame
twin), naming it: add its case here.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from matching.tests.playdate_helpers import in_days, iso
from realtime import chat_frames
from realtime.gateway import Gateway
from realtime.tests.sockets import open_for
from tests.factories import PASSWORD
from tests.security.access_world import (
    VICTIM_REF,
    World,
    build_world,
    leaked,
    nowhere,
    rows_written,
    victims_rows,
)

Ids = Callable[[World], dict[str, int]]
Body = Callable[[World], dict[str, Any]]
Reads = Callable[[World], list[str]]


def no_ids(world: World) -> dict[str, int]:
    return {}


def victim_pet(world: World) -> dict[str, int]:
    return {"pet_id": world.pet}


def victim_playdate(world: World) -> dict[str, int]:
    return {"playdate_id": world.playdate}


def victim_user(world: World) -> dict[str, int]:
    return {"user_id": world.victim_id}


def victim_report(world: World) -> dict[str, int]:
    return {"report_id": world.report}


# What B reads of the resource before and after A's request: it must read the same.
def pet_reads(world: World) -> list[str]:
    return [
        reverse("pet-detail", kwargs={"pet_id": world.pet}),
        reverse("pet-preferences", kwargs={"pet_id": world.pet}),
    ]


def playdate_reads(world: World) -> list[str]:
    return [
        reverse("playdate-detail", kwargs={"playdate_id": world.playdate}),
        reverse("playdate-messages", kwargs={"playdate_id": world.playdate}),
    ]


def session_reads(world: World) -> list[str]:
    return [reverse("auth-sessions")]


def me_reads(world: World) -> list[str]:
    return [reverse("me")]


@dataclass(frozen=True)
class Case:
    """A's request on one route and method, with B's ids, and what it must answer."""

    route: str  # the URL's name
    method: str
    status: int
    code: str | None  # the error code, for a 4xx
    uses: str  # whose ids, in words (the test id)
    ids: Ids = no_ids
    body: Body | None = None
    reads: Reads = me_reads
    # The route shows B's object by contract (a public profile; B's id as the target of A's
    # own block): only B's private data must stay out of the answer.
    public: bool = False


def moderators_only(route: str, method: str = "get", ids: Ids = no_ids, **more: Any) -> Case:
    return Case(route, method, 403, "permission_denied", "owner on a moderator route", ids, **more)


PREFERENCES = {
    "max_distance_km": 10,
    "species": ["dog"],
    "sizes": ["small", "medium"],
    "energy": ["high"],
    "min_age": 0,
    "max_age": 20,
    "require_vaccinated": False,
    "availability": [],
}

CASES = [
    # accounts
    Case("auth-logout", "post", 400, "validation_error", "B's refresh token",
         body=lambda w: {"refresh": w.refresh}, reads=session_reads),
    Case("auth-sessions", "get", 200, None, "no ids: A's own sessions", reads=session_reads),
    Case("auth-session-detail", "delete", 404, "not_found", "B's session",
         ids=lambda w: {"session_id": w.session}, reads=session_reads),
    Case("me", "get", 200, None, "no ids: A's own profile"),
    Case("me", "patch", 200, None, "no ids: A's own profile",
         body=lambda w: {"location": "Montmartre"}),
    Case("me", "delete", 204, None, "no ids: A's own account",
         body=lambda w: {"password": PASSWORD}, reads=playdate_reads),
    Case("me-export", "get", 200, None, "no ids: A's own data"),
    Case("user-block", "post", 204, None, "B's user id: A's own block of B",
         ids=victim_user, public=True),
    Case("user-block", "delete", 204, None, "B's user id: A's own block of B",
         ids=victim_user, public=True),
    Case("feedback", "post", 201, None, "no ids: A's own feedback",
         body=lambda w: {"message": "Nice app"}),
    moderators_only("moderation-feedback"),
    # pets
    Case("pets", "get", 200, None, "no ids: A's own pets", reads=pet_reads),
    Case("pets", "post", 201, None, "no ids: A's new pet", reads=pet_reads,
         body=lambda w: {"name": "Pip", "species": "cat", "age": 2, "size": "small",
                         "energy": "low"}),
    Case("pet-detail", "get", 200, None, "B's pet: public profile", ids=victim_pet,
         reads=pet_reads, public=True),
    Case("pet-detail", "patch", 404, "not_found", "B's pet", ids=victim_pet, reads=pet_reads,
         body=lambda w: {"name": "Stolen"}),
    Case("pet-detail", "delete", 404, "not_found", "B's pet", ids=victim_pet, reads=pet_reads),
    Case("pet-preferences", "get", 404, "not_found", "B's pet", ids=victim_pet,
         reads=pet_reads),
    Case("pet-preferences", "put", 404, "not_found", "B's pet", ids=victim_pet,
         reads=pet_reads, body=lambda w: PREFERENCES),
    # matching
    Case("pet-matches", "get", 404, "not_found", "B's pet", ids=victim_pet, reads=pet_reads),
    Case("pet-match-pass", "post", 404, "not_found", "B's pet passing on C's",
         ids=lambda w: {"pet_id": w.pet, "other_id": w.partner_pet}, reads=pet_reads),
    Case("pet-match-pass", "post", 204, None, "A's pet passing on B's (public)",
         ids=lambda w: {"pet_id": w.own_pet, "other_id": w.pet}, reads=pet_reads, public=True),
    Case("playdates", "get", 200, None, "no ids: A's own playdates", reads=playdate_reads),
    Case("playdates", "post", 404, "not_found", "B's pet inviting C's",
         body=lambda w: {"from_pet": w.pet, "to_pet": w.partner_pet,
                         "date_time": iso(in_days(3))},
         reads=playdate_reads),
    Case("playdate-detail", "get", 404, "not_found", "B's playdate with C",
         ids=victim_playdate, reads=playdate_reads),
    *(
        Case(f"playdate-{action}", "post", 404, "not_found", "B's playdate with C",
             ids=victim_playdate, reads=playdate_reads)
        for action in ("accept", "decline", "cancel")
    ),
    Case("playdate-counter", "post", 404, "not_found", "B's playdate with C",
         ids=victim_playdate, reads=playdate_reads,
         body=lambda w: {"date_time": iso(in_days(4)), "location_name": "Elsewhere"}),
    # chat
    Case("realtime-ticket", "post", 200, None, "no ids: a ticket for A's own socket"),
    Case("playdate-messages", "get", 404, "not_found", "B's playdate with C",
         ids=victim_playdate, reads=playdate_reads),
    Case("playdate-messages", "post", 404, "not_found", "B's playdate with C",
         ids=victim_playdate, reads=playdate_reads, body=lambda w: {"body": "Intruder here"}),
    Case("playdate-messages", "post", 201, None, "A's playdate, B's message ref",
         ids=lambda w: {"playdate_id": w.own_playdate}, reads=playdate_reads,
         body=lambda w: {"body": "Hello Noe", "ref": VICTIM_REF}),
    Case("playdate-read", "post", 404, "not_found", "B's playdate and message",
         ids=victim_playdate, reads=playdate_reads,
         body=lambda w: {"message_id": w.message}),
    Case("playdate-read", "post", 400, "validation_error", "A's playdate, B's message",
         ids=lambda w: {"playdate_id": w.own_playdate}, reads=playdate_reads,
         body=lambda w: {"message_id": w.message}),
    # moderation
    Case("reports", "post", 404, "not_found", "B's message in B's playdate",
         reads=playdate_reads,
         body=lambda w: {"target_type": "message", "target_id": w.message, "reason": "spam"}),
    moderators_only("moderation-reports"),
    moderators_only("moderation-report", ids=victim_report),
    moderators_only("moderation-report-resolve", "post", victim_report,
                    body=lambda w: {"action": "dismiss", "note": "nothing to see"}),
    moderators_only("moderation-user-suspend", "post", victim_user,
                    body=lambda w: {"note": "bye"}),
    moderators_only("moderation-user-unsuspend", "post", victim_user,
                    body=lambda w: {"note": "welcome back"}),
    moderators_only("moderation-activity"),
    moderators_only("moderation-audit"),
    moderators_only("metrics-engagement"),
]  # fmt: skip

# Routes that are public or not object-scoped, with why they need no case.
EXEMPT = {
    ("auth-register", "post"): "public by contract: makes a new account, takes no ids",
    ("auth-token", "post"): "public by contract: email and password in, tokens out",
    ("auth-token-refresh", "post"): "public by contract: the refresh token is the credential",
    ("auth-browser-login", "post"): "the browser's login (cookie flow): public, no ids",
    ("auth-browser-register", "post"): "the browser's sign-up (cookie flow): public, no ids",
    ("auth-browser-refresh", "post"): "the browser's refresh: its HttpOnly cookie is the key",
    ("auth-browser-logout", "post"): "the browser's logout: ends only the cookie's own session",
    ("metros", "get"): "public reference list of metro areas: no user data",
    ("schema", "get"): "public by contract: the OpenAPI schema",
    ("api-docs", "get"): "public by contract: the interactive API docs",
    ("healthz", "*"): "liveness probe: no data",
    ("readyz", "*"): "readiness probe: no user data",
    ("metrics", "*"): "Prometheus text, loopback or METRICS_TOKEN only (tests/test_metrics.py)",
    ("app", "*"): "the browser app's page: the same HTML for every path and visitor",
}
# Whole URL namespaces, with why.
EXEMPT_NAMESPACES = {
    "admin": "Django's admin: staff sessions and its own permission checks, not the bearer API",
}


@dataclass(frozen=True)
class Route:
    key: str  # the URL's name (namespaced), or its pattern when it has none
    namespace: str | None
    methods: tuple[str, ...]  # "*" for a view that is not a class with per-method handlers


def _walk(patterns: list[Any], prefix: str, namespace: str | None) -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            view_class = getattr(pattern.callback, "cls", None) or getattr(
                pattern.callback, "view_class", None
            )
            methods = (
                tuple(
                    method
                    for method in view_class.http_method_names
                    if method != "options" and hasattr(view_class, method)
                )
                if view_class is not None
                else ("*",)
            )
            name = pattern.name or prefix + str(pattern.pattern)
            key = f"{namespace}:{name}" if namespace else name
            yield Route(key, namespace, methods)


def routes() -> list[Route]:
    """Every URL pattern of the project, includes followed."""
    return list(_walk(get_resolver().url_patterns, "", None))


def route_methods() -> set[tuple[str, str]]:
    """Every (route, method) pair outside the exempt namespaces."""
    return {
        (route.key, method)
        for route in routes()
        if route.namespace not in EXEMPT_NAMESPACES
        for method in route.methods
    }


def case_id(case: Case) -> str:
    return f"{case.route}-{case.method}-{case.uses}"


def call(client: APIClient, case: Case, world: World) -> Any:
    url = reverse(case.route, kwargs=case.ids(world))
    if case.body is None:
        return getattr(client, case.method)(url)
    return getattr(client, case.method)(url, case.body(world), format="json")


def reads(client: APIClient, urls: list[str]) -> list[tuple[int, Any]]:
    return [(response.status_code, response.json()) for response in map(client.get, urls)]


def assert_error(response: Any, status: int, code: str) -> None:
    """The contract's error shape: `fields` only on validation errors."""
    assert response.status_code == status, response.content
    body = response.json()
    assert list(body) == ["error"], body
    error = body["error"]
    keys = {"code", "message", "fields"} if code == "validation_error" else {"code", "message"}
    assert set(error) == keys, error
    assert error["code"] == code, error
    assert isinstance(error["message"], str)
    assert error["message"].strip()


@pytest.fixture
def world(db: None) -> World:
    return build_world()


# --- the tables cover the code -------------------------------------------------------------------


def test_every_route_and_method_has_a_case_or_an_exemption():
    # given
    enumerated = route_methods()
    cased = {(case.route, case.method) for case in CASES}

    # then
    missing = sorted(enumerated - cased - EXEMPT.keys())
    assert not missing, (
        f"routes without an access case: {missing}; add a Case (or an exemption with its "
        "reason) in tests/security/test_access_matrix.py"
    )
    assert not sorted((cased | EXEMPT.keys()) - enumerated), "cases of routes that do not exist"
    assert not sorted(cased & EXEMPT.keys()), "routes both tried and exempt"
    assert any(route.namespace == "admin" for route in routes())


# --- A with B's ids ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_another_owners_ids_change_nothing_and_leak_nothing(case, world, client_for):
    # given
    attacker, victim = client_for(world.attacker), client_for(world.victim)
    rows, seen = victims_rows(world), reads(victim, case.reads(world))

    # when
    answer = call(attacker, case, world)
    # the same request with ids nobody has: a refusal must not tell the two apart
    ghost = call(attacker, case, world.ghost()) if case.status >= 400 else None

    # then
    assert answer.status_code == case.status, answer.content
    if case.code is not None:
        assert_error(answer, case.status, case.code)
    if ghost is not None:
        assert (ghost.status_code, ghost.json()) == (answer.status_code, answer.json())
    assert not leaked(answer.content.decode(), public=case.public)
    assert victims_rows(world) == rows
    assert reads(victim, case.reads(world)) == seen


def test_options_answer_alike_for_another_owners_ids_and_missing_ones(world, client_for):
    # given: every route that takes ids (OPTIONS is answered by DRF itself, on every route)
    attacker = client_for(world.attacker)
    with_ids = {case.route: case.ids for case in CASES if case.ids(world)}
    rows = victims_rows(world)

    for route, ids in with_ids.items():
        # when
        answer = attacker.options(reverse(route, kwargs=ids(world)))
        ghost = attacker.options(reverse(route, kwargs=ids(world.ghost())))

        # then
        assert (answer.status_code, answer.json()) == (ghost.status_code, ghost.json()), route
    assert victims_rows(world) == rows


# --- without a token -----------------------------------------------------------------------------

GUARDED = list({(case.route, case.method): case for case in CASES}.values())


@pytest.mark.parametrize("case", GUARDED, ids=lambda case: f"{case.route}-{case.method}")
def test_anonymous_requests_are_not_authenticated(case, db, api_client):
    # given
    rows = rows_written()

    # when
    answer = call(api_client, case, nowhere())

    # then
    assert_error(answer, 401, "not_authenticated")
    assert rows_written() == rows


# --- socket frames -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FrameCase:
    type: str
    uses: str
    data: Body
    answer: str  # the error code


FRAME_CASES = [
    FrameCase("chat.send", "B's playdate with C", lambda w: {
        "playdate_id": w.playdate, "body": "Intruder here"}, "not_found"),
    FrameCase("chat.typing", "B's playdate with C", lambda w: {"playdate_id": w.playdate},
              "not_found"),
    FrameCase("chat.read", "B's playdate and message", lambda w: {
        "playdate_id": w.playdate, "message_id": w.message}, "not_found"),
    FrameCase("chat.read", "A's playdate, B's message", lambda w: {
        "playdate_id": w.own_playdate, "message_id": w.message}, "validation_error"),
]  # fmt: skip
FRAME_EXEMPT = {"ping": "takes no ids: answered pong, touches nothing"}


def frame_types() -> set[str]:
    """The frame types the gateway's dispatcher takes: the literals `Gateway.handle` compares
    `kind` with, and `chat_frames.KINDS`."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(Gateway.handle)))
    found: set[str] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Compare) and ast.unparse(node.left) == "kind"):
            continue
        for operator, operand in zip(node.ops, node.comparators, strict=True):
            if isinstance(operator, ast.Eq) and isinstance(operand, ast.Constant):
                found.add(str(operand.value))
            elif isinstance(operator, ast.In) and ast.unparse(operand) == "chat_frames.KINDS":
                found |= chat_frames.KINDS
            else:
                raise AssertionError(f"a frame dispatch this test cannot read: {ast.unparse(node)}")
    return found


def test_every_frame_type_has_a_case_or_an_exemption():
    # given
    enumerated = frame_types()
    cased = {case.type for case in FRAME_CASES}

    # then
    missing = sorted(enumerated - cased - FRAME_EXEMPT.keys())
    assert not missing, (
        f"frame types without an access case: {missing}; add a FrameCase in "
        "tests/security/test_access_matrix.py"
    )
    assert not sorted((cased | FRAME_EXEMPT.keys()) - enumerated), "cases of unknown frame types"
    assert "ping" in enumerated
    assert enumerated >= chat_frames.KINDS


async def quiet(socket: WebsocketCommunicator, wait: float = 0.3) -> list[Any]:
    """The frames the socket gets until it has been quiet for `wait` seconds."""
    received = []
    while not await socket.receive_nothing(wait):
        received.append(json.loads((await socket.receive_output())["text"]))
    return received


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", FRAME_CASES, ids=lambda case: f"{case.type}-{case.uses}")
async def test_another_owners_ids_on_a_socket_change_nothing_and_reach_nobody(case):
    # given: B and C online (each has heard the other is), A's socket open
    world = await database_sync_to_async(build_world)()
    victim_socket, _ = await open_for(world.victim)
    partner_socket, _ = await open_for(world.partner)
    attacker_socket, _ = await open_for(world.attacker)
    await asyncio.gather(quiet(victim_socket, 0.2), quiet(partner_socket, 0.2))
    rows = await database_sync_to_async(victims_rows)(world)

    # when: the frame with B's ids, then with ids nobody has
    answers = []
    for ref, ids in (("a-1", world), ("a-2", world.ghost())):
        await attacker_socket.send_json_to({"type": case.type, "ref": ref, "data": case.data(ids)})
        answers.append(await attacker_socket.receive_json_from(3))

    # then
    answer, ghost = answers
    assert answer["type"] == "error", answer
    assert answer["ref"] == "a-1"
    assert set(answer["data"]) == {"code", "message"}
    assert answer["data"]["code"] == case.answer
    assert {**ghost, "ref": "a-1"} == answer
    assert not leaked(json.dumps(answer), public=False)
    heard = await asyncio.gather(quiet(victim_socket), quiet(partner_socket))
    assert list(heard) == [[], []]
    assert await quiet(attacker_socket, 0.05) == []
    assert await database_sync_to_async(victims_rows)(world) == rows
    for socket in (victim_socket, partner_socket, attacker_socket):
        await socket.disconnect()
