"""Writes for accounts: registration, login, token refresh, logout and sessions."""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import ratelimit, signals
from accounts.metros import metro_at
from accounts.models import DELETED_USERNAME, Block, Feedback, Session, User, normalize_email
from accounts.tokens import TokenPair, new_refresh_token, token_pair
from config.errors import NotFound, PermissionDenied, RateLimited, seconds
from realtime import activity

logger = logging.getLogger("pawdate.accounts")

BAD_CREDENTIALS = "Email or password is incorrect."
# Hashed once so that an unknown email costs the same Argon2 work as a wrong password.
_TIMING_DUMMY_HASH = make_password("pawdate-timing-equaliser")


class EmailTaken(Exception):
    pass


def _start_session(*, user: User, user_agent: str) -> TokenPair:
    refresh = new_refresh_token(user=user)
    session = Session.objects.create(
        user=user,
        refresh_jti=refresh["jti"],
        user_agent=user_agent[:256],
        expires_at=datetime.fromtimestamp(refresh["exp"], tz=UTC),
    )
    refresh["sid"] = session.pk
    return token_pair(refresh)


def user_register(
    *,
    email: str,
    username: str,
    password: str,
    location: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    time_zone: str = "UTC",
    client_ip: str,
    user_agent: str,
) -> tuple[User, TokenPair]:
    """Creates an owner and logs them in. Fields are already validated by the caller."""
    email = normalize_email(email)
    ratelimit.hit("register_ip", client_ip)
    ratelimit.hit("register_account", email)
    try:
        with transaction.atomic():
            user = User(
                email=email,
                username=username,
                location=location,
                latitude=latitude,
                longitude=longitude,
                metro=metro_at(latitude, longitude),
                time_zone=time_zone,
            )
            user.set_password(password)
            user.save()
            tokens = _start_session(user=user, user_agent=user_agent)
            activity.record(
                kind="user.registered",
                actor=user,
                subject_type="user",
                subject_id=user.pk,
                summary=f"{user.username} joined" + (f" in {location}" if location else ""),
            )
    except IntegrityError as exc:
        raise EmailTaken from exc
    logger.info("user registered", extra={"user_id": user.pk})
    return user, tokens


def _refuse_if_locked(email: str) -> None:
    """Too many wrong passwords lock the account for the rest of the window, right one or not."""
    max_failures, lock_window = settings.LOGIN_FAILURE_LIMIT
    failed = ratelimit.failures("login_failure", email, lock_window)
    if failed.count >= max_failures:
        # Rounded up as RateLimited rounds the Retry-After header, so the two agree.
        wait = max(1, math.ceil(failed.retry_after))
        raise RateLimited(
            wait, f"Too many failed logins for this account. Try again in {seconds(wait)}."
        )


def _count_wrong_password(email: str) -> None:
    ratelimit.record_failure("login_failure", email, settings.LOGIN_FAILURE_LIMIT[1])


def auth_login(
    *, email: str, password: str, client_ip: str, user_agent: str
) -> tuple[User, TokenPair]:
    """Checks credentials under per-IP and per-account limits, then opens a session.

    Unknown email and wrong password answer alike, and both count towards the account lock.
    """
    email = normalize_email(email)
    ratelimit.hit("login_ip", client_ip)
    ratelimit.hit("login_account", email)
    _refuse_if_locked(email)

    user = User.objects.filter(email=email).first()
    if user is None:
        check_password(password, _TIMING_DUMMY_HASH)
        password_ok = False
    else:
        password_ok = user.check_password(password)
    if user is None or not password_ok or not user.is_active:
        _count_wrong_password(email)
        raise AuthenticationFailed(BAD_CREDENTIALS)
    if user.is_suspended:
        raise PermissionDenied("This account is suspended.")
    with transaction.atomic():
        return user, _start_session(user=user, user_agent=user_agent)


def _decode_refresh(raw_refresh: str) -> RefreshToken:
    try:
        return RefreshToken(raw_refresh)  # type: ignore[arg-type]
    except TokenError as exc:
        raise AuthenticationFailed("The refresh token is invalid or expired.") from exc


def _blacklist(jti: str) -> None:
    outstanding = OutstandingToken.objects.filter(jti=jti).first()
    if outstanding is not None:
        BlacklistedToken.objects.get_or_create(token=outstanding)


def token_refresh(*, raw_refresh: str) -> TokenPair:
    """Rotates a refresh token: the presented one stops working, a new pair is issued.

    The session row is locked, so of two refreshes of one token exactly one succeeds.
    """
    presented = _decode_refresh(raw_refresh)
    with transaction.atomic():
        session = (
            Session.objects.select_for_update()
            .select_related("user")
            .filter(pk=presented.get("sid"), user_id=presented.get("user_id"))
            .first()
        )
        if session is None or not session.is_live:
            raise AuthenticationFailed("This session has ended. Please log in again.")
        if session.refresh_jti != presented["jti"]:
            raise AuthenticationFailed("This refresh token has already been used.")
        user = session.user
        if not user.is_active or user.is_suspended:
            raise AuthenticationFailed("This account can no longer log in.")
        _blacklist(session.refresh_jti)
        refresh = new_refresh_token(user=user, session=session)
        session.refresh_jti = refresh["jti"]
        session.last_used_at = timezone.now()
        session.expires_at = datetime.fromtimestamp(refresh["exp"], tz=UTC)
        session.save(update_fields=["refresh_jti", "last_used_at", "expires_at"])
    return token_pair(refresh)


def _end_session(session: Session) -> None:
    session.revoked_at = timezone.now()
    session.save(update_fields=["revoked_at"])
    _blacklist(session.refresh_jti)
    signals.send_on_commit(signals.session_ended, user_id=session.user_id, session_ids=[session.pk])


def auth_logout(*, user: User | None, raw_refresh: str) -> None:
    """Ends the session the refresh token belongs to; it must be one of the caller's.

    `user` is None for the browser's cookie logout: holding the family's current refresh token
    is proof enough, as it would get an access token from the refresh endpoint anyway.
    """
    try:
        presented = RefreshToken(raw_refresh)  # type: ignore[arg-type]
    except TokenError as exc:
        raise InvalidRefresh from exc
    owner_id = presented.get("user_id") if user is None else user.pk
    with transaction.atomic():
        session = (
            Session.objects.select_for_update()
            .filter(pk=presented.get("sid"), user_id=owner_id, revoked_at__isnull=True)
            .first()
        )
        if session is None or session.refresh_jti != presented["jti"]:
            raise InvalidRefresh
        _end_session(session)


class InvalidRefresh(Exception):
    pass


def session_revoke(*, user: User, session_id: int) -> None:
    with transaction.atomic():
        session = (
            Session.objects.select_for_update()
            .filter(pk=session_id, user=user, revoked_at__isnull=True)
            .first()
        )
        if session is None:
            raise NotFound("No such session.")
        _end_session(session)


def user_update(*, user: User, **changes: object) -> User:
    for field, value in changes.items():
        setattr(user, field, value)
    if "latitude" in changes or "longitude" in changes:
        user.metro = metro_at(user.latitude, user.longitude)
        changes["metro"] = user.metro
    user.save(update_fields=list(changes))
    return user


class WrongPassword(Exception):
    pass


def user_delete(*, user: User, password: str) -> None:
    """Deletes an account at its owner's request, confirmed with the password.

    The row stays, anonymised, so that what others hold keeps its other party: their chat
    history shows the messages from "deleted user", their playdates with the account stay
    listed. Every session ends; the email is freed for a new account. The apps above do their
    part in the same transaction (`user_deleting`: pets retired, upcoming playdates cancelled);
    feedback stays linked to the anonymised row, which names nobody.
    """
    _refuse_if_locked(user.email)
    if not user.check_password(password):
        _count_wrong_password(user.email)
        raise WrongPassword
    with transaction.atomic():
        # Before the sessions' own signals, so the user's sockets hear "deleted" first.
        signals.send_on_commit(signals.user_locked_out, user_id=user.pk, reason="deleted")
        # Before the anonymisation: listeners see the account as it was.
        signals.user_deleting.send(sender=User, user=user)
        for session in Session.objects.select_for_update().filter(
            user=user, revoked_at__isnull=True
        ):
            _end_session(session)
        Block.objects.filter(Q(blocker=user) | Q(blocked=user)).delete()
        user.email = f"deleted-{user.pk}@deleted.invalid"
        user.username = DELETED_USERNAME
        user.location = ""
        user.latitude = user.longitude = None
        user.metro = ""
        user.time_zone = "UTC"
        user.set_unusable_password()
        user.is_active = False
        user.deleted_at = timezone.now()
        user.save()
    logger.info("user deleted", extra={"user_id": user.pk})


def _block_target(*, user: User, other_id: int) -> User:
    other = User.objects.filter(pk=other_id, is_active=True).first()
    if other is None:
        raise NotFound("No such user.")
    if other.pk == user.pk:
        raise ValidationError({"user": ["You cannot block yourself."]})
    return other


def user_block(*, user: User, other_id: int) -> None:
    """Blocks another user (idempotent): from now on neither side sees or reaches the other."""
    other = _block_target(user=user, other_id=other_id)
    Block.objects.get_or_create(blocker=user, blocked=other)


def user_unblock(*, user: User, other_id: int) -> None:
    other = _block_target(user=user, other_id=other_id)
    Block.objects.filter(blocker=user, blocked=other).delete()


def feedback_give(*, user: User, message: str, page: str = "") -> Feedback:
    """Stores what `user` tells us about the product; moderators read it
    (`selectors.feedback_list`). Rate limited per user (`RATE_LIMITS["feedback"]`)."""
    ratelimit.hit("feedback", str(user.pk))
    return Feedback.objects.create(user=user, message=message, page=page)
