"""The WebSocket gateway at /ws/: each socket delivers its user's event log, in `seq` order.

A socket opens with a ticket (`realtime.tickets`), says hello, replays the log after `since`
when asked, then delivers live: a doorbell ("your log has grown to seq N", `realtime.events`)
starts the socket's delivery task, which reads the log after the last `seq` it sent. One task
at a time, one cursor: an event is sent once, in order, whether it arrives during the replay, with a
doorbell, without one (the doorbell was lost) or before its doorbell.

Close codes (CONTRACT.md, Real-time, and the ones it leaves to us):
- 4401: the ticket is missing, used or expired, or the session has ended: get a new ticket.
- 4403: the user is suspended or deleted.
- 4400: `since` is not a whole number >= 0.
- 4429: flooding (over 20 frames a second sustained), after one `rate_limited` error frame.
- 1009: a frame over 64 KiB.
- 1012 ("service restart"): the server can no longer keep this socket fed (the channel layer or
  the database failed under it), or its process is stopping (SIGTERM, SIGINT: every socket,
  `realtime.daphne_worker`). Nothing is lost: reconnect with a new ticket and
  `since=<last seq received>`. (Not 1001 "going away": clients already resume soon on 1012,
  and one code for "come back, elsewhere if need be" is simpler for them.)

A socket owns no channel of its own: the process's hub (`realtime.hub`) joins its groups,
hands it the messages sent to them (`hub_message`) and checks it every HEARTBEAT_SECONDS, with
every other socket due, in one pulse: its session and user (a close message that never arrived
still closes it), its log (an event whose doorbell was lost is delivered) and the layer's
subscriptions to its groups (a group this process no longer hears closes its sockets with 1012).
A socket delivers on a task that exists only while it has something to send.

Presence (`realtime.presence`) is ephemeral: the user's first socket tells the owners they share
a playdate with that the user is online, the last one to close that they are offline, through
those owners' groups and never the log; a new socket hears, after hello, who of them is online.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Session
from config.errors import DomainError, RateLimited
from config.observability import (
    EVENTS_DELIVERED,
    EVENTS_REPLAYED,
    RATE_LIMITED,
    WEBSOCKET_REPLAYS,
    WEBSOCKETS_OPEN,
    event_frames_sent,
)
from realtime import chat_frames, events, presence, tickets, workers
from realtime.hub import hub, next_beat, presence_seconds
from realtime.models import Event, EventCursor

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

FLOODING_REFUSED = RATE_LIMITED.labels("websocket_frames")


@dataclass(frozen=True)
class Standing:
    close_code: int | None  # None: the socket may stay open
    last_seq: int


def standings_of(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], Standing]:
    """Whether the sockets of these (user id, session id) may stay open, and each user's last
    `seq`: one query, whatever the number of sockets."""
    last_seq = EventCursor.objects.filter(user_id=OuterRef("user_id")).values("last_seq")[:1]
    sessions = {
        (user_id, session_id): row
        for session_id, user_id, *row in (
            Session.objects.filter(pk__in={session_id for _, session_id in pairs})
            .annotate(last_seq=Coalesce(Subquery(last_seq), 0))
            .values_list(
                "pk",
                "user_id",
                "revoked_at",
                "expires_at",
                "user__is_active",
                "user__suspended_at",
                "last_seq",
            )
        )
    }
    now = timezone.now()
    found = {}
    for pair in pairs:
        row = sessions.get(pair)
        if row is None:
            found[pair] = Standing(CLOSE_TICKET, 0)
            continue
        revoked_at, expires_at, is_active, suspended_at, seq = row
        if not is_active or suspended_at is not None:
            found[pair] = Standing(CLOSE_FORBIDDEN, 0)
        elif revoked_at is not None or expires_at <= now:
            found[pair] = Standing(CLOSE_TICKET, 0)
        else:
            found[pair] = Standing(None, seq)
    return found


def standing(*, user_id: int, session_id: int) -> Standing:
    """Whether a socket of this user's session may stay open, and the user's last `seq`."""
    return standings_of([(user_id, session_id)])[(user_id, session_id)]


@dataclass(frozen=True)
class Opening:
    standing: Standing
    partner_ids: list[int]  # who hears this user's presence, and whose this socket hears
    first: bool  # the user's first live socket: the partners hear "online"
    online: list[int]  # the partners online now


def opening(*, user_id: int, session_id: int, socket_id: str) -> Opening:
    """What a new socket needs before its hello, in one trip to the database thread: whether
    it may open, the user's last `seq`, and its presence counted (`realtime.presence`)."""
    now = standing(user_id=user_id, session_id=session_id)
    if now.close_code is not None:
        return Opening(now, [], False, [])
    partner_ids = presence.partner_ids(user_id)
    first = presence.socket_opened(user_id=user_id, socket_id=socket_id, seconds=presence_seconds())
    return Opening(now, partner_ids, first, presence.online_among(partner_ids))


class FrameError(Exception):
    """A client frame answered with an error frame; the socket stays open."""

    def __init__(self, code: str, message: str, ref: str | int | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.ref = code, message, ref


class FloodGate:
    """A token bucket: FRAMES_PER_SECOND sustained, bursts of FRAME_BURST."""

    __slots__ = ("checked_at", "tokens")  # one per socket

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
    # No channel of its own on the layer: the hub receives for every socket of the process.
    channel_layer_alias = None
    user_id: int
    session_id: int
    socket_id = ""
    groups_joined: tuple[str, ...] = ()
    due = float("inf")  # when the hub checks this socket next (monotonic seconds)
    closing = False
    joined = False  # in the hub
    counted = False  # this socket counts towards its user's presence
    delivered = 0  # the last seq sent on this socket
    replay_until = 0  # the last seq of the replay `since` asked for (0: none)
    greeted = False  # counted in WEBSOCKETS_OPEN
    carried: dict[int, dict[str, Any]] | None = None  # frames doorbells brought, not yet sent
    wanted = 0  # the highest seq a doorbell or a check has announced
    delivering: asyncio.Task[None] | None = None
    flood_gate: FloodGate
    # Until the hello is sent: presence and ephemeral frames the hub brought, to send after it.
    held: list[dict[str, Any]] | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Channels' consumer loop, minus what a socket without a channel of its own does not
        need: Channels waits on the client and the channel with a task for each, for the life
        of the socket; this awaits the client's messages directly (about 1 KiB less a socket)."""
        self.scope, self.channel_layer, self.base_send = scope, None, send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass
        finally:
            # Here, not in `disconnect`: every end of a socket passes, a cancelled one too.
            if self.greeted:
                WEBSOCKETS_OPEN.dec()

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels closes stale database connections before every handler, through the one
        # database thread; ours reach the database only through database_sync_to_async, which
        # does that itself.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

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
        self.socket_id = uuid.uuid4().hex
        self.flood_gate = FloodGate()
        self.held = []

        # Join the user's group before reading the log, so no doorbell falls between the two.
        self.groups_joined = (events.user_group(self.user_id),)
        self.joined = True
        await hub().join(self)
        now = await workers.in_pool(opening)(
            user_id=self.user_id, session_id=self.session_id, socket_id=self.socket_id
        )
        # Counted before the hello: a client that has its hello is online, so a device it then
        # closes can never be the user's "last" while this one is still being counted.
        self.counted = now.standing.close_code is None
        if now.standing.close_code is not None:
            await self.close_with(now.standing.close_code)
        if self.closing:  # closed meanwhile (a close message, a client gone)
            return
        if now.first:
            await self.presence_announce(now.partner_ids, online=True)
        last_seq = now.standing.last_seq
        await self.send_frame(
            {"type": "hello", "data": {"user_id": self.user_id, "last_seq": last_seq}}
        )
        self.greeted = True
        WEBSOCKETS_OPEN.inc()
        for partner_id in now.online:
            await self.send_frame(
                {"type": "presence", "data": {"user_id": partner_id, "online": True}}
            )
        # What the hub brought meanwhile follows, in order; then delivery starts.
        held, self.held = self.held or [], None
        for message in held:
            await self.hub_message(message)
        self.delivered = last_seq if since is None else since
        if since is not None and since < last_seq:
            self.replay_until = last_seq
            WEBSOCKET_REPLAYS.inc()
        self.due = next_beat()
        self.want(last_seq)

    async def disconnect(self, code: int) -> None:
        self.closing = True
        if self.delivering is not None:
            self.delivering.cancel()
        if self.counted:
            try:
                await self.presence_close()
            except Exception:  # ephemeral: the count expires, and no one hears "offline"
                _log.warning(
                    "user %s: could not announce going offline", self.user_id, exc_info=True
                )
        if self.joined:
            self.joined = False
            await hub().leave(self)

    async def close_with(self, code: int) -> None:
        if self.closing:
            return
        self.closing = True
        await self.close(code=code)

    async def send_frame(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(frame, separators=(",", ":")))

    async def send_error(
        self, ref: str | int | None, code: str, message: str, **more: int | str
    ) -> None:
        """An error frame; `more` adds fields to its data (`retry_after` for rate_limited)."""
        await self.send_frame(
            {"type": "error", "ref": ref, "data": {"code": code, "message": message, **more}}
        )

    # --- From the hub -----------------------------------------------------------------------------

    async def hub_message(self, message: dict[str, Any]) -> None:
        """A message sent to one of this socket's groups, in whichever process."""
        kind = message.get("type")
        if self.held is not None and kind in {"presence.changed", "frame.ephemeral"}:
            self.held.append(message)  # sent after the hello and the presence greeting
        elif kind == "events.available":
            self.events_available(message)
        elif kind == "presence.changed":
            await self.send_frame(
                {
                    "type": "presence",
                    "data": {"user_id": message["user_id"], "online": message["online"]},
                }
            )
        elif kind == "frame.ephemeral":
            await self.send_frame(message["frame"])
        elif kind == "sockets.close":
            # Sessions ended (4401: those in `session_ids`) or the user was locked out (4403).
            if self.session_id in message.get("session_ids", (self.session_id,)):
                await self.close_with(int(message["code"]))
        else:
            _log.warning("a socket got a message of unknown type %r", kind)

    async def checked(self, close_code: int | None, last_seq: int) -> None:
        """The hub's heartbeat: close with `close_code`, or make sure `last_seq` is delivered."""
        if close_code is not None:
            await self.close_with(close_code)
        else:
            self.want(last_seq)

    # --- Delivery ---------------------------------------------------------------------------------

    def events_available(self, message: dict[str, Any]) -> None:
        """The doorbell: this user's log has grown to `seq`."""
        seq = message.get("seq")
        if isinstance(seq, int) and seq > max(self.delivered, self.wanted):
            for carried in message.get("frames") or ():
                if isinstance(carried, dict) and isinstance(carried.get("seq"), int):
                    if self.carried is None:
                        self.carried = {}
                    self.carried[carried["seq"]] = carried
            self.want(seq)

    def want(self, seq: int) -> None:
        """Delivers the log up to `seq`, on a delivery task started when none runs."""
        self.wanted = max(self.wanted, seq)
        if self.held is not None:  # not open yet: `open` calls again after the hello
            return
        if self.wanted > self.delivered and self.delivering is None and not self.closing:
            self.delivering = asyncio.create_task(self.deliver())

    async def deliver(self) -> None:
        try:
            while self.wanted > self.delivered and not self.closing:
                if not await self.deliver_pending():
                    break
        except asyncio.CancelledError:
            raise
        except Exception:
            _log.exception("delivery failed for user %s", self.user_id)
            await self.close_with(CLOSE_RECONNECT)
        finally:
            self.delivering = None

    async def deliver_pending(self) -> bool:
        """Sends the log after `delivered`, page by page, until it reaches `wanted`; False if the
        log does not show `wanted` yet after AHEAD_RETRIES looks (the heartbeat looks again)."""
        retries = 0
        while not self.closing:
            # Frames the doorbells brought, straight after what was sent: no log read needed.
            if self.carried:
                start, first = self.delivered, self.carried.get(self.delivered + 1)
                while self.delivered + 1 in self.carried and not self.closing:
                    await self.send_frame(self.carried.pop(self.delivered + 1))
                    self.delivered += 1
                if first is not None and self.delivered > start:
                    recorded_at = datetime.fromisoformat(first["ts"]).timestamp()
                    event_frames_sent(self.delivered - start, recorded_at)
                self.carried = {s: f for s, f in self.carried.items() if s > self.delivered} or None
            if self.delivered >= self.wanted:
                return True
            page = await database_sync_to_async(events.events_after)(
                user_id=self.user_id, seq=self.delivered, limit=REPLAY_PAGE
            )
            sent = 0
            for event in page:
                if self.closing:
                    break
                await self.send_frame(
                    events.frame(event.kind, event.seq, event.created_at, event.data)
                )
                self.delivered = event.seq
                sent += 1
            if sent:
                self.count_sent(page[:sent])
            if self.closing:
                return True
            if len(page) == REPLAY_PAGE:
                continue
            if self.delivered >= self.wanted:
                return True
            # A doorbell for a seq this connection cannot see yet: look again shortly.
            retries += 1
            if retries > AHEAD_RETRIES:
                _log.warning(
                    "user %s: doorbell for seq %s, log ends at %s",
                    self.user_id,
                    self.wanted,
                    self.delivered,
                )
                self.wanted = self.delivered
                return False
            await asyncio.sleep(AHEAD_RETRY_SECONDS)
        return True

    def count_sent(self, sent: list[Event]) -> None:
        """Metrics of log events just sent, in order: the replay's, then live ones (their lag)."""
        replayed = 0
        if sent[0].seq <= self.replay_until:
            replayed = sum(1 for event in sent if event.seq <= self.replay_until)
            EVENTS_REPLAYED.inc(replayed)
            EVENTS_DELIVERED.inc(replayed)
        if replayed < len(sent):
            event_frames_sent(len(sent) - replayed, sent[replayed].created_at.timestamp())

    # --- Presence ---------------------------------------------------------------------------------

    async def presence_close(self) -> None:
        self.counted = False
        last = await sync_to_async(presence.socket_closed, thread_sensitive=False)(
            user_id=self.user_id, socket_id=self.socket_id
        )
        if last:
            partner_ids = await database_sync_to_async(presence.partner_ids)(self.user_id)
            await self.presence_announce(partner_ids, online=False)

    async def presence_announce(self, partner_ids: list[int], *, online: bool) -> None:
        message = {"type": "presence.changed", "user_id": self.user_id, "online": online}
        await hub().send_many({events.user_group(partner): message for partner in partner_ids})

    # --- Client frames ----------------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.closing:
            return
        size = len(text_data.encode()) if text_data is not None else len(bytes_data or b"")
        if size > MAX_FRAME_BYTES:
            await self.close_with(CLOSE_TOO_BIG)
            return
        if not self.flood_gate.allow():
            FLOODING_REFUSED.inc()
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
        except RateLimited as error:
            await self.send_error(ref, error.code, error.message, retry_after=error.retry_after)
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
        except RecursionError:  # nested deeper than the interpreter's recursion limit
            raise FrameError("validation_error", "A frame is nested too deeply.") from None
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
        elif kind in chat_frames.KINDS:
            answer = await chat_frames.handle(self.user_id, kind, ref, frame.get("data") or {})
            if answer is not None:
                await self.send_frame(answer)
        else:
            raise FrameError("validation_error", f"Unknown frame type {kind[:40]!r}.", ref)
