"""PCM resampling (signed 16-bit little-endian mono) on top of soxr.

Two shapes of the same job:

* ``StreamResampler`` for audio that arrives in pieces (a call's 20 ms frames, TTS chunks): soxr
  keeps its filter state across pieces, so chunk joins are seamless.
* ``resample()`` for one-shot buffers (phrase cache, tests).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import soxr

Quality = Literal["QQ", "LQ", "MQ", "HQ", "VHQ"]


class StreamResampler:
    """Resample a stream of int16 PCM byte chunks from ``from_rate`` to ``to_rate``.

    ``quality="HQ"`` suits audio people hear; ``"QQ"`` has almost no delay (soxr's quick cubic
    filter emits output for every input chunk) and suits analysis such as VAD, where the better
    filters' buffering would delay decisions by tens of milliseconds.
    """

    __slots__ = ("from_rate", "to_rate", "_stream", "_odd")

    def __init__(self, from_rate: int, to_rate: int, quality: Quality = "HQ") -> None:
        if from_rate <= 0 or to_rate <= 0:
            raise ValueError(f"sample rates must be positive, got {from_rate} -> {to_rate}")
        self.from_rate = from_rate
        self.to_rate = to_rate
        # Equal rates: skip soxr entirely so the common 16k -> 16k path costs nothing.
        self._stream: soxr.ResampleStream | None = (
            None
            if from_rate == to_rate
            else soxr.ResampleStream(from_rate, to_rate, 1, dtype="int16", quality=quality)
        )
        # A chunk may end mid-sample (odd byte count); keep the stray byte for the next chunk
        # rather than corrupting every later sample by one byte.
        self._odd = b""

    @property
    def is_identity(self) -> bool:
        return self._stream is None

    def process(self, pcm: bytes) -> bytes:
        """Feed one chunk; return whatever resampled audio is ready (possibly ``b""``)."""
        if self._odd:
            pcm = self._odd + pcm
            self._odd = b""
        if len(pcm) & 1:
            self._odd = pcm[-1:]
            pcm = pcm[:-1]
        if self._stream is None:
            return pcm
        if not pcm:
            return b""
        out = self._stream.resample_chunk(np.frombuffer(pcm, dtype="<i2"))
        return out.tobytes()

    def flush(self) -> bytes:
        """End of stream: return the audio still held in the filter. The resampler is spent after."""
        self._odd = b""
        if self._stream is None:
            return b""
        return self._stream.resample_chunk(np.zeros(0, dtype=np.int16), last=True).tobytes()


def resample(pcm: bytes, from_rate: int, to_rate: int, quality: Quality = "HQ") -> bytes:
    """Resample a whole int16 mono buffer in one go (output length = round(n * to / from))."""
    if from_rate == to_rate:
        return pcm
    if len(pcm) & 1:
        pcm = pcm[:-1]
    if not pcm:
        return b""
    x = np.frombuffer(pcm, dtype="<i2")
    return soxr.resample(x, from_rate, to_rate, quality=quality).astype("<i2", copy=False).tobytes()
