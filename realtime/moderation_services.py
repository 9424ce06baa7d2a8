"""Writes for moderation: owners report users, pets and messages; moderators resolve reports
(dismiss, hide the message, suspend the user) and suspend or unsuspend users.

Every moderator action writes one audit row (`ModerationAction`), one activity row and its
events in the action's transaction. Resolving a report resolves every open report of the same
target, and each reporter hears that their report was reviewed (durable `report.reviewed`).
A suspension takes effect on commit: the user's tokens are refused by authentication, their
sockets close with 4403 (`accounts.signals`), their pets leave every suggestion list and their
pending invitations leave their invitees' lists (`matching.playdate_selectors`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.fields import DateTimeField

from accounts import ratelimit
from accounts.models import User
from config.errors import Conflict, NotFound, PermissionDenied
from pets.selectors import pet_get_public
from realtime import activity, events
from realtime.models import Message, ModerationAction, Report, TargetType
from realtime.moderation_selectors import NO_SUCH_REPORT

NO_SUCH_USER = "No such user."
NO_SUCH_MESSAGE = "No such message."
ONLY_MODERATORS = "Only moderators may do this."

_timestamp = DateTimeField()

# Durable events, `(user_id, kind, data)`, gathered so that one action records them in one
# `events.record_many`: its users' cursors are then locked in one statement, in id order.
Entries = list[tuple[int, str, dict[str, Any]]]


def _require_moderator(user: User) -> None:
    if not user.is_moderator:
        raise PermissionDenied(ONLY_MODERATORS)


def _standing_user(user_id: int) -> User:
    """A user who has not deleted their account (suspended ones included)."""
    user = User.objects.filter(pk=user_id, is_active=True, deleted_at__isnull=True).first()
    if user is None:
        raise NotFound(NO_SUCH_USER)
    return user


def _reported_user_id(*, reporter: User, target_type: str, target_id: int) -> int:
    """Who answers for the target: NotFound for what the reporter cannot see, as anywhere."""
    if target_type == TargetType.USER:
        user = User.objects.filter(pk=target_id, is_active=True, suspended_at__isnull=True).first()
        if user is None:
            raise NotFound(NO_SUCH_USER)
        return user.pk
    if target_type == TargetType.PET:
        return pet_get_public(pet_id=target_id).owner_id
    # A message: only from a conversation the reporter is part of, and seen by them.
    message = (
        Message.objects.filter(pk=target_id, hidden_at__isnull=True)
        .filter(Q(playdate__inviter=reporter) | Q(playdate__invitee=reporter))
        .only("sender_id")
        .first()
    )
    if message is None:
        raise NotFound(NO_SUCH_MESSAGE)
    if message.sender_id is None:
        raise Conflict("The account that sent this message no longer exists.")
    return message.sender_id


def report_file(
    *, reporter: User, target_type: str, target_id: int, reason: str, text: str = ""
) -> Report:
    """`reporter` reports a user, a pet or a message in one of their conversations.

    Reporting oneself (or one's own pet or message) is a validation error; reporting the same
    target again while the first report is open is a Conflict. Rate limited per reporter.
    """
    ratelimit.hit("report", str(reporter.pk))
    target_user_id = _reported_user_id(
        reporter=reporter, target_type=target_type, target_id=target_id
    )
    if target_user_id == reporter.pk:
        raise ValidationError({"target_id": [f"You cannot report your own {target_type}."]})
    try:
        with transaction.atomic():
            report = Report.objects.create(
                reporter=reporter,
                target_type=target_type,
                target_id=target_id,
                target_user_id=target_user_id,
                reason=reason,
                text=text,
            )
            activity.record(
                kind="report.filed",
                actor=reporter,
                subject_type="report",
                subject_id=report.pk,
                summary=f"{reporter.username} reported a {target_type} for {report.reason}",
                target_user_id=target_user_id,
            )
    except IntegrityError as exc:
        raise Conflict(
            f"You have already reported this {target_type}; a moderator will look at it soon."
        ) from exc
    return report


def _audit(
    *,
    moderator: User,
    action: str,
    target_type: str,
    target_id: int,
    note: str,
    report: Report | None = None,
) -> ModerationAction:
    return ModerationAction.objects.create(
        moderator=moderator,
        action=action,
        target_type=target_type,
        target_id=target_id,
        report=report,
        note=note,
    )


def report_resolve(*, moderator: User, report_id: int, action: str, note: str = "") -> Report:
    """Resolves a report, and every other open report of the same target, with `action`:
    `dismiss` (nothing wrong), `hide_message` (message reports only: its owners no longer see
    it) or `suspend_user` (whoever answers for the target). Each reporter is told."""
    _require_moderator(moderator)
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("target_user")
            .filter(pk=report_id)
            .first()
        )
        if report is None:
            raise NotFound(NO_SUCH_REPORT)
        if report.status == Report.Status.RESOLVED:
            raise Conflict(f"This report was already resolved ({report.resolution}).")
        if action == ModerationAction.Kind.HIDE_MESSAGE and report.target_type != "message":
            raise ValidationError({"action": ["Only a reported message can be hidden."]})
        now = timezone.now()
        entries: Entries = []
        if action == ModerationAction.Kind.HIDE_MESSAGE:
            entries += _hide_message(moderator=moderator, message_id=report.target_id, now=now)
        elif action == ModerationAction.Kind.SUSPEND_USER:
            if report.target_user_id is None:
                raise Conflict("The reported account no longer exists.")
            entries += _suspend(moderator=moderator, user_id=report.target_user_id, now=now)[1]
        _audit(
            moderator=moderator,
            action=action,
            target_type=report.target_type,
            target_id=report.target_id,
            note=note,
            report=report,
        )
        resolved = list(
            Report.objects.select_for_update()
            .filter(
                target_type=report.target_type,
                target_id=report.target_id,
                status=Report.Status.OPEN,
            )
            .order_by("pk")
        )
        for each in resolved:
            each.status = Report.Status.RESOLVED
            each.resolution = action
            each.resolution_note = note
            each.resolved_by = moderator
            each.resolved_at = now
        Report.objects.bulk_update(
            resolved, ["status", "resolution", "resolution_note", "resolved_by", "resolved_at"]
        )
        entries += [
            (each.reporter_id, "report.reviewed", {"report": reviewed_data(each)})
            for each in resolved
            if each.reporter_id is not None
        ]
        entries += activity.entries_for(
            [
                activity.NewActivity(
                    "report.resolved",
                    moderator,
                    "report",
                    report.pk,
                    f"{moderator.username} resolved {len(resolved)} report(s) of a"
                    f" {report.target_type}: {action}",
                    report.target_user_id,
                    activity.metro_of(report.target_user),
                )
            ]
        )
        events.record_many(entries)
    return next(each for each in resolved if each.pk == report.pk)


def reviewed_data(report: Report) -> dict[str, Any]:
    """What a reporter is told of their report: reviewed, and whether action was taken (not
    which action, nor anything about the other side)."""
    return {
        "id": report.pk,
        "target": {"type": report.target_type, "id": report.target_id},
        "reason": report.reason,
        "status": report.status,
        "outcome": (
            "no_action" if report.resolution == ModerationAction.Kind.DISMISS else "action_taken"
        ),
        "reviewed_at": _timestamp.to_representation(report.resolved_at or timezone.now()),
    }


def _hide_message(*, moderator: User, message_id: int, now: datetime) -> Entries:
    """Hides a message from its owners, who hear it on their sockets (`chat.hidden`); returns
    the events to record."""
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("playdate", "sender")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        raise Conflict("The reported message no longer exists.")
    if message.hidden_at is not None:
        return []
    message.hidden_at = now
    message.save(update_fields=["hidden_at"])
    playdate = message.playdate
    hidden = {"playdate_id": playdate.pk, "message_id": message.pk}
    entries: Entries = [
        (user_id, "chat.hidden", hidden) for user_id in (playdate.inviter_id, playdate.invitee_id)
    ]
    return entries + activity.entries_for(
        [
            activity.NewActivity(
                "message.hidden",
                moderator,
                "message",
                message.pk,
                f"{moderator.username} hid a message in playdate {playdate.pk}",
                message.sender_id,
                activity.metro_of(message.sender),
            )
        ]
    )


def _suspend(*, moderator: User, user_id: int, now: datetime) -> tuple[User, Entries]:
    user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound(NO_SUCH_USER)
    if user.is_moderator or user.pk == moderator.pk:
        raise Conflict("A moderator cannot be suspended: change their role in the admin first.")
    if user.is_suspended:
        raise Conflict(f"{user.username} is already suspended.")
    user.suspended_at = now
    # accounts.signals closes the user's sockets (4403) once this commits.
    user.save(update_fields=["suspended_at"])
    return user, activity.entries_for(
        [
            activity.NewActivity(
                "user.suspended",
                moderator,
                "user",
                user.pk,
                f"{moderator.username} suspended {user.username}",
                user.pk,
                user.metro,
            )
        ]
    )


def user_suspend(*, moderator: User, user_id: int, note: str = "") -> User:
    """Suspends a user at once: tokens refused, sockets closed with 4403, their pets out of
    suggestions and their pending invitations out of sight, until `user_unsuspend`."""
    _require_moderator(moderator)
    _standing_user(user_id)
    with transaction.atomic():
        user, entries = _suspend(moderator=moderator, user_id=user_id, now=timezone.now())
        events.record_many(entries)
        _audit(
            moderator=moderator,
            action=ModerationAction.Kind.SUSPEND_USER,
            target_type="user",
            target_id=user.pk,
            note=note,
        )
    return user


def user_unsuspend(*, moderator: User, user_id: int, note: str = "") -> User:
    """Lifts a suspension: the user logs in again and everything of theirs is back."""
    _require_moderator(moderator)
    with transaction.atomic():
        user = (
            User.objects.select_for_update()
            .filter(pk=user_id, is_active=True, deleted_at__isnull=True)
            .first()
        )
        if user is None:
            raise NotFound(NO_SUCH_USER)
        if not user.is_suspended:
            raise Conflict(f"{user.username} is not suspended.")
        user.suspended_at = None
        user.save(update_fields=["suspended_at"])
        _audit(
            moderator=moderator,
            action=ModerationAction.Kind.UNSUSPEND_USER,
            target_type="user",
            target_id=user.pk,
            note=note,
        )
        activity.record(
            kind="user.unsuspended",
            actor=moderator,
            subject_type="user",
            subject_id=user.pk,
            summary=f"{moderator.username} lifted the suspension of {user.username}",
            target_user_id=user.pk,
            metro=user.metro,
        )
    return user
