"""Output pacing bench: N calls' ``PlayoutClock``s on the real clock, driven either way the edge
can drive them: on the event loop's timers (``loop``, ``CALLCENTER_PLAYOUT_THREAD=false``) or by
the playout pacer's thread at real-time priority where allowed (``pacer``, the default).

Each stream is one call's clock writing 20 ms frames (16 kHz, 643 bytes) into a real loopback
TCP connection that the event loop drains, as the edge does for Asterisk. The clocks start at
random phases within a frame (calls arrive at random times) and play replies the way TTS
delivers them: a reply opens (``mark_stream_open``), its first 200 ms arrive at once and the rest
in 100 ms chunks at real time, for 3 s; then 1 s of idle silence; and again.

Reported per level: send lateness (write time - the frame's absolute deadline; p50/p95/p99/max
over every frame of every stream in the measured window), the longest gap between two frames of
one stream (AudioSocket hangs up after 2 s of none), underruns (a frame was due mid-reply and
no audio was ready), resyncs (a tick more than 100 ms late restarted the schedule), the event
loop's own lag (a 10 ms probe timer) and the process CPU use.

``python -m bench.pacing`` prints the markdown; ``--output docs/performance.md`` also replaces
the "## Output pacing" section there.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.report import Stats, loop_lag_probe, machine_info, publish
from callcenter.settings import Settings
from media_edge.audiosocket.pacer import PacerPriority, PlayoutPacer, SocketFrameWriter
from media_edge.audiosocket.pacing import PlayoutClock

RATE = 16000
REPLY_S = 3.0
IDLE_S = 1.0
FIRST_CHUNK_S = 0.2
CHUNK_S = 0.1


DRIVERS = ("loop", "pacer")


@dataclass
class LevelResult:
    driver: str  # "loop", or "pacer (<the scheduling its thread got>)"
    streams: int
    seconds: float
    frames: int
    lateness_ms: Stats | None
    max_gap_ms: float
    underruns: int
    resyncs: int
    loop_lag_ms: Stats | None
    cpu_pct: float


@dataclass
class PacingReport:
    levels: list[LevelResult]
    info: dict[str, Any]
    args: dict[str, Any] = field(default_factory=dict)

    def to_markdown(self) -> str:
        return render(self)


async def _tcp_pair(server: asyncio.Server) -> asyncio.StreamWriter:
    """A client connection to the drain server: the clock writes into its transport."""
    port = server.sockets[0].getsockname()[1]
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return writer


async def _drain(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while await reader.read(65536):
            pass
    writer.close()


async def _replies(clock: PlayoutClock, stop: asyncio.Event) -> None:
    """Replies streamed like TTS: 200 ms at once, then 100 ms chunks at real time."""
    chunk = bytes(range(256)) * (RATE * 2 // 10 // 256) + bytes(RATE * 2 // 10 % 256)
    while not stop.is_set():
        clock.mark_stream_open()
        clock.enqueue(chunk + chunk)
        t = time.monotonic()
        sent = FIRST_CHUNK_S
        while sent < REPLY_S and not stop.is_set():
            await asyncio.sleep(max(0.0, t + sent - FIRST_CHUNK_S + CHUNK_S - time.monotonic()))
            clock.enqueue(chunk)
            sent += CHUNK_S
        clock.mark_stream_closed()
        await clock.wait_idle()
        await asyncio.sleep(IDLE_S)


async def measure_level(streams: int, seconds: float, warmup_s: float = 2.0, driver: str = "loop") -> LevelResult:
    server = await asyncio.start_server(_drain, "127.0.0.1", 0)
    writers = [await _tcp_pair(server) for _ in range(streams)]
    pacer = PlayoutPacer(priority=PacerPriority.REALTIME, name="bench-pacer") if driver == "pacer" else None
    # The pacer's thread writes through its own descriptor, as on the edge (AudioSocketConnection).
    frame_writers = [SocketFrameWriter(w.get_extra_info("socket")) if pacer else w.write for w in writers]
    clocks = [PlayoutClock(write, RATE) for write in frame_writers]
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    rng = random.Random(streams)
    for clock in clocks:
        await asyncio.sleep(rng.uniform(0, 0.02 / max(1, streams) * 2))
        clock.start(pacer=pacer)
        tasks.append(asyncio.create_task(_replies(clock, stop)))
    await asyncio.sleep(warmup_s)
    base = [(c.frames_out, c.underruns, c.resyncs) for c in clocks]
    lags: list[float] = []
    probe = asyncio.create_task(loop_lag_probe(lags))  # cancelled below
    cpu0, wall0 = time.process_time(), time.monotonic()
    await asyncio.sleep(seconds)
    cpu = time.process_time() - cpu0
    wall = time.monotonic() - wall0
    frames = sum(c.frames_out - b[0] for c, b in zip(clocks, base, strict=True))
    underruns = sum(c.underruns - b[1] for c, b in zip(clocks, base, strict=True))
    resyncs = sum(c.resyncs - b[2] for c, b in zip(clocks, base, strict=True))
    late: list[float] = []
    for c, b in zip(clocks, base, strict=True):
        samples = c.recent_lateness_ms()
        late += samples[-min(len(samples), c.frames_out - b[0]) :]
    max_gap = max(c.jitter().max_gap_ms for c in clocks)
    stop.set()
    for task in (*tasks, probe):
        task.cancel()
    await asyncio.gather(*tasks, probe, return_exceptions=True)
    for clock in clocks:
        await clock.stop()
    if pacer is not None:
        driver = f"pacer ({pacer.priority})"
        pacer.close()
        for write in frame_writers:
            write.close()  # type: ignore[union-attr]
    for w in writers:
        w.close()
    await asyncio.gather(*(w.wait_closed() for w in writers), return_exceptions=True)
    server.close()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(server.wait_closed(), 5.0)
    return LevelResult(driver, streams, wall, frames, Stats.of(late), max_gap, underruns, resyncs,
                       Stats.of(lags), 100.0 * cpu / wall)


def run(args: argparse.Namespace | None = None) -> PacingReport:
    """``args`` may carry ``streams`` (levels), ``seconds`` (per level) and ``drivers``."""
    levels: Sequence[int] = getattr(args, "streams", None) or (1, 50, 200)
    seconds: float = getattr(args, "seconds", None) or 20.0
    drivers: Sequence[str] = getattr(args, "drivers", None) or DRIVERS

    async def all_levels() -> list[LevelResult]:
        return [await measure_level(n, seconds, driver=d) for n in levels for d in drivers]

    results = asyncio.run(all_levels())
    # The 200-stream level opens 200 connections: jitter_window 1500 covers 30 s per stream.
    return PacingReport(results, machine_info(Settings()),
                        {"streams": list(levels), "seconds": seconds, "drivers": list(drivers)})


def render(report: PacingReport) -> str:
    info = report.info
    lines = [
        "## Output pacing",
        "",
        f"Measured {info['date']} by `python -m bench.pacing` (commit {info['commit']}): {info['nproc']} "
        f"CPU ({info['cpu']}), Python {info['python']}, default asyncio loop, shared with other work; "
        f"{report.args['seconds']:.0f} s per level after 2 s of warm-up. Each stream is a call's "
        "`PlayoutClock` writing 16 kHz frames into a loopback TCP connection, playing 3 s replies "
        "streamed in 100 ms chunks (100-200 ms ahead of playout) with 1 s of idle silence between them. "
        "Driver: `loop` = the clocks on the event loop's timers; `pacer` = the playout pacer's thread "
        "(with the scheduling it got), as on the edge by default. Nothing else runs on the loop here: "
        "on the edge, where the loop also carries the calls, the loop driver does worse (\"Load: reading\").",
        "Lateness = write time − the frame's absolute deadline (t0 + n × 20 ms), over every frame of "
        "every stream; max gap = longest time between two frames of one stream (AudioSocket's limit "
        "is 2 s).",
        "",
        "| streams | driver | frames | lateness p50 ms | p95 | p99 | max | max gap ms | underruns | resyncs "
        "| loop lag p50 / p99 ms | CPU % |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report.levels:
        late = r.lateness_ms
        lag = r.loop_lag_ms
        late_s = "— | — | — | —" if late is None else f"{late.p50:.2f} | {late.p95:.2f} | {late.p99:.2f} | {late.max:.1f}"
        lag_s = "—" if lag is None else f"{lag.p50:.2f} / {lag.p99:.2f}"
        lines.append(f"| {r.streams} | {r.driver} | {r.frames} | {late_s} | {r.max_gap_ms:.1f} | {r.underruns} | "
                     f"{r.resyncs} | {lag_s} | {r.cpu_pct:.0f} |")
    worst = max(report.levels, key=lambda r: r.max_gap_ms)
    lines += [
        "",
        f"The longest silence any stream left on the wire was {worst.max_gap_ms:.0f} ms (at "
        f"{worst.streams} streams, start-up included), {2000 / worst.max_gap_ms:.0f}× inside AudioSocket's "
        "2 s inactivity limit: the clock sends a silence frame on every tick it has no audio for, so "
        "a thinking agent never lets the call time out (`tests/test_pacing.py` checks it through a "
        "real socket with the event loop blocked for 300 ms). Deadlines are absolute, so lateness "
        "does not accumulate: on a virtual clock a 10-minute call (30 000 frames) ends with its "
        "frames as close to their deadlines as at the start (same test file).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pacing", description=__doc__.split("\n")[0])
    parser.add_argument("--streams", type=lambda s: [int(n) for n in s.split(",")], default=None,
                        help="concurrent streams per level (default 1,50,200)")
    parser.add_argument("--seconds", type=float, default=None, help="measured seconds per level (20)")
    parser.add_argument("--drivers", type=lambda s: s.split(","), default=None,
                        help="comma-separated: loop, pacer (default both)")
    parser.add_argument("--output", type=Path, help="also write the section into this markdown file")
    args = parser.parse_args(argv)
    report = run(args)
    publish(report.to_markdown(), args.output, "## Output pacing")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
