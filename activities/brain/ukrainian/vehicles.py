"""Car makes, models and years as callers say them, mapped to the catalogue's names.

"Шкода Октавія 2015 року", "октавія", "фольксваген пасат", "хюндай туксон", "ВАЗ 2107",
"дві тисячі п'ятнадцятого року": `parse_vehicle` gives the make and model as store/fitment.py
spells them (a model alone finds its make) and the year. Names are compared by a folded key
(no spaces or dashes, Cyrillic look-alikes as Latin: "Х5" is "X5", "сх 5" is "CX-5"), and
declined words are brought back to their base form ("на октавію", "для пасата").
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass

from activities.brain.ukrainian.numbers import Token, number_tokens
from activities.brain.ukrainian.text import apply_correction

# Catalogue make → how callers say it, beyond the store's own aliases (store/fitment.py) and what
# the phonetic key finds from the name itself (`fuzzy.phonetic`: "тойота" is "Toyota"): colloquial
# names and misspellings no rule reaches. Case endings are handled by the matcher.
MAKES: dict[str, tuple[str, ...]] = {
    "Skoda": ("шкоди",),
    "Volkswagen": ("фольксвагін", "фольц", "фольксваг"),
    "Toyota": ("таєта", "тоёта", "тайота"),
    "Hyundai": ("хьондай", "хюндей", "хендей"),
    "Kia": ("кия",),
    "Chevrolet": ("шевролет",),
    "BMW": ("бемве", "беемве", "бе ем ве", "бэмвэ"),
    "Mercedes-Benz": ("мерседес бенц", "мерин"),
    "Peugeot": ("пежот",),
    "Geely": ("джелі", "джіли"),
    "Land Rover": ("ланд ровер", "ренж ровер"),
    "BYD": ("бі ай ді", "біайді"),
}
# (make, model) → how callers say the model, beyond the store's aliases and the phonetic key; every
# model of the fitment table is known by its own name without an entry here.
MODELS: dict[tuple[str, str], tuple[str, ...]] = {
    ("Toyota", "Camry"): ("кемрі", "кемри"),
    ("Toyota", "RAV4"): ("рав чотири", "раф 4", "раф"),
    ("Hyundai", "Tucson"): ("таксон",),
    ("Mitsubishi", "Outlander"): ("аутлендр", "outlander xl"),
}

# Model names that are also ordinary words or bare numbers: they count only after the make
# ("у мене немає сенсу" is not a Daewoo Sens, "мазда шість" is a Mazda 6, "шість" alone is not).
_NEEDS_MAKE = frozenset(
    {
        "сенс", "калина", "скала", "фокус", "рог", "рож", "жук", "трійка", "тройка", "шістка",
        "десятка", "дев'ятка", "девятка", "сімка", "семерка", "п'ятірка", "пятерка", "классика",
        "одиничка", "вольт", "болт", "джаз", "поло", "гольф", "астра", "компас", "ліф", "лиф",
        "ліфчик", "леон", "меган", "кона", "соната", "віда", "вида", "форза", "комбо", "круз",
        "спарк", "самара", "fit", "forte", "note", "ноут", "рапід", "рапид", "партнер", "сід",
        "сид", "ріо", "рио", "соул", "гранта", "веста", "амулет", "єшка", "кадді", "кадди", "рафік",
        "раф", "мокка", "зое", "зоє", "туран", "вектра", "леон", "атека", "тіпо", "типо",
    }
)
_FOLD = str.maketrans("авсекмнорстухіїє", "abcekmhopctyxiie")
_LETTERS = str.maketrans({"ё": "е", "’": "'", "ʼ": "'", "š": "s", "ë": "e", "é": "e"})
_YEAR_WORDS = ("рік", "року", "роки", "р", "год", "года", "г", "го", "випуску", "рочок")
# Case endings of declined names, longest first: "октавію" → "октаві" + "я".
_ENDINGS = (
    "ами", "ові", "еві", "єві", "ою", "ею", "єю", "ом", "ем", "єм", "ам", "ах", "у", "ю", "а", "я", "і", "ї", "е", "и",
)
_RESTORE = ("", "а", "я", "й", "ь", "о", "і")


@lru_cache(maxsize=16384)
def _key(text: str) -> str:
    """Comparison key: no spaces, dashes, dots or apostrophes; Cyrillic look-alikes as Latin."""
    text = text.lower().translate(_LETTERS)
    return re.sub(r"[\s\-_.'\"+]+", "", text).translate(_FOLD)


def _lemmas(word: str) -> list[str]:
    """The word and its possible base forms, for names said in another case."""
    out = [word]
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            base = word[: -len(ending)]
            out += [base + restore for restore in _RESTORE]
    return out


def _may_stand_alone(key: str) -> bool:
    """A model name said without its make must be long and unmistakable."""
    return len(key) >= 4 and not key.isdigit() and key not in _NEEDS_MAKE_KEYS


@dataclass(frozen=True)
class Vehicle:
    make: str | None = None
    model: str | None = None
    year: int | None = None

    def __str__(self) -> str:
        return " ".join(str(p) for p in (self.make, self.model, self.year) if p is not None)


def _year_from(token: Token, next_word: str) -> int | None:
    """A year: 1970-2035 as said, or two digits before «року» ("п'ятнадцятого року" → 2015)."""
    value = token.value
    if value is None:
        return None
    if 1970 <= value <= 2035:
        return value
    if next_word in _YEAR_WORDS and 0 <= value <= 99:
        return 2000 + value if value <= 35 else 1900 + value
    return None


def _token_texts(tokens: list[Token]) -> list[str]:
    return [t.text if t.value is None or t.ordinal else (t.text if t.digits else str(t.value)) for t in tokens]


def _alias_key(alias: str) -> str:
    """The key of a stored name, with number words as digits ("рав чотири" is "рав4")."""
    return "".join(_key(text) for text in _token_texts(number_tokens(alias, lemmatise=False)))


_NEEDS_MAKE_KEYS: set[str] = {_key(w) for w in _NEEDS_MAKE}


@lru_cache(maxsize=1)
def _indexes() -> tuple[dict[str, str], dict[str, list[tuple[str, str]]], dict[str, str], dict[str, str]]:
    """(makes, models, their phonetic keys → index keys), built on first use from the store's
    fitment table and aliases (store/fitment.py) and the colloquial names above. The phonetic keys
    (`fuzzy.phonetic`) let a spelling the tables do not list find its name ("хюндаї" = "hyundai")."""
    from activities.brain.ukrainian.fuzzy import phonetic
    from store.fitment import MAKE_ALIASES, MODEL_ALIASES, parse_fitment

    makes: dict[str, list[str]] = {}
    models: dict[tuple[str, str], list[str]] = {}
    for row in parse_fitment():
        makes.setdefault(row.fitment.make, [])
        models.setdefault((row.fitment.make, row.fitment.model), [])
    for make, aliases in (*MAKE_ALIASES.items(), *MAKES.items()):
        makes.setdefault(make, []).extend(aliases)
    for pair, aliases in (*MODEL_ALIASES.items(), *MODELS.items()):
        models.setdefault(pair, []).extend(aliases)
    make_index: dict[str, str] = {}
    make_sounds: dict[str, str] = {}
    for make, aliases in makes.items():
        for alias in (make, *aliases):
            key = _alias_key(alias)
            make_index.setdefault(key, make)
            make_sounds.setdefault(phonetic(alias), key)
    model_index: dict[str, list[tuple[str, str]]] = {}
    model_sounds: dict[str, str] = {}
    for pair, aliases in models.items():
        for alias in (pair[1], *aliases):
            key = _alias_key(alias)
            pairs = model_index.setdefault(key, [])
            if pair not in pairs:
                pairs.append(pair)
            model_sounds.setdefault(phonetic(alias), key)
    return make_index, model_index, make_sounds, model_sounds


def _match(texts: list[str], used: set[int], index: dict[str, list[tuple[str, str]]] | dict[str, str],
           max_len: int, sounds: dict[str, str]) -> list[tuple[int, int, str]]:
    """(start, length, key) of every n-gram of unused words whose key (or, for five letters and
    more, whose phonetic key) is in the index, longest first."""
    from activities.brain.ukrainian.fuzzy import phonetic

    found: list[tuple[int, int, str]] = []
    for length in range(max_len, 0, -1):
        for start in range(len(texts) - length + 1):
            span = range(start, start + length)
            if any(i in used for i in span):
                continue
            head = "".join(_key(texts[i]) for i in span if i < start + length - 1)
            for last in _lemmas(texts[start + length - 1]):
                key = head + _key(last)
                if key not in index and length == 1 and _unknown_word(texts[start]):
                    # one word (folded vowels may not join two), and not a dictionary word: the
                    # filler "короче" cut to "короч" sounds like "Karoq"
                    sound = phonetic(last)
                    key = sounds.get(sound, "") if len(sound) >= 5 else ""
                if key in index:
                    found.append((start, length, key))
                    break
    return found


def _unknown_word(word: str) -> bool:
    from activities.brain.ukrainian.analyse import word_info

    return not word_info(word)[2]


def _years(tokens: list[Token], texts: list[str]) -> list[tuple[int, int]]:
    """(index, year) of every number followed by «року»/«рік» ("2015 року", "п'ятнадцятого року")."""
    found: list[tuple[int, int]] = []
    for i, token in enumerate(tokens):
        following = texts[i + 1] if i + 1 < len(texts) else ""
        if token.value is not None and following in _YEAR_WORDS:
            year = _year_from(token, following)
            if year is not None:
                found.append((i, year))
    return found


def parse_year(text: str) -> int | None:
    """The year of a car: "2015 року", "дві тисячі п'ятнадцятого року", "15 року", "2015" → 2015."""
    tokens = number_tokens(apply_correction(text))
    texts = _token_texts(tokens)
    marked = _years(tokens, texts)
    if marked:
        return marked[-1][1]
    return next((t.value for t in tokens if t.value is not None and 1970 <= t.value <= 2035), None)


def parse_vehicle(text: str) -> Vehicle | None:
    """The car the caller named: make, model and year as far as said, else None.

    "Шкода Октавія 2015 року" → Vehicle("Skoda", "Octavia", 2015); "ланос" →
    Vehicle("Daewoo", "Lanos"); "ВАЗ 2107" → Vehicle("Lada", "2107"); "хюндай" → make only.
    """
    tokens = number_tokens(apply_correction(text))
    texts = _token_texts(tokens)
    used: set[int] = set()
    year: int | None = None
    # A number right before «року» is the year, even one that is also a model ("2008 року").
    for i, found in _years(tokens, texts):
        year = found
        used.add(i)
    make_index, model_index, make_sounds, model_sounds = _indexes()
    make: str | None = None
    for start, length, key in _match(texts, used, make_index, 3, make_sounds):
        make = make_index[key]
        used.update(range(start, start + length))
        break
    model: str | None = None
    for start, length, key in _match(texts, used, model_index, 4, model_sounds):
        pairs = model_index[key]
        if make is not None:
            chosen = next((pair for pair in pairs if pair[0] == make), None)
        else:
            chosen = pairs[0] if _may_stand_alone(key) else None
        if chosen is not None:
            make, model = chosen
            used.update(range(start, start + length))
            break
    if year is None:
        for i, token in enumerate(tokens):
            if i not in used and token.value is not None and 1970 <= token.value <= 2035 and (
                token.ordinal or len(texts[i]) == 4 or not token.digits
            ):
                year = token.value
                break
    if make is None and model is None:
        return None  # a year alone is not a car
    return Vehicle(make, model, year)
