"""The edge's cached phrases as a caller hears them on the wire, for the fault scenarios' callers.

A caller waiting for an answer hears the edge's waiting phrases first when the turn is slow
("Хвилинку, перевіряю.", then "Ще секунду, будь ласка." / "Дякую за терпіння, ще мить." whenever
the line has been quiet a while): those are not the answer, so the callers recognise them by
their samples and wait on for the answer itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

RATE = 16000


class WirePhrase:
    """A cached phrase as it appears on the wire: its audible samples and length."""

    def __init__(self, pcm: bytes, rate: int = RATE) -> None:
        import numpy as np

        samples = np.frombuffer(pcm, dtype=np.int16)
        nonzero = np.flatnonzero(samples)
        audible = samples[nonzero[0] : nonzero[-1] + 1].tobytes() if nonzero.size else b""
        self.rate = rate
        self.length_s = len(audible) / 2 / rate
        # 100 ms from three places in it: a stall of the sender can split the phrase on the
        # wire, but not all three.
        self.probes = [audible[(at := (len(audible) * k // 12) & ~1) : at + rate // 5] for k in (2, 5, 8)]

    async def heard_at(self, leg: Any, at: float) -> bool:
        """Did this phrase start at ``at`` (the arrival of an audible frame)?"""
        if not self.probes or not self.probes[0]:
            return False
        deadline = at + self.length_s + 0.1
        while time.monotonic() < deadline and not leg.remote_closed.is_set():
            await asyncio.sleep(0.02)
        head = leg.agent_audio(after=at - 0.001)[: int((self.length_s + 0.5) * self.rate) * 2]
        return any(probe in head for probe in self.probes)

    def end_after(self, leg: Any, at: float) -> float:
        """Arrival of its last frame, counting its length in audible frames from ``at``."""
        played, end = 0.0, at
        for frame in leg.received[leg._index_after(at - 0.001):]:
            if not frame.silent:
                played, end = played + frame.duration_s, frame.t
                if played >= self.length_s - 0.001:
                    break
        return end


class WaitingPhrases:
    """The edge's waiting phrases: heard on their own, they say "still working", not the answer."""

    def __init__(self, pcms: Sequence[bytes], rate: int = RATE) -> None:
        self.phrases = [WirePhrase(pcm, rate) for pcm in pcms]

    @classmethod
    def of_edge(cls, phrases: Any, rate: int = RATE) -> WaitingPhrases:
        """From a running edge's phrase cache (``RunningEdge.ctx.phrases``)."""
        from media_edge.phrases import Phrase
        from media_edge.session import STILL_WAITING_PHRASES

        waiting = (Phrase.CHECKING, *STILL_WAITING_PHRASES)
        return cls([phrases.get(phrase, rate) for phrase in waiting], rate)

    async def heard_at(self, leg: Any, at: float) -> WirePhrase | None:
        """The waiting phrase that started at ``at``, if it was one."""
        for phrase in self.phrases:
            if await phrase.heard_at(leg, at):
                return phrase
        return None

    async def answer_after(self, leg: Any, first_sound: float, timeout: float) -> tuple[float, int]:
        """The arrival of the first agent audio from ``first_sound`` on that is not a waiting
        phrase, and how many waiting phrases came before it. TimeoutError if the answer does not
        come within ``timeout`` of a waiting phrase's end; ConnectionError if the edge hangs up."""
        at, waited = first_sound, 0
        while (phrase := await self.heard_at(leg, at)) is not None:
            waited += 1
            at = await leg.wait_for_agent_audio(after=phrase.end_after(leg, at), timeout=timeout)
        return at, waited
