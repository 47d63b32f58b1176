"""Text normalisation shared by every parser: one apostrophe, lower case, no punctuation.

A recognizer may give "П’ять", "пʼять" or "пять"; after `normalise` the first two are the same
string, and the number tables also accept the third.
"""

from __future__ import annotations

import re
from functools import lru_cache

_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "‘": "'", "ʹ": "'", "′": "'", "´": "'"})

# Words that undo what came before them: "ні, не шістнадцять, а сімнадцять".
_CORRECTION_RE = re.compile(r"\bне (?P<old>(?:[\w'/]+ ){0,4}?[\w'/]+) (?:а|а саме|а от) (?P<new>.+)$")


@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """Lower case, one kind of apostrophe, punctuation other than / and ' turned into spaces.

    Cached: one turn's text is asked about by dozens of checks."""
    text = text.translate(_APOSTROPHES).lower().replace("ё", "е")
    text = re.sub(r"[^\w'/]+", " ", text)
    text = re.sub(r"(?<!\w)'|'(?!\w)", " ", text)  # quotes, not apostrophes inside words
    return re.sub(r"\s+", " ", text).strip()


def words(text: str) -> list[str]:
    """The normalised words of a text."""
    return normalise(text).split()


def has_any(text: str, stems: tuple[str, ...]) -> bool:
    """Some word starts with one of the stems ("оператор" matches "оператора")."""
    return _pattern(stems, whole=False).search(normalise(text)) is not None


def has_word(text: str, phrases: tuple[str, ...]) -> bool:
    """One of the words (or phrases) stands whole: "так" is not "також", "ні" is not "німецькі"."""
    return _pattern(phrases, whole=True).search(normalise(text)) is not None


@lru_cache(maxsize=None)
def _pattern(words: tuple[str, ...], *, whole: bool) -> re.Pattern[str]:
    """One compiled alternation per word list. A pattern per word went through ``re``'s own
    cache, which the brain's hundreds of words overflowed: recompiling cost milliseconds a turn,
    on the edge's event loop."""
    alternatives = "|".join(re.escape(word) for word in words) or "(?!)"  # () matches nothing
    return re.compile(rf"(?<![\w'])(?:{alternatives})" + (r"(?![\w'])" if whole else ""))


def split_correction(text: str) -> tuple[str, str, str] | None:
    """(what came before, the withdrawn words, the words meant) of "… не X, а Y", else None.

    "ні, не шістнадцять, а сімнадцять" → ("ні", "шістнадцять", "сімнадцять"). X is at most five
    words, so "не знаю, а є …" is found too; callers decide whether the parts make sense.
    """
    norm = normalise(text)
    match = _CORRECTION_RE.search(norm)
    if not match:
        return None
    return norm[: match.start()].strip(), match.group("old"), match.group("new")


def parse_correction(text: str) -> str | None:
    """What the caller corrected to: "ні, не шістнадцять, а сімнадцять" → "сімнадцять"."""
    found = split_correction(text)
    return found[2] if found else None


def apply_correction(text: str) -> str:
    """The text with the withdrawn words left out, so every parser sees only what is meant.

    "не у Львові, а в Києві" → "в києві"; text without a correction comes back normalised.
    """
    found = split_correction(text)
    if not found:
        return normalise(text)
    before, _old, new = found
    return f"{before} {new}".strip()


def is_correction(text: str) -> bool:
    """The caller withdraws something and says what they meant ("не X, а Y")."""
    return split_correction(text) is not None


# Words a Ukrainian sentence does not end on: prepositions, conjunctions, hesitation fillers.
# A turn whose transcript ends on one is most likely a caller pausing mid-sentence
# ("шини для … Тойоти Камрі"), not a caller who is done. Words that often do end a short
# question ("а що?", "а коли?", "як?", "два роки тому") are left out.
_UNFINISHED_ENDINGS = frozenset(
    "для на в у з із зі до від по за під над про без через біля між після перед щодо "
    "і й та а але або чи щоб якщо бо "
    "е ем еее ну мм ммм значить типу".split()
)


def sounds_unfinished(text: str) -> bool:
    """The utterance stops on a word no sentence ends on ("мені потрібні шини для", "ну", "і");
    a question mark says it is a question ("А?"), finished."""
    said = words(text)
    return bool(said) and said[-1] in _UNFINISHED_ENDINGS and not text.rstrip().endswith("?")
