"""Case forms for the corpus, from pymorphy3's Ukrainian dictionary (not from the layer under test).

`inflect_word("дві", "gent")` → "двох"; `inflect_phrase("Кривий Ріг", "loct")` → "Кривому Розі"
(adjectives agree with the noun after them). Foreign names ending in a vowel other than -а/-я
(Камрі, Кіа, Пежо, Ауді) do not decline in Ukrainian and are kept; so are digits and Latin.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pymorphy3

_CYRILLIC = re.compile(r"^[а-яіїєґ'ʼ-]+$", re.IGNORECASE)
_INDECLINABLE_END = re.compile(r"[іиоеуюєї]$", re.IGNORECASE)


@lru_cache(maxsize=1)
def analyzer() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer(lang="uk")


def _keep_case(source: str, word: str) -> str:
    if source[:1].isupper():
        return "-".join(part[:1].upper() + part[1:] for part in word.split("-"))
    return word


def _parses(word: str, pos: tuple[str, ...] | None, geo: bool):
    parses = analyzer().parse(word.lower())
    if pos:
        parses = [p for p in parses if p.tag.POS in pos] or parses
    # The word as said is a nominative: prefer parses that read it so (the lemma itself).
    nominative = [p for p in parses if "nomn" in p.tag]
    parses = nominative or parses
    if geo:  # a place, not a person's name or surname
        parses = sorted(parses, key=lambda p: any(g in p.tag.grammemes for g in ("Name", "Surn", "Patr")))
    return parses


@lru_cache(maxsize=20000)
def inflect_word(word: str, case: str, *, pos: tuple[str, ...] | None = None, number: str | None = None,
                 gender: str | None = None, geo: bool = False) -> str:
    """One word in `case` (pymorphy3 grammemes: gent, datv, accs, ablt, loct); unchanged if it
    does not decline or the dictionary has no such form."""
    if not _CYRILLIC.match(word) or case == "nomn":
        return word
    if _INDECLINABLE_END.search(word) and not analyzer().word_is_known(word.lower()):
        return word
    if not geo and pos == ("NOUN",) and not _known_lemma(word):
        return _by_rule(word, case)
    parses = _parses(word, pos, geo)
    if case == "accs" and parses and parses[0].tag.gender != "femn" and not analyzer().word_is_known(word.lower()) is False:
        # An inanimate masculine, neuter or plural name: the accusative is the nominative.
        if parses[0].tag.POS in ("NOUN", "ADJF") and parses[0].tag.gender != "femn":
            return word
    for parse in parses:
        if "Fixd" in parse.tag:
            return word
        wanted = {case}
        if (number or parse.tag.number) == "plur":
            wanted.add("plur")
        if gender and parse.tag.POS in ("ADJF", "NUMR"):
            wanted.add(gender)
        forms = [f for f in parse.lexeme if wanted <= set(f.tag.grammemes)
                 and ("plur" in wanted or "plur" not in f.tag.grammemes)
                 and not {"Dist", "Arch", "Slng"} & set(f.tag.grammemes)]
        if not forms:
            form = parse.inflect(wanted)
            forms = [form] if form is not None else []
        if forms:
            best = min(forms, key=lambda f: (f.word.endswith("ім")
                                             or (f.word.endswith(("ові", "еві", "єві")) and len(f.word) >= len(word) + 2),
                                             case == "loct" and not f.word.endswith(("і", "ах", "ях")), forms.index(f)))
            return _keep_case(word, best.word)
    return _first_declension(word, case)
    return word


def _known_lemma(word: str) -> bool:
    """The dictionary knows the word as a noun whose dictionary form is the word itself."""
    low = word.lower()
    return any(p.is_known and p.normal_form == low and p.tag.POS == "NOUN" and "nomn" in p.tag
               and "inan" in p.tag and not {"Name", "Surn", "Patr"} & set(p.tag.grammemes)
               for p in analyzer().parse(low))


_SECOND = {"gent": "а", "datv": "у", "ablt": "ом", "loct": "і"}


def _by_rule(word: str, case: str) -> str:
    """A foreign car name the dictionary does not know, declined as Ukrainian declines such loans:
    -а/-я like "Тойота", a hard consonant like "Туксон" (Туксона, Туксоні), -й like "Хюндай"
    (Хюндая, Хюндаї); other vowels do not decline (Поло, Рено, Кадді)."""
    last = word[-1:].lower()
    if re.search(r"[аеєиіїоуюя]а$", word.lower()):  # Кіа, Лінеа: foreign, indeclinable
        return word
    if last in _FIRST:
        return _first_declension(word, case)
    if case == "accs" or not _CYRILLIC.match(word) or last in "іиоеуюєїь'":
        return word
    if last == "й":
        return word[:-1] + {"gent": "я", "datv": "ю", "ablt": "єм", "loct": "ї"}[case]
    return word + _SECOND[case]


_FIRST = {"а": {"gent": "и", "datv": "і", "accs": "у", "ablt": "ою", "loct": "і"},
          "я": {"gent": "і", "datv": "і", "accs": "ю", "ablt": "ею", "loct": "і"}}


def _first_declension(word: str, case: str) -> str:
    """A name the dictionary does not know that ends in -а/-я declines like "Тойота"/"Вінниця"."""
    ending = word[-1:].lower()
    if word.lower().endswith(("ія", "ея", "ая")):  # Октавія → Октавії, Октавію, Октавією
        return word[:-1] + {"gent": "ї", "datv": "ї", "accs": "ю", "ablt": "єю", "loct": "ї"}.get(case, "я")
    if ending in _FIRST and case in _FIRST[ending]:
        return word[:-1] + _FIRST[ending][case]
    return word


def _abbreviation(word: str) -> bool:
    letters = word.replace("-", "")
    return len(letters) <= 2 or (len(letters) >= 2 and letters.isupper()) or any(c.isdigit() for c in word)


def inflect_phrase(phrase: str, case: str, *, geo: bool = False) -> str:
    """Every word of a place name in `case` (an adjective takes the gender and number of the noun after
    it: "Кривому Рогу"); a car name declines only its last word ("Гранд Вітари", "Ленд Крузера"), and
    not at all when spelled out or abbreviated ("РХ", "ГЛА", "Ейч Ер Ві", "ВАЗ")."""
    words = phrase.split(" ")
    if not geo:
        if any(_abbreviation(w) for w in words):
            return phrase
        return " ".join([*words[:-1], inflect_word(words[-1], case, pos=("NOUN",))])
    out: list[str] = []
    for i, word in enumerate(words):
        gender = number = None
        nxt = words[i + 1] if i + 1 < len(words) else None
        adjective = any(p.tag.POS == "ADJF" and "nomn" in p.tag for p in analyzer().parse(word.lower()))
        if nxt is not None and adjective:
            noun = _parses(nxt, ("NOUN",), geo)[0]
            gender, number = noun.tag.gender, noun.tag.number
            out.append(inflect_word(word, case, pos=("ADJF",), number=number, gender=gender if number != "plur" else None,
                                    geo=geo))
        else:
            out.append(inflect_word(word, case, pos=("NOUN",), geo=geo))
    return " ".join(out)


def numeral_phrase(words: str, case: str) -> str:
    """A cardinal in words from the number speaker, every word in `case`
    ("дві тисячі п'ятсот", gent → "двох тисяч п'ятисот"); "тисячі/тисяч" take the plural."""
    out = []
    for word in words.split(" "):
        if word.startswith("тисяч"):
            number = None if word in ("тисяча", "тисячу") else "plur"
            out.append(inflect_word("тисяча", case, pos=("NOUN",), number=number))
        else:
            out.append(inflect_word(word, case, pos=("NUMR",)))
    return " ".join(out)


def ordinal_form(words: str, grammemes: frozenset[str]) -> str:
    """An ordinal from the number speaker with its last word in other grammemes
    ("сімнадцятий", {plur, nomn} → "сімнадцяті"); the words before it do not decline."""
    head, _, last = words.rpartition(" ")
    for parse in _parses(last, ("ADJF",), False):
        form = parse.inflect(set(grammemes))
        if form is not None:
            return (head + " " if head else "") + form.word
    return words
