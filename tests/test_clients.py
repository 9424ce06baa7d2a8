"""The client's address behind TRUSTED_PROXIES reverse proxies (config/clients.py), and what reads
it: per-IP rate limits and the /metrics loopback check."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from config.clients import client_address

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.2"),  # no proxies trusted: the header is the client's word
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client's own entry is never read
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        (2, "198.51.100.7", "10.0.0.2"),  # fewer entries than proxies: the connection's
        (1, "", "10.0.0.2"),
        (1, " , 198.51.100.7 ,", "198.51.100.7"),
    ],
)
def test_the_client_is_the_entry_the_outermost_trusted_proxy_added(
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXIES = proxies
    meta = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": forwarded}
    assert client_address(meta) == expected


def register(client: APIClient, email: str, forwarded: str):
    return client.post(
        "/api/v1/auth/register",
        {"email": email, "username": "newcomer", "password": "a lovely long passphrase 42"},
        format="json",
        REMOTE_ADDR="10.0.0.2",  # the load balancer, for every client
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_behind_a_proxy_each_client_has_its_own_per_ip_limit(settings):
    # given: one load balancer in front, at most one registration an hour per address
    settings.TRUSTED_PROXIES = 1
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register_ip": (1, 3600)}
    client = APIClient()
    assert register(client, "first@example.com", "198.51.100.7").status_code == 201

    # when: the same client again (claiming another address in its own entry), then another
    again = register(client, "second@example.com", "203.0.113.1, 198.51.100.7")
    other = register(client, "third@example.com", "198.51.100.8")

    # then
    assert again.status_code == 429
    assert other.status_code == 201


def test_behind_a_proxy_on_the_same_host_metrics_are_not_open_to_everyone(settings):
    # given: a proxy on the same host forwards a remote client's request
    settings.TRUSTED_PROXIES = 1

    # when
    forwarded = Client().get(
        "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    local = Client().get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1")

    # then
    assert forwarded.status_code == 403
    assert local.status_code == 200
