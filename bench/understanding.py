"""The understanding layer on the held-out corpus: accuracy per slot and per form, cost per utterance.

    callcenter bench understanding                       # print the tables
    callcenter bench understanding --output docs/agent.md   # and replace the section between
                                                         # <!-- bench-understanding:begin/end -->

The corpus is tests/corpus/ (seeded grammars over the store's data; held-out seeds only). Cost is
the wall time of one `understand()` call per utterance after a warm-up on development cases, on
this process's one core; the issue's bar is 5 ms p95 per caller turn.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

SECTION_BEGIN = "<!-- bench-understanding:begin -->"
SECTION_END = "<!-- bench-understanding:end -->"
COST_BAR_MS = 5.0


def run(n_per_seed: int | None = None) -> tuple[Any, dict[str, Any]]:
    from activities.brain.ukrainian import understand
    from callcenter.settings import get_settings
    from tests.corpus.generator import CASES_PER_SEED, HELDOUT_SEEDS, development, heldout
    from tests.corpus.scoring import score

    from bench.report import machine_info

    n = n_per_seed or CASES_PER_SEED
    report = score(heldout(n), understand, warm_up=development(100))
    info = machine_info(get_settings())
    info.update(seeds=list(HELDOUT_SEEDS), cases=report.cases)
    return report, info


def _rows(report: Any) -> tuple[list[str], list[str]]:
    from tests.corpus.scoring import THRESHOLDS

    slots = ["| slot | accuracy | cases | bar |", "|---|---:|---:|---:|"]
    for name in sorted(report.slots, key=lambda s: (s not in THRESHOLDS, s)):
        tally = report.slots[name]
        bar = THRESHOLDS.get(name)
        verdict = "" if bar is None else (f"{bar:.0%} ✓" if tally.rate >= bar else f"{bar:.0%} ✗")
        slots.append(f"| {name} | {tally.rate:.1%} | {tally.total} | {verdict} |")
    forms = ["| form | accuracy | cases |", "|---|---:|---:|"]
    for name in sorted(report.forms):
        tally = report.forms[name]
        forms.append(f"| {name} | {tally.rate:.1%} | {tally.total} |")
    return slots, forms


def cost_line(report: Any) -> str:
    p50, p95, p99 = (report.percentile(q) for q in (50, 95, 99))
    verdict = "within" if p95 <= COST_BAR_MS else "over"
    return (f"`understand()` per utterance: p50 {p50:.2f} ms, p95 {p95:.2f} ms, p99 {p99:.2f} ms, "
            f"max {max(report.timings_ms):.2f} ms over {len(report.timings_ms)} utterances "
            f"({verdict} the {COST_BAR_MS:.0f} ms p95 bar)")


def markdown_section(report: Any, info: dict[str, Any]) -> str:
    slots, forms = _rows(report)
    return "\n".join([
        SECTION_BEGIN,
        f"Measured {info['date']} by `callcenter bench understanding` (commit {info['commit'] or '?'}): "
        f"{info['nproc']} CPU ({info['cpu']}), Python {info['python']}; held-out seeds "
        f"{', '.join(map(str, info['seeds']))}, {info['cases']} utterances.",
        "",
        cost_line(report) + ".",
        "",
        "Per slot (a slot is scored in every case that names it, including the cases where it must be absent; "
        "`date_group` is date, time and part of day together):",
        "",
        *slots,
        "",
        "Per form (the slot the form is of; filler, carrier and year forms: every slot of the case):",
        "",
        *forms,
        SECTION_END,
    ])


def text_table(report: Any) -> str:
    slots, forms = _rows(report)
    strip = [line for line in slots + [""] + forms if not line.startswith("|---")]
    return "\n".join([*strip, "", cost_line(report)])


def run_understanding_bench(*, output: Path | None = None, as_json: bool = False, n_per_seed: int | None = None,
                            out: TextIO = sys.stdout) -> int:
    from bench.report import write_markdown

    report, info = run(n_per_seed)
    if as_json:
        out.write(json.dumps({
            "bench": "understanding", **info,
            "slots": {k: {"accuracy": v.rate, "cases": v.total} for k, v in report.slots.items()},
            "forms": {k: {"accuracy": v.rate, "cases": v.total} for k, v in report.forms.items()},
            "cost_ms": {f"p{q}": report.percentile(q) for q in (50, 95, 99)},
        }, ensure_ascii=False) + "\n")
    else:
        out.write(text_table(report) + "\n")
    if output is not None:
        write_markdown(output, markdown_section(report, info), begin=SECTION_BEGIN, end=SECTION_END)
        if not as_json:
            out.write(f"wrote {output}\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="callcenter bench understanding", description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, help="replace the bench-understanding section of this markdown file")
    parser.add_argument("--json", action="store_true", help="print one JSON line instead of the tables")
    parser.add_argument("--cases-per-seed", type=int, default=None, help="default: the corpus's own (1000)")
    args = parser.parse_args(argv)
    return run_understanding_bench(output=args.output, as_json=args.json, n_per_seed=args.cases_per_seed)


if __name__ == "__main__":
    raise SystemExit(main())
