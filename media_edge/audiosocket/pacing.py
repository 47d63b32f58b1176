"""Real-time playout of agent audio to one call.

Asterisk does not pace what it receives: audio sent faster than real time overflows its voice
queue and is dropped, and the AudioSocket dialplan app hangs up after 2 s without a frame. So each
call gets a ``PlayoutClock`` that writes exactly one 20 ms frame per tick on an absolute schedule
(``t0 + n * 20 ms``): the next queued frame of agent audio, or a precomputed silence frame.

Two drivers write the frames. On the edge, the ``PlayoutPacer`` (``pacer.py``): one thread for
all calls, so a busy event loop does not make frames late. Without a pacer, the clock is driven by
``loop.call_at`` timer callbacks on the event loop (tests with virtual time; handlers of their
own): a bare timer handle per tick costs a fraction of a task wake-up. The queue is shared with
the loop's thread under ``lock`` either way; what the loop must hear (an utterance started, the
queue ran dry) reaches it on its own thread.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from media_edge.audiosocket.protocol import (
    FRAME_MS,
    FrameKind,
    encode_frame,
    frames_per_20ms,
    kind_for_rate,
)

if TYPE_CHECKING:
    from media_edge.audiosocket.pacer import PlayoutPacer

log = logging.getLogger("media_edge.audiosocket")

FrameWriter = Callable[[bytes], object]
AudioStartedCallback = Callable[[float], object]


class Cancellable(Protocol):
    def cancel(self) -> None: ...


class Scheduler(Protocol):
    """The part of an event loop the clock uses (``asyncio`` loops qualify; tests pass a fake
    loop with virtual time to play a whole call in milliseconds)."""

    def time(self) -> float: ...

    def call_at(self, when: float, callback: Callable[[], object], /) -> Cancellable: ...

    def call_soon(self, callback: Callable[[], object], /) -> Cancellable: ...


@dataclass(frozen=True, slots=True)
class JitterStats:
    """How late frames were written relative to their deadline, in milliseconds, and the longest
    time between two writes (the AudioSocket app hangs up after 2 s without a frame)."""

    count: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    p99_ms: float = 0.0
    max_gap_ms: float = 0.0


class LatenessHistogram:
    """Every frame this process's clocks wrote, by lateness, since start: exact percentiles over
    all calls and their whole length (no sample window), for benchmarks and ops. Buckets are
    ``RESOLUTION_MS`` wide; the last one holds everything later than ``buckets`` × that. Also
    counts underruns and resyncs, so one snapshot before and one after a load tells everything."""

    RESOLUTION_MS = 0.25

    def __init__(self, buckets: int = 2000) -> None:
        self.counts = [0] * (buckets + 1)
        self.underruns = 0
        self.resyncs = 0
        self._scale = 1.0 / self.RESOLUTION_MS
        self._last = buckets

    def add(self, late_ms: float) -> None:
        i = int(late_ms * self._scale) if late_ms > 0 else 0
        self.counts[i if i < self._last else self._last] += 1

    def snapshot(self) -> LatenessSnapshot:
        return LatenessSnapshot(list(self.counts), self.underruns, self.resyncs)


@dataclass(frozen=True)
class LatenessSnapshot:
    counts: list[int]
    underruns: int
    resyncs: int

    def since(self, earlier: LatenessSnapshot) -> LatenessSnapshot:
        return LatenessSnapshot([a - b for a, b in zip(self.counts, earlier.counts, strict=True)],
                                self.underruns - earlier.underruns, self.resyncs - earlier.resyncs)

    @property
    def frames(self) -> int:
        return sum(self.counts)

    def percentile_ms(self, q: float) -> float:
        """The upper edge of the bucket holding the ``q``-th percentile (0-100) frame."""
        total = self.frames
        if total == 0:
            return 0.0
        rank = q / 100 * total
        seen = 0
        for i, n in enumerate(self.counts):
            seen += n
            if seen >= rank and n:
                return (i + 1) * LatenessHistogram.RESOLUTION_MS
        return len(self.counts) * LatenessHistogram.RESOLUTION_MS


# What every clock of this process adds to (the edge's /metrics and the load bench read it).
PROCESS_LATENESS = LatenessHistogram()


class PlayoutClock:
    """Per-call real-time sender of 20 ms frames.

    Args:
        write: called once per frame with one whole encoded frame (header + payload); must not
            block. An exception from it stops the clock (see ``error``).
        rate: the call's sample rate in Hz; agent audio given to ``enqueue`` must be at this rate.
        kind: the frame kind to send; derived from ``rate`` when omitted.
        on_audio_started: called with the monotonic write time of the first frame of queued
            audio written after the clock was idle (a new utterance reached the wire).
        resync_after_ms: if a tick runs later than this behind its deadline, the schedule restarts
            from now instead of bursting frames to catch up.
        jitter_window: how many recent lateness samples to keep for ``jitter()``.
        clock: the monotonic time source (seconds); the scheduler given to ``start`` must run on
            the same time base.

    Counters (lifetime): ``frames_out``, ``audio_frames_out``, ``underruns`` (a frame was due
    mid-reply and no audio was ready), ``resyncs``; ``jitter()`` for lateness and gaps.
    """

    def __init__(
        self,
        write: FrameWriter,
        rate: int = 8000,
        kind: FrameKind | None = None,
        *,
        on_audio_started: AudioStartedCallback | None = None,
        resync_after_ms: float = 100.0,
        jitter_window: int = 1500,
        clock: Callable[[], float] = time.monotonic,
        lateness: LatenessHistogram | None = PROCESS_LATENESS,
    ) -> None:
        self._write = write
        self._lateness = lateness
        self._now = clock
        self.on_audio_started = on_audio_started
        self._period = FRAME_MS / 1000.0
        self._resync_after = resync_after_ms / 1000.0
        self._frames: deque[bytes] = deque()
        self._partial = bytearray()
        self._configure(rate, kind)
        # Held by whoever touches the queue: the loop's thread (enqueue, clear) and the pacer's
        # (a write). Re-entrant, as the pacer holds it around the whole write.
        self.lock = threading.RLock()

        self._loop: Scheduler | None = None
        self._handle: Cancellable | None = None
        self._paced = False  # driven by a PlayoutPacer's thread, not by loop timers
        self._t0 = 0.0
        self._n = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._stream_open = False
        # Armed when nothing is playing, so the next queued frame counts as "audio started".
        self._announce = True

        self.frames_out = 0
        self.audio_frames_out = 0
        self.underruns = 0
        self.resyncs = 0
        self.audio_started_at: float | None = None
        self.error: BaseException | None = None
        self._late_ms: deque[float] = deque(maxlen=jitter_window)
        self._max_late_ms = 0.0
        self._last_write: float | None = None
        self._max_gap_ms = 0.0

    def _configure(self, rate: int, kind: FrameKind | None) -> None:
        self.rate = rate
        self.kind = kind if kind is not None else kind_for_rate(rate)
        self._frame_bytes = frames_per_20ms(rate)
        self._zeros = bytes(self._frame_bytes)
        self._silence = encode_frame(self.kind, self._zeros)
        self._header = self._silence[:3]

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def is_running(self) -> bool:
        return self._handle is not None

    def start(self, scheduler: Scheduler | None = None, *, pacer: PlayoutPacer | None = None) -> None:
        """Start writing frames: from ``pacer``'s thread from its next tick (``write`` must then
        be safe to call from that thread), or else on ``scheduler``'s timers (default: the
        running event loop), the first frame at once."""
        if self._handle is not None:
            return
        self._loop = scheduler if scheduler is not None else asyncio.get_running_loop()
        self.error = None
        self._last_write = None
        self._paced = pacer is not None
        if pacer is not None:
            self._handle = pacer.add(self)
            return
        self._t0 = self._now()
        self._n = 0
        self._handle = self._loop.call_soon(self._tick)

    async def stop(self) -> None:
        """Stop ticking and drop anything still queued (waiters of ``wait_idle`` return). No
        frame is written after this returns."""
        self.halt()
        self.clear()

    def halt(self) -> None:
        """Stop writing frames (a pacer's write in progress finishes first); the queue stays."""
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.cancel()

    def transport_lost(self, error: BaseException) -> None:
        """The connection is gone: no more writes, and waiters of ``wait_idle`` return."""
        self.halt()
        if self.error is None:
            self.error = error
        self._idle.set()

    # -- queue -----------------------------------------------------------------------------

    def enqueue(self, pcm: bytes) -> None:
        """Queue agent audio of any length at the clock's rate.

        Audio is cut into 20 ms frames; a tail shorter than a frame waits for the next
        ``enqueue`` (so streamed chunks play back to back) and is padded with zeros if the
        queue runs out before more arrives.
        """
        if not pcm:
            return
        with self.lock:
            self._enqueue(pcm)
        self._idle.clear()

    def _enqueue(self, pcm: bytes) -> None:
        fb = self._frame_bytes
        header = self._header
        frames = self._frames
        view = memoryview(pcm)
        partial = self._partial
        if partial:
            need = fb - len(partial)
            partial += view[:need]
            view = view[need:]
            if len(partial) < fb:
                return
            frames.append(header + partial)
            partial.clear()
        whole = len(view) - len(view) % fb
        for off in range(0, whole, fb):
            frames.append(header + view[off : off + fb])
        if whole < len(view):
            partial += view[whole:]

    def clear(self) -> int:
        """Drop all queued audio at once (barge-in); return how many ms were dropped.

        Also closes the current stream: the reply was cut off, so the silence that follows
        is not an underrun.
        """
        with self.lock:
            dropped = self.queued_ms
            self._frames.clear()
            self._partial.clear()
            self._stream_open = False
            self._announce = True
        self._idle.set()
        return dropped

    def set_rate(self, rate: int, kind: FrameKind | None = None) -> None:
        """Switch to another rate (the caller's changed) for audio enqueued from now on.

        Frames already queued keep their own kind and play at their own rate, so an utterance
        queued before the caller's rate was known is not lost; a pending tail is padded first.
        """
        with self.lock:
            if self._partial:
                self._frames.append(self._header + self._partial + self._zeros[len(self._partial) :])
                self._partial.clear()
            self._configure(rate, kind)

    @property
    def queued_ms(self) -> int:
        return (len(self._frames) + (1 if self._partial else 0)) * FRAME_MS

    @property
    def is_playing(self) -> bool:
        """True while queued agent audio remains to be written."""
        return bool(self._frames or self._partial)

    async def wait_idle(self) -> None:
        """Return once the queue is empty (the last queued frame has been written)."""
        await self._idle.wait()

    def mark_stream_open(self) -> None:
        """A reply is streaming in: from now on an empty queue at a tick is an underrun."""
        self._stream_open = True

    def mark_stream_closed(self) -> None:
        """The reply has been fully enqueued: silence after it is expected, not an underrun."""
        self._stream_open = False

    # -- stats -----------------------------------------------------------------------------

    def jitter(self) -> JitterStats:
        """Lateness of recent writes (``jitter_window`` of them) and the lifetime maximum."""
        samples = sorted(self._late_ms)
        if not samples:
            return JitterStats(0, 0.0, 0.0, 0.0)
        last = len(samples) - 1
        return JitterStats(
            count=len(samples),
            p50_ms=samples[round(0.50 * last)],
            p95_ms=samples[round(0.95 * last)],
            max_ms=self._max_late_ms,
            p99_ms=samples[round(0.99 * last)],
            max_gap_ms=self._max_gap_ms,
        )

    def recent_lateness_ms(self) -> list[float]:
        """The raw lateness samples behind ``jitter()`` (oldest first), for benchmarks."""
        return list(self._late_ms)

    # -- the tick --------------------------------------------------------------------------

    def _tick(self) -> None:
        """One frame on the loop's timer, then the next timer (the loop driver)."""
        now = self._now()
        deadline = self._t0 + self._n * self._period
        if now - deadline > self._resync_after:
            # Bursting the missed frames would overflow Asterisk's queue; restart from now.
            self.count_resync()
            self._t0 = deadline = now
            self._n = 0
        with self.lock:
            written = self.write_due(deadline, now)
        if not written:
            self.halt()
            self._idle.set()
            return
        self._n += 1
        assert self._loop is not None
        delay = self._t0 + self._n * self._period - self._now()
        self._handle = self._loop.call_at(self._loop.time() + delay, self._tick)

    def count_resync(self) -> None:
        self.resyncs += 1
        if self._lateness is not None:
            self._lateness.resyncs += 1

    def write_due(self, deadline: float, now: float | None = None) -> bool:
        """Write the frame due at ``deadline`` (under ``lock``) and book its lateness; False if
        the write failed (``error``): the clock must stop."""
        if now is None:
            now = self._now()
        frame = self._next_frame(now)
        try:
            self._write(frame)
        except Exception as exc:  # noqa: BLE001 - the transport is gone; stop, don't spin
            self.error = exc
            return False
        self.frames_out += 1
        if self._last_write is not None:
            gap_ms = (now - self._last_write) * 1000.0
            if gap_ms > self._max_gap_ms:
                self._max_gap_ms = gap_ms
        self._last_write = now
        late_ms = (now - deadline) * 1000.0
        self._late_ms.append(late_ms)
        if self._lateness is not None:
            self._lateness.add(late_ms)
        if late_ms > self._max_late_ms:
            self._max_late_ms = late_ms
        return True

    def stopped_by_pacer(self) -> None:
        """The pacer took this clock off after a failed write: waiters of ``wait_idle`` return."""
        self._handle = None
        self._on_loop(self._idle.set)

    def _on_loop(self, callback: Callable[..., object], *args: object) -> None:
        """Run ``callback`` on the loop's thread: now, or soon if this is the pacer's thread."""
        if self._paced and self._loop is not None:
            try:
                self._loop.call_soon_threadsafe(callback, *args)  # type: ignore[attr-defined]
            except RuntimeError:  # the loop is closed: nobody is waiting any more
                pass
        else:
            callback(*args)

    def _idle_if_empty(self) -> None:
        if not self._frames and not self._partial:
            self._idle.set()

    def _audio_started(self, at: float) -> None:
        if self.on_audio_started is not None:
            try:
                self.on_audio_started(at)
            except Exception:
                log.exception("on_audio_started callback failed")

    def _next_frame(self, now: float) -> bytes:
        if self._frames:
            frame = self._frames.popleft()
        elif self._partial:
            frame = self._header + self._partial + self._zeros[len(self._partial) :]
            self._partial.clear()
        else:
            if self._stream_open:
                self.underruns += 1
                if self._lateness is not None:
                    self._lateness.underruns += 1
            else:
                self._announce = True
            return self._silence
        self.audio_frames_out += 1
        if not self._frames and not self._partial:
            self._on_loop(self._idle_if_empty)
        if self._announce and frame != self._silence:
            self._announce = False
            self.audio_started_at = now
            self._on_loop(self._audio_started, now)
        return frame
