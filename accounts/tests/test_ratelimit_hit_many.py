"""hit_many(): many requests counted in one round trip, exactly as `hit` one after the other
would count them, on the same counters (in Redis, or in the process without it or while it is
unreachable)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine

from accounts import ratelimit
from accounts.tests.helpers import WINDOW_START
from config.errors import RateLimited

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["redis", "in the process", "in the process, Redis down"])
def limits(request, settings) -> Iterator[None]:
    """3 requests per 10 seconds, the clock frozen at the start of a window; the counters in
    Redis, or in the process (the embedded default, or while Redis is unreachable)."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "chat_message": (3, 10)}
    if request.param == "in the process":
        settings.REDIS_URLS = []
    elif request.param == "in the process, Redis down":
        settings.REDIS_URLS = ["redis://127.0.0.1:1/0"]
    ratelimit._redis.cache_clear()
    with time_machine.travel(WINDOW_START, tick=False):
        yield
    ratelimit._redis.cache_clear()


def refused(outcomes: list[RateLimited | None]) -> list[float | None]:
    return [None if outcome is None else outcome.retry_after for outcome in outcomes]


def test_each_request_is_counted_in_turn_per_identity(limits):
    # when
    outcomes = ratelimit.hit_many("chat_message", ["a", "b", "a", "a", "a", "b", "a"])

    # then: a's 4th and 5th requests are over the limit, b's 2 are not
    assert refused(outcomes) == [None, None, None, None, 10, None, 10]


def test_hit_and_hit_many_share_their_counts(limits):
    # given: 2 of a's requests counted one by one
    ratelimit.hit("chat_message", "a")
    ratelimit.hit("chat_message", "a")

    # when
    outcomes = ratelimit.hit_many("chat_message", ["a", "a"])

    # then: the 3rd is allowed, the 4th not, and so is the 5th after them
    assert refused(outcomes) == [None, 10]
    with pytest.raises(RateLimited):
        ratelimit.hit("chat_message", "a")


def test_no_requests_count_nothing(limits):
    assert ratelimit.hit_many("chat_message", []) == []
    assert refused(ratelimit.hit_many("chat_message", ["a"] * 3)) == [None, None, None]


def test_a_new_window_starts_afresh(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "chat_message": (1, 10)}
    with time_machine.travel(WINDOW_START, tick=False) as clock:
        clock.shift(4)
        assert refused(ratelimit.hit_many("chat_message", ["a", "a"])) == [None, 6]
        clock.shift(6)
        assert refused(ratelimit.hit_many("chat_message", ["a", "a"])) == [None, 10]
