"""The numeral grammar as a round trip against the project's own speaker, plus the extractors
built on it (sizes, money, phones, order numbers, dates).

Every n said by `number_words` / `ordinal_words` in each gender and case they support, and in the
other cases pymorphy3 inflects them into, parses back to n.
"""

from __future__ import annotations

from functools import lru_cache

import pytest

from activities.brain.ukrainian.analyse import analyzer
from activities.brain.ukrainian.numbers import number_tokens, number_words, ordinal_words, parse_number

_OBLIQUE = ("gent", "datv", "loct", "ablt")


@lru_cache(maxsize=None)
def _inflect(word: str, case: str) -> str:
    parses = analyzer("uk").parse(word)
    for parse in sorted(parses, key=lambda p: p.tag.POS != "NUMR"):  # "сорок", not the magpie
        if parse.tag.POS in ("NUMR", "NOUN", "ADJF"):
            form = parse.inflect({case})
            if form is not None:
                return form.word
    return word


def _declined(phrase: str, case: str) -> str:
    """A cardinal phrase in an oblique case: every word declines ("двох тисяч трьохсот")."""
    return " ".join(_inflect(word, case) for word in phrase.split())


def _one(text: str) -> int | None:
    values = [t.value for t in number_tokens(text) if t.value is not None]
    return values[0] if len(values) == 1 else None


def test_every_cardinal_up_to_9999_in_every_gender_and_case_parses_back() -> None:
    failures = []
    for n in range(10000):
        said = {number_words(n, g) for g in ("m", "f", "n")} | {number_words(n, "f", "acc")}
        if n:
            said |= {_declined(number_words(n), case) for case in _OBLIQUE}
        for text in said:
            if _one(text) != n:
                failures.append((n, text, _one(text)))
    assert not failures[:20], failures[:20]


@pytest.mark.parametrize("n", [10000, 12345, 99999, 100001, 123456, 250000, 500500, 999999])
def test_large_cardinals_parse_back(n: int) -> None:
    assert parse_number(number_words(n)) == n
    assert parse_number(_declined(number_words(n), "gent")) == n


_ORDINAL_FORMS = [
    ("masc", "nomn"), ("masc", "gent"), ("masc", "datv"), ("masc", "loct"), ("masc", "ablt"),
    ("femn", "nomn"), ("femn", "gent"), ("femn", "accs"), ("femn", "loct"), ("femn", "ablt"),
    ("neut", "nomn"), ("plur", "nomn"), ("plur", "gent"), ("plur", "loct"),
]


@lru_cache(maxsize=None)
def _ordinal_form(word: str, gender: str, case: str) -> str:
    parse = next(p for p in analyzer("uk").parse(word) if p.tag.POS == "ADJF")
    form = parse.inflect({gender, case} if gender != "plur" else {"plur", case})
    return form.word if form else word


def test_every_ordinal_from_the_speaker_parses_back() -> None:
    failures = []
    for n in range(1, 200):
        for case in ("nom_m", "nom_f", "nom_n", "gen_m", "loc_f", "acc_f"):
            text = ordinal_words(n, case)  # type: ignore[arg-type]
            tokens = [t for t in number_tokens(text) if t.value is not None]
            if [(t.value, t.ordinal) for t in tokens] != [(n, True)]:
                failures.append((n, text))
    assert not failures, failures[:20]


def test_every_ordinal_up_to_9999_in_every_gender_and_case_parses_back() -> None:
    """Ordinals past the speaker's range: the head in cardinals, the last word an ordinal."""
    failures = []
    for n in range(1, 10000):
        if n % 1000 == 0:
            continue
        rest = n % 100
        head_value = n - (rest if rest and (rest < 20 or rest % 10 == 0) else rest % 10 if rest else n % 1000)
        last = n - head_value
        last_word = ordinal_words(last, "nom_m").split()[-1] if last < 200 else None
        if last_word is None:  # hundreds: "двохсотий"
            last_word = {200: "двохсотий", 300: "трьохсотий", 400: "чотирьохсотий", 500: "п'ятисотий",
                         600: "шестисотий", 700: "семисотий", 800: "восьмисотий", 900: "дев'ятисотий"}[last]
        head = number_words(head_value) if head_value else ""
        if last < 200 and " " in ordinal_words(last, "nom_m"):
            head = (head + " " + ordinal_words(last, "nom_m").rsplit(" ", 1)[0]).strip()
        for gender, case in _ORDINAL_FORMS[:: max(1, n % 5 + 1)] if n > 300 else _ORDINAL_FORMS:
            text = f"{head} {_ordinal_form(last_word, gender, case)}".strip()
            tokens = [t for t in number_tokens(text) if t.value is not None]
            if [(t.value, t.ordinal) for t in tokens] != [(n, True)]:
                failures.append((n, text, tokens))
    assert not failures[:10], failures[:10]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("дві з половиною тисячі", 2500),
        ("до двох з половиною тисяч", 2500),
        ("півтори тисячі", 1500),
        ("пів тисячі", 500),
        ("півтисячі", 500),
        ("тисяча з половиною", 1500),
        ("тисяча двісті п'ятдесят", 1250),
        ("тисячу вісімсот", 1800),
        ("двух тысяч", 2000),
        ("пятнадцять", 15),
        ("2 тисячі", 2000),
        ("сто тисяч один", 100001),
    ],
)
def test_thousands_halves_and_surzhyk(text: str, value: int) -> None:
    assert parse_number(text) == value


def test_a_friend_is_not_a_second() -> None:
    assert all(t.value is None for t in number_tokens("мій друг"))


# --- money -----------------------------------------------------------------------------------------

from activities.brain.ukrainian.money import extract_max_price, parse_max_price  # noqa: E402


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("до двох з половиною тисяч", 2500),
        ("не дорожче за тисячу вісімсот", 1800),
        ("десь до трьох тисяч за колесо", 3000),
        ("до 3000 грн", 3000),
        ("в межах двох тисяч", 2000),
        ("дешевше двох тисяч", 2000),
        ("бюджет до трьох тисяч", 3000),
        ("не більше 2500 гривень", 2500),
        ("до 3 тис", 3000),
        ("до дванадцяти тисяч за комплект", 3000),
        ("до полторы тысячи", 1500),
        ("не дорожче двох тисяч п'ятисот", 2500),
    ],
)
def test_price_limits(text: str, value: int) -> None:
    assert parse_max_price(text) == value
    slot = extract_max_price(text)
    assert slot is not None and slot.sure and slot.value == value


@pytest.mark.parametrize(("text", "value"), [("півтори тисячі", 1500), ("тисяча двісті п'ятдесят", 1250)])
def test_a_bare_sum_is_heard_but_not_sure(text: str, value: int) -> None:
    slot = extract_max_price(text)
    assert slot is not None and slot.value == value and not slot.sure


@pytest.mark.parametrize("text", ["до п'ятниці", "на шістнадцять", "до десятої", "дві тисячі вісімнадцятого року", "машина дві тисячі вісімнадцять року"])
def test_no_price_where_none_was_said(text: str) -> None:
    assert extract_max_price(text) is None


def test_price_span_points_at_the_number() -> None:
    slot = extract_max_price("Ну, десь до трьох тисяч за колесо")
    assert slot is not None
    assert "ну десь до трьох тисяч за колесо"[slot.span[0] : slot.span[1]] == "трьох тисяч"


# --- sizes -----------------------------------------------------------------------------------------

from activities.brain.ukrainian.sizes import extract_size  # noqa: E402


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("двісті п'ятнадцятий шістдесят п'ятий на шістнадцять", (215, 65, 16)),
        ("ширина два-нуль-п'ять, профіль п'ятдесят п'ять, сімнадцятий", (205, 55, 17)),
        ("на сімнадцяті диски", (None, None, 17)),
        ("205/55r16", (205, 55, 16)),
        ("205 55 16", (205, 55, 16)),
        ("р16", (None, None, 16)),
        ("ер шістнадцять", (None, None, 16)),
        ("двісті п'ятий п'ятдесят п'ятий сімнадцятий", (205, 55, 17)),
        ("два нуль п'ять п'ять п'ять шістнадцять", (205, 55, 16)),
        ("ширина два нуль п'ять профіль п'ять п'ять радіус шістнадцять", (205, 55, 16)),
        ("сто дев'яносто п'ять шістдесят п'ять ер п'ятнадцять", (195, 65, 15)),
        ("двохсот двадцяти п'яти на сорок п'ять на сімнадцять", (225, 45, 17)),
        ("мені чотири шини двісті п'ять п'ятдесят п'ять шістнадцять", (205, 55, 16)),
    ],
)
def test_sizes(text: str, size: tuple[int | None, int | None, int | None]) -> None:
    slot = extract_size(text)
    assert slot is not None and slot.name == "size"
    assert (slot.value["width"], slot.value["profile"], slot.value["rim"]) == size


def test_every_size_said_by_the_speaker_parses_back() -> None:
    from activities.brain.ukrainian.sizes import TireSize, speak_tire_size

    for width in range(135, 356, 10):
        for profile in range(25, 86, 5):
            for rim in range(13, 23):
                slot = extract_size(speak_tire_size(TireSize(width, profile, rim)))
                assert slot is not None and slot.value == {"width": width, "profile": profile, "rim": rim}


def test_no_size_where_none_was_said() -> None:
    assert extract_size("доброго дня, хочу замовити шини") is None
