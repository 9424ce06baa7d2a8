"""Chat under load: conversations over two servers, stored and delivered to both owners.

Starts two Pawdate servers (`manage.py serve --workers 1`, twice) on PostgreSQL (its own
database, `pawdate_chat_bench`, emptied at start) and Redis (database 13, flushed). N
conversations: 2N owners, one pending playdate per pair, written straight into the database;
the two owners of a conversation are on different servers, so every message crosses processes.
Each owner's socket sends `chat.send` at a steady rate (`--rates`, per owner per second, one
step each, `--duration` seconds); a message counts as delivered when its `chat.message` frame
has reached both owners (the sender's own socket included). Latency: the send, on the client,
to the later of the two frames (CLOCK_MONOTONIC, shared by every process on the machine).

Steps go up until p99 passes 100 ms or a message is lost (the knee), then the same load runs
against bench/bare_relay.py (each frame a client sends relayed to its pair's group, the Channels
tutorial's chat without storage), for the ratio. Prints one JSON object per step, then a
summary.

    .venv/bin/python bench/chat_bench.py [--conversations 500] [--rates 0.5 1 1.5 2 ...]
        [--moderators 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import timedelta
from multiprocessing.connection import Connection
from typing import Any

import httpx
import ws_bench
from common import server_env
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed
from ws_bench import Clients, ClientWorker, Owner, Server, percentiles

ws_bench.DATABASE = "pawdate_chat_bench"
# Messages are the load here: the per-user chat limit must not be what stops them.
ws_bench.ENV = server_env(
    database=ws_bench.DATABASE,
    redis_url="redis://127.0.0.1:6379/13",
    SECURE_SSL_REDIRECT="0",
    RATE_LIMIT_CHAT_MESSAGE="1000/10",
)
KNEE_P99_MS = 100.0
# Each worker numbers its messages from worker * KEY_SPAN: keys are unique across workers.
KEY_SPAN = 10_000_000


class ChatWorker(ClientWorker):
    """Holds sockets with the playdate each one talks in; sends and times chat messages."""

    def __init__(self, pipe: Connection) -> None:
        super().__init__(pipe)
        self.talkers: list[tuple[ClientConnection, int]] = []
        self.sent: dict[int, float] = {}
        self.acked: dict[int, float] = {}
        self.delivered: list[tuple[int, float]] = []
        self.errors: Counter[str] = Counter()
        self.worker = 0
        self.count = 0

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        commands: dict[str, Callable[..., Any]] = {
            "talk_open": self.talk_open,
            "talk": self.talk,
            "collect": self.collect,
        }
        while True:
            name, arguments = await loop.run_in_executor(None, self.pipe.recv)
            if name == "exit":
                return
            if name == "close":
                self.talkers = []
                self.pipe.send(await self.close())
                continue
            self.pipe.send(await commands[name](**arguments))

    async def talk_open(
        self, worker: int, kind: str, items: list[tuple[str, str, int]], concurrency: int
    ) -> dict[str, Any]:
        """Opens one socket per (url or ticket port, access token or group, playdate id)."""
        self.worker, self.count = worker, 0
        gate = asyncio.Semaphore(concurrency)
        errors: list[str] = []
        async with httpx.AsyncClient(timeout=30) as http:

            async def one(port: str, value: str, playdate_id: int) -> None:
                async with gate:
                    try:
                        if kind == "gateway":
                            ticket = await self.ticket(http, int(port), value)
                            url = f"ws://{ws_bench.HOST}:{port}/ws/?ticket={ticket}"
                        else:
                            url = f"ws://{ws_bench.HOST}:{port}/relay/?group={value}"
                        await self.connect(url, f"http://{ws_bench.HOST}:{port}")
                        self.talkers.append((self.sockets[-1], playdate_id))
                    except Exception as error:
                        errors.append(repr(error)[:200])

            await asyncio.gather(*(one(*item) for item in items))
        return {"opened": len(self.talkers), "errors": errors}

    async def read(self, socket: ClientConnection) -> None:
        try:
            async for raw in socket:
                received = time.monotonic()
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "chat.message":
                    key = int(frame["data"]["message"]["body"].rsplit(" ", 1)[1])
                    self.delivered.append((key, received))
                elif kind == "ack":
                    self.acked[int(frame["ref"])] = received
                elif kind == "error":
                    self.errors[frame["data"]["code"]] += 1
        except ConnectionClosed:
            pass
        if not self.closing:
            self.dropped.append(socket.close_code)

    async def talk(self, kind: str, rate: float, duration: float) -> dict[str, Any]:
        """Every socket sends `rate` messages a second for `duration` seconds, spread evenly."""
        total_rate = rate * len(self.talkers)
        total = int(total_rate * duration)
        began = time.monotonic()
        for index in range(total):
            delay = began + index / total_rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            socket, playdate_id = self.talkers[index % len(self.talkers)]
            key = self.worker * KEY_SPAN + self.count
            self.count += 1
            body = f"bench {key}"
            if kind == "gateway":
                data = {"playdate_id": playdate_id, "body": body}
                text = json.dumps({"type": "chat.send", "ref": str(key), "data": data})
            else:  # what the relay sends back is the frame itself
                text = json.dumps({"type": "chat.message", "data": {"message": {"body": body}}})
            self.sent[key] = time.monotonic()
            try:
                await socket.send(text)
            except ConnectionClosed:
                self.errors["closed"] += 1
        return {"sent": total, "seconds": time.monotonic() - began}

    async def collect(self) -> dict[str, Any]:
        figures = {
            "sent": self.sent,
            "acked": self.acked,
            "delivered": self.delivered,
            "errors": dict(self.errors),
            "dropped": self.dropped,
        }
        self.sent, self.acked, self.delivered, self.errors, self.dropped = {}, {}, [], Counter(), []
        return figures


def chat_client_main(pipe: Connection) -> None:
    asyncio.run(ChatWorker(pipe).run())


def make_conversations(count: int) -> list[tuple[Owner, Owner, int]]:
    """`count` pairs of owners, each with a pending playdate two days ahead."""
    from django.utils import timezone

    from matching.models import Playdate

    owners = ws_bench.make_owners(2 * count, "chat")
    pairs = list(zip(owners[0::2], owners[1::2], strict=True))
    when = timezone.now() + timedelta(days=2)
    playdates = Playdate.objects.bulk_create(
        [
            Playdate(
                pet_1_id=inviter.pet_id,
                pet_2_id=invitee.pet_id,
                inviter_id=inviter.user_id,
                invitee_id=invitee.user_id,
                awaiting_user_id=invitee.user_id,
                date_time=when + timedelta(minutes=index),
                location_name="Riverside dog park",
            )
            for index, (inviter, invitee) in enumerate(pairs)
        ]
    )
    return [
        (inviter, invitee, playdate.pk)
        for (inviter, invitee), playdate in zip(pairs, playdates, strict=True)
    ]


def make_moderators(count: int) -> None:
    """Moderators, so that every message also writes the moderators' activity item and a
    `moderation.activity` event for each of them, as in production (seed_demo makes one)."""
    from accounts.models import User

    User.objects.bulk_create(
        [
            User(email=f"moderator.{n}@bench.local", username=f"moderator {n}", role="moderator")
            for n in range(count)
        ]
    )


def talk_items(
    conversations: Sequence[tuple[Owner, Owner, int]], servers: Sequence[Server], kind: str
) -> list[tuple[str, str, int]]:
    """(port, access token or relay group, playdate id) per socket; a pair's two owners on two
    servers."""
    items = []
    for inviter, invitee, playdate_id in conversations:
        for side, owner in enumerate((inviter, invitee)):
            port = str(servers[side % len(servers)].port)
            value = owner.access if kind == "gateway" else f"bench.chat.{playdate_id}"
            items.append((port, value, playdate_id))
    return items


def open_talkers(
    clients: Clients, kind: str, items: Sequence[tuple[str, str, int]], concurrency: int
) -> dict[str, Any]:
    dealt = clients.deal(items)
    replies = clients.call(
        "talk_open",
        [
            {"worker": index + 1, "kind": kind, "items": share, "concurrency": concurrency}
            for index, share in enumerate(dealt)
        ],
    )
    errors = [error for reply in replies for error in reply["errors"]]
    return {
        "opened": sum(reply["opened"] for reply in replies),
        "failures": len(errors),
        "errors": dict(Counter(errors).most_common(3)),
    }


def step(clients: Clients, kind: str, rate: float, duration: float) -> dict[str, Any]:
    """One load step: every socket sends at `rate`; the figures once everything arrived or the
    delivery timeout passed."""
    talked = clients.call(
        "talk", [{"kind": kind, "rate": rate, "duration": duration}] * len(clients.pipes)
    )
    sent: dict[int, float] = {}
    acked: dict[int, float] = {}
    arrivals: dict[int, list[float]] = {}
    errors: Counter[str] = Counter()
    dropped: list[int | None] = []
    deadline = time.monotonic() + ws_bench.DELIVERY_TIMEOUT_SECONDS
    while True:
        for reply in clients.call("collect"):
            sent.update({int(key): at for key, at in reply["sent"].items()})
            acked.update({int(key): at for key, at in reply["acked"].items()})
            for key, at in reply["delivered"]:
                arrivals.setdefault(int(key), []).append(at)
            errors.update(reply["errors"])
            dropped.extend(reply["dropped"])
        complete = all(len(arrivals.get(key, ())) >= 2 for key in sent)
        if complete or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    both = {key: sorted(times)[1] for key, times in arrivals.items() if len(times) >= 2}
    latencies = [(both[key] - at) * 1000 for key, at in sent.items() if key in both]
    ack_ms = [(acked[key] - at) * 1000 for key, at in sent.items() if key in acked]
    first_send = min(sent.values(), default=0.0)
    last_delivery = max(both.values(), default=first_send)
    seconds = max(last_delivery - first_send, 1e-9)
    figures: dict[str, Any] = {
        "rate_per_owner": rate,
        "offered_per_second": round(sum(reply["sent"] for reply in talked) / duration, 1),
        "sent": len(sent),
        "delivered_to_both": len(both),
        "delivered_per_second": round(len(both) / seconds, 1),
        "lost": len(sent) - len(both),
        "duplicates": sum(max(0, len(times) - 2) for times in arrivals.values()),
        "errors": dict(errors),
        "sockets_closed_by_server": dict(Counter(str(code) for code in dropped)),
        "latency_ms": percentiles(latencies),
    }
    if kind == "gateway":
        figures["ack_ms"] = percentiles(ack_ms)
    return figures


def stored_messages() -> int:
    from realtime.models import Message

    return Message.objects.count()


def run_steps(
    clients: Clients, kind: str, rates: Sequence[float], duration: float
) -> list[dict[str, Any]]:
    """Steps at each rate until the knee (p99 over KNEE_P99_MS, or a loss)."""
    results = []
    for rate in rates:
        before = stored_messages() if kind == "gateway" else 0
        figures = step(clients, kind, rate, duration)
        if kind == "gateway":
            figures["stored"] = stored_messages() - before
        figures["server"] = kind
        print(json.dumps(figures), flush=True)
        results.append(figures)
        latency = figures["latency_ms"] or {"p99": float("inf")}
        if latency["p99"] > KNEE_P99_MS or figures["lost"]:
            break
        time.sleep(2)
    return results


def knee(results: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The last step within the target: p99 <= KNEE_P99_MS and nothing lost."""
    within = [
        figures
        for figures in results
        if figures["latency_ms"] and figures["latency_ms"]["p99"] <= KNEE_P99_MS
        if not figures["lost"]
    ]
    return within[-1] if within else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=500)
    parser.add_argument(
        "--rates", type=float, nargs="+", default=[0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0]
    )
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--open-concurrency", type=int, default=32, help="per client process")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument(
        "--moderators",
        type=int,
        default=1,
        help="moderators watching the activity feed (each message is an event for each)",
    )
    args = parser.parse_args()

    ws_bench.raise_open_files_limit()
    ws_bench.prepare_database()
    sys.path.insert(0, str(ws_bench.ROOT))
    os.environ.update(ws_bench.ENV)
    import django

    django.setup()
    from django.db import connection

    conversations = make_conversations(args.conversations)
    make_moderators(args.moderators)
    connection.close()
    clients = Clients(args.clients, target=chat_client_main)
    summary: dict[str, Any] = {
        "scenario": "chat summary",
        "conversations": args.conversations,
        "moderators": args.moderators,
    }
    try:
        with ws_bench.pawdate_servers(2) as servers:
            items = talk_items(conversations, servers, "gateway")
            summary["open"] = open_talkers(clients, "gateway", items, args.open_concurrency)
            step(clients, "gateway", args.rates[0], 2)  # warm-up, not counted
            ours = run_steps(clients, "gateway", args.rates, args.duration)
            clients.close()
            time.sleep(3)
        summary["knee"] = knee(ours)
        if not args.skip_baseline:
            with ws_bench.relay_servers(2) as relays:
                items = talk_items(conversations, relays, "relay")
                summary["baseline_open"] = open_talkers(
                    clients, "relay", items, args.open_concurrency
                )
                step(clients, "relay", args.rates[0], 2)
                at = (summary["knee"] or ours[0])["rate_per_owner"]
                (relay,) = run_steps(clients, "relay", [at], args.duration)
                clients.close()
                time.sleep(2)
            summary["baseline_at_knee_rate"] = relay
            ours_at = next(figures for figures in ours if figures["rate_per_owner"] == at)
            if ours_at["latency_ms"] and relay["latency_ms"]:
                summary["latency_ratio_to_bare_relay"] = {
                    name: round(ours_at["latency_ms"][name] / relay["latency_ms"][name], 1)
                    for name in ("p50", "p95", "p99")
                }
        summary["target"] = ">= 1,500 messages/s stored and delivered to both, p99 <= 100 ms"
        summary["cpus"] = os.cpu_count()
        print(json.dumps(summary), flush=True)
    finally:
        clients.stop()


if __name__ == "__main__":
    main()
