"""What the understanding layer hands the dialogue policy: typed slots with their span and certainty.

Every extractor of the pipeline (sizes, money, phones, order numbers, dates, vehicles, places,
tires, intents) returns `Slot`s; `Understanding` is the whole utterance's result. Values are
canonical and JSON-friendly, so the brains, the workflow and the test corpus compare them as they are:

    size          {"width": int | None, "profile": int | None, "rim": int | None}
    season        "summer" | "winter" | "all_season"        studded  bool
    brand, model  the catalogue's names
    vehicle       {"make": str, "model": str | None, "year": int | None} (names as in the fitment table)
    max_price     int, hryvnias                              quantity int
    city          nominative, as in the store's geography    branch   str of digits
    phone         E.164, "+380XXXXXXXXX"                     order_number str of digits
    date          ISO "YYYY-MM-DD", resolved against the day given
    time          "HH:MM"                                    part_of_day "morning" | "afternoon" | "evening"
    intent        see `intents`
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SLOT_NAMES = (
    "size", "season", "studded", "brand", "model", "vehicle", "max_price", "quantity", "city",
    "branch", "phone", "order_number", "date", "time", "part_of_day", "intent",
)

# Below this the policy asks a short question naming what is missing instead of using the value.
SURE = 0.8


class Slot(BaseModel):
    """One thing the caller said: its canonical value, where it stands and how sure the layer is."""

    model_config = ConfigDict(frozen=True)

    name: str
    value: Any
    span: tuple[int, int] = Field(description="character offsets in Understanding.text (the normalised text)")
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)

    @property
    def sure(self) -> bool:
        return self.confidence >= SURE


class Understanding(BaseModel):
    """An utterance, normalised, and the slots found in it (only those found)."""

    model_config = ConfigDict(frozen=True)

    text: str
    slots: dict[str, Slot] = Field(default_factory=dict)

    def value(self, name: str, default: Any = None) -> Any:
        slot = self.slots.get(name)
        return default if slot is None else slot.value

    def unsure(self) -> list[Slot]:
        """Slots heard but not sure enough to act on: the policy asks about these."""
        return [slot for slot in self.slots.values() if not slot.sure]
