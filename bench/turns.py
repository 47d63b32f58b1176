"""Benchmark: our own overhead per caller turn, end of the caller's turn → first agent audio frame.

What it does, per concurrency level (default 1 and 20 calls at once):

* starts its own Temporal dev server and PostgreSQL (embedded, unless DATABASE_URL is set) in a
  temporary directory on free ports, then the store, the calls worker and the media edge in this
  process (``running_system``), so it never collides with a running ``make demo``;
* dials the edge over the real AudioSocket path (``AsteriskLeg``: TCP, real-time 20 ms frames,
  the edge's real VAD and endpointer on real espeak-ng audio). The caller lines are synthesised
  once, before anything is measured, and by default the callers run in a child process (as
  Asterisk would be), so neither the caller's TTS nor its frame pacing shares the edge's event
  loop;
* each caller speaks a cycle of short lines that exercise the store tools (search, availability),
  and barges in ~300-500 ms after the first agent audio of each reply with its next line;
* afterwards reads the edge's own per-turn ``TurnTiming`` records (``EdgeContext.turn_log``):

  - ``overhead``: endpointer fired → first agent audio frame on the wire (our cost);
  - ``first audio``: caller's end of speech → first agent audio (adds the endpointing silence);
  - breakdown: detected → transcript (STT final), transcript → first text (edge → workflow
    update → agent step → first sentence), first text → first audio (TTS first chunk + playout
    tick); and the caller-measured latency as the leg saw it on the wire, as a cross-check.

``run_turns_bench`` is what ``callcenter bench turns`` calls; ``measure_level`` runs one level
against an already running system (tests). The simulated callers live in ``bench.callers`` (its
child process is started as ``python -m bench.turns --callers``), the stats and the text and
markdown reports in ``bench.report``; their names are re-exported here.
"""

from __future__ import annotations
import asyncio
import contextlib
import json
import logging
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from bench.callers import (
    BARGE_IN_GRACE_S,
    CALLER_LINES,
    GAP_S,
    RATE,
    REPLY_TIMEOUT_S,
    CallPlan,
    SpokenTurn,
    callers_in_child as run_callers_in_child,
    _child_main,
    plan_calls,
    run_callers,
    synthesise_lines,
)
from bench.report import (
    SECTION_BEGIN,
    SECTION_END,
    LevelResult,
    Stats,
    loop_lag_probe,
    machine_info,
    markdown_section,
    text_table,
    write_markdown,
)
from callcenter.settings import Settings

__all__ = [
    "BARGE_IN_GRACE_S",
    "CALLER_LINES",
    "GAP_S",
    "RATE",
    "REPLY_TIMEOUT_S",
    "SECTION_BEGIN",
    "SECTION_END",
    "WARMUP_TURNS",
    "CallPlan",
    "LevelResult",
    "SpokenTurn",
    "Stats",
    "bench_turns",
    "collect",
    "machine_info",
    "main",
    "markdown_section",
    "measure_level",
    "plan_calls",
    "run_callers",
    "run_turns_bench",
    "step_latencies",
    "synthesise_lines",
    "text_table",
    "write_markdown",
]

log = logging.getLogger("bench.turns")

WARMUP_TURNS = 2


# --- measuring a level against a running system ----------------------------------------------


async def measure_level(
    system: Any,
    calls: int,
    turns: int,
    *,
    lines: Sequence[str] = CALLER_LINES,
    pcm: Sequence[bytes] | None = None,
    callers_in_child: bool = False,
    seed: int = 1,
) -> LevelResult:
    """Run ``calls`` concurrent calls of ``turns`` turns each against a running system
    (``callcenter.devstack.inprocess.System``) and collect the edge's timings of their turns."""
    settings = system.settings
    if pcm is None and not callers_in_child:
        pcm = await synthesise_lines(lines)
    mean_speech_s = (
        float(np.mean([len(p) / 2 / RATE for p in pcm])) if pcm is not None else 2.2
    )
    turn_period_s = mean_speech_s + settings.end_of_turn_silence_ms / 1000 + 0.2 + sum(GAP_S) / 2
    plans = plan_calls(calls, turns, line_count=len(lines), turn_period_s=turn_period_s, seed=seed)
    lags: list[float] = []
    probe = asyncio.create_task(loop_lag_probe(lags), name="bench-loop-lag")
    started = time.monotonic()
    try:
        spoken = await _run_plans(settings, plans, lines, pcm, callers_in_child)
    finally:
        probe.cancel()
        await asyncio.gather(probe, return_exceptions=True)
    wall_s = time.monotonic() - started
    steps = await step_latencies(system.pool, [p.call_id for p in plans])
    return collect(system.edge.ctx.turn_log, plans, spoken, calls=calls, turns=turns, wall_s=wall_s,
                   loop_lag=lags, steps=steps)


async def step_latencies(pool: Any, call_ids: Sequence[str], timeout_s: float = 15.0) -> dict[tuple[str, int], float]:
    """(call id, turn id) → the agent step's own start → first sentence, from the call records
    (written by the workflow once each call has ended)."""
    deadline = time.monotonic() + timeout_s
    rows: list[Any] = []
    while time.monotonic() < deadline:
        rows = await pool.fetch(
            "SELECT call_id::text AS call_id, latencies FROM callcenter.calls "
            "WHERE call_id = ANY($1::uuid[]) AND ended_at IS NOT NULL",
            list(call_ids),
        )
        if len(rows) >= len(call_ids):
            break
        await asyncio.sleep(0.2)
    out: dict[tuple[str, int], float] = {}
    for row in rows:
        latencies = row["latencies"]
        for item in json.loads(latencies) if isinstance(latencies, str) else latencies or []:
            if item.get("first_text_ms") is not None:
                out[(row["call_id"], int(item["turn_id"]))] = float(item["first_text_ms"])
    return out


async def _run_plans(settings: Settings, plans: Sequence[CallPlan], lines: Sequence[str],
                     pcm: Sequence[bytes] | None, callers_in_child: bool) -> list[SpokenTurn]:
    if callers_in_child:
        return await run_callers_in_child(settings.edge_url, settings.edge_host, settings.audiosocket_port,
                                           plans, lines, RATE)
    assert pcm is not None
    return await run_callers(settings.edge_url, settings.edge_host, settings.audiosocket_port, plans, lines, pcm)


def collect(turn_log: Any, plans: Sequence[CallPlan], spoken: Sequence[SpokenTurn], *,
            calls: int, turns: int, wall_s: float, loop_lag: Sequence[float] = (),
            steps: dict[tuple[str, int], float] | None = None) -> LevelResult:
    ids = {p.call_id for p in plans}
    timings = {(t.call_id, t.turn_id): t for t in list(turn_log) if t.call_id in ids}
    said = [t for t in spoken if t.turn > 0]
    errors = [f"{t.call_id[:8]} turn {t.turn}: {t.error}" for t in spoken if t.error]
    missing = [f"{t.call_id[:8]} turn {t.turn}" for t in said if (t.call_id, t.turn) not in timings]
    matched = [timings[(t.call_id, t.turn)] for t in said if (t.call_id, t.turn) in timings]

    def ms(values: Sequence[float | None]) -> Stats | None:
        return Stats.of([v for v in values if v is not None])

    steps = steps or {}
    split = [(t, steps[(t.call_id, t.turn_id)]) for t in matched
             if t.first_text_at is not None and (t.call_id, t.turn_id) in steps]

    return LevelResult(
        calls=calls,
        turns_per_call=turns,
        turns_spoken=len(said),
        timed=len(matched),
        overhead=ms([t.overhead_ms for t in matched]),
        first_audio=ms([t.first_audio_ms for t in matched]),
        endpointing=ms([(t.detected_at - t.speech_end_at) * 1000 for t in matched]),
        to_transcript=ms([(t.transcript_at - t.detected_at) * 1000 for t in matched]),
        to_first_text=ms([None if t.first_text_at is None else (t.first_text_at - t.transcript_at) * 1000
                          for t in matched]),
        temporal_hops=ms([(t.first_text_at - t.transcript_at) * 1000 - step for t, step in split]),
        step_first_text=ms([step for _t, step in split]),
        to_first_audio=ms([None if t.first_text_at is None or t.first_audio_at is None
                           else (t.first_audio_at - t.first_text_at) * 1000 for t in matched]),
        caller=ms([t.caller_ms for t in said]),
        loop_lag=Stats.of([max(0.0, v) for v in loop_lag]),
        talk_over=Stats.of([t.talk_over_ms for t in said if t.talk_over_ms > 0]),
        wall_s=wall_s,
        missing=missing,
        caller_errors=errors,
    )


# --- the whole bench: servers, system, levels, report -----------------------------------------


async def bench_turns(
    settings: Settings,
    concurrency: Sequence[int],
    turns: int,
    *,
    callers_in_child: bool = True,
    warmup: bool = True,
    progress: TextIO | None = sys.stderr,
) -> list[LevelResult]:
    from callcenter.devstack.inprocess import own_servers, running_system
    from temporal.client import connect

    def say(text: str) -> None:
        if progress is not None:
            progress.write(text + "\n")
            progress.flush()

    root = Path(tempfile.mkdtemp(prefix="callcenter-bench-"))
    try:
        t0 = time.monotonic()
        async with own_servers(settings, root) as (temporal, database_url):
            client = await connect(temporal.address, temporal.namespace)
            overrides = {
                "end_of_turn_silence_ms": settings.end_of_turn_silence_ms,
                "stt_engine": settings.stt_engine,
                "tts_engine": settings.tts_engine,
                "llm_engine": settings.llm_engine,
            }
            async with running_system(client, temporal.address, database_url, **overrides) as system:
                say(f"bench: Temporal, PostgreSQL, store, worker and edge ready in {time.monotonic() - t0:.1f} s")
                pcm = await synthesise_lines(CALLER_LINES)
                if warmup:
                    await measure_level(system, 1, WARMUP_TURNS, pcm=pcm, callers_in_child=callers_in_child)
                    say("bench: warm-up call done (not counted)")
                results = []
                for calls in concurrency:
                    say(f"bench: {calls} concurrent call(s) × {turns} turns…")
                    result = await measure_level(system, calls, turns, pcm=pcm, callers_in_child=callers_in_child)
                    say(f"bench: {calls} call(s) done in {result.wall_s:.0f} s, {result.timed}/{result.turns_spoken} turns timed")
                    results.append(result)
                    await asyncio.sleep(1.0)
                return results
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run_turns_bench(
    settings: Settings,
    *,
    concurrency: Sequence[int] = (1, 20),
    turns: int = 20,
    output: Path | None = None,
    as_json: bool = False,
    callers_in_child: bool = True,
    out: TextIO = sys.stdout,
) -> int:
    """``callcenter bench turns``: returns the exit code (1 if any turn went unanswered or untimed)."""
    if not concurrency or any(c < 1 for c in concurrency) or turns < 1:
        raise ValueError("concurrency levels and turns must be positive")
    quiet = logging.getLogger().getEffectiveLevel() > logging.DEBUG
    if quiet:  # one INFO line per call and per barge-in would drown the table
        for name in ("media_edge", "temporalio"):
            logging.getLogger(name).setLevel(logging.WARNING)
    results = asyncio.run(bench_turns(settings, concurrency, turns, callers_in_child=callers_in_child))
    info = machine_info(settings)
    if as_json:
        for r in results:
            out.write(json.dumps({"bench": "turns", **info, **r.as_json()}, ensure_ascii=False) + "\n")
    else:
        out.write(text_table(results, info) + "\n")
    if output is not None:
        write_markdown(output, markdown_section(results, info, turns=turns, callers_in_child=callers_in_child))
        if not as_json:
            out.write(f"wrote {output}\n")
    return 0 if all(r.ok for r in results) else 1


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.turns", description=__doc__.split("\n")[0])
    parser.add_argument("--calls", default="1,20")
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--output", type=Path)
    parser.add_argument("--json", action="store_true", help="one JSON line per level instead of the table")
    parser.add_argument("--callers-in-process", action="store_true",
                        help="run the simulated callers in the edge's process (default: a child process)")
    parser.add_argument("--callers", action="store_true", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args(argv)
    if args.callers:
        asyncio.run(_child_main(sys.stdin, sys.stdout))
        return 0
    from callcenter.logging_setup import setup_logging
    from callcenter.settings import get_settings

    setup_logging()
    return run_turns_bench(
        get_settings(), concurrency=[int(n) for n in args.calls.split(",")], turns=args.turns,
        output=args.output, as_json=args.json, callers_in_child=not args.callers_in_process,
    )


if __name__ == "__main__":
    raise SystemExit(main())
