"""Two server processes sharing one PostgreSQL and one Redis act as one service (CONTRACT.md,
Operations and Real-time): an event raised through one process reaches a socket held by the
other, and a socket that moves between processes resumes with `since` without a gap or a
duplicate, with the channel layer on one Redis or sharded over two.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
import redis
from channels_redis.utils import _consistent_hash
from django.conf import settings
from websockets.sync.client import ClientConnection

from accounts.models import User
from tests.owners import Owner, log_in, post, register, socket_of, with_a_pet
from tests.server import (
    Server,
    running_redis,
    running_server,
    server_database_url,
    server_redis_url,
)

# Every wait is bounded: a socket that is not told fails the test in seconds instead of hanging.
# Well under the gateway's 15 s heartbeat, so a live event must come by its doorbell, not by the
# socket's periodic look at its log.
RECEIVE_TIMEOUT_SECONDS = 5.0
# How long a socket must stay silent to show that nothing more (no duplicate) is coming.
SILENCE_SECONDS = 0.5


@pytest.fixture(params=["one Redis", "sharded over two"])
def redis_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The servers' REDIS_URL: the test Redis, or the test Redis and a private second shard.
    Tickets and caches live on the first URL either way, so both servers share them."""
    if request.param == "one Redis":
        yield server_redis_url()
        return
    with running_redis(tmp_path) as second_shard:
        yield f"{server_redis_url()},{second_shard}"


def group_channel(group: str) -> str:
    """The Redis Pub/Sub channel that carries a channel-layer group (channels_redis' naming; the
    prefix depends only on the first Redis URL, which the servers share with this process)."""
    layers = cast(dict[str, Any], settings.CHANNEL_LAYERS)
    return f"{layers['default']['CONFIG']['prefix']}__group__{group}"


def shards_carrying(group: str, shards: list[str]) -> list[str]:
    """The Redis servers on which some process is subscribed to `group` (polled briefly: the
    subscription is sent before the socket's hello, but on another connection than this one)."""
    deadline = time.monotonic() + RECEIVE_TIMEOUT_SECONDS
    while True:
        carriers = []
        for url in shards:
            with redis.Redis.from_url(url) as shard:
                if shard.pubsub_channels(group_channel(group)):
                    carriers.append(url)
        if carriers or time.monotonic() > deadline:
            return carriers
        time.sleep(0.02)


def register_on_shard(server: Server, username: str, *, shard: int, shard_count: int) -> str:
    """Registers an owner whose user group lives on `shard` of the channel layer; returns their
    username. The owner's id decides (channels_redis hashes the group's channel name), so ids
    that would land elsewhere are used up first by owners made directly in the database: REST
    registration is rate-limited per address, and each try would cost a password hash."""
    for attempt in range(64):
        next_id = (
            User.objects.create(
                email=f"{username}.spare{attempt}@example.com",
                username=f"{username}_spare{attempt}",
            ).pk
            + 1
        )
        if _consistent_hash(group_channel(f"user.{next_id}"), shard_count) == shard:
            user_id = register(server, username).id
            if user_id == next_id:
                return username
            raise AssertionError(f"expected owner id {next_id}, got {user_id}: ids are shared")
    raise AssertionError(f"no owner id in 64 landed on shard {shard} of {shard_count}")


def invite(server: Server, inviter: Owner, invitee: Owner, *, days_ahead: int) -> Any:
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days_ahead)
    return post(
        server,
        inviter,
        "playdates/",
        {"from_pet": inviter.pet_id, "to_pet": invitee.pet_id, "date_time": when.isoformat()},
    )


def receive(socket: ClientConnection) -> Any:
    return json.loads(socket.recv(timeout=RECEIVE_TIMEOUT_SECONDS))


def assert_silent(socket: ClientConnection) -> None:
    with pytest.raises(TimeoutError):
        socket.recv(timeout=SILENCE_SECONDS)


def event(frame: Any) -> tuple[str, int, int, str]:
    """What the test checks of a durable event: kind, seq, playdate and its status. (Its time
    must be aware; the whole playdate is compared once, on the first event.)"""
    assert datetime.fromisoformat(frame["ts"]).tzinfo is not None, frame
    playdate = frame["data"]["playdate"]
    return frame["type"], frame["seq"], playdate["id"], playdate["status"]


@pytest.mark.django_db(transaction=True)
def test_events_reach_sockets_on_another_process_and_resume_there_without_loss(
    tmp_path: Path, redis_url: str
) -> None:
    # given: two independent servers over one database and one channel layer, with one secret
    # as in any deployment (each server would otherwise refuse the other's tokens)
    shards = redis_url.split(",")
    database_url, secret_key = server_database_url(), secrets.token_urlsafe(50)

    def server() -> AbstractContextManager[Server]:
        return running_server(
            tmp_path, database_url=database_url, redis_url=redis_url, SECRET_KEY=secret_key
        )

    with server() as first, server() as second:
        register(first, "alice")
        # Bob's doorbells travel through the last shard: the one only the channel layer uses,
        # when there are two.
        bob_name = register_on_shard(first, "bob", shard=len(shards) - 1, shard_count=len(shards))
        alice = with_a_pet(first, log_in(first, "alice"), "Rex")
        bob = with_a_pet(second, log_in(second, bob_name), "Fido")

        with socket_of(second, bob) as bob_on_second:
            assert receive(bob_on_second) == {
                "type": "hello",
                "data": {"user_id": bob.id, "last_seq": 0},
            }
            assert shards_carrying(f"user.{bob.id}", shards) == shards[-1:]

            # when: Alice invites Bob's pet through the first server
            invitation = invite(first, alice, bob, days_ahead=3)

            # then: Bob's socket on the second server is told, once
            invited = receive(bob_on_second)
            assert event(invited) == ("playdate.invited", 1, invitation["id"], "pending")
            assert invited["data"] == {"playdate": invitation}
            assert_silent(bob_on_second)

        # when: while Bob is offline, Alice cancels and invites again
        post(first, alice, f"playdates/{invitation['id']}/cancel")
        second_invitation = invite(first, alice, bob, days_ahead=4)

        # then: Bob, back on the first server with `since`, gets exactly what he missed, in order
        with socket_of(first, bob, since=1) as bob_on_first:
            assert receive(bob_on_first) == {
                "type": "hello",
                "data": {"user_id": bob.id, "last_seq": 3},
            }
            assert [event(receive(bob_on_first)) for _ in range(2)] == [
                ("playdate.updated", 2, invitation["id"], "cancelled"),
                ("playdate.invited", 3, second_invitation["id"], "pending"),
            ]
            assert_silent(bob_on_first)

            # when: a live change, through the second server this time
            post(second, alice, f"playdates/{second_invitation['id']}/cancel")

            # then: it follows the replay, once
            assert event(receive(bob_on_first)) == (
                "playdate.updated",
                4,
                second_invitation["id"],
                "cancelled",
            )
            assert_silent(bob_on_first)
