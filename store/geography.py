"""Cities, warehouses and delivery times of the reference store.

Canonical Ukrainian city names with coordinates, the other spellings callers (and speech
recognition) produce, the five warehouses, and a day-granularity door-delivery estimate.
"""

from __future__ import annotations

import math
import re

from store.fitment import lookup_key as _key

# Canonical Ukrainian city name → (latitude, longitude); used for delivery-time estimates.
CITY_COORDS: dict[str, tuple[float, float]] = {
    "Київ": (50.45, 30.52),
    "Львів": (49.84, 24.03),
    "Одеса": (46.48, 30.72),
    "Дніпро": (48.46, 35.05),
    "Харків": (49.99, 36.23),
    "Запоріжжя": (47.84, 35.14),
    "Вінниця": (49.23, 28.47),
    "Полтава": (49.59, 34.55),
    "Чернігів": (51.49, 31.29),
    "Житомир": (50.25, 28.66),
    "Рівне": (50.62, 26.25),
    "Луцьк": (50.75, 25.33),
    "Тернопіль": (49.55, 25.59),
    "Івано-Франківськ": (48.92, 24.71),
    "Ужгород": (48.62, 22.29),
    "Чернівці": (48.29, 25.94),
    "Хмельницький": (49.42, 26.99),
    "Черкаси": (49.44, 32.06),
    "Суми": (50.91, 34.80),
    "Кропивницький": (48.51, 32.26),
    "Миколаїв": (46.98, 32.00),
    "Херсон": (46.64, 32.62),
    "Кривий Ріг": (47.91, 33.39),
    "Біла Церква": (49.80, 30.11),
    "Бровари": (50.51, 30.79),
    "Ірпінь": (50.52, 30.25),
    "Кременчук": (49.07, 33.42),
    "Мукачево": (48.44, 22.72),
}

# Other spellings people (and speech recognition) produce: English, Russian, locative case.
_CITY_ALIASES: dict[str, list[str]] = {
    "Київ": ["kyiv", "kiev", "киев", "києві", "киеве", "кієв"],
    "Львів": ["lviv", "lvov", "львов", "львові", "львове"],
    "Одеса": ["odesa", "odessa", "одесса", "одесі", "одессе"],
    "Дніпро": ["dnipro", "dnepr", "днепр", "дніпрі", "днепре", "дніпропетровськ"],
    "Харків": ["kharkiv", "kharkov", "харьков", "харкові", "харькове"],
    "Запоріжжя": ["zaporizhzhia", "zaporozhye", "запорожье", "запоріжжі"],
    "Вінниця": ["vinnytsia", "винница", "вінниці"],
    "Полтава": ["poltava", "полтаві"],
    "Чернігів": ["chernihiv", "чернигов", "чернігові"],
    "Житомир": ["zhytomyr", "житомирі"],
    "Рівне": ["rivne", "ровно", "рівному"],
    "Луцьк": ["lutsk", "луцке", "луцьку"],
    "Тернопіль": ["ternopil", "тернополь", "тернополі"],
    "Івано-Франківськ": ["ivano-frankivsk", "ивано-франковск", "франківськ", "франику"],
    "Ужгород": ["uzhhorod", "ужгороді"],
    "Чернівці": ["chernivtsi", "черновцы", "чернівцях"],
    "Хмельницький": ["khmelnytskyi", "хмельницкий", "хмельницькому"],
    "Черкаси": ["cherkasy", "черкассы", "черкасах"],
    "Суми": ["sumy", "сумы", "сумах"],
    "Кропивницький": ["kropyvnytskyi", "кропивницкий", "кропивницькому"],
    "Миколаїв": ["mykolaiv", "николаев", "миколаєві"],
    "Херсон": ["kherson", "херсоні"],
    "Кривий Ріг": ["kryvyi rih", "кривой рог", "кривому розі"],
    "Біла Церква": ["bila tserkva", "белая церковь", "білій церкві"],
    "Бровари": ["brovary", "броварах"],
    "Ірпінь": ["irpin", "ирпень", "ірпені"],
    "Кременчук": ["kremenchuk", "кременчуг", "кременчуці"],
    "Мукачево": ["mukachevo", "мукачеві"],
}

WAREHOUSES: list[tuple[str, str, str]] = [
    # (warehouse_id, city, name)
    ("KYIV-1", "Київ", "Склад Київ, Бориспільська"),
    ("LVIV-1", "Львів", "Склад Львів, Городоцька"),
    ("ODESA-1", "Одеса", "Склад Одеса, Овідіопольська дорога"),
    ("DNIPRO-1", "Дніпро", "Склад Дніпро, Запорізьке шосе"),
    ("KHARKIV-1", "Харків", "Склад Харків, Московський проспект"),
]

# A city we do not know still gets a delivery estimate: parcel carriers reach all of Ukraine.
DEFAULT_DELIVERY_DAYS = 3


_CITY_INDEX: dict[str, str] = {}
for _city, _aliases in _CITY_ALIASES.items():
    for _alias in [_city, *_aliases]:
        _CITY_INDEX[_key(_alias)] = _city


# "у Львові", "м. Київ", "місто Одеса": what is left of a phrase the agent passes through.
_CITY_PREFIX = re.compile(
    r"^\s*(?:(?:у|в|до|з|із|місто|город|city of)\s+|м\.\s*)", re.IGNORECASE
)


def normalize_city(name: str | None) -> str | None:
    """Canonical Ukrainian city name for any known spelling, else None."""
    if not name:
        return None
    found = _CITY_INDEX.get(_key(name))
    if found is None:
        found = _CITY_INDEX.get(_key(_CITY_PREFIX.sub("", name, count=1)))
    return found


def _distance_km(a: str, b: str) -> float:
    (lat1, lon1), (lat2, lon2) = CITY_COORDS[a], CITY_COORDS[b]
    # Equirectangular approximation: plenty for a day-granularity estimate.
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6371.0 * math.hypot(x, y)


def delivery_days(warehouse_city: str, customer_city: str | None) -> int | None:
    """Door delivery from a warehouse to a city: 1 day in the same city, otherwise 1–3."""
    if customer_city is None:
        return None
    if customer_city == warehouse_city:
        return 1
    if customer_city not in CITY_COORDS or warehouse_city not in CITY_COORDS:
        return DEFAULT_DELIVERY_DAYS
    km = _distance_km(warehouse_city, customer_city)
    if km <= 300:
        return 1
    if km <= 650:
        return 2
    return 3
