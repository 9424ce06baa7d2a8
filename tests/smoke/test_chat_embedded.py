"""Chat on the embedded default: SQLite runs the read-mark upsert and the unread-count
subqueries, and the rate limit and typing throttle live in the process instead of Redis."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings

from config.errors import RateLimited
from matching.models import Playdate
from matching.tests.playdate_helpers import PLAYDATES_URL
from realtime import chat_services
from realtime.tests.chat_helpers import WINDOW_START, messages_url, playdate_of, read_url, send

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]


def test_a_conversation_with_read_marks_and_unread_counts(client_for, owner, friend):
    # given
    playdate = playdate_of(owner, friend)
    owners, friends = client_for(owner), client_for(friend)

    # when
    first = owners.post(messages_url(playdate.pk), {"body": "Park at 3?"}, format="json").json()
    owners.post(messages_url(playdate.pk), {"body": "Or 4?"}, format="json")
    read = friends.post(read_url(playdate.pk), {"message_id": first["id"]}, format="json")
    again = friends.post(read_url(playdate.pk), {"message_id": first["id"]}, format="json")

    # then
    assert read.status_code == again.status_code == 204
    history = friends.get(messages_url(playdate.pk)).json()
    assert [message["body"] for message in history["results"]] == ["Or 4?", "Park at 3?"]
    listed = friends.get(PLAYDATES_URL).json()["results"][0]
    assert listed["unread_count"] == 1
    assert listed["last_message"]["body"] == "Or 4?"


def test_the_rate_limit_and_typing_throttle_work_without_redis(owner, friend):
    # given: a clock frozen at the start of a window, the playdate ahead of it
    assert settings.REDIS_URLS == []
    playdate = playdate_of(owner, friend)
    Playdate.objects.filter(pk=playdate.pk).update(date_time=WINDOW_START + timedelta(days=3))
    limit, _ = settings.RATE_LIMITS["chat_message"]
    with time_machine.travel(WINDOW_START, tick=False):
        for n in range(limit):
            send(owner, playdate, f"message {n}")

        # when / then
        with pytest.raises(RateLimited):
            send(owner, playdate, "one too many")
        assert chat_services.typing_allowed(user_id=owner.pk, playdate_id=playdate.pk) == friend.pk
        assert chat_services.typing_allowed(user_id=owner.pk, playdate_id=playdate.pk) is None
    chat_services._local_typing.clear()  # the frozen clock's slots would outlive this test
