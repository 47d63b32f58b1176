"""The second step of the pipeline: the normalised text cut into words, each with its lemmas and grammemes.

`analyse(text)` normalises the text (`text.normalise`), splits it into words with their character
offsets in the normalised text, and gives each word every plausible normal form pymorphy3 knows
(Ukrainian dictionary first; the Russian one when the Ukrainian knows nothing, so surzhyk such as
"двух" or "заказ" still gets a lemma) and the union of the grammemes of those parses.

Costs: the analyzers load lazily, once per process (≈0.2 s each); a word is parsed once
(`lemmas`/`word_info` are lru-cached per distinct word) and a text is analysed once per turn
(`analyse` is cached per text), so every extractor may ask again for free.

    >>> [w.lemmas for w in analyse("до двохсот гривень").words][1]
    ('двісті',)
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from activities.brain.ukrainian.text import normalise

_WORD_RE = re.compile(r"[^\s]+")

_lock = threading.Lock()
_analyzers: dict[str, Any] = {}


def analyzer(lang: str = "uk") -> Any:
    """The process's pymorphy3 MorphAnalyzer for a language ("uk" or "ru"), built on first use."""
    found = _analyzers.get(lang)
    if found is None:
        with _lock:
            found = _analyzers.get(lang)
            if found is None:
                import pymorphy3  # deferred: loading the dictionaries takes a fifth of a second

                found = _analyzers[lang] = pymorphy3.MorphAnalyzer(lang=lang)
    return found


@dataclass(frozen=True, slots=True)
class Word:
    """One word of the normalised text: itself, its offsets, its normal forms and grammemes."""

    text: str
    start: int
    end: int
    lemmas: tuple[str, ...]
    tags: frozenset[str]
    known: bool = True  # a dictionary knew it (else the lemmas are pymorphy3's guesses)

    @property
    def lemma(self) -> str:
        """The most likely normal form."""
        return self.lemmas[0] if self.lemmas else self.text

    def has(self, *grammemes: str) -> bool:
        """Some parse of the word carries every grammeme given ("NUMR", "ADJF", "gent", ...)."""
        return all(g in self.tags for g in grammemes)


@dataclass(frozen=True, slots=True)
class Analysis:
    """A whole utterance: its normalised text and its words in order."""

    text: str
    words: tuple[Word, ...]

    def lemma_set(self) -> frozenset[str]:
        return frozenset(lemma for word in self.words for lemma in word.lemmas)

    def has_lemma(self, *lemmas: str) -> bool:
        """One of the words has one of these normal forms (any case, number or gender)."""
        wanted = set(lemmas)
        return any(not wanted.isdisjoint(word.lemmas) for word in self.words)


def _is_plain_word(word: str) -> bool:
    return word.replace("'", "").replace("-", "").isalpha()


@lru_cache(maxsize=65536)
def word_info(word: str) -> tuple[tuple[str, ...], frozenset[str], bool]:
    """(lemmas, grammemes, known) of one normalised word; digits and codes are their own lemma."""
    if not _is_plain_word(word):
        return (word,), frozenset(), False
    parses = analyzer("uk").parse(word)
    known = any(p.is_known for p in parses)
    if not known and not _has_ukrainian_letters(word):
        ru = analyzer("ru").parse(word)
        if any(p.is_known for p in ru):
            parses, known = [p for p in ru if p.is_known], True
    if not known and "'" not in word:
        restored = _restore_apostrophe(word)
        if restored != word:
            again = analyzer("uk").parse(restored)
            if any(p.is_known for p in again):
                parses, known = again, True
    if known:
        parses = [p for p in parses if p.is_known] or parses
    lemmas: list[str] = []
    tags: set[str] = set()
    for parse in parses:
        if parse.normal_form not in lemmas:
            lemmas.append(parse.normal_form)
        tags.update(parse.tag.grammemes)
    return tuple(lemmas) or (word,), frozenset(tags), known


_UKRAINIAN_ONLY = frozenset("іїєґ'")


def _has_ukrainian_letters(word: str) -> bool:
    """Letters the Russian alphabet lacks: such a word is not asked of the Russian dictionary."""
    return not _UKRAINIAN_ONLY.isdisjoint(word)


_LABIALS = frozenset("бпвмф")
_IOTATED = frozenset("яюєї")


def _restore_apostrophe(word: str) -> str:
    """A recognizer's "пятнадцять" is "п'ятнадцять": the apostrophe after a labial before я/ю/є/ї."""
    out = []
    for i, ch in enumerate(word):
        out.append(ch)
        if ch in _LABIALS and i + 1 < len(word) and word[i + 1] in _IOTATED:
            out.append("'")
    return "".join(out)


def lemmas(word: str) -> tuple[str, ...]:
    """Every plausible normal form of one word ("двохсот" → ("двісті",)); the word itself if unknown."""
    return word_info(normalise(word))[0]


def tags(word: str) -> frozenset[str]:
    """The grammemes of every parse of one word."""
    return word_info(normalise(word))[1]


@lru_cache(maxsize=4096)
def analyse(text: str) -> Analysis:
    """The text normalised and cut into analysed words (cached per text: many extractors ask)."""
    norm = normalise(text)
    out = []
    for match in _WORD_RE.finditer(norm):
        token = match.group()
        lem, grammemes, known = word_info(token)
        out.append(Word(token, match.start(), match.end(), lem, grammemes, known))
    return Analysis(norm, tuple(out))


def warm_up() -> None:
    """Load the dictionaries now (a worker calls this at start so a first call does not wait)."""
    analyse("двісті п'ять на шістнадцять")
    word_info("двух")
