"""Doorbells rung from synchronous code (a request's thread, after commit), on kept connections.

`async_to_sync(layer.group_send)` from a request thread builds an event loop per call, and with
channels_redis' Pub/Sub layer a Redis connection per loop: under the invitations benchmark that
was a tenth of a server's time (py-spy, docs/performance.md). On that layer a group message is
one PUBLISH of the layer's own serialisation to the group's channel on the group's shard, which
the process's synchronous clients (`config.redis.shards`) do directly, pipelined per shard. Any
other layer (the embedded default's in-memory one) still goes through `async_to_sync`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from channels_redis.utils import _consistent_hash
from django.conf import settings

from config import redis as shared_redis


def ring(messages: dict[str, dict[str, Any]]) -> list[BaseException | None]:
    """Sends each group its message, with the group's name in it (the hub, `realtime.hub`,
    hands it to that group's sockets); the outcome per group, in order (None: sent)."""
    layer = get_channel_layer()
    if layer is None or not messages:
        return [None] * len(messages)
    messages = {group: {**message, "group": group} for group, message in messages.items()}
    if isinstance(layer, RedisPubSubChannelLayer):
        return _publish(layer, messages)

    async def send_all() -> list[Any]:
        return await asyncio.gather(
            *(layer.group_send(group, message) for group, message in messages.items()),
            return_exceptions=True,
        )

    outcomes = async_to_sync(send_all)()
    return [outcome if isinstance(outcome, BaseException) else None for outcome in outcomes]


def _publish(
    layer: RedisPubSubChannelLayer, messages: dict[str, dict[str, Any]]
) -> list[BaseException | None]:
    layers: Any = settings.CHANNEL_LAYERS
    prefix = layers["default"]["CONFIG"]["prefix"]
    shards = shared_redis.shards()
    pipelines = [shard.pipeline(transaction=False) for shard in shards]
    for group, message in messages.items():
        channel = f"{prefix}__group__{group}"  # as RedisPubSubLoopLayer._get_group_channel_name
        pipelines[_consistent_hash(channel, len(shards))].publish(channel, layer.serialize(message))
    failed: BaseException | None = None
    for pipeline in pipelines:
        if len(pipeline):
            try:
                pipeline.execute()
            except Exception as error:  # reported per group below
                failed = error
    return [failed] * len(messages)
