"""Numbers both ways: number words in what the caller says, number words for what the agent says.

Reading: `number_tokens` turns a phrase into words and numbers, one number per spoken group
("двісті п'ять п'ятдесят п'ять" is 205 and 55, as people read sizes and phone numbers), and
knows ordinals ("двадцять п'ятого" is the 25th). Recognizers drop apostrophes and callers slip
into Russian, so "пять" and "двести" count too.

Speaking: `number_words` with grammatical gender, `ordinal_words` in the cases the agent needs,
and `plural_form` for the agreement of a noun with a number (1 гривня, 2 гривні, 5 гривень).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from activities.brain.ukrainian.text import normalise

Gender = Literal["m", "f", "n"]
Case = Literal["nom", "acc"]  # accusative: "за одну тисячу двісті двадцять одну гривню"
OrdinalCase = Literal["nom_m", "nom_f", "nom_n", "gen_m", "loc_f", "acc_f"]

# --- reading -----------------------------------------------------------------------------------

_UNIT_WORDS: dict[int, tuple[str, ...]] = {
    0: ("нуль", "ноль", "нол"),
    1: ("один", "одна", "одну", "одне", "одно", "одного", "однієї", "одній", "одним"),
    2: ("два", "дві", "двох", "две", "двоє"),
    3: ("три", "трьох", "трох", "трое", "троє"),
    4: ("чотири", "чотирьох", "четыре", "четырех", "четверо"),
    5: ("п'ять", "п'яти", "пять", "пяти"),
    6: ("шість", "шести", "шесть"),
    7: ("сім", "семи", "семь"),
    8: ("вісім", "восьми", "восемь"),
    9: ("дев'ять", "дев'яти", "девять", "девяти"),
}
_TEEN_WORDS: dict[int, tuple[str, ...]] = {
    10: ("десять", "десяти"),
    11: ("одинадцять", "одинадцяти", "одиннадцать"),
    12: ("дванадцять", "дванадцяти", "двенадцать"),
    13: ("тринадцять", "тринадцяти", "тринадцать"),
    14: ("чотирнадцять", "чотирнадцяти", "четырнадцать"),
    15: ("п'ятнадцять", "п'ятнадцяти", "пятнадцать"),
    16: ("шістнадцять", "шістнадцяти", "шестнадцать", "шеснадцать"),
    17: ("сімнадцять", "сімнадцяти", "семнадцать"),
    18: ("вісімнадцять", "вісімнадцяти", "восемнадцать"),
    19: ("дев'ятнадцять", "дев'ятнадцяти", "девятнадцать"),
}
_TENS_WORDS: dict[int, tuple[str, ...]] = {
    20: ("двадцять", "двадцяти", "двадцать"),
    30: ("тридцять", "тридцяти", "тридцать"),
    40: ("сорок", "сорока"),
    50: ("п'ятдесят", "п'ятдесяти", "пятьдесят"),
    60: ("шістдесят", "шістдесяти", "шестьдесят"),
    70: ("сімдесят", "сімдесяти", "семьдесят"),
    80: ("вісімдесят", "вісімдесяти", "восемьдесят"),
    90: ("дев'яносто", "девяносто"),
}
_HUNDREDS_WORDS: dict[int, tuple[str, ...]] = {
    100: ("сто", "ста"),
    200: ("двісті", "двохсот", "двести"),
    300: ("триста", "трьохсот", "тристо"),
    400: ("чотириста", "чотирьохсот", "четыреста"),
    500: ("п'ятсот", "пятьсот", "пятсот"),
    600: ("шістсот", "шестьсот"),
    700: ("сімсот", "семьсот"),
    800: ("вісімсот", "восемьсот"),
    900: ("дев'ятсот", "девятьсот", "девятсот"),
}
_THOUSAND_WORDS = ("тисяча", "тисячі", "тисяч", "тисячу", "тысяча", "тысячи", "тысяч", "тысячу")


def _bare(word: str) -> str:
    """A word without apostrophes: recognizers write "пять" as often as "п'ять"."""
    return word.replace("'", "")


# word (without apostrophes) → (value, slot); the slot says what may follow within one number
_CARDINALS: dict[str, tuple[int, str]] = {}
for _table, _slot in ((_UNIT_WORDS, "U"), (_TEEN_WORDS, "X"), (_TENS_WORDS, "T"), (_HUNDREDS_WORDS, "H")):
    for _value, _forms in _table.items():
        for _form in _forms:
            _CARDINALS[_bare(_form)] = (_value, "Z" if _value == 0 else _slot)
_THOUSANDS = frozenset(_bare(w) for w in _THOUSAND_WORDS)

# Ordinal stems (without apostrophes) and the endings of every case and gender, Ukrainian and Russian.
_ORDINAL_STEMS: dict[str, int] = {
    "перш": 1, "друг": 2, "трет": 3, "четверт": 4, "пят": 5, "шост": 6, "сьом": 7, "восьм": 8,
    "девят": 9, "десят": 10, "одинадцят": 11, "дванадцят": 12, "тринадцят": 13, "чотирнадцят": 14,
    "пятнадцят": 15, "шістнадцят": 16, "сімнадцят": 17, "вісімнадцят": 18, "девятнадцят": 19,
    "двадцят": 20, "тридцят": 30, "сороков": 40, "пятдесят": 50, "шістдесят": 60, "сімдесят": 70,
    "вісімдесят": 80, "девяност": 90, "сот": 100, "тисячн": 1000, "двохтисячн": 2000,
    "двотисячн": 2000,
    # Russian
    "перв": 1, "втор": 2, "шест": 6, "седьм": 7, "одиннадцат": 11, "двенадцат": 12,
    "тринадцат": 13, "четырнадцат": 14, "пятнадцат": 15, "шестнадцат": 16, "семнадцат": 17,
    "восемнадцат": 18, "девятнадцат": 19, "двадцат": 20, "тридцат": 30,
}
_ORDINAL_RE = re.compile(
    "(" + "|".join(sorted(_ORDINAL_STEMS, key=len, reverse=True)) + ")"
    r"(ий|ого|ому|им|ім|ій|ої|ою|а|у|е|і|их|ими|я|ю|є|ього|ьому|ьої|ьою|іх"
    r"|ый|ая|ую|ое|ой|ые|ых)"
)


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


def ordinal_value(word: str) -> int | None:
    """The value of one ordinal word: "п'ятнадцятий" → 15, "третю" → 3, else None."""
    match = _ORDINAL_RE.fullmatch(_bare(word))
    return _ORDINAL_STEMS[match.group(1)] if match else None


def cardinal_value(word: str) -> int | None:
    """The value of one cardinal word: "п'ять" → 5, "пять" → 5, else None."""
    found = _CARDINALS.get(_bare(word))
    return found[0] if found else None


def number_tokens(text: str, *, split_tens: bool = False) -> list[Token]:
    """Words and numbers of a phrase, one number per spoken group.

    "двісті п'ять п'ятдесят п'ять ер шістнадцять" → 205, 55, "ер", 16;
    "дві тисячі п'ятнадцятого року" → ordinal 2015, "року"; digits stay as written.
    With `split_tens`, a unit after a tens word is a number of its own ("п'ятдесят один" → 50, 1),
    the other reading of digits said one by one.
    """
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

    for word in normalise(text).split():
        bare = _bare(word)
        if bare in _CARDINALS:
            number, kind = _CARDINALS[bare]
            if value is not None and kind in follows.get(slot, set()):
                value, slot = value + number, kind
            else:
                flush()
                value, slot = number, kind
            parts.append(word)
        elif bare in _THOUSANDS:
            if value is not None and slot != "K" and value < 1000:
                value, slot = value * 1000, "K"
            else:
                flush()
                value, slot = 1000, "K"
            parts.append(word)
        elif word.isdigit():
            flush()
            out.append(Token(word, int(word), digits=True))
        elif (number := ordinal_value(word)) is not None:
            kind = _slot_of(number) if number < 1000 else "K"
            if value is not None and kind in follows.get(slot, set()):
                value += number
            else:
                flush()
                value = number
            parts.append(word)
            flush(ordinal=True)
        else:
            flush()
            out.append(Token(word))
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
            and token.text.split()[0] in _THOUSANDS
            and out[-1].value is not None
            and out[-1].value < 1000
        ):
            previous = out.pop()
            assert previous.value is not None
            out.append(Token(f"{previous.text} {token.text}", previous.value * 1000))
        else:
            out.append(token)
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
