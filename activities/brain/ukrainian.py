"""Understanding the caller's Ukrainian: numbers spoken as words, tire sizes, seasons, brands, cities.

Input is what a recognizer returns: lower or mixed case, digits or number words, with or
without punctuation. Everything here is pure and cheap, so it is safe anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {
    "нуль": 0, "один": 1, "одна": 1, "одну": 1, "два": 2, "дві": 2, "три": 3, "чотири": 4,
    "п'ять": 5, "шість": 6, "сім": 7, "вісім": 8, "дев'ять": 9, "десять": 10,
    "одинадцять": 11, "дванадцять": 12, "тринадцять": 13, "чотирнадцять": 14,
    "п'ятнадцять": 15, "шістнадцять": 16, "сімнадцять": 17, "вісімнадцять": 18,
    "дев'ятнадцять": 19,
}
_TENS = {
    "двадцять": 20, "тридцять": 30, "сорок": 40, "п'ятдесят": 50, "шістдесят": 60,
    "сімдесят": 70, "вісімдесят": 80, "дев'яносто": 90,
}
_HUNDREDS = {
    "сто": 100, "двісті": 200, "триста": 300, "чотириста": 400, "п'ятсот": 500,
    "шістсот": 600, "сімсот": 700, "вісімсот": 800, "дев'ятсот": 900,
}
# "п'ятнадцятий радіус", "на шістнадцять", "r16": rim sizes said as ordinals.
_RIM_ORDINALS = {
    "тринадцят": 13, "чотирнадцят": 14, "п'ятнадцят": 15, "шістнадцят": 16,
    "сімнадцят": 17, "вісімнадцят": 18, "дев'ятнадцят": 19, "двадцят": 20,
}

_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "‘": "'"})


def normalise(text: str) -> str:
    """Lower case, one kind of apostrophe, punctuation other than / and ' turned into spaces."""
    text = text.translate(_APOSTROPHES).lower()
    text = re.sub(r"[^\w'/]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def words_to_digits(text: str) -> str:
    """Replace runs of Ukrainian number words by digits, one number per spoken group.

    "двісті п'ять п'ятдесят п'ять ер шістнадцять" → "205 55 ер 16": a hundreds word starts a
    new number, a tens word joins the following unit, as people read sizes digit group by group.
    """
    out: list[str] = []
    current: int | None = None
    last_kind = ""
    for word in normalise(text).split():
        if word in _HUNDREDS:
            if current is not None:
                out.append(str(current))
            current, last_kind = _HUNDREDS[word], "hundreds"
        elif word in _TENS:
            if current is not None and last_kind == "hundreds":
                current += _TENS[word]
            else:
                if current is not None:
                    out.append(str(current))
                current = _TENS[word]
            last_kind = "tens"
        elif word in _UNITS:
            value = _UNITS[word]
            if current is not None and last_kind in ("hundreds", "tens") and value < 10:
                current += value
                last_kind = "units"
            else:
                if current is not None:
                    out.append(str(current))
                current, last_kind = value, "units"
        else:
            if current is not None:
                out.append(str(current))
                current, last_kind = None, ""
            out.append(word)
    if current is not None:
        out.append(str(current))
    return " ".join(out)


@dataclass(frozen=True)
class TireSize:
    width: int
    profile: int
    rim: int

    def __str__(self) -> str:
        return f"{self.width}/{self.profile} R{self.rim}"


_SIZE_RE = re.compile(
    r"\b(1[3-9]5|2[0-9]5|3[0-3]5)\s*(?:/|\s|на)\s*([2-8][05])\s*(?:[rр]|ер|радіус|zr|на)?\s*(1[3-9]|2[0-2])\b"
)
_RIM_RE = re.compile(r"\b(?:r|р|ер|радіус|на)\s*(1[3-9]|2[0-2])\b")
_RIM_WORD = r"(?:(?:r|р|ер|радіус|на) )?"
# "ні, не шістнадцять, а сімнадцять": the number after «а» is the one meant.
_RIM_CORRECTION_RE = re.compile(rf"\bне {_RIM_WORD}(?:1[3-9]|2[0-2]) а {_RIM_WORD}(1[3-9]|2[0-2])\b")


def parse_tire_size(text: str) -> TireSize | None:
    """A full size such as 205/55 R16, spoken or written."""
    flat = words_to_digits(text)
    flat = re.sub(r"\b([rр])(\d{2})\b", r"\1 \2", flat)
    match = _SIZE_RE.search(flat)
    if not match:
        return None
    return TireSize(int(match.group(1)), int(match.group(2)), int(match.group(3)))


def parse_rim(text: str) -> int | None:
    """Just the rim: "п'ятнадцятий радіус", "на шістнадцять", "R17"."""
    norm = normalise(text)
    for stem, rim in _RIM_ORDINALS.items():
        # An ordinal is a rim only with «радіус»/«диски» or after «на»: "на сімнадцятий".
        found = re.search(rf"\b(на )?{stem}(?:ий|ого|и|ому|і|им)\b", norm)
        if found and (found.group(1) or "радіус" in norm or "диск" in norm):
            return rim
    flat = re.sub(r"\b([rр])(\d{2})\b", r"\1 \2", words_to_digits(text))
    match = _RIM_CORRECTION_RE.search(flat) or _RIM_RE.search(flat)
    return int(match.group(1)) if match else None


SEASON_WORDS = {
    "winter": ("зимов", "зимн", "зима", "зиму", "взимку", "липучк", "шип", "на зиму"),
    "summer": ("літн", "літо", "влітку", "на літо"),
    "all_season": ("всесезон", "цілорічн"),
}


def parse_season(text: str) -> str | None:
    norm = normalise(text)
    for season in ("all_season", "winter", "summer"):
        if any(word in norm for word in SEASON_WORDS[season]):
            return season
    return None


def parse_studded(text: str) -> bool | None:
    norm = normalise(text)
    if re.search(r"\bбез шип", norm) or "липучк" in norm or "фрикційн" in norm:
        return False
    if "шип" in norm:
        return True
    return None


BRANDS = {
    "Michelin": ("michelin", "мішлен", "мішелін", "мішлін"),
    "Continental": ("continental", "континенталь", "континентал"),
    "Nokian": ("nokian", "нокіан", "нокіа"),
    "Bridgestone": ("bridgestone", "бріджстоун", "бриджстоун"),
    "Goodyear": ("goodyear", "гудієр", "гудіер", "гудьір", "гудйір"),
    "Hankook": ("hankook", "ханкук", "хенкук"),
    "Pirelli": ("pirelli", "піреллі", "пірелі"),
    "Yokohama": ("yokohama", "йокогама", "йокохама"),
    "Kumho": ("kumho", "кумхо"),
    "Nexen": ("nexen", "нексен"),
    "Belshina": ("belshina", "белшина", "бєлшина"),
    "Rosava": ("rosava", "росава"),
    "Premiorri": ("premiorri", "преміорі", "преміоррі"),
    "Toyo": ("toyo", "тойо"),
    "Dunlop": ("dunlop", "данлоп"),
    "Matador": ("matador", "матадор"),
    "Kleber": ("kleber", "клебер"),
}


def parse_brand(text: str) -> str | None:
    norm = normalise(text)
    for brand, aliases in BRANDS.items():
        if any(alias in norm for alias in aliases):
            return brand
    return None


# City name as the store knows it → stems of its spoken forms (Київ, у Києві, до Києва).
CITIES = {
    "Київ": ("київ", "києв"),
    "Львів": ("львів", "львов"),
    "Одеса": ("одес",),
    "Дніпро": ("дніпр",),
    "Харків": ("харків", "харков"),
}


def parse_city(text: str) -> str | None:
    return next((city for city, stems in CITIES.items() if _has_any(text, stems)), None)


_ORDINALS = {
    0: ("перш", "перший варіант", "першу"),
    1: ("друг",),
    2: ("трет",),
}


def parse_choice(text: str) -> int | None:
    """Which of the offered options the caller means: "перший", "другу", "третій"."""
    return next((index for index, stems in _ORDINALS.items() if _has_any(text, stems)), None)


def _has_any(text: str, stems: tuple[str, ...]) -> bool:
    """Some word starts with one of the stems ("оператор" matches "оператора")."""
    norm = normalise(text)
    return any(re.search(rf"\b{re.escape(stem)}", norm) for stem in stems)


def _has_word(text: str, words: tuple[str, ...]) -> bool:
    """One of the words (or phrases) stands whole: "так" is not "також", "ні" is not "німецькі"."""
    norm = normalise(text)
    return any(re.search(rf"\b{re.escape(word)}\b", norm) for word in words)


def wants_operator(text: str) -> bool:
    return _has_any(text, ("оператор", "людин", "менеджер", "консультант", "з'єднайте", "живою"))


def asks_availability(text: str) -> bool:
    """"Чи є в наявності?", "є на складі?", "а є у Львові?" (but not "є варіанти дешевше?")."""
    if _has_any(text, ("наявн", "склад", "скільки є", "доставк", "коли можна", "забрат")):
        return True
    return _has_word(text, ("є",)) and parse_city(text) is not None


def says_goodbye(text: str) -> bool:
    return _has_any(
        text, ("до побачення", "бувайте", "на все добре", "це все", "більше нічого", "дякую все", "все дякую")
    )


def says_no(text: str) -> bool:
    return _has_word(text, ("ні", "не треба", "не потрібно", "нічого"))


def says_yes(text: str) -> bool:
    return _has_word(text, ("так", "давайте", "добре", "звісно", "звичайно", "ага", "угу", "підтверджую"))


def hryvnias(amount: int) -> str:
    """Price with the right form of «гривня»: 1 гривня, 2 гривні, 5 гривень (11-14 гривень)."""
    last_two, last = amount % 100, amount % 10
    if 11 <= last_two <= 14:
        word = "гривень"
    elif last == 1:
        word = "гривня"
    elif 2 <= last <= 4:
        word = "гривні"
    else:
        word = "гривень"
    return f"{amount} {word}"


def pieces(count: int) -> str:
    """«штука» agreement: 1 штука, 3 штуки, 12 штук."""
    last_two, last = count % 100, count % 10
    if 11 <= last_two <= 14 or last == 0 or last >= 5:
        return f"{count} штук"
    return f"{count} штука" if last == 1 else f"{count} штуки"
