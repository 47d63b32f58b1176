"""Engine choice by configuration: each engine has a production and an offline implementation."""

from __future__ import annotations

from callcenter.settings import Settings, SttEngine, TtsEngine
from media_edge.stt.base_stt import SttEngine as SttEngineBase
from media_edge.stt.simulated_stt import SimulatedRecognizer
from media_edge.tts.base_tts import TtsEngine as TtsEngineBase
from media_edge.tts.espeak_tts import EspeakTts


def make_tts(settings: Settings) -> TtsEngineBase:
    if settings.tts_engine == TtsEngine.ESPEAK:
        return EspeakTts()
    raise ValueError(f"TTS engine {settings.tts_engine!r} is not available in this build")


def make_stt(settings: Settings) -> SttEngineBase:
    if settings.stt_engine == SttEngine.SIMULATED:
        return SimulatedRecognizer()
    raise ValueError(f"STT engine {settings.stt_engine!r} is not available in this build")
