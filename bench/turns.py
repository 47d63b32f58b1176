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
against an already running system (tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import httpx
import numpy as np

from callcenter.settings import Settings

log = logging.getLogger("bench.turns")

# Short caller lines that each get an answer from the rules brain and never end the call: no
# goodbye or operator words, and nothing starting with "ні" (after an availability answer the
# brain takes "ні…" as "no, nothing else" and says goodbye). Sizes search the catalogue
# (search_tires), "перша/друга … є в <місті>" checks stock (check_availability).
CALLER_LINES: tuple[str, ...] = (
    "зимові двісті п'ять п'ятдесят п'ять ер шістнадцять",
    "а перша є в наявності у Києві?",
    "а літні?",
    "друга є у Львові?",
    "а сто дев'яносто п'ять шістдесят п'ять ер п'ятнадцять?",
    "перша є в Одесі?",
)
RATE = 16000
GAP_S = (0.3, 0.5)  # after the first agent audio of a reply, the caller barges in after this
REPLY_TIMEOUT_S = 20.0
WARMUP_TURNS = 2
# The edge needs 100 ms of speech to start a turn (and cut the agent off); allow for that and a margin.
BARGE_IN_GRACE_S = 0.3
SECTION_BEGIN = "<!-- bench-turns:begin -->"
SECTION_END = "<!-- bench-turns:end -->"


# --- the callers (in this process or a child process) ---------------------------------------


@dataclass
class CallPlan:
    call_id: str
    start_delay_s: float
    lines: list[int]  # indexes into the synthesised lines, one per turn
    seed: int


@dataclass
class SpokenTurn:
    """One caller turn as the simulated Asterisk leg saw it (monotonic seconds, system-wide)."""

    call_id: str
    turn: int
    text: str
    speech_end: float
    first_audio: float | None = None
    error: str = ""
    talk_over_ms: float = 0.0  # agent audio received while the caller spoke, after barge-in should have cut it

    @property
    def caller_ms(self) -> float | None:
        return None if self.first_audio is None else (self.first_audio - self.speech_end) * 1000


async def synthesise_lines(lines: Sequence[str], rate: int = RATE) -> list[bytes]:
    """The caller's voice for every line, once, before anything is measured."""
    from callcenter.simulator.runner import CallerVoice

    voice = CallerVoice()
    return [await voice.say(text, rate) for text in lines]


async def run_callers(
    edge_url: str,
    host: str,
    port: int,
    plans: Sequence[CallPlan],
    texts: Sequence[str],
    pcm: Sequence[bytes],
    *,
    rate: int = RATE,
    gap_s: tuple[float, float] = GAP_S,
) -> list[SpokenTurn]:
    """Dial every planned call through the AudioSocket path at once (each after its delay)."""
    async with httpx.AsyncClient(base_url=edge_url, timeout=5.0, trust_env=False) as http:
        per_call = await asyncio.gather(
            *(_one_call(http, host, port, plan, texts, pcm, rate, gap_s) for plan in plans)
        )
    return [turn for turns in per_call for turn in turns]


async def _one_call(
    http: httpx.AsyncClient,
    host: str,
    port: int,
    plan: CallPlan,
    texts: Sequence[str],
    pcm: Sequence[bytes],
    rate: int,
    gap_s: tuple[float, float],
) -> list[SpokenTurn]:
    from callcenter.simulator.asterisk_leg import AsteriskLeg

    rng = random.Random(plan.seed)
    spoken: list[SpokenTurn] = []
    await asyncio.sleep(plan.start_delay_s)
    response = await http.post(
        f"/calls/{plan.call_id}/register",
        json={"caller_number": f"+38067{plan.seed % 10_000_000:07d}", "dialled_number": "+380441234567",
              "channel": f"PJSIP/bench-{plan.call_id[:8]}"},
    )
    response.raise_for_status()
    leg = AsteriskLeg(host, port, call_id=plan.call_id, rate=rate)
    await leg.connect()
    try:
        try:
            await leg.wait_for_agent_audio(after=0.0, timeout=REPLY_TIMEOUT_S)  # the greeting
        except (TimeoutError, ConnectionError) as err:
            spoken.append(SpokenTurn(plan.call_id, 0, "(greeting)", time.monotonic(), error=str(err)))
            return spoken
        await asyncio.sleep(rng.uniform(*gap_s))
        for number, index in enumerate(plan.lines, start=1):
            text = texts[index]
            if leg.remote_closed.is_set():
                spoken.append(SpokenTurn(plan.call_id, number, text, time.monotonic(), error="the edge ended the call"))
                break
            (await http.post(f"/sim/calls/{plan.call_id}/utterances", json={"text": text})).raise_for_status()
            speech_start = time.monotonic()
            turn = SpokenTurn(plan.call_id, number, text, await leg.send_audio(pcm[index], rate))
            turn.talk_over_ms = _audio_ms_between(leg, speech_start + BARGE_IN_GRACE_S, turn.speech_end)
            spoken.append(turn)
            try:
                turn.first_audio = await leg.wait_for_agent_audio(after=turn.speech_end, timeout=REPLY_TIMEOUT_S)
            except (TimeoutError, ConnectionError) as err:
                turn.error = f"no agent audio: {err}"
                break
            await asyncio.sleep(rng.uniform(*gap_s))  # then barge in with the next line
        await leg.hangup()
    finally:
        await leg.close()
    return spoken


def _audio_ms_between(leg: Any, start: float, end: float) -> float:
    return sum(f.duration_s for f in leg.received if start <= f.t <= end and not f.silent) * 1000


async def _callers_in_child(
    edge_url: str, host: str, port: int, plans: Sequence[CallPlan], lines: Sequence[str], rate: int
) -> list[SpokenTurn]:
    """The callers in a child process (``python -m bench.turns --callers``), like a separate Asterisk."""
    request = {
        "edge_url": edge_url, "host": host, "port": port, "rate": rate, "lines": list(lines),
        "plans": [asdict(p) for p in plans],
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.turns", "--callers",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        cwd=str(Path(__file__).resolve().parent.parent),
    )
    out, _ = await proc.communicate(json.dumps(request).encode())
    if proc.returncode != 0:
        raise RuntimeError(f"the callers' process failed with exit code {proc.returncode}")
    return [SpokenTurn(**t) for t in json.loads(out)["turns"]]


async def _child_main(stdin: TextIO, stdout: TextIO) -> None:
    request = json.loads(stdin.read())
    lines = request["lines"]
    pcm = await synthesise_lines(lines, request["rate"])
    plans = [CallPlan(**p) for p in request["plans"]]
    # Delays were planned from the parent's start time; synthesis took a few ms of them.
    turns = await run_callers(request["edge_url"], request["host"], request["port"], plans, lines, pcm,
                              rate=request["rate"])
    stdout.write(json.dumps({"turns": [asdict(t) for t in turns]}))


# --- measuring a level against a running system ----------------------------------------------


@dataclass
class Stats:
    count: int
    p50: float
    p95: float
    p99: float
    max: float
    mean: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats | None:
        if not values:
            return None
        arr = np.asarray(values, dtype=float)
        p50, p95, p99 = np.percentile(arr, [50, 95, 99])
        return cls(len(arr), float(p50), float(p95), float(p99), float(arr.max()), float(arr.mean()))


@dataclass
class LevelResult:
    calls: int
    turns_per_call: int
    turns_spoken: int
    timed: int
    overhead: Stats | None
    first_audio: Stats | None
    endpointing: Stats | None  # speech end → endpointer fired
    to_transcript: Stats | None  # endpointer fired → STT final
    to_first_text: Stats | None  # STT final → first sentence from the agent step
    temporal_hops: Stats | None  # of which: edge → workflow update → agent step activity started
    step_first_text: Stats | None  # of which: agent step start → first sentence (brain + store tool)
    to_first_audio: Stats | None  # first sentence → first agent audio frame written
    caller: Stats | None  # as the leg measured it: its last speech frame sent → first audio received
    loop_lag: Stats | None  # how late a 10 ms timer on the edge's event loop fired, during the level
    talk_over: Stats | None  # per turn with any: agent audio heard over the caller after barge-in
    wall_s: float
    missing: list[str] = field(default_factory=list)
    caller_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.caller_errors and self.timed == self.turns_spoken

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["ok"] = self.ok
        return out


def plan_calls(calls: int, turns: int, *, line_count: int, turn_period_s: float, seed: int = 1) -> list[CallPlan]:
    """Staggered starts (spread over one turn period) and different places in the line cycle,
    so the calls' turns do not all end at the same instant."""
    plans = []
    for i in range(calls):
        delay = i * turn_period_s / calls if calls > 1 else 0.0
        plans.append(CallPlan(str(uuid.uuid4()), delay, [(i + k) % line_count for k in range(turns)], seed * 1000 + i))
    return plans


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
    probe = asyncio.create_task(_loop_lag_probe(lags), name="bench-loop-lag")
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


async def _loop_lag_probe(lags: list[float], period_s: float = 0.01) -> None:
    """Sample the event loop's scheduling delay: everything on the edge waits this long extra."""
    while True:
        t = time.monotonic()
        await asyncio.sleep(period_s)
        lags.append((time.monotonic() - t - period_s) * 1000)


async def _run_plans(settings: Settings, plans: Sequence[CallPlan], lines: Sequence[str],
                     pcm: Sequence[bytes] | None, callers_in_child: bool) -> list[SpokenTurn]:
    if callers_in_child:
        return await _callers_in_child(settings.edge_url, settings.edge_host, settings.audiosocket_port,
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


@contextlib.asynccontextmanager
async def _servers(settings: Settings, root: Path) -> AsyncIterator[tuple[Any, str]]:
    """A Temporal dev server and a database of our own: (temporal server, database URL)."""
    from callcenter.devstack.postgres import create_database, drop_database, with_database
    from callcenter.devstack.stack import start_postgres, start_temporal

    external = settings.database_url_env.get_secret_value() if settings.database_url_env else None

    async def pg() -> tuple[Any, str]:
        if external:
            name = f"bench_{uuid.uuid4().hex[:10]}"
            await create_database(external, name)
            return None, with_database(external, name)
        server = await start_postgres(root / "pgdata", durable=False, databases=["bench"],
                                      log_path=root / "postgres.log")
        return server, server.url("bench")

    results = await asyncio.gather(
        start_temporal(root / "temporal", ui_port=None), pg(), return_exceptions=True
    )
    temporal, pg_result = results
    embedded = pg_result[0] if isinstance(pg_result, tuple) else None
    try:
        for r in results:
            if isinstance(r, BaseException):
                raise r
        yield temporal, pg_result[1]
    finally:
        if external and isinstance(pg_result, tuple):
            with contextlib.suppress(Exception):
                await drop_database(external, pg_result[1].rsplit("/", 1)[-1].split("?")[0])
        stops = []
        if not isinstance(temporal, BaseException):
            stops.append(temporal.astop())
        if embedded is not None:
            stops.append(embedded.astop())
        await asyncio.gather(*stops, return_exceptions=True)


async def bench_turns(
    settings: Settings,
    concurrency: Sequence[int],
    turns: int,
    *,
    callers_in_child: bool = True,
    warmup: bool = True,
    progress: TextIO | None = sys.stderr,
) -> list[LevelResult]:
    from callcenter.devstack.inprocess import running_system
    from temporal.client import connect

    def say(text: str) -> None:
        if progress is not None:
            progress.write(text + "\n")
            progress.flush()

    root = Path(tempfile.mkdtemp(prefix="callcenter-bench-"))
    try:
        t0 = time.monotonic()
        async with _servers(settings, root) as (temporal, database_url):
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


def machine_info(settings: Settings) -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    commit = ""
    with contextlib.suppress(Exception):
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=Path(__file__).resolve().parent, timeout=5).stdout.strip()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "commit": commit,
        "end_of_turn_silence_ms": settings.end_of_turn_silence_ms,
        "postgres": "DATABASE_URL" if settings.database_url_env else "embedded",
    }


def _pp(s: Stats | None) -> str:
    return "—" if s is None else f"{s.p50:.0f} / {s.p95:.0f}"


def text_table(results: Sequence[LevelResult], info: dict[str, Any]) -> str:
    head = (f"{'calls':>5} {'timed':>7} │ {'overhead p50':>12} {'p95':>6} {'p99':>6} {'max':>6} │ "
            f"{'first audio p50':>15} {'p95':>6} │ {'det→stt':>9} {'stt→text':>9} {'(temporal':>9} {'step)':>9} "
            f"{'text→audio':>10} {'caller-seen':>11} "
            f"{'loop lag':>9}")
    lines = [
        f"Turn overhead (ms): endpointer fired → first agent audio frame; "
        f"end_of_turn_silence_ms={info['end_of_turn_silence_ms']}; {info['nproc']} CPU {info['cpu']}, "
        f"Python {info['python']}",
        head,
        "─" * len(head),
    ]
    for r in results:
        o, f = r.overhead, r.first_audio
        if o is None or f is None:
            lines.append(f"{r.calls:>5} {r.timed:>3}/{r.turns_spoken:<3} │ no timings")
            continue
        lines.append(
            f"{r.calls:>5} {r.timed:>3}/{r.turns_spoken:<3} │ {o.p50:>12.0f} {o.p95:>6.0f} {o.p99:>6.0f} {o.max:>6.0f} │ "
            f"{f.p50:>15.0f} {f.p95:>6.0f} │ {_pp(r.to_transcript):>9} {_pp(r.to_first_text):>9} "
            f"{_pp(r.temporal_hops):>9} {_pp(r.step_first_text):>9} "
            f"{_pp(r.to_first_audio):>10} {_pp(r.caller):>11} {_pp(r.loop_lag):>9}"
        )
    lines.append("breakdown columns: p50 / p95 ms; stt→text = (temporal: edge → update → agent step started) + "
                 "(step: step start → first sentence, incl. the store tool)")
    lines.append("caller-seen = the leg's last speech frame sent → first agent audio "
                 "received; loop lag = how late a 10 ms timer fired on the edge's event loop")
    for r in results:
        if r.talk_over is not None:
            lines.append(f"  ! {r.calls} calls: in {r.talk_over.count} of {r.turns_spoken} turns agent audio kept playing "
                         f"over the caller after barge-in (p50 {r.talk_over.p50:.0f} ms, max {r.talk_over.max:.0f} ms)")
        for problem in r.missing:
            lines.append(f"  ✗ {r.calls} calls: no timing for {problem}")
        for problem in r.caller_errors:
            lines.append(f"  ✗ {r.calls} calls: {problem}")
    return "\n".join(lines)


def markdown_section(results: Sequence[LevelResult], info: dict[str, Any], *, turns: int, callers_in_child: bool) -> str:
    rows = [
        "| calls | turns timed | overhead p50 | p95 | p99 | max | first audio p50 | p95 |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        o, f = r.overhead, r.first_audio
        if o is None or f is None:
            rows.append(f"| {r.calls} | {r.timed}/{r.turns_spoken} | — | — | — | — | — | — |")
        else:
            rows.append(f"| {r.calls} | {r.timed}/{r.turns_spoken} | {o.p50:.0f} | {o.p95:.0f} | {o.p99:.0f} | "
                        f"{o.max:.0f} | {f.p50:.0f} | {f.p95:.0f} |")
    breakdown = [
        "| calls | speech end → endpointer | endpointer → transcript | transcript → first text | "
        "(Temporal hops) | (agent step) | first text → first audio | caller-seen first audio | event-loop lag |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        breakdown.append(f"| {r.calls} | {_pp(r.endpointing)} | {_pp(r.to_transcript)} | {_pp(r.to_first_text)} | "
                         f"{_pp(r.temporal_hops)} | {_pp(r.step_first_text)} | "
                         f"{_pp(r.to_first_audio)} | {_pp(r.caller)} | {_pp(r.loop_lag)} |")
    problems = [f"- {r.calls} calls: in {r.talk_over.count} of {r.turns_spoken} turns agent audio kept playing over the "
                f"caller after barge-in (p50 {r.talk_over.p50:.0f} ms, max {r.talk_over.max:.0f} ms)"
                for r in results if r.talk_over is not None]
    problems += [f"- {r.calls} calls: no timing for {m}" for r in results for m in r.missing]
    problems += [f"- {r.calls} calls: {e}" for r in results for e in r.caller_errors]
    return "\n".join([
        SECTION_BEGIN,
        f"Measured {info['date']} by `callcenter bench turns` (commit {info['commit'] or '?'}): "
        f"{info['nproc']} CPU ({info['cpu']}), Python {info['python']}, {info['os']}; "
        f"`end_of_turn_silence_ms` = {info['end_of_turn_silence_ms']}; {turns} turns per call; "
        f"PostgreSQL {info['postgres']}; callers in {'a child process' if callers_in_child else 'the edge process'}; "
        "one warm-up call not counted.",
        "",
        "Overhead = endpointer fired → first agent audio frame written (ms); first audio = caller's end of speech "
        "→ first agent audio (includes the endpointing silence).",
        "",
        *rows,
        "",
        "Breakdown, p50 / p95 ms:",
        "",
        *breakdown,
        *(["", "Problems:", "", *problems] if problems else []),
        SECTION_END,
    ])


def write_markdown(path: Path, section: str) -> None:
    """Replace the bench section of ``path`` (between its markers), append it, or create the file."""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        pattern = re.compile(re.escape(SECTION_BEGIN) + r".*?" + re.escape(SECTION_END), re.S)
        if pattern.search(text):
            text = pattern.sub(lambda _m: section, text, count=1)
        else:
            text = text.rstrip("\n") + "\n\n## Results\n\n" + section + "\n"
    else:
        text = "# Performance\n\n## Results\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


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
