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
    weight: float  # how many owners live there, relative to the metro's other neighbourhoods


@dataclass(frozen=True, slots=True)
class MetroArea:
    name: str
    slug: str  # User.metro, the `metro` filter of the engagement figures
    latitude: float  # the centre
    longitude: float
    radius_km: float  # the area; every demo owner lives within it
    neighbourhoods: tuple[Neighbourhood, ...]  # to pick from, all within the area

    def location_of(self, place: Neighbourhood) -> str:
        """An owner's `location` text for `place`, as the profile page writes it."""
        return f"{place.name}, {self.name}"


def _places(*rows: tuple[str, str, float, float, float]) -> tuple[Neighbourhood, ...]:
    return tuple(Neighbourhood(*row) for row in rows)


# fmt: off
METRO_AREAS: tuple[MetroArea, ...] = (
    MetroArea("New York", "new-york", 40.7128, -74.0060, 40, _places(
        ("Upper West Side", "upper-west-side", 40.787, -73.975, 3),
        ("Upper East Side", "upper-east-side", 40.774, -73.957, 1),
        ("Harlem", "harlem", 40.811, -73.946, 2),
        ("Greenwich Village", "greenwich-village", 40.734, -74.003, 1),
        ("Williamsburg", "williamsburg", 40.714, -73.957, 2),
        ("Park Slope", "park-slope", 40.671, -73.981, 2),
        ("Astoria", "astoria", 40.764, -73.923, 2),
        ("Long Island City", "long-island-city", 40.744, -73.949, 1),
        ("Brooklyn", "brooklyn", 40.650, -73.950, 6),
        ("Jackson Heights", "jackson-heights", 40.755, -73.885, 2),
        ("Flushing", "flushing", 40.767, -73.833, 2),
        ("The Bronx", "the-bronx", 40.845, -73.865, 4),
        ("Staten Island", "staten-island", 40.579, -74.151, 2),
        ("Jersey City", "jersey-city", 40.728, -74.078, 2),
        ("Hoboken", "hoboken", 40.744, -74.032, 1),
        ("Newark", "newark", 40.736, -74.190, 2),
        ("Yonkers", "yonkers", 40.931, -73.899, 1),
        ("Hempstead", "hempstead", 40.706, -73.619, 2),
    )),
    MetroArea("Los Angeles", "los-angeles", 34.0522, -118.2437, 45, _places(
        ("Downtown", "downtown", 34.040, -118.247, 2),
        ("Hollywood", "hollywood", 34.098, -118.327, 2),
        ("Silver Lake", "silver-lake", 34.087, -118.270, 2),
        ("Echo Park", "echo-park", 34.078, -118.261, 1),
        ("Koreatown", "koreatown", 34.058, -118.301, 2),
        ("Venice", "venice", 33.990, -118.460, 1),
        ("Santa Monica", "santa-monica", 34.024, -118.480, 2),
        ("Pasadena", "pasadena", 34.148, -118.144, 2),
        ("Van Nuys", "van-nuys", 34.187, -118.449, 3),
        ("Glendale", "glendale", 34.143, -118.255, 2),
        ("Burbank", "burbank", 34.181, -118.309, 1),
        ("Inglewood", "inglewood", 33.962, -118.353, 2),
        ("Long Beach", "long-beach", 33.790, -118.170, 3),
    )),
    MetroArea("Chicago", "chicago", 41.8781, -87.6298, 35, _places(
        ("The Loop", "the-loop", 41.881, -87.630, 1),
        ("Lincoln Park", "lincoln-park", 41.921, -87.651, 2),
        ("Lakeview", "lakeview", 41.943, -87.654, 2),
        ("Wicker Park", "wicker-park", 41.909, -87.680, 2),
        ("Logan Square", "logan-square", 41.923, -87.708, 2),
        ("Pilsen", "pilsen", 41.856, -87.657, 2),
        ("Hyde Park", "hyde-park", 41.794, -87.593, 2),
        ("Andersonville", "andersonville", 41.980, -87.668, 1),
        ("Bridgeport", "bridgeport", 41.838, -87.651, 1),
        ("Uptown", "uptown", 41.966, -87.660, 1),
        ("Rogers Park", "rogers-park", 42.009, -87.675, 1),
        ("Evanston", "evanston", 42.045, -87.695, 2),
        ("Oak Park", "oak-park", 41.885, -87.785, 2),
    )),
    MetroArea("Houston", "houston", 29.7604, -95.3698, 40, _places(
        ("Downtown", "downtown", 29.758, -95.367, 1),
        ("Midtown", "midtown", 29.740, -95.377, 2),
        ("Montrose", "montrose", 29.745, -95.391, 2),
        ("The Heights", "the-heights", 29.798, -95.398, 2),
        ("Museum District", "museum-district", 29.722, -95.390, 1),
        ("River Oaks", "river-oaks", 29.753, -95.420, 1),
        ("Rice Village", "rice-village", 29.716, -95.414, 1),
        ("Memorial", "memorial", 29.765, -95.520, 2),
        ("Third Ward", "third-ward", 29.728, -95.363, 1),
        ("Spring Branch", "spring-branch", 29.805, -95.506, 2),
        ("Bellaire", "bellaire", 29.706, -95.459, 1),
        ("Pasadena", "pasadena", 29.691, -95.209, 2),
        ("Pearland", "pearland", 29.564, -95.286, 2),
        ("Sugar Land", "sugar-land", 29.620, -95.635, 2),
    )),
    MetroArea("Toronto", "toronto", 43.6532, -79.3832, 30, _places(
        ("Yorkville", "yorkville", 43.671, -79.393, 1),
        ("The Annex", "the-annex", 43.670, -79.405, 1),
        ("Kensington Market", "kensington-market", 43.655, -79.401, 1),
        ("Liberty Village", "liberty-village", 43.638, -79.421, 1),
        ("Leslieville", "leslieville", 43.662, -79.332, 1),
        ("The Beaches", "the-beaches", 43.675, -79.298, 1),
        ("High Park", "high-park", 43.653, -79.464, 1),
        ("North York", "north-york", 43.761, -79.411, 3),
        ("Downtown", "downtown", 43.653, -79.385, 2),
        ("Scarborough", "scarborough", 43.776, -79.232, 3),
        ("Etobicoke", "etobicoke", 43.630, -79.520, 2),
        ("Mississauga", "mississauga", 43.589, -79.644, 3),
        ("Markham", "markham", 43.856, -79.337, 2),
    )),
    MetroArea("Mexico City", "mexico-city", 19.4326, -99.1332, 30, _places(
        ("Roma Norte", "roma-norte", 19.419, -99.162, 2),
        ("Condesa", "condesa", 19.411, -99.173, 2),
        ("Polanco", "polanco", 19.433, -99.196, 1),
        ("Centro Histórico", "centro-historico", 19.434, -99.134, 1),
        ("Juárez", "juarez", 19.427, -99.157, 1),
        ("Del Valle", "del-valle", 19.386, -99.167, 2),
        ("Coyoacán", "coyoacan", 19.350, -99.162, 2),
        ("San Ángel", "san-angel", 19.346, -99.190, 1),
        ("Narvarte", "narvarte", 19.395, -99.151, 1),
        ("Tlalpan", "tlalpan", 19.294, -99.170, 2),
        ("Iztapalapa", "iztapalapa", 19.358, -99.093, 4),
        ("Azcapotzalco", "azcapotzalco", 19.487, -99.185, 2),
        ("Santa Fe", "santa-fe", 19.360, -99.260, 1),
        ("Naucalpan", "naucalpan", 19.478, -99.238, 2),
        ("Ecatepec", "ecatepec", 19.601, -99.050, 3),
    )),
    MetroArea("São Paulo", "sao-paulo", -23.5505, -46.6333, 30, _places(
        ("Pinheiros", "pinheiros", -23.567, -46.702, 2),
        ("Vila Madalena", "vila-madalena", -23.556, -46.691, 1),
        ("Jardins", "jardins", -23.566, -46.662, 1),
        ("Bela Vista", "bela-vista", -23.561, -46.646, 1),
        ("Vila Mariana", "vila-mariana", -23.589, -46.635, 2),
        ("Moema", "moema", -23.600, -46.666, 1),
        ("Mooca", "mooca", -23.560, -46.599, 2),
        ("Santana", "santana", -23.501, -46.626, 2),
        ("Tatuapé", "tatuape", -23.540, -46.576, 2),
        ("Lapa", "lapa", -23.523, -46.705, 1),
        ("Santo André", "santo-andre", -23.663, -46.538, 2),
        ("Guarulhos", "guarulhos", -23.454, -46.533, 3),
        ("Osasco", "osasco", -23.532, -46.792, 2),
    )),
    MetroArea("London", "london", 51.5074, -0.1278, 30, _places(
        ("Camden", "camden", 51.539, -0.142, 2),
        ("Islington", "islington", 51.538, -0.103, 2),
        ("Hackney", "hackney", 51.545, -0.055, 2),
        ("Shoreditch", "shoreditch", 51.526, -0.078, 1),
        ("Notting Hill", "notting-hill", 51.509, -0.196, 1),
        ("Greenwich", "greenwich", 51.478, -0.010, 2),
        ("Brixton", "brixton", 51.462, -0.115, 2),
        ("Clapham", "clapham", 51.462, -0.138, 2),
        ("Walthamstow", "walthamstow", 51.584, -0.020, 2),
        ("Stratford", "stratford", 51.541, -0.003, 2),
        ("Peckham", "peckham", 51.474, -0.069, 2),
        ("Wimbledon", "wimbledon", 51.421, -0.206, 2),
        ("Richmond", "richmond", 51.461, -0.304, 1),
        ("Ealing", "ealing", 51.513, -0.305, 2),
        ("Croydon", "croydon", 51.376, -0.098, 3),
    )),
    MetroArea("Paris", "paris", 48.8566, 2.3522, 20, _places(
        ("Le Marais", "le-marais", 48.859, 2.362, 1),
        ("Montmartre", "montmartre", 48.886, 2.341, 2),
        ("Batignolles", "batignolles", 48.887, 2.317, 2),
        ("Belleville", "belleville", 48.872, 2.384, 2),
        ("Bastille", "bastille", 48.853, 2.369, 2),
        ("Saint-Germain-des-Prés", "saint-germain-des-pres", 48.854, 2.333, 1),
        ("Montparnasse", "montparnasse", 48.842, 2.321, 2),
        ("Passy", "passy", 48.857, 2.280, 1),
        ("Bercy", "bercy", 48.835, 2.382, 1),
        ("Boulogne-Billancourt", "boulogne-billancourt", 48.835, 2.240, 2),
        ("Issy-les-Moulineaux", "issy-les-moulineaux", 48.824, 2.270, 1),
        ("Neuilly-sur-Seine", "neuilly-sur-seine", 48.885, 2.268, 1),
        ("Saint-Denis", "saint-denis", 48.936, 2.358, 2),
        ("Montreuil", "montreuil", 48.864, 2.443, 2),
        ("Vincennes", "vincennes", 48.847, 2.439, 1),
    )),
    MetroArea("Berlin", "berlin", 52.5200, 13.4050, 20, _places(
        ("Mitte", "mitte", 52.520, 13.405, 1),
        ("Prenzlauer Berg", "prenzlauer-berg", 52.539, 13.424, 2),
        ("Friedrichshain", "friedrichshain", 52.516, 13.454, 2),
        ("Kreuzberg", "kreuzberg", 52.499, 13.403, 2),
        ("Neukölln", "neukoelln", 52.481, 13.435, 2),
        ("Schöneberg", "schoeneberg", 52.482, 13.356, 2),
        ("Charlottenburg", "charlottenburg", 52.516, 13.304, 2),
        ("Wedding", "wedding", 52.550, 13.366, 2),
        ("Pankow", "pankow", 52.569, 13.402, 2),
        ("Steglitz", "steglitz", 52.457, 13.322, 2),
        ("Spandau", "spandau", 52.535, 13.200, 2),
        ("Köpenick", "kopenick", 52.445, 13.575, 1),
    )),
    MetroArea("Madrid", "madrid", 40.4168, -3.7038, 22, _places(
        ("Malasaña", "malasana", 40.426, -3.705, 1),
        ("Chueca", "chueca", 40.423, -3.697, 1),
        ("Chamberí", "chamberi", 40.434, -3.703, 2),
        ("La Latina", "la-latina", 40.411, -3.709, 1),
        ("Lavapiés", "lavapies", 40.409, -3.701, 1),
        ("Salamanca", "salamanca", 40.430, -3.677, 2),
        ("Retiro", "retiro", 40.411, -3.676, 1),
        ("Chamartín", "chamartin", 40.462, -3.677, 2),
        ("Arganzuela", "arganzuela", 40.398, -3.700, 2),
        ("Carabanchel", "carabanchel", 40.383, -3.728, 3),
        ("Vallecas", "vallecas", 40.385, -3.660, 3),
        ("Moncloa", "moncloa", 40.435, -3.719, 1),
        ("Pozuelo de Alarcón", "pozuelo-de-alarcon", 40.435, -3.814, 1),
        ("Getafe", "getafe", 40.305, -3.733, 2),
        ("Alcobendas", "alcobendas", 40.547, -3.642, 2),
    )),
    MetroArea("Rome", "rome", 41.9028, 12.4964, 15, _places(
        ("Trastevere", "trastevere", 41.889, 12.470, 2),
        ("Monti", "monti", 41.895, 12.493, 1),
        ("Testaccio", "testaccio", 41.877, 12.476, 1),
        ("Prati", "prati", 41.907, 12.462, 2),
        ("Parioli", "parioli", 41.925, 12.496, 2),
        ("San Lorenzo", "san-lorenzo", 41.898, 12.516, 1),
        ("Pigneto", "pigneto", 41.888, 12.528, 2),
        ("Garbatella", "garbatella", 41.861, 12.488, 2),
        ("Centocelle", "centocelle", 41.879, 12.565, 2),
        ("Monteverde", "monteverde", 41.877, 12.455, 2),
        ("EUR", "eur", 41.830, 12.467, 2),
    )),
    MetroArea("Amsterdam", "amsterdam", 52.3676, 4.9041, 24, _places(
        ("Jordaan", "jordaan", 52.375, 4.880, 1),
        ("De Pijp", "de-pijp", 52.353, 4.894, 2),
        ("Oud-West", "oud-west", 52.365, 4.865, 2),
        ("Westerpark", "westerpark", 52.386, 4.874, 1),
        ("Oost", "oost", 52.359, 4.935, 2),
        ("Noord", "noord", 52.395, 4.920, 2),
        ("Zuid", "zuid", 52.345, 4.870, 2),
        ("Nieuw-West", "nieuw-west", 52.365, 4.800, 3),
        ("Amstelveen", "amstelveen", 52.301, 4.863, 2),
        ("Zaandam", "zaandam", 52.439, 4.826, 2),
        ("Haarlem", "haarlem", 52.381, 4.637, 2),
    )),
    MetroArea("Stockholm", "stockholm", 59.3293, 18.0686, 18, _places(
        ("Gamla stan", "gamla-stan", 59.325, 18.071, 1),
        ("Södermalm", "sodermalm", 59.315, 18.072, 3),
        ("Östermalm", "ostermalm", 59.338, 18.090, 2),
        ("Vasastan", "vasastan", 59.345, 18.050, 2),
        ("Kungsholmen", "kungsholmen", 59.332, 18.030, 2),
        ("Hammarby Sjöstad", "hammarby-sjostad", 59.304, 18.101, 1),
        ("Bromma", "bromma", 59.339, 17.940, 2),
        ("Hägersten", "hagersten", 59.297, 17.978, 2),
        ("Solna", "solna", 59.360, 18.000, 2),
        ("Sundbyberg", "sundbyberg", 59.361, 17.972, 1),
        ("Nacka", "nacka", 59.310, 18.164, 2),
        ("Lidingö", "lidingo", 59.366, 18.133, 1),
    )),
    MetroArea("Istanbul", "istanbul", 41.0082, 28.9784, 30, _places(
        ("Kadıköy", "kadikoy", 40.991, 29.035, 3),  # noqa: RUF001  Turkish dotless i
        ("Moda", "moda", 40.984, 29.030, 1),
        ("Üsküdar", "uskudar", 41.023, 29.025, 2),
        ("Beşiktaş", "besiktas", 41.045, 29.002, 2),
        ("Cihangir", "cihangir", 41.031, 28.983, 1),
        ("Nişantaşı", "nisantasi", 41.052, 28.993, 1),  # noqa: RUF001  Turkish dotless i
        ("Balat", "balat", 41.029, 28.948, 1),
        ("Bakırköy", "bakirkoy", 40.983, 28.872, 2),  # noqa: RUF001  Turkish dotless i
        ("Ataşehir", "atasehir", 40.992, 29.124, 2),
        ("Maltepe", "maltepe", 40.935, 29.131, 2),
        ("Şişli", "sisli", 41.060, 28.987, 2),
        ("Fatih", "fatih", 41.019, 28.940, 2),
        ("Bahçelievler", "bahcelievler", 41.000, 28.860, 2),
        ("Sarıyer", "sariyer", 41.167, 29.045, 1),  # noqa: RUF001  Turkish dotless i
    )),
    MetroArea("Tokyo", "tokyo", 35.6895, 139.6917, 40, _places(
        ("Shinjuku", "shinjuku", 35.694, 139.703, 2),
        ("Shibuya", "shibuya", 35.658, 139.702, 2),
        ("Nakameguro", "nakameguro", 35.644, 139.699, 1),
        ("Shimokitazawa", "shimokitazawa", 35.661, 139.668, 1),
        ("Koenji", "koenji", 35.705, 139.650, 1),
        ("Kichijoji", "kichijoji", 35.703, 139.580, 2),
        ("Ikebukuro", "ikebukuro", 35.730, 139.711, 2),
        ("Asakusa", "asakusa", 35.715, 139.797, 1),
        ("Meguro", "meguro", 35.634, 139.716, 1),
        ("Setagaya", "setagaya", 35.646, 139.653, 3),
        ("Nerima", "nerima", 35.736, 139.652, 2),
        ("Kawasaki", "kawasaki", 35.531, 139.703, 3),
        ("Yokohama", "yokohama", 35.450, 139.620, 4),
        ("Saitama", "saitama", 35.861, 139.646, 3),
        ("Funabashi", "funabashi", 35.700, 139.985, 2),
    )),
    MetroArea("Seoul", "seoul", 37.5665, 126.9780, 30, _places(
        ("Jongno", "jongno", 37.573, 126.979, 1),
        ("Hongdae", "hongdae", 37.556, 126.924, 1),
        ("Mapo", "mapo", 37.566, 126.901, 2),
        ("Yeouido", "yeouido", 37.525, 126.925, 1),
        ("Itaewon", "itaewon", 37.534, 126.994, 1),
        ("Seongsu", "seongsu", 37.544, 127.056, 1),
        ("Gangnam", "gangnam", 37.498, 127.028, 3),
        ("Jamsil", "jamsil", 37.511, 127.098, 2),
        ("Nowon", "nowon", 37.654, 127.056, 2),
        ("Bundang", "bundang", 37.383, 127.119, 3),
        ("Ilsan", "ilsan", 37.676, 126.770, 2),
        ("Bucheon", "bucheon", 37.503, 126.766, 2),
    )),
    MetroArea("Singapore", "singapore", 1.3521, 103.8198, 20, _places(
        ("Tiong Bahru", "tiong-bahru", 1.286, 103.827, 1),
        ("Holland Village", "holland-village", 1.311, 103.796, 1),
        ("Bukit Timah", "bukit-timah", 1.329, 103.802, 1),
        ("Toa Payoh", "toa-payoh", 1.334, 103.856, 2),
        ("Bishan", "bishan", 1.351, 103.848, 1),
        ("Ang Mo Kio", "ang-mo-kio", 1.369, 103.845, 2),
        ("Tampines", "tampines", 1.354, 103.945, 2),
        ("Katong", "katong", 1.308, 103.902, 1),
        ("Clementi", "clementi", 1.315, 103.765, 1),
        ("Jurong East", "jurong-east", 1.333, 103.742, 2),
        ("Woodlands", "woodlands", 1.436, 103.786, 2),
        ("Sengkang", "sengkang", 1.391, 103.895, 2),
        ("Punggol", "punggol", 1.402, 103.907, 2),
    )),
    MetroArea("Sydney", "sydney", -33.8688, 151.2093, 35, _places(
        ("Surry Hills", "surry-hills", -33.884, 151.211, 1),
        ("Paddington", "paddington", -33.884, 151.231, 1),
        ("Bondi", "bondi", -33.893, 151.263, 1),
        ("Newtown", "newtown", -33.897, 151.179, 1),
        ("Balmain", "balmain", -33.858, 151.179, 1),
        ("Manly", "manly", -33.797, 151.285, 1),
        ("Chatswood", "chatswood", -33.797, 151.183, 2),
        ("Parramatta", "parramatta", -33.815, 151.001, 3),
        ("Randwick", "randwick", -33.914, 151.241, 1),
        ("Marrickville", "marrickville", -33.911, 151.155, 1),
        ("Strathfield", "strathfield", -33.874, 151.083, 2),
        ("Ryde", "ryde", -33.815, 151.104, 2),
        ("Hornsby", "hornsby", -33.703, 151.099, 2),
        ("Liverpool", "liverpool", -33.920, 150.924, 3),
    )),
    MetroArea("Melbourne", "melbourne", -37.8136, 144.9631, 35, _places(
        ("Carlton", "carlton", -37.800, 144.967, 1),
        ("Fitzroy", "fitzroy", -37.799, 144.978, 1),
        ("Brunswick", "brunswick", -37.767, 144.962, 2),
        ("Richmond", "richmond", -37.823, 145.000, 1),
        ("South Yarra", "south-yarra", -37.838, 144.993, 1),
        ("St Kilda", "st-kilda", -37.860, 144.988, 1),
        ("Hawthorn", "hawthorn", -37.822, 145.034, 1),
        ("Footscray", "footscray", -37.800, 144.900, 2),
        ("Coburg", "coburg", -37.744, 144.966, 2),
        ("Preston", "preston", -37.745, 145.008, 2),
        ("Box Hill", "box-hill", -37.819, 145.122, 2),
        ("Glen Waverley", "glen-waverley", -37.878, 145.164, 2),
        ("Dandenong", "dandenong", -37.987, 145.215, 2),
    )),
    MetroArea("Mumbai", "mumbai", 19.0760, 72.8777, 30, _places(
        ("Colaba", "colaba", 18.915, 72.826, 1),
        ("Lower Parel", "lower-parel", 18.996, 72.830, 1),
        ("Dadar", "dadar", 19.018, 72.844, 2),
        ("Bandra", "bandra", 19.060, 72.840, 2),
        ("Juhu", "juhu", 19.104, 72.836, 1),
        ("Andheri", "andheri", 19.119, 72.847, 3),
        ("Powai", "powai", 19.118, 72.906, 2),
        ("Chembur", "chembur", 19.062, 72.900, 2),
        ("Goregaon", "goregaon", 19.165, 72.849, 2),
        ("Malad", "malad", 19.187, 72.849, 2),
        ("Borivali", "borivali", 19.230, 72.857, 2),
        ("Ghatkopar", "ghatkopar", 19.086, 72.908, 2),
        ("Mulund", "mulund", 19.172, 72.956, 2),
        ("Thane", "thane", 19.218, 72.978, 3),
        ("Vashi", "vashi", 19.075, 73.000, 2),
    )),
    MetroArea("San Francisco", "san-francisco", 37.7749, -122.4194, 32, _places(
        ("Mission District", "mission-district", 37.760, -122.415, 2),
        ("SoMa", "soma", 37.778, -122.405, 1),
        ("Noe Valley", "noe-valley", 37.750, -122.433, 1),
        ("Bernal Heights", "bernal-heights", 37.741, -122.415, 1),
        ("Haight-Ashbury", "haight-ashbury", 37.770, -122.447, 1),
        ("North Beach", "north-beach", 37.806, -122.410, 1),
        ("Sunset District", "sunset-district", 37.753, -122.485, 2),
        ("Richmond District", "richmond-district", 37.780, -122.475, 2),
        ("Daly City", "daly-city", 37.688, -122.470, 2),
        ("San Mateo", "san-mateo", 37.563, -122.325, 2),
        ("Oakland", "oakland", 37.804, -122.260, 3),
        ("Berkeley", "berkeley", 37.872, -122.273, 2),
    )),
    MetroArea("Buenos Aires", "buenos-aires", -34.6037, -58.3816, 30, _places(
        ("Palermo", "palermo", -34.588, -58.430, 2),
        ("Recoleta", "recoleta", -34.590, -58.397, 2),
        ("San Telmo", "san-telmo", -34.621, -58.375, 1),
        ("Almagro", "almagro", -34.607, -58.420, 1),
        ("Villa Crespo", "villa-crespo", -34.599, -58.438, 1),
        ("Caballito", "caballito", -34.619, -58.443, 2),
        ("Belgrano", "belgrano", -34.562, -58.458, 2),
        ("Núñez", "nunez", -34.548, -58.468, 1),
        ("Flores", "flores", -34.628, -58.465, 2),
        ("Vicente López", "vicente-lopez", -34.527, -58.485, 2),
        ("San Isidro", "san-isidro", -34.475, -58.540, 2),
        ("Morón", "moron", -34.653, -58.620, 3),
        ("Lanús", "lanus", -34.703, -58.395, 3),
        ("Quilmes", "quilmes", -34.730, -58.270, 2),
    )),
    MetroArea("Barcelona", "barcelona", 41.3874, 2.1686, 18, _places(
        ("Eixample", "eixample", 41.389, 2.161, 3),
        ("Gràcia", "gracia", 41.403, 2.157, 2),
        ("El Born", "el-born", 41.386, 2.181, 1),
        ("Barceloneta", "barceloneta", 41.380, 2.189, 1),
        ("Poblenou", "poblenou", 41.403, 2.197, 2),
        ("Sants", "sants", 41.375, 2.135, 2),
        ("Sarrià", "sarria", 41.400, 2.120, 1),
        ("Horta", "horta", 41.430, 2.160, 1),
        ("Sant Andreu", "sant-andreu", 41.435, 2.190, 2),
        ("L'Hospitalet de Llobregat", "lhospitalet-de-llobregat", 41.360, 2.100, 3),
        ("Badalona", "badalona", 41.452, 2.235, 2),
        ("Sant Cugat del Vallès", "sant-cugat-del-valles", 41.472, 2.085, 1),
    )),
    MetroArea("Lisbon", "lisbon", 38.7223, -9.1393, 18, _places(
        ("Alfama", "alfama", 38.713, -9.131, 1),
        ("Chiado", "chiado", 38.711, -9.142, 1),
        ("Príncipe Real", "principe-real", 38.716, -9.149, 1),
        ("Campo de Ourique", "campo-de-ourique", 38.717, -9.166, 1),
        ("Arroios", "arroios", 38.730, -9.135, 2),
        ("Alvalade", "alvalade", 38.750, -9.142, 2),
        ("Belém", "belem", 38.697, -9.206, 1),
        ("Parque das Nações", "parque-das-nacoes", 38.765, -9.100, 1),
        ("Lumiar", "lumiar", 38.772, -9.160, 2),
        ("Benfica", "benfica", 38.751, -9.200, 2),
        ("Amadora", "amadora", 38.755, -9.230, 3),
        ("Odivelas", "odivelas", 38.793, -9.183, 2),
    )),
    MetroArea("Johannesburg", "johannesburg", -26.2041, 28.0473, 30, _places(
        ("Braamfontein", "braamfontein", -26.193, 28.034, 1),
        ("Maboneng", "maboneng", -26.204, 28.058, 1),
        ("Melville", "melville", -26.176, 28.009, 1),
        ("Parkhurst", "parkhurst", -26.139, 28.019, 1),
        ("Rosebank", "rosebank", -26.146, 28.044, 1),
        ("Sandton", "sandton", -26.107, 28.057, 3),
        ("Randburg", "randburg", -26.094, 28.006, 2),
        ("Soweto", "soweto", -26.267, 27.858, 4),
        ("Fourways", "fourways", -26.015, 28.010, 2),
        ("Midrand", "midrand", -25.996, 28.128, 2),
        ("Bedfordview", "bedfordview", -26.178, 28.136, 1),
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
