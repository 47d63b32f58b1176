"""Money limits: the most a caller will pay per tire, in hryvnias.

"до двох з половиною тисяч" → 2500, "не дорожче за тисячу вісімсот" → 1800, "півтори тисячі" →
1500, "десь до трьох тисяч за колесо" → 3000, "до 3000 грн", "в межах двох тисяч", "дешевше двох
тисяч", "до дванадцяти тисяч за комплект" → 3000 a tire. The numbers come from the numeral grammar
(`numbers.number_tokens`); this module only knows the words that make a number a limit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from activities.brain.ukrainian.numbers import Token, number_tokens
from activities.brain.ukrainian.text import normalise

if TYPE_CHECKING:
    from activities.brain.ukrainian.slots import Slot

PRICE_MIN, PRICE_MAX = 300, 100_000

# A limit: "до", "дешевше", "максимум", "в межах", "бюджет"; "не дорожче", "не більше" need the "не".
_CUES = frozenset({"до", "дешевше", "дешевле", "максимум", "макс", "межах", "бюджет", "нижче", "менше", "меньше"})
_NEGATED_CUES = frozenset({"дорожче", "дорожче", "дороже", "більше", "больше", "вище", "перевищує"})
# Words that may stand between the cue and the number: "не дорожче за", "десь до", "дешевше ніж".
_BETWEEN = frozenset({"за", "ніж", "чим", "десь", "приблизно", "ну", "там", "якихось", "гривень", "від"})
_CURRENCY = ("грн", "гривн", "гривен", "гривень", "гривні", "гривня", "гривню", "гривнями", "гривах", "гривен", "uah")
_PER_SET = ("комплект",)
_THOUSAND_ABBREVIATIONS = frozenset({"тис", "тыс", "к"})


def _spans(norm: str, tokens: list[Token]) -> list[tuple[int, int]]:
    """Each token's character span in the normalised text (tokens are its words, in order)."""
    out, cursor = [], 0
    for token in tokens:
        start = norm.find(token.text, cursor)
        if start < 0:
            start = cursor
        end = start + len(token.text)
        out.append((start, end))
        cursor = end
    return out


def _text_of(text: Any) -> str:
    """A string, or the `.text` of an analysis (H2b's `understand` passes its Analysis)."""
    return normalise(text if isinstance(text, str) else text.text)


def _limit(tokens: list[Token], i: int) -> tuple[int, float] | None:
    """(hryvnias per tire, confidence) when the number at i is a price limit."""
    token = tokens[i]
    value = token.value
    if value is None or token.ordinal:
        return None
    after = tokens[i + 1].text if i + 1 < len(tokens) and tokens[i + 1].value is None else ""
    if value < 100 and after in _THOUSAND_ABBREVIATIONS:
        value *= 1000
    cue = False
    j = i - 1
    while j >= 0 and i - j <= 4 and tokens[j].value is None:
        word = tokens[j].text
        if word in _CUES:
            cue = True
            break
        if word in _NEGATED_CUES and j > 0 and tokens[j - 1].text in ("не", "ні"):
            cue = True
            break
        if word not in _BETWEEN:
            break
        j -= 1
    tail = " ".join(t.text for t in tokens[i + 1 : i + 4] if t.value is None)
    currency = after.startswith(_CURRENCY) or (after in _THOUSAND_ABBREVIATIONS and tail.split(" ", 1)[-1].startswith(_CURRENCY))
    # "півтори тисячі", "тисяча двісті п'ятдесят": a sum in thousands, most likely money (not a year)
    thousands = value >= 1000 and not token.digits and not after.startswith(("рок", "рік", "год"))
    if not cue and not currency and not thousands:
        return None
    confidence = 1.0 if cue else 0.6  # "тисяча двісті гривень" may be a price, not a limit
    if _PER_SET[0] in tail and "колес" not in tail and "шин" not in tail:
        value //= 4  # "до дванадцяти тисяч за комплект": a limit per tire
    if not PRICE_MIN <= value <= PRICE_MAX:
        return None
    return value, confidence


def extract_max_price(text: Any) -> Slot | None:
    """The caller's price limit per tire as a `max_price` Slot (span in the normalised text), else None.

    Accepts a string or an `analyse.Analysis`. A number with a limit word ("до", "не дорожче",
    "в межах", "дешевше", "бюджет") is sure; a bare sum in hryvnias ("тисяча двісті гривень") is
    returned with confidence 0.6, for the policy to ask about.
    """
    from activities.brain.ukrainian.slots import Slot

    norm = _text_of(text)
    tokens = number_tokens(norm)
    spans: list[tuple[int, int]] | None = None
    best: Slot | None = None
    for i, token in enumerate(tokens):
        if token.value is None:
            continue
        found = _limit(tokens, i)
        if found is None:
            continue
        spans = spans or _spans(norm, tokens)
        value, confidence = found
        slot = Slot(name="max_price", value=value, span=spans[i], confidence=confidence)
        if best is None or slot.confidence > best.confidence:
            best = slot  # the first sure limit wins; a later one only if the first was unsure
    return best


def parse_max_price(text: str) -> int | None:
    """A sure price limit per tire in hryvnias ("до двох з половиною тисяч" → 2500), else None."""
    slot = extract_max_price(text)
    return slot.value if slot is not None and slot.sure else None
