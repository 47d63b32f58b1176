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
    STILL_CHECKING = "still_checking"
    STILL_WAITING = "still_waiting"
    GOODBYE = "goodbye"
    TRANSFER = "transfer"
    APOLOGY = "apology"
    REPROMPT = "reprompt"
    NOT_UNDERSTOOD = "not_understood"
    NO_INPUT_GOODBYE = "no_input_goodbye"
    TIME_WARNING = "time_warning"
    MAX_DURATION = "max_duration"
    CALLBACK = "callback"
    CONFIRM_AGAIN = "confirm_again"


# Read-only: the cache and the workflows must agree on these texts.
PHRASES: Final = MappingProxyType(
    {
        # Short on purpose: callers want to speak, and they should know it is a machine.
        Phrase.GREETING: "Колесо, вітаю! Я віртуальний помічник. Чим можу допомогти?",
        Phrase.CHECKING: "Хвилинку, перевіряю.",
        Phrase.STILL_CHECKING: "Ще секунду, будь ласка.",
        Phrase.STILL_WAITING: "Дякую за терпіння, ще мить.",
        Phrase.GOODBYE: "Дякуємо за дзвінок! Гарного дня.",
        Phrase.TRANSFER: "З'єдную вас з оператором. Залишайтеся на лінії, будь ласка.",
        Phrase.APOLOGY: "Вибачте, сталася технічна затримка.",
        Phrase.REPROMPT: "Ви мене чуєте? Чим можу допомогти?",
        Phrase.NOT_UNDERSTOOD: "Вибачте, не розчула. Повторіть, будь ласка.",
        Phrase.NO_INPUT_GOODBYE: "На жаль, вас не чути. Передзвоніть нам, будь ласка. До побачення!",
        Phrase.TIME_WARNING: "Перепрошую, у нас залишилося пів хвилини розмови.",
        Phrase.MAX_DURATION: "На жаль, час розмови вичерпано. Передзвоніть нам, будь ласка. До побачення!",
        Phrase.CONFIRM_AGAIN: "Вибачте, не зрозуміла. Так чи ні? Можна натиснути один.",
        Phrase.CALLBACK: "Оператори зараз не на зв'язку. Ми вам передзвонимо. Дякуємо за дзвінок!",
    }
)
