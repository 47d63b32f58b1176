"""The grammars of the corpus: how callers say each slot, one function per form.

Every form function takes a `random.Random` and returns a `Piece`: the words, the slots they mean
(canonical values, as the understanding layer's contract states them) and the form's label per
slot. Numbers in words come from the project's number speaker (`number_words`, `ordinal_words`,
`digit_group_words`); their case forms from pymorphy3 (`tests/corpus/morph.py`). Cars, cities,
sizes and products come from the store's own data, so the corpus grows with the store.

To add a form: write `def _size_something(rng) -> Piece`, add it to the slot's table (`SIZE_FORMS`
…) under its label; `FORMS` then lists it and the held-out part must contain it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from activities.brain.ukrainian.numbers import digit_group_words, number_words, ordinal_words
from store.fitment import MAKE_ALIASES, MODEL_ALIASES
from store.geography import _CITY_ALIASES, CITY_COORDS
from tests.corpus.morph import inflect_phrase, numeral_phrase, ordinal_form

REPO = Path(__file__).resolve().parents[2]
_CYR = re.compile(r"[а-яіїєґ]", re.IGNORECASE)


@dataclass
class Piece:
    text: str
    slots: dict[str, Any] = field(default_factory=dict)
    forms: dict[str, str] = field(default_factory=dict)


# --- store data ---------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def sizes() -> list[tuple[int, int, int]]:
    text = (REPO / "store" / "data" / "sizes.txt").read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return [(int(w), int(p), int(r)) for w, p, r in re.findall(r"(\d{3})/(\d{2}) R(\d{2})", body)]


@dataclass(frozen=True)
class Car:
    make: str
    model: str
    years: tuple[int, int]


@lru_cache(maxsize=1)
def cars() -> list[Car]:
    """Every (make, model) of store/data/fitment.txt with the years its rows cover."""
    spans: dict[tuple[str, str], list[int]] = {}
    for line in (REPO / "store" / "data" / "fitment.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        make, model, _generation, years, _sizes = (part.strip() for part in line.split("|"))
        start, _, end = years.partition("-")
        span = spans.setdefault((make, model), [9999, 0])
        span[0] = min(span[0], int(start))
        span[1] = max(span[1], int(end) if end else 2026)
    return [Car(make, model, (lo, hi)) for (make, model), (lo, hi) in spans.items()]


@lru_cache(maxsize=1)
def unique_models() -> frozenset[str]:
    """Model names only one make has (a caller may say just "Туксон")."""
    seen: dict[str, set[str]] = {}
    for car in cars():
        seen.setdefault(car.model.lower(), set()).add(car.make)
    return frozenset(m for m, makes in seen.items() if len(makes) == 1)


# --- numbers in words -----------------------------------------------------------------------------


def said(n: int, gender: str = "m") -> str:
    """A cardinal as callers say it: "тисяча вісімсот" (not "одна тисяча вісімсот")."""
    words = number_words(n, gender)  # type: ignore[arg-type]
    return words[len("одна "):] if words.startswith("одна тисяч") else words


def said_acc(n: int) -> str:
    words = number_words(n, "f", "acc")
    return words[len("одну "):] if words.startswith("одну тисяч") else words


def said_gen(n: int) -> str:
    return numeral_phrase(said(n, "f"), "gent")


def ordinal_big(n: int, case: str = "nom_m") -> str:
    """Ordinals past 199 (tire widths): "двісті п'ятнадцятий"."""
    if n < 200:
        return ordinal_words(n, case)  # type: ignore[arg-type]
    return f"{said(n - n % 100)} {ordinal_words(n % 100, case)}"  # type: ignore[arg-type]


_DIGITS = ("нуль", "один", "два", "три", "чотири", "п'ять", "шість", "сім", "вісім", "дев'ять")


def digit_by_digit(digits: str, sep: str = " ") -> str:
    return sep.join(_DIGITS[int(d)] for d in digits)


# --- sizes ----------------------------------------------------------------------------------------


def _size(rng: random.Random) -> tuple[int, int, int, dict[str, int | None]]:
    w, p, r = rng.choice(sizes())
    return w, p, r, {"width": w, "profile": p, "rim": r}


def _size_slash(rng: random.Random) -> Piece:
    w, p, r, value = _size(rng)
    text = rng.choice((f"{w}/{p} R{r}", f"{w}/{p}R{r}", f"{w}/{p} r{r}", f"{w}/{p}/{r}", f"{w}/{p} Р{r}"))
    return Piece(text, {"size": value})


def _size_spaces(rng: random.Random) -> Piece:
    w, p, r, value = _size(rng)
    return Piece(rng.choice((f"{w} {p} {r}", f"{w} {p} R{r}", f"{w} на {p} на {r}")), {"size": value})


def _size_words(rng: random.Random) -> Piece:
    w, p, r, value = _size(rng)
    sep = rng.choice(("ер ", "р ", "радіус ", "на ", ""))
    return Piece(f"{said(w)} {said(p)} {sep}{said(r)}", {"size": value})


def _size_na(rng: random.Random) -> Piece:
    w, p, r, value = _size(rng)
    return Piece(f"{said(w)} на {said(p)} на {said(r)}", {"size": value})


def _size_ordinal(rng: random.Random) -> Piece:
    w, p, r, value = _size(rng)
    rim = rng.choice((f"на {said(r)}", f"{ordinal_words(r)} радіус", f"радіус {said(r)}", f"на {ordinal_words(r)}"))
    return Piece(f"{ordinal_big(w)} {ordinal_words(p)} {rim}", {"size": value})


def _size_inflected(rng: random.Random) -> Piece:
    w, p, r, value = _size(rng)
    on_discs = ordinal_form(ordinal_words(r), frozenset({"plur", "loct"}))
    text = rng.choice((
        f"{said(w)} {said(p)} на {on_discs} дисках",
        f"на {ordinal_form(ordinal_words(r), frozenset({'plur', 'nomn'}))} диски, {said(w)} на {said(p)}",
        f"{said(w)} {said(p)} {ordinal_words(r, 'gen_m')} радіусу",
    ))
    return Piece(text, {"size": value})


def _size_digit_by_digit(rng: random.Random) -> Piece:
    w, p, r, value = _size(rng)
    sep = rng.choice(("-", " "))
    profile = rng.choice((said(p), digit_by_digit(str(p), sep)))
    rim = rng.choice((said(r), ordinal_words(r), f"ер {said(r)}"))
    return Piece(f"{digit_by_digit(str(w), sep)} {profile} {rim}", {"size": value})


def _size_labelled(rng: random.Random) -> Piece:
    w, p, r, value = _size(rng)
    width = rng.choice((said(w), str(w), digit_by_digit(str(w), "-")))
    profile = rng.choice((f"профіль {said(p)}", f"висота {said(p)}", f"профіль {p}"))
    rim = rng.choice((f"радіус {said(r)}", f"діаметр {said(r)}", ordinal_words(r), f"диски {said(r)}"))
    return Piece(f"ширина {width}, {profile}, {rim}", {"size": value})


def _size_rim_only(rng: random.Random) -> Piece:
    r = rng.choice(sorted({r for _w, _p, r in sizes()}))
    text = rng.choice((
        f"на {ordinal_form(ordinal_words(r), frozenset({'plur', 'nomn'}))} диски",
        f"{ordinal_words(r)} радіус",
        f"радіус {said(r)}",
        f"на R{r}",
        f"на {ordinal_form(ordinal_words(r), frozenset({'plur', 'loct'}))} дисках",
    ))
    return Piece(text, {"size": {"width": None, "profile": None, "rim": r}})


SIZE_FORMS: dict[str, Callable[[random.Random], Piece]] = {
    "size/slash": _size_slash,
    "size/spaces": _size_spaces,
    "size/words": _size_words,
    "size/na": _size_na,
    "size/ordinal": _size_ordinal,
    "size/inflected": _size_inflected,
    "size/digit_by_digit": _size_digit_by_digit,
    "size/labelled": _size_labelled,
    "size/rim_only": _size_rim_only,
}

# --- seasons (said with sizes and cars) ----------------------------------------------------------------

SEASON_FORMS: dict[str, list[tuple[str, str]]] = {  # noun phrases in the accusative ("шукаю …")
    "season/adjective": [("зимові шини", "winter"), ("літні шини", "summer"), ("всесезонні шини", "all_season"),
                         ("зимову резину", "winter"), ("літню гуму", "summer"), ("зимові колеса", "winter")],
    "season/na_season": [("шини на зиму", "winter"), ("резину на літо", "summer"), ("гуму на зиму", "winter"),
                         ("шини на весь рік", "all_season")],
    "season/surzhyk": [("зімні шини", "winter"), ("зімню резину", "winter"), ("лєтню резину", "summer"),
                       ("всесезонку", "all_season"), ("зимню резину", "winter")],
}

# --- money ----------------------------------------------------------------------------------------


def _price(rng: random.Random) -> int:
    return rng.choice(range(800, 6001, 50))


def _money_digits(rng: random.Random) -> Piece:
    v = _price(rng)
    text = rng.choice((f"до {v} гривень", f"до {v} грн", f"не дорожче {v}", f"максимум {v} гривень",
                       f"бюджет {v} гривень", f"в межах {v}"))
    return Piece(text, {"max_price": v})


def _money_words_gen(rng: random.Random) -> Piece:
    v = _price(rng)
    lead = rng.choice(("до", "не більше", "в межах", "не дорожче", "десь до"))
    return Piece(f"{lead} {said_gen(v)}" + rng.choice(("", " гривень")), {"max_price": v})


def _money_words_acc(rng: random.Random) -> Piece:
    v = _price(rng)
    return Piece(rng.choice((f"не дорожче за {said_acc(v)}", f"не більше ніж {said(v, 'f')}",
                             f"не дорожче ніж {said(v, 'f')} гривень")), {"max_price": v})


def _money_words_nom(rng: random.Random) -> Piece:
    v = _price(rng)
    lead = rng.choice(("бюджет", "максимум", "ціна десь", "розраховую на"))
    tail = rng.choice(("", " гривень", " гривень максимум"))
    text = f"{lead} {said(v, 'f') if lead != 'розраховую на' else said_acc(v)}{tail}"
    return Piece(text, {"max_price": v})


def _money_half_thousand(rng: random.Random) -> Piece:
    k = rng.randint(2, 5)
    text = rng.choice((
        f"до {said_gen(k)} з половиною тисяч",
        f"{number_words(k, 'f')} з половиною {'тисячі' if k < 5 else 'тисяч'} максимум",
        f"не дорожче {said_gen(k)} з половиною тисяч",
    ))
    return Piece(text, {"max_price": k * 1000 + 500})


def _money_pivtory(rng: random.Random) -> Piece:
    text = rng.choice(("до півтори тисячі", "півтори тисячі максимум", "не дорожче півтори тисячі",
                       "до півтора тисяч", "бюджет півтори тисячі"))
    return Piece(text, {"max_price": 1500})


def _money_per_unit(rng: random.Random) -> Piece:
    v = _price(rng)
    amount = rng.choice((said_gen(v), str(v)))
    return Piece(f"{rng.choice(('до', 'десь до'))} {amount} за {rng.choice(('колесо', 'шину', 'штуку', 'одну'))}",
                 {"max_price": v})


_RU_GEN = {2: "двух", 3: "трех", 4: "четырех", 5: "пяти"}


def _money_surzhyk(rng: random.Random) -> Piece:
    k = rng.choice(sorted(_RU_GEN))
    return Piece(f"до {_RU_GEN[k]} {rng.choice(('тисяч', 'тысяч'))}", {"max_price": k * 1000})


MONEY_FORMS: dict[str, Callable[[random.Random], Piece]] = {
    "money/digits": _money_digits,
    "money/words_genitive": _money_words_gen,
    "money/words_accusative": _money_words_acc,
    "money/words_nominative": _money_words_nom,
    "money/half_thousand": _money_half_thousand,
    "money/pivtory": _money_pivtory,
    "money/per_unit": _money_per_unit,
    "money/surzhyk": _money_surzhyk,
}

# --- vehicles -------------------------------------------------------------------------------------


def _cyr_alias(names: list[str], rng: random.Random) -> str | None:
    options = [n for n in names if _CYR.search(n) and n.lower() not in ("жигулі", "жигули", "запорожець", "бумер", "рафік", "крузак", "мерс")]
    return rng.choice(options) if options else None


def car_names(car: Car, rng: random.Random, cyrillic_wanted: bool) -> tuple[str, str]:
    if not cyrillic_wanted:
        return car.make, car.model
    make = _cyr_alias(MAKE_ALIASES.get(car.make, []), rng) or car.make
    model = _cyr_alias(MODEL_ALIASES.get((car.make, car.model), []), rng) or car.model
    return make, model


def year_words(year: int, form: str) -> str:
    if form == "digits":
        return f"{year} року"
    if form == "short_words" and year >= 2001:
        return f"{ordinal_words(year - 2000, 'gen_m')} року"
    if year >= 2000:
        return f"дві тисячі {ordinal_words(year - 2000, 'gen_m')} року" if year > 2000 else "двохтисячного року"
    return f"тисяча дев'ятсот {ordinal_words(year - 1900, 'gen_m')} року"


_CAR_CASES = {  # form → (grammatical case, carrier)
    "vehicle/latin": ("nomn", "у мене {car}"),
    "vehicle/nominative": ("nomn", "у мене {car}"),
    "vehicle/genitive": ("gent", "для {car}"),
    "vehicle/accusative": ("accs", "на {car}"),
    "vehicle/locative": ("loct", "їжджу на {car}"),
    "vehicle/model_only": ("accs", "на {car}"),
}
VEHICLE_FORMS = tuple(_CAR_CASES)
YEAR_FORMS = ("year/none", "year/digits", "year/short_words", "year/full_words")


def vehicle_piece(car: Car, form: str, year_form: str, rng: random.Random) -> Piece:
    case, carrier = _CAR_CASES[form]
    make, model = car_names(car, rng, form != "vehicle/latin")
    if model.split(" ")[0].lower() in {m.lower() for m in (car.make, *MAKE_ALIASES.get(car.make, []))}:
        form = "vehicle/model_only" if form != "vehicle/latin" else form  # the alias says the make ("Пежо 508")
    if form == "vehicle/model_only":
        phrase = inflect_phrase(model, case)
    else:
        phrase = f"{inflect_phrase(make, case)} {inflect_phrase(model, case)}"
    year = None
    if year_form != "year/none":
        year = rng.randint(*car.years)
        if year_form == "year/short_words" and year < 2001:
            year_form = "year/full_words"
        phrase += " " + year_words(year, year_form.split("/")[1])
    return Piece(carrier.format(car=phrase), {"vehicle": {"make": car.make, "model": car.model, "year": year}},
                 {"vehicle": form, "year": year_form})


# --- cities ---------------------------------------------------------------------------------------------


def _city_piece(rng: random.Random, form: str) -> Piece:
    city = rng.choice(sorted(CITY_COORDS))
    if form == "city/nominative":
        text = rng.choice((f"місто {city}", f"{city}", f"я з міста {city}"))
    elif form == "city/genitive":
        text = rng.choice((f"доставка до {inflect_phrase(city, 'gent', geo=True)}",
                           f"я з {inflect_phrase(city, 'gent', geo=True)}"))
    elif form == "city/accusative":
        text = rng.choice((f"відправте в {inflect_phrase(city, 'accs', geo=True)}",
                           f"доставка у {inflect_phrase(city, 'accs', geo=True)}"))
    elif form == "city/locative":
        text = rng.choice((f"чи є у {inflect_phrase(city, 'loct', geo=True)}",
                           f"забрати в {inflect_phrase(city, 'loct', geo=True)}",
                           f"я живу в {inflect_phrase(city, 'loct', geo=True)}"))
    else:  # city/alias: the other spellings the store keeps (Russian, Latin)
        alias = rng.choice([a for a in _CITY_ALIASES.get(city, [city])])
        text = rng.choice((f"{alias}, будь ласка", f"а {alias}", f"{alias}"))
    return Piece(text, {"city": city}, {"city": form})


CITY_FORMS = ("city/nominative", "city/genitive", "city/accusative", "city/locative", "city/alias")

# --- phones and order numbers -----------------------------------------------------------------------------

_OPERATORS = ("50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98", "99")


def _phone(rng: random.Random) -> tuple[str, str]:
    operator = rng.choice(_OPERATORS)
    subscriber = f"{rng.randrange(10**7):07d}"
    return operator, subscriber


def _groups(s: str, sizes: tuple[int, ...]) -> list[str]:
    out, i = [], 0
    for n in sizes:
        out.append(s[i : i + n])
        i += n
    return out


def _phone_piece(rng: random.Random, form: str) -> Piece:
    operator, sub = _phone(rng)
    e164 = f"+380{operator}{sub}"
    national = f"0{operator}{sub}"
    sep = rng.choice((", ", " "))
    if form == "phone/zero_groups_words":
        text = sep.join(digit_group_words(g) for g in _groups(national, (3, 3, 2, 2)))
    elif form == "phone/zero_groups_digits":
        a, b, c, d = _groups(national, (3, 3, 2, 2))
        text = rng.choice((f"{a} {b} {c} {d}", f"{a}-{b}-{c}-{d}", f"({a}) {b}-{c}-{d}", national))
    elif form == "phone/plus380_groups":
        lead = rng.choice(("плюс три вісім нуль", "плюс триста вісімдесят"))
        text = lead + " " + sep.join(digit_group_words(g) for g in _groups(operator + sub, (2, 3, 2, 2)))
    elif form == "phone/plus380_digits":
        a, b, c, d = _groups(operator + sub, (2, 3, 2, 2))
        text = rng.choice((f"+380 {a} {b} {c} {d}", e164, f"+38 0{a} {b} {c} {d}", f"+380{a}{b}{c}{d}"))
    else:  # phone/digit_by_digit
        text = digit_by_digit(national)
    carrier = rng.choice(("мій номер {p}", "перевірте за телефоном {p}", "запишіть на номер {p}",
                          "номер телефону {p}", "оформіть на номер {p}"))
    return Piece(carrier.format(p=text), {"phone": e164, "order_number": None}, {"phone": form})


PHONE_FORMS = ("phone/zero_groups_words", "phone/zero_groups_digits", "phone/plus380_groups",
               "phone/plus380_digits", "phone/digit_by_digit")


def _order_piece(rng: random.Random, form: str, surzhyk: bool) -> Piece:
    number = str(rng.randint(100000, 199999) if rng.random() < 0.7 else rng.randint(200000, 999999))
    if form == "order/digits":
        text = number
    elif form == "order/groups_of_three":
        text = ", ".join(digit_group_words(g) for g in _groups(number, (3, 3)))
    elif form == "order/pairs":
        text = ", ".join(digit_group_words(g) for g in _groups(number, (2, 2, 2)))
    elif form == "order/digit_by_digit":
        text = digit_by_digit(number)
    else:  # order/whole_number
        text = number_words(int(number))
    noun = "заказ" if surzhyk else rng.choice(("замовлення", "замовлення номер"))
    carrier = rng.choice(("де моє {noun} {n}", "статус {noun} {n}", "що з замовленням {n}", "перевірте {noun} {n}"))
    if surzhyk:
        carrier = rng.choice(("де мій {noun} {n}", "шо там з {noun}ом {n}", "перевірте {noun} номер {n}"))
    return Piece(carrier.format(noun=noun, n=text), {"order_number": number, "phone": None}, {"order_number": form})


ORDER_FORMS = ("order/digits", "order/groups_of_three", "order/pairs", "order/digit_by_digit", "order/whole_number")

# --- days and times ----------------------------------------------------------------------------------------

_WEEKDAYS_ACC = ("понеділок", "вівторок", "середу", "четвер", "п'ятницю", "суботу", "неділю")
_MONTHS_GEN = ("січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня",
               "жовтня", "листопада", "грудня")
_PARTS = {
    "morning": ("зранку", "вранці", "з самого ранку", "до обіду"),
    "afternoon": ("після обіду", "по обіді", "в другій половині дня"),
    "evening": ("ввечері", "під вечір", "увечері"),
}


def _day(rng: random.Random, form: str, today: date) -> tuple[str, date]:
    if form == "date/relative":
        ahead = rng.choice((0, 1, 2))
        words = {0: ("сьогодні",), 1: ("завтра", "на завтра"), 2: ("післязавтра", "на післязавтра")}[ahead]
        return rng.choice(words), today + timedelta(days=ahead)
    if form == "date/weekday":
        ahead = rng.randint(1, 6)  # never today's own weekday: that one is ambiguous
        day = today + timedelta(days=ahead)
        return f"{'у' if day.weekday() == 1 else rng.choice(('в', 'у'))} {_WEEKDAYS_ACC[day.weekday()]}", day
    # date/month_name: a day within the next two months, said with its month
    day = today + timedelta(days=rng.randint(3, 60))
    text = rng.choice((f"{ordinal_words(day.day, 'gen_m')} {_MONTHS_GEN[day.month - 1]}",
                       f"на {ordinal_words(day.day, 'nom_n')} {_MONTHS_GEN[day.month - 1]}",
                       f"{day.day} {_MONTHS_GEN[day.month - 1]}"))
    return text, day


def _time(rng: random.Random, form: str) -> tuple[str, str]:
    hour = rng.randint(8, 18)
    if form == "time/o_hour":
        return f"о {ordinal_words(hour, 'loc_f')}", f"{hour:02d}:00"
    if form == "time/na_hour":
        return f"на {ordinal_words(hour, 'acc_f')}", f"{hour:02d}:00"
    if form == "time/about":
        return f"{rng.choice(('десь', 'приблизно', 'десь так'))} о {ordinal_words(hour, 'loc_f')}", f"{hour:02d}:00"
    if form == "time/half_past":
        return f"о пів на {ordinal_words(hour + 1, 'acc_f')}", f"{hour:02d}:30"
    if form == "time/hour_minutes":
        minutes = rng.choice((15, 30, 45))
        return f"о {ordinal_words(hour, 'loc_f')} {number_words(minutes)}", f"{hour:02d}:{minutes:02d}"
    minutes = rng.choice((0, 30))  # time/digits
    return f"{rng.choice(('о', 'на'))} {hour}:{minutes:02d}", f"{hour:02d}:{minutes:02d}"


DATE_FORMS = ("date/relative", "date/weekday", "date/month_name")
TIME_FORMS = ("time/o_hour", "time/na_hour", "time/about", "time/half_past", "time/hour_minutes", "time/digits")


def when_piece(rng: random.Random, day_form: str | None, time_form: str | None, part: str | None,
               today: date) -> Piece:
    words, slots, forms = [], {"date": None, "time": None, "part_of_day": None}, {}
    if day_form:
        text, day = _day(rng, day_form, today)
        words.append(text)
        slots["date"], forms["date"] = day.isoformat(), day_form
    if time_form:
        text, hhmm = _time(rng, time_form)
        words.append(text)
        slots["time"], forms["time"] = hhmm, time_form
    elif part:
        words.append(rng.choice(_PARTS[part]))
        slots["part_of_day"], forms["part_of_day"] = part, "part_of_day/words"
    return Piece(" ".join(words), slots, forms)


# --- a product and a city in one sentence --------------------------------------------------------------

PRODUCT_FORMS = ("product/latin", "product/cyrillic_brand")


def product_piece(rng: random.Random, form: str) -> Piece:
    """ "чи є Nokian Hakkapeliitta R5 205/55 R16 у Запоріжжі": the named line, its size and the city."""
    from store.brands import BRANDS

    brand = rng.choice(BRANDS)
    line = rng.choice(brand.lines)
    fitting = [s for s in sizes() if line.rim_min <= s[2] <= line.rim_max]
    w, p, r = rng.choice(fitting)
    name = brand.name
    if form == "product/cyrillic_brand":
        name = next((a for a in brand.aliases if _CYR.search(a)), brand.name).capitalize()
    city = rng.choice(sorted(CITY_COORDS))
    text = rng.choice((
        f"чи є {name} {line.model} {w}/{p} R{r} у {inflect_phrase(city, 'loct', geo=True)}",
        f"{name} {line.model} {w}/{p} R{r} є в {inflect_phrase(city, 'loct', geo=True)}",
        f"а {name} {line.model} {w}/{p} R{r} можна забрати в {inflect_phrase(city, 'loct', geo=True)}",
    ))
    slots = {"brand": brand.name, "model": line.model, "size": {"width": w, "profile": p, "rim": r}, "city": city}
    return Piece(text, slots, {"brand": form, "model": form, "size": "size/slash", "city": "city/locative"})


FILLERS = ("ну", "е-е", "короче", "значить", "слухайте", "так от", "ну це")
