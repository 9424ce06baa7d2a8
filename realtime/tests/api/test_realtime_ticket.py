"""POST /api/v1/realtime/ticket: a single-use ticket, valid 30 s, that opens one WebSocket."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from accounts.models import Session
from config import redis
from realtime import tickets

pytestmark = pytest.mark.django_db

URL = "/api/v1/realtime/ticket"


def ticket_keys() -> list[bytes]:
    return list(redis.client().scan_iter(match="pawdate:ws-ticket:*"))


def test_a_ticket_names_the_callers_user_and_session(api_client, owner, tokens_for):
    # given
    access = tokens_for(owner)["access"]
    session = Session.objects.get(user=owner)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")

    # when
    response = api_client.post(URL)

    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"ticket", "expires_in"}
    assert body["expires_in"] == 30
    assert len(body["ticket"]) >= 40
    assert tickets.ticket_redeem(body["ticket"]) == tickets.Ticket(owner.pk, session.pk)


def test_a_ticket_works_once(client_for, owner):
    # given
    ticket = client_for(owner).post(URL).json()["ticket"]

    # when
    first, second = tickets.ticket_redeem(ticket), tickets.ticket_redeem(ticket)

    # then
    assert first is not None
    assert first.user_id == owner.pk
    assert second is None


def test_every_ticket_is_different(client_for, owner):
    client = client_for(owner)
    assert client.post(URL).json()["ticket"] != client.post(URL).json()["ticket"]


def test_a_ticket_is_kept_in_redis_for_30_seconds_and_only_as_a_hash(client_for, owner):
    # when
    ticket = client_for(owner).post(URL).json()["ticket"]

    # then: Redis expires it; the raw ticket is nowhere in the key
    keys = ticket_keys()
    assert len(keys) == 1
    assert ticket.encode() not in keys[0]
    assert 28 <= redis.client().ttl(keys[0]) <= 30


def test_without_redis_a_ticket_expires_after_30_seconds(client_for, owner, settings):
    # given: the embedded default's in-process store
    settings.REDIS_URLS = []
    with time_machine.travel("2030-01-01T00:00:00Z", tick=False) as clock:
        client = client_for(owner)
        kept, expired = client.post(URL).json()["ticket"], client.post(URL).json()["ticket"]

        # when
        clock.shift(timedelta(seconds=29))
        redeemed_in_time = tickets.ticket_redeem(kept)
        clock.shift(timedelta(seconds=2))
        redeemed_late = tickets.ticket_redeem(expired)

    # then
    assert redeemed_in_time is not None
    assert redeemed_in_time.user_id == owner.pk
    assert redeemed_late is None
    assert ticket_keys() == []


def test_without_redis_a_ticket_works_once(client_for, owner, settings):
    settings.REDIS_URLS = []
    ticket = client_for(owner).post(URL).json()["ticket"]
    assert tickets.ticket_redeem(ticket) is not None
    assert tickets.ticket_redeem(ticket) is None


@pytest.mark.parametrize("raw", ["", "nonsense", "x" * 300])
def test_an_unknown_ticket_redeems_nothing(raw):
    assert tickets.ticket_redeem(raw) is None


def test_a_ticket_needs_a_bearer_token(api_client):
    # when
    response = api_client.post(URL)

    # then: nothing issued
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert ticket_keys() == []


def test_a_revoked_sessions_token_gets_no_ticket(api_client, owner, tokens_for):
    # given
    access = tokens_for(owner)["access"]
    Session.objects.filter(user=owner).update(revoked_at="2030-01-01T00:00:00Z")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")

    # when
    response = api_client.post(URL)

    # then
    assert response.status_code == 401
    assert ticket_keys() == []
