"""Results of the turn bench: percentile stats, one concurrency level's result, the machine it
ran on, and the reports — the text table for the terminal and the markdown section kept in
docs/performance.md between its ``<!-- bench-turns:begin/end -->`` markers.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from callcenter.settings import Settings

SECTION_BEGIN = "<!-- bench-turns:begin -->"
SECTION_END = "<!-- bench-turns:end -->"


# --- the results ------------------------------------------------------------------------------


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


# --- the reports ------------------------------------------------------------------------------


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


def write_markdown(path: Path, section: str, *, begin: str = SECTION_BEGIN, end: str = SECTION_END) -> None:
    """Replace the bench section of ``path`` (between its markers), append it, or create the file."""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
        if pattern.search(text):
            text = pattern.sub(lambda _m: section, text, count=1)
        else:
            text = text.rstrip("\n") + "\n\n## Results\n\n" + section + "\n"
    else:
        text = "# Performance\n\n## Results\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def replace_section(path: Path, section: str, heading: str) -> None:
    """Replace the ``heading`` section (up to the next "## ") of ``path`` or append it."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    start = text.find(heading + "\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(heading))
        rest = "" if end < 0 else "\n" + text[end + 1 :]
        text = text[:start] + section.rstrip("\n") + "\n" + rest
    path.write_text(text, encoding="utf-8")


def publish(section: str, output: Path | None, heading: str) -> None:
    """Print a bench's markdown section, and put it in ``output`` under ``heading`` if given."""
    print(section)
    if output is not None:
        replace_section(output, section, heading)


async def loop_lag_probe(lags: list[float], period_s: float = 0.01) -> None:
    """Sample the event loop's scheduling delay (ms) until cancelled: everything on the loop
    waits this long extra."""
    while True:
        t = time.monotonic()
        await asyncio.sleep(period_s)
        lags.append((time.monotonic() - t - period_s) * 1000)


class SlowCallbacks:
    """While entered, times every callback the event loop runs and keeps the ones over
    ``threshold_ms``, by what ran: a loop lag has a culprit, and this names it. Costs two clock
    reads per callback. With ``sample_every_s`` a thread also looks that often at what the
    loop's thread is doing once a callback has run over half the threshold, and counts those
    stacks: a task step is named by where it waits next, the stacks say where its time went.
    The sampler takes the GIL each time, so it slows the loop it watches (at 1 ms, the edge's
    CPU rose by a third at 50 calls): use it to find a culprit, not to measure."""

    def __init__(self, threshold_ms: float = 4.0, *, sample_every_s: float | None = None) -> None:
        self.threshold_s = threshold_ms / 1000
        self.seen: dict[str, list[float]] = {}  # what ran -> its slow durations (ms)
        self.stacks: Counter[str] = Counter()  # where a long callback was, sampled
        self.callbacks = 0
        self._original: Any = None
        self._running_since: float | None = None
        self._sample_every_s = sample_every_s
        self._stop = threading.Event()
        self._sampler: threading.Thread | None = None

    def __enter__(self) -> SlowCallbacks:
        original = self._original = asyncio.events.Handle._run
        threshold, seen, clock = self.threshold_s, self.seen, time.perf_counter

        def timed_run(handle: asyncio.events.Handle) -> None:
            started = self._running_since = clock()
            original(handle)
            self._running_since = None
            took = clock() - started
            self.callbacks += 1
            if took >= threshold:
                seen.setdefault(_describe_callback(handle), []).append(took * 1000)

        asyncio.events.Handle._run = timed_run  # type: ignore[method-assign]
        if self._sample_every_s:
            self._stop.clear()
            self._sampler = threading.Thread(target=self._sample, args=(threading.get_ident(),), daemon=True)
            self._sampler.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        asyncio.events.Handle._run = self._original  # type: ignore[method-assign]
        self._stop.set()
        if self._sampler is not None:
            self._sampler.join()

    def _sample(self, loop_thread: int) -> None:
        half, every = self.threshold_s / 2, self._sample_every_s or 0.001
        while not self._stop.wait(every):
            since = self._running_since
            if since is None or time.perf_counter() - since < half:
                continue
            frame = sys._current_frames().get(loop_thread)
            if frame is not None:
                self.stacks[_where(frame)] += 1

    def top(self, n: int = 12) -> list[tuple[str, int, float, float]]:
        """(what ran, how often it was slow, total ms, worst ms), the most total time first."""
        rows = [(name, len(ms), sum(ms), max(ms)) for name, ms in self.seen.items()]
        return sorted(rows, key=lambda row: -row[2])[:n]

    def text(self, n: int = 12) -> str:
        lines = [f"callbacks over {self.threshold_s * 1000:.0f} ms (of {self.callbacks} run): count, total ms, worst ms"]
        lines += [f"  {count:5d} {total:8.0f} {worst:6.1f}  {name}" for name, count, total, worst in self.top(n)]
        if self._sample_every_s:
            lines.append(f"where long callbacks spent their time (samples every {self._sample_every_s * 1000:g} ms):")
            lines += [f"  {count:5d}  {where}" for where, count in self.stacks.most_common(n)]
        return "\n".join(lines)


def _where(frame: Any, depth: int = 6) -> str:
    """The innermost ``depth`` frames, innermost last, as file:function."""
    names: list[str] = []
    while frame is not None and len(names) < depth:
        code = frame.f_code
        names.append(f"{Path(code.co_filename).stem}:{code.co_name}")
        frame = frame.f_back
    return " < ".join(names)


def _describe_callback(handle: asyncio.events.Handle) -> str:
    """A task's coroutine chain where it now waits (where it ran is at or before it), or the
    plain callback's name."""
    callback = handle._callback
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        names: list[str] = []
        coro: Any = owner.get_coro()
        while coro is not None and len(names) < 5:
            names.append(getattr(coro, "__qualname__", type(coro).__name__))
            coro = getattr(coro, "cr_await", None) or getattr(coro, "ag_await", None)
        return "task " + " > ".join(names)
    return getattr(callback, "__qualname__", None) or repr(callback)[:120]
