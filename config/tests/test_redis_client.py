"""config.redis: one client per process, however many threads ask for it first at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from config import redis as shared_redis


def test_threads_asking_at_the_same_moment_get_one_client_built_once() -> None:
    # given: a builder that is slow, so that every thread is inside it at once
    built: list[object] = []
    everyone_waiting = threading.Barrier(8)

    def build() -> object:
        built.append(made := object())
        return made

    lazy = shared_redis.once(build)

    def ask() -> object:
        everyone_waiting.wait()
        return lazy()

    # when
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: ask(), range(8)))

    # then
    assert len(built) == 1
    assert {id(answer) for answer in answers} == {id(built[0])}


def test_cache_clear_builds_anew_on_the_next_call() -> None:
    counter = iter(range(10))
    lazy = shared_redis.once(lambda: next(counter))

    first = lazy()
    again = lazy()
    lazy.cache_clear()

    assert (first, again, lazy()) == (0, 0, 1)


def test_the_shared_client_answers_from_many_threads_on_first_use() -> None:
    # given: no client built yet in this process
    shared_redis.client.cache_clear()
    everyone_waiting = threading.Barrier(6)

    def ping() -> bool:
        everyone_waiting.wait()
        return bool(shared_redis.client().ping())

    # when: six threads use it first at the same moment, a few times each
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = [pool.submit(ping) for _ in range(6)]
        results = [answer.result() for answer in answers]

    # then: every ping answered (a second client collected meanwhile closed no one's socket)
    assert results == [True] * 6
