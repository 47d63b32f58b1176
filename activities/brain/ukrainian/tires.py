"""Seasons, studs and tire brands as callers name them.

Seasons come back as the store's values ("summer", "winter", "all_season"); brands as the
catalogue's names (store/brands.py), from Cyrillic, Latin and the usual misspellings, in any case
form ("мішленом", "на континенталі").
"""

from __future__ import annotations

import re
from typing import Literal

from activities.brain.ukrainian.text import apply_correction, normalise

SeasonName = Literal["summer", "winter", "all_season"]

# Word stems of each season; a word must start with one of them.
SEASON_WORDS: dict[str, tuple[str, ...]] = {
    "winter": (
        "зимов", "зимн", "зима", "зиму", "зими", "взимку", "зимой", "зимою", "липучк", "фрикційн",
        "фрикцион", "шип", "нешип", "winter",
    ),
    "summer": ("літн", "літо", "влітку", "летн", "лето", "летом", "summer"),
    "all_season": ("всесезон", "всесизон", "цілорічн", "круглорічн", "всепогодн", "all season", "allseason"),
}


def _starts_word(norm: str, stems: tuple[str, ...]) -> bool:
    return any(re.search(rf"(?<![\w']){re.escape(stem)}", norm) for stem in stems)


def parse_season(text: str) -> SeasonName | None:
    """ "зимові", "на зиму", "липучка", "шипи" → winter; "літні", "літо" → summer;
    "всесезонка" → all_season. A correction counts as meant: "не літні, а зимові" → winter."""
    norm = apply_correction(text)
    for season in ("all_season", "winter", "summer"):
        if _starts_word(norm, SEASON_WORDS[season]):
            return season  # type: ignore[return-value]
    return None


_NOT_STUDDED = re.compile(r"(?<![\w'])(без шип|не шип|нешип|липучк|фрикц|не потрібні шип|шипи не )")


def parse_studded(text: str) -> bool | None:
    """True for "шипи", "шиповані"; False for "липучка", "без шипів", "фрикційні"; else None."""
    norm = apply_correction(text)
    if _NOT_STUDDED.search(norm):
        return False
    if _starts_word(norm, ("шип", "studded", "spike")):
        return True
    return None


# Catalogue brand name → spellings callers and recognizers produce (lower case, no endings).
BRANDS: dict[str, tuple[str, ...]] = {
    "Michelin": (
        "michelin", "michelen", "мішлен", "мішелін", "мішлін", "мишлен", "мишелин", "мішелен", "мішелян", "мишлин",
    ),
    "Continental": ("continental", "континенталь", "континентал", "conti", "конті", "конти", "контінентал"),
    "Nokian": (
        "nokian", "нокіан", "нокиан", "нокіа", "нокия", "nokia", "нокіян", "hakkapeliitta", "хаккапеліта", "хакапеліта",
    ),
    "Bridgestone": ("bridgestone", "бріджстоун", "бриджстоун", "бріджстон", "бриджстон", "брідж", "бридж", "брідстоун"),
    "Goodyear": (
        "goodyear", "good year", "гудієр", "гудіер", "гудьір", "гудйір", "гудиер", "гудьир", "гудєар", "гуд єар",
        "гудєр", "гудйєр", "гудиар",
    ),
    "Hankook": ("hankook", "ханкук", "хенкук", "ханкок", "хенкок", "ханкуk", "ханкку"),
    "Pirelli": ("pirelli", "pireli", "піреллі", "пірелі", "пирелли", "пирели", "пірели"),
    "Yokohama": ("yokohama", "yoko", "йокогама", "йокохама", "йокагама", "йокахама", "екохама", "йоко"),
    "Kumho": ("kumho", "кумхо", "кумго", "кумха"),
    "Nexen": ("nexen", "нексен", "нексін", "нексан", "нэксен"),
    "Toyo": ("toyo", "тойо"),
    "Dunlop": ("dunlop", "данлоп", "дунлоп"),
    "Matador": ("matador", "матадор"),
    "Kleber": ("kleber", "клебер", "клєбер"),
    "Belshina": ("belshina", "белшина", "бєлшина", "білшина", "бєлшіна", "белшіна"),
    "Rosava": ("rosava", "росава", "россава"),
    "Premiorri": (
        "premiorri", "premiori", "преміорі", "преміоррі", "премиорри", "премиори", "преміорри", "преміори",
    ),
}
# Case endings a brand may take in speech: "мішленом", "континенталі"; a final -а/-я changes
# ("росаву", "белшиною").
_BRAND_ENDINGS = r"(?:а|у|ом|ем|і|и|ові|еві|ою|ів|ах|ям|ю|я|ей|ой)?"
_VOWEL_ENDINGS = r"(?:а|у|і|и|ою|ї|ю|я|єю)"


def _alias_pattern(alias: str) -> str:
    if alias[-1] in "ая" and len(alias) > 4:
        return re.escape(alias[:-1]) + _VOWEL_ENDINGS
    return re.escape(alias) + _BRAND_ENDINGS


_BRAND_RES: dict[str, re.Pattern[str]] = {
    brand: re.compile(
        r"(?<![\w'])(?:" + "|".join(_alias_pattern(a) for a in sorted(aliases, key=len, reverse=True)) + r")(?![\w'])"
    )
    for brand, aliases in BRANDS.items()
}


def parse_brand(text: str) -> str | None:
    """The catalogue's brand name the caller said, else None.

    "Мішлен" → "Michelin"; "континенталь" → "Continental"; "не мішлен, а нокіан" → "Nokian".
    When several are named, the last one said wins.
    """
    brands = parse_brands(apply_correction(text))
    return brands[-1] if brands else None


def parse_brands(text: str) -> list[str]:
    """Every brand named, in the order said, each once: "мішлен чи континенталь" → both."""
    norm = normalise(text)
    found: list[tuple[int, str]] = []
    for brand, pattern in _BRAND_RES.items():
        match = pattern.search(norm)
        if match:
            found.append((match.start(), brand))
    return [brand for _, brand in sorted(found)]
