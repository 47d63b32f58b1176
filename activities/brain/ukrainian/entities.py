"""Named things in an utterance: the car, the city, the tire brand and model line, as Slots.

The names are the store's own, read from its modules, never copied here: makes and models from the
fitment table (store/data/fitment.txt via store/fitment.py, with its MAKE_ALIASES and MODEL_ALIASES),
cities from store/geography.py, brands and their lines from store/brands.py. Each name is indexed
once per process by its phonetic key (`fuzzy.phonetic`: Cyrillic and Latin spellings meet), and
an utterance's words are looked up by their surface form and by every lemma pymorphy3 gives
(`analyse`), so "на Туксоні", "для Віди", "у Запоріжжі", "мішленом" find their nominative name.
What no exact key finds is tried with rapidfuzz above a cutoff; its score is the slot's
confidence, and below `slots.SURE` the policy asks "Ви мали на увазі …?" instead of acting.

The few colloquial names no spelling rule can reach ("бумер", "крузак", "сімка") stay in
`vehicles.MAKES` / `vehicles.MODELS` and `tires.BRANDS`: those are words, not data.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import product
from typing import Any, Iterable

from activities.brain.ukrainian.fuzzy import Hit, NameIndex, phonetic, transliterate
from activities.brain.ukrainian.slots import Slot

# Words after which a bare model name is a car ("для Віди", "на Сенсі", "у мене Ланос").
_CAR_CONTEXT = frozenset({"для", "на", "мене", "маю", "машина", "авто", "автомобіль", "їжджу", "під"})
# Dictionary words that are never names, whatever their spelling resembles.
_NOT_NAMES = frozenset({"мене", "мені", "вас", "нас", "так", "тож", "добре", "треба", "шини", "шина", "гума"})
_SKIP_POS = ("PREP", "CONJ", "PRCL", "NPRO", "INTJ", "ADVB", "NUMR")


def _words(analysis: Any) -> list[Any]:
    return list(analysis.words)


def _forms(word: Any) -> tuple[str, ...]:
    """The surface form and every lemma of one word, each once."""
    return tuple(dict.fromkeys((word.text, *word.lemmas)))


def _spellings(words: list[Any], width: int = 2) -> Iterable[str]:
    """Joined spellings of a window of words: every combination of their forms (few per word)."""
    width = 3 if len(words) == 1 else width  # all lemmas of one word; in a phrase, as asked
    for combo in product(*(_forms(w)[:width] for w in words)):
        yield " ".join(combo)


_NAME_TAGS = ("Geox", "Slng", "Abbr", "Orgn", "Trad")  # not Name/Surn: "кривий" is a surname too


def _fuzzy_candidate(word: Any) -> bool:
    """Only a word that could be a name is tried fuzzily: long, not digits, and either unknown to
    the dictionary, Latin, or a noun the dictionary calls a name ("першого", "кривому" are not)."""
    if len(word.text) < 4 or not word.text.replace("-", "").isalpha() or word.text in _NOT_NAMES:
        return False
    if not getattr(word, "known", True) or word.text.isascii():
        return True
    return word.has("NOUN") and any(word.has(tag) for tag in _NAME_TAGS) and not any(
        word.has(pos) for pos in _SKIP_POS
    )


# --- indexes, built once from the store's data ------------------------------------------------


@lru_cache(maxsize=1)
def vehicle_indexes() -> tuple[NameIndex, NameIndex, dict[str, list[str]]]:
    """(makes, models, models by make): models' values are (make, model) pairs."""
    from activities.brain.ukrainian.vehicles import MAKES, MODELS  # colloquial words only
    from store.fitment import MAKE_ALIASES, MODEL_ALIASES, parse_fitment

    makes, models = NameIndex(cutoff=80.0), NameIndex(cutoff=80.0)
    by_make: dict[str, list[str]] = {}
    for row in parse_fitment():
        make, model = row.fitment.make, row.fitment.model
        makes.add(make, make)
        models.add(model, (make, model))
        if row.fitment.generation:
            models.add(f"{model} {row.fitment.generation}", (make, model))
        if model not in by_make.setdefault(make, []):
            by_make[make].append(model)
    for make, aliases in {**MAKE_ALIASES, **{k: list(v) for k, v in MAKES.items()}}.items():
        for alias in aliases:
            makes.add(alias, make)
    for (make, model), aliases in {**MODEL_ALIASES, **{k: list(v) for k, v in MODELS.items()}}.items():
        for alias in aliases:
            models.add(alias, (make, model))
    return makes, models, by_make


@lru_cache(maxsize=1)
def city_index() -> NameIndex:
    from store import geography

    index = NameIndex(cutoff=85.0, min_fuzzy_len=5)
    for city in geography.CITY_COORDS:
        index.add(city, city)
    for city, aliases in geography._CITY_ALIASES.items():  # the store's own spellings
        for alias in aliases:
            index.add(alias, city)
    return index


@lru_cache(maxsize=1)
def brand_indexes() -> tuple[NameIndex, list[tuple[str, str, tuple[str, ...]]]]:
    """(brands, lines): lines as (brand, line name, phonetic keys of the line's words)."""
    from activities.brain.ukrainian.tires import BRANDS as SPOKEN
    from store.brands import BRANDS

    brands = NameIndex(cutoff=82.0)
    lines: list[tuple[str, str, tuple[str, ...]]] = []
    for brand in BRANDS:
        brands.add(brand.name, brand.name)
        for alias in (*brand.aliases, *SPOKEN.get(brand.name, ())):
            brands.add(alias, brand.name)
        for line in brand.lines:
            parts = tuple(phonetic(p) for p in re.split(r"[\s\-.]+", line.model) if p)
            lines.append((brand.name, line.model, parts))
    return brands, lines


# --- extractors -------------------------------------------------------------------------------


def _best(
    index: NameIndex, words: list[Any], max_len: int, *, fuzzy: bool = True, width: int = 2
) -> list[tuple[int, int, Hit]]:
    """(start, end word index, hit) of names found, longest windows first, not overlapping."""
    found: list[tuple[int, int, Hit]] = []
    used: set[int] = set()
    for length in range(max_len, 0, -1):
        for start in range(len(words) - length + 1):
            span = set(range(start, start + length))
            if span & used:
                continue
            window = words[start:start + length]
            hits: list[Hit] = []
            for spelling in _spellings(window, width):
                hits = [Hit(v, 1.0) for v in index.exact(spelling)]
                if hits:
                    break
            if not hits and fuzzy and length == 1 and _fuzzy_candidate(window[0]):
                for form in _forms(window[0])[:2]:
                    hits = index.lookup(form)
                    if hits:
                        break
            if hits:
                found.append((start, start + length, hits[0] if len(hits) == 1 else Hit(tuple(h.value for h in hits), hits[0].score)))
                used |= span
    return sorted(found, key=lambda f: f[0])


def _span(words: list[Any], start: int, end: int) -> tuple[int, int]:
    return words[start].start, words[end - 1].end


def extract_city(analysis: Any) -> Slot | None:
    """The last city named, nominative as in the store's geography ("у Запоріжжі" → "Запоріжжя")."""
    words = _words(analysis)
    found = _best(city_index(), words, 3, width=3)  # "кривому розі": the third lemma is "кривий"
    if not found:
        return None
    start, end, hit = found[-1]
    value = hit.value[0] if isinstance(hit.value, tuple) else hit.value
    return Slot(name="city", value=value, span=_span(words, start, end), confidence=hit.score)


def extract_brand(analysis: Any) -> tuple[Slot | None, list[str]]:
    """The last brand named and every brand named, in order ("мішлен чи нокіан" → both)."""
    words = _words(analysis)
    found = _best(brand_indexes()[0], words, 2)
    names: list[str] = []
    for _, _, hit in found:
        value = hit.value[0] if isinstance(hit.value, tuple) else hit.value
        if value not in names:
            names.append(value)
    if not found:
        return None, names
    start, end, hit = found[-1]
    value = hit.value[0] if isinstance(hit.value, tuple) else hit.value
    return Slot(name="brand", value=value, span=_span(words, start, end), confidence=hit.score), names


@lru_cache(maxsize=None)
def _line_parts(model: str) -> tuple[str, ...]:
    """Phonetic keys of a line name's parts: "Primacy 4+" → ("primaki", "4", "plus")."""
    parts = re.findall(r"[^\W_]+|\+", model.lower())
    return tuple("plus" if p == "+" else phonetic(p) for p in parts if p)


def _said_keys(words: list[Any]) -> list[str]:
    """Phonetic keys of the words said, number words as digits ("три" → "3", "плюс" → "plus")."""
    from activities.brain.ukrainian.numbers import cardinal_value

    keys = []
    for w in words:
        value = cardinal_value(w.text) if not w.text.isdigit() else None
        if w.text in ("плюс", "plus", "+"):
            keys.append("plus")
        elif value is not None and value < 1000:
            keys.append(str(value))
        else:
            keys.append(phonetic(w.text))
    return keys


def extract_model(analysis: Any, brand: str | None = None) -> Slot | None:
    """A tire model line: "Hakka R5" → "Hakkapeliitta R5"; "Айсконтакт три" after "Континенталь"
    → "IceContact 3". Without the brand every word must match (a 4+ letter prefix counts); after
    the brand's name the words that follow it are compared as one key, by rapidfuzz ratio."""
    from rapidfuzz import fuzz

    words = _words(analysis)
    keys = _said_keys(words)
    _, lines = brand_indexes()
    best: tuple[float, int, int, str] | None = None
    for brand_name, line, _ in lines:
        parts = _line_parts(line)
        n = len(parts)
        head = parts[0][:1]
        for start in range(len(words) - n + 1):
            if keys[start][:1] != head:
                continue  # the first word starts like the line's, or it is not this line
            score = _line_score(keys[start:start + n], parts)
            if score and (best is None or score > best[0]):
                best = (score, start, start + n, line)
    if best is None and brand:
        found = _best(brand_indexes()[0], words, 2, fuzzy=False)
        after = found[-1][1] if found else 0
        for brand_name, line, _ in lines:
            if brand_name != brand:
                continue
            target = "".join(_line_parts(line))
            for length in range(1, 5):
                window = keys[after:after + length]
                if len(window) < length:
                    break
                score = fuzz.ratio("".join(window), target) / 100.0
                if score >= 0.7 and (best is None or score > best[0]):
                    best = (round(score, 3), after, after + length, line)
    if best is None:
        return None
    score, start, end, line = best
    return Slot(name="model", value=line, span=_span(words, start, end), confidence=score)


def _line_score(said: list[str], parts: tuple[str, ...]) -> float:
    """1.0 when every word matches (a prefix of 4+ letters counts), 0 when any does not."""
    if not parts or len(said) != len(parts):
        return 0.0
    if len(parts) == 1 and (len(parts[0]) < 6 or parts[0].isdigit()):
        return 0.0  # a one-word line name as short as "Vimero" could be anything spoken
    if not any(p[:1].isalpha() and len(p) >= 4 for p in parts):
        return 0.0
    total = 0.0
    for word, part in zip(said, parts):
        if word == part:
            total += 1.0
        elif len(word) >= 4 and part.startswith(word):
            total += 0.95
        elif len(part) >= 5 and _ratio(word, part) >= 85:
            total += 0.85
        else:
            return 0.0
    return round(total / len(parts), 3)


def _ratio(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    return fuzz.ratio(a, b)


def extract_vehicle(analysis: Any) -> Slot | None:
    """Make and model as in the fitment table; a model alone finds its make; the year is the caller's.

    Exact names (any case form, by lemma) are sure; a fuzzy one carries its score. A model that is
    also an ordinary word or name ("Віда", "Сенс") counts alone only after "для", "на", "у мене".
    Names with numbers in them ("мазда шість", "рав чотири", "ВАЗ 2107") come from
    `vehicles.parse_vehicle`'s number-aware matcher, which also gives the year.
    """
    from activities.brain.ukrainian.vehicles import _NEEDS_MAKE_KEYS, _key, parse_vehicle

    words = _words(analysis)
    makes, models, _ = vehicle_indexes()
    spoken = parse_vehicle(analysis.text)
    make_hits = _best(makes, words, 3)
    make: str | None = None
    confidence = 1.0
    span: tuple[int, int] | None = None
    taken: set[int] = set()
    if make_hits:
        start, end, hit = make_hits[0]
        make = hit.value[0] if isinstance(hit.value, tuple) else hit.value
        confidence = hit.score
        span = _span(words, start, end)
        taken = set(range(start, end))
    model: str | None = None
    if spoken is not None and spoken.model is not None:
        make, model, confidence = spoken.make, spoken.model, 1.0
    else:
        rest = [w for i, w in enumerate(words) if i not in taken]
        for start, end, hit in _best(models, rest, 3):
            values = hit.value if isinstance(hit.value, tuple) and isinstance(hit.value[0], tuple) else (hit.value,)
            pairs = [p for p in values if make is None or p[0] == make or confidence < 1.0]
            if not pairs:
                continue
            said = " ".join(w.text for w in rest[start:end])
            needs_make = _key(said) in _NEEDS_MAKE_KEYS or _key(rest[start].lemma) in _NEEDS_MAKE_KEYS
            before = rest[start - 1].text if start > 0 else ""
            if make is None and needs_make and before not in _CAR_CONTEXT:
                continue
            sure_make = make is not None and confidence >= 1.0
            make, model = pairs[0]
            confidence = hit.score if not sure_make else min(1.0, hit.score)
            if needs_make and not sure_make:
                confidence = min(confidence, 0.85)
            lo, hi = _span(rest, start, end)
            span = (min(span[0], lo), max(span[1], hi)) if span else (lo, hi)
            break
        if make is None and spoken is not None:
            make = spoken.make
    if make is None:
        return None
    year = spoken.year if spoken is not None else _year(analysis)
    return Slot(
        name="vehicle", value={"make": make, "model": model, "year": year},
        span=span or (0, len(analysis.text)), confidence=confidence,
    )


def _year(analysis: Any) -> int | None:
    from activities.brain.ukrainian.vehicles import parse_year

    return parse_year(analysis.text)


def translit_key(text: str) -> str:
    """The Latin spelling of a Cyrillic name (for logs and "did you mean")."""
    return transliterate(text)
