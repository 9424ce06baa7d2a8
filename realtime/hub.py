"""The hub: the channel-layer side of every socket of a process, and their one heartbeat.

A Channels consumer normally owns a channel of its own on the layer, a task waiting on it and
a heartbeat task: per socket, that is memory, and at 10,000 idle sockets a process spent three
quarters of a core on 670 heartbeats a second (docs/performance.md). Here the process's sockets
share one channel, the hub's: it joins each group that one of its sockets is in once, receives
every message on one task, and hands each to the sockets of the message's `group` (every
message sent to our groups names its group: `send_many` and `realtime.doorbell` add it).

The heartbeat is the hub's too ("pulse"). Every socket is due for a check every
HEARTBEAT_SECONDS (±25 %, so sockets opened together do not stay together); each pulse takes
the sockets due (one at least, so that each pulse sends an echo), and for all of them at once:
- reads their sessions, users and last `seq` in one query (`standings`): an ended session or a
  locked-out user closes the socket even if its close message was lost, and an event whose
  doorbell was lost is delivered;
- pushes their presence forward in one Redis pipeline;
- sends one echo through each of their groups and waits for each to come back: a group whose
  echo is lost twice in a row is one this process no longer hears (Redis restarted, the
  subscription dropped), and its sockets close with 1012, for their clients to resume.
While echoes are lost (Redis is away), every other socket reads its log on each pulse as well,
and once more after they are back: the doorbells rung meanwhile are lost too, and a socket
should not wait for its own beat, up to 19 s, to deliver what they announced.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
import weakref
from collections.abc import Iterable
from typing import Any, Protocol

from asgiref.sync import sync_to_async
from autobahn.exception import Disconnected
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings

from realtime import doorbell, presence

_log = logging.getLogger("pawdate.realtime")

ECHO = "gateway.echo"
# Sessions and users are looked up this many at a time, so no query grows without bound.
STANDING_CHUNK = 1_000


def heartbeat_seconds() -> float:
    return float(getattr(settings, "REALTIME_HEARTBEAT_SECONDS", 15))


def echo_timeout_seconds() -> float:
    return float(getattr(settings, "REALTIME_ECHO_TIMEOUT_SECONDS", 5))


def presence_seconds() -> float:
    """How long a socket counts as online after its last heartbeat: three beats, so the sockets
    of a process that died without closing them stop counting soon after."""
    return 3 * heartbeat_seconds()


def next_beat() -> float:
    """When a socket checked now is due again (monotonic seconds)."""
    return time.monotonic() + heartbeat_seconds() * random.uniform(0.75, 1.25)  # noqa: S311


class Member(Protocol):
    """What the hub needs of a socket (realtime.gateway.Gateway)."""

    user_id: int
    session_id: int
    socket_id: str
    groups_joined: tuple[str, ...]
    due: float
    closing: bool

    async def hub_message(self, message: dict[str, Any]) -> None: ...

    async def checked(self, close_code: int | None, last_seq: int) -> None: ...


class Hub:
    """One per event loop: in a daphne process, one for all its sockets."""

    def __init__(self) -> None:
        self.layer: Any = get_channel_layer()
        self.channel = ""
        self.members: dict[str, set[Member]] = {}
        self.sockets: set[Member] = set()
        # group -> its subscription while under way, None once done (a done task is heavy)
        self.subscriptions: dict[str, asyncio.Future[None] | None] = {}
        self.started: asyncio.Future[None] | None = None
        self.tasks: tuple[asyncio.Task[None], ...] = ()
        self.echo_token = ""
        self.echoes_awaited: set[str] = set()
        self.echoed = asyncio.Event()
        # Pulses left in which every socket reads its log: echoes were lost, so doorbells may
        # have been too.
        self.catching_up = 0

    # --- Sockets in and out -----------------------------------------------------------------------

    async def join(self, socket: Member) -> None:
        """Adds the socket to its groups; returns once the layer delivers their messages here."""
        self.sockets.add(socket)
        if self.started is None:
            self.started = asyncio.ensure_future(self.start())
        try:
            await asyncio.shield(self.started)
        except Exception:  # the next socket tries again
            self.started = None
            self.sockets.discard(socket)
            raise
        for group in socket.groups_joined:
            self.members.setdefault(group, set()).add(socket)
            if group not in self.subscriptions:
                self.subscriptions[group] = asyncio.ensure_future(
                    self.layer.group_add(group, self.channel)
                )
            subscribing = self.subscriptions[group]
            if subscribing is None:
                continue
            try:
                await asyncio.shield(subscribing)
            except Exception:
                if self.subscriptions.get(group) is subscribing:  # the next socket tries again
                    del self.subscriptions[group]
                raise
            if self.subscriptions.get(group) is subscribing:
                self.subscriptions[group] = None

    async def leave(self, socket: Member) -> None:
        self.sockets.discard(socket)
        for group in socket.groups_joined:
            members = self.members.get(group)
            if members is None:
                continue
            members.discard(socket)
            if members:
                continue
            try:
                subscribing = self.subscriptions.get(group)
                if subscribing is not None:
                    await asyncio.shield(subscribing)
                if self.members.get(group):  # another socket joined it meanwhile
                    continue
                self.members.pop(group, None)
                self.subscriptions.pop(group, None)
                # No await between the check above and the layer forgetting the group, so a
                # socket joining from here on subscribes it anew.
                await self.layer.group_discard(group, self.channel)
            except Exception:  # the layer is gone; its subscriptions went with it
                _log.warning("could not leave group %s", group, exc_info=True)
        if not self.sockets:
            self.stop()

    async def start(self) -> None:
        self.channel = await self.layer.new_channel("hub.")
        self.tasks = (
            asyncio.create_task(self.receive_forever()),
            asyncio.create_task(self.pulse_forever()),
        )

    def stop(self) -> None:
        """The last socket left: the next one starts a new hub."""
        if _hubs.get(asyncio.get_running_loop()) is self:
            del _hubs[asyncio.get_running_loop()]
        for task in self.tasks:
            task.cancel()
            # Cancelled, its receive still leaves the layer's channel (an unsubscribe): a
            # process about to stop waits for it (`stopped`).
            _stopping.add(task)
            task.add_done_callback(_stopping.discard)

    # --- Messages ---------------------------------------------------------------------------------

    async def send_many(self, messages: dict[str, dict[str, Any]]) -> None:
        """Sends each group its message (with the group's name in it), in whichever process its
        sockets are."""
        if isinstance(self.layer, RedisPubSubChannelLayer) and len(messages) > 1:
            # Many at once: pipelined on the process's kept clients, off the event loop.
            outcomes = await sync_to_async(doorbell.ring, thread_sensitive=False)(messages)
            for outcome in outcomes:
                if outcome is not None:
                    raise outcome
            return
        for group, message in messages.items():
            await self.layer.group_send(group, {**message, "group": group})

    async def receive_forever(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
                await self.dispatch(message)
            except asyncio.CancelledError:
                raise
            except Exception:
                _log.exception("the hub could not handle a message")

    async def dispatch(self, message: dict[str, Any]) -> None:
        group = message.get("group")
        if message.get("type") == ECHO:
            if message.get("token") == self.echo_token:
                self.echoes_awaited.discard(str(group))
                if not self.echoes_awaited:
                    self.echoed.set()
            return
        for socket in tuple(self.members.get(str(group), ())):
            if socket.closing:
                continue
            try:
                await socket.hub_message(message)
            except Disconnected:
                # Its connection closed under it (many at once, a process stopping): what the
                # hub brings is ephemeral, and its disconnect is on the way.
                _log.debug("a socket closed before it could send %s", message.get("type"))
            except Exception:
                _log.exception("a socket could not handle %s", message.get("type"))

    # --- The pulse --------------------------------------------------------------------------------

    async def pulse_forever(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, max(0.02, heartbeat_seconds() / 15)))
            try:
                await self.pulse()
            except asyncio.CancelledError:
                raise
            except Exception:
                _log.exception("the heartbeat failed")

    async def pulse(self) -> None:
        now = time.monotonic()
        sockets = [socket for socket in self.sockets if not socket.closing]
        if not sockets:
            return
        due = [socket for socket in sockets if socket.due <= now]
        if not due:
            # One echo a pulse at least, so that Redis going away is noticed within a second
            # even when no socket is due (they all opened together, a moment ago).
            due = [min(sockets, key=lambda socket: socket.due)]
        for socket in due:
            socket.due = next_beat()
        checked = due
        if self.catching_up:
            picked = set(due)
            checked = due + [socket for socket in sockets if socket not in picked]
        try:
            found = await database_sync_to_async(standings)(
                [(socket.user_id, socket.session_id) for socket in checked]
            )
        except Exception:
            _log.warning("the standing check of %s sockets failed", len(checked), exc_info=True)
            for socket in due:
                await socket.checked(1012, 0)
            return
        # Before the echoes, which may take seconds to be found lost: what the log holds is
        # delivered now.
        for socket in checked:
            if not socket.closing:
                await socket.checked(*found.get((socket.user_id, socket.session_id), (4401, 0)))
        try:
            await sync_to_async(presence.sockets_alive, thread_sensitive=False)(
                [(socket.user_id, socket.socket_id) for socket in due], presence_seconds()
            )
        except Exception:  # the echoes below find out whether Redis is really gone
            _log.warning("presence of %s sockets not refreshed", len(due), exc_info=True)
        groups = {group for socket in due for group in socket.groups_joined}
        # A busy process can be slow to hear itself once; deaf is twice in a row.
        deaf = await self.deaf_among(groups)
        if deaf:
            deaf = await self.deaf_among(deaf)
        # Lost echoes: every socket reads its log on each pulse until they are back, and on
        # the pulse after, which covers the doorbells lost until then.
        self.catching_up = 2 if deaf else max(0, self.catching_up - 1)
        for socket in checked:
            if not socket.closing and deaf.intersection(socket.groups_joined):
                _log.warning("user %s: the channel layer no longer reaches", socket.user_id)
                await socket.checked(1012, 0)

    async def deaf_among(self, groups: Iterable[str]) -> set[str]:
        """Those of `groups` whose echo did not come back within the echo timeout."""
        self.echo_token = uuid.uuid4().hex
        self.echoes_awaited = {group for group in groups if group in self.members}
        if not self.echoes_awaited:
            return set()
        self.echoed.clear()
        try:
            await self.send_many(
                {group: {"type": ECHO, "token": self.echo_token} for group in self.echoes_awaited}
            )
            await asyncio.wait_for(self.echoed.wait(), echo_timeout_seconds())
        except Exception:
            _log.warning("echoes through %s groups failed", len(self.echoes_awaited), exc_info=True)
        return set(self.echoes_awaited)


def standings(sockets: list[tuple[int, int]]) -> dict[tuple[int, int], tuple[int | None, int]]:
    """For each (user id, session id): the close code its socket must close with (None: it may
    stay open) and the user's last `seq`, in one query per STANDING_CHUNK sockets."""
    from realtime import gateway  # the close codes; gateway imports this module

    found: dict[tuple[int, int], tuple[int | None, int]] = {}
    pairs = sorted(set(sockets))
    for start in range(0, len(pairs), STANDING_CHUNK):
        chunk = pairs[start : start + STANDING_CHUNK]
        for pair, standing in gateway.standings_of(chunk).items():
            found[pair] = (standing.close_code, standing.last_seq)
    return found


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()
_stopping: set[asyncio.Task[None]] = set()


def hub() -> Hub:
    """The running event loop's hub."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        found = _hubs[loop] = Hub()
    return found


async def stopped(seconds: float) -> None:
    """Waits up to `seconds` for the hubs that stopped to have left the channel layer.
    Cancelled while it unsubscribes (the process's loop ending), channels_redis logs an error."""
    loop = asyncio.get_running_loop()
    leaving = [task for task in _stopping if task.get_loop() is loop]
    if leaving:
        await asyncio.wait(leaving, timeout=seconds)
