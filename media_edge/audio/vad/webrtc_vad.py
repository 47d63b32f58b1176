"""WebRTC's GMM voice activity detector (``webrtcvad-wheels``): ~µs per frame, no model files.

webrtcvad only accepts 8/16/32/48 kHz and 10/20/30 ms frames and raises on anything else.
This wrapper makes it total:

* other rates (12k, 24k, 44.1k, 96k, 192k) are resampled to 16 kHz with a low-delay streaming
  resampler and classified in whole 20 ms frames of 16 kHz audio;
* a frame that is not 10/20/30 ms (Asterisk's last frame may be short) is zero-padded up to the
  next valid size; a longer one is split into 20 ms pieces and counts as speech if any piece is.

Energy gate: webrtcvad smooths its output with a built-in hangover (in mode 2 with 20 ms frames it
keeps saying "speech" for 3-5 frames after the sound stops). That makes a 40 ms click look like
120 ms of speech (enough to start a turn) and reports the end of speech up to 100 ms late. So a
frame also has to stand ``min_snr_db`` above a tracked noise floor to count as speech; the
hangover frames, which carry only line noise, are cut. ``min_snr_db=None`` turns the gate off.
"""

from __future__ import annotations

import math
from collections import deque

import webrtcvad

from media_edge.audio.level import frame_level_db
from media_edge.audio.resample import StreamResampler
from media_edge.audio.vad.base_vad import Vad

NATIVE_RATES = frozenset((8000, 16000, 32000, 48000))
_ANALYSIS_RATE = 16000
_ANALYSIS_FRAME_BYTES = _ANALYSIS_RATE // 50 * 2  # 20 ms at 16 kHz


class NoiseFloor:
    """Noise level of the line in dBFS by minimum statistics: the quietest frame of the last
    ``window_frames`` (3 s of 20 ms frames), kept as per-block minima so a frame costs O(blocks).

    Speech always has quiet gaps within a few seconds, so the minimum finds the line noise under
    it; steady noise that fools webrtcvad (a fan, a car) becomes its own floor and is gated out
    once it has lasted a window. Calls open with the caller listening to the greeting, so the
    floor is right from the first frames.
    """

    __slots__ = ("_block_len", "_mins", "_cur", "_n")

    def __init__(self, window_frames: int = 150, blocks: int = 6) -> None:
        self._block_len = max(1, window_frames // blocks)
        self._mins: deque[float] = deque(maxlen=blocks)
        self._cur = math.inf
        self._n = 0

    @property
    def db(self) -> float:
        """Current floor; -96 dBFS (no gating) before the first frame."""
        floor = min(min(self._mins, default=math.inf), self._cur)
        return -96.0 if floor == math.inf else floor

    def update(self, level_db: float) -> None:
        if level_db < self._cur:
            self._cur = level_db
        self._n += 1
        if self._n == self._block_len:
            self._mins.append(self._cur)
            self._cur = math.inf
            self._n = 0


class WebRtcVad(Vad):
    """``aggressiveness`` 0 (lenient) .. 3 (strict about what counts as speech); default 2.
    ``min_snr_db``: how far above the noise floor a frame must be to count (None: no gate)."""

    name = "webrtcvad"

    def __init__(self, aggressiveness: int = 2, min_snr_db: float | None = 6.0) -> None:
        if not 0 <= aggressiveness <= 3:
            raise ValueError(f"aggressiveness must be 0..3, got {aggressiveness}")
        self.aggressiveness = aggressiveness
        self.min_snr_db = min_snr_db
        self._vad = webrtcvad.Vad(aggressiveness)
        self._floor = NoiseFloor()
        # Only used for non-native rates; rebuilt if the call's rate changes.
        self._resampler: StreamResampler | None = None
        self._pending = b""
        self._last = False
        self._level_of: bytes | None = None  # the last frame the gate measured, and its level
        self._level = 0.0

    def reset(self) -> None:
        self._vad = webrtcvad.Vad(self.aggressiveness)
        self._floor = NoiseFloor()
        self._resampler = None
        self._pending = b""
        self._last = False

    def is_speech(self, frame: bytes, rate: int) -> bool:
        if len(frame) & 1:
            frame = frame[:-1]
        if not frame or rate <= 0:
            return False
        if rate in NATIVE_RATES:
            speech = self._classify_native(frame, rate)
        else:
            speech = self._classify_resampled(frame, rate)
        if self.min_snr_db is None:
            return speech
        level = frame_level_db(frame)
        self._level_of, self._level = frame, level
        # Compare against the floor *before* this frame joins it.
        gated = speech and level >= self._floor.db + self.min_snr_db
        self._floor.update(level)
        return gated

    def level_db(self, frame: bytes) -> float:
        # The gate measured the frame just classified; the session asks again for the endpointer.
        return self._level if frame is self._level_of else frame_level_db(frame)

    def _classify_native(self, frame: bytes, rate: int) -> bool:
        bytes_per_ms = rate // 1000 * 2
        n = len(frame)
        # Fast path: the normal 20 ms frame (and the other sizes webrtcvad takes as they are).
        if n in (10 * bytes_per_ms, 20 * bytes_per_ms, 30 * bytes_per_ms):
            return self._vad.is_speech(frame, rate)
        if n < 30 * bytes_per_ms:
            # Short frame: pad with silence to the next size webrtcvad accepts.
            for ms in (10, 20, 30):
                if n < ms * bytes_per_ms:
                    return self._vad.is_speech(frame + bytes(ms * bytes_per_ms - n), rate)
        step = 20 * bytes_per_ms
        speech = False
        for off in range(0, n, step):
            piece = frame[off : off + step]
            if len(piece) < step:
                piece += bytes(step - len(piece))
            # Evaluate every piece (not short-circuit) so the detector's internal state sees
            # all the audio in order.
            speech = self._vad.is_speech(piece, rate) or speech
        return speech

    def _classify_resampled(self, frame: bytes, rate: int) -> bool:
        if self._resampler is None or self._resampler.from_rate != rate:
            # "QQ" emits output for every input chunk, so decisions are not delayed by
            # the resampler's buffering (HQ holds back ~30 ms).
            self._resampler = StreamResampler(rate, _ANALYSIS_RATE, quality="QQ")
            self._pending = b""
        buf = self._pending + self._resampler.process(frame)
        decided = False
        speech = False
        while len(buf) >= _ANALYSIS_FRAME_BYTES:
            piece, buf = buf[:_ANALYSIS_FRAME_BYTES], buf[_ANALYSIS_FRAME_BYTES:]
            speech = self._vad.is_speech(piece, _ANALYSIS_RATE) or speech
            decided = True
        self._pending = buf
        if decided:
            self._last = speech
        # No whole frame yet (first frame, or a short one): repeat the last decision.
        return self._last
