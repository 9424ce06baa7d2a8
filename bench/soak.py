"""Load and soak: a mixed workload over two server processes for a fixed time, every durable event
accounted for.

Starts two Pawdate servers (`manage.py serve --workers 1`, twice, on two ports: two daphne
processes whose memory is measured apart) on PostgreSQL (its own database, `pawdate_soak_bench`,
created, migrated and emptied at start) and Redis (database 12, flushed at start; the bench
refuses a database holding someone else's keys: set BENCH_REDIS_URL, or use `--private-redis`
for a throwaway redis-server of its own). Owners (a dog each, default preferences, in a few
metros so that they are each other's matches), one moderator and one accepted playdate per pair
of owners are written straight into the database, as in bench/ws_bench.py; tickets come from
REST; access tokens are renewed every 5 minutes.

Every owner (and the moderator) holds one WebSocket (Origin header, a fresh ticket per
connect), spread over both processes. For `--duration` seconds, after `--warm-up` seconds of the
same load that are not timed, one asyncio process drives, at Poisson-distributed rates:
  match queries   GET /api/v1/pets/{id}/matches?limit=20 as the pet's owner
  invitations     POST /api/v1/playdates/ between two owners of one metro, each at a free time
  answers         each invitation answered by the awaited side 1-8 s later: accept, decline or
                  counter (the other side then answers the counter-proposal)
  chat            `chat.send` frames (timed to their `ack`) and POST .../messages, in accepted
                  playdates; 30 % of them to an owner who is offline (replayed on resume; at
                  most 5 per absence, under the chat rate limit)
  disconnects     a few % of the sockets a minute, closed cleanly or aborted (no close frame),
                  each reconnecting 0.5-10 s later to a random process with `since=<last seq>`
Sockets dedupe by `seq`. At the end the load stops, every socket catches up, and what each
user's log holds (realtime.models.Event, read from PostgreSQL) is compared with what its
sockets received: lost events (must be 0), duplicates (the same seq twice, and the same event
under two seqs), order; and with what the generator did (each invitation, answer and stored
message must have reached both owners).

Prints progress on stderr every 10 s and one JSON object on stdout: latency percentiles per kind
(ms), counts, errors by kind and status, events, reconnects, each daphne process's RSS (after the
warm-up, every 10 s, at the end), PostgreSQL connections to the bench database (max, final,
every 10 s), Redis clients, and the CPU the client, the servers and the machine used. Servers
(their whole process groups) are stopped on exit, Ctrl-C and SIGTERM.

    .venv/bin/python bench/soak.py [--duration 300] [--owners 2000] [--match-rate 20] ...
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import os
import random
import resource
import signal
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import redis
import ws_bench
from common import interrupt_on_termination, private_redis, server_env, stop_process_group
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin
from ws_bench import HOST, Owner, Server, percentiles

DATABASE = "pawdate_soak_bench"
ws_bench.DATABASE = DATABASE
ws_bench.ENV = server_env(
    database=DATABASE,
    redis_url="redis://127.0.0.1:6379/12",
    SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback
)
REDIS_MARKER = "pawdate:bench:soak"  # says the Redis database is this bench's to flush
# Where the owners live: each metro's owners are within ~1 km of its centre, so they are each
# other's matches and nobody else's.
METROS = [
    (40.7306, -73.9866),  # New York
    (51.5072, -0.1276),  # London
    (35.6764, 139.6500),  # Tokyo
    (48.8566, 2.3522),  # Paris
    (-33.8688, 151.2093),  # Sydney
    (52.5200, 13.4050),  # Berlin
]
SAMPLE_SECONDS = 10.0  # progress, RSS, Redis clients; PostgreSQL connections every 2 s
PG_SAMPLE_SECONDS = 2.0
HELLO_TIMEOUT = 30.0
CATCH_UP_SECONDS = 30.0  # at the end: how long sockets get to receive every event logged
PLAYDATE_GAP = timedelta(hours=2, minutes=5)  # accepted playdates of a pet may not overlap 2 h
ACCESS_REFRESH_SECONDS = 300.0  # access tokens live 10 minutes
OFFLINE_MESSAGES = 5  # at most, to one owner while offline (chat limit: 30 per 10 s)


# --- Bookkeeping ------------------------------------------------------------------------------


def content_key(kind: str, data: dict[str, Any]) -> str | None:
    """What a durable event is about, the same for its frame and its log row (`KEY_SQL`): the
    same key under two seqs is one event delivered twice."""
    if kind == "chat.message":
        return f"{kind}|{data['message']['id']}"
    if kind in ("playdate.invited", "playdate.updated"):
        playdate = data["playdate"]
        return f"{kind}|{playdate['id']}|{playdate.get('updated_at')}|{playdate.get('status')}"
    if kind == "moderation.activity":
        return f"{kind}|{data['activity']['id']}"
    if kind == "chat.read":
        return f"{kind}|{data['playdate_id']}|{data['user_id']}|{data['message_id']}"
    if kind == "match.suggested":
        return f"{kind}|{data['for_pet_id']}|{data['suggestion']['pet']['id']}"
    return None


KEY_SQL = """
    CASE kind
      WHEN 'chat.message' THEN kind || '|' || (data->'message'->>'id')
      WHEN 'playdate.invited' THEN concat_ws('|', kind, data->'playdate'->>'id',
          data->'playdate'->>'updated_at', data->'playdate'->>'status')
      WHEN 'playdate.updated' THEN concat_ws('|', kind, data->'playdate'->>'id',
          data->'playdate'->>'updated_at', data->'playdate'->>'status')
      WHEN 'moderation.activity' THEN kind || '|' || (data->'activity'->>'id')
      WHEN 'chat.read' THEN concat_ws('|', kind, data->>'playdate_id', data->>'user_id',
          data->>'message_id')
      WHEN 'match.suggested' THEN concat_ws('|', kind, data->>'for_pet_id',
          data->'suggestion'->'pet'->>'id')
    END
"""


def subject(key: str) -> tuple[str, str]:
    """(kind, object id) of a content key: what the generator expects per user."""
    kind, object_id, *_ = key.split("|")
    return kind, object_id


class Peer:
    """One user and their socket (one at a time): what it received, deduped by seq."""

    __slots__ = (
        "access",
        "closing",
        "keys",
        "max_seq",
        "metro",
        "next_seq",
        "pet_id",
        "reader",
        "replay_until",
        "seen",
        "server",
        "socket",
        "user_id",
    )

    def __init__(self, owner: Owner, metro: int) -> None:
        self.user_id, self.pet_id, self.access, self.metro = (
            owner.user_id,
            owner.pet_id,
            owner.access,
            metro,
        )
        self.socket: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None
        self.server = 0
        self.seen: set[int] = set()
        self.keys: Counter[str] = Counter()  # content keys of the distinct seqs received
        self.max_seq = 0
        self.next_seq = 1  # what this connection should deliver next
        self.replay_until = 0  # seqs up to this one are this connection's replay
        self.closing = False  # we close this socket on purpose


@dataclass
class Conversation:
    playdate_id: int
    inviter: Peer
    invitee: Peer
    awaiting: Peer | None = None
    counters: int = 0


class Slots:
    """Times for playdates that never come within two hours of another of either pet, so that
    an accept is never refused for an overlap (a 409 here is a real error)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.base = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=2)
        self.taken: dict[int, list[datetime]] = defaultdict(list)

    def pick(self, *pet_ids: int) -> datetime:
        while True:
            when = self.base + timedelta(minutes=self.rng.randrange(0, 300 * 24 * 60, 5))
            if all(
                abs(when - other) > PLAYDATE_GAP for pet in pet_ids for other in self.taken[pet]
            ):
                for pet in pet_ids:
                    self.taken[pet].append(when)
                return when


@dataclass
class Figures:
    """What the run measured; latencies only after the warm-up."""

    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    delivery: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    counts: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    error_samples: dict[str, str] = field(default_factory=dict)
    frames: Counter[str] = field(default_factory=Counter)
    duplicate_seqs: Counter[str] = field(default_factory=Counter)
    out_of_order: int = 0
    replayed: int = 0
    live: int = 0
    reconnects: int = 0
    injected: Counter[str] = field(default_factory=Counter)
    closed_by_server: Counter[str] = field(default_factory=Counter)
    connect_failures: Counter[str] = field(default_factory=Counter)
    loop_lag: list[float] = field(default_factory=list)


# --- The load ---------------------------------------------------------------------------------


class Soak:
    def __init__(
        self,
        args: argparse.Namespace,
        servers: Sequence[Server],
        peers: list[Peer],
        moderators: list[Peer],
        conversations: list[Conversation],
        slots: Slots,
    ) -> None:
        self.args = args
        self.servers = list(servers)
        self.origins = [server.origin for server in servers]
        self.peers = peers
        self.moderators = moderators
        self.everyone = peers + moderators
        self.by_metro: dict[int, list[Peer]] = defaultdict(list)
        for peer in peers:
            self.by_metro[peer.metro].append(peer)
        self.chat_pool: list[Conversation] = []  # accepted playdates: chat goes on in them
        self.talks: dict[int, list[Conversation]] = defaultdict(list)  # by user id
        for conversation in conversations:
            self.talk_in(conversation)
        # Between a disconnect and the socket that resumes: messages sent to them meanwhile.
        self.offline: dict[Peer, int] = {}
        self.slots = slots
        self.rng = random.Random(args.seed)
        self.figures = Figures()
        self.measuring = False
        self.started = False  # the load started (every socket was opened)
        self.stopping = False
        self.expected: Counter[tuple[int, str, str]] = Counter()  # (user, kind, object id)
        self.answers: list[tuple[float, int, Conversation]] = []  # heap of answers due
        self.pending_acks: dict[str, tuple[float, Conversation, Peer, ClientConnection]] = {}
        self.tasks: set[asyncio.Task[Any]] = set()
        self.reconnecting: set[asyncio.Task[Any]] = set()
        self.sent = 0
        self.inviters = list(peers)
        self.rng.shuffle(self.inviters)
        self.invited = 0
        self.samples: dict[str, Any] = {
            "rss_kib": defaultdict(list),
            "pg": [],
            "pg_series": [],
            "pg_lock_waits": [],
            "lock_waits_by_statement": Counter(),
            "redis": [],
            "worker_pids": [],
        }
        self.db = ThreadPoolExecutor(1, thread_name_prefix="soak-db")  # one psycopg connection
        self.pg: psycopg.Connection[Any] | None = None
        self.redis = redis.Redis.from_url(ws_bench.ENV["REDIS_URL"].split(",")[0])

    # --- Helpers ---

    def spawn(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def error(self, name: str, detail: str = "") -> None:
        self.figures.errors[name] += 1
        if detail and name not in self.figures.error_samples:
            self.figures.error_samples[name] = detail[:300]

    async def in_db(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.db, function, *args)

    def db_connect(self) -> None:
        self.pg = psycopg.connect(ws_bench.ENV["DATABASE_URL"], autocommit=True)

    def pg_connections(self) -> int:
        """Connections to the bench database (not this one); notes how many wait on a lock."""
        assert self.pg is not None
        row = self.pg.execute(
            "SELECT count(*), count(*) FILTER (WHERE wait_event_type = 'Lock')"
            " FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (self.pg.info.dbname,),
        ).fetchone()
        assert row is not None
        if self.measuring:
            self.samples["pg_lock_waits"].append(int(row[1]))
        if row[1]:  # what the waiting statements are, by their first words
            waiting = self.pg.execute(
                "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 90), count(*)"
                " FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'"
                " GROUP BY 1",
                (self.pg.info.dbname,),
            ).fetchall()
            phase = "measured" if self.measuring else "opening" if not self.started else "other"
            for statement, count in waiting:
                self.samples["lock_waits_by_statement"][f"{phase}: {statement}"] += int(count)
        return int(row[0])

    async def rest(
        self,
        kind: str,
        method: str,
        path: str,
        peer: Peer,
        body: dict[str, Any] | None = None,
        ok: int = 200,
    ) -> dict[str, Any] | None:
        """One timed REST call as `peer`, to a random server; its JSON answer, None on error."""
        origin = self.rng.choice(self.origins)
        started = time.monotonic()
        try:
            response = await self.http.request(
                method,
                origin + path,
                json=body,
                headers={"Authorization": f"Bearer {peer.access}"},
            )
        except httpx.HTTPError as error:
            self.error(f"{kind} {type(error).__name__}", repr(error))
            return None
        elapsed = (time.monotonic() - started) * 1000
        self.figures.counts[kind] += 1
        if response.status_code != ok:
            self.error(f"{kind} {response.status_code}", response.text)
            return None
        if self.measuring:
            self.figures.latency[kind].append(elapsed)
        return response.json() if response.content else {}

    # --- Sockets ---

    async def open_socket(self, peer: Peer, server: int) -> bool:
        """A ticket from `server`, a socket to it with `since`, its hello; then its reader."""
        origin = self.origins[server]
        started = time.monotonic()
        try:
            response = await self.http.post(
                f"{origin}/api/v1/realtime/ticket",
                headers={"Authorization": f"Bearer {peer.access}"},
            )
        except httpx.HTTPError as error:
            self.error(f"ticket {type(error).__name__}", repr(error))
            return False
        self.figures.counts["ticket"] += 1
        if response.status_code != 200:
            self.error(f"ticket {response.status_code}", response.text)
            return False
        ticketed = time.monotonic()
        phase = "" if self.started else "open_"  # the opening of every socket, apart
        if self.measuring or not self.started:
            self.figures.latency[f"{phase}ticket"].append((ticketed - started) * 1000)
        since = peer.max_seq
        url = f"ws://{HOST}:{self.servers[server].port}/ws/?ticket={response.json()['ticket']}"
        try:
            socket = await connect(
                f"{url}&since={since}",
                origin=Origin(origin),
                open_timeout=HELLO_TIMEOUT,
                ping_interval=None,  # browsers do not ping; the server's heartbeat is its own
                compression=None,
                close_timeout=5,
                max_queue=None,
            )
        except Exception as error:
            self.figures.connect_failures[type(error).__name__] += 1
            self.error(f"connect {type(error).__name__}", repr(error))
            return False
        try:
            hello = json.loads(await asyncio.wait_for(socket.recv(), HELLO_TIMEOUT))
            if hello.get("type") != "hello":
                raise RuntimeError(f"first frame: {str(hello)[:200]}")
        except Exception as error:
            socket.transport.abort()
            self.figures.connect_failures[type(error).__name__] += 1
            self.error(f"hello {type(error).__name__}", repr(error))
            return False
        self.figures.counts["connect"] += 1
        if self.measuring or not self.started:
            elapsed = (time.monotonic() - ticketed) * 1000
            self.figures.latency[f"{phase}connect_to_hello"].append(elapsed)
        last_seq = int(hello["data"]["last_seq"])
        peer.socket, peer.server, peer.closing = socket, server, False
        self.offline.pop(peer, None)
        peer.next_seq = since + 1
        peer.replay_until = last_seq if since < last_seq else 0
        peer.reader = asyncio.create_task(self.read(peer, socket))
        return True

    async def read(self, peer: Peer, socket: ClientConnection) -> None:
        figures = self.figures
        try:
            async for raw in socket:
                received = time.time()
                frame = json.loads(raw)
                kind = frame.get("type")
                figures.frames[kind] += 1
                seq = frame.get("seq")
                if seq is not None:
                    self.on_event(peer, kind, seq, frame, received)
                elif kind == "ack":
                    self.on_ack(frame)
                elif kind == "error":
                    code = frame.get("data", {}).get("code")
                    self.error(f"ws_error {code}", json.dumps(frame))
                    self.pending_acks.pop(str(frame.get("ref")), None)
        except ConnectionClosed:
            pass
        except Exception as error:  # a frame the bench cannot read is an error too
            self.error(f"read {type(error).__name__}", repr(error))
            socket.transport.abort()
        if peer.socket is socket:
            peer.socket = None
        if not peer.closing:  # the server closed it, or the connection failed: resume
            peer.closing = True
            figures.closed_by_server[str(socket.close_code)] += 1
            self.offline.setdefault(peer, 0)
            self.reconnect(peer, self.rng.uniform(0.2, 1.0))

    def on_event(
        self, peer: Peer, kind: str, seq: int, frame: dict[str, Any], received: float
    ) -> None:
        figures = self.figures
        if seq in peer.seen:
            figures.duplicate_seqs[kind] += 1
            return
        if seq != peer.next_seq:
            figures.out_of_order += 1
        peer.next_seq = max(peer.next_seq, seq + 1)
        peer.seen.add(seq)
        peer.max_seq = max(peer.max_seq, seq)
        key = content_key(kind, frame["data"])
        if key is not None:
            peer.keys[key] += 1
        if seq <= peer.replay_until:
            figures.replayed += 1
        else:
            figures.live += 1
            if self.measuring:
                written = datetime.fromisoformat(frame["ts"]).timestamp()
                figures.delivery[kind].append((received - written) * 1000)

    def on_ack(self, frame: dict[str, Any]) -> None:
        pending = self.pending_acks.pop(str(frame.get("ref")), None)
        if pending is None:
            self.error("ack unexpected", json.dumps(frame))
            return
        sent, conversation, _, _ = pending
        if self.measuring:
            self.figures.latency["chat_send_ack"].append((time.monotonic() - sent) * 1000)
        self.figures.counts["chat_send_acked"] += 1
        message_id = str(frame["data"]["message"]["id"])
        for owner in (conversation.inviter, conversation.invitee):
            self.expected[(owner.user_id, "chat.message", message_id)] += 1

    def reconnect(self, peer: Peer, delay: float) -> None:
        async def again() -> None:
            await asyncio.sleep(delay)
            if peer.reader is not None:
                await asyncio.wait({peer.reader}, timeout=10)
            for attempt in range(10):
                if await self.open_socket(peer, self.rng.randrange(len(self.servers))):
                    self.figures.reconnects += 1
                    return
                await asyncio.sleep(min(0.5 * 2**attempt, 5.0))
            self.error("reconnect gave up")

        task = asyncio.create_task(again())
        self.reconnecting.add(task)
        task.add_done_callback(self.reconnecting.discard)

    async def open_all(self) -> dict[str, Any]:
        gate = asyncio.Semaphore(self.args.open_concurrency)
        failed = 0

        async def one(index: int, peer: Peer) -> None:
            nonlocal failed
            async with gate:
                for attempt in range(3):
                    if await self.open_socket(peer, index % len(self.servers)):
                        return
                    await asyncio.sleep(1 + attempt)
                failed += 1

        started = time.monotonic()
        await asyncio.gather(*(one(index, peer) for index, peer in enumerate(self.everyone)))
        seconds = time.monotonic() - started
        return {
            "sockets": len(self.everyone),
            "failed": failed,
            "seconds": round(seconds, 1),
            "per_second": round(len(self.everyone) / seconds, 1),
        }

    async def disconnector(self) -> None:
        """Each second each socket drops with probability `--disconnect-percent`/100/60."""
        chance = self.args.disconnect_percent / 100 / 60
        while not self.stopping:
            await asyncio.sleep(1)
            for peer in self.everyone:
                socket = peer.socket
                if socket is None or peer.closing or self.rng.random() >= chance:
                    continue
                peer.closing = True
                if self.rng.random() < 0.5:
                    self.figures.injected["aborted"] += 1
                    socket.transport.abort()  # a network fault: no close frame
                else:
                    self.figures.injected["closed"] += 1
                    self.spawn(socket.close())
                self.offline.setdefault(peer, 0)
                self.reconnect(peer, self.rng.uniform(*self.args.offline_seconds))

    # --- The workload ---

    async def steady(self, rate: float, action: Callable[[], Awaitable[None]]) -> None:
        """Starts `action` at Poisson-distributed times, `rate` a second on average."""
        if rate <= 0:
            return
        due = time.monotonic()
        while not self.stopping:
            due += self.rng.expovariate(rate)
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if not self.stopping:
                self.spawn(action())

    async def match_query(self) -> None:
        peer = self.rng.choice(self.peers)
        await self.rest("match_query", "GET", f"/api/v1/pets/{peer.pet_id}/matches?limit=20", peer)

    async def invite(self) -> None:
        inviter = self.inviters[self.invited % len(self.inviters)]
        self.invited += 1
        neighbours = self.by_metro[inviter.metro]
        invitee = self.rng.choice(neighbours)
        while invitee is inviter:
            invitee = self.rng.choice(neighbours)
        when = self.slots.pick(inviter.pet_id, invitee.pet_id)
        body = {
            "from_pet": inviter.pet_id,
            "to_pet": invitee.pet_id,
            "date_time": when.isoformat(),
            "location_name": "Riverside dog park",
            "message": "Fancy a run in the park?",
        }
        answer = await self.rest("invite", "POST", "/api/v1/playdates/", inviter, body, ok=201)
        if answer is None:
            return
        conversation = Conversation(int(answer["id"]), inviter, invitee, awaiting=invitee)
        self.expected[(invitee.user_id, "playdate.invited", str(conversation.playdate_id))] += 1
        self.answer_later(conversation)

    def answer_later(self, conversation: Conversation) -> None:
        low, high = self.args.answer_delay
        due = time.monotonic() + self.rng.uniform(low, high)
        heapq.heappush(self.answers, (due, conversation.playdate_id, conversation))

    async def answerer(self) -> None:
        while not self.stopping:
            now = time.monotonic()
            while self.answers and self.answers[0][0] <= now:
                self.spawn(self.answer(heapq.heappop(self.answers)[2]))
            await asyncio.sleep(0.05)

    async def answer(self, conversation: Conversation) -> None:
        peer = conversation.awaiting
        assert peer is not None
        roll = self.rng.random()
        path = f"/api/v1/playdates/{conversation.playdate_id}"
        if conversation.counters < 2 and roll < 0.25:
            when = self.slots.pick(conversation.inviter.pet_id, conversation.invitee.pet_id)
            body = {"date_time": when.isoformat(), "message": "How about this time?"}
            done = await self.rest("answer", "POST", f"{path}/counter", peer, body)
            decision = "countered"
        elif roll < 0.75:
            done = await self.rest("answer", "POST", f"{path}/accept", peer)
            decision = "accepted"
        else:
            done = await self.rest("answer", "POST", f"{path}/decline", peer)
            decision = "declined"
        if done is None:
            return
        self.figures.counts[f"answer_{decision}"] += 1
        for owner in (conversation.inviter, conversation.invitee):
            self.expected[(owner.user_id, "playdate.updated", str(conversation.playdate_id))] += 1
        if decision == "countered":
            conversation.counters += 1
            conversation.awaiting = (
                conversation.inviter if peer is conversation.invitee else conversation.invitee
            )
            self.answer_later(conversation)
        elif decision == "accepted":
            conversation.awaiting = None
            self.talk_in(conversation)

    def talker(self) -> tuple[Conversation, Peer, Peer]:
        """A conversation and its two sides in random order; with `--offline-bias` chance one
        whose other side is offline now, so that resuming has something to replay."""
        if self.offline and self.rng.random() < self.args.offline_bias:
            away = self.rng.choice(list(self.offline))
            talks = self.talks.get(away.user_id)
            # A few messages per absence: the partner must stay under the chat rate limit.
            if talks and self.offline[away] < OFFLINE_MESSAGES:
                self.offline[away] += 1
                conversation = self.rng.choice(talks)
                other = (
                    conversation.invitee if away is conversation.inviter else conversation.inviter
                )
                return conversation, other, away
        conversation = self.rng.choice(self.chat_pool)
        sides = [conversation.inviter, conversation.invitee]
        self.rng.shuffle(sides)
        return conversation, sides[0], sides[1]

    def talk_in(self, conversation: Conversation) -> None:
        self.chat_pool.append(conversation)
        for peer in (conversation.inviter, conversation.invitee):
            self.talks[peer.user_id].append(conversation)

    async def chat_send(self) -> None:
        conversation, peer, other = self.talker()
        if peer.socket is None or peer.closing:
            peer = other
        socket = peer.socket
        if socket is None or peer.closing:
            self.figures.counts["chat_send_skipped_offline"] += 1
            return
        self.sent += 1
        ref = f"soak-{self.sent}"
        body = {"playdate_id": conversation.playdate_id, "body": f"Woof {self.sent}"}
        self.pending_acks[ref] = (time.monotonic(), conversation, peer, socket)
        self.figures.counts["chat_send"] += 1
        try:
            await socket.send(json.dumps({"type": "chat.send", "ref": ref, "data": body}))
        except ConnectionClosed:
            # Closed under the send (ours, a disconnect): like a browser, not a server error.
            self.pending_acks.pop(ref, None)
            self.figures.counts["chat_send_on_closed_socket"] += 1

    async def chat_rest(self) -> None:
        conversation, peer, _ = self.talker()
        self.sent += 1
        path = f"/api/v1/playdates/{conversation.playdate_id}/messages"
        body = {"body": f"Woof {self.sent} (REST)"}
        answer = await self.rest("chat_rest", "POST", path, peer, body, ok=201)
        if answer is not None:
            for owner in (conversation.inviter, conversation.invitee):
                self.expected[(owner.user_id, "chat.message", str(answer["id"]))] += 1

    # --- Watching ---

    async def open_sampler(self) -> None:
        """While every socket opens: which statements wait on locks (twice a second)."""
        while not self.started:
            await self.in_db(self.pg_connections)
            await asyncio.sleep(0.5)

    async def lag_monitor(self) -> None:
        """How late the client's event loop wakes: if this grows, the client is the bottleneck."""
        while not self.stopping:
            before = time.monotonic()
            await asyncio.sleep(0.1)
            if self.measuring:
                self.figures.loop_lag.append((time.monotonic() - before - 0.1) * 1000)

    async def token_refresher(self) -> None:
        """Access tokens live 10 minutes: long runs get fresh ones, signed here as by `login`."""
        import jwt
        from rest_framework_simplejwt.tokens import AccessToken

        def fresh(old: str) -> str:
            token = AccessToken()
            for name, value in jwt.decode(old, options={"verify_signature": False}).items():
                if name not in ("exp", "iat", "jti"):
                    token[name] = value
            return str(token)

        while not self.stopping:
            await asyncio.sleep(self.args.token_refresh_seconds)
            for peer in self.everyone:
                peer.access = fresh(peer.access)
                await asyncio.sleep(0)
            self.figures.counts["access_tokens_refreshed"] += len(self.everyone)

    def worker_pids(self) -> list[int]:
        return [pid for server in self.servers for pid in server.worker_pids()]

    def sample(self, elapsed: float) -> dict[str, Any]:
        pids = self.worker_pids()
        rss = [ws_bench.rss_kib(pid) for pid in pids]
        pg = self.pg_connections()
        clients = ws_bench.redis_clients(self.redis)
        return {"t": round(elapsed), "pids": pids, "rss_kib": rss, "pg": pg, "redis": clients}

    async def watcher(self, started: float) -> None:
        """PostgreSQL connections every 2 s; RSS, Redis clients and a progress line every 10 s."""
        next_sample = started
        while not self.stopping:
            elapsed = time.monotonic() - started
            if time.monotonic() >= next_sample:
                next_sample += SAMPLE_SECONDS
                point = await self.in_db(self.sample, elapsed)
                self.record_sample(point)
                self.progress(elapsed, point)
            else:
                self.samples["pg"].append(await self.in_db(self.pg_connections))
            await asyncio.sleep(PG_SAMPLE_SECONDS)

    def record_sample(self, point: dict[str, Any]) -> None:
        self.samples["pg"].append(point["pg"])
        self.samples["pg_series"].append(point["pg"])
        self.samples["redis"].append(point["redis"])
        self.samples["worker_pids"].append(point["pids"])
        for pid, kib in zip(point["pids"], point["rss_kib"], strict=True):
            self.samples["rss_kib"][pid].append(kib)

    def progress(self, elapsed: float, point: dict[str, Any]) -> None:
        f = self.figures
        connected = sum(1 for peer in self.everyone if peer.socket is not None)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu = usage.ru_utime + usage.ru_stime
        window = max(elapsed - getattr(self, "_last_elapsed", 0.0), 1e-9)
        cpu_percent = (cpu - getattr(self, "_last_cpu", cpu)) / window * 100
        self._last_cpu, self._last_elapsed = cpu, elapsed
        delivery = [v for values in f.delivery.values() for v in values[-2000:]]
        p99 = percentiles(delivery)
        phase = "measuring" if self.measuring else "warm-up"
        print(
            f"[soak {elapsed:6.0f}s {phase}] sockets {connected}/{len(self.everyone)}"
            f" | match {f.counts['match_query']} invite {f.counts['invite']}"
            f" answer {f.counts['answer']} chat.send {f.counts['chat_send']}"
            f" chat REST {f.counts['chat_rest']}"
            f" | events live {f.live} replayed {f.replayed}"
            f" delivery p99 {p99['p99'] if p99 else '-'} ms"
            f" | reconnects {f.reconnects} errors {sum(f.errors.values())}"
            f" | rss MiB {[round(kib / 1024, 1) for kib in point['rss_kib']]}"
            f" pg {point['pg']} redis {point['redis'].get('all')}"
            f" | client cpu {cpu_percent:.0f}%",
            file=sys.stderr,
            flush=True,
        )

    # --- The run ---

    async def run(self) -> dict[str, Any]:
        args = self.args
        # SIGTERM and SIGHUP cancel the run as Ctrl-C does (asyncio.run's own SIGINT handling).
        loop, run = asyncio.get_running_loop(), asyncio.current_task()
        assert run is not None
        for signum in (signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(signum, run.cancel)
        limits = httpx.Limits(max_connections=128, max_keepalive_connections=128)
        report: dict[str, Any] = {}
        async with httpx.AsyncClient(limits=limits, timeout=30) as self.http:
            await self.in_db(self.db_connect)
            print(f"opening {len(self.everyone)} sockets...", file=sys.stderr, flush=True)
            opening = asyncio.create_task(self.open_sampler())
            report["open"] = await self.open_all()
            self.started = True
            await opening
            started = time.monotonic()
            background = [
                asyncio.create_task(coroutine)
                for coroutine in (
                    self.watcher(started),
                    self.lag_monitor(),
                    self.disconnector(),
                    self.answerer(),
                    self.token_refresher(),
                    self.steady(args.match_rate, self.match_query),
                    self.steady(args.invite_rate, self.invite),
                    self.steady(args.chat_ws_rate, self.chat_send),
                    self.steady(args.chat_rest_rate, self.chat_rest),
                )
            ]
            await asyncio.sleep(args.warm_up)
            # The measured period starts: latencies, CPU, memory at start.
            self.measuring = True
            cpu_start = self.cpu_now()
            start_point = await self.in_db(self.sample, time.monotonic() - started)
            await asyncio.sleep(args.duration)
            end_point = await self.in_db(self.sample, time.monotonic() - started)
            cpu_end = self.cpu_now()
            self.measuring = False
            self.stopping = True
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            print("load stopped; waiting for answers and catch-up...", file=sys.stderr, flush=True)
            report["drain"] = await self.drain()
            final_point = await self.in_db(self.sample, time.monotonic() - started)
            self.record_sample(final_point)
            report["accounting"] = await self.in_db(self.accounting)
            await self.close_all()
            await self.in_db(self.db_close)
        report["memory"] = self.memory(start_point, end_point, final_point)
        report["cpu"] = self.cpu_figures(cpu_start, cpu_end)
        return report

    async def drain(self) -> dict[str, Any]:
        """Finishes what is under way, reconnects everyone, and waits until every socket has
        everything its user's log holds (or CATCH_UP_SECONDS pass)."""
        began = time.monotonic()
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=30)
        deadline = time.monotonic() + 60
        while self.reconnecting and time.monotonic() < deadline:
            await asyncio.wait(set(self.reconnecting), timeout=deadline - time.monotonic())
        offline = [peer for peer in self.everyone if peer.socket is None]
        for peer in offline:  # reconnects that gave up: once more, now
            await self.open_socket(peer, self.rng.randrange(len(self.servers)))
        deadline = time.monotonic() + CATCH_UP_SECONDS
        ids = [peer.user_id for peer in self.everyone]
        behind = len(ids)
        while time.monotonic() < deadline:
            last = await self.in_db(self.last_seqs, ids)
            behind = sum(1 for peer in self.everyone if peer.max_seq < last.get(peer.user_id, 0))
            awaited = sum(
                1 for _, _, peer, socket in self.pending_acks.values() if peer.socket is socket
            )  # an ack can only come on the socket that sent it
            if not behind and not awaited:
                break
            await asyncio.sleep(0.5)
        unacked = Counter(
            "socket still open" if peer.socket is socket else "socket closed before the ack"
            for _, _, peer, socket in self.pending_acks.values()
        )
        for reason, count in unacked.items():
            if reason == "socket still open":
                self.error("chat_send no ack", f"{count} sends")
            else:
                self.figures.counts["chat_send_unacked_socket_closed"] += count
        return {
            "seconds": round(time.monotonic() - began, 1),
            "users_behind_at_end": behind,
            "reconnected_at_end": len(offline),
        }

    def last_seqs(self, ids: list[int]) -> dict[int, int]:
        assert self.pg is not None
        rows = self.pg.execute(
            "SELECT user_id, last_seq FROM realtime_eventcursor WHERE user_id = ANY(%s)", (ids,)
        ).fetchall()
        return {int(user_id): int(seq) for user_id, seq in rows}

    def accounting(self) -> dict[str, Any]:
        """Every user's log against what their sockets received, and against what the generator
        did."""
        assert self.pg is not None
        ids = [peer.user_id for peer in self.everyone]
        logged: dict[int, dict[int, tuple[str, str | None]]] = defaultdict(dict)
        with (
            self.pg.transaction(),
            self.pg.cursor(name="soak_events") as cursor,  # server-side: long runs log a lot
        ):
            cursor.itersize = 20_000
            cursor.execute(
                f"SELECT user_id, seq, kind, {KEY_SQL} FROM realtime_event"  # noqa: S608
                " WHERE user_id = ANY(%s)",
                (ids,),
            )
            for user_id, seq, kind, key in cursor:
                logged[int(user_id)][int(seq)] = (kind, key)
        recorded = Counter(kind for events in logged.values() for kind, _ in events.values())
        lost_by_kind: Counter[str] = Counter()
        received_not_logged = 0
        log_gaps = 0
        logged_twice = 0
        received_twice = 0
        examples: list[dict[str, Any]] = []
        received_subjects: Counter[tuple[int, str, str]] = Counter()
        for peer in self.everyone:
            events = logged.get(peer.user_id, {})
            if events and sorted(events) != list(range(1, max(events) + 1)):
                log_gaps += 1
            missing = sorted(set(events) - peer.seen)
            for seq in missing:
                lost_by_kind[events[seq][0]] += 1
            if missing and len(examples) < 5:
                examples.append(
                    {
                        "user_id": peer.user_id,
                        "missing_seqs": missing[:10],
                        "max_received": peer.max_seq,
                    }
                )
            received_not_logged += len(peer.seen - set(events))
            keys = Counter(key for _, key in events.values() if key is not None)
            logged_twice += sum(count - 1 for count in keys.values() if count > 1)
            received_twice += sum(count - 1 for count in peer.keys.values() if count > 1)
            for key in peer.keys:
                kind, object_id = subject(key)
                received_subjects[(peer.user_id, kind, object_id)] += 1
        short = {
            subject_: count - received_subjects[subject_]
            for subject_, count in self.expected.items()
            if received_subjects[subject_] < count
        }
        return {
            "logged": sum(recorded.values()),
            "logged_by_kind": dict(recorded),
            "received_distinct": sum(len(peer.seen) for peer in self.everyone),
            "lost": sum(lost_by_kind.values()),
            "lost_by_kind": dict(lost_by_kind),
            "lost_examples": examples,
            "received_not_in_log": received_not_logged,
            "log_gaps_users": log_gaps,
            "duplicate_seqs_received": dict(self.figures.duplicate_seqs),
            "duplicates_after_dedupe": received_twice,
            "same_event_logged_twice": logged_twice,
            "out_of_order": self.figures.out_of_order,
            "expected_by_generator": sum(self.expected.values()),
            "generator_events_missing": sum(short.values()),
            "generator_missing_examples": [
                {"user_id": user, "kind": kind, "id": object_id, "missing": n}
                for (user, kind, object_id), n in list(short.items())[:5]
            ],
        }

    async def close_all(self) -> None:
        for peer in self.everyone:
            peer.closing = True
        sockets = [peer.socket for peer in self.everyone if peer.socket is not None]
        gate = asyncio.Semaphore(200)

        async def one(socket: ClientConnection) -> None:
            async with gate:
                await socket.close()

        await asyncio.gather(*(one(socket) for socket in sockets), return_exceptions=True)
        readers = [peer.reader for peer in self.everyone if peer.reader is not None]
        if readers:
            await asyncio.wait(readers, timeout=10)

    def db_close(self) -> None:
        if self.pg is not None:
            self.pg.close()

    # --- Figures ---

    def cpu_now(self) -> dict[str, Any]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        ticks = [int(value) for value in fields]
        pids = self.worker_pids()
        return {
            "at": time.monotonic(),
            "client": usage.ru_utime + usage.ru_stime,
            "servers": {pid: ws_bench.cpu_seconds(pid) for pid in pids},
            "machine_busy": sum(ticks) - ticks[3] - ticks[4],  # all but idle and iowait
            "machine_all": sum(ticks),
        }

    def cpu_figures(self, start: dict[str, Any], end: dict[str, Any]) -> dict[str, Any]:
        seconds = end["at"] - start["at"]
        client = end["client"] - start["client"]
        return {
            "seconds": round(seconds, 1),
            "client_cpu_seconds": round(client, 1),
            "client_percent_of_a_core": round(client / seconds * 100, 1),
            "client_processes": 1,
            "server_percent_of_a_core": {
                str(pid): round((end["servers"][pid] - was) / seconds * 100, 1)
                for pid, was in start["servers"].items()
                if pid in end["servers"]
            },
            "machine_busy_percent": round(
                (end["machine_busy"] - start["machine_busy"])
                / max(1, end["machine_all"] - start["machine_all"])
                * 100,
                1,
            ),
            "cpus": os.cpu_count(),
            "event_loop_lag_ms": percentiles(self.figures.loop_lag),
        }

    def memory(
        self, start: dict[str, Any], end: dict[str, Any], final: dict[str, Any]
    ) -> dict[str, Any]:
        per_process = []
        for pid, at_start in zip(start["pids"], start["rss_kib"], strict=True):
            at_end = dict(zip(end["pids"], end["rss_kib"], strict=True)).get(pid)
            per_process.append(
                {
                    "pid": pid,
                    "rss_start_mib": round(at_start / 1024, 1),
                    "rss_end_mib": round(at_end / 1024, 1) if at_end is not None else None,
                    "growth_mib": round((at_end - at_start) / 1024, 1) if at_end else None,
                    "every_10s_mib": [round(kib / 1024, 1) for kib in self.samples["rss_kib"][pid]],
                    # Flat means ~0: the slope over the later half of the samples.
                    "later_half_mib_per_minute": later_half_slope(self.samples["rss_kib"][pid]),
                }
            )
        pids_seen = {tuple(pids) for pids in self.samples["worker_pids"]}
        redis_all = [point.get("all", 0) for point in self.samples["redis"]]
        return {
            "daphne_processes": per_process,
            "worker_restarts": len(pids_seen) - 1,
            "postgres_connections": {
                "max": max(self.samples["pg"], default=None),
                "final": final["pg"],
                "every_10s": self.samples["pg_series"],
                # Backends waiting on a row lock when sampled (every 2 s, measured period).
                "lock_waits_by_statement": dict(
                    self.samples["lock_waits_by_statement"].most_common(6)
                ),
                "waiting_on_a_lock": {
                    "max": max(self.samples["pg_lock_waits"], default=None),
                    "mean": round(
                        sum(self.samples["pg_lock_waits"])
                        / max(1, len(self.samples["pg_lock_waits"])),
                        2,
                    ),
                },
            },
            "redis_clients": {
                "max": max(redis_all, default=None),
                "final": final["redis"],
                "every_10s": redis_all,
            },
        }

    def latency_report(self) -> dict[str, Any]:
        figures = self.figures
        delivery_all = [value for values in figures.delivery.values() for value in values]
        names = (
            "match_query", "invite", "answer", "chat_rest", "chat_send_ack", "ticket",
            "connect_to_hello", "open_ticket", "open_connect_to_hello",
        )  # fmt: skip
        return {
            **{name: percentiles(figures.latency.get(name, [])) for name in names},
            "event_delivery": percentiles(delivery_all),
            "event_delivery_by_kind": {
                kind: percentiles(values) for kind, values in sorted(figures.delivery.items())
            },
        }


def later_half_slope(samples: Sequence[int]) -> float | None:
    """MiB a minute between the middle and the last of RSS samples taken every SAMPLE_SECONDS."""
    if len(samples) < 3:
        return None
    middle = len(samples) // 2
    minutes = (len(samples) - 1 - middle) * SAMPLE_SECONDS / 60
    return round((samples[-1] - samples[middle]) / 1024 / minutes, 2)


# --- Setup ------------------------------------------------------------------------------------


def check_redis() -> None:
    """Flushing is only for a database that is empty or this bench's own."""
    url = ws_bench.ENV["REDIS_URL"].split(",")[0]
    client = redis.Redis.from_url(url)
    if client.dbsize() and not client.exists(REDIS_MARKER):
        keys = [key.decode(errors="replace") for key in client.scan_iter(count=100)][:3]
        raise SystemExit(
            f"{url} holds {client.dbsize()} keys that are not this bench's (e.g. {keys}): point"
            " BENCH_REDIS_URL at an unused Redis database (the bench flushes it)"
        )


def seed(
    args: argparse.Namespace, rng: random.Random
) -> tuple[list[Peer], list[Peer], list[Conversation], Slots]:
    """Owners in `--metros` metros, moderators, and one accepted playdate per pair of owners of
    a metro, written straight into the database."""
    from django.utils import timezone

    from accounts.models import User
    from matching.models import Playdate

    peers: list[Peer] = []
    metros = METROS[: args.metros]
    for index, spot in enumerate(metros):
        count = args.owners // len(metros) + (1 if index < args.owners % len(metros) else 0)
        owners = ws_bench.make_owners(count, f"soak{index}", near=spot)
        peers.extend(Peer(owner, index) for owner in owners)
    moderators = [
        Peer(owner, -1) for owner in ws_bench.make_owners(args.moderators, "mod", with_pets=False)
    ]
    User.objects.filter(pk__in=[peer.user_id for peer in moderators]).update(role="moderator")
    slots = Slots(rng)
    pairs: list[tuple[Peer, Peer]] = []
    for metro in range(len(metros)):
        members = [peer for peer in peers if peer.metro == metro]
        rng.shuffle(members)
        pairs.extend(zip(members[0::2], members[1::2], strict=False))
    now = timezone.now()
    rows = [
        Playdate(
            pet_1_id=inviter.pet_id,
            pet_2_id=invitee.pet_id,
            inviter_id=inviter.user_id,
            invitee_id=invitee.user_id,
            date_time=slots.pick(inviter.pet_id, invitee.pet_id),
            location_name="Riverside dog park",
            status="accepted",
            accepted_at=now,
        )
        for inviter, invitee in pairs
    ]
    made = Playdate.objects.bulk_create(rows, batch_size=2000)
    conversations = [
        Conversation(playdate.pk, inviter, invitee)
        for playdate, (inviter, invitee) in zip(made, pairs, strict=True)
    ]
    return peers, moderators, conversations, slots


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n    ")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--duration", type=float, default=300, help="measured seconds (default 300)")
    add("--warm-up", type=float, default=10, help="seconds of load before measuring (default 10)")
    add("--owners", type=int, default=2000, help="connected owners (default 2000)")
    add("--moderators", type=int, default=1, help="connected moderators (default 1)")
    add("--metros", type=int, default=4, choices=range(1, len(METROS) + 1), help="(default 4)")
    add("--match-rate", type=float, default=20, help="match queries a second (default 20)")
    add("--invite-rate", type=float, default=4, help="invitations a second (default 4)")
    add("--chat-ws-rate", type=float, default=20, help="chat.send frames a second (default 20)")
    add("--chat-rest-rate", type=float, default=4, help="REST chat messages a second (default 4)")
    add(
        "--disconnect-percent",
        type=float,
        default=3,
        help="sockets dropped a minute, in %% (default 3)",
    )
    add(
        "--answer-delay",
        type=float,
        nargs=2,
        default=[1.0, 8.0],
        metavar=("MIN", "MAX"),
        help="seconds before an invitation or counter-proposal is answered (default 1 8)",
    )
    add(
        "--offline-seconds",
        type=float,
        nargs=2,
        default=[0.5, 10.0],
        metavar=("MIN", "MAX"),
        help="how long a dropped socket stays away before it resumes (default 0.5 10)",
    )
    add(
        "--offline-bias",
        type=float,
        default=0.3,
        help="share of chat messages sent to an owner who is offline (default 0.3)",
    )
    add("--open-concurrency", type=int, default=64, help="sockets opened at once at start")
    add(
        "--token-refresh-seconds",
        type=float,
        default=ACCESS_REFRESH_SECONDS,
        help=argparse.SUPPRESS,
    )
    add("--seed", type=int, default=1, help="random seed (default 1)")
    add(
        "--private-redis",
        action="store_true",
        help="run a throwaway redis-server for the servers instead of database 12 of the local"
        " one (for a machine whose Redis databases others are using)",
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    interrupt_on_termination()
    ws_bench.raise_open_files_limit()
    with ExitStack() as stack:
        if args.private_redis:
            ws_bench.ENV["REDIS_URL"] = stack.enter_context(private_redis())
        else:
            check_redis()
        soak, report = setup_and_run(args, stack)
    print(json.dumps(summary(args, soak, report)), flush=True)


def setup_and_run(args: argparse.Namespace, stack: ExitStack) -> tuple[Soak, dict[str, Any]]:
    rng = random.Random(args.seed)
    print(f"preparing {DATABASE}...", file=sys.stderr, flush=True)
    ws_bench.prepare_database()
    redis.Redis.from_url(ws_bench.ENV["REDIS_URL"].split(",")[0]).set(REDIS_MARKER, "1")
    sys.path.insert(0, str(ws_bench.ROOT))
    os.environ.update(ws_bench.ENV)
    import django

    django.setup()
    from django.db import connection

    began = time.monotonic()
    peers, moderators, conversations, slots = seed(args, rng)
    connection.close()
    # Django's pool would keep this process's connections open, counted as the servers'.
    if hasattr(connection, "close_pool"):
        connection.close_pool()
    print(
        f"seeded {len(peers)} owners, {len(moderators)} moderators, {len(conversations)}"
        f" accepted playdates in {time.monotonic() - began:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    servers = stack.enter_context(ws_bench.pawdate_servers(2))
    try:
        print(
            f"servers: ports {[server.port for server in servers]},"
            f" daphne pids {[server.worker_pids() for server in servers]},"
            f" Redis {ws_bench.ENV['REDIS_URL']}",
            file=sys.stderr,
            flush=True,
        )
        soak = Soak(args, servers, peers, moderators, conversations, slots)
        try:
            return soak, asyncio.run(soak.run())
        finally:
            interrupt_on_termination()  # the loop's handlers went with it
    finally:
        for server in servers:
            stop_process_group(server.process)


def summary(args: argparse.Namespace, soak: Soak, report: dict[str, Any]) -> dict[str, Any]:
    figures = soak.figures
    return {
        "bench": "soak",
        "duration_seconds": args.duration,
        "warm_up_seconds": args.warm_up,
        "owners": len(soak.peers),
        "moderators": len(soak.moderators),
        "servers": "2 x `manage.py serve --workers 1` (PostgreSQL + Redis)",
        "redis": ws_bench.ENV["REDIS_URL"],
        "rates_per_second": {
            "match_query": args.match_rate,
            "invite": args.invite_rate,
            "answer": "each invitation and counter-proposal, after "
            f"{args.answer_delay[0]}-{args.answer_delay[1]} s (25 % counter, else 2:1 accept)",
            "chat_send": args.chat_ws_rate,
            "chat_rest": args.chat_rest_rate,
            "disconnects_percent_per_minute": args.disconnect_percent,
            "offline_seconds": args.offline_seconds,
            "chat_to_offline_owners": args.offline_bias,
        },
        "open": report["open"],
        "latency_ms": soak.latency_report(),
        "counts": dict(sorted(figures.counts.items())),
        "counted_over_seconds": args.warm_up + args.duration,
        "achieved_per_second": {
            name: round(figures.counts[name] / (args.duration + args.warm_up), 1)
            for name in ("match_query", "invite", "answer", "chat_send", "chat_rest")
        },
        "errors": dict(sorted(figures.errors.items())),
        "error_samples": figures.error_samples,
        "events": {
            **report["accounting"],
            "delivered_live": figures.live,
            "replayed": figures.replayed,
            "frames": dict(figures.frames),
        },
        "sockets": {
            "reconnects": figures.reconnects,
            "disconnects_injected": dict(figures.injected),
            "closed_by_server": dict(figures.closed_by_server),
            "connect_failures": dict(figures.connect_failures),
            "drain": report["drain"],
        },
        **report["memory"],
        "cpu": report["cpu"],
    }


if __name__ == "__main__":
    try:
        main()
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted: servers stopped", file=sys.stderr)
        sys.exit(130)
