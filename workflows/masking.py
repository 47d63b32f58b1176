"""Phone numbers masked for anything a person may read outside the call itself (logs, summaries)."""

from __future__ import annotations

import re

_PHONE_RE = re.compile(r"\+?\d[\d\s()-]{8,}\d")


def mask_phone(number: str) -> str:
    """+380501234567 → +38050***4567: enough to recognise, not enough to dial."""
    digits = re.sub(r"\D", "", number)
    if len(digits) < 7:
        return "***" if digits else ""
    prefix = "+" if number.strip().startswith("+") else ""
    return f"{prefix}{digits[:5]}***{digits[-4:]}"


def mask_phones_in(text: str) -> str:
    """Mask every phone-number-looking run in free text (log lines)."""
    return _PHONE_RE.sub(lambda m: mask_phone(m.group(0)), text)

