"""The WebSocket gateway at /ws/: each socket delivers its user's event log, in `seq` order.

A socket opens with a ticket (`realtime.tickets`), says hello, replays the log after `since`
when asked, then delivers live: a doorbell ("your log has grown to seq N", `realtime.events`)
wakes the socket's one delivery task, which reads the log after the last `seq` it sent. One
task, one cursor: an event is sent once, in order, whether it arrives during the replay, with a
doorbell, without one (the doorbell was lost) or before its doorbell.

Close codes (CONTRACT.md, Real-time, and the ones it leaves to us):
- 4401: the ticket is missing, used or expired, or the session has ended: get a new ticket.
- 4403: the user is suspended or deleted.
- 4400: `since` is not a whole number >= 0.
- 4429: flooding (over 20 frames a second sustained), after one `rate_limited` error frame.
- 1009: a frame over 64 KiB.
- 1012 ("service restart"): the server can no longer keep this socket fed (the channel layer or
  the database failed under it). Nothing is lost: reconnect with a new ticket and
  `since=<last seq received>`.

Every HEARTBEAT_SECONDS a socket checks that it still stands: its session and user (a close
message that never arrived still closes it), its log (an event whose doorbell was lost is
delivered) and its channel-layer subscriptions, by sending itself a message through its own
groups. A socket whose echo does not come back twice in a row is deaf, and closes with 1012.

Presence (`realtime.presence`) is ephemeral: the user's first socket tells the owners they share
a playdate with that the user is online, the last one to close that they are offline, through
those owners' groups and never the log; a new socket hears, after hello, who of them is online.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Session
from config.errors import DomainError
from realtime import events, presence, tickets

_log = logging.getLogger("pawdate.realtime")

MAX_FRAME_BYTES = 64 * 1024
FRAMES_PER_SECOND = 20
FRAME_BURST = 40
REPLAY_PAGE = 100
# A doorbell ahead of what this socket's database connection shows is retried this often.
AHEAD_RETRY_SECONDS = 0.05
AHEAD_RETRIES = 40
MAX_REF_LENGTH = 100

CLOSE_TICKET = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_BAD_REQUEST = 4400
CLOSE_FLOODING = 4429
CLOSE_TOO_BIG = 1009
CLOSE_RECONNECT = 1012


def heartbeat_seconds() -> float:
    return float(getattr(settings, "REALTIME_HEARTBEAT_SECONDS", 15))


def echo_timeout_seconds() -> float:
    return float(getattr(settings, "REALTIME_ECHO_TIMEOUT_SECONDS", 5))


def presence_seconds() -> float:
    """How long a socket counts as online after its last heartbeat: three beats, so the sockets
    of a process that died without closing them stop counting soon after."""
    return 3 * heartbeat_seconds()


def session_group(session_id: int) -> str:
    """The channel-layer group of every socket opened with one session's tickets."""
    return f"session.{session_id}"


@dataclass(frozen=True)
class Standing:
    close_code: int | None  # None: the socket may stay open
    last_seq: int


def standing(*, user_id: int, session_id: int) -> Standing:
    """Whether a socket of this user's session may stay open, and the user's last `seq`."""
    row = (
        Session.objects.filter(pk=session_id, user_id=user_id)
        .values_list("revoked_at", "expires_at", "user__is_active", "user__suspended_at")
        .first()
    )
    if row is None:
        return Standing(CLOSE_TICKET, 0)
    revoked_at, expires_at, is_active, suspended_at = row
    if not is_active or suspended_at is not None:
        return Standing(CLOSE_FORBIDDEN, 0)
    if revoked_at is not None or expires_at <= timezone.now():
        return Standing(CLOSE_TICKET, 0)
    return Standing(None, events.last_seq(user_id))


class FrameError(Exception):
    """A client frame answered with an error frame; the socket stays open."""

    def __init__(self, code: str, message: str, ref: str | int | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.ref = code, message, ref


class FloodGate:
    """A token bucket: FRAMES_PER_SECOND sustained, bursts of FRAME_BURST."""

    def __init__(self) -> None:
        self.tokens = float(FRAME_BURST)
        self.checked_at = time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(FRAME_BURST, self.tokens + (now - self.checked_at) * FRAMES_PER_SECOND)
        self.checked_at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def _since(query: dict[str, list[str]]) -> int | None:
    values = query.get("since")
    if not values:
        return None
    if not values[0].isascii() or not values[0].isdigit():
        raise ValueError("since must be a whole number")
    return int(values[0])


class Gateway(AsyncWebsocketConsumer):  # type: ignore[misc]  # channels is untyped
    user_id: int
    session_id: int
    groups_joined: tuple[str, ...] = ()
    closing = False
    counted = False  # this socket counts towards its user's presence
    delivered = 0  # the last seq sent on this socket
    carried: dict[int, dict[str, Any]]  # frames doorbells brought, by seq, not yet sent
    wanted = 0  # the highest seq a doorbell or a check has announced
    tasks: tuple[asyncio.Task[None], ...] = ()

    async def connect(self) -> None:
        await self.accept()
        try:
            await self.open()
        except Exception:
            _log.exception("could not open a socket")
            await self.close_with(CLOSE_RECONNECT)

    async def open(self) -> None:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        try:
            since = _since(query)
        except ValueError:
            await self.send_frame(
                {
                    "type": "error",
                    "ref": None,
                    "data": {
                        "code": "validation_error",
                        "message": "since must be a whole number of 0 or more.",
                    },
                }
            )
            await self.close_with(CLOSE_BAD_REQUEST)
            return
        ticket = await sync_to_async(tickets.ticket_redeem, thread_sensitive=False)(
            (query.get("ticket") or [""])[0]
        )
        if ticket is None:
            await self.close_with(CLOSE_TICKET)
            return
        self.user_id, self.session_id = ticket.user_id, ticket.session_id
        self.flood_gate = FloodGate()
        self.carried = {}
        self.wake = asyncio.Event()
        self.echo_token = ""
        self.echoes_awaited: set[str] = set()
        self.echoed = asyncio.Event()

        # Join the groups before reading the log, so no doorbell falls between the two.
        self.groups_joined = (events.user_group(self.user_id), session_group(self.session_id))
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        now = await database_sync_to_async(standing)(
            user_id=self.user_id, session_id=self.session_id
        )
        if now.close_code is not None:
            await self.close_with(now.close_code)
            return
        # Counted before the hello: a client that has its hello is online, so a device it then
        # closes can never be the user's "last" while this one is still being counted.
        partner_ids = await self.presence_open()
        await self.send_frame(
            {"type": "hello", "data": {"user_id": self.user_id, "last_seq": now.last_seq}}
        )
        await self.presence_greet(partner_ids)
        self.delivered = now.last_seq if since is None else since
        self.wanted = now.last_seq
        self.tasks = (
            asyncio.create_task(self.deliver_forever()),
            asyncio.create_task(self.heartbeat_forever()),
        )
        if self.wanted > self.delivered:
            self.wake.set()

    async def disconnect(self, code: int) -> None:
        self.closing = True
        for task in self.tasks:
            task.cancel()
        if self.counted:
            try:
                await self.presence_close()
            except Exception:  # ephemeral: the count expires, and no one hears "offline"
                _log.warning(
                    "user %s: could not announce going offline", self.user_id, exc_info=True
                )
        for group in self.groups_joined:
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:  # the layer is gone; its subscriptions went with it
                _log.warning("could not leave group %s", group, exc_info=True)

    async def close_with(self, code: int) -> None:
        if self.closing:
            return
        self.closing = True
        await self.close(code=code)

    async def send_frame(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(frame, separators=(",", ":")))

    async def send_error(self, ref: str | int | None, code: str, message: str) -> None:
        await self.send_frame(
            {"type": "error", "ref": ref, "data": {"code": code, "message": message}}
        )

    # --- Delivery ------------------------------------------------------------------------------

    async def deliver_forever(self) -> None:
        try:
            while not self.closing:
                await self.wake.wait()
                self.wake.clear()
                await self.deliver_pending()
        except asyncio.CancelledError:
            raise
        except Exception:
            _log.exception("delivery failed for user %s", self.user_id)
            await self.close_with(CLOSE_RECONNECT)

    async def deliver_pending(self) -> None:
        """Sends the log after `delivered`, page by page, until it reaches `wanted`."""
        retries = 0
        while not self.closing:
            # Frames the doorbells brought, straight after what was sent: no log read needed.
            while self.delivered + 1 in self.carried and not self.closing:
                await self.send_frame(self.carried.pop(self.delivered + 1))
                self.delivered += 1
            self.carried = {seq: f for seq, f in self.carried.items() if seq > self.delivered}
            if self.delivered >= self.wanted:
                return
            page = await database_sync_to_async(events.events_after)(
                user_id=self.user_id, seq=self.delivered, limit=REPLAY_PAGE
            )
            for event in page:
                if self.closing:
                    return
                await self.send_frame(
                    events.frame(event.kind, event.seq, event.created_at, event.data)
                )
                self.delivered = event.seq
            if len(page) == REPLAY_PAGE:
                continue
            if self.delivered >= self.wanted:
                return
            # A doorbell for a seq this connection cannot see yet: look again shortly.
            retries += 1
            if retries > AHEAD_RETRIES:
                _log.warning(
                    "user %s: doorbell for seq %s, log ends at %s",
                    self.user_id,
                    self.wanted,
                    self.delivered,
                )
                return
            await asyncio.sleep(AHEAD_RETRY_SECONDS)

    async def events_available(self, message: dict[str, Any]) -> None:
        """The doorbell: this user's log has grown to `seq`."""
        seq = message.get("seq")
        if isinstance(seq, int) and seq > max(self.delivered, self.wanted):
            for carried in message.get("frames") or ():
                if isinstance(carried, dict) and isinstance(carried.get("seq"), int):
                    self.carried[carried["seq"]] = carried
            self.wanted = seq
            self.wake.set()

    # --- Staying open ---------------------------------------------------------------------------

    async def heartbeat_forever(self) -> None:
        while not self.closing:
            # Spread over ±25 %: sockets opened together (a reconnect wave after a deploy) would
            # otherwise beat together forever, and their checks would queue behind each other.
            await asyncio.sleep(heartbeat_seconds() * random.uniform(0.75, 1.25))  # noqa: S311
            try:
                now = await database_sync_to_async(standing)(
                    user_id=self.user_id, session_id=self.session_id
                )
            except Exception:
                _log.warning("user %s: standing check failed", self.user_id, exc_info=True)
                await self.close_with(CLOSE_RECONNECT)
                return
            if now.close_code is not None:
                await self.close_with(now.close_code)
                return
            try:
                await sync_to_async(presence.socket_alive, thread_sensitive=False)(
                    user_id=self.user_id, socket_id=self.channel_name, seconds=presence_seconds()
                )
            except Exception:  # the echo below finds out whether Redis is really gone
                _log.warning("user %s: presence not refreshed", self.user_id, exc_info=True)
            # A busy process can be slow to hear itself once; deaf is twice in a row.
            if not await self.hears_itself() and not await self.hears_itself():
                await self.close_with(CLOSE_RECONNECT)
                return
            if now.last_seq > max(self.delivered, self.wanted):
                self.wanted = now.last_seq
                self.wake.set()

    async def hears_itself(self) -> bool:
        """Sends an echo through each of this socket's groups and waits for all to return."""
        self.echo_token = uuid.uuid4().hex
        self.echoes_awaited = set(self.groups_joined)
        self.echoed.clear()
        try:
            for group in self.groups_joined:
                await self.channel_layer.group_send(
                    group, {"type": "gateway.echo", "token": self.echo_token, "group": group}
                )
            await asyncio.wait_for(self.echoed.wait(), echo_timeout_seconds())
        except Exception:
            _log.warning(
                "user %s: the channel layer no longer reaches this socket",
                self.user_id,
                exc_info=True,
            )
            return False
        return True

    async def gateway_echo(self, message: dict[str, Any]) -> None:
        if message.get("token") == self.echo_token:
            self.echoes_awaited.discard(str(message.get("group")))
            if not self.echoes_awaited:
                self.echoed.set()

    # --- Presence -------------------------------------------------------------------------------

    async def presence_open(self) -> list[int]:
        """Counts this socket and announces the user online if it is their first; returns the
        user's partners."""
        partner_ids: list[int] = await database_sync_to_async(presence.partner_ids)(self.user_id)
        first = await sync_to_async(presence.socket_opened, thread_sensitive=False)(
            user_id=self.user_id, socket_id=self.channel_name, seconds=presence_seconds()
        )
        self.counted = True
        if first:
            await self.presence_announce(partner_ids, online=True)
        return partner_ids

    async def presence_greet(self, partner_ids: list[int]) -> None:
        """Tells this socket which partners are online now (the groups are joined already, so no
        change falls between this and what follows)."""
        online = await sync_to_async(presence.online_among, thread_sensitive=False)(partner_ids)
        for partner_id in online:
            await self.send_frame(
                {"type": "presence", "data": {"user_id": partner_id, "online": True}}
            )

    async def presence_close(self) -> None:
        self.counted = False
        last = await sync_to_async(presence.socket_closed, thread_sensitive=False)(
            user_id=self.user_id, socket_id=self.channel_name
        )
        if last:
            partner_ids = await database_sync_to_async(presence.partner_ids)(self.user_id)
            await self.presence_announce(partner_ids, online=False)

    async def presence_announce(self, partner_ids: list[int], *, online: bool) -> None:
        for partner_id in partner_ids:
            await self.channel_layer.group_send(
                events.user_group(partner_id),
                {"type": "presence.changed", "user_id": self.user_id, "online": online},
            )

    async def presence_changed(self, message: dict[str, Any]) -> None:
        """A partner came online or went offline, in whichever process."""
        if not self.closing:
            await self.send_frame(
                {
                    "type": "presence",
                    "data": {"user_id": message["user_id"], "online": message["online"]},
                }
            )

    async def sockets_close(self, message: dict[str, Any]) -> None:
        """A session ended (4401) or the user was locked out (4403), in whichever process."""
        await self.close_with(int(message["code"]))

    # --- Client frames ----------------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.closing:
            return
        size = len(text_data.encode()) if text_data is not None else len(bytes_data or b"")
        if size > MAX_FRAME_BYTES:
            await self.close_with(CLOSE_TOO_BIG)
            return
        if not self.flood_gate.allow():
            await self.send_error(None, "rate_limited", "Too many frames. Slow down.")
            await self.close_with(CLOSE_FLOODING)
            return
        ref: str | int | None = None
        try:
            frame = self.parse(text_data)
            ref = frame.get("ref")
            await self.handle(frame)
        except FrameError as error:
            await self.send_error(error.ref, error.code, error.message)
        except DomainError as error:
            await self.send_error(ref, error.code, error.message)
        except ValidationError as error:
            await self.send_error(ref, "validation_error", " ".join(error.messages))
        except Exception:
            _log.exception("client frame failed for user %s", self.user_id)
            await self.send_error(ref, "server_error", "Something went wrong on our side.")

    @staticmethod
    def parse(text_data: str | None) -> dict[str, Any]:
        """A frame as an object with a valid `ref`, `type` and `data`, or a FrameError."""
        try:
            frame = json.loads(text_data) if text_data is not None else None
        except ValueError:
            frame = None
        if not isinstance(frame, dict):
            raise FrameError("validation_error", "A frame is a JSON object.")
        ref = frame.get("ref")
        if ref is not None and (
            isinstance(ref, bool)
            or not isinstance(ref, str | int)
            or len(str(ref)) > MAX_REF_LENGTH
        ):
            raise FrameError(
                "validation_error", f"ref must be a string of at most {MAX_REF_LENGTH} characters."
            )
        if not isinstance(frame.get("type"), str):
            raise FrameError("validation_error", "A frame needs a type.", ref)
        if not isinstance(frame.get("data", {}), dict):
            raise FrameError("validation_error", "data must be an object.", ref)
        return frame

    async def handle(self, frame: dict[str, Any]) -> None:
        kind, ref = frame["type"], frame.get("ref")
        if kind == "ping":
            await self.send_frame({"type": "pong", "ref": ref})
        elif kind in {"chat.send", "chat.typing", "chat.read"}:
            raise FrameError("validation_error", "Chat is not available yet.", ref)
        else:
            raise FrameError("validation_error", f"Unknown frame type {kind[:40]!r}.", ref)
