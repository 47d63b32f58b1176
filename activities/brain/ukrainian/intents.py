"""What the caller wants: yes or no, an operator, availability, goodbye, which option, how many.

`classify_confirmation` decides whether an order or a booking is really confirmed, so it is
strict: "yes" only when every word of the answer is a plain agreement (or DTMF 1), "no" on a
refusal, a wait or a correction, and "unclear" for anything else, including questions, hedges
and answers that mix agreement with anything new.
"""

from __future__ import annotations

import re
from typing import Literal

from activities.brain.ukrainian.numbers import number_tokens
from activities.brain.ukrainian.places import parse_city
from activities.brain.ukrainian.sizes import parse_size_parts
from activities.brain.ukrainian.text import has_any, has_word, is_correction, normalise

Confirmation = Literal["yes", "no", "unclear"]


def wants_operator(text: str) -> bool:
    return has_any(text, ("оператор", "людин", "менеджер", "консультант", "з'єднайте", "живою", "живим"))


def asks_availability(text: str) -> bool:
    """"Чи є в наявності?", "є на складі?", "а є у Львові?" (but not "є варіанти дешевше?")."""
    if has_any(text, ("наявн", "склад", "скільки є", "доставк", "коли можна", "забрат")):
        return True
    return has_word(text, ("є",)) and parse_city(text) is not None


def says_goodbye(text: str) -> bool:
    return has_any(
        text, ("до побачення", "бувайте", "на все добре", "це все", "більше нічого", "дякую все", "все дякую")
    )


def says_no(text: str) -> bool:
    return has_word(text, ("ні", "не треба", "не потрібно", "нічого"))


def says_yes(text: str) -> bool:
    return has_word(text, ("так", "давайте", "добре", "звісно", "звичайно", "ага", "угу", "підтверджую"))


_ORDINALS = {
    0: ("перш", "перший варіант", "першу"),
    1: ("друг",),
    2: ("трет",),
}


def parse_choice(text: str) -> int | None:
    """Which of the offered options the caller means: "перший", "другу", "третій" → 0, 1, 2."""
    return next((index for index, stems in _ORDINALS.items() if has_any(text, stems)), None)


# --- confirmation ------------------------------------------------------------------------------

# Words that say yes on their own.
_YES = frozenset(
    {
        "так", "да", "ага", "угу", "мгм", "звісно", "звичайно", "конечно", "авжеж", "підтверджую",
        "підтверджуємо", "оформлюйте", "оформляйте", "оформіть", "оформлюємо",
        "оформляємо", "оформлюй", "оформляй", "оформлю", "замовляю", "замовляємо", "беру", "беремо",
        "згоден", "згодна", "згодні", "вірно", "правильно", "верно", "гаразд", "добре", "хорошо",
        "окей", "ок", "ok", "okay", "yes", "давайте", "давай", "домовились", "домовилися", "підходить",
        "влаштовує", "чудово", "відмінно", "супер", "точно", "підтвердити",
    }
)
# Words that may come with a yes without changing it ("так, все вірно, дякую").
_FILLER = frozenset(
    {
        "ну", "все", "усе", "всьо", "будь", "ласка", "дякую", "дякуємо", "спасибі", "спасибо", "мені",
        "нам", "це", "саме", "абсолютно", "цілком", "дуже", "вже", "уже", "і", "й", "та", "а", "я",
        "ми", "його", "її", "їх", "замовлення", "замовленя", "що", "можна", "можете", "пожалуйста",
        "прошу", "от", "ось", "отак", "ще", "раз",
        "бронюйте", "записуйте", "запишіть", "годиться", "хай", "буде", "нехай", "вас",
    }
)
# Refusals, waits and second thoughts: the order must not be placed.
_NO_WORDS = (
    "ні", "нє", "нет", "ноу", "no", "стоп", "стій", "стійте", "скасувати", "скасуйте", "скасуй",
    "скасовую", "скасуємо", "відміна", "відмінити", "відмініть", "відміняю", "отмена", "отменить",
    "зачекайте", "зачекай", "почекайте", "почекай", "стривайте", "хвилинку", "хвилиночку",
    "секунду", "секундочку", "момент", "передумав", "передумала", "передумали", "пізніше",
    "неправильно", "невірно", "відмовляюсь", "відмовляюся", "подождите", "погодите", "неверно",
)
_NO_PHRASES = (
    "не треба", "не потрібно", "не надо", "не хочу", "не буду", "не будемо", "не зараз", "не так",
    "не оформлюйте", "не оформляйте", "не підтверджую", "не згоден", "не згодна", "не вірно",
    "не правильно", "не замовляю", "не беру", "не давайте", "не підходить", "не влаштовує",
    "не потрібне", "не то", "не те", "не той", "не та",
)
# Doubt: never a yes, whatever else is said; a "не X, а Y" said in doubt is not a correction.
_DOUBTS = (
    "мабуть", "напевно", "напевне", "можливо", "може", "думаю", "подумаю", "подумати", "не знаю",
    "не впевнений", "не впевнена", "хіба", "наче", "ніби", "не зовсім", "хм", "ммм", "еее",
    "наверное", "не уверен", "мб",
)
# Conditions: a yes with one of these asks for something more.
_HEDGES = (*_DOUBTS, "якщо", "але", "тільки", "лише", "проте", "однак")


def classify_confirmation(text: str | None, dtmf: str | None = None) -> Confirmation:
    """Did the caller confirm what was read back to them? "yes", "no" or "unclear".

    DTMF "1" is yes and "2" is no (unless the words say the opposite: then unclear). Words:
    "так", "да", "ага", "звісно", "підтверджую", "так, оформлюйте" are yes; "ні", "не треба",
    "стоп", "скасувати", "зачекайте" are no, and so is a correction ("ні, не шістнадцять, а
    сімнадцять": what was read back is not what the caller wants). Anything doubtful — a
    question, a hedge, yes and no together, a yes with words that add something — is unclear.
    """
    words_said = classify_words(text or "")
    key = (dtmf or "").strip()
    if key == "1":
        return "unclear" if words_said == "no" else "yes"
    if key == "2":
        return "unclear" if words_said == "yes" else "no"
    if key:
        return "unclear"
    return words_said


def classify_words(text: str) -> Confirmation:
    """ `classify_confirmation` for spoken words alone."""
    if not text.strip():
        return "unclear"
    norm = normalise(text)
    hedge = has_word(norm, _HEDGES)
    if is_correction(text) and not has_word(norm, _DOUBTS) and "?" not in text:
        return "no"
    said = norm.split()
    no = any(w in _NO_WORDS for w in said) or has_word(norm, _NO_PHRASES)
    # "не" before a yes word negates it: "не підтверджую", "не добре"
    negated_yes = any(said[i] == "не" and said[i + 1] in _YES for i in range(len(said) - 1))
    yes = any(w in _YES for w in said)
    if no or negated_yes:
        return "unclear" if (yes and not negated_yes) else "no"
    if not yes or hedge or "?" in text or "не" in said:
        return "unclear"
    if all(w in _YES or w in _FILLER for w in said):
        return "yes"
    return "unclear"


# --- quantity ----------------------------------------------------------------------------------

_UNIT_NOUNS = ("шт", "штук", "шин", "колес", "колеса", "скат", "покришк", "покрышк", "резин")
_SET_WORDS = ("комплект", "компл")
_PAIR_WORDS = ("пара", "пару", "пари", "пар", "парочку")
_QUANTITY_MAX = 20


def parse_quantity(text: str) -> int | None:
    """How many tires: "чотири", "4 штуки", "комплект" (4), "два комплекти" (8), "пару" (2), "дві".

    A bare number counts only when nothing else numeric was said (sizes and rims are left out),
    so "на шістнадцять" is a rim, not sixteen tires. None when no quantity was said.
    """
    parts = parse_size_parts(text)
    tokens = number_tokens(normalise(text))
    size_values = {v for v in ((parts.width, parts.profile, parts.rim) if parts else ()) if v is not None}
    for i, token in enumerate(tokens):
        if token.value is None or token.ordinal:
            continue
        following = tokens[i + 1].text if i + 1 < len(tokens) and tokens[i + 1].value is None else ""
        if following.startswith(_SET_WORDS):
            return _checked(token.value * 4)
        if following in _PAIR_WORDS:
            return _checked(token.value * 2)
        if following.startswith(_UNIT_NOUNS):
            return _checked(token.value)
    norm = normalise(text)
    if has_any(norm, ("півкомплект", "пів комплект", "половин")):
        return 2
    if has_any(norm, _SET_WORDS) or has_word(norm, ("всі чотири", "усі чотири", "на всі колеса")):
        return 4
    if has_word(norm, ("пару", "пара", "парочку")):
        return 2
    numbers = [i for i, t in enumerate(tokens) if t.value is not None and not t.ordinal]
    if len(numbers) == 1 and not size_values:
        i = numbers[0]
        before = tokens[i - 1].text if i > 0 else ""
        if before in ("на", "о", "об", "до", "номер", "відділення", "за", "через"):
            return None  # a rim, a time, a branch, a price: not a count
        return _checked(tokens[i].value)
    return None


def _checked(count: int | None) -> int | None:
    return count if count is not None and 1 <= count <= _QUANTITY_MAX else None
