"""Tire sizes as callers say them, whole or in part, and as the agent reads them back.

"двісті п'ять п'ятдесят п'ять ер шістнадцять", "205/55 R16", "205 55 16", "двісті п'ять на
п'ятдесят п'ять", "п'ятнадцятий радіус", "на шістнадцять", "r16": `parse_size_parts` gives what
was said (each part optional), `parse_tire_size` only a full size, `parse_rim` only the rim.
A correction ("ні, не шістнадцять, а сімнадцять") gives the value meant, not the one withdrawn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from typing import TYPE_CHECKING, Any

from activities.brain.ukrainian.numbers import Token, number_tokens, number_words

from activities.brain.ukrainian.text import normalise, split_correction

if TYPE_CHECKING:
    from activities.brain.ukrainian.slots import Slot

RIM_MIN, RIM_MAX = 13, 22


@dataclass(frozen=True)
class TireSize:
    width: int
    profile: int
    rim: int

    def __str__(self) -> str:
        return f"{self.width}/{self.profile} R{self.rim}"


@dataclass(frozen=True)
class SizeParts:
    """What the caller said of a size; any part may be missing ("на шістнадцять": rim only)."""

    width: int | None = None
    profile: int | None = None
    rim: int | None = None

    @property
    def complete(self) -> TireSize | None:
        """The full size, when all three parts are known."""
        if self.width is None or self.profile is None or self.rim is None:
            return None
        return TireSize(self.width, self.profile, self.rim)

    @property
    def empty(self) -> bool:
        return self.width is None and self.profile is None and self.rim is None

    def merged_into(self, known: SizeParts) -> SizeParts:
        """`known` updated with every part said now: a later word wins over an earlier one."""
        return SizeParts(
            width=self.width if self.width is not None else known.width,
            profile=self.profile if self.profile is not None else known.profile,
            rim=self.rim if self.rim is not None else known.rim,
        )


def is_width(n: int) -> bool:
    return 125 <= n <= 355 and n % 5 == 0 and n % 10 == 5


def is_profile(n: int) -> bool:
    return 25 <= n <= 85 and n % 5 == 0


def is_rim(n: int) -> bool:
    return RIM_MIN <= n <= RIM_MAX


# Words that mark the rim ("ер шістнадцять", "радіус 16", "r16") and the other parts.
_RIM_MARKERS = frozenset({"r", "р", "ер", "эр", "ар", "радіус", "радиус", "радіуса", "радиуса", "zr", "зр", "зет"})
_RIM_AFTER = ("радіус", "радиус", "диск", "колес")  # "шістнадцятий радіус", "сімнадцяті диски"
_WIDTH_MARKERS = frozenset({"ширина", "ширину", "ширини", "шириною"})
_PROFILE_MARKERS = frozenset({"профіль", "профиль", "висота", "висоту", "висотою", "профілем"})
_SEPARATORS = frozenset({"/", "на", "слеш", "дріб", "дробь"})
_WRITTEN_SIZE = re.compile(r"(\d{3})\s*/\s*(\d{2})\s*(?:z?r|z?р)?\s*(\d{2})(?:\s*[cс])?\b")
_GLUED = re.compile(r"\b(z?r|z?р|ер)(\d{2})\b")


def _prepare(text: str) -> list[Token]:
    """Tokens with written sizes split apart: "205/55r16" → 205 / 55 r 16."""
    norm = normalise(text)
    norm = _WRITTEN_SIZE.sub(r" \1 / \2 r \3 ", norm)
    norm = re.sub(r"(\d)/(\d)", r"\1 / \2", norm)
    norm = re.sub(r"(\d)([a-zа-яі]+)", r"\1 \2", norm)  # "55r" → "55 r"
    norm = _GLUED.sub(r"\1 \2", norm)
    return _join_digits(number_tokens(norm))


_MARKERS = _WIDTH_MARKERS | _PROFILE_MARKERS | _RIM_MARKERS


def _join_digits(tokens: list[Token]) -> list[Token]:
    """Digits said one by one as size groups: "два нуль п'ять" → 205, "п'ять п'ять" after «профіль» → 55.

    A run of single-digit words is joined when it is three or more long, holds a nought, or
    follows a marker; a long run is cut 3 + 2 + 2 ("два нуль п'ять п'ять п'ять" → 205, 55)."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and _single_digit(tokens[j]):
            j += 1
        run = tokens[i:j]
        marked = bool(out) and out[-1].value is None and out[-1].text in _MARKERS
        if len(run) >= 2 and (len(run) >= 3 or marked or any(t.value == 0 for t in run)):
            digits = "".join(str(t.value) for t in run)
            sizes = [3] if len(digits) == 3 else [2] if len(digits) == 2 else []
            if not sizes:
                first = 3 if is_width(int(digits[:3])) else 2
                sizes = [first] + [2] * ((len(digits) - first + 1) // 2)
            start = 0
            for size in sizes:
                chunk = digits[start : start + size]
                if chunk:
                    out.append(Token(chunk, int(chunk), digits=True))
                start += size
            i = j
            continue
        if run:
            out.extend(run)
            i = j
            continue
        out.append(tokens[i])
        i += 1
    return out


def _single_digit(token: Token) -> bool:
    return token.value is not None and not token.ordinal and not token.digits and token.value <= 9 and " " not in token.text


def _parse_parts(tokens: list[Token], *, bare: bool) -> SizeParts:
    """The size parts in a run of tokens; `bare` also takes a lone number by its range."""
    width = profile = rim = None
    n = len(tokens)
    used: set[int] = set()

    def num(i: int) -> int | None:
        if 0 <= i < n and tokens[i].value is not None and not tokens[i].ordinal:
            return tokens[i].value
        return None

    def word(i: int) -> str:
        return tokens[i].text if 0 <= i < n and tokens[i].value is None else ""

    def any_num(i: int) -> int | None:
        """A number, cardinal or ordinal: "двісті п'ятнадцятий шістдесят п'ятий"."""
        return tokens[i].value if 0 <= i < n else None

    # width [sep] profile [marker] rim
    for i in range(n):
        w = any_num(i)
        if w is None or not is_width(w):
            continue
        j = i + 1 + (word(i + 1) in _SEPARATORS)
        p = any_num(j)
        if p is None or not is_profile(p):
            continue
        width, profile = w, p
        used |= {i, j}
        k = j + 1
        while word(k) in _RIM_MARKERS or word(k) in _SEPARATORS:
            k += 1
        r = num(k)
        if r is not None and is_rim(r) and k - j <= 3:
            rim = r
            used.add(k)
        elif 0 <= k < n and tokens[k].ordinal and tokens[k].value is not None and is_rim(tokens[k].value):
            rim = tokens[k].value
            used.add(k)
        break
    for i in range(n):
        if i in used:
            continue
        token = tokens[i]
        value = token.value
        if value is None:
            continue
        before, after = word(i - 1), word(i + 1)
        if token.ordinal:
            # "п'ятнадцятий радіус", "на сімнадцятий", "шістнадцяті диски"
            if is_rim(value) and (
                before in ("на", "для") or before in _RIM_MARKERS or after.startswith(_RIM_AFTER) or bare
            ):
                rim = value
            continue
        if before in _RIM_MARKERS and is_rim(value):
            rim = value
        elif before == "на" and is_rim(value) and not after.startswith(("шин", "штук", "колес", "хвил", "год", "дн")):
            rim = value
        elif after.startswith(("радіус", "радиус", "дюйм")) and is_rim(value):
            rim = value
        elif before in _WIDTH_MARKERS and is_width(value):
            width = value
        elif before in _PROFILE_MARKERS and is_profile(value):
            profile = value
        elif bare:
            if is_rim(value):
                rim = value
            elif is_profile(value):
                profile = value
            elif is_width(value):
                width = value
    if rim is None and (width is not None or profile is not None):
        # "ширина двісті п'ять, профіль п'ятдесят п'ять, сімнадцятий": the rim after the other parts
        for i in range(n):
            value = tokens[i].value
            if i not in used and value is not None and is_rim(value) and value not in (width, profile):
                rim = value
                break
    return SizeParts(width, profile, rim)


def parse_size_parts(text: str) -> SizeParts | None:
    """Whatever the caller said of a size, or None when nothing of a size was said.

    "205/55 R16" → all three; "двісті п'ять на п'ятдесят п'ять" → width and profile;
    "п'ятнадцятий радіус" → rim 15; "ні, не шістнадцять, а сімнадцять" → rim 17 (the
    corrected value; a lone number after «а» is taken by its range: 13-22 a rim, 25-85 a profile).
    """
    correction = split_correction(text)
    if correction:
        before, _old, new = correction
        said = _parse_parts(_prepare(before), bare=False)
        meant = _parse_parts(_prepare(new), bare=True)
        parts = meant.merged_into(said)
    else:
        parts = _parse_parts(_prepare(text), bare=False)
    return None if parts.empty else parts


def extract_size(text: Any) -> Slot | None:
    """The size the caller said, whole or in part, as a `size` Slot, else None.

    Accepts a string or an `analyse.Analysis`. Value {"width", "profile", "rim"} (ints or None);
    the span covers the utterance (written sizes are re-spaced before parsing). A full size or a
    part named by its marker ("ер", "радіус", "ширина", "на сімнадцять") is sure (1.0); a width
    and profile without a rim is 0.9.
    """
    from activities.brain.ukrainian.slots import Slot

    norm = normalise(text if isinstance(text, str) else text.text)
    parts = parse_size_parts(norm)
    if parts is None:
        return None
    value = {"width": parts.width, "profile": parts.profile, "rim": parts.rim}
    confidence = 1.0 if parts.complete or parts.rim is not None else 0.9
    return Slot(name="size", value=value, span=(0, len(norm)), confidence=confidence)


def parse_tire_size(text: str) -> TireSize | None:
    """A full size such as 205/55 R16, spoken or written; None if any part is missing."""
    parts = parse_size_parts(text)
    return parts.complete if parts else None


def parse_rim(text: str) -> int | None:
    """Just the rim: "п'ятнадцятий радіус", "на шістнадцять", "R17", "не 16, а 17" → 17."""
    parts = parse_size_parts(text)
    return parts.rim if parts else None


def size_from_text(size: str | TireSize) -> TireSize:
    """A TireSize from "205/55 R16" (also "205/55R16", "225/45 ZR17")."""
    if isinstance(size, TireSize):
        return size
    match = re.fullmatch(r"\s*(\d{3})\s*/\s*(\d{2})\s*Z?[RР]?\s*(\d{2})\s*[CС]?\s*", size, re.IGNORECASE)
    if match is None:
        raise ValueError(f"tire size must look like '205/55 R16', got {size!r}")
    return TireSize(int(match.group(1)), int(match.group(2)), int(match.group(3)))


def speak_tire_size(size: str | TireSize) -> str:
    """How the size is said: "205/55 R16" → "двісті п'ять п'ятдесят п'ять ер шістнадцять"."""
    tire = size_from_text(size)
    return f"{number_words(tire.width)} {number_words(tire.profile)} ер {number_words(tire.rim)}"


def speak_rim(rim: int) -> str:
    """ "ер шістнадцять"."""
    return f"ер {number_words(rim)}"

