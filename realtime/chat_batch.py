"""Chat messages sent on sockets, stored in batches: a group commit per batch, not per message.

Each message alone cost a process ~3 ms of CPU (its queries, transaction and Redis round trip).
Here a process's sockets hand their messages to the loop's batcher; whatever has come in while
the worker threads were busy goes to the database together, through
`chat_services.message_send_many` (a few queries, one transaction), and each socket gets its own
message's outcome (in batches of 50 to 100, about 0.2 ms of CPU each). Nothing waits on
purpose: with a thread free a message goes at once, alone.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import NamedTuple

from realtime import chat_services as services
from realtime.chat_selectors import MessageData, message_data
from realtime.workers import in_pool

# The most messages stored in one transaction.
MAX_BATCH = 200
# The most batches a process stores at once. Batches of one conversation take the same owners'
# log rows, so more at once mostly wait on each other's locks: with 1,000 messages/s over two
# processes, 4 at once gave p99 301 ms, 2 gave 62 ms, 1 gave 366 ms (bench/chat_bench.py).
MAX_IN_FLIGHT = 2


def store_many(messages: list[services.NewMessage]) -> list[MessageData | Exception]:
    """Sends `messages` (`message_send_many`); each one's outcome, as its sender's socket shows
    it (with its `ref`)."""
    return [
        outcome
        if isinstance(outcome, Exception)
        else message_data(outcome, viewer_id=sent.sender_id)
        for sent, outcome in zip(messages, services.message_send_many(messages), strict=True)
    ]


class _Waiting(NamedTuple):
    message: services.NewMessage
    outcome: asyncio.Future[MessageData]


class Batcher:
    """One per event loop: the messages waiting to be stored, and the batches being stored (at
    most MAX_IN_FLIGHT, on `realtime.workers`' threads)."""

    def __init__(self) -> None:
        self.waiting: list[_Waiting] = []
        self.in_flight = 0
        self.flush_due = False
        self.tasks: set[asyncio.Task[None]] = set()

    async def submit(self, message: services.NewMessage) -> MessageData:
        outcome: asyncio.Future[MessageData] = asyncio.get_running_loop().create_future()
        self.waiting.append(_Waiting(message, outcome))
        self.flush_soon()
        return await outcome

    def flush_soon(self) -> None:
        """Flushes once the loop has run what is ready now: the messages of every frame that
        came in together go in one batch."""
        if not self.flush_due and self.waiting and self.in_flight < MAX_IN_FLIGHT:
            self.flush_due = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        self.flush_due = False
        # A socket that closed meanwhile no longer waits for its message.
        self.waiting = [waiting for waiting in self.waiting if not waiting.outcome.done()]
        while self.waiting and self.in_flight < MAX_IN_FLIGHT:
            batch, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
            self.in_flight += 1
            task = asyncio.get_running_loop().create_task(self.store(batch))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def store(self, batch: list[_Waiting]) -> None:
        try:
            outcomes = await in_pool(store_many)([waiting.message for waiting in batch])
        except Exception as error:
            outcomes = [error] * len(batch)
        finally:
            self.in_flight -= 1
            self.flush_soon()
        for waiting, outcome in zip(batch, outcomes, strict=True):
            if waiting.outcome.done():
                continue
            if isinstance(outcome, Exception):
                waiting.outcome.set_exception(outcome)
            else:
                waiting.outcome.set_result(outcome)


_batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Batcher] = (
    weakref.WeakKeyDictionary()
)


def batcher() -> Batcher:
    """The running event loop's batcher."""
    loop = asyncio.get_running_loop()
    found = _batchers.get(loop)
    if found is None:
        found = _batchers[loop] = Batcher()
    return found


async def submit(user_id: int, playdate_id: int, body: str, ref: str | None) -> MessageData:
    """Sends `user_id`'s message with the next batch; the stored message, or the error that
    `chat_services.message_send` would raise for it. A bad body is refused at once."""
    message = services.NewMessage(user_id, playdate_id, services.clean_body(body), ref)
    return await batcher().submit(message)
