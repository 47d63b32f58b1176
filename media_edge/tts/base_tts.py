"""Text-to-speech interface: streaming 16-bit LE mono PCM, first audio as early as possible."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator


class TtsEngine(ABC):
    name: str = "tts"
    sample_rate: int  # rate of the PCM that ``synthesize`` yields

    @abstractmethod
    def synthesize(self, text: str) -> AsyncIterator[bytes]:
        """Yield PCM chunks (s16le mono at ``sample_rate``) as soon as each exists.

        Implement as an ``async def`` generator. Closing the iterator early (barge-in) must
        stop the work promptly and leave the engine usable.
        """

    async def warm_up(self) -> None:
        """Load voices / open connections before the first call; default: nothing."""

    async def synthesize_all(self, text: str) -> bytes:
        """The whole utterance as one buffer (phrase cache, tests)."""
        parts: list[bytes] = []
        async for chunk in self.synthesize(text):
            parts.append(chunk)
        return b"".join(parts)
