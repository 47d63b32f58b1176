"""Benchmark: the whole system under N concurrent calls, our own cost separated from the engines'.

``callcenter bench load`` starts a Temporal dev server and PostgreSQL of its own, then the
reference store and the calls worker as separate processes (as in production) and the media edge
in this process; the simulated callers (a child process, like Asterisk) dial the edge over the
real AudioSocket path and speak real audio at real time. The offline engines wait as cloud engines
would (``--engines cloud``: STT final, LLM first token and token rate, TTS first audio; or
``offline``: no waits), and every wait is booked to its call (``callcenter.engine_waits``), so per
turn

    our overhead = (first agent audio − end of turn detected) − the engines' waits inside it.

Per concurrency level it reports that overhead (p50/p95/p99), the caller's time to first agent
audio, playout pacing (every frame's lateness against its deadline, underruns, resyncs), CPU and
memory of each process (per call for the edge and the worker), and Temporal round trips per turn
(counted from the calls' workflow histories).

    callcenter bench load                                   # 1, 10, 50 calls, cloud engine latency
    callcenter bench load --calls 200 --turns 3 --listen 6,9   # many calls, mostly audio
    callcenter bench load --output docs/performance.md --plot docs/load.png
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from bench.callers import CALLER_LINES, RATE, SpokenTurn, callers_in_child, plan_calls, synthesise_lines
from bench.report import SlowCallbacks, Stats, loop_lag_probe, machine_info, replace_section
from callcenter.engine_waits import ENGINE_WAITS
from callcenter.settings import Settings
from media_edge.audiosocket.pacing import PROCESS_LATENESS

log = logging.getLogger("bench.load")

HEADING = "## Under load"
ROLES = ("edge", "worker", "store", "temporal", "postgres", "callers")


@dataclass(frozen=True)
class EngineLatency:
    stt_final_ms: float = 0
    llm_first_token_ms: float = 0
    llm_tokens_per_s: float = 0
    tts_first_audio_ms: float = 0

    def overrides(self) -> dict[str, float]:
        return {
            "sim_stt_final_ms": self.stt_final_ms,
            "sim_llm_first_token_ms": self.llm_first_token_ms,
            "sim_llm_tokens_per_s": self.llm_tokens_per_s,
            "sim_tts_first_audio_ms": self.tts_first_audio_ms,
        }

    def describe(self) -> str:
        if not any(asdict(self).values()):
            return "offline engines, no simulated latency"
        rate = f"{self.llm_tokens_per_s:.0f} tokens/s" if self.llm_tokens_per_s else "no token limit"
        return (f"STT final {self.stt_final_ms:.0f} ms, LLM first token {self.llm_first_token_ms:.0f} ms "
                f"then {rate}, TTS first audio {self.tts_first_audio_ms:.0f} ms")


# The middle of the latency budget (docs/architecture.md): STT 100-200, LLM first sentence 300-600, TTS 100-200 ms.
ENGINE_PROFILES = {
    "offline": EngineLatency(),
    "cloud": EngineLatency(stt_final_ms=150, llm_first_token_ms=350, llm_tokens_per_s=80, tts_first_audio_ms=150),
}


# --- what one level reports -------------------------------------------------------------------


@dataclass
class LoadResult:
    calls: int
    listen_s: tuple[float, float]
    turns_spoken: int
    timed: int
    overhead: Stats | None  # our own: detected → first audio, minus the engines' waits
    first_audio: Stats | None  # the caller's end of speech → first agent audio
    engines: Stats | None  # the engines' waits inside each turn
    to_text: Stats | None  # of ours: transcript → first sentence (edge → Temporal → agent step → brain)
    to_audio: Stats | None  # of ours: first sentence → first audio frame (synthesis queue, espeak, tick)
    frames: int
    late_p50_ms: float
    late_p95_ms: float
    late_p99_ms: float
    underruns: int
    resyncs: int
    loop_lag: Stats | None
    cpu_pct: dict[str, float]  # % of one core, per process, over the level
    rss_mb: dict[str, float]  # peak during the level
    rss_base_mb: dict[str, float]  # before the level
    round_trips: dict[str, int]  # Temporal calls, from the workflow histories
    wall_s: float
    problems: list[str] = field(default_factory=list)

    @property
    def round_trips_per_turn(self) -> float | None:
        return sum(self.round_trips.values()) / self.timed if self.timed else None

    def cpu_per_call(self, role: str) -> float | None:
        value = self.cpu_pct.get(role)
        return None if value is None else value / self.calls

    def mem_per_call_mb(self, role: str) -> float | None:
        if role not in self.rss_mb or role not in self.rss_base_mb:
            return None
        return max(0.0, self.rss_mb[role] - self.rss_base_mb[role]) / self.calls

    @property
    def ok(self) -> bool:
        return not self.problems and self.timed == self.turns_spoken

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(ok=self.ok, round_trips_per_turn=self.round_trips_per_turn,
                   cpu_per_call={r: self.cpu_per_call(r) for r in ("edge", "worker")},
                   mem_per_call_mb={r: self.mem_per_call_mb(r) for r in ("edge", "worker")})
        return out


# --- processes: CPU and memory ------------------------------------------------------------------


class ProcessMeter:
    """CPU time and resident memory per role; a role is a process and its children (PostgreSQL
    backends, the Temporal server's own)."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.procs = {role: psutil.Process(pid) for role, pid in pids.items()}
        self.peak: dict[str, float] = {}

    def _family(self, role: str) -> list[psutil.Process]:
        proc = self.procs[role]
        with contextlib.suppress(psutil.Error):
            return [proc, *([] if role in ("edge", "callers") else proc.children(recursive=True))]
        return []

    def cpu_s(self) -> dict[str, float]:
        out = {}
        for role in self.procs:
            total = 0.0
            for p in self._family(role):
                with contextlib.suppress(psutil.Error):
                    t = p.cpu_times()
                    total += t.user + t.system
            out[role] = total
        return out

    def rss_mb(self) -> dict[str, float]:
        out = {}
        for role in self.procs:
            total = 0
            for p in self._family(role):
                with contextlib.suppress(psutil.Error):
                    total += p.memory_info().rss
            out[role] = total / 2**20
        return out

    async def watch_peak(self, period_s: float = 1.0) -> None:
        """Sample until cancelled. Walking the process tree takes tens of ms with many PostgreSQL
        backends, so it runs in a thread: on the edge's event loop it would stall the calls' audio."""
        self.peak = {}
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(period_s):
                for role, mb in self.rss_mb().items():
                    self.peak[role] = max(self.peak.get(role, 0.0), mb)

        thread = threading.Thread(target=sample, name="bench-rss", daemon=True)
        thread.start()
        try:
            await asyncio.Event().wait()
        finally:
            stop.set()
            await asyncio.to_thread(thread.join)


# --- the system under test ----------------------------------------------------------------------


@dataclass
class LoadSystem:
    settings: Settings
    edge: Any  # media_edge.app.RunningEdge
    client: Any  # temporalio Client
    meter: ProcessMeter


@contextlib.asynccontextmanager
async def load_system(settings: Settings, root: Path, engines: EngineLatency,
                      servers: tuple[Any, str] | None = None) -> AsyncIterator[LoadSystem]:
    """Temporal + PostgreSQL (``servers``: already running ones, else our own), the store and the
    worker as processes, the edge in this process."""
    from callcenter.devstack.environment import settings_env
    from callcenter.devstack.health import wait_http_ok
    from callcenter.devstack.inprocess import own_servers
    from callcenter.devstack.processes import ManagedProcess, free_port
    from callcenter.devstack.stack import _child_environ
    from media_edge.app import start_edge
    from temporal.client import connect

    async with contextlib.AsyncExitStack() as stack:
        temporal, database_url = servers or await stack.enter_async_context(own_servers(settings, root))
        store_port, metrics_port = free_port(), free_port()
        suffix = uuid.uuid4().hex[:8]
        base = settings.model_copy(update={
            "temporal_address": temporal.address,
            "calls_task_queue": f"calls-{suffix}",
            "edge_id": f"load-{suffix}",
            "store_port": store_port,
            "store_url": f"http://127.0.0.1:{store_port}",
            "worker_metrics_port": metrics_port,
            "edge_http_port": 0,
            "audiosocket_port": 0,
            **engines.overrides(),
        })
        env = _child_environ(settings_env(base, database_url=database_url))
        procs = []
        try:
            for name, health in (("store", f"{base.store_url}/health"),
                                 ("worker", f"http://127.0.0.1:{metrics_port}/health")):
                proc = ManagedProcess(name, [sys.executable, "-m", "callcenter", name], log_path=root / f"{name}.log",
                                      env=env, cwd=Path(__file__).resolve().parent.parent)
                proc.start()
                procs.append(proc)
                await wait_http_ok(proc, health, 60)
            client = await connect(temporal.address, temporal.namespace)
            edge_settings = Settings(**{**base.model_dump(by_alias=False), "DATABASE_URL": database_url})
            edge = await start_edge(edge_settings)
            settings_now = edge_settings.model_copy(update={
                "audiosocket_port": edge.audiosocket_port, "edge_http_port": edge.http_port,
                "edge_url": f"http://127.0.0.1:{edge.http_port}",
            })
            pids = {"edge": psutil.Process().pid, "worker": procs[1].pid, "store": procs[0].pid,
                    "temporal": temporal.pid}
            postmaster = _postmaster_under(root)
            if postmaster is not None:  # embedded; an external DATABASE_URL is not ours to measure
                pids["postgres"] = postmaster
            try:
                yield LoadSystem(settings_now, edge, client, ProcessMeter({k: v for k, v in pids.items() if v}))
            finally:
                await edge.stop()
        finally:
            await asyncio.gather(*(p.astop() for p in procs), return_exceptions=True)


def _postmaster_under(root: Path) -> int | None:
    for proc in psutil.process_iter(["cmdline", "ppid"]):
        cmdline = " ".join(proc.info["cmdline"] or ())
        if str(root) in cmdline and "postgres" in cmdline:
            with contextlib.suppress(psutil.Error):
                if "postgres" not in " ".join(psutil.Process(proc.info["ppid"]).cmdline()):
                    return proc.pid
    return None


# --- one level ----------------------------------------------------------------------------------


async def measure_load(system: LoadSystem, calls: int, turns: int, *, listen_s: tuple[float, float],
                       pcm_seconds: float = 2.2, seed: int = 1) -> LoadResult:
    """``calls`` concurrent calls of ``turns`` turns; each caller listens ``listen_s`` (uniform) to
    a reply after its first audio, then says the next line (over the reply if it is still going)."""
    s = system.settings
    engine_s = (s.sim_stt_final_ms + s.sim_llm_first_token_ms + s.sim_tts_first_audio_ms) / 1000
    turn_period_s = pcm_seconds + s.end_of_turn_silence_ms / 1000 + engine_s + sum(listen_s) / 2
    plans = plan_calls(calls, turns, line_count=len(CALLER_LINES), turn_period_s=turn_period_s, seed=seed)
    meter = system.meter
    lateness_before = PROCESS_LATENESS.snapshot()
    log_start = len(system.edge.ctx.turn_log)
    rss_base = await asyncio.to_thread(meter.rss_mb)
    cpu_before = await asyncio.to_thread(meter.cpu_s)
    lags: list[float] = []
    probes = [asyncio.create_task(loop_lag_probe(lags)), asyncio.create_task(meter.watch_peak())]
    started = time.monotonic()
    callers_pid: list[int] = []
    try:
        spoken = await callers_in_child(s.edge_url, s.edge_host, s.audiosocket_port, plans, CALLER_LINES, RATE,
                                        gap_s=listen_s, on_start=callers_pid.append,
                                        cpu_out=(cpu_box := {}))
    finally:
        for probe in probes:
            probe.cancel()
        await asyncio.gather(*probes, return_exceptions=True)
    wall_s = time.monotonic() - started
    cpu_after = await asyncio.to_thread(meter.cpu_s)
    lateness = PROCESS_LATENESS.snapshot().since(lateness_before)
    cpu_pct = {role: 100 * (cpu_after[role] - cpu_before[role]) / wall_s for role in cpu_after}
    if "cpu_s" in cpu_box:
        cpu_pct["callers"] = 100 * cpu_box["cpu_s"] / wall_s
    rss_peak = dict(meter.peak)
    if "rss_mb" in cpu_box:
        rss_peak["callers"] = cpu_box["rss_mb"]

    ids = {p.call_id for p in plans}
    timings = {(t.call_id, t.turn_id): t for t in list(system.edge.ctx.turn_log)[log_start:] if t.call_id in ids}
    said = [t for t in spoken if t.turn > 0]
    matched = [timings[(t.call_id, t.turn)] for t in said if (t.call_id, t.turn) in timings]
    problems = [f"{t.call_id[:8]} turn {t.turn}: {t.error}" for t in spoken if t.error]
    problems += [f"{t.call_id[:8]} turn {t.turn}: no timing" for t in said if (t.call_id, t.turn) not in timings]
    engines, ours, first, to_text, to_audio = [], [], [], [], []

    def ours_between(call_id: str, start: float, end: float) -> float:
        return ((end - start) - ENGINE_WAITS.within(call_id, start, end)) * 1000

    for t in matched:
        if t.first_audio_at is None:
            continue
        waited = ENGINE_WAITS.within(t.call_id, t.detected_at, t.first_audio_at) * 1000
        engines.append(waited)
        ours.append((t.first_audio_at - t.detected_at) * 1000 - waited)
        first.append((t.first_audio_at - t.speech_end_at) * 1000)
        if t.first_text_at is not None:
            to_text.append(ours_between(t.call_id, t.transcript_at, t.first_text_at))
            to_audio.append(ours_between(t.call_id, t.first_text_at, t.first_audio_at))
    round_trips = await count_round_trips(system.client, sorted(ids))
    return LoadResult(
        calls=calls, listen_s=listen_s, turns_spoken=len(said), timed=len(matched),
        overhead=Stats.of(ours), first_audio=Stats.of(first), engines=Stats.of(engines),
        to_text=Stats.of(to_text), to_audio=Stats.of(to_audio),
        frames=lateness.frames, late_p50_ms=lateness.percentile_ms(50), late_p95_ms=lateness.percentile_ms(95),
        late_p99_ms=lateness.percentile_ms(99), underruns=lateness.underruns, resyncs=lateness.resyncs,
        loop_lag=Stats.of([max(0.0, v) for v in lags]), cpu_pct=cpu_pct, rss_mb=rss_peak,
        rss_base_mb=rss_base, round_trips=round_trips, wall_s=wall_s, problems=problems,
    )


async def count_round_trips(client: Any, workflow_ids: Sequence[str], timeout_s: float = 30.0) -> dict[str, int]:
    """Every call into Temporal the calls made, from their histories once they have closed: each
    workflow task and activity task is a poll and a response, each update and signal a request."""
    from temporalio.api.enums.v1 import EventType

    kinds = {
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: "starts",
        EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: "workflow tasks",
        EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: "activity tasks",
        EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED: "activity tasks",
        EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: "activity tasks",
        EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED: "activity tasks",
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: "updates",
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: "signals",
    }
    counts: dict[str, int] = {}
    deadline = time.monotonic() + timeout_s

    async def one(workflow_id: str) -> None:
        handle = client.get_workflow_handle(workflow_id)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(handle.result(), max(0.1, deadline - time.monotonic()))
        history = await handle.fetch_history()
        for event in history.events:
            kind = kinds.get(event.event_type)
            if kind is not None:
                counts[kind] = counts.get(kind, 0) + 1

    await asyncio.gather(*(one(w) for w in workflow_ids))
    return counts


# --- reports ------------------------------------------------------------------------------------


def _f(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _pp(s: Stats | None) -> str:
    return "—" if s is None else f"{s.p50:.0f} / {s.p95:.0f}"


def _pct(s: Stats | None) -> tuple[str, str, str]:
    return ("—", "—", "—") if s is None else (f"{s.p50:.0f}", f"{s.p95:.0f}", f"{s.p99:.0f}")


def markdown_section(results: Sequence[LoadResult], info: dict[str, Any], engines: EngineLatency,
                     turns: int, plot: Path | None) -> str:
    main = ["| calls | turns timed | our overhead p50 | p95 | p99 | of it: to first text p50 / p95 | "
            "to first audio p50 / p95 | engines p50 | first audio p50 | p95 | "
            "frames | lateness p50 / p95 / p99 ms | underruns | resyncs | loop lag p99 |",
            "|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---|---:|---:|---:|"]
    for r in results:
        o50, o95, o99 = _pct(r.overhead)
        main.append(f"| {r.calls} | {r.timed}/{r.turns_spoken} | {o50} | {o95} | {o99} | "
                    f"{_pp(r.to_text)} | {_pp(r.to_audio)} | "
                    f"{_f(r.engines.p50 if r.engines else None)} | {_pct(r.first_audio)[0]} | {_pct(r.first_audio)[1]} | "
                    f"{r.frames} | {r.late_p50_ms:.2f} / {r.late_p95_ms:.2f} / {r.late_p99_ms:.2f} | {r.underruns} | "
                    f"{r.resyncs} | {_f(r.loop_lag.p99 if r.loop_lag else None, 1)} |")
    cost = ["| calls | CPU % of a core: edge | worker | store | Temporal | PostgreSQL | callers | "
            "edge CPU % / call | worker CPU % / call | RSS MB edge / worker | edge MB / call | worker MB / call | "
            "Temporal round trips / turn |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|"]
    for r in results:
        c = r.cpu_pct
        trips = ", ".join(f"{k} {v / r.timed:.1f}" for k, v in sorted(r.round_trips.items())) if r.timed else "—"
        cost.append(
            f"| {r.calls} | {_f(c.get('edge'))} | {_f(c.get('worker'))} | {_f(c.get('store'))} | "
            f"{_f(c.get('temporal'))} | {_f(c.get('postgres'))} | {_f(c.get('callers'))} | "
            f"{_f(r.cpu_per_call('edge'), 2)} | {_f(r.cpu_per_call('worker'), 2)} | "
            f"{_f(r.rss_mb.get('edge'))} / {_f(r.rss_mb.get('worker'))} | {_f(r.mem_per_call_mb('edge'), 2)} | "
            f"{_f(r.mem_per_call_mb('worker'), 2)} | {_f(r.round_trips_per_turn, 1)} ({trips}) |")
    problems = [f"- {r.calls} calls: {p}" for r in results for p in r.problems[:20]]
    listen = sorted({r.listen_s for r in results})
    return "\n".join([
        HEADING,
        "",
        f"Measured {info['date']} by `callcenter bench load` (commit {info['commit'] or '?'}): {info['nproc']} CPU "
        f"({info['cpu']}), Python {info['python']}, {info['os']}; everything on this one machine: Temporal dev "
        f"server, PostgreSQL {info['postgres']}, the store and the worker (own processes), the edge (the bench's "
        f"process) and the simulated callers (a child process). Engines: {engines.describe()}. "
        f"Agent audio: {info.get('playout', '?')}. "
        f"{turns} turns per call; each caller listens "
        + ", ".join(f"{a:g}-{b:g} s" for a, b in listen)
        + " to a reply, then says its next line (over the reply if it still plays).",
        "",
        "Our overhead = end of turn detected → first agent audio frame on the wire, minus the time the "
        "engines spent (booked per call; overlaps counted once). First audio = the caller's end of speech → "
        "first agent audio (endpointing and engines included). Lateness = every frame written by every "
        "call's playout clock against its deadline; an underrun is a frame due mid-reply with no audio.",
        "",
        *main,
        "",
        "Cost per process during the level (CPU: % of one core; RSS: peak MB; per call: the rise over the idle "
        "system divided by the calls). Round trips: calls into Temporal per timed turn, from the workflow "
        "histories (each workflow or activity task is a poll plus a response, each update or signal a request).",
        "",
        *cost,
        *(["", f"![latency against concurrency]({plot.name})"] if plot is not None else []),
        *(["", "Problems:", "", *problems] if problems else []),
        "",
    ])


def text_table(results: Sequence[LoadResult]) -> str:
    lines = [f"{'calls':>5} {'timed':>9} │ {'ours p50':>8} {'p95':>5} {'p99':>5} │ {'engines':>7} │ "
             f"{'1st audio p50':>13} {'p95':>5} │ {'late p99':>8} {'underr':>6} │ {'edge %':>6} {'worker %':>8} │ "
             f"{'RT/turn':>7}"]
    for r in results:
        o50, o95, o99 = _pct(r.overhead)
        f50, f95, _ = _pct(r.first_audio)
        lines.append(f"{r.calls:>5} {r.timed:>4}/{r.turns_spoken:<4} │ {o50:>8} {o95:>5} {o99:>5} │ "
                     f"{_f(r.engines.p50 if r.engines else None):>7} │ {f50:>13} {f95:>5} │ {r.late_p99_ms:>8.2f} "
                     f"{r.underruns:>6} │ {_f(r.cpu_pct.get('edge')):>6} {_f(r.cpu_pct.get('worker')):>8} │ "
                     f"{_f(r.round_trips_per_turn, 1):>7}")
        lines.extend(f"  ✗ {p}" for p in r.problems[:10])
    return "\n".join(lines)


def plot_png(results: Sequence[LoadResult], path: Path, engines: EngineLatency) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted((r for r in results if r.overhead is not None), key=lambda r: r.calls)
    calls = [r.calls for r in rows]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, style in (("p50", "o-"), ("p95", "s-"), ("p99", "^-")):
        ax1.plot(calls, [getattr(r.overhead, key) for r in rows], style, label=f"our overhead {key}")
    ax1.axhline(120, color="grey", linestyle=":", linewidth=1, label="target p95 at 50 calls")
    ax1.set_xscale("log")
    ax1.set_xlabel("concurrent calls")
    ax1.set_ylabel("ms")
    ax1.set_title("Our overhead per turn")
    ax1.legend(fontsize=8)
    ax2.plot(calls, [r.first_audio.p50 for r in rows], "o-", label="first audio p50")
    ax2.plot(calls, [r.first_audio.p95 for r in rows], "s-", label="first audio p95")
    ax2.plot(calls, [r.late_p99_ms for r in rows], "^-", label="frame lateness p99")
    ax2.set_xscale("log")
    ax2.set_xlabel("concurrent calls")
    ax2.set_ylabel("ms")
    ax2.set_title("What the caller lives (" + ("cloud-like engines" if any(asdict(engines).values()) else "offline") + ")")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --- the bench --------------------------------------------------------------------------------


async def bench_load(settings: Settings, levels: Sequence[int], turns: int, engines: EngineLatency,
                     listen_s: tuple[float, float], progress: Any = sys.stderr) -> list[LoadResult]:
    def say(text: str) -> None:
        progress.write(text + "\n")
        progress.flush()

    from media_edge.app import freeze_startup_heap

    root = Path(tempfile.mkdtemp(prefix="callcenter-load-"))
    try:
        t0 = time.monotonic()
        async with load_system(settings, root, engines) as system:
            freeze_startup_heap()  # as the edge's own main does (not in tests: it is for a whole process)
            say(f"bench load: Temporal, PostgreSQL, store, worker and edge ready in {time.monotonic() - t0:.1f} s")
            pcm = await synthesise_lines(CALLER_LINES)
            pcm_seconds = float(np.mean([len(p) / 2 / RATE for p in pcm]))
            await measure_load(system, 1, 2, listen_s=listen_s, pcm_seconds=pcm_seconds)
            say("bench load: warm-up call done (not counted)")
            results = []
            for calls in levels:
                say(f"bench load: {calls} concurrent call(s) × {turns} turns…")
                result = await measure_load(system, calls, turns, listen_s=listen_s, pcm_seconds=pcm_seconds)
                say(f"bench load: {calls} call(s) done in {result.wall_s:.0f} s, {result.timed}/{result.turns_spoken} timed")
                results.append(result)
                await asyncio.sleep(2.0)
            return results
    finally:
        shutil.rmtree(root, ignore_errors=True)


def playout_description(settings: Settings) -> str:
    """How the edge wrote agent audio during the run (the pacer thread says what priority it got)."""
    if not settings.playout_thread:
        return "on the event loop's timers"
    from media_edge.audiosocket.pacer import shared_pacer

    return f"the pacer thread, {shared_pacer().priority or 'not started'} scheduling"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="callcenter bench load", description=__doc__.split("\n")[0])
    parser.add_argument("--calls", default="1,10,50", help="concurrency levels, comma separated")
    parser.add_argument("--turns", type=int, default=8, help="turns per call")
    parser.add_argument("--engines", choices=sorted(ENGINE_PROFILES), default="cloud")
    parser.add_argument("--stt-final-ms", type=float)
    parser.add_argument("--llm-first-token-ms", type=float)
    parser.add_argument("--llm-tokens-per-s", type=float)
    parser.add_argument("--tts-first-audio-ms", type=float)
    parser.add_argument("--listen", default="2,4", help="seconds a caller listens to a reply before its next line: min,max")
    parser.add_argument("--output", type=Path, help="put the results in this markdown file (section 'Under load')")
    parser.add_argument("--plot", type=Path, help="write the latency-against-concurrency PNG here")
    parser.add_argument("--json", action="store_true", help="one JSON line per level")
    parser.add_argument("--slow-callbacks", type=float, metavar="MS",
                        help="name the event-loop callbacks of the bench's process (the edge) that ran this long")
    parser.add_argument("--slow-stacks", action="store_true",
                        help="with --slow-callbacks: also sample where they spent their time (slows the edge)")
    args = parser.parse_args(argv)
    base = ENGINE_PROFILES[args.engines]
    engines = EngineLatency(
        stt_final_ms=base.stt_final_ms if args.stt_final_ms is None else args.stt_final_ms,
        llm_first_token_ms=base.llm_first_token_ms if args.llm_first_token_ms is None else args.llm_first_token_ms,
        llm_tokens_per_s=base.llm_tokens_per_s if args.llm_tokens_per_s is None else args.llm_tokens_per_s,
        tts_first_audio_ms=base.tts_first_audio_ms if args.tts_first_audio_ms is None else args.tts_first_audio_ms,
    )
    levels = [int(n) for n in args.calls.split(",")]
    low, high = (float(x) for x in args.listen.split(","))
    if not levels or min(levels) < 1 or args.turns < 1 or not 0 <= low <= high:
        raise ValueError("levels and turns must be positive, --listen is min,max seconds")
    from callcenter.logging_setup import setup_logging
    from callcenter.settings import get_settings

    setup_logging()
    for name in ("media_edge", "temporalio", "activities", "workflows"):
        logging.getLogger(name).setLevel(logging.WARNING)
    settings = get_settings()
    with contextlib.ExitStack() as stack:
        slow = (stack.enter_context(SlowCallbacks(args.slow_callbacks, sample_every_s=0.001 if args.slow_stacks else None))
                if args.slow_callbacks else None)
        results = asyncio.run(bench_load(settings, levels, args.turns, engines, (low, high)))
    print(text_table(results))
    if slow is not None:
        print(slow.text())
    if args.json:
        for r in results:
            print(json.dumps({"bench": "load", "engines": asdict(engines), "playout": playout_description(settings),
                              **r.as_json()}, ensure_ascii=False))
    if args.plot is not None:
        plot_png(results, args.plot, engines)
        print(f"wrote {args.plot}")
    if args.output is not None:
        info = {**machine_info(settings), "playout": playout_description(settings)}
        replace_section(args.output, markdown_section(results, info, engines, args.turns, args.plot), HEADING)
        print(f"wrote {args.output}")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
