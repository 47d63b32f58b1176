"""Relative Ukrainian dates: the understanding layer's own rules against `dateparser`.

    .venv/bin/python -m bench.dates_vs_dateparser

Both read the held-out corpus's utterances that name a day (tests/corpus: "завтра після обіду",
"в п'ятницю на десяту", "сьомого грудня", "післязавтра зранку" …) against the same `today`, and
each is right when it gives the expected ISO date. dateparser gets `languages=["uk"]`, the day as
RELATIVE_BASE and PREFER_DATES_FROM=future (a booking is never in the past); it searches the
sentence (`search_dates`), since a caller's turn is never a bare date. Prints the rate per date
form for both, and the cost per utterance.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from datetime import datetime

from activities.brain.ukrainian import understand
from tests.corpus.generator import heldout


def _dateparser_day(text: str, today) -> str | None:
    from dateparser.search import search_dates

    settings = {"RELATIVE_BASE": datetime.combine(today, datetime.min.time()), "PREFER_DATES_FROM": "future"}
    found = search_dates(text, languages=["uk"], settings=settings)
    return found[0][1].date().isoformat() if found else None


def main() -> None:
    cases = [case for case in heldout() if "date" in case.expected]
    right: Counter[tuple[str, str]] = Counter()
    total: Counter[str] = Counter()
    cost: dict[str, list[float]] = {"ours": [], "dateparser": []}
    for case in cases:
        form = case.forms.get("date", "date")
        total[form] += 1
        for name, read in (("ours", lambda c: understand(c.text, today=c.today).value("date")),
                           ("dateparser", lambda c: _dateparser_day(c.text, c.today))):
            started = time.perf_counter()
            got = read(case)
            cost[name].append((time.perf_counter() - started) * 1000)
            right[(name, form)] += got == case.expected["date"]
    print(f"{'form':<28} {'n':>4} {'ours':>7} {'dateparser':>11}")
    for form in sorted(total):
        print(f"{form:<28} {total[form]:>4} {right[('ours', form)] / total[form]:>7.1%} "
              f"{right[('dateparser', form)] / total[form]:>11.1%}")
    n = len(cases)
    for name in ("ours", "dateparser"):
        hits = sum(v for (who, _), v in right.items() if who == name)
        print(f"{name}: {hits}/{n} = {hits / n:.1%}; p50 {statistics.median(cost[name]):.2f} ms per utterance")


if __name__ == "__main__":
    main()
