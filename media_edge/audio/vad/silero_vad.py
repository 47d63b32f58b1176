"""Silero VAD (v5, ONNX) on onnxruntime: a small neural detector, ~100 µs per 32 ms window.

The model takes fixed windows: 512 samples at 16 kHz or 256 at 8 kHz (32 ms), each preceded by the
last 64 (32) samples of the previous window as context, plus a recurrent state (2x1x128) carried
from window to window. Calls send 20 ms frames, so frames are buffered into windows; a frame that
completes no window repeats the last decision (a decision is at most 32 ms old).

* 8 kHz and 16 kHz are classified natively; any other rate is resampled to 16 kHz with a low-delay
  streaming resampler first.
* One ``InferenceSession`` per process, shared by every call (the weights are 2 MB, and a session
  per call would cost ~20 ms to build); the recurrent state lives in each ``SileroVad``. The
  session runs with one intra-op thread: a window is too small to split, and the edge's cores
  belong to the event loop and the other calls.
* Hysteresis as in Silero's own iterator: speech starts at ``threshold`` and continues while the
  probability stays above ``threshold - 0.15``, so a word does not flicker on and off.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import numpy as np
import onnxruntime as ort

from media_edge.audio.resample import StreamResampler
from media_edge.audio.vad.base_vad import Vad

_WINDOW = {16000: 512, 8000: 256}
_CONTEXT = {16000: 64, 8000: 32}
_ANALYSIS_RATE = 16000

_session: ort.InferenceSession | None = None
_session_lock = threading.Lock()


def model_path(name: str = "silero_vad.onnx") -> Path:
    """The ONNX file shipped in the ``silero-vad`` wheel (found without importing the package,
    which would import torch)."""
    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the silero-vad package (its ONNX model files) is not installed")
    return Path(spec.submodule_search_locations[0]) / "data" / name


def shared_session() -> ort.InferenceSession:
    """The process-wide inference session, built on first use."""
    global _session
    if _session is None:
        with _session_lock:
            if _session is None:
                opts = ort.SessionOptions()
                opts.intra_op_num_threads = 1
                opts.inter_op_num_threads = 1
                opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
                opts.log_severity_level = 3  # the model's unused initializers warn on load
                _session = ort.InferenceSession(
                    str(model_path()), sess_options=opts, providers=["CPUExecutionProvider"]
                )
    return _session


class SileroVad(Vad):
    """``threshold``: speech probability that starts speech (0.5 is Silero's default)."""

    name = "silero"

    def __init__(self, threshold: float = 0.5) -> None:
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must be in (0, 1), got {threshold}")
        self.threshold = threshold
        self.neg_threshold = max(threshold - 0.15, 0.01)
        self._session = shared_session()
        self.last_probability = 0.0
        self.reset()

    def reset(self) -> None:
        self._state = np.zeros((2, 1, 128), dtype=np.float32)
        self._rate = 0
        self._context = np.zeros(0, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)
        self._resampler: StreamResampler | None = None
        self._speech = False
        self.last_probability = 0.0

    def is_speech(self, frame: bytes, rate: int) -> bool:
        if len(frame) & 1:
            frame = frame[:-1]
        if not frame or rate <= 0:
            return False
        if rate in _WINDOW:
            model_rate = rate
        else:
            if self._resampler is None or self._resampler.from_rate != rate:
                self._resampler = StreamResampler(rate, _ANALYSIS_RATE, quality="QQ")
            frame = self._resampler.process(frame)
            model_rate = _ANALYSIS_RATE
        if model_rate != self._rate:
            # New call rate: the state and context belong to the old one.
            self._state = np.zeros((2, 1, 128), dtype=np.float32)
            self._context = np.zeros(_CONTEXT[model_rate], dtype=np.float32)
            self._pending = np.zeros(0, dtype=np.float32)
            self._rate = model_rate
        samples = np.frombuffer(frame, dtype="<i2").astype(np.float32) * (1.0 / 32768.0)
        buf = np.concatenate((self._pending, samples)) if len(self._pending) else samples
        window = _WINDOW[model_rate]
        off = 0
        while len(buf) - off >= window:
            self._classify(buf[off : off + window], model_rate)
            off += window
        self._pending = buf[off:].copy()
        return self._speech

    def _classify(self, window: np.ndarray, rate: int) -> None:
        x = np.concatenate((self._context, window))[np.newaxis, :]
        out, self._state = self._session.run(
            None, {"input": x, "state": self._state, "sr": np.array(rate, dtype=np.int64)}
        )
        self._context = window[-len(self._context) :]
        p = float(out[0, 0])
        self.last_probability = p
        if p >= self.threshold:
            self._speech = True
        elif p < self.neg_threshold:
            self._speech = False
