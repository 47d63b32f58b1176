"""Cities and delivery: what callers say, and the city forms the agent needs to say it back.

Cities are the store's names (store/geography.py), found in any case ("у Львові", "до Києва",
"з Дніпра"), in Russian or in Latin, by the understanding layer (`entities.extract_cities`), and
said back in the case a sentence needs by pymorphy3 (`inflect.inflect_place`). Delivery is the store's method ("nova_poshta", "courier",
"pickup") with the Nova Poshta branch number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from activities.brain.ukrainian.numbers import number_tokens
from activities.brain.ukrainian.text import apply_correction

DeliveryMethodName = Literal["nova_poshta", "courier", "pickup"]

_VOWELS = "аеєиіїоуюяaeiouАЕЄИІЇОУЮЯ"


def parse_city(text: str) -> str | None:
    """The store's name of the city said: "у Львові" → "Львів", "з Дніпра" → "Дніпро".

    With several cities the last one said wins ("не у Львові, а в Києві" → "Київ").
    """
    cities = parse_cities(apply_correction(text))
    return cities[-1] if cities else None


def parse_cities(text: str) -> list[str]:
    """Every city named, in the order said: the understanding layer's city slots (lemmas and the
    store's spellings, fuzzy above a cutoff), each once. The pipeline loads on first use: workflow
    code imports this module and must not pull the language libraries in with it."""
    from activities.brain.ukrainian.analyse import analyse
    from activities.brain.ukrainian.entities import extract_cities

    return list(dict.fromkeys(str(slot.value) for slot in extract_cities(analyse(text))))


def _preposition(word: str) -> str:
    """ «у» before a consonant, «в» before a vowel: "у Львові", "в Одесі"."""
    return "в" if word[:1] in _VOWELS else "у"


def _inflect(city: str, case: str) -> str:
    from activities.brain.ukrainian.inflect import inflect_place

    return inflect_place(city, case)


def city_genitive(city: str) -> str:
    """ "Київ" → "Києва" (до Києва); a city the dictionary lacks as it is."""
    return _inflect(city, "gent")


def city_accusative(city: str) -> str:
    return _inflect(city, "accs")


def city_locative(city: str) -> str:
    return _inflect(city, "loct")


def in_city(city: str) -> str:
    """ "у Львові", "в Одесі"."""
    form = city_locative(city)
    return f"{_preposition(form)} {form}"


def to_city(city: str) -> str:
    """ "у Львів", "в Одесу" (where a parcel goes)."""
    form = city_accusative(city)
    return f"{_preposition(form)} {form}"


_SIBILANTS = "зсцчшжщ"
_CONSONANTS = "бвгґджзклмнпрстфхцчшщ"


def from_city(city: str) -> str:
    """ "з Києва", "із Запоріжжя", "зі Львова" ("до Києва" is "до " + city_genitive)."""
    form = city_genitive(city)
    letters = form.lower().replace("ь", "")
    if letters[:1] in _SIBILANTS and letters[1:2] in _CONSONANTS or letters.startswith("лв"):
        preposition = "зі"
    elif letters[:1] in _SIBILANTS:
        preposition = "із"
    else:
        preposition = "з"
    return f"{preposition} {form}"


# --- delivery ---------------------------------------------------------------------------------

_NOVA_POSHTA = re.compile(
    r"(?<![\w'])(?:нов\w* пошт|нов\w* почт|нп\b|відділенн|отделени|поштомат|почтомат|nova poshta)"
)
_COURIER = re.compile(
    r"(?<![\w'])(?:кур'?єр|курьер|кур'?ер|адресн\w* доставк|до дверей|додому|на адресу|за адресою|до під'?їзду)"
)
_PICKUP = re.compile(
    r"(?<![\w'])(?:самовивіз|самовивоз|самовывоз|сам\w* забер|забер\w* сам|заберу|забрати сам|забрати зі склад"
    r"|забрати з склад|забрати на склад|зі складу|особисто забер)"
)
_BRANCH_WORDS = (
    "відділення", "відділенні", "відділенню", "отделение", "отделения", "поштомат", "поштомату", "почтомат",
)


@dataclass(frozen=True)
class DeliveryChoice:
    """What the caller said about delivery; any part may be missing."""

    method: DeliveryMethodName | None = None
    city: str | None = None
    branch: str | None = None  # Nova Poshta branch (or parcel locker) number, digits


def parse_delivery_method(text: str) -> DeliveryMethodName | None:
    """ "нова пошта", "відділення" → nova_poshta; "кур'єром" → courier; "самовивіз" → pickup."""
    norm = apply_correction(text)
    found = [
        (match.start(), method)
        for method, pattern in (("nova_poshta", _NOVA_POSHTA), ("courier", _COURIER), ("pickup", _PICKUP))
        if (match := pattern.search(norm))
    ]
    return max(found)[1] if found else None  # type: ignore[return-value]


def parse_branch(text: str) -> str | None:
    """The Nova Poshta branch: "відділення номер двадцять три", "двадцять третє відділення" → "23"."""
    tokens = number_tokens(apply_correction(text))
    for i, token in enumerate(tokens):
        if token.value is not None or not token.text.startswith(_BRANCH_WORDS):
            continue
        # after the word: "відділення номер 23", "відділення № 23"
        j = i + 1
        while j < len(tokens) and tokens[j].text in ("номер", "н", "no", "№", "нумер"):
            j += 1
        if j < len(tokens) and tokens[j].value is not None:
            return str(tokens[j].value) if not tokens[j].digits else tokens[j].text.lstrip("0") or "0"
        # before it, as an ordinal: "двадцять третє відділення"
        if i > 0 and tokens[i - 1].value is not None and tokens[i - 1].ordinal:
            return str(tokens[i - 1].value)
    return None


def parse_delivery(text: str) -> DeliveryChoice | None:
    """Method, city and branch as far as said; None if nothing about delivery was said."""
    branch = parse_branch(text)
    method = parse_delivery_method(text) or ("nova_poshta" if branch else None)
    city = parse_city(text)
    if method is None and city is None and branch is None:
        return None
    return DeliveryChoice(method, city, branch)
