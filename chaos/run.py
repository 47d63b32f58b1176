"""``callcenter chaos`` (``make chaos``): run the fault scenarios at full size, print what each
tried and lost, and keep the table in docs/reliability.md.

    callcenter chaos                         every scenario, full size
    callcenter chaos --only fuzz,silent      some of them
    callcenter chaos --quick                 the sizes ``make test`` uses
    callcenter chaos --output docs/reliability.md
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Sequence
from pathlib import Path

from chaos.report import ChaosResult, Scenario, markdown_table, text_report

# Each module has SCENARIOS: list[Scenario].
SCENARIO_MODULES = ("chaos.audiosocket", "chaos.processes", "chaos.orders")
HEADING = "## Latest chaos run"


def all_scenarios() -> list[Scenario]:
    found: list[Scenario] = []
    for name in SCENARIO_MODULES:
        found.extend(importlib.import_module(name).SCENARIOS)
    return found


def pick(scenarios: Sequence[Scenario], only: str | None) -> list[Scenario]:
    if not only:
        return list(scenarios)
    wanted = [w.strip() for w in only.split(",") if w.strip()]
    known = {s.name for s in scenarios}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise ValueError(f"no scenario {', '.join(unknown)}; have {', '.join(sorted(known))}")
    return [s for s in scenarios if s.name in wanted]


async def run_scenarios(scenarios: Sequence[Scenario], *, quick: bool, out=sys.stdout) -> list[ChaosResult]:
    results = []
    for scenario in scenarios:
        size = scenario.quick if quick else scenario.full
        out.write(f"chaos: {scenario.name} ({scenario.what}, size {size})…\n")
        out.flush()
        started = time.monotonic()
        try:
            result = await scenario.run(size)
        except Exception as err:  # noqa: BLE001 - a scenario that breaks is itself a finding
            logging.getLogger("chaos").exception("scenario %s failed", scenario.name)
            result = ChaosResult(scenario.name, f"size {size}", lost=[f"the scenario itself failed: {err!r}"])
        result.seconds = result.seconds or time.monotonic() - started
        out.write(text_report(result) + "\n")
        out.flush()
        results.append(result)
    return results


async def until_terminated[T](work: Awaitable[T]) -> T:
    """Await ``work``; SIGTERM (a timeout, ``kill``) cancels it as Ctrl-C does, so every
    scenario's cleanup stops the Temporal server, PostgreSQL and workers it started instead of
    leaving them running (SIGTERM's default would end the process on the spot)."""
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        return await work
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


def markdown_section(results: Sequence[ChaosResult], info: dict[str, object], quick: bool) -> str:
    return "\n".join([
        HEADING,
        "",
        f"Run {info['date']} by `callcenter chaos{' --quick' if quick else ''}` (commit {info['commit'] or '?'}): "
        f"{info['nproc']} CPU ({info['cpu']}), Python {info['python']}; PostgreSQL {info['postgres']}.",
        "",
        markdown_table(results),
        "",
    ])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="callcenter chaos", description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="comma-separated scenario names")
    parser.add_argument("--quick", action="store_true", help="the small sizes the test suite uses")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--output", type=Path, help="put the results table in this markdown file")
    args = parser.parse_args(argv)
    scenarios = pick(all_scenarios(), args.only)
    if args.list:
        for s in scenarios:
            print(f"{s.name:<18} {s.what} (full {s.full}, quick {s.quick})")
        return 0
    for name in ("media_edge", "temporalio", "activities", "workflows", "store", "uvicorn", "callcenter"):
        logging.getLogger(name).setLevel(logging.ERROR)  # the faults are on purpose; the report says what broke
    try:
        results = asyncio.run(until_terminated(run_scenarios(scenarios, quick=args.quick)))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("chaos: stopped before the end; the servers and workers it started are stopped too", file=sys.stderr)
        return 130
    if args.output is not None:
        from bench.report import machine_info, replace_section
        from callcenter.settings import get_settings

        replace_section(args.output, markdown_section(results, machine_info(get_settings()), args.quick), HEADING)
        print(f"wrote {args.output}")
    lost = [r.name for r in results if not r.ok]
    print("chaos: nothing lost" if not lost else f"chaos: losses in {', '.join(lost)}")
    return 0 if not lost else 1


if __name__ == "__main__":
    raise SystemExit(main())
