"""Feature switches (config/features.py): the admin's table, the environment, percentages, and
what a switched-off group answers over REST and on a socket."""

from __future__ import annotations

import time

import pytest

from accounts.models import FeatureSwitch
from config import features
from realtime.tests.sockets import open_for

pytestmark = pytest.mark.django_db


def switch(name: str, state: str, percent: int = 100) -> None:
    FeatureSwitch.objects.update_or_create(name=name, defaults={"state": state, "percent": percent})
    features.forget()


def test_a_switch_nobody_set_is_on():
    assert features.enabled("chat", 7)
    assert features.percent_on("anything_new") == 100


def test_the_admin_table_turns_a_feature_off_and_on():
    switch("chat", "off")
    assert not features.enabled("chat", 7)
    switch("chat", "on")
    assert features.enabled("chat", 7)


def test_a_change_takes_effect_within_the_cache_time(monkeypatch):
    # given: the switch read once, on
    monkeypatch.setattr(features, "CACHE_SECONDS", 0.2)
    assert features.enabled("chat", 7)

    # when: switched off in the table by another process (no forget here)
    FeatureSwitch.objects.create(name="chat", state="off")

    # then: off once the cache has aged
    time.sleep(0.25)
    assert not features.enabled("chat", 7)


def test_a_percentage_is_stable_per_user_and_grows_with_the_same_users():
    switch("live_suggestions", "percent", 30)
    at_30 = {user for user in range(1, 2001) if features.enabled("live_suggestions", user)}
    switch("live_suggestions", "percent", 60)
    at_60 = {user for user in range(1, 2001) if features.enabled("live_suggestions", user)}

    assert 500 < len(at_30) < 700  # ~30 % of 2,000
    assert 1100 < len(at_60) < 1300
    assert at_30 <= at_60  # nobody who had it loses it
    assert features.enabled("live_suggestions", 5) == features.enabled("live_suggestions", 5)


@pytest.mark.parametrize(
    ("value", "percent"), [("on", 100), ("off", 0), ("25", 25), (" OFF ", 0), ("100", 100)]
)
def test_the_environment_overrides_the_table(monkeypatch, value, percent):
    switch("chat", "on")
    monkeypatch.setenv("FEATURE_CHAT", value)
    assert features.percent_on("chat") == percent


@pytest.mark.parametrize("value", ["maybe", "101", "-1", "50%"])
def test_a_bad_environment_value_is_refused_with_its_name(monkeypatch, value):
    monkeypatch.setenv("FEATURE_CHAT", value)
    with pytest.raises(ValueError, match="FEATURE_CHAT must be on, off or 0-100"):
        features.percent_on("chat")


@pytest.mark.parametrize(
    ("name", "method", "path"),
    [
        ("matching", "get", "/api/v1/pets/1/matches"),
        ("playdates", "get", "/api/v1/playdates/"),
        ("playdates", "post", "/api/v1/playdates/1/accept"),
        ("chat", "get", "/api/v1/playdates/1/messages"),
        ("chat", "post", "/api/v1/playdates/1/read"),
    ],
)
def test_a_switched_off_group_answers_503_feature_disabled(owner, client_for, name, method, path):
    switch(name, "off")

    response = getattr(client_for(owner), method)(path, format="json")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "feature_disabled"


def test_a_switched_off_group_still_asks_for_a_login_first(api_client):
    switch("playdates", "off")
    assert api_client.get("/api/v1/playdates/").status_code == 401


def test_users_outside_the_percentage_get_503_and_the_others_do_not(make_user, client_for):
    switch("playdates", "percent", 50)
    users = [make_user(email=f"u{n}@example.com", username=f"u{n}") for n in range(12)]

    answers = {user.pk: client_for(user).get("/api/v1/playdates/").status_code for user in users}

    assert {pk: (200 if features.enabled("playdates", pk) else 503) for pk in answers} == answers
    assert set(answers.values()) == {200, 503}


@pytest.mark.django_db(transaction=True)
async def test_chat_frames_answer_feature_disabled_and_the_socket_stays_open(owner):
    # given
    from channels.db import database_sync_to_async

    await database_sync_to_async(switch)("chat", "off")
    socket, _ = await open_for(owner)

    # when
    await socket.send_json_to(
        {"type": "chat.send", "ref": "r", "data": {"playdate_id": 1, "body": "hi"}}
    )

    # then
    answer = await socket.receive_json_from()
    assert answer["type"] == "error"
    assert answer["ref"] == "r"
    assert answer["data"]["code"] == "feature_disabled"
    await socket.send_json_to({"type": "ping", "ref": "p"})
    assert await socket.receive_json_from() == {"type": "pong", "ref": "p"}
    await socket.disconnect()
