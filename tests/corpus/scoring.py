"""Scoring the understanding layer on corpus cases: accuracy per slot and per form, and its cost.

A case is right for a slot when the layer's value equals the expected one; an expected None means
the slot must be absent (a phone read as an order number is wrong for both). Slot accuracy counts
every case that scores the slot, so the size figure includes money cases where no size was said.
"date" in the thresholds is the date group: a day-and-time case is right only when date, time and
part of day all are.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.corpus.generator import DATE_GROUP, Case

THRESHOLDS = {
    "size": 0.99, "max_price": 0.99, "phone": 0.99, "order_number": 0.99,
    "vehicle": 0.97, "city": 0.97, "date_group": 0.97,
}


@dataclass
class Tally:
    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.right += ok
        self.total += 1

    @property
    def rate(self) -> float:
        return self.right / self.total if self.total else 0.0


@dataclass
class Miss:
    case: Case
    slot: str
    expected: Any
    got: Any


@dataclass
class Report:
    slots: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    forms: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    misses: list[Miss] = field(default_factory=list)
    timings_ms: list[float] = field(default_factory=list)
    cases: int = 0

    def rate(self, slot: str) -> float:
        return self.slots[slot].rate

    def below_threshold(self) -> dict[str, float]:
        return {s: self.rate(s) for s, bar in THRESHOLDS.items() if self.rate(s) < bar}

    def percentile(self, q: float) -> float:
        values = sorted(self.timings_ms)
        if not values:
            return 0.0
        return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def _value(understanding: Any, name: str) -> Any:
    slot = understanding.slots.get(name)
    return None if slot is None else slot.value


def score(cases: Sequence[Case], understand: Callable[..., Any], *, warm_up: Sequence[Case] = ()) -> Report:
    """Run every case through `understand(text, today=…, caller_number=None)` and tally it."""
    for case in warm_up:
        understand(case.text, today=case.today, caller_number=None)
    report = Report()
    for case in cases:
        start = time.perf_counter()
        understanding = understand(case.text, today=case.today, caller_number=None)
        report.timings_ms.append((time.perf_counter() - start) * 1000)
        report.cases += 1
        right: dict[str, bool] = {}
        for name, expected in case.expected.items():
            got = _value(understanding, name)
            ok = got == expected
            right[name] = ok
            report.slots[name].add(ok)
            if not ok:
                report.misses.append(Miss(case, name, expected, got))
        if any(name in case.expected for name in DATE_GROUP):
            report.slots["date_group"].add(all(right.get(name, True) for name in DATE_GROUP))
        for name, form in case.forms.items():
            report.forms[form].add(right.get(name, all(right.values())))
        for form in case.extra_forms.values():
            report.forms[form].add(all(right.values()))
    return report


def misses_text(report: Report, limit: int = 25) -> str:
    lines = []
    for miss in report.misses[:limit]:
        form = miss.case.forms.get(miss.slot, "")
        lines.append(f"  [{miss.slot} {form}] {miss.case.text!r}: expected {miss.expected!r}, got {miss.got!r}")
    return "\n".join(lines)
