"""An offline voice that answers as late as a cloud one: ``sim_tts_first_audio_ms`` before its
first chunk (the load bench's stand-in for Google TTS's time to first audio)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from callcenter.engine_waits import CURRENT_CALL, ENGINE_WAITS
from media_edge.tts.base_tts import TtsEngine


class DelayedTts(TtsEngine):
    def __init__(self, inner: TtsEngine, first_audio_ms: float) -> None:
        self.inner = inner
        self.name = inner.name
        self.sample_rate = inner.sample_rate
        self.first_audio_s = first_audio_ms / 1000

    async def warm_up(self) -> None:
        await self.inner.warm_up()

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        await ENGINE_WAITS.wait(CURRENT_CALL.get(), self.first_audio_s)
        async for chunk in self.inner.synthesize(text):
            yield chunk
