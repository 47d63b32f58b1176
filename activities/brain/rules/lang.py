"""The rules brain's words: what it recognises in the caller's turn and how it says things.

Parsing and speaking come from the shared `activities.brain.ukrainian` package; what that package
does not (yet) offer and only this brain needs lives here as small private helpers: the caller's
kind of turn (a prompt injection, rudeness, off-topic talk, a topic switch), a price limit, a
fitting time picked from those offered ("на перший" is a choice, "на першу" a time), and the
offered times said the way people say them ("завтра о десятій або о пів на дванадцяту").
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from activities.brain.ukrainian.intents import (  # noqa: F401 - re-exported for the scenario modules
    asks_availability,
    parse_choice,
    parse_quantity,
    says_goodbye,
    says_no,
    says_yes,
    wants_operator,
)
from activities.brain.ukrainian.numbers import (  # noqa: F401
    cardinal_value,
    number_tokens,
    number_words,
    ordinal_value,
    ordinal_words,
    plural_form,
    words_to_digits,
)
from activities.brain.ukrainian.phones import parse_order_number, parse_phone, speak_digits  # noqa: F401
from activities.brain.ukrainian.places import (  # noqa: F401
    in_city,
    parse_city,
    parse_delivery,
    parse_delivery_method,
    to_city,
)
from activities.brain.ukrainian.dates import MONTHS_GENITIVE, parse_date
from activities.brain.ukrainian.speech import hryvnias, pieces, speak_count  # noqa: F401
from activities.brain.ukrainian.sizes import parse_size_parts, parse_tire_size  # noqa: F401
from activities.brain.ukrainian.text import apply_correction, has_any, has_word, is_correction, normalise  # noqa: F401
from activities.brain.ukrainian.tires import parse_brand, parse_season, parse_studded  # noqa: F401
from activities.brain.ukrainian.vehicles import Vehicle, parse_vehicle  # noqa: F401

KYIV = ZoneInfo("Europe/Kyiv")

# --- speaking amounts -------------------------------------------------------------------------


def tires_words(count: int) -> str:
    """A number of tires in words: "чотири шини", "одна шина", "п'ять шин"."""
    return speak_count(count, "шина")


def days_words(days: int) -> str:
    return speak_count(days, "день")


# --- dates and times --------------------------------------------------------------------------

_WEEKDAYS_ACC = ("у понеділок", "у вівторок", "у середу", "у четвер", "у п'ятницю", "в суботу", "в неділю")


def today() -> date:
    return datetime.now(KYIV).date()


def date_words(day: date, *, relative_to: date | None = None, weekday: bool = False) -> str:
    """ "завтра", "двадцять шостого листопада", or with `weekday` "у четвер, двадцять шостого листопада"."""
    base = relative_to or today()
    delta = (day - base).days
    if delta == 0:
        return "сьогодні"
    if delta == 1:
        return "завтра"
    if delta == 2:
        return "післязавтра"
    words = f"{ordinal_words(day.day, 'gen_m')} {MONTHS_GENITIVE[day.month - 1]}"
    return f"{_WEEKDAYS_ACC[day.weekday()]}, {words}" if weekday else words


def time_words(hour: int, minute: int) -> str:
    """ "о десятій", "об одинадцятій", "о пів на дванадцяту", "о дев'ятій п'ятнадцять"."""
    if minute == 30 and hour < 23:
        return f"о пів на {ordinal_words(hour + 1, 'acc_f')}"
    at = ordinal_words(hour, "loc_f")
    preposition = "об" if at[0] in "аеєиіїоуюя" else "о"
    if minute == 0:
        return f"{preposition} {at}"
    return f"{preposition} {at} {number_words(minute)}"


def parse_iso(moment: str) -> datetime:
    parsed = datetime.fromisoformat(moment)
    return parsed.astimezone(KYIV) if parsed.tzinfo else parsed.replace(tzinfo=KYIV)


def slots_words(starts: list[str]) -> str:
    """Offered times, the day said once per day: "завтра о десятій або о пів на дванадцяту"."""
    parts: list[str] = []
    last_day: date | None = None
    for start in starts:
        moment = parse_iso(start)
        phrase = time_words(moment.hour, moment.minute)
        if moment.date() != last_day:
            phrase = f"{date_words(moment.date(), weekday=True)} {phrase}"
            last_day = moment.date()
        parts.append(phrase)
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " або " + parts[-1]


def parse_day(text: str, *, base: date | None = None) -> date | None:
    """A day the caller names: "завтра", "у суботу", "двадцять п'ятого", "через тиждень"."""
    return parse_date(text, base or today())


def parse_time(text: str) -> tuple[int, int] | None:
    """A time of day: "о десятій", "об одинадцятій тридцять", "о пів на дванадцяту", "10:30"."""
    norm = normalise(text.replace(":", " "))
    written = re.search(r"(?<!\d)([01]?\d|2[0-3]) ([0-5]\d)(?!\d)", text.replace(":", " "))
    if written and ":" in text:
        return int(written.group(1)), int(written.group(2))
    half = re.search(r"пів на (\S+)", norm)
    if half:
        hour = ordinal_value(half.group(1))
        if hour:
            return _daytime(hour - 1), 30
    tokens = number_tokens(norm)
    for i, token in enumerate(tokens):
        if token.text not in ("о", "об", "на", "до") or i + 1 >= len(tokens):
            continue
        hour_token = tokens[i + 1]
        if hour_token.value is None or not 1 <= hour_token.value <= 23:
            continue
        if not hour_token.ordinal and not hour_token.digits:
            continue
        if hour_token.ordinal:
            # a time is feminine (година): "о першій", "на десяту"; "на перший" is a choice
            wanted = ("ій",) if token.text in ("о", "об") else ("у", "ю")
            if not hour_token.text.endswith(wanted):
                continue
        minute = 0
        if i + 2 < len(tokens) and tokens[i + 2].value is not None and not tokens[i + 2].ordinal:
            if 0 <= tokens[i + 2].value < 60:
                minute = tokens[i + 2].value
        elif i + 2 < len(tokens) and tokens[i + 2].text in ("тридцять", "тридцяти"):
            minute = 30
        return _daytime(hour_token.value), minute
    return None


def _daytime(hour: int) -> int:
    """ "о першій", "о пів на третю": the afternoon, as nobody fits tires at 1 a.m."""
    return hour + 12 if 1 <= hour <= 7 else hour


# --- what kind of turn this is ----------------------------------------------------------------

_INJECTION = (
    "забудь", "ігноруй", "ігнорую", "проігноруй", "не зважай на", "інструкці", "промпт", "prompt",
    "системн", "адміністратор", "адмін", "розробник", "ти тепер", "тепер ти",
    "ти більше не", "jailbreak", "ignore", "developer",
)
_FREE = ("безкоштовн", "даром", "задарма", "за одну гривн", "по одній гривн", "по 1 гривн", "за 1 гривн", "за гривню")
_DISCOUNT = ("знижк", "скидк", "дешевше на", "відсотк", "процент")


def is_injection(text: str) -> bool:
    """An attempt to change the agent's rules or the store's prices ("забудь інструкції…")."""
    norm = normalise(text)
    if has_any(norm, _INJECTION) and not has_any(norm, ("відділенн",)):
        return True
    return has_any(norm, _FREE) or bool(re.search(r"\b1 гривн", norm))


def asks_discount(text: str) -> bool:
    return has_any(text, _DISCOUNT)


_RUDE = (
    "дурн", "ідіот", "идиот", "тупа", "тупий", "тупой", "дебіл", "дебил", "придур", "бовдур", "кретин",
    "заткн", "задовбал", "задовбав", "достал", "дістал", "бісиш", "бесиш", "бісить", "нахрін", "нафіг",
    "на фіг", "к чорту", "до біса", "чорт забирай", "лайно", "херн", "фігн", "ідіотськ", "безтолков",
    "бездар", "сволот", "мудак", "курва", "блін", "бля",
)


def is_rude(text: str) -> bool:
    return has_any(text, _RUDE)


_OFF_TOPIC = (
    "погод", "анекдот", "жарт", "футбол", "політик", "вибор", "рецепт", "курс долар", "курс євро",
    "долар", "біткоїн", "криптовалют", "гороскоп", "фільм", "серіал", "пісн", "вірш", "музик",
    "як справи", "як ти", "хто ти", "ти робот", "ти людина", "скільки тобі", "де ти", "кохаєш",
    "столиц", "новини", "казк", "гра ", "ігри", "математик", "домашн", "хто виграв", "президент",
)


def is_off_topic(text: str) -> bool:
    return has_any(text, _OFF_TOPIC)


_GREETINGS = ("добрий день", "доброго дня", "добрий вечір", "доброго ранку", "добрий ранок", "привіт", "вітаю", "здрастуйте", "здравствуйте")


_THANKS = ("дякую", "дякую вам", "спасибі", "дуже дякую", "добре дякую", "зрозуміло дякую", "дякую зрозуміло",
           "ясно дякую", "дякую гарно", "щиро дякую", "окей дякую", "зрозуміло", "ясно", "добре", "гаразд", "окей")


def is_thanks_only(text: str) -> bool:
    """ "Дякую." or "Зрозуміло." and nothing else: an answer needs no tool, only the next question."""
    return normalise(text) in _THANKS


def is_greeting_only(text: str) -> bool:
    norm = normalise(text)
    return bool(norm) and any(norm == g or norm.startswith(g) and len(norm) <= len(g) + 12 for g in _GREETINGS)


def wants_order_status(text: str) -> bool:
    """ "Де моє замовлення?", "статус замовлення сто тисяч один", "коли приїде посилка"."""
    norm = normalise(text)
    if has_any(norm, ("статус", "посилк", "накладн", "ттн", "відстеж", "трекінг")):
        return True
    if has_any(norm, ("замовлен", "замовив", "замовила", "замовляв", "замовляла")):
        return has_any(
            norm,
            ("де ", "де моє", "коли", "що з", "прийде", "приїде", "доставлят", "відправил", "стан", "дізнат",
             "перевір", "номер замовлення", "моє замовлення", "мого замовлення", "моїм замовленням",
             "замовив", "замовила", "замовляв", "замовляла", "вже"),
        ) and not wants_to_order(norm)
    return False


def wants_to_order(text: str) -> bool:
    """ "Оформіть замовлення", "хочу замовити", "беру першу", "купую"."""
    norm = normalise(text)
    if has_any(norm, ("оформ", "замовити", "замовлю", "замовляю", "замовимо", "купити", "куплю", "купую",
                      "придбати", "придбаю", "візьму", "беру", "берем", "беремо")):
        return not has_any(norm, ("оформлене", "оформлен", "вже замов"))
    return False


def wants_fitting(text: str) -> bool:
    return has_any(
        text,
        ("шиномонтаж", "монтаж", "перевзут", "перевзув", "переобут", "переобув", "перезут", "балансуван",
         "записатис", "записати мене", "запишіть мене", "запишіть на", "запис на", "заміну шин",
         "поміняти шин", "поміняти колес", "замінити шин", "заміна шин", "заміна колес", "сезонну заміну"),
    )


def wants_advice(text: str) -> bool:
    return has_any(
        text,
        ("порад", "порівня", "найтих", "найкращ", "найдешевш", "найекономн", "найбезпечн", "найнадійн",
         "краща", "кращий", "краще", "кращу", "різниц", "відрізня", "індекс", "шумн",
         "тихіш", "тиха", "тихий", "зчеплен", "мокр", "економн", "економіч", "пальн", "витрат", "що означа",
         "маркуванн", "етикетк", "надійн", "рекоменд", "яку обрати", "яку вибрати", "що вибрати", "що обрати"),
    )


def asks_studs_question(text: str) -> bool:
    """Studded or friction, as a question ("шипи чи липучка?"), not as a wish ("липучку, будь ласка")."""
    norm = normalise(text)
    both = has_any(norm, ("шип",)) and has_any(norm, ("липучк", "фрикц"))
    return both or (has_any(norm, ("шип", "липучк", "фрикц")) and wants_advice(norm))


def asks_index(text: str) -> bool:
    return has_any(text, ("індекс", "навантаж", "швидкіст", "що означа"))


def asks_season_suitability(text: str) -> bool:
    """ "Чи можна всесезонні взимку?", "а літні взимку підійдуть?": a question, not a wish."""
    norm = normalise(text)
    if has_any(norm, ("всесезон",)):
        return has_any(norm, ("зим", "чи можна", "підійд", "варто", "краще"))
    return has_any(norm, ("літн",)) and has_any(norm, ("взимку", "зимою", "зимой")) and has_any(
        norm, ("чи можна", "можна", "підійд", "нормально", "варто", "небезпечн")
    )


def parse_max_price(text: str) -> int | None:
    """A price limit per tire: "до трьох тисяч", "не дорожче 2500 гривень", "в межах чотирьох тисяч"
    (the understanding layer's `money.parse_max_price`)."""
    from activities.brain.ukrainian.money import parse_max_price as limit

    return limit(text)


def wants_cancel(text: str) -> bool:
    """The caller drops the order altogether: "ні, не треба", "передумав", "скасуйте"."""
    return has_word(
        text,
        ("не треба", "не потрібно", "не хочу", "не буду", "скасуйте", "скасувати", "скасуй", "передумав",
         "передумала", "не оформлюйте", "не оформляйте", "не будемо", "відмовляюсь", "відмовляюся"),
    )


def by_own_phone(text: str) -> bool:
    """ "За моїм номером", "не пам'ятаю номер", "подивіться за телефоном"."""
    return has_any(
        text,
        ("за телефон", "за моїм номер", "за номером телефон", "по телефон", "мій телефон", "не пам'ята",
         "не знаю номер", "не знаю", "немає номер", "нема номер", "не маю номер", "забув", "забула",
         "за цим номер", "з якого дзвоню", "з якого телефоную", "номер телефону"),
    )


def expand_address(address: str) -> str:
    """A centre's address as it is said: no "м. Київ, " prefix, "вул." → "вулиця"."""
    parts = [p.strip() for p in address.split(",")]
    if parts and parts[0].startswith("м. "):
        parts = parts[1:]
    spoken = ", ".join(parts)
    for short, full in (("вул.", "вулиця"), ("просп.", "проспект"), ("пров.", "провулок"), ("бул.", "бульвар"), ("пл.", "площа")):
        spoken = spoken.replace(short, full)
    return spoken


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]
