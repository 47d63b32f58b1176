"""Phone and order numbers, heard and read back.

Heard: "нуль шістдесят сім сто двадцять три сорок п'ять шістдесят сім", "+380 67 123 45 67",
"067 123 4567" → "+380671234567"; order numbers in words or digits → digits. Wrong lengths are
refused (None), so the agent asks again instead of looking up somebody else's number.
Read back: in the groups people use ("нуль шістдесят сім, сто двадцять три, сорок п'ять,
шістдесят сім"), or masked ("номер, що закінчується на сорок п'ять шістдесят сім").
"""

from __future__ import annotations

import re
from functools import lru_cache

from activities.brain.ukrainian.numbers import Token, digit_group_words, group_digits, number_tokens, number_words
from activities.brain.ukrainian.text import normalise

# Words that may sit between the digit groups of a number without ending it.
_FILLERS = frozenset({"плюс", "тире", "дефіс", "і", "та", "ще", "ну", "е", "ее", "так", "далі", "потім"})


def _digit_runs(text: str, *, split_tens: bool = False) -> list[str]:
    """Runs of spoken or written digits, each run as one digit string.

    Number words become their digits group by group ("сто двадцять три" → "123", "нуль" → "0"),
    written digits keep their leading zeros; fillers ("плюс", "тире") do not break a run.
    With `split_tens`, "п'ятдесят один" is read "50" "1" rather than "51".
    """
    norm = normalise(text.replace("+", " плюс "))
    norm = re.sub(r"(\d)[\s\-().]+(?=\d)", r"\1 ", norm)
    runs: list[str] = []
    current: list[str] = []
    tokens: list[Token] = number_tokens(norm, split_tens=split_tens)
    for token in tokens:
        if token.value is not None and not token.ordinal:
            current.append(token.text if token.digits else str(token.value))
        elif token.value is None and token.text in _FILLERS:
            continue
        elif current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return runs


def normalise_phone(digits: str) -> str | None:
    """+380XXXXXXXXX from the digits of a Ukrainian number, or None if it cannot be one.

    The digits may come as +380…, 80…, 0… or, for a mobile, the nine digits without the 0;
    `phonenumbers` (libphonenumber's metadata for UA) decides whether the number is a real one.
    """
    digits = re.sub(r"\D", "", digits)
    if len(digits) == 12 and digits.startswith("380"):
        national, mobile_only = digits[3:], False
    elif len(digits) == 11 and digits.startswith("80"):
        national, mobile_only = digits[2:], False
    elif len(digits) == 10 and digits.startswith("0"):
        national, mobile_only = digits[1:], False
    elif len(digits) == 9:
        national, mobile_only = digits, True  # "шістдесят сім …" without its nought: only a mobile
    else:
        return None
    return _valid_e164(national, mobile_only)


@lru_cache(maxsize=4096)
def _valid_e164(national: str, mobile_only: bool) -> str | None:
    import phonenumbers  # lazy: workflow imports of this package pull in no library

    try:
        number = phonenumbers.parse("+380" + national)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number_for_region(number, "UA"):
        return None
    if mobile_only and phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_phone(text: str) -> str | None:
    """A Ukrainian phone number said or typed, as +380XXXXXXXXX; None if none or a wrong length.

    "нуль шістдесят сім сто двадцять три сорок п'ять шістдесят сім", "+380 67 123 45 67",
    "067 123 4567", "мій номер 0671234567" → "+380671234567".
    """
    # "нуль п'ятдесят один два три ..." is 050 1 2 3 when 051 2 3 gives a wrong length
    for split_tens in (False, True):
        for run in _digit_runs(text, split_tens=split_tens):
            phone = normalise_phone(run)
            if phone:
                return phone
    return None


def parse_order_number(text: str, *, min_digits: int = 5, max_digits: int = 10) -> str | None:
    """An order number said or typed, digits only; None if none or of a wrong length.

    "сто двадцять три чотириста п'ятдесят шість", "1 2 3 4 5 6", "номер 123456" → "123456".
    A run that is a phone number is not an order number.
    """
    for run in _digit_runs(text):
        if min_digits <= len(run) <= max_digits and not (len(run) >= 9 and normalise_phone(run)):
            return run
    return None


def national_digits(phone: str) -> str:
    """ "+380671234567" → "0671234567" (what a Ukrainian says)."""
    normal = normalise_phone(phone)
    if normal is None:
        raise ValueError(f"not a Ukrainian phone number: {phone!r}")
    return "0" + normal[4:]


def speak_digits(digits: str, groups: tuple[int, ...] | None = None) -> str:
    """Digits read in groups, separated by commas: "123456" → "сто двадцять три, чотириста п'ятдесят шість"."""
    digits = re.sub(r"\D", "", digits)
    return ", ".join(digit_group_words(group) for group in group_digits(digits, groups))


def speak_phone(phone: str) -> str:
    """ "+380671234567" → "нуль шістдесят сім, сто двадцять три, сорок п'ять, шістдесят сім"."""
    return speak_digits(national_digits(phone), (3, 3, 2, 2))


def phone_tail_words(phone: str) -> str:
    """The end of a phone number for a read-back: "закінчується на сорок п'ять шістдесят сім"
    (so "Телефон закінчується на ...")."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 4:
        raise ValueError(f"phone number too short: {phone!r}")
    return f"закінчується на {digit_group_words(digits[-4:-2])} {digit_group_words(digits[-2:])}"


def speak_masked_phone(phone: str) -> str:
    """ "+380671234567" → "номер, що закінчується на сорок п'ять шістдесят сім"."""
    return f"номер, що {phone_tail_words(phone)}"


def speak_order_number(number: str) -> str:
    """Up to six digits with no leading zero, as one number, the way people say order numbers:
    "100101" → "сто тисяч сто один"; longer ones, or with a leading zero, in groups:
    "1234567" → "сто двадцять три, сорок п'ять, шістдесят сім"."""
    digits = re.sub(r"\D", "", number)
    if 0 < len(digits) <= 6 and not digits.startswith("0"):
        return number_words(int(digits))
    return speak_digits(digits)
