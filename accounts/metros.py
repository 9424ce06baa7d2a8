"""The metropolitan areas owners are grouped by: engagement figures per metro, demo data.

The one source of their geography (name, slug, centre, radius). Pure: no ORM, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Owners just past a metro's edge (outer suburbs, a commuter town) still belong to it.
EDGE_MARGIN_KM = 10.0
EARTH_RADIUS_KM = 6371.0  # as matching.algorithm
_KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180


@dataclass(frozen=True, slots=True)
class MetroArea:
    name: str
    slug: str  # User.metro, the `metro` filter of the engagement figures
    latitude: float  # the centre
    longitude: float
    radius_km: float  # the area; every demo owner lives within it


# fmt: off
METRO_AREAS: tuple[MetroArea, ...] = (
    MetroArea("New York", "new-york", 40.7128, -74.0060, 40),
    MetroArea("Los Angeles", "los-angeles", 34.0522, -118.2437, 45),
    MetroArea("Chicago", "chicago", 41.8781, -87.6298, 35),
    MetroArea("Houston", "houston", 29.7604, -95.3698, 40),
    MetroArea("Toronto", "toronto", 43.6532, -79.3832, 30),
    MetroArea("Mexico City", "mexico-city", 19.4326, -99.1332, 30),
    MetroArea("São Paulo", "sao-paulo", -23.5505, -46.6333, 30),
    MetroArea("London", "london", 51.5074, -0.1278, 30),
    MetroArea("Paris", "paris", 48.8566, 2.3522, 20),
    MetroArea("Berlin", "berlin", 52.5200, 13.4050, 20),
    MetroArea("Madrid", "madrid", 40.4168, -3.7038, 22),
    MetroArea("Rome", "rome", 41.9028, 12.4964, 15),
    MetroArea("Amsterdam", "amsterdam", 52.3676, 4.9041, 24),
    MetroArea("Stockholm", "stockholm", 59.3293, 18.0686, 18),
    MetroArea("Istanbul", "istanbul", 41.0082, 28.9784, 30),
    MetroArea("Tokyo", "tokyo", 35.6895, 139.6917, 40),
    MetroArea("Seoul", "seoul", 37.5665, 126.9780, 30),
    MetroArea("Singapore", "singapore", 1.3521, 103.8198, 20),
    MetroArea("Sydney", "sydney", -33.8688, 151.2093, 35),
    MetroArea("Melbourne", "melbourne", -37.8136, 144.9631, 35),
    MetroArea("Mumbai", "mumbai", 19.0760, 72.8777, 30),
    MetroArea("San Francisco", "san-francisco", 37.7749, -122.4194, 32),
    MetroArea("Buenos Aires", "buenos-aires", -34.6037, -58.3816, 30),
    MetroArea("Barcelona", "barcelona", 41.3874, 2.1686, 18),
    MetroArea("Lisbon", "lisbon", 38.7223, -9.1393, 18),
    MetroArea("Johannesburg", "johannesburg", -26.2041, 28.0473, 30),
)
# fmt: on
METRO_AREA_BY_SLUG: dict[str, MetroArea] = {area.slug: area for area in METRO_AREAS}


def distance_km(
    latitude_1: float, longitude_1: float, latitude_2: float, longitude_2: float
) -> float:
    """Great-circle distance (haversine). Accounts may not import matching's copy."""
    phi_1, phi_2 = math.radians(latitude_1), math.radians(latitude_2)
    d_phi = phi_2 - phi_1
    d_lambda = math.radians(longitude_2 - longitude_1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi_1) * math.cos(phi_2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def metro_at(latitude: float | None, longitude: float | None) -> str:
    """The slug of the nearest metro whose area (plus EDGE_MARGIN_KM) holds the point, else ""."""
    if latitude is None or longitude is None:
        return ""
    nearest, nearest_km = "", math.inf
    for area in METRO_AREAS:
        reach_km = area.radius_km + EDGE_MARGIN_KM
        # Latitude alone rules out most metros without trigonometry (seed_demo asks 100,000s).
        if abs(latitude - area.latitude) * _KM_PER_DEGREE > reach_km:
            continue
        km = distance_km(area.latitude, area.longitude, latitude, longitude)
        if km <= reach_km and km < nearest_km:
            nearest, nearest_km = area.slug, km
    return nearest
