"""Output pacing: a 10-minute call on virtual time keeps its absolute schedule, the clock's jitter
and gap counters, and idle silence that keeps Asterisk's 2 s inactivity timer from firing."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections.abc import Callable

import numpy as np

from callcenter.simulator.asterisk_leg import AsteriskLeg
from media_edge.audiosocket.pacing import PlayoutClock
from media_edge.audiosocket.protocol import FrameKind
from media_edge.audiosocket.server import AudioIn, AudioSocketConnection, serve_audiosocket

HOST = "127.0.0.1"
FRAMES_10_MIN = 30_000


class Timer:
    def __init__(self, callback: Callable[[], object]) -> None:
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class VirtualLoop:
    """Just enough of an event loop for ``PlayoutClock``, on virtual time.

    Every timer fires late by what ``wake_late`` says (how a busy event loop behaves), and each
    write costs ``write_cost`` seconds, so lateness is real input to the clock's scheduling.
    """

    def __init__(self, wake_late: Callable[[], float], write_cost: float = 50e-6) -> None:
        self.now = 0.0
        self.wake_late = wake_late
        self.write_cost = write_cost
        self._timers: list[tuple[float, int, Timer]] = []
        self._seq = itertools.count()

    def time(self) -> float:
        return self.now

    def call_at(self, when: float, callback: Callable[[], object], /) -> Timer:
        timer = Timer(callback)
        heapq.heappush(self._timers, (when, next(self._seq), timer))
        return timer

    def call_soon(self, callback: Callable[[], object], /) -> Timer:
        return self.call_at(self.now, callback)

    def run_until(self, end: float) -> None:
        while self._timers and self._timers[0][0] <= end:
            when, _, timer = heapq.heappop(self._timers)
            if timer.cancelled:
                continue
            self.now = max(self.now, when) + self.wake_late()
            timer.callback()


class TimedWire:
    def __init__(self, loop: VirtualLoop) -> None:
        self.loop = loop
        self.times: list[float] = []

    def __call__(self, frame: bytes) -> None:
        self.times.append(self.loop.now)
        self.loop.now += self.loop.write_cost


def ten_minutes(wake_late: Callable[[], float]) -> tuple[PlayoutClock, np.ndarray]:
    loop = VirtualLoop(wake_late)
    wire = TimedWire(loop)
    clock = PlayoutClock(wire, 16000, clock=loop.time)
    clock.start(loop)
    loop.run_until(600.0 - 0.001)
    return clock, np.asarray(wire.times)


def test_a_ten_minute_call_keeps_its_absolute_schedule() -> None:
    rng = np.random.default_rng(11)

    def wake_late() -> float:
        # Mostly 0-2 ms late, 1 tick in 50 a 5-15 ms hiccup: a loop busy with other calls.
        return float(rng.uniform(0.005, 0.015) if rng.random() < 0.02 else rng.exponential(0.0005))

    clock, times = ten_minutes(wake_late)
    assert len(times) == FRAMES_10_MIN == clock.frames_out
    error_ms = (times - np.arange(len(times)) * 0.020) * 1000  # against t0 + n * 20 ms
    # Lateness never accumulates: the last frames are as close to their deadlines as the first.
    assert abs(float(np.median(error_ms[-1000:])) - float(np.median(error_ms[:1000]))) < 1.0
    assert float(np.median(error_ms[-1000:])) < 1.0
    assert error_ms.min() >= 0 and error_ms.max() < 16
    assert clock.resyncs == 0 and clock.underruns == 0
    # A scheduler sleeping 20 ms after each write would be ~0.6 ms x 30 000 = 18 s behind by now.
    assert float(np.mean(error_ms)) * FRAMES_10_MIN / 1000 > 10

    stats = clock.jitter()
    assert stats.count == 1500  # the recent window
    assert stats.p50_ms < 1.0 <= stats.p99_ms <= stats.max_ms < 16
    assert 20 < stats.max_gap_ms < 36


def test_a_stall_shorter_than_the_resync_limit_is_caught_up_on_the_same_schedule() -> None:
    ticks = itertools.count()

    def wake_late() -> float:
        return 0.060 if next(ticks) == 10_000 else 0.0  # one 60 ms stall of the event loop

    clock, times = ten_minutes(wake_late)
    assert len(times) == FRAMES_10_MIN and clock.resyncs == 0
    error_ms = (times - np.arange(len(times)) * 0.020) * 1000
    assert error_ms[10_000] > 59  # the late frame...
    assert error_ms[10_004] < 1  # ...and the missed ones went out back to back, then on schedule
    assert float(np.max(error_ms[10_010:])) < 1
    assert clock.jitter().max_gap_ms > 79


def test_a_long_stall_restarts_the_schedule_instead_of_bursting() -> None:
    ticks = itertools.count()

    def wake_late() -> float:
        return 0.500 if next(ticks) == 1000 else 0.0

    clock, times = ten_minutes(wake_late)
    assert clock.resyncs == 1
    gaps = np.diff(times)
    assert float(np.min(gaps[1001:])) > 0.0199  # no burst after the stall
    assert len(times) == FRAMES_10_MIN - 25  # the 500 ms of frames are skipped, not crammed in


async def test_idle_silence_keeps_the_audiosocket_alive_while_the_agent_thinks() -> None:
    """Asterisk's AudioSocket app hangs up after 2 s with no frame either way. A caller who has
    stopped talking (no frames from Asterisk) and an agent thinking for 3 s must still see a frame
    every 20 ms, even when the event loop is blocked for 300 ms by some slow step."""
    thinking: dict[str, float] = {}

    async def handler(conn: AudioSocketConnection) -> None:
        async for event in conn.events():
            if isinstance(event, AudioIn) and not thinking:
                thinking["from"] = time.monotonic()
                await asyncio.sleep(1.0)  # the agent is busy: nothing is queued to play
                time.sleep(0.3)  # a blocking hiccup on the event loop
                await asyncio.sleep(1.7)
                thinking["to"] = time.monotonic()
                conn.send_audio(bytes(range(256)) * 5)  # then the answer

    server = await serve_audiosocket(HOST, 0, handler)
    port = server.sockets[0].getsockname()[1]
    try:
        async with AsteriskLeg(HOST, port, rate=16000, stream_silence=False) as leg:
            await leg.send_audio(np.full(1600, 3000, dtype="<i2").tobytes())  # 100 ms, then quiet
            await leg.wait_for_agent_audio(timeout=5)
            arrivals = [f.t for f in leg.received
                        if f.kind is FrameKind.SLIN_16K and thinking["from"] <= f.t <= thinking["to"]]
    finally:
        server.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.wait_closed(), 2.0)

    span = thinking["to"] - thinking["from"]
    assert span > 2.9
    gaps = np.diff([thinking["from"], *arrivals, thinking["to"]])
    assert float(gaps.max()) < 0.4  # the blocked 300 ms is the longest silence on the wire
    assert float(np.median(gaps)) < 0.025
    assert len(arrivals) > 0.9 * span / 0.020  # the resync skipped at most the stalled frames
