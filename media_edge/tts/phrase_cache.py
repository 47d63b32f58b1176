"""Pre-synthesised fixed phrases: the greeting and fillers cost no TTS time during a call.

Each phrase is synthesised once at start-up at the engine's native rate; the first request for
another rate (8 kHz for the ``AudioSocket()`` dialplan app, 24k/48k for newer Asterisk) resamples
it once and keeps the result, so every later ``get`` is a dict lookup.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping

from media_edge.audio.resample import resample
from media_edge.phrases import PHRASES
from media_edge.tts.base_tts import TtsEngine

log = logging.getLogger(__name__)


class PhraseCache:
    def __init__(self, engine: TtsEngine, phrases: Mapping[str, str] = PHRASES) -> None:
        self.engine = engine
        self.phrases: dict[str, str] = {str(k): v for k, v in phrases.items()}
        self._pcm: dict[tuple[str, int], bytes] = {}
        self.loaded = False

    async def load(self, rates: Iterable[int] = ()) -> None:
        """Synthesise every phrase once (sequentially: the engine serialises anyway), then
        pre-resample to ``rates`` so even the first call at those rates does no work."""
        t0 = time.perf_counter()
        native = self.engine.sample_rate
        for key, text in self.phrases.items():
            if (key, native) not in self._pcm:
                self._pcm[(key, native)] = await self.engine.synthesize_all(text)
        self.loaded = True
        for rate in rates:
            for key in self.phrases:
                self.get(key, rate)
        log.info(
            "phrase cache: %d phrases via %s in %.0f ms",
            len(self.phrases), self.engine.name, (time.perf_counter() - t0) * 1000.0,
        )

    def get(self, key: str, rate: int) -> bytes:
        """PCM (s16le mono) of phrase ``key`` at ``rate`` Hz. KeyError for an unknown or
        not-yet-loaded phrase."""
        key = str(key)
        pcm = self._pcm.get((key, rate))
        if pcm is not None:
            return pcm
        native = self._pcm[(key, self.engine.sample_rate)]
        pcm = resample(native, self.engine.sample_rate, rate)
        self._pcm[(key, rate)] = pcm
        return pcm

    def text(self, key: str) -> str:
        return self.phrases[str(key)]

    def duration_ms(self, key: str) -> float:
        return len(self.get(key, self.engine.sample_rate)) / 2 / self.engine.sample_rate * 1000.0

    def __contains__(self, key: object) -> bool:
        return str(key) in self.phrases
