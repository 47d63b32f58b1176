"""An offline voice that answers like a cloud one, for the load bench: its first chunk comes
``sim_tts_first_audio_ms`` after the request (Google TTS's time to first audio), or later if the
offline voice itself needs longer.

The whole request → first chunk is booked as the engine's time, espeak's own work and queue
included: a cloud TTS synthesises every call in parallel, while espeak-ng does one sentence at a
time per process, so under load its queue is an artefact of the stand-in, not our overhead.
(Without this wrapper, the offline profile, espeak's time counts as ours.)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import aclosing

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
        call_id = CURRENT_CALL.get()
        started = time.monotonic()
        async with aclosing(self.inner.synthesize(text)) as chunks:
            first = await anext(chunks, None)
            late = self.first_audio_s - (time.monotonic() - started)
            if late > 0:
                await asyncio.sleep(late)
            ENGINE_WAITS.record(call_id, started, time.monotonic())
            if first is None:
                return
            yield first
            async for chunk in chunks:
                yield chunk
