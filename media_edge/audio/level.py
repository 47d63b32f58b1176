"""Frame level: the RMS of 16-bit PCM in dBFS, shared by the VAD's noise gate and the endpointer."""

from __future__ import annotations

import math

import numpy as np

SILENCE_DB = -96.0  # digital silence, and the floor of the scale


def frame_level_db(frame: bytes) -> float:
    """RMS level of s16le PCM in dBFS (-96 for digital silence); ~2 µs for 20 ms at 16 kHz."""
    x = np.frombuffer(frame[: len(frame) & ~1], dtype="<i2").astype(np.float32)
    ms = float(np.dot(x, x)) / max(len(x), 1)
    return 10.0 * math.log10(ms / (32768.0 * 32768.0)) if ms > 0 else SILENCE_DB
