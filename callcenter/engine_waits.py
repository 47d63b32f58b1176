"""Time the offline engines spend waiting on purpose, to play a cloud engine's latency.

With the ``sim_*`` settings the simulated recognizer, the rules brain and espeak-ng wait as
Google STT, Claude and Google TTS would (``callcenter bench load``). Each wait is recorded here,
per call, as a span of monotonic time, so the bench can subtract exactly the engines' share of a
turn (overlapping waits counted once) and what remains is our own cost. With the settings at 0,
the default, nothing waits and nothing is recorded.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from contextvars import ContextVar

# The call a synthesis is for: the TTS interface takes only text, so the session says it here.
CURRENT_CALL: ContextVar[str | None] = ContextVar("engine_waits_current_call", default=None)


class EngineWaits:
    def __init__(self, keep: int = 200_000) -> None:
        self._spans: deque[tuple[str, float, float]] = deque(maxlen=keep)

    async def wait(self, call_id: str | None, seconds: float) -> None:
        """Sleep ``seconds`` as the engine of ``call_id``, and remember it."""
        if seconds <= 0:
            return
        start = time.monotonic()
        try:
            await asyncio.sleep(seconds)
        finally:
            self.record(call_id, start, time.monotonic())

    def record(self, call_id: str | None, start: float, end: float) -> None:
        """``call_id``'s engine was busy from ``start`` to ``end`` (monotonic seconds)."""
        if call_id is not None and end > start:
            self._spans.append((call_id, start, end))

    def within(self, call_id: str, start: float, end: float) -> float:
        """Seconds of ``call_id``'s engine waits inside [start, end] (overlaps counted once)."""
        pieces = sorted((max(s, start), min(e, end)) for c, s, e in list(self._spans)
                        if c == call_id and e > start and s < end)
        total, reach = 0.0, start
        for s, e in pieces:
            if e > reach:
                total += e - max(s, reach)
                reach = e
        return total


ENGINE_WAITS = EngineWaits()
