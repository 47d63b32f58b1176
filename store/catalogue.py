"""Deterministic generator of the reference store's catalogue (no network, seeded RNG).

It produces what a Ukrainian online tire shop sells: real brands and model lines per season,
common sizes R13–R22 with plausible UAH prices by brand tier and rim, EU labels, load/speed
indexes, spoken-style Ukrainian descriptions, stock in five warehouses, and OEM fitment for
the cars people drive in Ukraine (with Cyrillic aliases for lookup). The same seed always
gives the same catalogue, so tests and demos can name SKUs.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from functools import lru_cache

from store.api_models import EuLabel, Season, Tire, VehicleFitment, format_size

DEFAULT_SEED = 20251123

# ---------------------------------------------------------------------------------------------
# Cities, warehouses, delivery
# ---------------------------------------------------------------------------------------------

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


def _key(text: str) -> str:
    """Lookup key: lower case, no spaces/dashes/dots, Cyrillic look-alikes folded to Latin.

    Both stored aliases and queries go through this, so "Х5" (Cyrillic Х) finds "X5" and
    "CX 5" finds "CX-5"; the folding only has to be consistent, not linguistically right.
    """
    text = text.strip().lower().replace("ё", "е").replace("’", "'").replace("ʼ", "'")
    text = re.sub(r"[\s\-_.'\"]+", "", text)
    return text.translate(_HOMOGLYPHS)


_HOMOGLYPHS = str.maketrans("авсекмнорстухі", "abcekmhopctyxi")


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


# ---------------------------------------------------------------------------------------------
# Sizes
# ---------------------------------------------------------------------------------------------

# (size, load index, popularity 0..1): popularity drives how many model lines stock it.
_SIZES_TEXT = """
145/70 R13 71 .15 | 155/65 R13 73 .2 | 155/70 R13 75 .3 | 165/70 R13 79 .45 | 175/70 R13 82 .8
165/60 R14 75 .2 | 165/70 R14 81 .4 | 175/65 R14 82 .7 | 175/70 R14 84 .6 | 185/60 R14 82 .7
185/65 R14 86 .55 | 185/70 R14 88 .3
175/65 R15 84 .35 | 185/55 R15 82 .4 | 185/60 R15 84 .6 | 185/65 R15 88 .85 | 195/55 R15 85 .45
195/65 R15 91 .85 | 205/65 R15 94 .3 | 205/70 R15 96 .25
175/80 R16 91 .15 | 195/55 R16 87 .55 | 205/55 R16 91 .95 | 205/60 R16 92 .7 | 205/65 R16 95 .35
215/45 R16 90 .2 | 215/55 R16 93 .4 | 215/60 R16 95 .7 | 215/65 R16 98 .75 | 215/70 R16 100 .35
225/55 R16 95 .35 | 195/60 R16 89 .25
205/50 R17 93 .35 | 205/55 R17 95 .4 | 215/45 R17 91 .35 | 215/50 R17 95 .45 | 215/55 R17 94 .75
215/60 R17 96 .7 | 225/45 R17 94 .85 | 225/50 R17 98 .6 | 225/55 R17 97 .55 | 225/60 R17 99 .65
225/65 R17 102 .8 | 235/45 R17 97 .35 | 235/50 R17 96 .25 | 235/55 R17 99 .45 | 235/60 R17 102 .3
235/65 R17 104 .5 | 245/45 R17 95 .2 | 265/65 R17 112 .3 | 215/65 R17 99 .45
215/45 R18 93 .25 | 215/55 R18 95 .35 | 225/40 R18 92 .45 | 225/45 R18 95 .45 | 225/50 R18 95 .35
225/55 R18 98 .55 | 225/60 R18 100 .6 | 235/45 R18 94 .4 | 235/50 R18 97 .4 | 235/55 R18 100 .8
235/60 R18 103 .75 | 245/40 R18 97 .3 | 245/45 R18 96 .55 | 245/50 R18 100 .3 | 245/60 R18 105 .3
255/55 R18 109 .5 | 255/60 R18 108 .35 | 265/60 R18 110 .4 | 285/60 R18 116 .2
225/45 R19 96 .25 | 225/55 R19 99 .3 | 235/40 R19 96 .35 | 235/50 R19 99 .35 | 235/55 R19 101 .6
245/40 R19 98 .35 | 245/45 R19 102 .6 | 245/50 R19 105 .3 | 255/45 R19 104 .45 | 255/50 R19 107 .45
255/55 R19 111 .3 | 265/50 R19 110 .3 | 245/55 R19 103 .25
255/40 R20 101 .55 | 255/45 R20 105 .45 | 255/50 R20 109 .3 | 265/50 R20 111 .3 | 275/40 R20 106 .35
275/45 R20 110 .45 | 285/50 R20 116 .2
245/40 R21 100 .2 | 255/40 R21 102 .25 | 265/45 R21 104 .25 | 275/45 R21 110 .3
275/40 R22 108 .2 | 285/40 R22 110 .25 | 285/45 R22 114 .2
"""


@dataclass(frozen=True)
class Size:
    width: int
    profile: int
    rim: int
    load_index: int
    popularity: float

    @property
    def text(self) -> str:
        return format_size(self.width, self.profile, self.rim)

    @property
    def suv(self) -> bool:
        """Tall or wide sizes of crossovers and SUVs."""
        return (self.profile >= 60 and self.width >= 215 and self.rim >= 16) or (
            self.width >= 255 and self.profile >= 50
        )


def _parse_sizes() -> list[Size]:
    sizes: list[Size] = []
    for chunk in _SIZES_TEXT.replace("\n", "|").split("|"):
        if not chunk.strip():
            continue
        size_text, rim_text, li, pop = chunk.split()
        w, p = size_text.split("/")
        sizes.append(Size(int(w), int(p), int(rim_text[1:]), int(li), float(pop)))
    return sizes


SIZES: list[Size] = _parse_sizes()

# ---------------------------------------------------------------------------------------------
# Brands and model lines
# ---------------------------------------------------------------------------------------------

# Price (UAH) of one tire of a typical width per rim, per brand tier.
_TIER_PRICE: dict[str, dict[int, int]] = {
    "budget": {13: 1600, 14: 1800, 15: 2050, 16: 2400, 17: 2850, 18: 3400, 19: 4000, 20: 4600},
    "mid": {13: 1950, 14: 2250, 15: 2600, 16: 3150, 17: 3850, 18: 4650, 19: 5500, 20: 6500,
            21: 7500, 22: 8600},
    "premium": {13: 2500, 14: 2900, 15: 3450, 16: 4350, 17: 5350, 18: 6500, 19: 7900, 20: 9300,
                21: 10800, 22: 12600},
}
_TYPICAL_WIDTH: dict[int, int] = {
    13: 165, 14: 175, 15: 195, 16: 205, 17: 225, 18: 235, 19: 245, 20: 255, 21: 265, 22: 285,
}
_TIER_SCORE = {"premium": 0, "mid": 1, "budget": 2}  # 0 = best EU label classes


@dataclass(frozen=True)
class Line:
    """One model line of a brand, e.g. Michelin Alpin 6."""

    model: str
    code: str
    season: Season
    kind: str  # description family: touring, sport, eco, suv, ev, budget, friction, ...
    rim_min: int
    rim_max: int
    studded: bool = False
    price_factor: float = 1.0
    suv_only: bool = False


@dataclass(frozen=True)
class Brand:
    name: str
    code: str
    tier: str
    aliases: tuple[str, ...]
    lines: tuple[Line, ...]
    run_flat: bool = False  # offers run-flat versions of some premium sizes
    made_in_ukraine: bool = False


S, W, A = Season.SUMMER, Season.WINTER, Season.ALL_SEASON

BRANDS: list[Brand] = [
    Brand("Michelin", "MI", "premium", ("мішлен", "мишлен", "michelin"), (
        Line("Primacy 4+", "P4P", S, "touring", 15, 19, price_factor=1.04),
        Line("Pilot Sport 5", "PS5", S, "sport", 17, 20, price_factor=1.12),
        Line("Pilot Sport 4 SUV", "PS4SUV", S, "suv", 18, 22, price_factor=1.1, suv_only=True),
        Line("e.Primacy", "EPR", S, "ev", 16, 20, price_factor=1.05),
        Line("Alpin 6", "ALP6", W, "euro_winter", 15, 17, price_factor=1.05),
        Line("Pilot Alpin 5", "PALP5", W, "euro_winter", 17, 22, price_factor=1.1),
        Line("X-Ice Snow", "XIS", W, "friction", 15, 21, price_factor=1.08),
        Line("X-Ice North 4", "XIN4", W, "studded", 14, 21, studded=True, price_factor=1.1),
        Line("CrossClimate 2", "CC2", A, "all_season", 15, 20, price_factor=1.08),
    ), run_flat=True),
    Brand("Continental", "CO", "premium", ("континенталь", "континентал", "conti"), (
        Line("PremiumContact 7", "PC7", S, "touring", 16, 21, price_factor=1.02),
        Line("EcoContact 6", "EC6", S, "eco", 14, 19, price_factor=0.97),
        Line("SportContact 7", "SC7", S, "sport", 18, 22, price_factor=1.15),
        Line("WinterContact TS 870", "TS870", W, "euro_winter", 15, 19, price_factor=1.02),
        Line("VikingContact 7", "VC7", W, "friction", 15, 21, price_factor=1.03),
        Line("IceContact 3", "IC3", W, "studded", 14, 21, studded=True, price_factor=1.06),
        Line("AllSeasonContact 2", "ASC2", A, "all_season", 15, 20, price_factor=1.0),
    ), run_flat=True),
    Brand("Nokian", "NO", "premium", ("нокіан", "нокиан", "nokian tyres"), (
        Line("Hakka Green 3", "HG3", S, "touring", 14, 17, price_factor=0.9),
        Line("Hakka Blue 3", "HB3", S, "touring", 15, 19, price_factor=0.97),
        Line("Powerproof 1", "PP1", S, "sport", 17, 21, price_factor=1.05),
        Line("Hakkapeliitta R5", "HR5", W, "friction", 15, 21, price_factor=1.05),
        Line("Hakkapeliitta 10", "H10", W, "studded", 14, 21, studded=True, price_factor=1.1),
        Line("Snowproof 2", "SP2", W, "euro_winter", 16, 20, price_factor=1.0),
        Line("Nordman 8", "NM8", W, "studded", 13, 18, studded=True, price_factor=0.7),
        Line("Seasonproof 1", "SSP1", A, "all_season", 15, 19, price_factor=0.96),
    )),
    Brand("Bridgestone", "BR", "premium", ("бріджстоун", "бриджстоун", "брідж"), (
        Line("Turanza 6", "T6", S, "touring", 15, 20, price_factor=1.0),
        Line("Potenza Sport", "POS", S, "sport", 18, 22, price_factor=1.12),
        Line("Blizzak LM005", "LM005", W, "euro_winter", 15, 20, price_factor=1.0),
        Line("Blizzak Ice", "BICE", W, "friction", 14, 19, price_factor=0.98),
        Line("Blizzak Spike-3", "SPK3", W, "studded", 14, 19, studded=True, price_factor=1.0),
        Line("Weather Control A005 Evo", "A005", A, "all_season", 15, 20, price_factor=0.98),
    ), run_flat=True),
    Brand("Goodyear", "GY", "premium", ("гудієр", "гудьир", "гудиер", "good year"), (
        Line("EfficientGrip Performance 2", "EGP2", S, "eco", 15, 19, price_factor=0.96),
        Line("Eagle F1 Asymmetric 6", "F1A6", S, "sport", 17, 22, price_factor=1.1),
        Line("UltraGrip Performance 3", "UGP3", W, "euro_winter", 15, 20, price_factor=1.0),
        Line("UltraGrip Ice 3", "UGI3", W, "friction", 15, 20, price_factor=0.98),
        Line("UltraGrip Arctic 2", "UGA2", W, "studded", 14, 20, studded=True, price_factor=1.0),
        Line("Vector 4Seasons Gen-3", "V4S3", A, "all_season", 15, 20, price_factor=0.97),
    ), run_flat=True),
    Brand("Pirelli", "PI", "premium", ("піреллі", "пірелі", "пирелли"), (
        Line("Cinturato P7 (C2)", "P7C2", S, "touring", 16, 19, price_factor=1.0),
        Line("P Zero (PZ4)", "PZ4", S, "sport", 18, 22, price_factor=1.18),
        Line("Scorpion Verde", "SCV", S, "suv", 17, 21, price_factor=1.04, suv_only=True),
        Line("Winter Sottozero 3", "SZ3", W, "euro_winter", 16, 21, price_factor=1.06),
        Line("Scorpion Winter 2", "SCW2", W, "euro_winter", 18, 22, price_factor=1.08),
        Line("Ice Zero FR", "IZFR", W, "friction", 15, 20, price_factor=0.98),
        Line("Ice Zero 2", "IZ2", W, "studded", 15, 21, studded=True, price_factor=1.02),
        Line("Cinturato All Season SF 3", "CASF3", A, "all_season", 15, 20, price_factor=0.99),
    ), run_flat=True),
    Brand("Hankook", "HK", "mid", ("ханкук", "хенкок", "ханкок"), (
        Line("Ventus Prime 4 K135", "K135", S, "touring", 15, 19, price_factor=1.0),
        Line("Ventus S1 evo3 K127", "K127", S, "sport", 17, 22, price_factor=1.12),
        Line("Kinergy Eco 2 K435", "K435", S, "eco", 13, 16, price_factor=0.92),
        Line("Dynapro HP2 RA33", "RA33", S, "suv", 16, 20, price_factor=1.0, suv_only=True),
        Line("Winter i*cept RS3 W462", "W462", W, "euro_winter", 15, 19, price_factor=1.0),
        Line("Winter i*cept iZ3 W636", "W636", W, "friction", 15, 20, price_factor=1.02),
        Line("Winter i*Pike RS2 W429", "W429", W, "studded", 13, 19, studded=True),
        Line("Kinergy 4S 2 H750", "H750", A, "all_season", 14, 19, price_factor=0.98),
    )),
    Brand("Yokohama", "YO", "mid", ("йокогама", "йокохама", "yoko"), (
        Line("BluEarth-GT AE51", "AE51", S, "touring", 15, 19, price_factor=0.98),
        Line("Advan Sport V107", "V107", S, "sport", 18, 22, price_factor=1.15),
        Line("BluEarth*Winter V906", "V906", W, "euro_winter", 16, 20, price_factor=1.0),
        Line("iceGUARD iG60", "IG60", W, "friction", 14, 19, price_factor=0.98),
        Line("iceGUARD iG65", "IG65", W, "studded", 14, 20, studded=True, price_factor=1.02),
        Line("BluEarth-4S AW21", "AW21", A, "all_season", 15, 19, price_factor=0.97),
    )),
    Brand("Kumho", "KU", "mid", ("кумхо", "кумго"), (
        Line("Ecsta HS52", "HS52", S, "touring", 15, 19, price_factor=0.9),
        Line("Ecowing ES31", "ES31", S, "eco", 13, 16, price_factor=0.85),
        Line("Crugen HP71", "HP71", S, "suv", 16, 20, price_factor=0.92, suv_only=True),
        Line("WinterCraft WP52", "WP52", W, "euro_winter", 14, 18, price_factor=0.88),
        Line("WinterCraft Ice WI32", "WI32", W, "studded", 13, 19, studded=True,
             price_factor=0.9),
        Line("Solus 4S HA32", "HA32", A, "all_season", 14, 19, price_factor=0.88),
    )),
    Brand("Nexen", "NX", "mid", ("нексен", "нексін"), (
        Line("N'Fera Primus", "NFP", S, "touring", 15, 19, price_factor=0.88),
        Line("N'blue HD Plus", "NBHD", S, "eco", 13, 16, price_factor=0.82),
        Line("N'Fera Sport", "NFS", S, "sport", 17, 21, price_factor=0.95),
        Line("Winguard Sport 2", "WGS2", W, "euro_winter", 15, 20, price_factor=0.88),
        Line("Winguard Ice Plus", "WGIP", W, "friction", 14, 18, price_factor=0.85),
        Line("Winguard winSpike 3", "WS3", W, "studded", 13, 19, studded=True,
             price_factor=0.87),
        Line("N'blue 4Season 2", "NB4S2", A, "all_season", 14, 19, price_factor=0.86),
    )),
    Brand("Toyo", "TO", "mid", ("тойо",), (
        Line("Proxes Comfort", "PXC", S, "touring", 15, 20, price_factor=1.0),
        Line("Proxes Sport 2", "PXS2", S, "sport", 17, 22, price_factor=1.1),
        Line("Observe GSi6", "GSI6", W, "friction", 15, 20, price_factor=1.0),
        Line("Observe Ice-Freezer", "OBIF", W, "studded", 14, 20, studded=True),
        Line("Celsius AS2", "CAS2", A, "all_season", 15, 19, price_factor=0.97),
    )),
    Brand("Dunlop", "DU", "mid", ("данлоп", "дунлоп"), (
        Line("Sport BluResponse", "SBR", S, "touring", 14, 17, price_factor=1.03),
        Line("Sport Maxx RT2", "RT2", S, "sport", 17, 21, price_factor=1.15),
        Line("Winter Sport 5", "WS5", W, "euro_winter", 15, 19, price_factor=1.05),
        Line("SP Winter Ice 03", "SPI03", W, "studded", 14, 18, studded=True, price_factor=1.02),
        Line("Grandtrek Ice 03", "GTI03", W, "studded", 16, 21, studded=True,
             price_factor=1.05, suv_only=True),
        Line("Sport All Season", "SAS", A, "all_season", 15, 19, price_factor=1.0),
    ), run_flat=True),
    Brand("Matador", "MA", "mid", ("матадор",), (
        Line("MP 47 Hectorra 3", "MP47", S, "touring", 13, 19, price_factor=0.82),
        Line("MP 82 Conquerra 2", "MP82", S, "suv", 16, 19, price_factor=0.85, suv_only=True),
        Line("MP 93 Nordicca", "MP93", W, "euro_winter", 13, 19, price_factor=0.82),
        Line("MP 30 Sibir Ice 2", "MP30", W, "studded", 13, 18, studded=True,
             price_factor=0.84),
        Line("MP 62 All Weather Evo", "MP62", A, "all_season", 13, 17, price_factor=0.8),
    )),
    Brand("Kleber", "KL", "mid", ("клебер",), (
        Line("Dynaxer HP4", "HP4", S, "touring", 14, 18, price_factor=0.84),
        Line("Krisalp HP3", "KHP3", W, "euro_winter", 14, 18, price_factor=0.85),
        Line("Quadraxer 3", "QX3", A, "all_season", 15, 19, price_factor=0.84),
    )),
    Brand("Belshina", "BE", "budget", ("белшина", "бєлшина", "белшина", "bel"), (
        Line("Artmotion", "ARTM", S, "budget", 13, 16, price_factor=0.95),
        Line("Bravado", "BRAV", S, "budget", 13, 15, price_factor=0.97),
        Line("Artmotion Snow", "ARTS", W, "budget_winter", 13, 16, price_factor=0.97),
        Line("Artmotion Spike", "ARTSP", W, "studded", 13, 16, studded=True, price_factor=1.0),
    )),
    Brand("Rosava", "RO", "budget", ("росава",), (
        Line("Itegro", "ITG", S, "budget", 13, 16, price_factor=0.97),
        Line("Snowgard", "SNG", W, "budget_winter", 13, 17, price_factor=1.0),
        Line("WQ-102", "WQ102", W, "studded", 13, 15, studded=True, price_factor=0.95),
    ), made_in_ukraine=True),
    Brand("Premiorri", "PR", "budget", ("преміорі", "премиорри", "преміоррі", "премиори"), (
        Line("Solazo S Plus", "SOLSP", S, "budget", 13, 17, price_factor=1.02),
        Line("Vimero", "VIM", S, "budget", 13, 17, price_factor=1.0),
        Line("Vimero-SUV", "VIMSUV", S, "suv", 15, 18, price_factor=1.05, suv_only=True),
        Line("ViaMaggiore", "VIA", W, "budget_winter", 13, 17, price_factor=1.0),
        Line("ViaMaggiore Z Plus", "VIAZP", W, "budget_winter", 15, 17, price_factor=1.05),
    ), made_in_ukraine=True),
]

_BRAND_INDEX: dict[str, str] = {}
for _brand in BRANDS:
    for _alias in (_brand.name, *_brand.aliases):
        _BRAND_INDEX[_key(_alias)] = _brand.name


def normalize_brand(name: str) -> str:
    """Canonical brand name for a known spelling (also Cyrillic), else the input stripped."""
    return _BRAND_INDEX.get(_key(name), name.strip())


# ---------------------------------------------------------------------------------------------
# Ukrainian descriptions
# ---------------------------------------------------------------------------------------------

_DESCRIPTIONS: dict[str, list[str]] = {
    "touring": [
        "Літня шина для щоденних поїздок: тиха, м'яка і довго служить.",
        "Комфортна літня шина, впевнено гальмує на мокрому асфальті.",
        "Універсальна літня шина для міста й траси, тиха навіть на швидкості.",
    ],
    "sport": [
        "Літня спортивна шина з дуже точним кермуванням і коротким гальмівним шляхом.",
        "Для потужних авто: тримає дорогу в поворотах і на високій швидкості.",
    ],
    "eco": [
        "Економна літня шина з низьким опором коченню, менше пального на кожну сотню.",
        "Легка й тиха літня шина для міста, заощаджує пальне.",
    ],
    "suv": [
        "Літня шина для кросоверів і позашляховиків, тиха й стабільна на трасі.",
        "Для кросоверів: впевнено тримає асфальт і не боїться ґрунтової дороги.",
    ],
    "ev": [
        "Літня шина, яка добре підходить для електромобілів: тиха, з низьким опором коченню.",
        "Економна літня шина, додає запасу ходу електромобілю та гібриду.",
    ],
    "budget": [
        "Недорога літня шина для міста й траси, надійна на сухому й мокрому асфальті.",
        "Доступна літня шина на кожен день, проста і витривала.",
    ],
    "euro_winter": [
        "Зимова шина європейського типу: найкраща на мокрому асфальті та в сніговій каші.",
        "Зимова шина для міста з м'якою зимою, добре гальмує на сльоті.",
    ],
    "friction": [
        "Зимова фрикційна шина для міста, впевнено тримає мокру й засніжену дорогу.",
        "Зимова шина без шипів, тиха і добре чіпляється за лід та укатаний сніг.",
    ],
    "budget_winter": [
        "Недорога зимова шина, добре гребе сніг і тримає дорогу в мороз.",
        "Доступна зимова шина для міста й області, м'яка на холоді.",
    ],
    "studded": [
        "Шипована зимова шина для ожеледі та укатаного снігу, найкраще гальмує на льоду.",
        "Шипована шина для тих, хто часто їздить за місто взимку: тримає навіть на льоду.",
    ],
    "all_season": [
        "Всесезонна шина: можна їздити цілий рік без перевзування.",
        "Всесезонна шина для м'якої зими й літа у великому місті.",
    ],
}
_RUN_FLAT_UK = "Технологія Run Flat: після проколу можна доїхати до шиномонтажу."
_MADE_IN_UA_UK = "Виготовлена в Україні, у Білій Церкві."

# ---------------------------------------------------------------------------------------------
# Vehicle fitment
# ---------------------------------------------------------------------------------------------

MAKE_ALIASES: dict[str, list[str]] = {
    "Skoda": ["Шкода", "Škoda"],
    "Volkswagen": ["VW", "Фольксваген", "Фольцваген", "Фольксваґен"],
    "Toyota": ["Тойота"],
    "Renault": ["Рено"],
    "Dacia": ["Дачія", "Дачия"],
    "Hyundai": ["Хюндай", "Хендай", "Хюндаи", "Хундай", "Хьюндай"],
    "Kia": ["Кіа", "Киа", "Кія"],
    "Daewoo": ["Деу", "Дэу", "Део", "Daewoo-ZAZ"],
    "ZAZ": ["ЗАЗ", "Запорожець"],
    "Lada": ["Лада", "ВАЗ", "VAZ", "Жигулі", "Жигули"],
    "Bogdan": ["Богдан"],
    "Chevrolet": ["Шевроле", "Шеві", "Chevy"],
    "Ford": ["Форд"],
    "Nissan": ["Ніссан", "Ниссан", "Нісан"],
    "Mitsubishi": ["Міцубісі", "Мицубиси", "Мітсубісі", "Митсубиси"],
    "Mazda": ["Мазда"],
    "BMW": ["БМВ", "Бмв", "Бумер"],
    "Mercedes-Benz": ["Mercedes", "Мерседес", "Мерседес-Бенц", "Мерс", "MB"],
    "Audi": ["Ауді", "Ауди"],
    "Tesla": ["Тесла"],
    "Honda": ["Хонда"],
    "Peugeot": ["Пежо"],
    "Opel": ["Опель"],
    "Citroen": ["Citroën", "Сітроен", "Ситроен"],
    "Fiat": ["Фіат", "Фиат"],
    "Seat": ["SEAT", "Сеат"],
    "Subaru": ["Субару"],
    "Volvo": ["Вольво"],
    "Lexus": ["Лексус"],
    "Suzuki": ["Сузукі", "Сузуки"],
    "Geely": ["Джилі", "Джили"],
    "Chery": ["Чері", "Чери"],
    "Jeep": ["Джип"],
    "Land Rover": ["Ленд Ровер", "ЛендРовер", "Range Rover", "Рендж Ровер"],
    "Porsche": ["Порше"],
    "BYD": ["БІД", "БИД", "Бід"],
    "SsangYong": ["Ссанг Йонг", "Санг Йонг", "Ssang Yong"],
}

# Cyrillic and colloquial model names; generation rows inherit them from their model.
MODEL_ALIASES: dict[tuple[str, str], list[str]] = {
    ("Skoda", "Octavia"): ["Октавія", "Октавия", "Октавiя"],
    ("Skoda", "Fabia"): ["Фабія", "Фабия"],
    ("Skoda", "Superb"): ["Суперб"],
    ("Skoda", "Rapid"): ["Рапід", "Рапид"],
    ("Skoda", "Kodiaq"): ["Кодіак", "Кодиак"],
    ("Skoda", "Karoq"): ["Карок"],
    ("Skoda", "Yeti"): ["Єті", "Йеті", "Йети"],
    ("Volkswagen", "Golf"): ["Гольф"],
    ("Volkswagen", "Passat"): ["Пассат", "Пасат"],
    ("Volkswagen", "Polo"): ["Поло"],
    ("Volkswagen", "Tiguan"): ["Тігуан", "Тигуан"],
    ("Volkswagen", "Touareg"): ["Туарег"],
    ("Volkswagen", "Jetta"): ["Джетта", "Джета"],
    ("Volkswagen", "Caddy"): ["Кадді", "Кадди"],
    ("Volkswagen", "Touran"): ["Туран"],
    ("Volkswagen", "ID.4"): ["ID4", "Айді 4", "Айди 4"],
    ("Toyota", "Corolla"): ["Королла", "Корола", "Каролла"],
    ("Toyota", "Camry"): ["Камрі", "Камри"],
    ("Toyota", "RAV4"): ["Рав4", "Рав 4", "RAV 4", "Рафік"],
    ("Toyota", "Land Cruiser Prado"): ["Prado", "Прадо", "Ленд Крузер Прадо"],
    ("Toyota", "Land Cruiser"): ["Ленд Крузер", "LC200", "Крузак"],
    ("Toyota", "Yaris"): ["Яріс", "Ярис"],
    ("Toyota", "Auris"): ["Ауріс", "Аурис"],
    ("Toyota", "Avensis"): ["Авенсіс", "Авенсис"],
    ("Toyota", "Prius"): ["Пріус", "Приус"],
    ("Renault", "Logan"): ["Логан"],
    ("Renault", "Sandero"): ["Сандеро"],
    ("Renault", "Duster"): ["Дастер"],
    ("Renault", "Megane"): ["Меган", "Mégane"],
    ("Renault", "Kangoo"): ["Кангу"],
    ("Renault", "Fluence"): ["Флюенс"],
    ("Renault", "Clio"): ["Кліо", "Клио"],
    ("Renault", "Zoe"): ["Зое", "Zoé"],
    ("Dacia", "Logan"): ["Логан"],
    ("Dacia", "Duster"): ["Дастер"],
    ("Dacia", "Sandero"): ["Сандеро"],
    ("Hyundai", "Tucson"): ["Туксон", "Тусон", "Тусан"],
    ("Hyundai", "ix35"): ["Ай Екс 35", "Айікс 35"],
    ("Hyundai", "Elantra"): ["Елантра", "Элантра"],
    ("Hyundai", "Accent"): ["Акцент", "Solaris", "Соляріс"],
    ("Hyundai", "Santa Fe"): ["Санта Фе", "Санта-Фе"],
    ("Hyundai", "Sonata"): ["Соната"],
    ("Hyundai", "Getz"): ["Гетц", "Гец"],
    ("Hyundai", "Creta"): ["Крета"],
    ("Hyundai", "Kona"): ["Кона"],
    ("Hyundai", "Ioniq"): ["Іонік", "Ионик"],
    ("Kia", "Sportage"): ["Спортейдж", "Спортаж"],
    ("Kia", "Ceed"): ["Сід", "Сид", "cee'd", "Сід СВ"],
    ("Kia", "Rio"): ["Ріо", "Рио"],
    ("Kia", "Sorento"): ["Соренто"],
    ("Kia", "Optima"): ["Оптіма", "Оптима", "K5"],
    ("Kia", "Cerato"): ["Серато", "Церато", "Forte"],
    ("Kia", "Soul"): ["Соул"],
    ("Kia", "Niro"): ["Ніро", "Ниро", "e-Niro"],
    ("Kia", "Picanto"): ["Піканто", "Пиканто"],
    ("Daewoo", "Lanos"): ["Ланос"],
    ("Daewoo", "Sens"): ["Сенс"],
    ("Daewoo", "Nexia"): ["Нексія", "Нексия"],
    ("Daewoo", "Matiz"): ["Матіз", "Матиз"],
    ("Daewoo", "Gentra"): ["Джентра"],
    ("ZAZ", "Vida"): ["Віда", "Вида"],
    ("ZAZ", "Forza"): ["Форза"],
    ("ZAZ", "Lanos"): ["Ланос"],
    ("ZAZ", "Sens"): ["Сенс"],
    ("ZAZ", "Tavria"): ["Таврія", "Таврия"],
    ("ZAZ", "Slavuta"): ["Славута"],
    ("Lada", "2107"): ["Сімка", "Семерка", "Классика"],
    ("Lada", "2109"): ["Дев'ятка", "Девятка", "Samara", "Самара", "21099"],
    ("Lada", "2110"): ["Десятка"],
    ("Lada", "Priora"): ["Пріора", "Приора"],
    ("Lada", "Kalina"): ["Калина"],
    ("Lada", "Granta"): ["Гранта"],
    ("Lada", "Vesta"): ["Веста"],
    ("Lada", "Niva"): ["Нива", "Ніва", "4x4", "2121"],
    ("Lada", "Largus"): ["Ларгус"],
    ("Lada", "XRAY"): ["Ікс Рей", "Иксрей"],
    ("Bogdan", "2110"): ["Десятка"],
    ("Chevrolet", "Aveo"): ["Авео"],
    ("Chevrolet", "Lacetti"): ["Лачетті", "Лачетти", "Лачеті"],
    ("Chevrolet", "Cruze"): ["Круз"],
    ("Chevrolet", "Epica"): ["Епіка", "Эпика"],
    ("Chevrolet", "Captiva"): ["Каптіва", "Каптива"],
    ("Chevrolet", "Spark"): ["Спарк"],
    ("Chevrolet", "Niva"): ["Нива", "Ніва", "Шевроле Нива"],
    ("Chevrolet", "Volt"): ["Вольт"],
    ("Chevrolet", "Bolt"): ["Болт"],
    ("Ford", "Focus"): ["Фокус"],
    ("Ford", "Fiesta"): ["Фієста", "Фиеста"],
    ("Ford", "Mondeo"): ["Мондео"],
    ("Ford", "Kuga"): ["Куга"],
    ("Ford", "Fusion"): ["Фьюжн", "Ф'южн", "Фюжн"],
    ("Ford", "Escape"): ["Ескейп", "Эскейп"],
    ("Ford", "Explorer"): ["Експлорер", "Эксплорер"],
    ("Nissan", "Qashqai"): ["Кашкай"],
    ("Nissan", "Leaf"): ["Ліф", "Лиф", "Ліфчик"],
    ("Nissan", "X-Trail"): ["Ікс Трейл", "Икстрейл", "Х-Трейл"],
    ("Nissan", "Juke"): ["Жук", "Джук"],
    ("Nissan", "Almera"): ["Альмера"],
    ("Nissan", "Tiida"): ["Тііда", "Тиида"],
    ("Nissan", "Note"): ["Ноут"],
    ("Nissan", "Micra"): ["Мікра", "Микра"],
    ("Nissan", "Rogue"): ["Рог", "Рож"],
    ("Mitsubishi", "Outlander"): ["Аутлендер", "Аутлендер XL"],
    ("Mitsubishi", "Lancer"): ["Лансер"],
    ("Mitsubishi", "ASX"): ["АСХ", "АСИКС"],
    ("Mitsubishi", "Pajero Sport"): ["Паджеро Спорт"],
    ("Mitsubishi", "Pajero"): ["Паджеро", "Pajero Wagon"],
    ("Mitsubishi", "Eclipse Cross"): ["Екліпс Крос", "Эклипс Кросс"],
    ("Mazda", "3"): ["Mazda3", "Мазда 3", "Трійка"],
    ("Mazda", "6"): ["Mazda6", "Мазда 6", "Шістка"],
    ("Mazda", "CX-5"): ["СХ-5", "Сі Ікс 5"],
    ("Mazda", "CX-30"): ["СХ-30"],
    ("Mazda", "CX-7"): ["СХ-7"],
    ("Mazda", "CX-9"): ["СХ-9"],
    ("Mazda", "2"): ["Mazda2", "Мазда 2", "Demio"],
    ("BMW", "3 Series"): ["3", "3er", "Трійка", "Тройка", "E90", "F30", "G20"],
    ("BMW", "5 Series"): ["5", "5er", "П'ятірка", "Пятерка", "E60", "F10", "G30"],
    ("BMW", "1 Series"): ["1", "1er", "Одиничка"],
    ("BMW", "X5"): ["Х5", "Ікс 5", "Икс пять"],
    ("BMW", "X3"): ["Х3", "Ікс 3"],
    ("BMW", "X1"): ["Х1", "Ікс 1"],
    ("Mercedes-Benz", "C-Class"): ["C", "C-Klasse", "С-клас", "Ц-клас", "W204", "W205", "W206"],
    ("Mercedes-Benz", "E-Class"): ["E", "E-Klasse", "Е-клас", "Єшка", "W211", "W212", "W213"],
    ("Mercedes-Benz", "A-Class"): ["A", "А-клас"],
    ("Mercedes-Benz", "GLC"): ["ГЛЦ", "ГЛС"],
    ("Mercedes-Benz", "ML"): ["M-Class", "МЛ", "ML-Class"],
    ("Mercedes-Benz", "GLE"): ["ГЛЕ"],
    ("Mercedes-Benz", "GLA"): ["ГЛА"],
    ("Mercedes-Benz", "CLA"): ["ЦЛА", "СЛА"],
    ("Audi", "A4"): ["А4"],
    ("Audi", "A6"): ["А6"],
    ("Audi", "A3"): ["А3"],
    ("Audi", "Q5"): ["Ку5", "Ку 5"],
    ("Audi", "Q7"): ["Ку7", "Ку 7"],
    ("Audi", "Q3"): ["Ку3", "Ку 3"],
    ("Audi", "e-tron"): ["Етрон", "Е-трон", "Q8 e-tron"],
    ("Tesla", "Model 3"): ["Модель 3", "M3"],
    ("Tesla", "Model Y"): ["Модель Y", "Модель Ігрек", "Модель Игрек"],
    ("Tesla", "Model S"): ["Модель S", "Модель Ес"],
    ("Tesla", "Model X"): ["Модель X", "Модель Ікс"],
    ("Honda", "CR-V"): ["СРВ", "ЦРВ", "Сі Ер Ві"],
    ("Honda", "Civic"): ["Сівік", "Цивик", "Сивик"],
    ("Honda", "Accord"): ["Акорд", "Аккорд"],
    ("Honda", "Jazz"): ["Джаз", "Fit"],
    ("Honda", "HR-V"): ["ХРВ", "Ейч Ер Ві"],
    ("Peugeot", "308"): ["Пежо 308"],
    ("Peugeot", "3008"): ["Пежо 3008"],
    ("Peugeot", "207"): ["Пежо 207"],
    ("Peugeot", "208"): ["Пежо 208"],
    ("Peugeot", "301"): ["Пежо 301"],
    ("Peugeot", "407"): ["Пежо 407"],
    ("Peugeot", "508"): ["Пежо 508"],
    ("Peugeot", "Partner"): ["Партнер"],
    ("Peugeot", "2008"): ["Пежо 2008"],
    ("Opel", "Astra"): ["Астра"],
    ("Opel", "Vectra"): ["Вектра"],
    ("Opel", "Insignia"): ["Інсігнія", "Инсигния"],
    ("Opel", "Corsa"): ["Корса"],
    ("Opel", "Zafira"): ["Зафіра", "Зафира"],
    ("Opel", "Mokka"): ["Мокка"],
    ("Opel", "Combo"): ["Комбо"],
    ("Citroen", "C4"): ["С4", "Сі 4"],
    ("Citroen", "C-Elysee"): ["С-Елізе", "Элизе", "C-Elysée"],
    ("Citroen", "Berlingo"): ["Берлінго", "Берлинго"],
    ("Citroen", "C5"): ["С5"],
    ("Fiat", "Doblo"): ["Добло"],
    ("Fiat", "Tipo"): ["Тіпо", "Типо"],
    ("Fiat", "Linea"): ["Лінеа", "Линеа"],
    ("Fiat", "500"): ["Чінквеченто", "Фіат 500"],
    ("Seat", "Leon"): ["Леон"],
    ("Seat", "Ibiza"): ["Ібіца", "Ибица"],
    ("Seat", "Ateca"): ["Атека"],
    ("Subaru", "Forester"): ["Форестер"],
    ("Subaru", "Outback"): ["Аутбек", "Аутбэк"],
    ("Subaru", "XV"): ["ХВ", "Crosstrek"],
    ("Subaru", "Impreza"): ["Імпреза", "Импреза"],
    ("Volvo", "XC90"): ["ХС90", "ІксСі 90"],
    ("Volvo", "XC60"): ["ХС60"],
    ("Volvo", "XC40"): ["ХС40"],
    ("Volvo", "S60"): ["С60"],
    ("Lexus", "RX"): ["РХ", "RX350", "RX450h"],
    ("Lexus", "NX"): ["НХ", "NX200t", "NX300h"],
    ("Lexus", "ES"): ["ЕС", "ES250", "ES350"],
    ("Lexus", "IS"): ["ІС", "IS250"],
    ("Suzuki", "Vitara"): ["Вітара", "Витара"],
    ("Suzuki", "Grand Vitara"): ["Гранд Вітара", "Гранд Витара"],
    ("Suzuki", "SX4"): ["СХ4", "ЕсІкс 4"],
    ("Suzuki", "Swift"): ["Свіфт", "Свифт"],
    ("Geely", "Emgrand EC7"): ["Емгранд", "Эмгранд", "EC7"],
    ("Geely", "CK"): ["СК", "Otaka"],
    ("Geely", "MK"): ["МК"],
    ("Geely", "Coolray"): ["Кулрей"],
    ("Chery", "Tiggo"): ["Тіго", "Тигго"],
    ("Chery", "Amulet"): ["Амулет"],
    ("Chery", "Tiggo 7"): ["Тіго 7", "Тигго 7"],
    ("Jeep", "Grand Cherokee"): ["Гранд Черокі", "Гранд Чероки"],
    ("Jeep", "Compass"): ["Компас"],
    ("Jeep", "Cherokee"): ["Черокі", "Чероки"],
    ("Land Rover", "Range Rover Evoque"): ["Evoque", "Евок", "Эвок"],
    ("Land Rover", "Discovery Sport"): ["Діскавері Спорт", "Дискавери Спорт"],
    ("Porsche", "Cayenne"): ["Каєн", "Кайен"],
    ("Porsche", "Macan"): ["Макан"],
    ("BYD", "Song Plus"): ["Сонг Плюс", "Song+"],
    ("BYD", "Atto 3"): ["Атто 3", "Yuan Plus"],
    ("SsangYong", "Korando"): ["Корандо"],
    ("Volkswagen", "Arteon"): ["Артеон"],
    ("Volkswagen", "T-Roc"): ["Ті-Рок", "Т-Рок"],
    ("Volkswagen", "Passat CC"): ["CC", "Пассат СС"],
    ("Volkswagen", "Amarok"): ["Амарок"],
    ("Volkswagen", "e-Golf"): ["Е-Гольф", "Електро гольф"],
    ("Skoda", "Kamiq"): ["Камік", "Камик"],
    ("Skoda", "Scala"): ["Скала"],
    ("Skoda", "Enyaq"): ["Еняк", "Эньяк"],
    ("Hyundai", "i30"): ["Ай 30", "і30"],
    ("Hyundai", "i20"): ["Ай 20", "і20"],
    ("Hyundai", "i10"): ["Ай 10", "і10"],
    ("Toyota", "C-HR"): ["СХР", "Сі Ейч Ар"],
    ("Toyota", "Highlander"): ["Хайлендер"],
    ("Renault", "Arkana"): ["Аркана"],
    ("Renault", "Koleos"): ["Колеос"],
    ("Renault", "Captur"): ["Каптюр", "Каптур"],
    ("Mercedes-Benz", "Vito"): ["Віто"],
}

# make | model | generation | years | OEM sizes
_FITMENT_TEXT = """
Skoda | Fabia | II | 2007-2014 | 165/70 R14, 185/60 R14, 195/55 R15
Skoda | Fabia | III | 2014-2021 | 185/60 R15, 215/45 R16
Skoda | Fabia | IV | 2021- | 185/65 R15, 195/55 R16
Skoda | Octavia | A5 | 2004-2013 | 195/65 R15, 205/55 R16
Skoda | Octavia | A7 | 2013-2020 | 195/65 R15, 205/55 R16, 225/45 R17
Skoda | Octavia | A8 | 2020- | 205/60 R16, 205/55 R17, 225/40 R18
Skoda | Superb | B6 | 2008-2015 | 205/55 R16, 225/45 R17
Skoda | Superb | B8 | 2015-2023 | 215/55 R17, 235/45 R18
Skoda | Rapid | | 2012-2020 | 175/70 R14, 185/60 R15
Skoda | Kodiaq | | 2016- | 215/65 R17, 235/55 R18
Skoda | Karoq | | 2017- | 215/60 R17, 225/50 R18
Skoda | Kamiq | | 2019- | 205/60 R16, 205/55 R17
Skoda | Yeti | | 2009-2017 | 215/60 R16, 225/50 R17
Skoda | Scala | | 2019- | 205/55 R16, 205/50 R17
Skoda | Enyaq | | 2021- | 235/60 R18, 235/55 R19
Volkswagen | Golf | V | 2003-2008 | 195/65 R15, 205/55 R16
Volkswagen | Golf | VI | 2008-2012 | 195/65 R15, 205/55 R16
Volkswagen | Golf | VII | 2012-2019 | 195/65 R15, 205/55 R16, 225/45 R17
Volkswagen | Golf | VIII | 2019- | 205/55 R16, 225/45 R17
Volkswagen | Passat | B6 | 2005-2010 | 205/55 R16, 215/55 R16
Volkswagen | Passat | B7 | 2010-2014 | 205/55 R16, 215/55 R16, 235/45 R17
Volkswagen | Passat | B8 | 2014-2023 | 215/60 R16, 215/55 R17, 235/45 R18
Volkswagen | Polo | V | 2009-2017 | 165/70 R14, 185/60 R15
Volkswagen | Polo | VI | 2017- | 185/65 R15, 195/55 R16
Volkswagen | Tiguan | I | 2007-2016 | 215/65 R16, 235/55 R17
Volkswagen | Tiguan | II | 2016- | 215/65 R17, 235/55 R18
Volkswagen | Touareg | II | 2010-2018 | 255/55 R18, 255/50 R19
Volkswagen | Touareg | III | 2018- | 255/55 R19, 275/45 R20
Volkswagen | Jetta | VI | 2010-2018 | 205/55 R16, 225/45 R17
Volkswagen | Jetta | VII | 2018- | 205/60 R16, 225/45 R17
Volkswagen | Caddy | III | 2004-2020 | 195/65 R15, 205/55 R16
Volkswagen | Caddy | V | 2020- | 205/60 R16
Volkswagen | Touran | I | 2003-2015 | 195/65 R15, 205/55 R16
Volkswagen | Touran | II | 2015- | 205/60 R16, 215/55 R17
Volkswagen | ID.4 | | 2020- | 235/60 R18, 235/55 R19
Volkswagen | Arteon | | 2017- | 245/45 R18, 245/40 R19
Volkswagen | T-Roc | | 2017- | 215/60 R16, 215/55 R17
Volkswagen | Passat CC | | 2008-2016 | 235/45 R17
Volkswagen | Amarok | | 2010- | 255/60 R18
Volkswagen | e-Golf | | 2014-2020 | 205/55 R16
Toyota | Corolla | E150 | 2006-2013 | 195/65 R15, 205/55 R16
Toyota | Corolla | E180 | 2013-2019 | 195/65 R15, 205/55 R16
Toyota | Corolla | E210 | 2019- | 205/55 R16, 225/45 R17
Toyota | Camry | XV40 | 2006-2011 | 215/60 R16
Toyota | Camry | XV50 | 2011-2017 | 215/60 R16, 215/55 R17
Toyota | Camry | XV70 | 2017- | 215/55 R17, 235/45 R18
Toyota | RAV4 | XA30 | 2005-2012 | 225/65 R17
Toyota | RAV4 | XA40 | 2012-2018 | 225/65 R17, 235/55 R18
Toyota | RAV4 | XA50 | 2018- | 225/60 R18, 235/55 R19
Toyota | Land Cruiser Prado | 150 | 2009- | 265/65 R17, 265/60 R18
Toyota | Land Cruiser | 200 | 2007-2021 | 285/60 R18, 285/50 R20
Toyota | Yaris | III | 2011-2020 | 175/65 R15, 185/60 R15
Toyota | Yaris | IV | 2020- | 185/65 R15, 195/55 R16
Toyota | Auris | | 2006-2018 | 195/65 R15, 205/55 R16
Toyota | Avensis | T27 | 2009-2018 | 205/60 R16, 215/55 R17
Toyota | C-HR | | 2016- | 215/60 R17, 225/50 R18
Toyota | Highlander | | 2013-2019 | 245/60 R18, 245/55 R19
Toyota | Prius | IV | 2015-2022 | 195/65 R15, 215/45 R17
Renault | Logan | I | 2004-2012 | 185/70 R14, 185/65 R15
Renault | Logan | II | 2012-2022 | 185/65 R15, 185/70 R14
Renault | Sandero | | 2008-2022 | 185/65 R15
Renault | Duster | I | 2010-2017 | 215/65 R16
Renault | Duster | II | 2017- | 215/65 R16, 215/60 R17
Renault | Megane | III | 2008-2016 | 195/65 R15, 205/55 R16
Renault | Megane | IV | 2016-2022 | 205/55 R16, 225/45 R17
Renault | Kangoo | II | 2008-2021 | 195/65 R15
Renault | Fluence | | 2009-2017 | 195/65 R15, 205/55 R16
Renault | Clio | IV | 2012-2019 | 185/65 R15, 195/55 R16
Renault | Zoe | | 2012- | 185/65 R15, 195/55 R16
Renault | Arkana | | 2019- | 215/65 R16, 215/60 R17
Renault | Koleos | II | 2016- | 225/65 R17, 225/60 R18
Renault | Captur | | 2013-2019 | 205/60 R16, 205/55 R17
Dacia | Logan | | 2004-2022 | 185/65 R15, 185/70 R14
Dacia | Duster | | 2010- | 215/65 R16, 215/60 R17
Dacia | Sandero | | 2008-2022 | 185/65 R15
Hyundai | Tucson | JM | 2004-2010 | 215/65 R16
Hyundai | Tucson | TL | 2015-2020 | 225/60 R17, 225/55 R18
Hyundai | Tucson | NX4 | 2020- | 235/60 R18, 235/55 R19
Hyundai | ix35 | | 2009-2015 | 225/60 R17, 225/55 R18
Hyundai | Elantra | HD | 2006-2010 | 195/65 R15, 205/55 R16
Hyundai | Elantra | MD | 2010-2015 | 195/65 R15, 205/55 R16
Hyundai | Elantra | AD | 2015-2020 | 195/65 R15, 205/55 R16, 225/45 R17
Hyundai | Elantra | CN7 | 2020- | 205/55 R16, 225/45 R17
Hyundai | Accent | MC | 2006-2010 | 175/70 R14, 185/65 R14
Hyundai | Accent | RB | 2010-2017 | 185/65 R15, 195/55 R16
Hyundai | Santa Fe | III | 2012-2018 | 235/65 R17, 235/60 R18
Hyundai | Santa Fe | IV | 2018- | 235/60 R18, 235/55 R19
Hyundai | Sonata | YF | 2009-2014 | 205/65 R16, 215/55 R17
Hyundai | Sonata | LF | 2014-2019 | 215/55 R17, 235/45 R18
Hyundai | Getz | | 2002-2011 | 155/70 R13, 175/65 R14
Hyundai | Creta | | 2016- | 205/65 R16, 215/60 R17
Hyundai | Kona | | 2017- | 205/60 R16, 215/55 R17
Hyundai | Ioniq | | 2016-2022 | 205/55 R16, 225/45 R17
Hyundai | i30 | FD | 2007-2012 | 195/65 R15, 205/55 R16
Hyundai | i30 | GD | 2012-2017 | 195/65 R15, 205/55 R16, 225/45 R17
Hyundai | i30 | PD | 2017- | 205/55 R16, 225/45 R17
Hyundai | i20 | | 2008-2014 | 175/70 R14, 185/60 R15
Hyundai | i10 | | 2013-2019 | 165/60 R14, 175/65 R14
Kia | Sportage | KM | 2004-2010 | 215/65 R16
Kia | Sportage | SL | 2010-2015 | 225/60 R17, 225/55 R18
Kia | Sportage | QL | 2015-2021 | 215/70 R16, 225/60 R17, 245/45 R19
Kia | Sportage | NQ5 | 2021- | 235/60 R18, 235/55 R19
Kia | Ceed | ED | 2006-2012 | 195/65 R15, 205/55 R16
Kia | Ceed | JD | 2012-2018 | 195/65 R15, 205/55 R16, 225/45 R17
Kia | Ceed | CD | 2018- | 205/55 R16, 225/45 R17
Kia | Rio | II | 2005-2011 | 175/70 R14, 185/65 R14
Kia | Rio | III | 2011-2017 | 185/65 R15, 195/55 R16
Kia | Rio | IV | 2017- | 185/65 R15, 195/55 R16
Kia | Sorento | II | 2009-2014 | 235/65 R17, 235/60 R18
Kia | Sorento | III | 2014-2020 | 235/65 R17, 235/55 R19
Kia | Sorento | IV | 2020- | 235/60 R18, 235/55 R19
Kia | Optima | | 2010-2020 | 215/55 R17, 235/45 R18
Kia | Cerato | II | 2009-2013 | 195/65 R15, 205/55 R16
Kia | Cerato | III | 2013-2018 | 205/55 R16, 215/45 R17
Kia | Cerato | IV | 2018- | 205/55 R16, 225/45 R17
Kia | Soul | I | 2008-2013 | 195/65 R15, 205/55 R16
Kia | Soul | II | 2013-2019 | 205/60 R16, 215/55 R17
Kia | Niro | | 2016- | 205/60 R16, 225/45 R18
Kia | Picanto | | 2011-2017 | 155/70 R13, 165/60 R14
Daewoo | Lanos | | 1997-2017 | 175/70 R13, 185/60 R14
Daewoo | Sens | | 2002-2008 | 175/70 R13, 165/70 R13
Daewoo | Nexia | | 1994-2016 | 175/70 R13, 185/60 R14
Daewoo | Matiz | | 1998-2015 | 145/70 R13, 155/65 R13
Daewoo | Gentra | | 2013-2016 | 185/65 R14, 195/55 R15
ZAZ | Vida | | 2012-2018 | 185/60 R14, 185/55 R15
ZAZ | Forza | | 2011-2017 | 175/70 R14, 185/60 R14
ZAZ | Lanos | | 2009-2017 | 175/70 R13, 185/60 R14
ZAZ | Sens | | 2002-2017 | 175/70 R13, 165/70 R13
ZAZ | Tavria | | 1988-2007 | 155/70 R13
ZAZ | Slavuta | | 1999-2011 | 155/70 R13, 165/70 R13
Lada | 2107 | | 1982-2012 | 175/70 R13
Lada | 2109 | | 1987-2011 | 165/70 R13, 175/70 R13
Lada | 2110 | | 1995-2014 | 175/70 R14, 185/60 R14
Lada | Priora | | 2007-2018 | 175/65 R14, 185/60 R14
Lada | Kalina | | 2004-2018 | 175/65 R14, 185/60 R14
Lada | Granta | | 2011- | 175/65 R14, 185/60 R15
Lada | Vesta | | 2015- | 185/65 R15, 195/55 R16
Lada | Niva | | 1977- | 175/80 R16
Lada | Largus | | 2012- | 185/65 R15
Lada | XRAY | | 2015- | 195/65 R15, 205/55 R16
Bogdan | 2110 | | 2009-2014 | 175/70 R14, 185/60 R14
Chevrolet | Aveo | T250 | 2005-2011 | 185/60 R14, 185/55 R15
Chevrolet | Aveo | T300 | 2011-2020 | 185/65 R15, 195/55 R16
Chevrolet | Lacetti | | 2004-2013 | 185/65 R14, 195/55 R15
Chevrolet | Cruze | | 2009-2016 | 205/60 R16, 225/50 R17
Chevrolet | Epica | | 2006-2012 | 205/60 R16
Chevrolet | Captiva | | 2006-2018 | 235/60 R17, 235/55 R18
Chevrolet | Spark | | 2010-2015 | 155/70 R13, 165/60 R14
Chevrolet | Niva | | 2002-2020 | 205/70 R15
Chevrolet | Volt | | 2015-2019 | 215/55 R17
Chevrolet | Bolt | | 2016- | 215/50 R17
Ford | Focus | II | 2004-2011 | 195/65 R15, 205/55 R16
Ford | Focus | III | 2011-2018 | 205/55 R16, 215/50 R17
Ford | Focus | IV | 2018- | 205/60 R16, 215/50 R17
Ford | Fiesta | | 2008-2017 | 175/65 R14, 195/55 R15
Ford | Mondeo | IV | 2007-2014 | 215/55 R16, 235/45 R17
Ford | Mondeo | V | 2014-2022 | 215/60 R16, 235/45 R18
Ford | Kuga | II | 2012-2019 | 235/55 R17, 235/50 R18
Ford | Kuga | III | 2019- | 225/65 R17, 225/60 R18
Ford | Fusion | | 2012-2020 | 215/60 R16, 235/50 R17, 235/45 R18
Ford | Escape | | 2012-2019 | 235/55 R17, 235/50 R18
Ford | Explorer | | 2011-2019 | 245/60 R18, 255/50 R20
Nissan | Qashqai | J10 | 2006-2013 | 215/65 R16, 215/60 R17
Nissan | Qashqai | J11 | 2013-2021 | 215/65 R16, 215/55 R18
Nissan | Qashqai | J12 | 2021- | 215/60 R17, 235/55 R18
Nissan | Leaf | ZE0 | 2010-2017 | 205/55 R16, 215/50 R17
Nissan | Leaf | ZE1 | 2017- | 205/55 R16, 215/50 R17
Nissan | X-Trail | T31 | 2007-2014 | 215/65 R16, 225/55 R17
Nissan | X-Trail | T32 | 2014-2021 | 225/65 R17, 225/60 R18
Nissan | Juke | | 2010-2019 | 215/55 R17
Nissan | Almera | | 2012-2018 | 185/65 R15
Nissan | Tiida | | 2004-2014 | 185/65 R15, 195/55 R16
Nissan | Note | | 2005-2013 | 185/65 R15
Nissan | Micra | | 2002-2010 | 175/65 R14
Nissan | Rogue | | 2013-2020 | 225/65 R17, 225/60 R18
Mitsubishi | Outlander | XL | 2006-2012 | 215/70 R16, 225/55 R18
Mitsubishi | Outlander | III | 2012-2021 | 215/70 R16, 225/55 R18
Mitsubishi | Lancer | X | 2007-2017 | 205/60 R16
Mitsubishi | ASX | | 2010- | 215/65 R16, 225/55 R18
Mitsubishi | Pajero Sport | | 2008- | 265/65 R17, 265/60 R18
Mitsubishi | Pajero | IV | 2006-2021 | 265/65 R17, 265/60 R18
Mitsubishi | Eclipse Cross | | 2017- | 225/55 R18
Mazda | 3 | BK | 2003-2009 | 195/65 R15, 205/55 R16
Mazda | 3 | BL | 2009-2013 | 205/55 R16
Mazda | 3 | BM | 2013-2019 | 205/60 R16, 215/45 R18
Mazda | 3 | BP | 2019- | 205/60 R16, 215/45 R18
Mazda | 6 | GH | 2007-2012 | 205/60 R16, 215/50 R17
Mazda | 6 | GJ | 2012- | 225/55 R17, 225/45 R19
Mazda | CX-5 | KE | 2011-2017 | 225/65 R17, 225/55 R19
Mazda | CX-5 | KF | 2017- | 225/65 R17, 225/55 R19
Mazda | CX-30 | | 2019- | 215/65 R16, 215/55 R18
Mazda | CX-7 | | 2006-2012 | 235/60 R18
Mazda | CX-9 | | 2016- | 255/60 R18, 255/50 R20
Mazda | 2 | | 2007-2014 | 175/65 R14, 185/55 R15
BMW | 3 Series | E90 | 2005-2012 | 205/55 R16, 225/45 R17
BMW | 3 Series | F30 | 2011-2019 | 205/60 R16, 225/50 R17, 225/45 R18
BMW | 3 Series | G20 | 2018- | 225/50 R17, 225/45 R18
BMW | 5 Series | E60 | 2003-2010 | 225/50 R17, 245/45 R18
BMW | 5 Series | F10 | 2009-2017 | 225/55 R17, 245/45 R18
BMW | 5 Series | G30 | 2016- | 225/55 R17, 245/45 R18
BMW | 1 Series | F20 | 2011-2019 | 205/55 R16, 225/45 R17
BMW | X5 | E70 | 2006-2013 | 255/55 R18, 255/50 R19
BMW | X5 | F15 | 2013-2018 | 255/55 R18, 255/50 R19
BMW | X5 | G05 | 2018- | 265/50 R19, 275/45 R20
BMW | X3 | F25 | 2010-2017 | 225/60 R17, 245/50 R18
BMW | X3 | G01 | 2017- | 225/60 R18, 245/50 R19
BMW | X1 | F48 | 2015-2022 | 225/55 R17, 225/50 R18
Mercedes-Benz | C-Class | W204 | 2007-2014 | 205/55 R16, 225/45 R17
Mercedes-Benz | C-Class | W205 | 2014-2021 | 205/60 R16, 225/50 R17, 225/45 R18
Mercedes-Benz | C-Class | W206 | 2021- | 225/50 R17, 225/45 R18
Mercedes-Benz | E-Class | W211 | 2002-2009 | 225/55 R16, 245/45 R17
Mercedes-Benz | E-Class | W212 | 2009-2016 | 225/55 R16, 245/45 R17
Mercedes-Benz | E-Class | W213 | 2016- | 225/55 R17, 245/45 R18
Mercedes-Benz | A-Class | W176 | 2012-2018 | 205/55 R16, 225/45 R17
Mercedes-Benz | A-Class | W177 | 2018- | 205/60 R16, 225/45 R18
Mercedes-Benz | GLC | X253 | 2015-2022 | 235/60 R18, 235/55 R19
Mercedes-Benz | ML | W166 | 2011-2015 | 255/55 R18
Mercedes-Benz | GLE | W166 | 2015-2019 | 255/55 R18, 255/50 R19
Mercedes-Benz | GLA | X156 | 2013-2020 | 215/60 R17, 235/50 R18
Mercedes-Benz | CLA | C117 | 2013-2019 | 205/55 R16, 225/45 R17
Mercedes-Benz | Vito | W447 | 2014- | 225/55 R17
Audi | A4 | B7 | 2004-2008 | 205/55 R16
Audi | A4 | B8 | 2007-2015 | 225/55 R16, 245/45 R17
Audi | A4 | B9 | 2015- | 225/50 R17, 245/40 R18
Audi | A6 | C6 | 2004-2011 | 225/55 R16, 245/45 R17
Audi | A6 | C7 | 2011-2018 | 225/55 R17, 245/45 R18
Audi | A6 | C8 | 2018- | 225/55 R17, 245/45 R19
Audi | A3 | 8P | 2003-2012 | 205/55 R16, 225/45 R17
Audi | A3 | 8V | 2012-2020 | 205/55 R16, 225/45 R17
Audi | Q5 | 8R | 2008-2017 | 235/65 R17, 235/60 R18
Audi | Q5 | FY | 2017- | 235/60 R18, 235/55 R19
Audi | Q7 | 4L | 2005-2015 | 235/60 R18, 265/50 R19
Audi | Q7 | 4M | 2015- | 255/55 R19, 285/45 R22
Audi | Q3 | 8U | 2011-2018 | 215/65 R16, 235/55 R17
Audi | e-tron | | 2018- | 255/55 R19, 255/50 R20
Tesla | Model 3 | | 2017- | 235/45 R18, 235/40 R19
Tesla | Model Y | | 2020- | 255/45 R19, 255/40 R20
Tesla | Model S | | 2012- | 245/45 R19, 245/40 R21
Tesla | Model X | | 2015- | 255/45 R20, 265/45 R21
Honda | CR-V | III | 2006-2012 | 225/65 R17
Honda | CR-V | IV | 2012-2017 | 225/65 R17, 225/60 R18
Honda | CR-V | V | 2016-2022 | 235/65 R17, 235/60 R18
Honda | Civic | VIII | 2005-2011 | 205/55 R16
Honda | Civic | IX | 2011-2017 | 205/55 R16, 225/45 R17
Honda | Civic | X | 2015-2021 | 215/55 R16, 215/50 R17
Honda | Accord | VIII | 2008-2012 | 215/60 R16, 225/50 R17
Honda | Jazz | | 2008-2020 | 175/65 R15
Honda | HR-V | | 2015- | 215/60 R16, 215/55 R17
Peugeot | 308 | T7 | 2007-2013 | 195/65 R15, 205/55 R16
Peugeot | 308 | T9 | 2013-2021 | 205/55 R16, 225/45 R17
Peugeot | 3008 | I | 2009-2016 | 215/60 R16, 225/50 R17
Peugeot | 3008 | II | 2016- | 215/65 R17, 225/55 R18
Peugeot | 207 | | 2006-2012 | 185/65 R15, 195/55 R16
Peugeot | 208 | | 2012- | 185/65 R15, 195/55 R16
Peugeot | 301 | | 2012- | 185/65 R15
Peugeot | 407 | | 2004-2010 | 215/55 R16, 215/55 R17
Peugeot | 508 | | 2010-2018 | 215/60 R16, 215/55 R17
Peugeot | Partner | | 2008-2018 | 195/65 R15
Peugeot | 2008 | | 2013-2019 | 195/60 R16, 205/55 R16
Opel | Astra | H | 2004-2010 | 195/65 R15, 205/55 R16
Opel | Astra | J | 2009-2015 | 205/60 R16, 225/50 R17
Opel | Astra | K | 2015-2021 | 205/55 R16, 225/45 R17
Opel | Vectra | C | 2002-2008 | 195/65 R15, 205/55 R16
Opel | Insignia | A | 2008-2017 | 215/60 R16, 225/55 R17
Opel | Insignia | B | 2017- | 225/55 R17, 245/45 R18
Opel | Corsa | D | 2006-2014 | 185/65 R15
Opel | Zafira | B | 2005-2014 | 205/55 R16
Opel | Mokka | | 2012-2019 | 215/65 R16, 215/55 R18
Opel | Combo | | 2011-2018 | 195/65 R15
Citroen | C4 | | 2010-2018 | 205/55 R16
Citroen | C-Elysee | | 2012- | 185/65 R15
Citroen | Berlingo | | 2008-2018 | 195/65 R15
Citroen | C5 | | 2008-2017 | 215/55 R17
Fiat | Doblo | | 2001-2015 | 185/65 R15
Fiat | Tipo | | 2015- | 195/65 R15, 205/55 R16
Fiat | Linea | | 2007-2015 | 185/65 R15
Fiat | 500 | | 2007- | 175/65 R14, 185/55 R15
Seat | Leon | III | 2012-2020 | 205/55 R16, 225/45 R17
Seat | Ibiza | | 2008-2017 | 185/60 R15
Seat | Ateca | | 2016- | 215/55 R17
Subaru | Forester | IV | 2012-2018 | 225/60 R17, 225/55 R18
Subaru | Forester | V | 2018- | 225/60 R17, 225/55 R18
Subaru | Outback | | 2014-2019 | 225/65 R17, 225/60 R18
Subaru | XV | | 2017- | 225/60 R17, 225/55 R18
Subaru | Impreza | | 2011- | 205/55 R16
Volvo | XC90 | II | 2015- | 235/55 R19, 275/45 R20
Volvo | XC60 | I | 2008-2017 | 235/65 R17, 235/60 R18
Volvo | XC60 | II | 2017- | 235/60 R18, 235/55 R19
Volvo | XC40 | | 2017- | 235/55 R18
Volvo | S60 | | 2010-2018 | 225/50 R17
Lexus | RX | III | 2009-2015 | 235/60 R18, 235/55 R19
Lexus | RX | IV | 2015-2022 | 235/65 R17, 235/55 R19
Lexus | NX | | 2014- | 225/65 R17, 225/60 R18
Lexus | ES | | 2012-2018 | 215/55 R17
Lexus | IS | | 2013-2020 | 225/45 R17
Suzuki | Vitara | | 2015- | 215/60 R16, 215/55 R17
Suzuki | Grand Vitara | | 2005-2015 | 225/65 R17, 225/60 R18
Suzuki | SX4 | | 2006-2014 | 205/60 R16
Suzuki | Swift | | 2010-2017 | 175/65 R15
Geely | Emgrand EC7 | | 2009- | 205/55 R16
Geely | CK | | 2005-2016 | 175/70 R14
Geely | MK | | 2006-2015 | 185/60 R14
Geely | Coolray | | 2019- | 215/55 R17
Chery | Tiggo | | 2005-2014 | 215/65 R16
Chery | Amulet | | 2003-2012 | 175/70 R13
Chery | Tiggo 7 | | 2016- | 225/60 R17
Jeep | Grand Cherokee | WK2 | 2010-2021 | 265/60 R18, 265/50 R20
Jeep | Compass | | 2016- | 215/60 R17, 225/55 R18
Jeep | Cherokee | KL | 2013- | 225/60 R17, 225/55 R18
Land Rover | Range Rover Evoque | | 2011-2018 | 235/60 R18, 235/55 R19
Land Rover | Discovery Sport | | 2014- | 235/60 R18, 235/55 R19
Porsche | Cayenne | II | 2010-2017 | 255/55 R18, 275/45 R20
Porsche | Macan | | 2014- | 235/60 R18, 255/45 R19
BYD | Song Plus | | 2020- | 235/50 R19
BYD | Atto 3 | | 2022- | 215/55 R18
SsangYong | Korando | | 2010- | 225/60 R17
"""


@dataclass(frozen=True)
class FitmentRow:
    fitment: VehicleFitment
    make_keys: tuple[str, ...]
    model_keys: tuple[str, ...]


def _parse_fitment() -> list[FitmentRow]:
    rows: list[FitmentRow] = []
    for line in _FITMENT_TEXT.strip().splitlines():
        make, model, generation, years, sizes_text = (p.strip() for p in line.split("|"))
        year_from_text, _, year_to_text = years.partition("-")
        sizes = [s.strip().rstrip("?").strip() for s in sizes_text.split(",") if s.strip()]
        make_aliases = [make, *MAKE_ALIASES.get(make, [])]
        model_aliases = [model, *MODEL_ALIASES.get((make, model), [])]
        model_keys = [_key(a) for a in model_aliases]
        if generation:
            # "Octavia A7", "Golf VII" and "Passat B8" find the generation directly.
            model_keys += [_key(a) + _key(generation) for a in model_aliases]
        rows.append(
            FitmentRow(
                fitment=VehicleFitment(
                    make=make,
                    model=model,
                    generation=generation or None,
                    year_from=int(year_from_text),
                    year_to=int(year_to_text) if year_to_text else None,
                    sizes=sizes,
                ),
                make_keys=tuple(dict.fromkeys(_key(a) for a in make_aliases)),
                model_keys=tuple(dict.fromkeys(model_keys)),
            )
        )
    return rows


def lookup_key(text: str) -> str:
    """The normalized key fitment lookups compare (exposed for the server's queries)."""
    return _key(text)


# ---------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockRow:
    sku: str
    warehouse_id: str
    quantity: int


@dataclass
class Catalogue:
    tires: list[Tire]
    stock: list[StockRow]
    fitment: list[FitmentRow]
    warehouses: list[tuple[str, str, str]] = field(default_factory=lambda: list(WAREHOUSES))

    def total_stock(self, sku: str) -> int:
        return sum(r.quantity for r in self.stock if r.sku == sku)

    def stock_in(self, sku: str, warehouse_id: str) -> int:
        return next(
            (r.quantity for r in self.stock if r.sku == sku and r.warehouse_id == warehouse_id),
            0,
        )


_EU = "ABCDE"


def _eu_label(rng: random.Random, brand: Brand, line: Line, size: Size) -> EuLabel:
    tier = _TIER_SCORE[brand.tier]
    season_penalty = {Season.SUMMER: 0, Season.ALL_SEASON: 1, Season.WINTER: 1}[line.season]
    fuel = 1 + tier // 2 + season_penalty + rng.choice((-1, 0, 0, 1))
    if line.kind in ("eco", "ev"):
        fuel -= 1
    wet = tier + season_penalty + rng.choice((-1, 0, 0, 0, 1))
    if line.kind == "sport":
        wet -= 1
    noise = 68 + (size.width - 175) // 30 + (2 if line.studded else 0) + rng.choice((-1, 0, 0, 1))
    return EuLabel(
        fuel=_EU[min(max(fuel, 0), 4)],  # type: ignore[arg-type]
        wet_grip=_EU[min(max(wet, 0), 4)],  # type: ignore[arg-type]
        noise_db=noise,
    )


def _speed_index(rng: random.Random, brand: Brand, line: Line, size: Size) -> str:
    if line.season == Season.WINTER and line.kind in ("studded", "friction", "budget_winter"):
        return "T" if size.rim < 18 else rng.choice(("T", "R", "H"))
    if line.kind == "sport" or size.rim >= 19:
        return rng.choice(("W", "Y"))
    if line.season == Season.WINTER:
        return "H" if size.rim <= 16 else "V"
    if brand.tier == "budget" or size.rim <= 14:
        return "T" if size.rim <= 14 else "H"
    return "V" if size.rim >= 17 else rng.choice(("H", "V"))


def _price(rng: random.Random, brand: Brand, line: Line, size: Size, run_flat: bool) -> int:
    table = _TIER_PRICE[brand.tier]
    base = table.get(size.rim, table[max(table)])
    width_adj = 1 + (size.width - _TYPICAL_WIDTH[size.rim]) * 0.006
    price = base * width_adj * line.price_factor * rng.uniform(0.95, 1.06)
    if line.studded:
        price *= 1.06
    if run_flat:
        price *= 1.15
    return int(round(price / 10.0) * 10)


def _description(rng: random.Random, brand: Brand, line: Line, run_flat: bool) -> str:
    parts = [rng.choice(_DESCRIPTIONS[line.kind])]
    if run_flat:
        parts.append(_RUN_FLAT_UK)
    elif brand.made_in_ukraine:
        parts.append(_MADE_IN_UA_UK)
    return " ".join(parts)


def _sku(brand: Brand, line: Line, size: Size, run_flat: bool) -> str:
    sku = f"{brand.code}-{line.code}-{size.width}{size.profile:02d}R{size.rim}"
    return sku + "-RF" if run_flat else sku


def _eligible(line: Line, size: Size, strict_suv: bool = True) -> bool:
    if not line.rim_min <= size.rim <= line.rim_max:
        return False
    if strict_suv and line.suv_only and not size.suv:
        return False
    return True


# Lines that must carry given sizes: the known SKUs tests and demos rely on.
_FORCED: list[tuple[str, str, str]] = [
    ("Michelin", "Alpin 6", "205/55 R16"),
    ("Nokian", "Hakkapeliitta R5", "205/55 R16"),
    ("Premiorri", "Solazo S Plus", "205/55 R16"),
    ("Continental", "IceContact 3", "205/55 R16"),
    ("Michelin", "Primacy 4+", "205/55 R16"),
    ("Rosava", "Snowgard", "205/55 R16"),
]


def generate_catalogue(seed: int = DEFAULT_SEED) -> Catalogue:
    """Build the whole catalogue; pure function of the seed."""
    rng = random.Random(seed)
    chosen: dict[tuple[int, int, int], list[tuple[Brand, Line]]] = {}
    forced = {(b, m, s) for b, m, s in _FORCED}

    for brand in BRANDS:
        for line in brand.lines:
            for size in SIZES:
                if not _eligible(line, size):
                    continue
                # Popular sizes are made by almost every line; rare ones by a few.
                p = 0.06 + 0.5 * size.popularity
                if line.suv_only:
                    p += 0.1
                must = (brand.name, line.model, size.text) in forced
                if must or rng.random() < p:
                    chosen.setdefault((size.width, size.profile, size.rim), []).append(
                        (brand, line)
                    )

    # Coverage: every size gets up to two tires per season from lines that make it, so a
    # fitment lookup followed by a search rarely comes back empty for lack of data.
    for size in SIZES:
        key = (size.width, size.profile, size.rim)
        have = chosen.setdefault(key, [])
        for season in Season:
            count = sum(1 for _, ln in have if ln.season == season)
            candidates = [
                (b, ln)
                for b in BRANDS
                for ln in b.lines
                if ln.season == season and _eligible(ln, size, strict_suv=False)
                and (b, ln) not in have
            ]
            rng.shuffle(candidates)
            while count < 2 and candidates:
                have.append(candidates.pop())
                count += 1

    tires: list[Tire] = []
    for size in SIZES:
        for brand, line in chosen[(size.width, size.profile, size.rim)]:
            variants = [False]
            # Run-flat versions for the premium sizes BMW and Mercedes fit from the factory.
            if (
                brand.run_flat
                and size.rim >= 16
                and size.profile <= 55
                and not line.studded
                and line.kind in ("touring", "sport", "euro_winter")
                and rng.random() < 0.3
            ):
                variants.append(True)
            for run_flat in variants:
                tires.append(
                    Tire(
                        sku=_sku(brand, line, size, run_flat),
                        brand=brand.name,
                        model=line.model,
                        width=size.width,
                        profile=size.profile,
                        rim=size.rim,
                        season=line.season,
                        studded=line.studded,
                        load_index=size.load_index,
                        speed_index=_speed_index(rng, brand, line, size),
                        run_flat=run_flat,
                        price_uah=_price(rng, brand, line, size, run_flat),
                        eu_label=_eu_label(rng, brand, line, size),
                        description_uk=_description(rng, brand, line, run_flat),
                    )
                )

    stock = _generate_stock(rng, tires)
    return Catalogue(tires=tires, stock=stock, fitment=_parse_fitment())


_QUANTITIES = (1, 2, 3, 4, 4, 4, 6, 8, 8, 8, 10, 12, 12, 16, 20, 24, 32)


def _generate_stock(rng: random.Random, tires: list[Tire]) -> list[StockRow]:
    rows: list[StockRow] = []
    # Kyiv is the main warehouse: it holds the widest range.
    in_stock_p = {"KYIV-1": 0.75, "LVIV-1": 0.5, "ODESA-1": 0.45, "DNIPRO-1": 0.45,
                  "KHARKIV-1": 0.4}
    for tire in tires:
        sold_out = rng.random() < 0.05
        for wh_id, _city, _name in WAREHOUSES:
            qty = 0
            if not sold_out and rng.random() < in_stock_p[wh_id]:
                qty = rng.choice(_QUANTITIES)
            rows.append(StockRow(tire.sku, wh_id, qty))
    return _force_known_stock(rows)


def _force_known_stock(rows: list[StockRow]) -> list[StockRow]:
    """Pin the stock of the known SKUs so tests can rely on it whatever the RNG drew."""
    pinned: dict[str, dict[str, int]] = {
        _sku_of("Michelin", "Alpin 6", "205/55 R16"): {
            "KYIV-1": 12, "LVIV-1": 0, "ODESA-1": 4, "DNIPRO-1": 8, "KHARKIV-1": 0},
        _sku_of("Nokian", "Hakkapeliitta R5", "205/55 R16"): {
            "KYIV-1": 8, "LVIV-1": 16, "ODESA-1": 0, "DNIPRO-1": 4, "KHARKIV-1": 4},
        _sku_of("Premiorri", "Solazo S Plus", "205/55 R16"): {
            "KYIV-1": 24, "LVIV-1": 8, "ODESA-1": 12, "DNIPRO-1": 0, "KHARKIV-1": 8},
        _sku_of("Continental", "IceContact 3", "205/55 R16"): {
            "KYIV-1": 0, "LVIV-1": 0, "ODESA-1": 0, "DNIPRO-1": 0, "KHARKIV-1": 0},
    }
    return [
        StockRow(r.sku, r.warehouse_id, pinned[r.sku][r.warehouse_id]) if r.sku in pinned else r
        for r in rows
    ]


def _sku_of(brand_name: str, model: str, size_text: str) -> str:
    brand = next(b for b in BRANDS if b.name == brand_name)
    line = next(ln for ln in brand.lines if ln.model == model)
    size = next(s for s in SIZES if s.text == size_text)
    return _sku(brand, line, size, run_flat=False)


@lru_cache(maxsize=4)
def catalogue(seed: int = DEFAULT_SEED) -> Catalogue:
    """The generated catalogue, built once per process (treat as read-only)."""
    return generate_catalogue(seed)


@dataclass(frozen=True)
class KnownSkus:
    """SKUs tests and demos can name; their stock is pinned in the generator."""

    michelin_winter_205_55_r16: str  # Alpin 6: 12 in Київ, 0 in Львів
    nokian_winter_205_55_r16: str  # Hakkapeliitta R5: 16 in Львів
    premiorri_summer_205_55_r16: str  # Solazo S Plus: 24 in Київ
    out_of_stock_everywhere: str  # Continental IceContact 3 205/55 R16 (studded)
    michelin_summer_205_55_r16: str  # Primacy 4+
    run_flat: str  # some run-flat premium tire


def known_skus(seed: int = DEFAULT_SEED) -> KnownSkus:
    run_flat = next(t.sku for t in catalogue(seed).tires if t.run_flat)
    return KnownSkus(
        michelin_winter_205_55_r16=_sku_of("Michelin", "Alpin 6", "205/55 R16"),
        nokian_winter_205_55_r16=_sku_of("Nokian", "Hakkapeliitta R5", "205/55 R16"),
        premiorri_summer_205_55_r16=_sku_of("Premiorri", "Solazo S Plus", "205/55 R16"),
        out_of_stock_everywhere=_sku_of("Continental", "IceContact 3", "205/55 R16"),
        michelin_summer_205_55_r16=_sku_of("Michelin", "Primacy 4+", "205/55 R16"),
        run_flat=run_flat,
    )
