"""manage.py prune_events: events past the retention period go, cursors and recent events stay."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from realtime import events
from realtime.models import Event

pytestmark = pytest.mark.django_db


def record(user_id: int, age: timedelta) -> None:
    with transaction.atomic():
        seqs = events.record(user_ids=[user_id], kind="chat.message", data={})
    Event.objects.filter(user_id=user_id, seq=seqs[user_id]).update(created_at=timezone.now() - age)


def test_events_older_than_seven_days_are_pruned_and_seq_goes_on(owner):
    # given
    record(owner.pk, timedelta(days=9))
    record(owner.pk, timedelta(days=7, minutes=1))
    record(owner.pk, timedelta(days=6, hours=23))
    out = StringIO()

    # when
    call_command("prune_events", stdout=out)

    # then
    assert list(Event.objects.values_list("seq", flat=True)) == [3]
    assert out.getvalue().strip() == "2 events older than 7 days pruned."
    with transaction.atomic():
        assert events.record(user_ids=[owner.pk], kind="chat.message", data={}) == {owner.pk: 4}


def test_a_longer_retention_keeps_more(owner):
    # given
    record(owner.pk, timedelta(days=9))
    out = StringIO()

    # when
    call_command("prune_events", "--days", "10", stdout=out)

    # then
    assert Event.objects.count() == 1
    assert out.getvalue().strip() == "0 events older than 10 days pruned."


def test_a_retention_below_the_contracts_seven_days_is_refused(owner):
    # given
    record(owner.pk, timedelta(days=3))

    # when / then
    with pytest.raises(CommandError, match="at least 7 days"):
        call_command("prune_events", "--days", "2")
    assert Event.objects.count() == 1
