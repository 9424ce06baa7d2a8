"""POST /api/v1/feedback (any owner) and GET /api/v1/moderation/feedback (moderators)."""

from __future__ import annotations

import pytest

from accounts.models import Feedback
from accounts.tests.helpers import assert_not_authenticated

pytestmark = pytest.mark.django_db

FEEDBACK_URL = "/api/v1/feedback"
LIST_URL = "/api/v1/moderation/feedback"


def test_an_owner_gives_feedback_and_gets_it_back(owner, client_for):
    response = client_for(owner).post(
        FEEDBACK_URL, {"message": "  The map is lovely.  ", "page": "/matches"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    stored = Feedback.objects.get()
    assert body == {
        "id": stored.pk,
        "user_id": owner.pk,
        "message": "The map is lovely.",
        "page": "/matches",
        "created_at": body["created_at"],
    }
    assert (stored.user_id, stored.message, stored.page) == (
        owner.pk,
        "The map is lovely.",
        "/matches",
    )


def test_the_page_is_optional(owner, client_for):
    response = client_for(owner).post(FEEDBACK_URL, {"message": "Hi"}, format="json")

    assert response.status_code == 201
    assert response.json()["page"] == ""


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "message"),
        ({"message": ""}, "message"),
        ({"message": "   "}, "message"),
        ({"message": 5}, "message"),
        ({"message": "x" * 5001}, "message"),
        ({"message": "Hi", "page": "p" * 501}, "page"),
        ({"message": "Hi", "page": ["/matches"]}, "page"),
    ],
)
def test_bad_feedback_is_a_validation_error_and_stores_nothing(owner, client_for, payload, field):
    response = client_for(owner).post(FEEDBACK_URL, payload, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert set(response.json()["error"]["fields"]) == {field}
    assert not Feedback.objects.exists()


def test_the_longest_feedback_is_kept_whole(owner, client_for):
    response = client_for(owner).post(FEEDBACK_URL, {"message": "x" * 5000}, format="json")

    assert response.status_code == 201
    assert len(Feedback.objects.get().message) == 5000


def test_feedback_is_rate_limited_per_owner(owner, friend, client_for, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "feedback": (2, 3600)}
    for _ in range(2):
        assert (
            client_for(owner).post(FEEDBACK_URL, {"message": "Hi"}, format="json").status_code
            == 201
        )

    over = client_for(owner).post(FEEDBACK_URL, {"message": "Hi"}, format="json")
    someone_else = client_for(friend).post(FEEDBACK_URL, {"message": "Hi"}, format="json")

    assert over.status_code == 429
    assert over.json()["error"]["code"] == "rate_limited"
    assert int(over["Retry-After"]) >= 1
    assert someone_else.status_code == 201
    assert Feedback.objects.count() == 3


def test_feedback_needs_a_login(api_client):
    assert_not_authenticated(api_client.post(FEEDBACK_URL, {"message": "Hi"}, format="json"))
    assert_not_authenticated(api_client.get(LIST_URL))


def test_moderators_read_all_feedback_newest_first_page_by_page(
    owner, friend, moderator, client_for, django_assert_max_num_queries
):
    # given: five pieces of feedback from two owners
    made = [
        Feedback.objects.create(user=user, message=f"note {n}")
        for n, user in enumerate([owner, friend, owner, friend, owner])
    ]
    client = client_for(moderator)

    # when
    with django_assert_max_num_queries(2):  # the moderator, the page
        first = client.get(LIST_URL, {"limit": 2})
    second = client.get(first.json()["next"])
    last = client.get(second.json()["next"])

    # then
    assert first.status_code == 200
    ids = [item["id"] for page in (first, second, last) for item in page.json()["results"]]
    assert ids == [feedback.pk for feedback in reversed(made)]
    assert last.json()["next"] is None
    assert first.json()["results"][0] == {
        "id": made[-1].pk,
        "user_id": owner.pk,
        "message": "note 4",
        "page": "",
        "created_at": first.json()["results"][0]["created_at"],
    }


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 101}, {"before": "x"}, {"before": 0}])
def test_bad_list_parameters_are_validation_errors(moderator, client_for, query):
    response = client_for(moderator).get(LIST_URL, query)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_owners_may_not_read_the_feedback(owner, client_for):
    Feedback.objects.create(user=owner, message="mine")

    response = client_for(owner).get(LIST_URL)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "mine" not in response.content.decode()


def test_the_admin_lists_and_searches_feedback(owner, make_user, client):
    staff = make_user(email="root@example.com", username="root", is_staff=True)
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    Feedback.objects.create(user=owner, message="The map is lovely.", page="/matches")
    Feedback.objects.create(user=owner, message="Chat is slow.")

    found = client.get("/admin/accounts/feedback/", {"q": "lovely"})

    assert found.status_code == 200
    assert "The map is lovely." in found.content.decode()
    assert "Chat is slow." not in found.content.decode()
