"""Text for the voice: prices, counts, addresses and the read-backs of an order and a booking.

Numbers are written as words with the right agreement ("двадцять одна гривня", "дві шини",
"п'ять днів"), so any TTS engine says them correctly; brand and model names stay in Latin, as
the catalogue writes them. Deterministic and pure: the workflow may call these too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from activities.brain.ukrainian.dates import speak_datetime
from activities.brain.ukrainian.numbers import (
    Case,
    Gender,
    number_words,
    plural_form,
)
from activities.brain.ukrainian.places import in_city, to_city
from activities.brain.ukrainian.sizes import speak_tire_size


@dataclass(frozen=True)
class Noun:
    """A countable noun: its gender and the forms for 1, 2-4 and 5+ (1 шина, 2 шини, 5 шин)."""

    gender: Gender
    one: str
    few: str
    many: str
    one_acc: str = ""  # accusative of the singular where it differs: шину, гривню

    def form(self, count: int, case: Case = "nom") -> str:
        one = self.one_acc if case == "acc" and self.one_acc else self.one
        return plural_form(count, one, self.few, self.many)


NOUNS: dict[str, Noun] = {
    "шина": Noun("f", "шина", "шини", "шин", "шину"),
    "гривня": Noun("f", "гривня", "гривні", "гривень", "гривню"),
    "штука": Noun("f", "штука", "штуки", "штук", "штуку"),
    "хвилина": Noun("f", "хвилина", "хвилини", "хвилин", "хвилину"),
    "година": Noun("f", "година", "години", "годин", "годину"),
    "копійка": Noun("f", "копійка", "копійки", "копійок", "копійку"),
    "місце": Noun("n", "місце", "місця", "місць"),
    "колесо": Noun("n", "колесо", "колеса", "коліс"),
    "замовлення": Noun("n", "замовлення", "замовлення", "замовлень"),
    "відділення": Noun("n", "відділення", "відділення", "відділень"),
    "день": Noun("m", "день", "дні", "днів"),
    "тиждень": Noun("m", "тиждень", "тижні", "тижнів"),
    "комплект": Noun("m", "комплект", "комплекти", "комплектів"),
    "варіант": Noun("m", "варіант", "варіанти", "варіантів"),
    "склад": Noun("m", "склад", "склади", "складів"),
}


def _noun(noun: str | Noun) -> Noun:
    if isinstance(noun, Noun):
        return noun
    try:
        return NOUNS[noun]
    except KeyError:
        raise ValueError(f"unknown noun {noun!r}: pass a Noun with its forms") from None


def agree(count: int, noun: str | Noun, case: Case = "nom") -> str:
    """The form of the noun that goes with the number: agree(22, "шина") → "шини"."""
    return _noun(noun).form(count, case)


def speak_count(count: int, noun: str | Noun, case: Case = "nom") -> str:
    """A count in words with its noun: "одна шина", "дві шини", "п'ять шин", "двадцять один день";
    in the accusative ("за одну шину") with case="acc"."""
    forms = _noun(noun)
    return f"{number_words(count, forms.gender, case)} {forms.form(count, case)}"


def count_in_digits(count: int, noun: str | Noun) -> str:
    """A count in digits with its noun: "4 шини", "21 день" (for text that is read, not heard)."""
    return f"{count} {agree(count, noun)}"


def speak_hryvnias(amount: int, case: Case = "nom") -> str:
    """A price in words: 2450 → "дві тисячі чотириста п'ятдесят гривень", 21 → "двадцять одна гривня";
    after «за»/«по» use case="acc": "за одну тисячу двісті двадцять одну гривню"."""
    return speak_count(amount, "гривня", case)


def hryvnias(amount: int) -> str:
    """Price in digits with the right form of «гривня»: 1 гривня, 2 гривні, 5 гривень (11-14 гривень)."""
    return count_in_digits(amount, "гривня")


def pieces(count: int) -> str:
    """«штука» agreement in digits: 1 штука, 3 штуки, 12 штук."""
    return count_in_digits(count, "штука")


# --- addresses ---------------------------------------------------------------------------------

_ABBREVIATIONS = {
    "вул": "вулиця", "просп": "проспект", "пр-т": "проспект", "пров": "провулок", "бул": "бульвар",
    "пл": "площа", "буд": "будинок", "ш": "шосе", "м": "місто", "наб": "набережна", "корп": "корпус",
}


def speak_address(address: str) -> str:
    """An address as said: "вул. Городоцька, 120а" → "вулиця Городоцька, сто двадцять а"."""
    def expand(match: re.Match[str]) -> str:
        return _ABBREVIATIONS[match.group(1).lower()] + " "

    pattern = r"(?<![\w'])(" + "|".join(re.escape(a) for a in _ABBREVIATIONS) + r")\.\s*"
    text = re.sub(pattern, expand, address, flags=re.IGNORECASE)
    text = re.sub(r"\d+", lambda m: number_words(int(m.group(0))) + " ", text)
    text = re.sub(r" +([,.])", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


# --- read-backs --------------------------------------------------------------------------------


class LineLike(Protocol):
    """One order line: store OrderLine fits, and so does `ReadbackLine`."""

    @property
    def brand(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def size(self) -> str: ...
    @property
    def quantity(self) -> int: ...
    @property
    def price_uah(self) -> int: ...


class DeliveryLike(Protocol):
    """Delivery of an order: store Delivery fits, and so does `ReadbackDelivery`."""

    @property
    def method(self) -> str: ...
    @property
    def city(self) -> str: ...
    @property
    def branch(self) -> str | None: ...


@dataclass(frozen=True)
class ReadbackLine:
    brand: str
    model: str
    size: str  # "205/55 R16"
    quantity: int
    price_uah: int  # one tire


@dataclass(frozen=True)
class ReadbackDelivery:
    method: str  # "nova_poshta", "courier", "pickup"
    city: str
    branch: str | None = None
    address: str | None = None


def speak_line(line: LineLike) -> str:
    """ "чотири шини Michelin Alpin 6 двісті п'ять п'ятдесят п'ять ер шістнадцять по три тисячі двісті гривень"."""
    price = speak_hryvnias(line.price_uah, "acc")
    each = f"за {price}" if line.quantity == 1 else f"по {price}"
    return f"{speak_count(line.quantity, 'шина')} {line.brand} {line.model} {speak_tire_size(line.size)} {each}"


def _branch_words(branch: str) -> str:
    digits = branch.strip().lstrip("№").strip()
    return number_words(int(digits)) if digits.isdigit() else branch.strip()


def speak_delivery(delivery: DeliveryLike, cost_uah: int = 0) -> str:
    """ "доставка Новою поштою у Львів, відділення двадцять три", "доставка кур'єром в Одесу за
    сто п'ятдесят гривень, за адресою ...", "самовивіз зі складу у Львові"."""
    method = str(getattr(delivery.method, "value", delivery.method))
    cost = f" за {speak_hryvnias(cost_uah, 'acc')}" if cost_uah else ""
    if method == "pickup":
        return f"самовивіз зі складу {in_city(delivery.city)}"
    if method == "courier":
        spoken = f"доставка кур'єром {to_city(delivery.city)}{cost}"
        address = getattr(delivery, "address", None)
        return f"{spoken}, за адресою {speak_address(address)}" if address else spoken
    spoken = f"доставка Новою поштою {to_city(delivery.city)}{cost}"
    return f"{spoken}, відділення {_branch_words(delivery.branch)}" if delivery.branch else spoken


def order_readback(
    lines: Sequence[LineLike],
    delivery: DeliveryLike,
    total_uah: int,
    *,
    delivery_cost_uah: int = 0,
    question: str = "Підтверджуєте?",
) -> str:
    """The whole order said back before it is placed, ending with the question.

    "Отже: чотири шини Michelin Alpin 6 двісті п'ять п'ятдесят п'ять ер шістнадцять по три
    тисячі двісті гривень, разом дванадцять тисяч вісімсот гривень, доставка Новою поштою у
    Львів, відділення двадцять три. Підтверджуєте?" With a delivery cost the total is said
    "разом з доставкою" and the delivery "за сто п'ятдесят гривень".
    Pickup has no delivery cost to say.
    """
    if not lines:
        raise ValueError("an order read-back needs at least one line")
    parts = [speak_line(line) for line in lines]
    together = "разом з доставкою" if delivery_cost_uah else "разом"
    parts.append(f"{together} {speak_hryvnias(total_uah)}")
    parts.append(speak_delivery(delivery, delivery_cost_uah))
    text = "Отже: " + ", ".join(parts) + "."
    return f"{text} {question}" if question else text


def booking_readback(
    centre_address: str,
    start: datetime,
    *,
    city: str | None = None,
    today: date | None = None,
    question: str = "Підтверджуєте?",
) -> str:
    """A fitting booking said back: "Отже: шиномонтаж у Львові, вулиця Городоцька, сто двадцять,
    у суботу, двадцять восьмого листопада, о десятій нуль-нуль. Підтверджуєте?"

    With `today`, near days are named too ("завтра, у середу, ...").
    """
    where = "шиномонтаж"
    if city:
        where += f" {in_city(city)}"
    text = f"Отже: {where}, {speak_address(centre_address)}, {speak_datetime(start, today=today)}."
    return f"{text} {question}" if question else text


# --- small pieces of read-backs ------------------------------------------------------------


