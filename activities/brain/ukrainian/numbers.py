"""Numbers both ways: number words in what the caller says, number words for what the agent says.

Reading: `number_tokens` turns a phrase into words and numbers, one number per spoken group
("двісті п'ять п'ятдесят п'ять" is 205 and 55, as people read sizes and phone numbers), and
knows ordinals ("двадцять п'ятого" is the 25th). Recognizers drop apostrophes and callers slip
into Russian, so "пять" and "двести" count too.

Speaking: `number_words` with grammatical gender, `ordinal_words` in the cases the agent needs,
and `plural_form` for the agreement of a noun with a number (1 гривня, 2 гривні, 5 гривень).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from activities.brain.ukrainian.text import normalise

Gender = Literal["m", "f", "n"]
Case = Literal["nom", "acc"]  # accusative: "за одну тисячу двісті двадцять одну гривню"
OrdinalCase = Literal["nom_m", "nom_f", "nom_n", "gen_m", "loc_f", "acc_f"]

# --- reading -----------------------------------------------------------------------------------
#
# A compositional grammar over lemmas. Every word is lemmatised (`analyse.word_info`: pymorphy3,
# Ukrainian first, Russian for surzhyk, the apostrophe restored for "пятнадцять"), and only the
# normal forms below are the grammar's vocabulary: "двохсот", "трьомастами", "тисячею",
# "п'ятнадцятого", "сімнадцяті" all reach their value through their lemma, in any case and gender.

_CARDINAL_LEMMAS: dict[str, int] = {
    # Ukrainian
    "нуль": 0, "один": 1, "два": 2, "три": 3, "чотири": 4, "п'ять": 5, "шість": 6, "сім": 7,
    "вісім": 8, "дев'ять": 9, "десять": 10, "одинадцять": 11, "дванадцять": 12, "тринадцять": 13,
    "чотирнадцять": 14, "п'ятнадцять": 15, "шістнадцять": 16, "сімнадцять": 17, "вісімнадцять": 18,
    "дев'ятнадцять": 19, "двадцять": 20, "тридцять": 30, "сорок": 40, "п'ятдесят": 50,
    "шістдесят": 60, "сімдесят": 70, "вісімдесят": 80, "дев'яносто": 90, "сто": 100, "двісті": 200,
    "триста": 300, "чотириста": 400, "п'ятсот": 500, "шістсот": 600, "сімсот": 700, "вісімсот": 800,
    "дев'ятсот": 900, "двоє": 2, "троє": 3, "четверо": 4,
    # Russian (surzhyk)
    "ноль": 0, "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9, "четыре": 4,
    "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14, "пятнадцать": 15,
    "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18, "девятнадцать": 19, "двадцать": 20,
    "тридцать": 30, "пятьдесят": 50, "шестьдесят": 60, "семьдесят": 70, "восемьдесят": 80,
    "девяносто": 90, "двести": 200, "четыреста": 400, "пятьсот": 500, "шестьсот": 600,
    "семьсот": 700, "восемьсот": 800, "девятьсот": 900, "трое": 3,
}
_THOUSAND_LEMMAS = frozenset({"тисяча", "тысяча"})
_HALF_THOUSAND_LEMMAS = frozenset({"півтисяча", "півтисячі"})
_ONE_AND_A_HALF_LEMMAS = frozenset({"півтора", "півтори", "полтора", "полторы"})
_HALF_LEMMAS = frozenset({"пів", "пол"})
_ORDINAL_LEMMAS: dict[str, int] = {
    # Ukrainian
    "перший": 1, "другий": 2, "третій": 3, "четвертий": 4, "п'ятий": 5, "шостий": 6, "сьомий": 7,
    "восьмий": 8, "дев'ятий": 9, "десятий": 10, "одинадцятий": 11, "дванадцятий": 12,
    "тринадцятий": 13, "чотирнадцятий": 14, "п'ятнадцятий": 15, "шістнадцятий": 16,
    "сімнадцятий": 17, "вісімнадцятий": 18, "дев'ятнадцятий": 19, "двадцятий": 20,
    "тридцятий": 30, "сороковий": 40, "п'ятдесятий": 50, "шістдесятий": 60, "сімдесятий": 70,
    "вісімдесятий": 80, "дев'яностий": 90, "сотий": 100, "двохсотий": 200, "трьохсотий": 300,
    "чотирьохсотий": 400, "п'ятисотий": 500, "шестисотий": 600, "семисотий": 700,
    "восьмисотий": 800, "дев'ятисотий": 900, "тисячний": 1000, "двохтисячний": 2000,
    "двотисячний": 2000,
    # Russian (surzhyk)
    "первый": 1, "второй": 2, "третий": 3, "четвертый": 4, "пятый": 5, "шестой": 6, "седьмой": 7,
    "восьмой": 8, "девятый": 9, "десятый": 10, "одиннадцатый": 11, "двенадцатый": 12,
    "тринадцатый": 13, "четырнадцатый": 14, "пятнадцатый": 15, "шестнадцатый": 16,
    "семнадцатый": 17, "восемнадцатый": 18, "девятнадцатый": 19, "двадцатый": 20,
    "тридцатый": 30, "сороковой": 40, "пятидесятый": 50, "шестидесятый": 60, "семидесятый": 70,
    "восьмидесятый": 80, "девяностый": 90, "сотый": 100, "двухтысячный": 2000,
}

# What one word is to the grammar.
_WORD, _CARDINAL, _ORDINAL, _THOUSAND, _ONE_AND_A_HALF, _HALF, _HALF_THOUSAND = range(7)


def _bare(word: str) -> str:
    """A word without apostrophes: recognizers write "пять" as often as "п'ять"."""
    return word.replace("'", "")


# Every inflected form of a numeral starts as its lemma does ("вісім" → "восьми" shares "во" with
# "восьмий"): a word whose first two letters start no lemma is not asked of the dictionary.
_PREFIXES = frozenset(
    lemma[:2] for lemma in (*_CARDINAL_LEMMAS, *_THOUSAND_LEMMAS, *_HALF_THOUSAND_LEMMAS,
                            *_ONE_AND_A_HALF_LEMMAS, *_ORDINAL_LEMMAS)
) | {"пя"}


@lru_cache(maxsize=65536)
def _lexeme(word: str, lemmatise: bool = True) -> tuple[int, int]:
    """(kind, value) of one normalised word, from its lemmas; (_WORD, 0) if no numeral.

    Without `lemmatise` only the lemmas themselves count (stored names at import time, where
    the dictionaries must not load)."""
    if word[:2] not in _PREFIXES:
        return (_HALF, 0) if word in _HALF_LEMMAS else (_WORD, 0)
    if lemmatise:
        from activities.brain.ukrainian.analyse import word_info  # lazy: pymorphy3 only when parsing

        lemmas = [lemma.replace("ё", "е") for lemma in word_info(word)[0]]
    else:
        lemmas = [word]
    ordinals = [lemma for lemma in lemmas if lemma in _ORDINAL_LEMMAS]
    if ordinals:  # "сьома" is also сім's instrumental, but callers mean the seventh
        return _ORDINAL, _ORDINAL_LEMMAS[ordinals[0]]
    for lemma in lemmas:
        if lemma in _CARDINAL_LEMMAS:
            return _CARDINAL, _CARDINAL_LEMMAS[lemma]
    for lemma in lemmas:
        if lemma in _THOUSAND_LEMMAS:
            return _THOUSAND, 1000
        if lemma in _ONE_AND_A_HALF_LEMMAS:
            return _ONE_AND_A_HALF, 0
        if lemma in _HALF_THOUSAND_LEMMAS:
            return _HALF_THOUSAND, 500
    for lemma in lemmas:
        if lemma in _ORDINAL_LEMMAS:
            return _ORDINAL, _ORDINAL_LEMMAS[lemma]
    if word in _HALF_LEMMAS:
        return _HALF, 0
    return _WORD, 0


def _slot_of(value: int) -> str:
    if value == 0:
        return "Z"
    if value < 10:
        return "U"
    if value < 20:
        return "X"
    if value < 100:
        return "T"
    return "H"


# Which slot may follow which inside one number: "двісті п'ять" joins, "п'ять п'ятдесят" does not.
_FOLLOWS = {"H": {"T", "X", "U"}, "T": {"U"}, "K": {"H", "T", "X", "U"}}


@dataclass(frozen=True)
class Token:
    """A word of the phrase, or a number the caller said (in words or digits)."""

    text: str  # the normalised word(s), or the digits as written
    value: int | None = None  # the number, None for a plain word
    ordinal: bool = False  # "п'ятнадцятий", "двадцять п'ятого"
    digits: bool = False  # written with digits by the recognizer ("067": keeps its zero in text)

    @property
    def is_number(self) -> bool:
        return self.value is not None


@lru_cache(maxsize=65536)
def _cardinal_reading(word: str) -> int | None:
    """The cardinal value of a word that is also an ordinal form ("дев'яноста": 90th or of 90)."""
    from activities.brain.ukrainian.analyse import word_info

    for lemma in word_info(word)[0]:
        if lemma in _CARDINAL_LEMMAS:
            return _CARDINAL_LEMMAS[lemma]
    return None


def ordinal_value(word: str) -> int | None:
    """The value of one ordinal word in any case or gender: "п'ятнадцятий" → 15, "третю" → 3."""
    kind, value = _lexeme(normalise(word))
    return value if kind == _ORDINAL else None


def cardinal_value(word: str) -> int | None:
    """The value of one cardinal word in any case: "п'ять" → 5, "пять" → 5, "двохсот" → 200."""
    kind, value = _lexeme(normalise(word))
    return value if kind == _CARDINAL else None


def _is_half_phrase(words: list[str], i: int) -> bool:
    """ "з половиною" / "із половиною" starts at word i."""
    return (
        i + 1 < len(words)
        and words[i] in ("з", "із", "зі", "с")
        and words[i + 1] in ("половиною", "половиной")
    )


def number_tokens(text: str, *, split_tens: bool = False, lemmatise: bool = True) -> list[Token]:
    """Words and numbers of a phrase, one number per spoken group.

    "двісті п'ять п'ятдесят п'ять ер шістнадцять" → 205, 55, "ер", 16;
    "дві тисячі п'ятнадцятого року" → ordinal 2015, "року"; digits stay as written;
    "дві з половиною тисячі" → 2500, "півтори тисячі" → 1500, "пів тисячі" → 500;
    any case: "до двохсот п'ятдесяти" → 250. With `split_tens`, a unit after a tens word is a
    number of its own ("п'ятдесят один" → 50, 1), the other reading of digits said one by one.
    `lemmatise=False` knows only the nominative lemmas and never loads the dictionaries (for
    tables built at import time).
    """
    lexeme = _lexeme if lemmatise else (lambda w: _lexeme(w, False))
    follows = {**_FOLLOWS, "T": set()} if split_tens else _FOLLOWS
    out: list[Token] = []
    value: int | None = None
    slot = ""
    parts: list[str] = []

    def flush(ordinal: bool = False) -> None:
        nonlocal value, slot, parts
        if value is not None:
            out.append(Token(" ".join(parts), value, ordinal=ordinal))
        value, slot, parts = None, "", []

    said = normalise(text).split()
    i = 0
    while i < len(said):
        word = said[i]
        if word.isdigit():
            flush()
            out.append(Token(word, int(word), digits=True))
            i += 1
            continue
        kind, number = lexeme(word)
        if kind == _ORDINAL and lemmatise and i + 1 < len(said):
            # an ordinal ends a number: "дев'яноста одного" is of ninety-one, not the 90th and 1
            following = lexeme(said[i + 1])[0]
            if following in (_CARDINAL, _THOUSAND) and (cardinal := _cardinal_reading(word)) is not None:
                kind, number = _CARDINAL, cardinal
        if kind == _CARDINAL:
            cslot = _slot_of(number)
            if value is not None and cslot in follows.get(slot, set()):
                value, slot = value + number, cslot
            else:
                flush()
                value, slot = number, cslot
            parts.append(word)
            # "дві з половиною тисячі": the half belongs to the thousands that follow
            if (
                slot != "K"
                and value < 1000
                and _is_half_phrase(said, i + 1)
                and i + 3 < len(said)
                and lexeme(said[i + 3])[0] == _THOUSAND
            ):
                value, slot = value * 1000 + 500, "K"
                parts += said[i + 1 : i + 4]
                i += 4
                continue
        elif kind == _THOUSAND:
            if value is not None and slot != "K" and value < 1000:
                value, slot = value * 1000, "K"
            else:
                flush()
                value, slot = 1000, "K"
            parts.append(word)
            if _is_half_phrase(said, i + 1) and value == 1000:  # "тисяча з половиною"
                value = 1500
                parts += said[i + 1 : i + 3]
                i += 3
                continue
        elif kind in (_ONE_AND_A_HALF, _HALF) and i + 1 < len(said) and lexeme(said[i + 1])[0] == _THOUSAND:
            flush()
            value, slot = (1500 if kind == _ONE_AND_A_HALF else 500), "K"
            parts += said[i : i + 2]
            i += 2
            continue
        elif kind == _HALF_THOUSAND:
            flush()
            value, slot = 500, "K"
            parts.append(word)
        elif kind == _ORDINAL:
            oslot = _slot_of(number) if number < 1000 else "K"
            if value is not None and oslot in follows.get(slot, set()) and (number < 1000 or value < 1000):
                value = value * 1000 if number == 1000 and slot != "K" else value + number
            else:
                flush()
                value = number
            parts.append(word)
            flush(ordinal=True)
        else:
            flush()
            out.append(Token(word))
        i += 1
    flush()
    return _join_digit_thousands(out)


def _join_digit_thousands(tokens: list[Token]) -> list[Token]:
    """ "2 тисячі" is 2000: a digit group followed by a thousands word."""
    out: list[Token] = []
    for token in tokens:
        if (
            out
            and out[-1].digits
            and token.value == 1000
            and not token.ordinal
            and _lexeme(token.text.split()[0])[0] == _THOUSAND
            and out[-1].value is not None
            and out[-1].value < 1000
        ):
            previous = out.pop()
            assert previous.value is not None
            out.append(Token(f"{previous.text} {token.text}", previous.value * 1000))
        else:
            out.append(token)
    return out


def digit_runs(tokens: list[Token]) -> list[Token]:
    """Digits said one by one joined into one group: "два нуль п'ять" → "205" (digits=True).

    Only runs of two or more single-digit words, at least one of them a nought or the run three
    long ("два нуль п'ять", "нуль шістдесят сім" stays 0, 67: a tens word is not a digit).
    """
    out: list[Token] = []
    run: list[Token] = []

    def close() -> None:
        if len(run) >= 2 and (len(run) >= 3 or any(t.value == 0 for t in run)):
            digits = "".join(str(t.value) for t in run)
            out.append(Token(digits, int(digits), digits=True))
        else:
            out.extend(run)
        run.clear()

    for token in tokens:
        if token.value is not None and not token.ordinal and not token.digits and 0 <= token.value <= 9 and " " not in token.text:
            run.append(token)
        else:
            close()
            out.append(token)
    close()
    return out


def words_to_digits(text: str) -> str:
    """Replace runs of number words by digits, one number per spoken group.

    "двісті п'ять п'ятдесят п'ять ер шістнадцять" → "205 55 ер 16": a hundreds word starts a
    new number, a tens word joins the following unit, as people read sizes digit group by group.
    Ordinal words stay words.
    """
    return " ".join(
        t.text if (t.value is None or t.ordinal) else (t.text if t.digits else str(t.value))
        for t in number_tokens(text)
    )


def parse_number(text: str) -> int | None:
    """The only number in a phrase ("дві тисячі чотириста п'ятдесят" → 2450), else None."""
    numbers = [t.value for t in number_tokens(text) if t.value is not None and not t.ordinal]
    return numbers[0] if len(numbers) == 1 else None


# --- speaking ----------------------------------------------------------------------------------

_UNITS_M = ("нуль", "один", "два", "три", "чотири", "п'ять", "шість", "сім", "вісім", "дев'ять")
_TEENS = (
    "десять", "одинадцять", "дванадцять", "тринадцять", "чотирнадцять", "п'ятнадцять",
    "шістнадцять", "сімнадцять", "вісімнадцять", "дев'ятнадцять",
)
_TENS = (
    "", "", "двадцять", "тридцять", "сорок", "п'ятдесят", "шістдесят", "сімдесят", "вісімдесят", "дев'яносто",
)
_HUNDREDS = (
    "", "сто", "двісті", "триста", "чотириста", "п'ятсот", "шістсот", "сімсот", "вісімсот", "дев'ятсот",
)


def plural_form(count: int, one: str, few: str, many: str) -> str:
    """The noun form that agrees with a number: (1, 21, 101) one, (2-4, 22-24) few, else many.

    11-14 take the "many" form: 11 гривень, 12 шин, 111 днів.
    """
    count = abs(count)
    last_two, last = count % 100, count % 10
    if 11 <= last_two <= 14:
        return many
    if last == 1:
        return one
    if 2 <= last <= 4:
        return few
    return many


def _below_thousand(n: int, gender: Gender, case: Case = "nom") -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words.append(_HUNDREDS[hundreds])
    if 10 <= rest < 20:
        words.append(_TEENS[rest - 10])
        return words
    tens, unit = divmod(rest, 10)
    if tens:
        words.append(_TENS[tens])
    if unit:
        if unit == 1:
            words.append({"m": "один", "f": "одну" if case == "acc" else "одна", "n": "одне"}[gender])
        elif unit == 2:
            words.append("дві" if gender == "f" else "два")
        else:
            words.append(_UNITS_M[unit])
    return words


def number_words(n: int, gender: Gender = "m", case: Case = "nom") -> str:
    """A whole number in words, agreeing with a noun of the given gender (and case).

    number_words(2451, "f") → "дві тисячі чотириста п'ятдесят одна" (гривня is feminine);
    1000 → "одна тисяча", 2000 → "дві тисячі", 5000 → "п'ять тисяч";
    number_words(1001, "f", "acc") → "одну тисячу одну" (за одну тисячу одну гривню).
    """
    if n < 0:
        return "мінус " + number_words(-n, gender, case)
    if n == 0:
        return "нуль"
    words: list[str] = []
    billions, n = divmod(n, 1_000_000_000)
    millions, n = divmod(n, 1_000_000)
    thousands, n = divmod(n, 1000)
    if billions:
        words += _below_thousand(billions, "m") + [plural_form(billions, "мільярд", "мільярди", "мільярдів")]
    if millions:
        words += _below_thousand(millions, "m") + [plural_form(millions, "мільйон", "мільйони", "мільйонів")]
    if thousands:
        one_thousand = "тисячу" if case == "acc" else "тисяча"
        words += _below_thousand(thousands, "f", case)
        words.append(plural_form(thousands, one_thousand, "тисячі", "тисяч"))
    if n:
        words += _below_thousand(n, gender, case)
    return " ".join(words)


_ORDINAL_STEMS_OUT = {
    1: "перш", 2: "друг", 3: "трет", 4: "четверт", 5: "п'ят", 6: "шост", 7: "сьом", 8: "восьм",
    9: "дев'ят", 10: "десят", 11: "одинадцят", 12: "дванадцят", 13: "тринадцят", 14: "чотирнадцят",
    15: "п'ятнадцят", 16: "шістнадцят", 17: "сімнадцят", 18: "вісімнадцят", 19: "дев'ятнадцят",
    20: "двадцят", 30: "тридцят", 40: "сороков", 50: "п'ятдесят", 60: "шістдесят", 70: "сімдесят",
    80: "вісімдесят", 90: "дев'яност", 100: "сот",
}
_HARD_ENDINGS = {"nom_m": "ий", "nom_f": "а", "nom_n": "е", "gen_m": "ого", "loc_f": "ій", "acc_f": "у"}
_SOFT_ENDINGS = {"nom_m": "ій", "nom_f": "я", "nom_n": "є", "gen_m": "ього", "loc_f": "ій", "acc_f": "ю"}


def ordinal_words(n: int, case: OrdinalCase = "nom_m") -> str:
    """An ordinal in words, 1-199: only the last word declines.

    (25, "gen_m") → "двадцять п'ятого" (the date), (10, "loc_f") → "десятій" (о десятій),
    (3, "acc_f") → "третю" (о пів на третю), (21, "loc_f") → "двадцять першій".
    """
    if not 1 <= n <= 199:
        raise ValueError(f"ordinal out of range: {n}")
    hundreds, rest = divmod(n, 100)
    if rest == 0:
        head, last = "", 100
    else:
        head = "сто " if hundreds else ""
        if rest < 20 or rest % 10 == 0:
            last = rest
        else:
            head += _TENS[rest // 10] + " "
            last = rest % 10
    endings = _SOFT_ENDINGS if last == 3 else _HARD_ENDINGS
    return f"{head}{_ORDINAL_STEMS_OUT[last]}{endings[case]}"


def digit_group_words(group: str) -> str:
    """A group of digits as read aloud: "123" → "сто двадцять три", "067" → "нуль шістдесят сім".

    Leading zeros are said one by one ("05" → "нуль п'ять", "00" → "нуль нуль").
    """
    if not group.isdigit():
        raise ValueError(f"not digits: {group!r}")
    zeros = len(group) - len(group.lstrip("0"))
    rest = group[zeros:]
    words = ["нуль"] * zeros
    if rest:
        words.append(number_words(int(rest)))
    return " ".join(words)


def group_digits(digits: str, sizes: tuple[int, ...] | None = None) -> list[str]:
    """Split digits into the groups they are read in: threes, never a lone digit at the end.

    "123456" → ["123", "456"]; "1234567" → ["123", "45", "67"]; explicit `sizes` win.
    """
    if sizes is None:
        n = len(digits)
        if n <= 3:
            sizes = (n,)
        elif n % 3 == 1:
            sizes = (3,) * (n // 3 - 1) + (2, 2)
        elif n % 3 == 2:
            sizes = (3,) * (n // 3) + (2,)
        else:
            sizes = (3,) * (n // 3)
    out: list[str] = []
    start = 0
    for size in sizes:
        if start >= len(digits):
            break
        out.append(digits[start : start + size])
        start += size
    if start < len(digits):
        out.append(digits[start:])
    return out
