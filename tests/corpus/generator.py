"""A seeded corpus of caller utterances with the slots they mean, for scoring the understanding layer.

    cases = generate(seed=101, n=1000)      # the same cases for the same seed, always
    heldout()                               # HELDOUT_SEEDS: what the thresholds are checked on
    development()                           # DEV_SEEDS: look at these while working on the layer

Each `Case` has the text, the expected slots (canonical values; None = the slot must be absent,
so a number misread as another slot counts as wrong), each slot's form label (e.g.
"size/ordinal", "money/half_thousand", "phone/plus380_groups") and the `today` the relative dates
were resolved against. Utterance kinds and forms are dealt round-robin, so every form appears in
every seed's part once n ≥ a few hundred; cars are dealt from the whole fitment table in a
seed-shuffled order, so every make and model appears in every seed's part.

Nobody tunes on the held-out seeds: look at `development()` output, fix the layer, then run the
held-out part (tests/test_corpus.py, `callcenter bench understanding`).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tests.corpus import grammars as g

DEV_SEEDS = (1, 2, 3)
HELDOUT_SEEDS = (101, 102, 103)
CASES_PER_SEED = 1000
DEFAULT_TODAY = date(2026, 12, 7)
DATE_GROUP = ("date", "time", "part_of_day")


@dataclass(frozen=True)
class Case:
    text: str
    expected: dict[str, Any]
    forms: dict[str, str]
    today: date
    kind: str
    seed: int
    index: int
    extra_forms: dict[str, str] = field(default_factory=dict)  # filler, carrier, year, season

    def all_forms(self) -> list[str]:
        return [*self.forms.values(), *self.extra_forms.values()]


# --- the utterance kinds ------------------------------------------------------------------------------


class _Dealer:
    """Round-robin over a list, starting at a seed-chosen place."""

    def __init__(self, items: list | tuple, rng: random.Random, shuffle: bool = False) -> None:
        self.items = list(items)
        if shuffle:  # a seed's own order, dealt from the start: n ≥ len(items) says every item
            rng.shuffle(self.items)
        self.i = 0 if shuffle else rng.randrange(len(self.items))

    def next(self) -> Any:
        item = self.items[self.i % len(self.items)]
        self.i += 1
        return item


def _season(rng: random.Random, dealer: _Dealer) -> tuple[str, str, str]:
    form = dealer.next()
    words, value = rng.choice(g.SEASON_FORMS[form])
    return words, value, form


class _Grammar:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.size_forms = _Dealer(list(g.SIZE_FORMS), rng)
        self.money_forms = _Dealer(list(g.MONEY_FORMS), rng)
        self.season_forms = _Dealer(list(g.SEASON_FORMS), rng)
        self.cars = _Dealer(g.cars(), rng, shuffle=True)
        self.vehicle_forms = _Dealer(g.VEHICLE_FORMS, rng)
        self.year_forms = _Dealer(g.YEAR_FORMS, rng)
        self.city_forms = _Dealer(g.CITY_FORMS, rng)
        self.phone_forms = _Dealer(g.PHONE_FORMS, rng)
        self.order_forms = _Dealer(g.ORDER_FORMS, rng)
        self.product_forms = _Dealer(g.PRODUCT_FORMS, rng)
        self.date_forms = _Dealer(g.DATE_FORMS, rng)
        self.time_forms = _Dealer(g.TIME_FORMS, rng)
        self.when_shapes = _Dealer(("day+time", "day+part", "day", "time", "day+time", "day+part"), rng)
        self.parts = _Dealer(("morning", "afternoon", "evening"), rng)
        self.fillers = _Dealer(("filler/none", "filler/start", "filler/none", "filler/inside"), rng)
        self.surzhyk = _Dealer((False, False, True), rng)

    # Each returns (text pieces, expected, forms, extra forms, today)

    def size(self) -> tuple:
        rng = self.rng
        form = self.size_forms.next()
        piece = g.SIZE_FORMS[form](rng)
        words, season, season_form = _season(rng, self.season_forms)
        lead = rng.choice(("шукаю", "мені треба", "підберіть", "хочу"))
        order = rng.choice(([f"{lead} {words}", piece.text], [piece.text, words], [f"{lead} {words} {piece.text}"]))
        expected = {"size": piece.slots["size"], "season": season, "max_price": None}
        return order, expected, {"size": form, "season": season_form}, {}, DEFAULT_TODAY

    def money(self) -> tuple:
        rng = self.rng
        form = self.money_forms.next()
        piece = g.MONEY_FORMS[form](rng)
        words, season, season_form = _season(rng, self.season_forms)
        expected: dict[str, Any] = {"max_price": piece.slots["max_price"], "season": season}
        forms = {"max_price": form, "season": season_form}
        if rng.random() < 0.5:
            size = g._size_slash(rng)
            parts = [f"{words} {size.text}", piece.text]
            expected["size"] = size.slots["size"]
        else:
            parts = [f"шукаю {words}", piece.text]
            expected["size"] = None
        return parts, expected, forms, {}, DEFAULT_TODAY

    def vehicle(self) -> tuple:
        rng = self.rng
        car = self.cars.next()
        form = self.vehicle_forms.next()
        if form == "vehicle/model_only" and car.model.lower() not in g.unique_models():
            form = "vehicle/accusative"
        piece = g.vehicle_piece(car, form, self.year_forms.next(), rng)
        extra = {"year": piece.forms["year"]}
        parts = [piece.text]
        expected = {"vehicle": piece.slots["vehicle"]}
        forms = {"vehicle": piece.forms["vehicle"]}
        if rng.random() < 0.6:
            words, season, season_form = _season(rng, self.season_forms)
            parts.append(rng.choice((f"треба {words}", f"шукаю {words}", words)))
            expected["season"], forms["season"] = season, season_form
        return parts, expected, forms, extra, DEFAULT_TODAY

    def city(self) -> tuple:
        form = self.city_forms.next()
        piece = g._city_piece(self.rng, form)
        return [piece.text], piece.slots, piece.forms, {}, DEFAULT_TODAY

    def phone(self) -> tuple:
        piece = g._phone_piece(self.rng, self.phone_forms.next())
        return [piece.text], piece.slots, piece.forms, {}, DEFAULT_TODAY

    def order(self) -> tuple:
        surzhyk = self.surzhyk.next()
        piece = g._order_piece(self.rng, self.order_forms.next(), surzhyk)
        extra = {"carrier": "carrier/surzhyk_zakaz" if surzhyk else "carrier/plain"}
        return [piece.text], piece.slots, piece.forms, extra, DEFAULT_TODAY

    def product(self) -> tuple:
        piece = g.product_piece(self.rng, self.product_forms.next())
        return [piece.text], piece.slots, piece.forms, {}, DEFAULT_TODAY

    def when(self) -> tuple:
        rng = self.rng
        today = date(2026, 1, 1) + timedelta(days=rng.randrange(730))
        shape = self.when_shapes.next()
        day_form = self.date_forms.next() if "day" in shape else None
        time_form = self.time_forms.next() if "time" in shape else None
        part = self.parts.next() if "part" in shape else None
        piece = g.when_piece(rng, day_form, time_form, part, today)
        lead = rng.choice(("запишіть мене на шиномонтаж", "можна на перевзування", "хочу записатися",
                           "а є вільне місце", "давайте"))
        return [lead, piece.text], piece.slots, piece.forms, {}, today


# Vehicles twice: each seed's 1000 cases then say every car of the fitment table at least once.
KINDS = ("size", "money", "vehicle", "city", "phone", "order", "when", "vehicle", "product")


def _join(rng: random.Random, parts: list[str], filler: str) -> str:
    parts = [p for p in parts if p]
    if filler == "filler/inside" and len(parts) > 1:
        parts.insert(1, rng.choice(g.FILLERS))
    text = ", ".join(parts) if rng.random() < 0.6 else " ".join(parts)
    if filler == "filler/start" or (filler == "filler/inside" and len(parts) == 1):
        text = f"{rng.choice(g.FILLERS)}, {text}"
    text = text[0].upper() + text[1:]
    return text + rng.choice((".", "?", "", "."))


def generate(seed: int, n: int = CASES_PER_SEED) -> list[Case]:
    """`n` cases from `seed`: the same list for the same arguments, on any machine."""
    rng = random.Random(seed)
    grammar = _Grammar(rng)
    cases: list[Case] = []
    for index in range(n):
        kind = KINDS[index % len(KINDS)]
        parts, expected, forms, extra, today = getattr(grammar, kind)()
        filler = grammar.fillers.next()
        extra = {**extra, "filler": filler}
        cases.append(Case(_join(rng, parts, filler), expected, forms, today, kind, seed, index, extra))
    return cases


def development(n: int = CASES_PER_SEED) -> list[Case]:
    return [case for seed in DEV_SEEDS for case in generate(seed, n)]


def heldout(n: int = CASES_PER_SEED) -> list[Case]:
    return [case for seed in HELDOUT_SEEDS for case in generate(seed, n)]


def all_forms() -> set[str]:
    """Every form label the grammars can produce."""
    forms = {*g.SIZE_FORMS, *g.MONEY_FORMS, *g.SEASON_FORMS, *g.VEHICLE_FORMS, *g.YEAR_FORMS, *g.CITY_FORMS,
             *g.PHONE_FORMS, *g.ORDER_FORMS, *g.PRODUCT_FORMS, *g.DATE_FORMS, *g.TIME_FORMS, "part_of_day/words",
             "filler/none", "filler/start", "filler/inside", "carrier/plain", "carrier/surzhyk_zakaz"}
    return forms


def iter_forms(cases: list[Case]) -> Iterator[str]:
    for case in cases:
        yield from case.all_forms()
