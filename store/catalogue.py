"""Deterministic generator of the reference store's catalogue (no network, seeded RNG).

It produces what a Ukrainian online tire shop sells: real brands and model lines per season,
common sizes R13–R22 with plausible UAH prices by brand tier and rim, EU labels, load/speed
indexes, spoken-style Ukrainian descriptions, stock in five warehouses, and OEM fitment for
the cars people drive in Ukraine (with Cyrillic aliases for lookup). The same seed always
gives the same catalogue, so tests and demos can name SKUs.

The data lives next to it: brands and model lines in store/brands.py, cities, warehouses and
delivery times in store/geography.py, vehicle fitment in store/fitment.py, the size and
fitment tables in store/data/. Their public names stay importable from here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files

from store.api_models import EuLabel, Season, Tire, format_size

# Re-exported: callers import these from store.catalogue.
from store.api_models import VehicleFitment  # noqa: F401
from store.brands import BRANDS, Brand, Line, normalize_brand  # noqa: F401
from store.brands import A, S, W  # noqa: F401
from store.fitment import (  # noqa: F401
    MAKE_ALIASES,
    MODEL_ALIASES,
    FitmentRow,
    lookup_key,
    parse_fitment,
)
from store.geography import (  # noqa: F401
    CITY_COORDS,
    DEFAULT_DELIVERY_DAYS,
    WAREHOUSES,
    delivery_days,
    normalize_city,
)

DEFAULT_SEED = 20251123

# ---------------------------------------------------------------------------------------------
# Sizes
# ---------------------------------------------------------------------------------------------


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


@lru_cache(maxsize=1)
def _sizes() -> list[Size]:
    """The sizes of data/sizes.txt, parsed on first use (always the same list)."""
    text = files("store").joinpath("data", "sizes.txt").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    sizes: list[Size] = []
    for chunk in "|".join(lines).split("|"):
        if not chunk.strip():
            continue
        size_text, rim_text, li, pop = chunk.split()
        w, p = size_text.split("/")
        sizes.append(Size(int(w), int(p), int(rim_text[1:]), int(li), float(pop)))
    return sizes


# Every size the store sells, in file order; loaded on first access by __getattr__ below.
SIZES: list[Size]


def __getattr__(name: str) -> object:
    if name == "SIZES":
        return _sizes()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------------------------------------
# Prices by brand tier
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
            for size in _sizes():
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
    for size in _sizes():
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
    for size in _sizes():
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
    return Catalogue(tires=tires, stock=stock, fitment=parse_fitment())


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
    size = next(s for s in _sizes() if s.text == size_text)
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
    rosava_winter_205_55_r16: str  # Snowgard, made in Ukraine


def known_skus(seed: int = DEFAULT_SEED) -> KnownSkus:
    run_flat = next(t.sku for t in catalogue(seed).tires if t.run_flat)
    return KnownSkus(
        michelin_winter_205_55_r16=_sku_of("Michelin", "Alpin 6", "205/55 R16"),
        nokian_winter_205_55_r16=_sku_of("Nokian", "Hakkapeliitta R5", "205/55 R16"),
        premiorri_summer_205_55_r16=_sku_of("Premiorri", "Solazo S Plus", "205/55 R16"),
        out_of_stock_everywhere=_sku_of("Continental", "IceContact 3", "205/55 R16"),
        michelin_summer_205_55_r16=_sku_of("Michelin", "Primacy 4+", "205/55 R16"),
        run_flat=run_flat,
        rosava_winter_205_55_r16=_sku_of("Rosava", "Snowgard", "205/55 R16"),
    )
