"""Fuzzy lookup of the store's names: one phonetic key for Cyrillic and Latin, then rapidfuzz.

"Хюндай", "hyundai" and "хендай" should land on one catalogue name, and so should "Спортейдж" and
"Sportage". Both sides go through `phonetic`: Cyrillic is transliterated to Latin, then the
spellings that sound alike are folded (y/i/j, kh/h, w/v, c/k, doubled letters, vowels after the
first letter thinned to one class), so exact lookups catch most variants and `NameIndex.lookup`'s
rapidfuzz ratio catches the rest above a threshold. The score comes back as the slot's confidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache


_CYR_TO_LAT = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ye", "ж": "zh", "з": "z",
    "и": "y", "і": "i", "ї": "yi", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ь": "", "ю": "yu", "я": "ya", "ё": "yo", "ы": "y", "э": "e", "ъ": "", "'": "",
}
_LATIN_MARKS = str.maketrans("šëéèêçäöüčžñ", "seeeecaouczn")
# Folds applied in order to the Latin spelling: sounds a recognizer or a caller mixes up.
_FOLDS: tuple[tuple[str, str], ...] = (
    ("shch", "s"), ("sch", "s"), ("sh", "s"), ("zh", "z"), ("ch", "c"), ("kh", "h"), ("ph", "f"),
    ("ts", "c"), ("tz", "c"), ("ck", "k"), ("qu", "kv"), ("q", "k"), ("x", "ks"), ("w", "v"),
    ("j", "i"), ("y", "i"), ("g", "h"), ("c", "k"), ("dz", "z"), ("ea", "e"), ("ee", "i"),
)


@lru_cache(maxsize=8192)
def transliterate(text: str) -> str:
    """Latin letters for a Cyrillic (Ukrainian or Russian) text; Latin passes as it is."""
    out = []
    for char in text.lower().translate(_LATIN_MARKS):
        out.append(_CYR_TO_LAT.get(char, char))
    return "".join(out)


@lru_cache(maxsize=8192)
def phonetic(text: str) -> str:
    """A key two spellings of one name share: "Хюндай" ≈ "hyundai", "Туксон" ≈ "Tucson"."""
    key = re.sub(r"[^a-z0-9]+", "", transliterate(text))
    for old, new in _FOLDS:
        key = key.replace(old, new)
    key = re.sub(r"(.)\1+", r"\1", key)  # doubled letters: "пассат" = "pasat"
    if len(key) > 2:
        key = key[0] + re.sub(r"[aeiou]+", lambda m: "a" if m.group(0) in ("a", "o") else m.group(0)[0], key[1:])
    return key


@dataclass(frozen=True)
class Hit:
    value: object
    score: float  # 0..1: 1 for an exact key, the rapidfuzz ratio otherwise


@dataclass
class NameIndex:
    """Names (and their spellings) → values, found exactly by key or fuzzily above `cutoff`."""

    cutoff: float = 84.0
    min_fuzzy_len: int = 5  # shorter keys match exactly only ("кіа" is not "ніва")
    _exact: dict[str, list[object]] = field(default_factory=dict)
    _raw: dict[str, list[object]] = field(default_factory=dict)  # short names: as spelt, lower case
    _choices: list[str] = field(default_factory=list)

    def add(self, spelling: str, value: object) -> None:
        key = phonetic(spelling)
        if not key:
            return
        raw = self._raw.setdefault(spelling.lower().replace("ё", "е"), [])
        if value not in raw:
            raw.append(value)
        values = self._exact.setdefault(key, [])
        if value not in values:
            values.append(value)
        if key not in self._choices:
            self._choices.append(key)

    def exact(self, text: str) -> list[object]:
        """Values whose key is the text's; a short key (under 5 letters, or under 7 for several
        words) must be spelt as stored ("кіа", "рено"): folded short keys collide ("яка" ≈ "yoko")."""
        key = phonetic(text)
        if len(key) < (7 if " " in text else 5):
            return self._raw.get(text.lower(), [])
        return self._exact.get(key, [])

    def lookup(self, text: str) -> list[Hit]:
        """Values for a spelling: exact first, else the best fuzzy key at or above the cutoff."""
        key = phonetic(text)
        if not key:
            return []
        found = self.exact(text)
        if found:
            return [Hit(v, 1.0) for v in found]
        if len(key) < self.min_fuzzy_len or key.isdigit():
            return []
        from rapidfuzz import fuzz, process

        best = process.extractOne(key, self._choices, scorer=fuzz.ratio, score_cutoff=self.cutoff)
        if best is None:
            return []
        choice, score, _ = best
        if len(choice) < self.min_fuzzy_len:
            return []
        return [Hit(v, round(score / 100.0, 3)) for v in self._exact[choice]]
