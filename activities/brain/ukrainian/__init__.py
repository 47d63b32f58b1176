"""Ukrainian for the phone, both ways: understanding what callers say, and text for the voice.

Input is what a recognizer returns: lower or mixed case, digits or number words, any apostrophe
(' ’ ʼ), with or without punctuation. Everything here is pure, deterministic and cheap (no clock,
no randomness, no I/O), so the workflow may use it as well as the brains.

    text       normalise, corrections ("не X, а Y")
    numbers    number words ⇄ numbers, ordinals, agreement
    sizes      tire sizes, whole or in part; a size read aloud
    tires      seasons, studs, brands
    vehicles   car makes, models and years
    phones     phone and order numbers, heard and read back
    places     cities and delivery
    intents    yes/no/unclear, operator, availability, goodbye, choice, quantity
    dates      days and times, heard and said
    speech     prices, counts, addresses, order and booking read-backs
    understanding  the pipeline's entry point: normalise → analyse → extract, typed Slots (slots.py)
    entities   the store's cars, cities, brands and tire lines by lemma + fuzzy match (fuzzy.py)
"""

from __future__ import annotations

from activities.brain.ukrainian.dates import (
    MONTHS_GENITIVE,
    WEEKDAYS,
    TimeWindow,
    When,
    parse_date,
    parse_time,
    parse_time_window,
    parse_when,
    speak_date,
    speak_datetime,
    speak_time,
    speak_weekday,
)
from activities.brain.ukrainian.intents import (
    Confirmation,
    asks_availability,
    classify_confirmation,
    classify_words,
    parse_choice,
    parse_quantity,
    says_goodbye,
    says_no,
    says_yes,
    wants_operator,
)
from activities.brain.ukrainian.numbers import (
    Token,
    cardinal_value,
    digit_group_words,
    group_digits,
    number_tokens,
    number_words,
    ordinal_value,
    ordinal_words,
    parse_number,
    plural_form,
    words_to_digits,
)
from activities.brain.ukrainian.phones import (
    national_digits,
    normalise_phone,
    parse_order_number,
    parse_phone,
    phone_tail_words,
    speak_digits,
    speak_masked_phone,
    speak_order_number,
    speak_phone,
)
from activities.brain.ukrainian.places import (
    CITIES,
    CITY_FORMS,
    DeliveryChoice,
    city_accusative,
    city_genitive,
    city_locative,
    from_city,
    in_city,
    parse_branch,
    parse_cities,
    parse_city,
    parse_delivery,
    parse_delivery_method,
    to_city,
)
from activities.brain.ukrainian.sizes import (
    SizeParts,
    TireSize,
    parse_rim,
    parse_size_parts,
    parse_tire_size,
    size_from_text,
    speak_rim,
    speak_tire_size,
)
from activities.brain.ukrainian.speech import (
    NOUNS,
    Noun,
    ReadbackDelivery,
    ReadbackLine,
    agree,
    booking_readback,
    count_in_digits,
    hryvnias,
    order_readback,
    pieces,
    speak_address,
    speak_count,
    speak_delivery,
    speak_hryvnias,
    speak_line,
)
from activities.brain.ukrainian.text import (
    apply_correction,
    has_any,
    has_word,
    is_correction,
    normalise,
    parse_correction,
    sounds_unfinished,
    split_correction,
)
from activities.brain.ukrainian.tires import (
    BRANDS,
    SEASON_WORDS,
    SeasonName,
    parse_brand,
    parse_brands,
    parse_season,
    parse_studded,
)
from activities.brain.ukrainian.vehicles import (
    MAKES,
    MODELS,
    Vehicle,
    parse_vehicle,
    parse_year,
)

__all__ = [
    "Slot", "Understanding", "understand",
    "sounds_unfinished",
    "BRANDS", "CITIES", "CITY_FORMS", "MAKES", "MODELS", "MONTHS_GENITIVE", "NOUNS", "SEASON_WORDS",
    "WEEKDAYS", "Confirmation", "DeliveryChoice", "Noun", "ReadbackDelivery", "ReadbackLine",
    "SeasonName", "SizeParts", "TimeWindow", "TireSize", "Token", "Vehicle", "When", "agree",
    "apply_correction", "asks_availability", "booking_readback", "cardinal_value", "city_accusative",
    "city_genitive", "city_locative", "classify_confirmation", "classify_words", "count_in_digits",
    "digit_group_words", "from_city",
    "group_digits", "has_any", "has_word", "hryvnias", "in_city", "is_correction", "national_digits",
    "normalise", "normalise_phone", "number_tokens", "number_words",
    "order_readback", "ordinal_value", "ordinal_words", "parse_branch", "parse_brand", "parse_brands",
    "parse_choice", "parse_cities", "parse_city", "parse_correction", "parse_date", "parse_delivery",
    "parse_delivery_method", "parse_number", "parse_order_number", "parse_phone", "parse_quantity",
    "parse_rim", "parse_season", "parse_size_parts", "parse_studded", "parse_time", "parse_time_window",
    "parse_tire_size", "parse_vehicle", "parse_when", "parse_year", "phone_tail_words", "pieces",
    "plural_form", "says_goodbye", "says_no", "says_yes", "size_from_text", "speak_address",
    "speak_count", "speak_date", "speak_datetime", "speak_delivery", "speak_digits", "speak_hryvnias",
    "speak_line", "speak_masked_phone", "speak_order_number", "speak_phone", "speak_rim", "speak_time",
    "speak_tire_size", "speak_weekday", "split_correction", "to_city", "wants_operator",
    "words_to_digits",
]


def __getattr__(name: str) -> object:
    """The understanding pipeline loads on first use: workflow code imports this package for its
    speaking functions and must not pull in pymorphy3, rapidfuzz, pydantic or the store."""
    if name == "understand":
        from activities.brain.ukrainian.understanding import understand

        return understand
    if name in ("Slot", "Understanding"):
        from activities.brain.ukrainian import slots

        return getattr(slots, name)
    raise AttributeError(name)
