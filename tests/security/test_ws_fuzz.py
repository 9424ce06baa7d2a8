"""Bad input on the WebSocket, generated: random JSON, frames of the right shape with one field
of a wrong type, wrong values, deep nesting, frames around 64 KiB, binary frames, NUL and
surrogate characters, and invalid UTF-8 (against a real server: the test client sends only
text it can encode). Every bad frame is answered with the contract's error frame, or closes the
socket with the contract's code; the socket still answers a ping, another user's socket never
notices, and nothing is logged at ERROR."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from accounts.models import Session, User
from accounts.services import _start_session
from matching.playdate_selectors import NO_SUCH_PLAYDATE
from realtime import chat_frames, events, gateway, tickets
from realtime.chat_services import BODY_LENGTH, MAX_BODY_LENGTH
from realtime.tests.sockets import (
    login,
    no_frame,
    open_socket,
    playdate_between,
    presence,
    record,
)
from tests.server import Server, running_server, server_database_url, server_redis_url

# How long a frame may take to arrive, on a machine busy with other tests.
WITHIN = 5

NOT_AN_OBJECT = "A frame is a JSON object."
NEEDS_A_TYPE = "A frame needs a type."
DATA_NOT_AN_OBJECT = "data must be an object."
BAD_REF = f"ref must be a string of at most {gateway.MAX_REF_LENGTH} characters."
NO_SUCH_MESSAGE = "No such message in this playdate."
NULL_CHARACTERS = chat_frames.NULL_CHARACTERS
TOO_DEEP = "A frame is nested too deeply."

# The client frames the gateway serves: ping, and chat_frames' kinds. Their data fields are the
# contract's (CONTRACT.md, Real-time); a test below checks the two lists agree.
ACTIONS = sorted({"ping"} | chat_frames.KINDS)
FIELDS: dict[str, dict[str, type]] = {
    "ping": {},
    "chat.send": {"playdate_id": int, "body": str},
    "chat.typing": {"playdate_id": int},
    "chat.read": {"playdate_id": int, "message_id": int},
}


def error(ref: Any, message: str, code: str = "validation_error") -> dict[str, Any]:
    return {"type": "error", "ref": ref, "data": {"code": code, "message": message}}


def pong(ref: Any) -> dict[str, Any]:
    return {"type": "pong", "ref": ref}


# --- strategies ---------------------------------------------------------------------------------

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
containers = st.lists(json_values, max_size=3) | st.dictionaries(
    st.text(max_size=5), json_values, max_size=3
)
not_a_string = json_values.filter(lambda value: not isinstance(value, str))
not_an_object = json_values.filter(lambda value: not isinstance(value, dict))
not_a_positive_int = (
    json_values.filter(lambda value: isinstance(value, bool) or not isinstance(value, int))
    | st.integers(max_value=0)
    | st.sampled_from([1.0, "1", [1], {"id": 1}, True])
)
wrong_refs = (
    st.booleans()
    | st.floats()
    | containers
    | st.text(min_size=gateway.MAX_REF_LENGTH + 1, max_size=300)
    | st.integers(min_value=10**gateway.MAX_REF_LENGTH)
    | st.integers(max_value=-(10 ** (gateway.MAX_REF_LENGTH - 1)))
)
plain_text = st.text(st.characters(exclude_characters="\x00"))
good_refs = (
    st.none()
    | plain_text.filter(lambda ref: len(ref) <= gateway.MAX_REF_LENGTH)
    | st.integers(-(10**50), 10**50)
)
good_bodies = plain_text.filter(lambda body: 1 <= len(body.strip()) <= MAX_BODY_LENGTH)
surrogates = st.characters(categories=["Cs"])
# Ids of nothing the fuzzing user may touch: PostgreSQL's integers, and past its bigint.
foreign_ids = st.integers(min_value=10**7, max_value=2**31 - 1) | st.integers(
    min_value=2**63 - 1, max_value=2**80
)


def valid_value(field_type: type, playdate_id: int) -> st.SearchStrategy[Any]:
    if field_type is str:
        return good_bodies
    return st.sampled_from([playdate_id]) | st.integers(min_value=1, max_value=2**31 - 1)


@st.composite
def one_field_of_a_wrong_type(draw: st.DrawFn, playdate_id: int) -> tuple[Any, dict[str, Any]]:
    """A frame of one of ACTIONS, every field right but one, and the error it is answered."""
    kind = draw(st.sampled_from(ACTIONS))
    fields = FIELDS[kind]
    ref = draw(good_refs)
    data = {name: draw(valid_value(type_, playdate_id)) for name, type_ in fields.items()}
    frame: dict[str, Any] = {"type": kind, "ref": ref, "data": data}
    if ref is None and draw(st.booleans()):
        del frame["ref"]
    wrong = draw(st.sampled_from(["type", "ref", "data", *fields]))
    if wrong == "type":
        frame["type"] = draw(not_a_string)
        return frame, error(ref, NEEDS_A_TYPE)
    if wrong == "ref":
        frame["ref"] = draw(wrong_refs)
        return frame, error(None, BAD_REF)
    if wrong == "data":
        frame["data"] = draw(not_an_object)
        return frame, error(ref, DATA_NOT_AN_OBJECT)
    if draw(st.booleans()):
        del data[wrong]
    elif fields[wrong] is int:
        data[wrong] = draw(not_a_positive_int)
    else:
        data[wrong] = draw(not_a_string)
    if fields[wrong] is int:
        return frame, error(ref, f"{wrong} must be a positive whole number.")
    return frame, error(ref, f"{wrong} must be a string.")


def surrogate_message(text: str) -> str:
    first = next(ch for ch in text if 0xD800 <= ord(ch) <= 0xDFFF)
    return f"Surrogate characters are not allowed: U+{ord(first):X}."


@st.composite
def one_wrong_value(draw: st.DrawFn, playdate_id: int) -> tuple[Any, dict[str, Any]]:
    """A frame whose fields have the right types, one of them a wrong value, and its answer."""
    ref = draw(good_refs.filter(lambda ref: ref is not None))
    body = draw(good_bodies)
    case = draw(
        st.sampled_from(
            [
                "unknown type",
                "body length",
                "body NUL",
                "body surrogate",
                "ref NUL",
                "ref surrogate",
                "send to a foreign playdate",
                "read a foreign message",
                "read in a foreign playdate",
            ]
        )
    )
    data: dict[str, Any] = {"playdate_id": playdate_id, "body": body}
    send: dict[str, Any] = {"type": "chat.send", "ref": ref, "data": data}
    if case == "unknown type":
        kind = draw(st.text().filter(lambda kind: kind not in ACTIONS))
        frame = {"type": kind, "ref": ref, "data": draw(st.dictionaries(st.text(), json_values))}
        return frame, error(ref, f"Unknown frame type {kind[:40]!r}.")
    if case == "body length":
        data["body"] = draw(
            st.sampled_from(
                ["", " ", "\n\t ", "x" * (MAX_BODY_LENGTH + 1), " " * 5000 + "é" * 2001]
            )
        )
        return send, error(ref, BODY_LENGTH)
    if case == "body NUL":
        data["body"] = body + "\x00" + draw(plain_text)
        return send, error(ref, NULL_CHARACTERS)
    if case == "body surrogate":
        data["body"] = body + draw(surrogates)
        return send, error(ref, surrogate_message(data["body"]))
    if case == "ref NUL":
        bad_ref = draw(st.text(max_size=20)) + "\x00"
        send["ref"] = bad_ref
        return send, error(bad_ref, NULL_CHARACTERS)
    if case == "ref surrogate":
        bad_ref = draw(st.text(max_size=20)) + draw(surrogates)
        send["ref"] = bad_ref
        return send, error(bad_ref, surrogate_message(bad_ref))
    if case == "send to a foreign playdate":
        data["playdate_id"] = draw(foreign_ids)
        return send, error(ref, NO_SUCH_PLAYDATE, "not_found")
    if case == "read a foreign message":
        data = {"playdate_id": playdate_id, "message_id": draw(foreign_ids)}
        return {"type": "chat.read", "ref": ref, "data": data}, error(ref, NO_SUCH_MESSAGE)
    data = {"playdate_id": draw(foreign_ids), "message_id": draw(foreign_ids)}
    return {"type": "chat.read", "ref": ref, "data": data}, error(
        ref, NO_SUCH_PLAYDATE, "not_found"
    )


def frame_level_answer(frame: Any) -> dict[str, Any] | None:
    """The answer to a frame that fails the checks every frame passes (CONTRACT.md: not an
    object, a bad ref, no type, data not an object, an unknown type); None if it passes them."""
    if not isinstance(frame, dict):
        return error(None, NOT_AN_OBJECT)
    ref = frame.get("ref")
    if ref is not None and (
        isinstance(ref, bool)
        or not isinstance(ref, str | int)
        or len(str(ref)) > gateway.MAX_REF_LENGTH
    ):
        return error(None, BAD_REF)
    if not isinstance(frame.get("type"), str):
        return error(ref, NEEDS_A_TYPE)
    if not isinstance(frame.get("data", {}), dict):
        return error(ref, DATA_NOT_AN_OBJECT)
    if frame["type"] not in ACTIONS:
        return error(ref, f"Unknown frame type {frame['type'][:40]!r}.")
    return None


# --- the sockets under attack -------------------------------------------------------------------


@dataclass
class Target:
    """The fuzzing owner's socket, and the friend's, who shares a playdate with the owner."""

    owner: User
    friend: User
    socket: WebsocketCommunicator
    friends_socket: WebsocketCommunicator
    playdate_id: int
    owners_last_seq: int
    pings: int = 0

    async def answers(self, text: str | None = None, *, binary: bytes | None = None) -> Any:
        """Sends one frame (an empty one too, which the test client's `send_to` refuses) and
        returns the answer."""
        message: dict[str, Any] = {"type": "websocket.receive"}
        if binary is not None:
            message["bytes"] = binary
        else:
            message["text"] = text
        await self.socket.send_input(message)
        return await self.socket.receive_json_from(WITHIN)

    async def still_works(self) -> None:
        self.pings += 1
        ref = f"alive-{self.pings}"
        assert await self.answers(json.dumps({"type": "ping", "ref": ref})) == pong(ref)

    async def check(self, text: str, answer: dict[str, Any]) -> None:
        assert await self.answers(text) == answer
        await self.still_works()


async def open_for(user: User) -> WebsocketCommunicator:
    """A socket of a new session of `user`, past its hello."""
    socket = await open_socket(await (await login(user)).ticket())
    assert (await socket.receive_json_from(WITHIN))["type"] == "hello"
    return socket


async def closed_with(socket: WebsocketCommunicator) -> int:
    """The close code, past the frames sent before it; then the socket's end."""
    while True:
        message = await socket.receive_output(WITHIN)
        if message["type"] == "websocket.close":
            await socket.disconnect(code=int(message["code"]), timeout=WITHIN)
            return int(message["code"])


@pytest.fixture
def many_frames(monkeypatch, settings):
    """Fuzzing sends hundreds of frames a second: the flood limit (20 a second) and the chat
    limit (30 messages in 10 s, counted before the playdate is checked) are tested elsewhere."""
    monkeypatch.setattr(gateway, "FRAMES_PER_SECOND", 100_000)
    monkeypatch.setattr(gateway, "FRAME_BURST", 100_000)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "chat_message": (100_000, 10)}


@pytest.fixture
async def target(owner, friend, many_frames):
    playdate_id = await playdate_between(owner, friend)
    friends_socket = await open_for(friend)
    socket = await open_for(owner)
    # each hears that the other is online
    assert await socket.receive_json_from(WITHIN) == presence(friend, online=True)
    assert await friends_socket.receive_json_from(WITHIN) == presence(owner, online=True)
    owners_last_seq = await database_sync_to_async(events.last_seq)(owner.pk)
    yield Target(owner, friend, socket, friends_socket, playdate_id, owners_last_seq)
    await socket.disconnect(timeout=WITHIN)
    await friends_socket.disconnect(timeout=WITHIN)


async def friend_is_unaffected(target: Target) -> None:
    """The friend's socket heard nothing of the fuzzing, and gets its own next event."""
    assert await no_frame(target.friends_socket, 0.1)
    last_seq = await database_sync_to_async(events.last_seq)(target.friend.pk)
    await record(target.friend)
    event = await target.friends_socket.receive_json_from(WITHIN)
    assert (event["type"], event["seq"]) == ("playdate.updated", last_seq + 1)
    await target.friends_socket.send_json_to({"type": "ping", "ref": "friend"})
    assert await target.friends_socket.receive_json_from(WITHIN) == pong("friend")


def nothing_logged_at_error(caplog: pytest.LogCaptureFixture) -> None:
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert [f"{record.name}: {record.getMessage()}" for record in errors] == []


async def for_every(
    strategy: st.SearchStrategy[Any],
    check: Callable[[Any], Coroutine[Any, Any, None]],
    examples: int,
) -> None:
    """Runs Hypothesis on `strategy` in a thread, each example's `check` on this event loop (where
    the sockets live), so one pair of sockets serves every example."""
    loop = asyncio.get_running_loop()

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def holds(example: Any) -> None:
        asyncio.run_coroutine_threadsafe(check(example), loop).result(timeout=6 * WITHIN)

    await asyncio.to_thread(holds)


# --- the properties -----------------------------------------------------------------------------


def test_the_fuzzed_fields_cover_every_frame_the_gateway_serves():
    assert set(FIELDS) == set(ACTIONS)


@pytest.mark.django_db(transaction=True)
async def test_random_json_and_binary_frames_are_answered_with_an_error(target, caplog):
    async def check_json(value: Any) -> None:
        answer = frame_level_answer(value)
        assert answer is not None
        await target.check(json.dumps(value), answer)

    async def check_binary(data: bytes) -> None:
        assert await target.answers(binary=data) == error(None, NOT_AN_OBJECT)
        await target.still_works()

    frames = json_values | st.dictionaries(
        st.sampled_from(["type", "ref", "data"]) | st.text(max_size=8), json_values, max_size=5
    )
    # (a random frame that passes every frame's checks, a ping, would be a rare good one)
    bad_frames = frames.filter(lambda frame: frame_level_answer(frame) is not None)
    await for_every(bad_frames, check_json, examples=200)
    good_json = st.builds(lambda ref: json.dumps({"type": "ping", "ref": ref}).encode(), good_refs)
    await for_every(st.binary(max_size=300) | good_json, check_binary, examples=100)
    await friend_is_unaffected(target)
    nothing_logged_at_error(caplog)


@pytest.mark.django_db(transaction=True)
async def test_a_field_of_the_wrong_type_in_any_frame_is_answered_with_its_error(target, caplog):
    async def check(example: tuple[Any, dict[str, Any]]) -> None:
        frame, answer = example
        await target.check(json.dumps(frame), answer)

    await for_every(one_field_of_a_wrong_type(target.playdate_id), check, examples=200)
    await friend_is_unaffected(target)
    nothing_logged_at_error(caplog)


@pytest.mark.django_db(transaction=True)
async def test_a_wrong_value_is_answered_with_its_error_and_records_nothing(target, caplog):
    async def check(example: tuple[Any, dict[str, Any]]) -> None:
        frame, answer = example
        await target.check(json.dumps(frame), answer)

    await for_every(one_wrong_value(target.playdate_id), check, examples=150)
    await friend_is_unaffected(target)
    last_seq = await database_sync_to_async(events.last_seq)(target.owner.pk)
    assert last_seq == target.owners_last_seq
    nothing_logged_at_error(caplog)


def padded(frame: dict[str, Any], size: int, *path: str) -> str:
    """`frame` as JSON of exactly `size` bytes, the string at `path` padded to get there."""
    missing = size - len(json.dumps(frame).encode())
    container = frame
    for key in path[:-1]:
        container = container[key]
    container[path[-1]] += "a" * missing
    text = json.dumps(frame)
    assert len(text.encode()) == size
    return text


LIMIT = gateway.MAX_FRAME_BYTES
DEEP = 10_000

# Frames of every odd kind that a client may send, and their answers; none over 64 KiB.
ODD_FRAMES: dict[str, tuple[str, dict[str, Any]]] = {
    "arrays 10,000 deep": ("[" * DEEP + "]" * DEEP, error(None, TOO_DEEP)),
    "objects 10,000 deep": ('{"a":' * DEEP + "1" + "}" * DEEP, error(None, TOO_DEEP)),
    "data 10,000 deep": (
        '{"type": "ping", "ref": "d", "data": ' + '{"a":' * DEEP + "{}" + "}" * DEEP + "}",
        error(None, TOO_DEEP),
    ),
    "ref 10,000 deep": (
        '{"type": "ping", "ref": ' + "[" * DEEP + "]" * DEEP + "}",
        error(None, TOO_DEEP),
    ),
    "an unknown field 500 deep": (
        '{"type": "ping", "ref": "d", "pad": ' + "[" * 500 + "]" * 500 + "}",
        pong("d"),
    ),
    "64 KiB body": (  # the length is checked before the playdate
        padded(
            {"type": "chat.send", "ref": "b", "data": {"playdate_id": 1, "body": ""}},
            LIMIT,
            "data",
            "body",
        ),
        error("b", BODY_LENGTH),
    ),
    "64 KiB type": (
        padded({"type": "", "ref": "t"}, LIMIT, "type"),
        error("t", f"Unknown frame type {'a' * 40!r}."),
    ),
    "64 KiB ref": (padded({"type": "ping", "ref": ""}, LIMIT, "ref"), error(None, BAD_REF)),
    "64 KiB unknown field": (
        padded({"type": "ping", "ref": "u", "pad": ""}, LIMIT, "pad"),
        pong("u"),
    ),
    "64 KiB, not JSON": ("x" * LIMIT, error(None, NOT_AN_OBJECT)),
    "empty": ("", error(None, NOT_AN_OBJECT)),
    "NUL": ("\x00", error(None, NOT_AN_OBJECT)),
    "raw NUL in a string": ('{"type": "ping", "ref": "raw\x00nul"}', error(None, NOT_AN_OBJECT)),
    "escaped NUL in the type": (
        '{"type": "ping\\u0000", "ref": "n"}',
        error("n", "Unknown frame type 'ping\\x00'."),
    ),
    "escaped NUL in a ping's ref": ('{"type": "ping", "ref": "n\\u0000"}', pong("n\x00")),
    "lone surrogate in a ping's ref": ('{"type": "ping", "ref": "\\ud800"}', pong("\ud800")),
    "infinite ref": ('{"type": "ping", "ref": 1e400}', error(None, BAD_REF)),
    "NaN ref": ('{"type": "ping", "ref": NaN}', error(None, BAD_REF)),
    "numeric string ref of 5,000 digits": (
        '{"type": "ping", "ref": "' + "9" * 5000 + '"}',
        error(None, BAD_REF),
    ),
    "integer of 5,000 digits": (
        '{"type": "ping", "ref": ' + "9" * 5000 + "}",
        error(None, NOT_AN_OBJECT),  # past Python's limit for int(str)
    ),
    "duplicate keys": ('{"type": "ping", "type": 5, "ref": "d"}', error("d", NEEDS_A_TYPE)),
    "byte order mark": ('\ufeff{"type": "ping"}', error(None, NOT_AN_OBJECT)),
}


@pytest.mark.django_db(transaction=True)
async def test_odd_frames_are_answered_and_the_socket_stays_open(target, caplog, subtests):
    for name, (text, answer) in ODD_FRAMES.items():
        with subtests.test(name):
            assert len(text.encode()) <= LIMIT
            await target.check(text, answer)
    await friend_is_unaffected(target)
    nothing_logged_at_error(caplog)


OVER_THE_LIMIT: dict[str, dict[str, Any]] = {
    "text": {"text": padded({"type": "ping", "ref": "x", "pad": ""}, LIMIT + 1, "pad")},
    "four times over": {"text": "x" * (LIMIT * 4)},
    "binary": {"bytes": b"x" * (LIMIT + 1)},
}


@pytest.mark.django_db(transaction=True)
async def test_a_frame_over_64_kib_closes_1009_and_touches_no_other_socket(
    target, caplog, subtests
):
    socket = target.socket
    for name, frame in OVER_THE_LIMIT.items():
        with subtests.test(name):
            # when
            await socket.send_input({"type": "websocket.receive", **frame})

            # then: the friend hears only that the owner went offline
            assert await closed_with(socket) == 1009
            offline = await target.friends_socket.receive_json_from(WITHIN)
            assert offline == presence(target.owner, online=False)
            await friend_is_unaffected(target)
            # the owner connects again at once
            socket = await open_for(target.owner)
            assert await socket.receive_json_from(WITHIN) == presence(target.friend, online=True)
            assert await target.friends_socket.receive_json_from(WITHIN) == presence(
                target.owner, online=True
            )
            await socket.send_json_to({"type": "ping", "ref": "again"})
            assert await socket.receive_json_from(WITHIN) == pong("again")
    target.socket = socket  # for the fixture to close
    nothing_logged_at_error(caplog)


@pytest.mark.django_db(transaction=True)
async def test_a_bad_message_never_fails_another_users_message_stored_with_it(target, caplog):
    # given: the owner's message with a lone surrogate (not UTF-8: PostgreSQL cannot store it)
    # and the friend's good one, sent together, so stored in one batch (realtime.chat_batch)
    bad = {"playdate_id": target.playdate_id, "body": "hi \ud800"}
    good = {"playdate_id": target.playdate_id, "body": "Hello!"}

    # when
    await target.socket.send_json_to({"type": "chat.send", "ref": "bad", "data": bad})
    await target.friends_socket.send_json_to({"type": "chat.send", "ref": "good", "data": good})

    # then: the owner gets an error, the friend an ack; both get the friend's message
    owners = [await target.socket.receive_json_from(WITHIN) for _ in range(2)]
    friends = [await target.friends_socket.receive_json_from(WITHIN) for _ in range(2)]
    assert sorted(frame["type"] for frame in owners) == ["chat.message", "error"]
    assert error("bad", surrogate_message("\ud800")) in owners
    [ack] = [frame for frame in friends if frame["type"] == "ack"]
    assert (ack["ref"], ack["data"]["message"]["body"]) == ("good", "Hello!")
    bodies = [frame["data"]["message"]["body"] for frame in owners + friends if "seq" in frame]
    assert bodies == ["Hello!", "Hello!"]
    nothing_logged_at_error(caplog)


@pytest.mark.django_db(transaction=True)
async def test_every_typing_frame_about_a_foreign_playdate_is_answered_not_found(target):
    frame = json.dumps({"type": "chat.typing", "ref": "t", "data": {"playdate_id": 10**9}})
    assert await target.answers(frame) == error("t", NO_SUCH_PLAYDATE, "not_found")
    await target.socket.send_to(text_data=frame)
    assert not await target.socket.receive_nothing(1)  # (a timeout would end the socket)
    assert await target.socket.receive_json_from(WITHIN) == error(
        "t", NO_SUCH_PLAYDATE, "not_found"
    )


# --- invalid UTF-8 and oversized frames, against daphne -----------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, django_db_setup: None) -> Iterator[Server]:
    with running_server(
        tmp_path_factory.mktemp("ws-fuzz"),
        database_url=server_database_url(),
        redis_url=server_redis_url(),
        LOG_FORMAT="json",
    ) as running:
        yield running


def ticket_for(user: User) -> str:
    """A ticket of a new session of `user`, in the Redis the server shares (the server signs
    tokens with its own key, so not through its ticket endpoint)."""
    with transaction.atomic():
        _start_session(user=user, user_agent="fuzz")
    session = Session.objects.filter(user=user).latest("pk")
    return tickets.ticket_issue(user_id=user.pk, session_id=session.pk)


async def daphne_socket(server: Server, user: User) -> ClientConnection:
    ticket = await database_sync_to_async(ticket_for)(user)
    url = server.url.replace("http://", "ws://") + f"/ws/?ticket={ticket}"
    socket = await connect(url, origin=Origin(server.url))
    hello = json.loads(await asyncio.wait_for(socket.recv(), WITHIN))
    assert hello["type"] == "hello"
    return socket


async def ends(socket: ClientConnection) -> None:
    """Reads the socket's frames (presence) until the server ends it."""
    try:
        while True:
            assert json.loads(await asyncio.wait_for(socket.recv(), WITHIN))["type"] == "presence"
    except ConnectionClosed:
        return


async def next_frame(socket: ClientConnection, kind: str) -> dict[str, Any]:
    """The next frame of type `kind`, past presence frames."""
    while True:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), WITHIN))
        if frame["type"] == kind:
            return frame
        assert frame["type"] == "presence", frame


BROKEN_FRAMES = {
    "not UTF-8": (b"\xff\xfe", True),
    "broken two-byte sequence": (b'{"type": "ping", "ref": "\xc3\x28"}', True),
    "encoded surrogate": (b"\xed\xa0\x80", True),
    "past U+10FFFF": (b"\xf4\x90\x80\x80", True),
    "text over 64 KiB": (b"x" * (LIMIT + 1), True),
    "binary over 64 KiB": (b"x" * (LIMIT + 1), False),
}


@pytest.mark.django_db(transaction=True)
async def test_invalid_utf8_or_a_frame_over_64_kib_ends_that_socket_only(
    server, owner, friend, subtests
):
    # given
    await playdate_between(owner, friend)
    friends_socket = await daphne_socket(server, friend)
    for name, (payload, text) in BROKEN_FRAMES.items():
        with subtests.test(name):
            socket = await daphne_socket(server, owner)

            # when: bytes sent as a text frame, which must be UTF-8 (RFC 6455 8.1), or too many
            await socket.send(payload, text=text)

            # then: that socket ends (daphne fails it before the gateway sees the frame), the
            # friend's lives on, and the owner connects again at once
            await ends(socket)
            last_seq = await database_sync_to_async(events.last_seq)(friend.pk)
            await record(friend)
            assert (await next_frame(friends_socket, "playdate.updated"))["seq"] == last_seq + 1
            again = await daphne_socket(server, owner)
            await again.send(json.dumps({"type": "ping", "ref": "again"}))
            assert await next_frame(again, "pong") == pong("again")
            await again.close()
    await friends_socket.close()
    output = server.output()
    errors = [
        line
        for line in output.splitlines()
        if line.startswith("{") and json.loads(line)["level"] in {"ERROR", "CRITICAL"}
    ]
    assert errors == []
    assert "Traceback" not in output


@pytest.mark.django_db(transaction=True)
async def test_daphne_closes_such_a_socket_with_the_code_for_it(server, owner):
    codes = {}
    for name in ("not UTF-8", "text over 64 KiB"):
        socket = await daphne_socket(server, owner)
        payload, text = BROKEN_FRAMES[name]
        await socket.send(payload, text=text)
        await ends(socket)
        codes[name] = socket.close_code
    # RFC 6455 7.4.1: 1007 for a text frame that is not UTF-8; CONTRACT.md: 1009 over 64 KiB
    assert codes == {"not UTF-8": 1007, "text over 64 KiB": 1009}
