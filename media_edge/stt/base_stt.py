"""Speech-to-text interface: one engine per process, one stream per call.

The session feeds a call's audio continuously and lets *our* endpointer decide when a turn ends,
then asks the stream for that turn's final transcript. The shape fits a real streaming engine
(Google Speech-to-Text v2): ``feed`` pushes audio into an open gRPC request stream, interim
hypotheses go to ``on_interim`` as they come, and ``finalize`` waits (briefly) for the final that
covers the audio up to ``speech_end_at``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SttResult:
    text: str
    confidence: float | None  # 0..1 when the engine reports one
    stt_ms: float  # how long the caller waited on STT: finalize() called -> result ready
    is_final: bool = True


InterimCallback = Callable[[SttResult], None]


class SttStream(ABC):
    """Recognition of one call's audio, turn after turn. Not thread-safe: use from the event loop."""

    def __init__(self, call_id: str, rate: int, on_interim: InterimCallback | None = None) -> None:
        self.call_id = call_id
        self.rate = rate
        self.on_interim = on_interim

    @abstractmethod
    def feed(self, pcm: bytes) -> None:
        """Queue caller audio (16-bit LE mono at ``rate``). Must not block: called per frame."""

    def speech_started(self, at: float | None = None) -> None:  # noqa: B027 - optional hook
        """Our endpointer saw a turn begin (at ``at``, monotonic s, when known). Engines may use
        it to open a recognition request lazily or to mark the turn boundary; default: nothing."""

    def speech_discarded(self) -> None:  # noqa: B027 - optional hook
        """The turn our endpointer started was only a noise burst: whatever the engine heard of it
        must not leak into the next turn's transcript; default: nothing."""

    @abstractmethod
    async def finalize(self, speech_end_at: float) -> SttResult | None:
        """The endpointer ended the turn; return its final transcript, or ``None`` when there
        was nothing to recognise (noise). ``speech_end_at`` (monotonic s) lets a streaming engine
        tell which of its finals belong to this turn."""

    @abstractmethod
    def close(self) -> None:
        """Hang-up: release the stream (cancel requests, drop buffered audio). Idempotent."""


class SttEngine(ABC):
    name: str = "stt"

    @abstractmethod
    def open_stream(
        self, call_id: str, rate: int, on_interim: InterimCallback | None = None
    ) -> SttStream:
        """Start recognising a call whose audio arrives at ``rate`` Hz."""

    async def warm_up(self) -> None:
        """Open connections / load models before the first call; default: nothing."""

    def end_call(self, call_id: str) -> None:
        """The call is over: drop anything kept for it beyond its streams; default: nothing."""
