"""The metropolitan areas owners are grouped by: engagement figures per metro, demo data, and
where an owner says they live (a metro, then one of its neighbourhoods).

The one source of their geography (name, slug, centre, radius, neighbourhoods). Pure: no ORM,
no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Owners just past a metro's edge (outer suburbs, a commuter town) still belong to it.
EDGE_MARGIN_KM = 10.0
EARTH_RADIUS_KM = 6371.0  # as matching.algorithm
_KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180


@dataclass(frozen=True, slots=True)
class Neighbourhood:
    name: str  # "Park Slope"; the profile's location reads "Park Slope, New York"
    slug: str  # unique within its metro
    latitude: float  # its centre, approximately
    longitude: float


@dataclass(frozen=True, slots=True)
class MetroArea:
    name: str
    slug: str  # User.metro, the `metro` filter of the engagement figures
    latitude: float  # the centre
    longitude: float
    radius_km: float  # the area; every demo owner lives within it
    neighbourhoods: tuple[Neighbourhood, ...]  # well-known ones to pick from, all within the area


def _places(*rows: tuple[str, str, float, float]) -> tuple[Neighbourhood, ...]:
    return tuple(Neighbourhood(*row) for row in rows)


# fmt: off
METRO_AREAS: tuple[MetroArea, ...] = (
    MetroArea("New York", "new-york", 40.7128, -74.0060, 40, _places(
        ("Upper West Side", "upper-west-side", 40.787, -73.975),
        ("Upper East Side", "upper-east-side", 40.774, -73.957),
        ("Harlem", "harlem", 40.811, -73.946),
        ("Greenwich Village", "greenwich-village", 40.734, -74.003),
        ("Williamsburg", "williamsburg", 40.714, -73.957),
        ("Park Slope", "park-slope", 40.671, -73.981),
        ("Astoria", "astoria", 40.764, -73.923),
        ("Long Island City", "long-island-city", 40.744, -73.949),
    )),
    MetroArea("Los Angeles", "los-angeles", 34.0522, -118.2437, 45, _places(
        ("Downtown", "downtown", 34.040, -118.247),
        ("Hollywood", "hollywood", 34.098, -118.327),
        ("Silver Lake", "silver-lake", 34.087, -118.270),
        ("Echo Park", "echo-park", 34.078, -118.261),
        ("Koreatown", "koreatown", 34.058, -118.301),
        ("Venice", "venice", 33.990, -118.460),
        ("Santa Monica", "santa-monica", 34.024, -118.480),
        ("Pasadena", "pasadena", 34.148, -118.144),
    )),
    MetroArea("Chicago", "chicago", 41.8781, -87.6298, 35, _places(
        ("The Loop", "the-loop", 41.881, -87.630),
        ("Lincoln Park", "lincoln-park", 41.921, -87.651),
        ("Lakeview", "lakeview", 41.943, -87.654),
        ("Wicker Park", "wicker-park", 41.909, -87.680),
        ("Logan Square", "logan-square", 41.923, -87.708),
        ("Pilsen", "pilsen", 41.856, -87.657),
        ("Hyde Park", "hyde-park", 41.794, -87.593),
        ("Andersonville", "andersonville", 41.980, -87.668),
    )),
    MetroArea("Houston", "houston", 29.7604, -95.3698, 40, _places(
        ("Downtown", "downtown", 29.758, -95.367),
        ("Midtown", "midtown", 29.740, -95.377),
        ("Montrose", "montrose", 29.745, -95.391),
        ("The Heights", "the-heights", 29.798, -95.398),
        ("Museum District", "museum-district", 29.722, -95.390),
        ("River Oaks", "river-oaks", 29.753, -95.420),
        ("Rice Village", "rice-village", 29.716, -95.414),
        ("Memorial", "memorial", 29.765, -95.520),
    )),
    MetroArea("Toronto", "toronto", 43.6532, -79.3832, 30, _places(
        ("Yorkville", "yorkville", 43.671, -79.393),
        ("The Annex", "the-annex", 43.670, -79.405),
        ("Kensington Market", "kensington-market", 43.655, -79.401),
        ("Liberty Village", "liberty-village", 43.638, -79.421),
        ("Leslieville", "leslieville", 43.662, -79.332),
        ("The Beaches", "the-beaches", 43.675, -79.298),
        ("High Park", "high-park", 43.653, -79.464),
        ("North York", "north-york", 43.761, -79.411),
    )),
    MetroArea("Mexico City", "mexico-city", 19.4326, -99.1332, 30, _places(
        ("Roma Norte", "roma-norte", 19.419, -99.162),
        ("Condesa", "condesa", 19.411, -99.173),
        ("Polanco", "polanco", 19.433, -99.196),
        ("Centro Histórico", "centro-historico", 19.434, -99.134),
        ("Juárez", "juarez", 19.427, -99.157),
        ("Del Valle", "del-valle", 19.386, -99.167),
        ("Coyoacán", "coyoacan", 19.350, -99.162),
        ("San Ángel", "san-angel", 19.346, -99.190),
    )),
    MetroArea("São Paulo", "sao-paulo", -23.5505, -46.6333, 30, _places(
        ("Pinheiros", "pinheiros", -23.567, -46.702),
        ("Vila Madalena", "vila-madalena", -23.556, -46.691),
        ("Jardins", "jardins", -23.566, -46.662),
        ("Bela Vista", "bela-vista", -23.561, -46.646),
        ("Vila Mariana", "vila-mariana", -23.589, -46.635),
        ("Moema", "moema", -23.600, -46.666),
        ("Mooca", "mooca", -23.560, -46.599),
        ("Santana", "santana", -23.501, -46.626),
    )),
    MetroArea("London", "london", 51.5074, -0.1278, 30, _places(
        ("Camden", "camden", 51.539, -0.142),
        ("Islington", "islington", 51.538, -0.103),
        ("Hackney", "hackney", 51.545, -0.055),
        ("Shoreditch", "shoreditch", 51.526, -0.078),
        ("Notting Hill", "notting-hill", 51.509, -0.196),
        ("Greenwich", "greenwich", 51.478, -0.010),
        ("Brixton", "brixton", 51.462, -0.115),
        ("Clapham", "clapham", 51.462, -0.138),
    )),
    MetroArea("Paris", "paris", 48.8566, 2.3522, 20, _places(
        ("Le Marais", "le-marais", 48.859, 2.362),
        ("Montmartre", "montmartre", 48.886, 2.341),
        ("Batignolles", "batignolles", 48.887, 2.317),
        ("Belleville", "belleville", 48.872, 2.384),
        ("Bastille", "bastille", 48.853, 2.369),
        ("Saint-Germain-des-Prés", "saint-germain-des-pres", 48.854, 2.333),
        ("Montparnasse", "montparnasse", 48.842, 2.321),
        ("Passy", "passy", 48.857, 2.280),
    )),
    MetroArea("Berlin", "berlin", 52.5200, 13.4050, 20, _places(
        ("Mitte", "mitte", 52.520, 13.405),
        ("Prenzlauer Berg", "prenzlauer-berg", 52.539, 13.424),
        ("Friedrichshain", "friedrichshain", 52.516, 13.454),
        ("Kreuzberg", "kreuzberg", 52.499, 13.403),
        ("Neukölln", "neukoelln", 52.481, 13.435),
        ("Schöneberg", "schoeneberg", 52.482, 13.356),
        ("Charlottenburg", "charlottenburg", 52.516, 13.304),
        ("Wedding", "wedding", 52.550, 13.366),
    )),
    MetroArea("Madrid", "madrid", 40.4168, -3.7038, 22, _places(
        ("Malasaña", "malasana", 40.426, -3.705),
        ("Chueca", "chueca", 40.423, -3.697),
        ("Chamberí", "chamberi", 40.434, -3.703),
        ("La Latina", "la-latina", 40.411, -3.709),
        ("Lavapiés", "lavapies", 40.409, -3.701),
        ("Salamanca", "salamanca", 40.430, -3.677),
        ("Retiro", "retiro", 40.411, -3.676),
        ("Chamartín", "chamartin", 40.462, -3.677),
    )),
    MetroArea("Rome", "rome", 41.9028, 12.4964, 15, _places(
        ("Trastevere", "trastevere", 41.889, 12.470),
        ("Monti", "monti", 41.895, 12.493),
        ("Testaccio", "testaccio", 41.877, 12.476),
        ("Prati", "prati", 41.907, 12.462),
        ("Parioli", "parioli", 41.925, 12.496),
        ("San Lorenzo", "san-lorenzo", 41.898, 12.516),
        ("Pigneto", "pigneto", 41.888, 12.528),
        ("Garbatella", "garbatella", 41.861, 12.488),
    )),
    MetroArea("Amsterdam", "amsterdam", 52.3676, 4.9041, 24, _places(
        ("Jordaan", "jordaan", 52.375, 4.880),
        ("De Pijp", "de-pijp", 52.353, 4.894),
        ("Oud-West", "oud-west", 52.365, 4.865),
        ("Westerpark", "westerpark", 52.386, 4.874),
        ("Oost", "oost", 52.359, 4.935),
        ("Noord", "noord", 52.395, 4.920),
        ("Zuid", "zuid", 52.345, 4.870),
        ("Nieuw-West", "nieuw-west", 52.365, 4.800),
    )),
    MetroArea("Stockholm", "stockholm", 59.3293, 18.0686, 18, _places(
        ("Gamla stan", "gamla-stan", 59.325, 18.071),
        ("Södermalm", "sodermalm", 59.315, 18.072),
        ("Östermalm", "ostermalm", 59.338, 18.090),
        ("Vasastan", "vasastan", 59.345, 18.050),
        ("Kungsholmen", "kungsholmen", 59.332, 18.030),
        ("Hammarby Sjöstad", "hammarby-sjostad", 59.304, 18.101),
        ("Bromma", "bromma", 59.339, 17.940),
        ("Hägersten", "hagersten", 59.297, 17.978),
    )),
    MetroArea("Istanbul", "istanbul", 41.0082, 28.9784, 30, _places(
        ("Kadıköy", "kadikoy", 40.991, 29.035),  # noqa: RUF001  Turkish dotless i
        ("Moda", "moda", 40.984, 29.030),
        ("Üsküdar", "uskudar", 41.023, 29.025),
        ("Beşiktaş", "besiktas", 41.045, 29.002),
        ("Cihangir", "cihangir", 41.031, 28.983),
        ("Nişantaşı", "nisantasi", 41.052, 28.993),  # noqa: RUF001  Turkish dotless i
        ("Balat", "balat", 41.029, 28.948),
        ("Bakırköy", "bakirkoy", 40.983, 28.872),  # noqa: RUF001  Turkish dotless i
    )),
    MetroArea("Tokyo", "tokyo", 35.6895, 139.6917, 40, _places(
        ("Shinjuku", "shinjuku", 35.694, 139.703),
        ("Shibuya", "shibuya", 35.658, 139.702),
        ("Nakameguro", "nakameguro", 35.644, 139.699),
        ("Shimokitazawa", "shimokitazawa", 35.661, 139.668),
        ("Koenji", "koenji", 35.705, 139.650),
        ("Kichijoji", "kichijoji", 35.703, 139.580),
        ("Ikebukuro", "ikebukuro", 35.730, 139.711),
        ("Asakusa", "asakusa", 35.715, 139.797),
    )),
    MetroArea("Seoul", "seoul", 37.5665, 126.9780, 30, _places(
        ("Jongno", "jongno", 37.573, 126.979),
        ("Hongdae", "hongdae", 37.556, 126.924),
        ("Mapo", "mapo", 37.566, 126.901),
        ("Yeouido", "yeouido", 37.525, 126.925),
        ("Itaewon", "itaewon", 37.534, 126.994),
        ("Seongsu", "seongsu", 37.544, 127.056),
        ("Gangnam", "gangnam", 37.498, 127.028),
        ("Jamsil", "jamsil", 37.511, 127.098),
    )),
    MetroArea("Singapore", "singapore", 1.3521, 103.8198, 20, _places(
        ("Tiong Bahru", "tiong-bahru", 1.286, 103.827),
        ("Holland Village", "holland-village", 1.311, 103.796),
        ("Bukit Timah", "bukit-timah", 1.329, 103.802),
        ("Toa Payoh", "toa-payoh", 1.334, 103.856),
        ("Bishan", "bishan", 1.351, 103.848),
        ("Ang Mo Kio", "ang-mo-kio", 1.369, 103.845),
        ("Tampines", "tampines", 1.354, 103.945),
        ("Katong", "katong", 1.308, 103.902),
    )),
    MetroArea("Sydney", "sydney", -33.8688, 151.2093, 35, _places(
        ("Surry Hills", "surry-hills", -33.884, 151.211),
        ("Paddington", "paddington", -33.884, 151.231),
        ("Bondi", "bondi", -33.893, 151.263),
        ("Newtown", "newtown", -33.897, 151.179),
        ("Balmain", "balmain", -33.858, 151.179),
        ("Manly", "manly", -33.797, 151.285),
        ("Chatswood", "chatswood", -33.797, 151.183),
        ("Parramatta", "parramatta", -33.815, 151.001),
    )),
    MetroArea("Melbourne", "melbourne", -37.8136, 144.9631, 35, _places(
        ("Carlton", "carlton", -37.800, 144.967),
        ("Fitzroy", "fitzroy", -37.799, 144.978),
        ("Brunswick", "brunswick", -37.767, 144.962),
        ("Richmond", "richmond", -37.823, 145.000),
        ("South Yarra", "south-yarra", -37.838, 144.993),
        ("St Kilda", "st-kilda", -37.860, 144.988),
        ("Hawthorn", "hawthorn", -37.822, 145.034),
        ("Footscray", "footscray", -37.800, 144.900),
    )),
    MetroArea("Mumbai", "mumbai", 19.0760, 72.8777, 30, _places(
        ("Colaba", "colaba", 18.915, 72.826),
        ("Lower Parel", "lower-parel", 18.996, 72.830),
        ("Dadar", "dadar", 19.018, 72.844),
        ("Bandra", "bandra", 19.060, 72.840),
        ("Juhu", "juhu", 19.104, 72.836),
        ("Andheri", "andheri", 19.119, 72.847),
        ("Powai", "powai", 19.118, 72.906),
        ("Chembur", "chembur", 19.062, 72.900),
    )),
    MetroArea("San Francisco", "san-francisco", 37.7749, -122.4194, 32, _places(
        ("Mission District", "mission-district", 37.760, -122.415),
        ("SoMa", "soma", 37.778, -122.405),
        ("Noe Valley", "noe-valley", 37.750, -122.433),
        ("Bernal Heights", "bernal-heights", 37.741, -122.415),
        ("Haight-Ashbury", "haight-ashbury", 37.770, -122.447),
        ("North Beach", "north-beach", 37.806, -122.410),
        ("Sunset District", "sunset-district", 37.753, -122.485),
        ("Richmond District", "richmond-district", 37.780, -122.475),
    )),
    MetroArea("Buenos Aires", "buenos-aires", -34.6037, -58.3816, 30, _places(
        ("Palermo", "palermo", -34.588, -58.430),
        ("Recoleta", "recoleta", -34.590, -58.397),
        ("San Telmo", "san-telmo", -34.621, -58.375),
        ("Almagro", "almagro", -34.607, -58.420),
        ("Villa Crespo", "villa-crespo", -34.599, -58.438),
        ("Caballito", "caballito", -34.619, -58.443),
        ("Belgrano", "belgrano", -34.562, -58.458),
        ("Núñez", "nunez", -34.548, -58.468),
    )),
    MetroArea("Barcelona", "barcelona", 41.3874, 2.1686, 18, _places(
        ("Eixample", "eixample", 41.389, 2.161),
        ("Gràcia", "gracia", 41.403, 2.157),
        ("El Born", "el-born", 41.386, 2.181),
        ("Barceloneta", "barceloneta", 41.380, 2.189),
        ("Poblenou", "poblenou", 41.403, 2.197),
        ("Sants", "sants", 41.375, 2.135),
        ("Sarrià", "sarria", 41.400, 2.120),
        ("Horta", "horta", 41.430, 2.160),
    )),
    MetroArea("Lisbon", "lisbon", 38.7223, -9.1393, 18, _places(
        ("Alfama", "alfama", 38.713, -9.131),
        ("Chiado", "chiado", 38.711, -9.142),
        ("Príncipe Real", "principe-real", 38.716, -9.149),
        ("Campo de Ourique", "campo-de-ourique", 38.717, -9.166),
        ("Arroios", "arroios", 38.730, -9.135),
        ("Alvalade", "alvalade", 38.750, -9.142),
        ("Belém", "belem", 38.697, -9.206),
        ("Parque das Nações", "parque-das-nacoes", 38.765, -9.100),
    )),
    MetroArea("Johannesburg", "johannesburg", -26.2041, 28.0473, 30, _places(
        ("Braamfontein", "braamfontein", -26.193, 28.034),
        ("Maboneng", "maboneng", -26.204, 28.058),
        ("Melville", "melville", -26.176, 28.009),
        ("Parkhurst", "parkhurst", -26.139, 28.019),
        ("Rosebank", "rosebank", -26.146, 28.044),
        ("Sandton", "sandton", -26.107, 28.057),
        ("Randburg", "randburg", -26.094, 28.006),
        ("Soweto", "soweto", -26.267, 27.858),
    )),
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
