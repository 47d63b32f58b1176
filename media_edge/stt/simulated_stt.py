"""The offline recognizer: words arrive on a side channel, the real VAD decides when.

No offline Ukrainian recognizer is accurate enough to assert on, so the call simulator tells the
edge what it is about to say (``expect(call_id, text)``, fed by ``POST /sim/calls/{id}/utterances``)
*before* it sends the audio. Everything else is real: the audio goes through the edge's VAD and
endpointer, and the text is released only when the endpointer ends a turn, so turn timing and
latency are measured on real audio.

Release rules, per call:

* ``finalize()`` releases the oldest expected text (FIFO), once.
* If a turn ends and nothing is queued (a noise turn, or the second half of an utterance the
  endpointer split at a long pause whose first half already took the text), ``finalize()``
  returns ``None``: every text is released exactly once, never duplicated, never merged.
* A noise turn that ends *while* a text is queued takes that text early; the simulator avoids this
  by keeping its line quiet between utterances (and the endpointer's minimum utterance length
  drops short bursts before they reach ``finalize``).
* ``forget(call_id)`` (``end_call``, at hang-up) drops what is left.
"""

from __future__ import annotations

import time
from collections import deque

from callcenter.engine_waits import ENGINE_WAITS
from media_edge.stt.base_stt import InterimCallback, SttEngine, SttResult, SttStream


class SimulatedRecognizer(SttEngine):
    """``latency_ms``: a fixed simulated recognition delay added in ``finalize`` (default 0)."""

    name = "simulated"

    def __init__(self, latency_ms: float = 0.0) -> None:
        self.latency_ms = latency_ms
        self._expected: dict[str, deque[str]] = {}

    def expect(self, call_id: str, text: str) -> None:
        """The simulator is about to say ``text`` on ``call_id``."""
        self._expected.setdefault(call_id, deque()).append(text)

    def pending(self, call_id: str) -> list[str]:
        """Texts announced but not yet released (for tests and ops views)."""
        return list(self._expected.get(call_id, ()))

    def forget(self, call_id: str) -> None:
        self._expected.pop(call_id, None)

    end_call = forget

    def release(self, call_id: str) -> str | None:
        """Pop the oldest expected text for ``call_id``, or ``None``."""
        q = self._expected.get(call_id)
        if not q:
            return None
        return q.popleft()

    def open_stream(
        self, call_id: str, rate: int, on_interim: InterimCallback | None = None
    ) -> SttStream:
        return SimulatedStream(self, call_id, rate, on_interim)


class SimulatedStream(SttStream):
    def __init__(
        self,
        engine: SimulatedRecognizer,
        call_id: str,
        rate: int,
        on_interim: InterimCallback | None = None,
    ) -> None:
        super().__init__(call_id, rate, on_interim)
        self._engine = engine
        self._closed = False
        # Audio is not recognised, only counted (useful in stats and to spot a silent line).
        self.bytes_fed = 0

    def feed(self, pcm: bytes) -> None:
        if not self._closed:
            self.bytes_fed += len(pcm)

    async def finalize(self, speech_end_at: float) -> SttResult | None:
        t0 = time.monotonic()
        if self._closed:
            return None
        # Take the text before sleeping: a second turn ending during the delay gets the next one.
        text = self._engine.release(self.call_id)
        await ENGINE_WAITS.wait(self.call_id, self._engine.latency_ms / 1000.0)
        if text is None:
            return None
        return SttResult(text=text, confidence=1.0, stt_ms=(time.monotonic() - t0) * 1000.0)

    def close(self) -> None:
        # The registry entry belongs to the call, not the stream (a rate change opens a new
        # stream): the session calls engine.end_call(call_id) at hang-up.
        self._closed = True
