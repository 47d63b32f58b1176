"""The understanding layer's entry point: an utterance in, typed slots out.

    understand(text, today=…, caller_number=…) -> Understanding

A small pipeline, each step in its own module:

1. normalise (`text.normalise`): lower case, one apostrophe, no punctuation; fillers ("ну",
   "е-е", "короче", "значить") dropped (`text.drop_fillers`);
2. analyse (`analyse.analyse`): words with offsets, lemmas and grammemes from pymorphy3 (the
   Ukrainian dictionary, the Russian one for surzhyk), cached per word and per text;
3. extract: `entities` (vehicle, city, brand, model: the store's names by lemma + rapidfuzz),
   `sizes`, `money`, `phones`, `dates` (the numeric half), `tires` (season, studs), `places`
   (branch), `intents` (what the turn is for) and quantity.

Every extractor returns `Slot`s (slots.py). The result is cached per (text, today, caller), so
the brain, the workflow and the corpus may ask as often as they like at no cost.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Any, Callable

from activities.brain.ukrainian import entities
from activities.brain.ukrainian.slots import Slot, Understanding
from activities.brain.ukrainian.text import normalise

# What the turn is for, in the order they are decided (the first that holds is the intent).
INTENTS = (
    "hearing_check", "goodbye", "operator", "operator_topic", "order_status", "fitting", "compare", "quieter", "advice",
    "order", "availability", "yes", "no", "greeting", "thanks",
)

_FILLERS = re.compile(r"(?<![\w'])(?:ну|е+|е-е|ем+|м+|ммм|короче|значить|типу|коротше|так би мовити)(?![\w'])")


# "Е-Гольф", "е-трон", "Е-класі": the letter of a model's name, not the filler "е" ("е-е" is).
_E_PREFIX = re.compile(r"(?<![\w'])([еЕeE])-(?![еЕ](?:[\W]|$))(?=\w)")


def drop_fillers(norm: str) -> str:
    """The normalised text without hesitation words ("ну е-е короче на туксон" → "на туксон")."""
    return re.sub(r"\s+", " ", _FILLERS.sub(" ", normalise(norm))).strip()


def _analyse(text: str) -> Any:
    try:
        from activities.brain.ukrainian.analyse import analyse
    except ImportError:  # the analyse step not in this tree yet: words without lemmas
        return _plain_analysis(normalise(text))
    return analyse(text)


def _plain_analysis(norm: str) -> Any:
    from types import SimpleNamespace

    words, pos = [], 0
    for token in norm.split():
        start = norm.index(token, pos)
        pos = start + len(token)
        words.append(SimpleNamespace(text=token, start=start, end=pos, lemmas=(token,), lemma=token, known=False,
                                     has=lambda *_: False))
    return SimpleNamespace(text=norm, words=tuple(words), lemma_set=lambda: frozenset(w.text for w in words))


def understand(text: str, *, today: date | None = None, caller_number: str | None = None) -> Understanding:
    """Typed slots of one caller utterance (see slots.py for the canonical values)."""
    return _understand(text, today, caller_number)


@lru_cache(maxsize=2048)
def _understand(text: str, today: date | None, caller_number: str | None) -> Understanding:
    from activities.brain.ukrainian.text import apply_correction

    meant = drop_fillers(apply_correction(_E_PREFIX.sub(r"\1", text)))
    analysis = _analyse(meant)
    norm = analysis.text
    slots: dict[str, Slot] = {}

    def put(slot: Slot | None) -> None:
        if slot is not None and slot.name not in slots:
            slots[slot.name] = slot

    vehicle = entities.extract_vehicle(analysis)
    put(vehicle)
    put(entities.extract_city(analysis))
    brand, _ = entities.extract_brand(analysis)
    put(brand)
    put(entities.extract_model(analysis, brand.value if brand else None))
    if "model" in slots and "brand" not in slots:
        owner = next((b for b, line, _ in entities.brand_indexes()[1] if line == slots["model"].value), None)
        if owner:
            put(Slot(name="brand", value=owner, span=slots["model"].span, confidence=slots["model"].confidence))
    for slot in _numeric(norm, analysis, today=today, caller_number=caller_number, said=text):
        put(slot)
    vehicle_model = (vehicle.value.get("model") or "") if vehicle else ""
    if "quantity" in slots and str(slots["quantity"].value) in vehicle_model.split():
        del slots["quantity"]  # "мазда шість" is a Mazda 6, not six tires
    for slot in _tires(norm):
        put(slot)
    for slot in _orders_and_delivery(norm):
        put(slot)
    intent = _intent(text, norm, analysis)
    if intent:
        put(Slot(name="intent", value=intent, span=(0, len(norm))))
    return Understanding(text=norm, slots=slots)


def _whole(name: str, value: Any, norm: str, confidence: float = 1.0) -> Slot:
    return Slot(name=name, value=value, span=(0, len(norm)), confidence=confidence)


def _numeric(norm: str, analysis: Any, *, today: date | None, caller_number: str | None, said: str = "") -> list[Slot]:
    """The numeric half (H2a's extractors where they exist; the current parsers otherwise)."""
    out: list[Slot] = []
    for module, name in (("sizes", "extract_size"), ("money", "extract_max_price"), ("phones", "extract_phone"),
                         ("phones", "extract_order_number"), ("dates", "extract_when"), ("dates", "extract_date"),
                         ("dates", "extract_time"), ("dates", "extract_part_of_day")):
        extractor = _optional(module, name)
        if extractor is None:
            continue
        try:
            found = extractor(analysis, today=today) if module == "dates" else extractor(analysis)
        except Exception:  # noqa: BLE001 - a half-landed extractor must not break a turn
            continue
        out.extend(found if isinstance(found, (list, tuple)) else [found] if found else [])
    names = {s.name for s in out}
    if "size" not in names:
        from activities.brain.ukrainian.sizes import parse_size_parts

        parts = parse_size_parts(norm)
        if parts is not None:
            value = {"width": parts.width, "profile": parts.profile, "rim": parts.rim}
            if any(v is not None for v in value.values()):
                out.append(_whole("size", value, norm))
    if "max_price" not in names:
        from activities.brain.rules.lang import parse_max_price

        price = parse_max_price(norm)
        if price:
            out.append(_whole("max_price", price, norm))
    if "phone" not in names:
        from activities.brain.ukrainian.phones import parse_phone

        phone = parse_phone(norm)
        if phone:
            out.append(_whole("phone", phone, norm))
    if "order_number" not in names and "size" not in {s.name for s in out}:
        from activities.brain.ukrainian.phones import parse_order_number

        number = parse_order_number(norm)
        if number:
            out.append(_whole("order_number", number, norm))
    if not {"phone", "order_number"} & {s.name for s in out} and caller_number and _by_own_line(norm):
        from activities.brain.ukrainian.phones import normalise_phone

        own = normalise_phone(caller_number)
        if own:
            out.append(_whole("phone", own, norm))  # "моїм номером", "з якого дзвоню": the caller id
    names = {s.name for s in out}
    if not {"date", "time", "part_of_day"} & names:
        out.extend(_when(said or norm, norm, today or date.today()))
    from activities.brain.ukrainian.intents import parse_quantity

    quantity = parse_quantity(norm)
    other_numbers = {"max_price", "phone", "order_number", "time", "date"} & {s.name for s in out}
    if quantity and (not other_numbers or _QUANTITY_WORDS.search(norm)):
        out.append(_whole("quantity", quantity, norm))  # "до двох з половиною тисяч" is no quantity
    return out


_QUANTITY_WORDS = re.compile(r"(?<![\w'])(?:шт|штук\w*|шин\w*|колес\w*|скат\w*|комплект\w*|пар[аиу]?|парочку)(?![\w'])")
_PARTS_OF_DAY = (("morning", (9, 12)), ("afternoon", (13, 18)), ("evening", (17, 20)))


def _when(said: str, norm: str, today: date) -> list[Slot]:
    """Day, time and part of the day from dates.parse_when, until dates.py has its own extractors.

    `said` keeps what normalising removes: a written "13:30" is a time only with its colon."""
    from activities.brain.ukrainian.dates import parse_when

    when = parse_when(said, today)
    if when is None:
        return []
    out = []
    if when.day is not None:
        out.append(_whole("date", when.day.isoformat(), norm))
    if when.time is not None:
        out.append(_whole("time", when.time.strftime("%H:%M"), norm))
    if when.window is not None:
        hours = (when.window.start.hour, when.window.end.hour)
        part = next((name for name, span in _PARTS_OF_DAY if span == hours), None)
        if part is None and hours[0] < 13:
            part = "morning"
        out.append(_whole("part_of_day", part or "afternoon", norm))
    return out


@lru_cache(maxsize=None)
def _optional(module: str, name: str) -> Callable[..., Any] | None:
    try:
        mod = __import__(f"activities.brain.ukrainian.{module}", fromlist=[name])
    except ImportError:
        return None
    return getattr(mod, name, None)


def _by_own_line(norm: str) -> bool:
    """ "моїм номером", "за номером, з якого я дзвоню", "по моєму телефону", "по моему номеру"."""
    from activities.brain.rules.lang import by_own_phone

    if by_own_phone(norm):
        return True
    analysis = _analyse(norm)
    lemmas = analysis.lemma_set() if hasattr(analysis, "lemma_set") else frozenset(norm.split())
    line = lemmas & {"номер", "телефон", "мобільний", "мобільного"}
    own = lemmas & {"мій", "мой", "свій", "цей", "этот", "дзвонити", "звонить", "телефонувати"}
    return bool(line and own)


def _tires(norm: str) -> list[Slot]:
    from activities.brain.ukrainian.tires import parse_season, parse_studded

    out = []
    season = parse_season(norm) or _season_by_sound(norm) or (
        "all_season" if re.search(r"(?<![\w'])(?:на )?(?:весь|цілий|круглий|увесь) рік", norm) else None
    )
    if season:
        out.append(_whole("season", season, norm))
    studded = parse_studded(norm)
    if studded is not None:
        out.append(_whole("studded", studded, norm))
    return out


@lru_cache(maxsize=1)
def _season_keys() -> tuple[tuple[str, str], ...]:
    from activities.brain.ukrainian.fuzzy import phonetic
    from activities.brain.ukrainian.tires import SEASON_WORDS

    return tuple(
        (phonetic(stem), season) for season, stems in SEASON_WORDS.items() for stem in stems if len(stem) >= 4
    )


def _season_by_sound(norm: str) -> str | None:
    """A season word spelt as heard ("зімня", "лєтні"): its phonetic key starts like a season stem's."""
    from activities.brain.ukrainian.fuzzy import phonetic

    for word in norm.split():
        key = phonetic(word)
        for stem, season in _season_keys():
            if len(key) >= 4 and key.startswith(stem):
                return season
    return None


def _orders_and_delivery(norm: str) -> list[Slot]:
    from activities.brain.ukrainian.places import parse_branch

    branch = parse_branch(norm)
    return [_whole("branch", branch, norm)] if branch else []


# "Мене чути?", "ви мене чуєте?", "вас не чути", "меня слышно?" (a bare "алло, алло" is not a question).
_HEARING = frozenset({"чути", "чуєте", "чуєш", "чую", "слышно", "слышите", "слышишь", "чутно"})
_CURT_BYE = frozenset({"бувай", "бувайте", "бувай", "давай", "пока", "все", "всё", "годі", "досить", "прощавайте"})


def _intent(raw: str, norm: str, analysis: Any) -> str | None:
    from activities.brain.rules import lang

    words = norm.split()
    lemmas = analysis.lemma_set() if hasattr(analysis, "lemma_set") else frozenset(words)
    if words and (set(words) & _HEARING or lemmas & {"чути", "слышать"}) and len(words) <= 7 and not _has_request(norm):
        return "hearing_check"
    if set(words) & {"бувай", "бувайте", "пока", "прощавай", "прощавайте", "бай"} and not _has_request(norm):
        return "goodbye"  # "та ну, дорого. все, бувай", "ок, давай, пока"
    if words and set(words) <= _CURT_BYE | {"дякую", "вже", "ну", "та", "нічого", "не", "треба", "і", "до", "побачення"} and (
        set(words) & {"бувай", "бувайте", "пока", "прощавайте", "побачення"} or words in (["все"], ["все", "все"])
    ):
        return "goodbye"
    if lang.says_goodbye(norm):
        return "goodbye"
    if lang.wants_operator(norm):
        return "operator"
    if lemmas & _OPERATOR_TOPICS:
        return "operator_topic"  # returns, warranty, complaints: a person decides those
    if lang.wants_order_status(norm) or (lemmas & {"заказ", "замовлення", "посилка"} and (
        set(words) & {"де", "где", "статус", "коли", "когда", "що", "что", "робила", "робив", "делал", "делала"}
    ) and not lang.wants_to_order(norm)):
        return "order_status"
    if lang.wants_fitting(norm) or (lemmas & {"записати", "записатися", "запис"} and (
        lemmas & _DAY_WORDS or entities.extract_city(analysis) is not None
    ) and not _has_phone(norm)):
        return "fitting"  # "запишіть у Дніпрі на вівторок": a booking, not an order detail
    brands = entities.extract_brand(analysis)[1]
    if len(brands) >= 2 and (lemmas & {"порівняти", "різниця", "кращий", "краще", "чи", "або", "відрізнятися"}):
        return "compare"
    if lemmas & {"тихий", "тихіший", "найтихіший", "шумний", "шум", "тихо"}:
        return "quieter"
    if lang.wants_advice(norm):
        return "advice"
    if lang.wants_to_order(norm):
        return "order"
    if lang.asks_availability(norm):
        return "availability"
    if lang.says_yes(norm):
        return "yes"
    if lang.says_no(norm):
        return "no"
    if lang.is_greeting_only(norm):
        return "greeting"
    if lang.is_thanks_only(norm):
        return "thanks"
    return None


_DAY_WORDS = frozenset({
    "понеділок", "вівторок", "середа", "четвер", "п'ятниця", "субота", "неділя", "завтра", "післязавтра",
    "сьогодні", "ранок", "зранку", "вечір", "обід",
})


def _has_phone(norm: str) -> bool:
    from activities.brain.ukrainian.phones import parse_phone

    return parse_phone(norm) is not None


_OPERATOR_TOPICS = frozenset({
    "повернути", "повернення", "гарантія", "гарантійний", "брак", "бракований", "скарга", "поскаржитися",
    "рекламація", "возврат", "вернуть", "гарантия", "жалоба", "грижа",
})


def _has_request(norm: str) -> bool:
    """A hearing check that carries a real request ("алло, мені потрібні шини") is that request."""
    return any(w in norm for w in ("шин", "гум", "колес", "замовлен", "монтаж", "розмір", "оператор"))


__all__ = ["INTENTS", "drop_fillers", "understand"]
