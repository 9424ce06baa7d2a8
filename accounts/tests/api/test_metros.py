"""GET /api/v1/metros: the metro areas to pick from, for anyone."""

from accounts.metros import METRO_AREAS


def test_anyone_lists_the_metro_areas(api_client):
    response = api_client.get("/api/v1/metros")

    assert response.status_code == 200
    body = response.json()
    assert len(body) == len(METRO_AREAS)
    new_york = next(area for area in body if area["slug"] == "new-york")
    assert new_york == {
        "slug": "new-york",
        "name": "New York",
        "latitude": METRO_AREAS[[a.slug for a in METRO_AREAS].index("new-york")].latitude,
        "longitude": METRO_AREAS[[a.slug for a in METRO_AREAS].index("new-york")].longitude,
    }
