"""Where pets are, as SQL: a Mercator position for PostgreSQL's nearest-first GiST scans.

Mercator is conformal, so around any point its scale is the same in every direction
(1 / cos(latitude)): ordering by planar distance in Mercator coordinates is ordering by ground
distance, to within the scale's change across a city (about 1 % over 50 km). The built-in `point`
type and its GiST operator class give nearest-first scans (`<->`) and box filters (`<@`) with no
extension. Latitudes are clamped to ±85° where Mercator stops being finite.

Each pet carries a copy of its owner's position (`matching_latitude`, `matching_longitude`,
PostgreSQL only, kept by triggers: see migration 0003), indexed per species.
"""

from __future__ import annotations

import math

from matching.algorithm import EARTH_RADIUS_KM

MAX_MERCATOR_LATITUDE = 85.0

# Exactly the expression of migration 0003's indexes, or the planner will not use them.
PET_POSITION_SQL = (
    "point(radians({pet}.matching_longitude),"
    " ln(tan(pi() / 4 + radians(greatest(-85.0, least(85.0, {pet}.matching_latitude))) / 2)))"
)


def mercator(latitude: float, longitude: float) -> tuple[float, float]:
    clamped = max(-MAX_MERCATOR_LATITUDE, min(MAX_MERCATOR_LATITUDE, latitude))
    return math.radians(longitude), math.log(math.tan(math.pi / 4 + math.radians(clamped) / 2))


def mercator_span(radius_km: float, latitude: float) -> float:
    """Half the side, in Mercator units, of a box that holds every point within `radius_km`.

    The scale grows towards the poles, so the box is sized for the pole-ward edge, plus a margin.
    """
    edge = min(MAX_MERCATOR_LATITUDE, abs(latitude) + math.degrees(radius_km / EARTH_RADIUS_KM))
    return 1.05 * radius_km / (EARTH_RADIUS_KM * math.cos(math.radians(edge)))


def degree_box(latitude: float, longitude: float, radius_km: float) -> tuple[float, ...]:
    """(south, north, west, east) in degrees around a point: the portable (SQLite) prefilter."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    edge = min(89.0, abs(latitude) + dlat)
    dlon = min(180.0, dlat / math.cos(math.radians(edge)))
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon
