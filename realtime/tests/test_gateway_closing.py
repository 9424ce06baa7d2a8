"""Sockets close at once, in every process, when their session ends or their user is locked out."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.db import transaction
from django.utils import timezone

from accounts import services
from accounts.models import Session, User
from realtime.tests.sockets import closed_with, open_for, ping

pytestmark = pytest.mark.django_db(transaction=True)


def call(function, *args, **kwargs):
    return database_sync_to_async(function)(*args, **kwargs)


async def test_revoking_a_session_closes_its_sockets_4401_and_no_other(owner, friend):
    # given: the owner's phone and laptop, and a friend
    phone, phone_login = await open_for(owner)
    laptop, laptop_login = await open_for(owner)
    friends, _ = await open_for(friend)

    # when: the laptop revokes the phone's session
    response = await call(
        lambda: laptop_login.api().delete(f"/api/v1/auth/sessions/{phone_login.session_id}")
    )

    # then
    assert response.status_code == 204
    assert await closed_with(phone) == 4401
    assert await ping(laptop)
    assert await ping(friends)
    await laptop.disconnect()
    await friends.disconnect()


async def test_logging_out_closes_the_sessions_sockets_4401(owner):
    # given
    socket, session = await open_for(owner)

    # when
    response = await call(
        lambda: session.api().post(
            "/api/v1/auth/logout", {"refresh": session.refresh}, format="json"
        )
    )

    # then
    assert response.status_code == 204
    assert await closed_with(socket) == 4401


async def test_suspending_a_user_closes_all_their_sockets_4403(owner, friend):
    # given
    phone, _ = await open_for(owner)
    laptop, _ = await open_for(owner)
    friends, _ = await open_for(friend)

    # when: however suspended_at gets set (moderation, the admin), it goes through save()
    def suspend() -> None:
        user = User.objects.get(pk=owner.pk)
        user.suspended_at = timezone.now()
        user.save(update_fields=["suspended_at"])

    await call(suspend)

    # then
    assert await closed_with(phone) == 4403
    assert await closed_with(laptop) == 4403
    assert await ping(friends)
    await friends.disconnect()


async def test_deleting_the_account_closes_its_sockets_4403(owner, password):
    # given
    socket, session = await open_for(owner)

    # when
    response = await call(
        lambda: session.api().delete("/api/v1/me", {"password": password}, format="json")
    )

    # then
    assert response.status_code == 204
    assert await closed_with(socket) == 4403


async def test_a_revocation_that_rolls_back_closes_nothing(owner):
    # given
    socket, session = await open_for(owner)

    # when
    def revoke_then_roll_back() -> None:
        with transaction.atomic():
            services.session_revoke(user=owner, session_id=session.session_id)
            transaction.set_rollback(True)

    await call(revoke_then_roll_back)

    # then
    assert await socket.receive_nothing(0.5)
    assert await ping(socket)
    await socket.disconnect()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (
            lambda user_id: Session.objects.filter(user_id=user_id).update(
                revoked_at=timezone.now()
            ),
            4401,
        ),
        (lambda user_id: User.objects.filter(pk=user_id).update(suspended_at=timezone.now()), 4403),
    ],
    ids=["session-revoked", "user-suspended"],
)
async def test_a_change_that_sent_no_close_message_closes_the_socket_at_the_next_heartbeat(
    owner, settings, change, code
):
    # given: bulk updates send no signal, as if the close message had been lost
    settings.REALTIME_HEARTBEAT_SECONDS = 0.3
    socket, _ = await open_for(owner)

    # when
    await call(change, owner.pk)

    # then
    assert await closed_with(socket) == code
