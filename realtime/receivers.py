"""Closes sockets when accounts says a user's access ended, in every process (after commit)."""

from __future__ import annotations

import logging
from typing import Any

from realtime import doorbell, events, gateway

_log = logging.getLogger("pawdate.realtime")


def _close_sockets(group: str, message: dict[str, Any]) -> None:
    try:
        outcome = doorbell.ring({group: {"type": "sockets.close", **message}})[0]
        if outcome is not None:
            raise outcome
    except Exception:  # the sockets' own heartbeat finds the ended session or user shortly
        _log.warning("could not close the sockets of %s", group, exc_info=True)


def close_session_sockets(
    sender: Any, *, user_id: int, session_ids: list[int], **kwargs: Any
) -> None:
    """Through the user's group: the sockets of other sessions stay open."""
    _close_sockets(
        events.user_group(user_id), {"code": gateway.CLOSE_TICKET, "session_ids": session_ids}
    )


def close_user_sockets(sender: Any, *, user_id: int, **kwargs: Any) -> None:
    _close_sockets(events.user_group(user_id), {"code": gateway.CLOSE_FORBIDDEN})
