"""Cities and delivery: what callers say, and the city forms the agent needs to say it back.

Cities are the store's names (store/geography.py), found in any case ("у Львові", "до Києва",
"з Дніпра"), in Russian or in Latin. Delivery is the store's method ("nova_poshta", "courier",
"pickup") with the Nova Poshta branch number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from activities.brain.ukrainian.numbers import number_tokens
from activities.brain.ukrainian.text import apply_correction, normalise

DeliveryMethodName = Literal["nova_poshta", "courier", "pickup"]

# The store's city → regular expression of its spoken forms (each alternative starts a word).
_CITY_PATTERNS: dict[str, str] = {
    "Київ": r"київ|києв|киев|киів|kyiv|kiev",
    "Львів": r"львів|львов|lviv|lvov",
    "Одеса": r"одес|odes",
    "Дніпро": r"дніпр|днепр|dnipr|dnepr",
    "Харків": r"харків|харков|харьк|kharkiv|kharkov",
    "Запоріжжя": r"запоріж|запорож|zaporizh|zaporozh",
    "Вінниця": r"вінниц|винниц|vinnyts",
    "Полтава": r"полтав|poltav",
    "Чернігів": r"чернігів|чернігов|чернигов|chernihiv",
    "Житомир": r"житомир|zhytomyr",
    "Рівне": r"рівне\b|рівного\b|рівному\b|рівнім\b|rivne",
    "Луцьк": r"луцьк|луцк|lutsk",
    "Тернопіль": r"тернопіл|тернопол|ternopil",
    "Івано-Франківськ": r"івано франків|ивано франков|франківськ|франковськ|франику|франик\b|ivano",
    "Ужгород": r"ужгород|uzhhorod",
    "Чернівці": r"чернівц|черновц|chernivts",
    "Хмельницький": r"хмельниц|khmelnyts",
    "Черкаси": r"черкас|cherkas",
    "Суми": r"суми\b|сумах\b|сумам\b|сум\b|сумы\b|sumy",
    "Кропивницький": r"кропивниц|kropyvnyts",
    "Миколаїв": r"миколаїв|миколаєв|николаев|mykolaiv",
    "Херсон": r"херсон|kherson",
    "Кривий Ріг": r"крив\w* (?:ріг|рог|розі|рогу|роге)|kryvyi rih",
    "Біла Церква": r"біл\w* церкв|бел\w* церк|bila tserkva",
    "Бровари": r"бровар|brovary",
    "Ірпінь": r"ірпін|ірпен|ирпен|irpin",
    "Кременчук": r"кременчу|kremenchuk",
    "Мукачево": r"мукачев|mukachevo",
}
_CITY_RES = {city: re.compile(rf"(?<![\w'])(?:{pattern})") for city, pattern in _CITY_PATTERNS.items()}

# Forms for speaking: (genitive «до Києва», accusative «у Київ», locative «у Києві»).
CITY_FORMS: dict[str, tuple[str, str, str]] = {
    "Київ": ("Києва", "Київ", "Києві"),
    "Львів": ("Львова", "Львів", "Львові"),
    "Одеса": ("Одеси", "Одесу", "Одесі"),
    "Дніпро": ("Дніпра", "Дніпро", "Дніпрі"),
    "Харків": ("Харкова", "Харків", "Харкові"),
    "Запоріжжя": ("Запоріжжя", "Запоріжжя", "Запоріжжі"),
    "Вінниця": ("Вінниці", "Вінницю", "Вінниці"),
    "Полтава": ("Полтави", "Полтаву", "Полтаві"),
    "Чернігів": ("Чернігова", "Чернігів", "Чернігові"),
    "Житомир": ("Житомира", "Житомир", "Житомирі"),
    "Рівне": ("Рівного", "Рівне", "Рівному"),
    "Луцьк": ("Луцька", "Луцьк", "Луцьку"),
    "Тернопіль": ("Тернополя", "Тернопіль", "Тернополі"),
    "Івано-Франківськ": ("Івано-Франківська", "Івано-Франківськ", "Івано-Франківську"),
    "Ужгород": ("Ужгорода", "Ужгород", "Ужгороді"),
    "Чернівці": ("Чернівців", "Чернівці", "Чернівцях"),
    "Хмельницький": ("Хмельницького", "Хмельницький", "Хмельницькому"),
    "Черкаси": ("Черкас", "Черкаси", "Черкасах"),
    "Суми": ("Сум", "Суми", "Сумах"),
    "Кропивницький": ("Кропивницького", "Кропивницький", "Кропивницькому"),
    "Миколаїв": ("Миколаєва", "Миколаїв", "Миколаєві"),
    "Херсон": ("Херсона", "Херсон", "Херсоні"),
    "Кривий Ріг": ("Кривого Рогу", "Кривий Ріг", "Кривому Розі"),
    "Біла Церква": ("Білої Церкви", "Білу Церкву", "Білій Церкві"),
    "Бровари": ("Броварів", "Бровари", "Броварах"),
    "Ірпінь": ("Ірпеня", "Ірпінь", "Ірпені"),
    "Кременчук": ("Кременчука", "Кременчук", "Кременчуці"),
    "Мукачево": ("Мукачева", "Мукачево", "Мукачеві"),
}
CITIES: tuple[str, ...] = tuple(_CITY_PATTERNS)

_VOWELS = "аеєиіїоуюяaeiouАЕЄИІЇОУЮЯ"


def parse_city(text: str) -> str | None:
    """The store's name of the city said: "у Львові" → "Львів", "з Дніпра" → "Дніпро".

    With several cities the last one said wins ("не у Львові, а в Києві" → "Київ").
    """
    cities = parse_cities(apply_correction(text))
    return cities[-1] if cities else None


def parse_cities(text: str) -> list[str]:
    """Every city named, in the order said."""
    norm = normalise(text)
    found: list[tuple[int, str]] = []
    for city, pattern in _CITY_RES.items():
        for match in pattern.finditer(norm):
            found.append((match.start(), city))
    return list(dict.fromkeys(city for _, city in sorted(found)))


def _preposition(word: str) -> str:
    """ «у» before a consonant, «в» before a vowel: "у Львові", "в Одесі"."""
    return "в" if word[:1] in _VOWELS else "у"


def city_genitive(city: str) -> str:
    """ "Київ" → "Києва" (до Києва); an unknown city as it is."""
    return CITY_FORMS.get(city, (city, city, city))[0]


def city_accusative(city: str) -> str:
    return CITY_FORMS.get(city, (city, city, city))[1]


def city_locative(city: str) -> str:
    return CITY_FORMS.get(city, (city, city, city))[2]


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
