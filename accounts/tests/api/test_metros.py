"""GET /api/v1/metros: the metro areas and their neighbourhoods to pick from, for anyone."""

from accounts.metros import METRO_AREA_BY_SLUG, METRO_AREAS


def test_anyone_lists_the_metro_areas(api_client):
    response = api_client.get("/api/v1/metros")

    assert response.status_code == 200
    body = response.json()
    assert [area["slug"] for area in body] == [area.slug for area in METRO_AREAS]
    new_york = next(area for area in body if area["slug"] == "new-york")
    assert {key: value for key, value in new_york.items() if key != "neighbourhoods"} == {
        "slug": "new-york",
        "name": "New York",
        "latitude": METRO_AREA_BY_SLUG["new-york"].latitude,
        "longitude": METRO_AREA_BY_SLUG["new-york"].longitude,
    }


def test_each_metro_lists_its_neighbourhoods_with_their_centres(api_client):
    response = api_client.get("/api/v1/metros")

    assert response.status_code == 200
    new_york = next(area for area in response.json() if area["slug"] == "new-york")
    assert {
        "name": "Park Slope",
        "slug": "park-slope",
        "latitude": 40.671,
        "longitude": -73.981,
    } in new_york["neighbourhoods"]
    assert {area["slug"]: area["neighbourhoods"] for area in response.json()} == {
        area.slug: [
            {
                "name": place.name,
                "slug": place.slug,
                "latitude": place.latitude,
                "longitude": place.longitude,
            }
            for place in area.neighbourhoods
        ]
        for area in METRO_AREAS
    }


def test_listing_the_metros_reads_nothing_from_the_database(
    db, api_client, django_assert_num_queries
):
    # The metros are data in code (accounts.metros): one response, not a query per metro.
    with django_assert_num_queries(0):
        response = api_client.get("/api/v1/metros")

    assert response.status_code == 200
