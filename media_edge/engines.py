"""Engine choice by configuration: each engine has a production and an offline implementation."""

from __future__ import annotations

from callcenter.settings import Settings, SttEngine, TtsEngine
from media_edge.stt.base_stt import SttEngine as SttEngineBase
from media_edge.stt.simulated_stt import SimulatedRecognizer
from media_edge.tts.base_tts import TtsEngine as TtsEngineBase
from media_edge.tts.espeak_tts import EspeakTts


def make_tts(settings: Settings) -> TtsEngineBase:
    if settings.tts_engine == TtsEngine.ESPEAK:
        espeak = EspeakTts(rate_wpm=settings.espeak_rate_wpm)
        if settings.sim_tts_first_audio_ms > 0:
            from media_edge.tts.delayed_tts import DelayedTts

            return DelayedTts(espeak, settings.sim_tts_first_audio_ms)
        return espeak
    if settings.tts_engine == TtsEngine.GOOGLE:
        # Imported here: the offline path never loads the Google libraries.
        from media_edge.tts.google_tts import GoogleTts, GoogleTtsConfig

        return GoogleTts(
            GoogleTtsConfig(
                voice=settings.google_tts_voice, streaming=settings.google_tts_streaming
            )
        )
    raise ValueError(f"TTS engine {settings.tts_engine!r} is not available in this build")


def make_stt(settings: Settings) -> SttEngineBase:
    if settings.stt_engine == SttEngine.SIMULATED:
        return SimulatedRecognizer(latency_ms=settings.sim_stt_final_ms)
    if settings.stt_engine == SttEngine.GOOGLE:
        from media_edge.stt.google_stt import GoogleStt, GoogleSttConfig, default_project

        return GoogleStt(
            GoogleSttConfig(
                project=settings.google_project or default_project(),
                region=settings.google_stt_region,
                model=settings.google_stt_model,
                stream_max_s=settings.google_stt_stream_max_s,
                final_timeout_s=settings.google_stt_final_timeout_s,
            )
        )
    raise ValueError(f"STT engine {settings.stt_engine!r} is not available in this build")
