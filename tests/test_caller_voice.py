"""The simulated caller's voice: exact end of speech, no pause long enough to split a line in two."""

from __future__ import annotations

import numpy as np

from callcenter.simulator.runner import MAX_PAUSE_MS, CallerVoice, trim_silence

RATE = 16000


def _longest_pause_ms(pcm: bytes, floor: int = 300) -> float:
    voiced = np.flatnonzero(np.abs(np.frombuffer(pcm, np.int16).astype(np.int32)) > floor)
    return float(np.diff(voiced).max()) / RATE * 1000 if voiced.size > 1 else 0.0


def test_trim_keeps_speech_and_shortens_only_long_pauses() -> None:
    tone = (np.sin(np.arange(RATE // 4) / 3) * 8000).astype(np.int16)  # 250 ms of "speech"
    pause = lambda ms: np.zeros(RATE * ms // 1000, np.int16)  # noqa: E731
    pcm = np.concatenate([pause(200), tone, pause(700), tone, pause(100), tone, pause(400)]).tobytes()
    trimmed = np.frombuffer(trim_silence(pcm, RATE), np.int16)
    assert abs(int(trimmed[-1])) > 300, "ends on the last voiced sample: end of speech is exact"
    expected = 3 * len(tone) + RATE * MAX_PAUSE_MS // 1000 + RATE * 100 // 1000
    assert abs(len(trimmed) - expected) < RATE // 100  # within 10 ms
    assert _longest_pause_ms(trimmed.tobytes()) <= MAX_PAUSE_MS + 1


async def test_a_line_with_sentences_has_no_pause_the_endpointer_would_take_for_a_turn_end() -> None:
    pcm = await CallerVoice().say("Доброго дня. Мені потрібні зимові шини! Дякую.", RATE)
    assert len(pcm) / 2 / RATE > 2.0
    assert _longest_pause_ms(pcm) <= MAX_PAUSE_MS + 1
