"""Fixed phrases the agent says often, in Ukrainian.

Kept free of audio imports so workflow code (Temporal's sandbox) can share the exact texts the
edge pre-synthesises: a workflow names a phrase by key and the edge plays it from its cache with
no synthesis on the hot path.
"""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType
from typing import Final


class Phrase(StrEnum):
    GREETING = "greeting"
    CHECKING = "checking"
    GOODBYE = "goodbye"
    TRANSFER = "transfer"
    APOLOGY = "apology"
    REPROMPT = "reprompt"
    NOT_UNDERSTOOD = "not_understood"


# Read-only: the cache and the workflows must agree on these texts.
PHRASES: Final = MappingProxyType(
    {
        Phrase.GREETING: "Доброго дня! Шиномонтаж і шини «Колесо». Я віртуальний помічник. "
        "Чим можу допомогти?",
        Phrase.CHECKING: "Хвилинку, перевіряю.",
        Phrase.GOODBYE: "Дякуємо за дзвінок! Гарного дня.",
        Phrase.TRANSFER: "З'єдную вас з оператором. Залишайтеся на лінії, будь ласка.",
        Phrase.APOLOGY: "Вибачте, сталася технічна затримка.",
        Phrase.REPROMPT: "Ви ще на лінії? Чим можу допомогти?",
        Phrase.NOT_UNDERSTOOD: "Вибачте, не розчула. Повторіть, будь ласка.",
    }
)
