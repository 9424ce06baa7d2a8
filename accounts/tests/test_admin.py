"""The admin works with the custom user model: list, add and change pages, and creating a user."""

import pytest

from accounts.models import User
from tests.factories import PASSWORD


@pytest.fixture
def admin_client(client, make_user):
    superuser = make_user(email="root@example.com", username="root", is_staff=True)
    superuser.is_superuser = True
    superuser.save()
    client.force_login(superuser)
    return client


@pytest.mark.django_db
def test_superuser_is_a_moderator(make_user):
    user = make_user(email="boss@example.com", is_staff=True)
    user.is_superuser = True
    user.save()

    user.refresh_from_db()
    assert user.role == User.Role.MODERATOR


@pytest.mark.django_db
def test_create_superuser_makes_a_moderator():
    user = User.objects.create_superuser("Admin@Example.com", PASSWORD, username="admin")

    assert (user.email, user.role, user.is_staff) == ("admin@example.com", "moderator", True)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/admin/", "/admin/accounts/user/", "/admin/accounts/user/add/", "/admin/accounts/session/"],
)
def test_admin_pages_render(admin_client, path):
    response = admin_client.get(path)

    assert response.status_code == 200


@pytest.mark.django_db
def test_admin_change_page_renders(admin_client, owner):
    response = admin_client.get(f"/admin/accounts/user/{owner.pk}/change/")

    assert response.status_code == 200
    assert b"owner@example.com" in response.content


@pytest.mark.django_db
def test_admin_adds_a_user_with_an_argon2_password(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "New@Example.com",
            "username": "newbie",
            "password1": "Sturdy-Pass-123",
            "password2": "Sturdy-Pass-123",
            "usable_password": "true",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    created = User.objects.get(email="new@example.com")
    assert created.password.startswith("argon2$")
    assert created.check_password("Sturdy-Pass-123")


@pytest.mark.django_db
def test_moderator_role_can_be_set_in_the_admin(admin_client, owner):
    form = {
        "email": owner.email,
        "username": owner.username,
        "location": owner.location,
        "latitude": owner.latitude,
        "longitude": owner.longitude,
        "time_zone": owner.time_zone,
        "role": "moderator",
        "is_active": "on",
        "date_joined_0": owner.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": owner.date_joined.strftime("%H:%M:%S"),
    }

    response = admin_client.post(f"/admin/accounts/user/{owner.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    owner.refresh_from_db()
    assert owner.role == User.Role.MODERATOR
    assert owner.is_moderator


@pytest.mark.django_db
def test_moving_a_user_in_the_admin_moves_their_metro(admin_client, owner):
    form = {
        "email": owner.email,
        "username": owner.username,
        "location": "Camden, London",
        "latitude": 51.539,
        "longitude": -0.143,
        "time_zone": owner.time_zone,
        "role": "owner",
        "is_active": "on",
        "date_joined_0": owner.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": owner.date_joined.strftime("%H:%M:%S"),
    }

    response = admin_client.post(f"/admin/accounts/user/{owner.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    owner.refresh_from_db()
    assert owner.metro == "london"
