"""Tire brands and their model lines as the reference store sells them.

Each brand has a price tier (budget, mid, premium), Cyrillic and colloquial aliases for
lookup, and model lines per season with the rim range they are made for; the catalogue
generator (store/catalogue.py) prices them by tier and turns them into SKUs.
"""

from __future__ import annotations

from dataclasses import dataclass

from store.api_models import Season
from store.fitment import lookup_key as _key


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
