"""Place names put into the case a sentence needs, by pymorphy3's dictionary: "до Києва",
"у Кривому Розі", "у Білу Церкву", "із Запоріжжя".

The head noun is the name's last word (its inanimate noun parse, a plural-only one for "Суми",
"Черкаси"); words before it are adjectives agreeing with it ("Кривий", "Біла"); a hyphenated
name declines its last part only ("Івано-Франківська"). Where the dictionary keeps several forms
of one case, the one used for places is taken: an inanimate accusative equals the nominative, and
the locative is the one ending in -і or -ому, shortest first ("у Львові", "у Розі", "у Рівному",
not the persons' "Рогові" or the older "Рівнім"). Dialect forms (Dist) never count.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from activities.brain.ukrainian.analyse import analyzer

CASES = ("gent", "accs", "loct")
_GENDERS = ("masc", "femn", "neut")


def _head_parses(word: str) -> list[Any]:
    parses = [p for p in analyzer("uk").parse(word.lower()) if "nomn" in p.tag and "NOUN" in p.tag]
    if not parses:
        return []

    def rank(p: Any) -> tuple[bool, bool, bool]:
        return ("inan" not in p.tag, "Surn" in p.tag or "Name" in p.tag, "Pltm" not in p.tag)

    best = min(map(rank, parses))
    return [p for p in parses if rank(p) == best]


def _modifier_parses(word: str, head: Any) -> list[Any]:
    def agrees(p: Any) -> bool:
        if "plur" in head.tag:
            return "plur" in p.tag
        return any(g in p.tag and g in head.tag for g in _GENDERS)

    parses = analyzer("uk").parse(word.lower())
    return [p for p in parses if "nomn" in p.tag and "ADJF" in p.tag and agrees(p)][:1]


def _form(parses: list[Any], case: str, nominative: str, *, plural: bool, gender: str | None) -> str:
    want = {case} | ({"plur"} if plural else ({gender} if gender else set()))
    forms = list(
        dict.fromkeys(
            f.word
            for p in parses
            for f in p.lexeme
            if want <= set(f.tag.grammemes) and (plural or "plur" not in f.tag) and "Dist" not in f.tag
        )
    )
    if not forms:
        return nominative
    if case == "accs" and nominative in forms:
        return nominative
    if case == "loct":
        forms.sort(key=lambda w: (not w.endswith(("і", "ому")), len(w)))
    return forms[0]


def _capitalised_as(word: str, model: str) -> str:
    return word[:1].upper() + word[1:] if model[:1].isupper() else word


@lru_cache(maxsize=512)
def inflect_place(name: str, case: str) -> str:
    """``name`` in ``case`` ("gent", "accs" or "loct"); a name the dictionary lacks stays as it is."""
    if case not in CASES:
        raise ValueError(f"case must be one of {CASES}, not {case!r}")
    if "-" in name:
        first, last = name.rsplit("-", 1)
        return f"{first}-{inflect_place(last, case)}"
    words = name.split(" ")
    head = _head_parses(words[-1])
    if not head:
        return name
    plural = "plur" in head[0].tag
    gender = next((g for g in _GENDERS if g in head[0].tag), None)
    said = []
    for word in words[:-1]:
        modifier = _modifier_parses(word, head[0])
        form = _form(modifier, case, word.lower(), plural=plural, gender=gender) if modifier else word
        said.append(_capitalised_as(form, word))
    said.append(_capitalised_as(_form(head, case, words[-1].lower(), plural=plural, gender=gender), words[-1]))
    return " ".join(said)
