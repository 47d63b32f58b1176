"""What a fault scenario reports: what it tried, what it checked, and what was lost."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field


@dataclass
class ChaosResult:
    """One scenario's outcome. ``lost`` lists every loss in words (an order missing or doubled,
    an SMS not sent or sent twice, a turn unanswered, the edge down); empty means nothing lost."""

    name: str
    tried: str  # what was done, with its numbers: "10 000 fuzzed streams beside 1 real call"
    checked: dict[str, int | float | str] = field(default_factory=dict)  # what was counted afterwards
    lost: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.lost


@dataclass(frozen=True)
class Scenario:
    """A named fault scenario: ``run(size)`` builds what it needs, breaks it, checks, cleans up.
    ``full`` is the size ``make chaos`` uses; ``quick`` the one ``make test`` uses."""

    name: str
    what: str
    run: Callable[[int], Awaitable[ChaosResult]]
    full: int
    quick: int


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(results: Sequence[ChaosResult]) -> str:
    rows = ["| scenario | tried | checked | lost | s |", "|---|---|---|---|---:|"]
    for r in results:
        checked = ", ".join(f"{k} {v}" for k, v in r.checked.items()) or "—"
        lost = "nothing" if r.ok else "; ".join(r.lost)
        rows.append(f"| {r.name} | {_cell(r.tried)} | {_cell(checked)} | {_cell(lost)} | {r.seconds:.0f} |")
    return "\n".join(rows)


def text_report(result: ChaosResult) -> str:
    lines = [f"{'✓' if result.ok else '✗'} {result.name} ({result.seconds:.0f} s): {result.tried}"]
    for key, value in result.checked.items():
        lines.append(f"    {key}: {value}")
    lines.append("    lost: nothing" if result.ok else "    lost:")
    lines.extend(f"      - {item}" for item in result.lost)
    return "\n".join(lines)
