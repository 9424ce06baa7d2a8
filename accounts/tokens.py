"""JWT pairs tied to a login session (simplejwt tokens with a `sid` claim)."""

from __future__ import annotations

from dataclasses import dataclass

from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Session, User


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def new_refresh_token(*, user: User, session: Session | None = None) -> RefreshToken:
    refresh = RefreshToken.for_user(user)
    if session is not None:
        refresh["sid"] = session.pk
    return refresh


def token_pair(refresh: RefreshToken) -> TokenPair:
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))
