"""A socket whose channel layer fails under it notices, and tells the client to resume."""

from __future__ import annotations

from typing import Any

import pytest
from channels.layers import get_channel_layer
from django.conf import settings as live_settings

from config import redis
from realtime import events
from realtime.tests.sockets import closed_with, frames, open_for, record

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_socket_whose_subscription_is_lost_closes_1012(owner, settings):
    # given: a socket checking every 0.3 s that it hears its own groups
    settings.REALTIME_HEARTBEAT_SECONDS = 0.3
    settings.REALTIME_ECHO_TIMEOUT_SECONDS = 0.5
    socket, _ = await open_for(owner)

    # when: Redis drops the user group's subscription while channels_redis believes it holds it
    layer = get_channel_layer()._get_layer()
    group_channel = layer._get_group_channel_name(events.user_group(owner.pk))
    await layer._get_shard(group_channel)._pubsub.unsubscribe(group_channel)

    # then: a deaf socket closes, "service restart": reconnect and resume
    assert await closed_with(socket) == 1012


def kill_this_databases_subscribers() -> int:
    """Kills the pub/sub connections of this test worker's Redis database (not other workers')."""
    database = redis.client().connection_pool.connection_kwargs.get("db", 0)
    killed = 0
    for client in redis.client().client_list(_type="pubsub"):
        if int(client["db"]) == database:
            redis.client().client_kill_filter(_id=client["id"])
            killed += 1
    return killed


async def test_after_the_subscriber_connection_is_killed_events_still_arrive(owner, settings):
    # given
    settings.REALTIME_HEARTBEAT_SECONDS = 0.5
    socket, _ = await open_for(owner)

    # when: Redis drops the subscriber connection (a restart, a proxy, CLIENT KILL)
    assert kill_this_databases_subscribers() >= 1
    await record(owner, 2)

    # then: from the doorbell if the subscription is back in time, else from the heartbeat's
    # look at the log, or the socket closes 1012 for the client to resume: never silence
    received = await frames(socket, 2, within=5)
    assert [frame["seq"] for frame in received] == [1, 2]
    await socket.disconnect()


def test_the_channel_layer_is_redis_pubsub_with_a_prefix_per_database():
    config: dict[str, Any] = live_settings.CHANNEL_LAYERS["default"]
    database = live_settings.REDIS_URLS[0].rsplit("/", 1)[1]
    assert config["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert config["CONFIG"]["prefix"] == f"pawdate.db{database}."
    assert [host["address"] for host in config["CONFIG"]["hosts"]] == live_settings.REDIS_URLS
