"""Access tokens: what makes the API accept one, and every way a bad one is refused."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import jwt
import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from accounts.models import Session, User
from accounts.tests.helpers import (
    ME_URL,
    WINDOW_START,
    access_lifetime,
    assert_error,
    bearer,
    jwt_payload,
    session_of,
    signing_key,
)

pytestmark = pytest.mark.django_db

GONE = "This token is no longer valid. Please log in again."
NOT_VALID = "Given token not valid for any token type"


def forge(payload: dict[str, Any], key: str | None = None, algorithm: str = "HS256") -> str:
    return jwt.encode(payload, key if key is not None else signing_key(), algorithm=algorithm)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def me(access: str):
    return bearer(access).get(ME_URL)


@pytest.fixture
def access(owner, tokens_for) -> str:
    return str(tokens_for(owner)["access"])


# --- what a good token is --------------------------------------------------------------------


def test_access_token_carries_the_user_session_audience_and_issuer(owner, tokens_for):
    # when
    with time_machine.travel(WINDOW_START, tick=False):
        tokens = tokens_for(owner)

    # then
    claims = jwt_payload(tokens["access"])
    assert claims["token_type"] == "access"
    assert claims["user_id"] == str(owner.pk)
    assert claims["sid"] == session_of(tokens["refresh"]).pk
    assert claims["aud"] == "pawdate-api"
    assert claims["iss"] == "pawdate"
    assert claims["iat"] == int(WINDOW_START.timestamp())
    assert jwt.get_unverified_header(tokens["access"])["alg"] == "HS256"


def test_access_tokens_live_at_most_fifteen_minutes(owner, tokens_for):
    # when
    claims = jwt_payload(tokens_for(owner)["access"])

    # then
    assert access_lifetime() <= timedelta(minutes=15)
    assert 0 < claims["exp"] - claims["iat"] <= 15 * 60


def test_a_re_signed_unchanged_token_is_accepted(owner, access):
    # given: the forging below is only meaningful if an honest re-signing passes
    token = forge(jwt_payload(access))

    # when
    response = me(token)

    # then
    assert response.status_code == 200
    assert response.json()["id"] == owner.pk


def test_access_token_works_until_just_before_it_expires(owner, tokens_for):
    # given
    with time_machine.travel(WINDOW_START, tick=False):
        access = tokens_for(owner)["access"]
    lifetime = access_lifetime()

    # when
    with time_machine.travel(WINDOW_START + lifetime - timedelta(seconds=1), tick=False):
        response = me(access)

    # then
    assert response.status_code == 200


# --- refused tokens ------------------------------------------------------------------------------


def test_expired_access_token_is_refused(owner, tokens_for):
    # given
    with time_machine.travel(WINDOW_START, tick=False):
        access = tokens_for(owner)["access"]
    lifetime = access_lifetime()

    # when
    with time_machine.travel(WINDOW_START + lifetime + timedelta(seconds=1), tick=False):
        response = me(access)

    # then
    assert_error(response, 401, "not_authenticated", message=NOT_VALID)


def test_access_token_with_a_tampered_payload_is_refused(friend, access):
    # given: the payload says "friend", the signature is still the owner's
    header, _, signature = access.split(".")
    claims = {**jwt_payload(access), "user_id": str(friend.pk)}
    tampered = ".".join([header, b64(json.dumps(claims).encode()), signature])

    # when
    response = me(tampered)

    # then
    assert_error(response, 401, "not_authenticated", message=NOT_VALID)


def test_access_token_with_a_tampered_signature_is_refused(access):
    # given
    header, payload, signature = access.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]

    # when
    response = me(f"{header}.{payload}.{flipped}")

    # then
    assert_error(response, 401, "not_authenticated", message=NOT_VALID)


def test_access_token_signed_with_another_key_is_refused(access):
    # when
    response = me(forge(jwt_payload(access), key="someone-elses-key-" + "x" * 32))

    # then
    assert_error(response, 401, "not_authenticated", message=NOT_VALID)


def test_access_tokens_are_not_signed_with_the_secret_key(access):
    # given
    claims = jwt_payload(access)

    def decode(key: str) -> dict[str, Any]:
        return jwt.decode(
            access, key, algorithms=["HS256"], audience="pawdate-api", issuer="pawdate"
        )

    # when / then: the signing key is its own, and the SECRET_KEY neither verifies nor forges
    assert signing_key() != settings.SECRET_KEY
    assert decode(signing_key())["sid"] == claims["sid"]
    with pytest.raises(jwt.InvalidSignatureError):
        decode(settings.SECRET_KEY)
    assert_error(me(forge(claims, key=settings.SECRET_KEY)), 401, "not_authenticated")


def test_unsigned_access_token_is_refused(access):
    # given: "alg": "none" and no signature
    header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = b64(json.dumps(jwt_payload(access)).encode())

    # when
    response = me(f"{header}.{payload}.")

    # then
    assert_error(response, 401, "not_authenticated", message=NOT_VALID)


def test_access_token_with_another_algorithm_is_refused(access):
    # when: the right key, but HS512 rather than the configured HS256
    response = me(forge(jwt_payload(access), algorithm="HS512"))

    # then
    assert_error(response, 401, "not_authenticated", message=NOT_VALID)


@pytest.mark.parametrize(
    "change",
    [
        {"aud": "another-api"},
        {"aud": None},
        {"iss": "someone-else"},
        {"iss": None},
        {"token_type": "refresh"},
        {"exp": None},
        {"jti": None},
    ],
    ids=[
        "wrong-audience",
        "no-audience",
        "wrong-issuer",
        "no-issuer",
        "refresh-type",
        "no-expiry",
        "no-jti",
    ],
)
def test_access_token_with_wrong_claims_is_refused(access, change):
    # given: correctly signed, but one claim wrong or missing
    claims = jwt_payload(access)
    for claim, value in change.items():
        if value is None:
            del claims[claim]
        else:
            claims[claim] = value

    # when
    response = me(forge(claims))

    # then
    assert_error(response, 401, "not_authenticated")


def test_refresh_token_is_not_an_access_token(owner, tokens_for):
    # given
    tokens = tokens_for(owner)

    # when
    response = me(tokens["refresh"])

    # then
    assert_error(response, 401, "not_authenticated", message=NOT_VALID)


def test_access_token_without_a_session_is_refused(access):
    # given: correctly signed, but not tied to a login session
    claims = jwt_payload(access)
    del claims["sid"]

    # when
    response = me(forge(claims))

    # then
    assert_error(response, 401, "not_authenticated", message=GONE)


def test_access_token_naming_another_users_session_is_refused(access, friend, tokens_for):
    # given: correctly signed, for the owner, but with the friend's live session
    friend_session = session_of(tokens_for(friend)["refresh"])
    claims = {**jwt_payload(access), "sid": friend_session.pk}

    # when
    response = me(forge(claims))

    # then
    assert_error(response, 401, "not_authenticated", message=GONE)


def test_access_token_of_a_deleted_user_is_refused(owner, access):
    # given
    owner.delete()

    # when
    response = me(access)

    # then
    assert_error(response, 401, "not_authenticated", message=GONE)


@pytest.mark.parametrize(
    "change",
    [{"is_active": False}, {"suspended_at": timezone.now()}],
    ids=["inactive", "suspended"],
)
def test_access_token_stops_working_at_once_when_the_user_may_no_longer_log_in(
    owner, access, change
):
    # given
    assert me(access).status_code == 200
    User.objects.filter(pk=owner.pk).update(**change)

    # when
    response = me(access)

    # then
    assert_error(response, 401, "not_authenticated", message=GONE)


def test_access_token_stops_working_when_its_session_ends(owner, access):
    # given
    Session.objects.filter(pk=jwt_payload(access)["sid"]).update(revoked_at=timezone.now())

    # when
    response = me(access)

    # then
    assert_error(response, 401, "not_authenticated", message=GONE)
