"""Voice activity detectors behind one interface (``base_vad.Vad``), chosen by configuration."""

from __future__ import annotations

from media_edge.audio.vad.base_vad import Vad


def make_vad(engine: str = "webrtc") -> Vad:
    """A fresh per-call detector: ``"webrtc"`` (default) or ``"silero"``.

    Silero is imported only when asked for: onnxruntime takes ~0.3 s to import and its model
    session is built once per process, on the first call that uses it.
    """
    if engine == "webrtc":
        from media_edge.audio.vad.webrtc_vad import WebRtcVad

        return WebRtcVad()
    if engine == "silero":
        from media_edge.audio.vad.silero_vad import SileroVad

        return SileroVad()
    raise ValueError(f"unknown VAD engine {engine!r} (webrtc or silero)")
