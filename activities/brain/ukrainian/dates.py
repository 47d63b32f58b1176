"""Dates and times, heard and said, always relative to a `today` the caller of these functions
passes in (workflow code must not read the clock).

Heard: "завтра", "післязавтра", "у суботу", "двадцять п'ятого", "25 листопада", "через тиждень",
"о десятій", "о дев'ятій тридцять", "о пів на третю", "після обіду".
Said: "у суботу, двадцять восьмого листопада, о десятій нуль-нуль".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from activities.brain.ukrainian.numbers import (
    Token,
    digit_group_words,
    number_tokens,
    number_words,
    ordinal_words,
)
from activities.brain.ukrainian.text import apply_correction

# Monday first, as date.weekday() counts. (nominative, accusative «у суботу»)
WEEKDAYS: tuple[tuple[str, str], ...] = (
    ("понеділок", "понеділок"),
    ("вівторок", "вівторок"),
    ("середа", "середу"),
    ("четвер", "четвер"),
    ("п'ятниця", "п'ятницю"),
    ("субота", "суботу"),
    ("неділя", "неділю"),
)
_WEEKDAY_STEMS: tuple[tuple[str, ...], ...] = (
    ("понеділ", "понедельн"),
    ("вівтор", "вторн"),
    ("серед", "сред"),
    ("четвер", "четверг"),
    ("пятниц",),
    ("субот",),
    ("неділ", "воскресен"),
)
# Genitive month names for dates ("двадцять восьмого листопада"); stems for reading any case.
MONTHS_GENITIVE: tuple[str, ...] = (
    "січня", "лютого", "березня", "квітня", "травня", "червня",
    "липня", "серпня", "вересня", "жовтня", "листопада", "грудня",
)
_MONTH_STEMS: tuple[tuple[str, ...], ...] = (
    ("січ", "январ"), ("лют", "феврал"), ("берез", "март"), ("квіт", "апрел"), ("трав", "ма"),
    ("черв", "июн"), ("лип", "июл"), ("серп", "август"), ("верес", "сентябр"), ("жовт", "октябр"),
    ("листопад", "ноябр"), ("груд", "декабр"),
)
_MONTH_RE = re.compile(
    r"^(?:січ(?:ень|ня|ні)|лют(?:ий|ого|ому)|берез(?:ень|ня|ні)|квіт(?:ень|ня|ні)|трав(?:ень|ня|ні)"
    r"|черв(?:ень|ня|ні)|лип(?:ень|ня|ні)|серп(?:ень|ня|ні)|верес(?:ень|ня|ні)|жовт(?:ень|ня|ні)"
    r"|листопад(?:|а|і)|груд(?:ень|ня|ні)|январ[ья]|феврал[ья]|марта?|апрел[ья]|ма[йя]|июн[ья]|июл[ья]"
    r"|августа?|сентябр[ья]|октябр[ья]|ноябр[ья]|декабр[ья])$"
)


def _month_of(word: str) -> int | None:
    if not _MONTH_RE.match(word):
        return None
    for index, stems in enumerate(_MONTH_STEMS):
        if any(word.startswith(stem) for stem in stems):
            return index + 1
    return None


def _weekday_of(word: str) -> int | None:
    bare = word.replace("'", "")
    for index, stems in enumerate(_WEEKDAY_STEMS):
        if any(bare.startswith(stem) for stem in stems):
            return index
    return None


def _next_weekday(today: date, weekday: int) -> date:
    """The next such weekday after today (on a Saturday, "у суботу" is a week ahead)."""
    ahead = (weekday - today.weekday()) % 7 or 7
    return today + timedelta(days=ahead)


def _day_in_month(today: date, day: int, month: int | None) -> date | None:
    """The 25th: this month if not past, else next month; with a month, this year or next."""
    if month is not None:
        for year in (today.year, today.year + 1):
            try:
                candidate = date(year, month, day)
            except ValueError:
                return None
            if candidate >= today:
                return candidate
        return None
    year, month_now = today.year, today.month
    for _ in range(3):
        try:
            candidate = date(year, month_now, day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate >= today:
            return candidate
        month_now += 1
        if month_now > 12:
            year, month_now = year + 1, 1
    return None


def parse_date(text: str, today: date) -> date | None:
    """The day the caller means, relative to `today`; None if no day was said.

    "сьогодні", "завтра", "післязавтра", "у суботу", "двадцять п'ятого", "25 листопада",
    "25.11", "через тиждень", "через три дні", "на вихідних" (the coming Saturday).
    """
    norm = apply_correction(text)
    found: date | None = None
    if re.search(r"(?<![\w'])(?:післязавтра|послезавтра)", norm):
        found = today + timedelta(days=2)
    elif re.search(r"(?<![\w'])завтра", norm):
        found = today + timedelta(days=1)
    elif re.search(r"(?<![\w'])(?:сьогодні|сегодня)", norm):
        found = today
    numeric = re.search(r"(?<!\d)(\d{1,2})[./](\d{1,2})(?:[./](\d{2,4}))?(?!\d)", text)
    if numeric:
        day, month = int(numeric.group(1)), int(numeric.group(2))
        if 1 <= month <= 12:
            return _day_in_month(today, day, month) or found
    tokens = number_tokens(norm)
    for i, token in enumerate(tokens):
        if token.value is None:
            weekday = _weekday_of(token.text)
            if weekday is not None and found is None:
                found = _next_weekday(today, weekday)
            continue
        following = tokens[i + 1].text if i + 1 < len(tokens) and tokens[i + 1].value is None else ""
        month = _month_of(following)
        day = token.value
        if not 1 <= day <= 31:
            continue
        # "двадцять п'ятого" (an ordinal in the genitive), "25 листопада", "25-го"
        genitive = token.ordinal and token.text.endswith(("ого", "е", "є"))  # "п'ятого", "на п'яте"
        previous = tokens[i - 1].text if i > 0 else ""
        if month is not None or ((genitive or following == "го") and previous not in ("о", "об")):
            return _day_in_month(today, day, month)
    relative = re.search(r"через (?:(\S+) )?(тиждень|тижні|тижнів|днів|дні|день|добу)(?![\w'])", norm)
    if relative:
        amount_word = relative.group(1)
        amount = 1
        if amount_word:
            values = [t.value for t in number_tokens(amount_word) if t.value is not None]
            amount = values[0] if values else 1
        unit = relative.group(2)
        return today + timedelta(days=amount * 7 if unit.startswith("тиж") else amount)
    if found is None and re.search(r"(?<![\w'])(?:на вихідних|у вихідні|на выходных)", norm):
        found = _next_weekday(today, 5)
    return found


@dataclass(frozen=True)
class TimeWindow:
    """A part of the day the caller named: "після обіду" is 13:00-18:00."""

    start: time
    end: time


_WINDOWS: tuple[tuple[str, TimeWindow], ...] = (
    (r"після обіду|після обід|по обіді|пообідні|после обеда|після дванадцят|(?:в|у|на) друг\w* половин\w* дня",
     TimeWindow(time(13), time(18))),
    (r"(?:в|у|на) перш\w* половин\w* дня", TimeWindow(time(9), time(13))),
    (r"до обіду|до обеда", TimeWindow(time(9), time(13))),
    (r"в обід|на обід|в обед|в обідню", TimeWindow(time(12), time(14))),
    (r"зранку|вранці|з ранку|з самого ранку|утром|с утра|ранком", TimeWindow(time(9), time(12))),
    (r"ввечері|увечері|вечором|під вечір|вечером", TimeWindow(time(17), time(20))),
)


def parse_time_window(text: str) -> TimeWindow | None:
    """ "зранку" 9-12, "до обіду" 9-13, "в обід" 12-14, "після обіду" 13-18, "ввечері" 17-20."""
    norm = apply_correction(text)
    for pattern, window in _WINDOWS:
        if re.search(rf"(?<![\w'])(?:{pattern})", norm):
            return window
    return None


_HOUR_PREPOSITIONS = ("о", "об", "на", "в", "у", "до", "після", "з", "к")


def _business_hour(hour: int, text: str) -> int:
    """A shop's hour: "о третій" is 15:00, "о дев'ятій" 09:00, unless ранку/вечора says otherwise."""
    if hour >= 12 or hour == 0:
        return hour % 24
    if re.search(r"(?<![\w'])(?:ранку|утра|зранку|вранці)", text):
        return hour
    if re.search(r"(?<![\w'])(?:вечора|дня|вечером|ввечері|після обіду)", text):
        return hour + 12
    return hour + 12 if hour < 8 else hour


def parse_time(text: str) -> time | None:
    """A time of day: "о десятій" 10:00, "о дев'ятій тридцять" 9:30, "о пів на третю" 14:30,
    "о 14:30", "на десяту", "о третій дня" 15:00; None if none was said (see parse_time_window)."""
    norm = apply_correction(text)
    # "14:30", "о 14.30" ("5.12" alone is a date)
    written = re.search(r"(?<!\d)([01]?\d|2[0-3]):([0-5]\d)(?!\d)", text) or re.search(
        r"(?<![\w'])об? ([01]?\d|2[0-3])\.([0-5]\d)(?!\d)", text.lower()
    )
    if written:
        return time(_business_hour(int(written.group(1)), norm), int(written.group(2)))
    tokens = number_tokens(norm)
    for i, token in enumerate(tokens):
        if token.value is None:
            continue
        previous = tokens[i - 1].text if i > 0 else ""
        before_previous = tokens[i - 2].text if i > 1 else ""
        if token.ordinal:
            if previous == "на" and before_previous in ("пів", "половина", "половину"):
                # "о пів на третю": half an hour before three
                return time((_business_hour(token.value, norm) - 1) % 24, 30)
            # "о десятій", "на десяту", "до п'ятої": not "двадцять п'ятого" (a date), nor "у другій половині дня"
            following = tokens[i + 1].text if i + 1 < len(tokens) else ""
            if following.startswith("половин"):
                continue
            if previous not in _HOUR_PREPOSITIONS or not token.text.endswith(("ій", "ю", "у", "ої", "ой")):
                continue
        elif previous not in ("о", "об"):
            continue
        if not 0 <= token.value <= 24:
            continue
        return time(_business_hour(token.value % 24, norm), _minutes_after(tokens, i))
    return None


def _minutes_after(tokens: list[Token], i: int) -> int:
    """Minutes said after the hour: "тридцять", "нуль п'ять", "нуль нуль", "рівно"; 0 if none."""
    following = [t for t in tokens[i + 1 : i + 3]]
    if not following or following[0].value is None or following[0].ordinal:
        return 0
    first = following[0].value
    if first == 0 and len(following) > 1 and following[1].value is not None and following[1].value < 10:
        return following[1].value
    return first if 0 <= first <= 59 else 0


@dataclass(frozen=True)
class When:
    """Everything the caller said about when: a day, a time, a part of the day."""

    day: date | None = None
    time: time | None = None
    window: TimeWindow | None = None

    def at(self) -> datetime | None:
        """The moment, when both the day and the time are known."""
        if self.day is None or self.time is None:
            return None
        return datetime.combine(self.day, self.time)


def parse_when(text: str, today: date) -> When | None:
    """Day, time and part of the day together; None if nothing about when was said."""
    found = When(parse_date(text, today), parse_time(text), parse_time_window(text))
    return None if found == When() else found


# --- speaking ----------------------------------------------------------------------------------


def speak_weekday(day: date) -> str:
    """ "у суботу", "у понеділок"."""
    return f"у {WEEKDAYS[day.weekday()][1]}"


def speak_date(day: date, *, weekday: bool = True, today: date | None = None) -> str:
    """ "у суботу, двадцять восьмого листопада"; with `today`, "завтра, ..." where it fits."""
    spoken = f"{ordinal_words(day.day, 'gen_m')} {MONTHS_GENITIVE[day.month - 1]}"
    if today is not None and day.year != today.year:
        spoken += f" {_year_genitive(day.year)} року"
    prefix = ""
    if today is not None and day == today:
        prefix = "сьогодні"
    elif today is not None and day == today + timedelta(days=1):
        prefix = "завтра"
    elif today is not None and day == today + timedelta(days=2):
        prefix = "післязавтра"
    if weekday:
        prefix = f"{prefix}, {speak_weekday(day)}" if prefix else speak_weekday(day)
    return f"{prefix}, {spoken}" if prefix else spoken


def _year_genitive(year: int) -> str:
    """ "дві тисячі двадцять сьомого" (року)."""
    thousands, rest = divmod(year, 1000)
    head = number_words(thousands * 1000, "f")
    if rest == 0:
        return "двохтисячного" if thousands == 2 else head
    return f"{head} {ordinal_words(rest, 'gen_m')}" if rest < 200 else f"{head} {rest}"


def speak_time(moment: time) -> str:
    """ "о десятій нуль-нуль", "о дев'ятій тридцять", "об одинадцятій п'ятнадцять",
    "о чотирнадцятій нуль п'ять"."""
    hour = moment.hour
    hour_words = ordinal_words(hour, "loc_f") if hour else "нульовій"
    preposition = "об" if hour_words.startswith(("о", "і", "а", "у", "е")) else "о"
    if moment.minute == 0:
        minutes = "нуль-нуль"
    else:
        minutes = digit_group_words(f"{moment.minute:02d}")
    return f"{preposition} {hour_words} {minutes}"


def speak_datetime(moment: datetime, *, today: date | None = None) -> str:
    """ "у суботу, двадцять восьмого листопада, о десятій нуль-нуль"."""
    return f"{speak_date(moment.date(), today=today)}, {speak_time(moment.time())}"

