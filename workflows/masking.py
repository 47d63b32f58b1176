"""Phone numbers masked for anything a person may read outside the call itself (logs, summaries)."""

from __future__ import annotations

import re

_PHONE_RE = re.compile(r"\+?\d[\d\s()-]{8,}\d")
# Call ids and Temporal run ids: their digit groups ("…-8380-8279-…") are not phone numbers, and
# ops copy them from the logs into the Temporal UI.
_UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def mask_phone(number: str) -> str:
    """+380501234567 → +38050***4567: enough to recognise, not enough to dial."""
    digits = re.sub(r"\D", "", number)
    if len(digits) < 7:
        return "***" if digits else ""
    prefix = "+" if number.strip().startswith("+") else ""
    return f"{prefix}{digits[:5]}***{digits[-4:]}"


# Inline markup only: every line of the details starts with our own label, so list and heading
# markers at a line's start cannot occur.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def markdown_text(text: str) -> str:
    """Text for a markdown view (the Temporal UI's Current Details) shown as written: a masked
    number's ``***`` or a caller's ``*`` does not turn into emphasis."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def mask_phones_in(text: str) -> str:
    """Mask every phone-number-looking run in free text (log lines); UUIDs stay whole."""
    masked: list[str] = []
    last = 0
    for uuid in _UUID_RE.finditer(text):
        masked += [_mask_runs(text[last : uuid.start()]), uuid.group(0)]
        last = uuid.end()
    masked.append(_mask_runs(text[last:]))
    return "".join(masked)


def _mask_runs(text: str) -> str:
    return _PHONE_RE.sub(lambda m: mask_phone(m.group(0)), text)

