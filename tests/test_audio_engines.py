"""Audio engines on real audio: espeak-ng TTS, phrase cache, webrtcvad + endpointer, simulated STT."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import aclosing

import numpy as np
import pytest
import pytest_asyncio

from media_edge.audio.resample import StreamResampler, resample
from media_edge.audio.turn.endpointer import (
    Endpointer,
    SpeechDiscarded,
    SpeechEnded,
    SpeechStarted,
    TurnEvent,
)
from media_edge.audio.vad.webrtc_vad import WebRtcVad
from media_edge.phrases import PHRASES, Phrase
from media_edge.stt.simulated_stt import SimulatedRecognizer
from media_edge.tts.base_tts import TtsEngine
from media_edge.tts.espeak_tts import EspeakTts
from media_edge.tts.phrase_cache import PhraseCache

SENTENCE = "Доброго дня! Мені потрібні зимові шини двісті п'ять п'ятдесят п'ять ер шістнадцять"
END_SILENCE_MS = 600.0
T0 = 1000.0  # arbitrary monotonic origin for simulated frame arrival times


def dbfs(pcm: bytes) -> float:
    x = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    return 10 * np.log10(max(float(np.mean(x * x)), 1e-9) / 32768.0**2)


def last_sound_s(pcm: bytes, rate: int, threshold: int = 200) -> float:
    """Where the audible signal really ends (seconds from the buffer start)."""
    x = np.abs(np.frombuffer(pcm, dtype="<i2").astype(np.int32))
    return (int(np.nonzero(x > threshold)[0][-1]) + 1) / rate


def same_speech(a: bytes, b: bytes) -> bool:
    """Same utterance? libespeak-ng is not bit-reproducible (its pitch "flutter" phase carries over
    from one synthesis to the next, and a pause may come out 20 ms shorter), so compare length
    (within 3%) and the 100 ms loudness envelope (same text: correlation > 0.99 over 30 runs;
    different texts: length off by 40%+, or correlation < 0.9)."""

    def envelope(pcm: bytes) -> np.ndarray:
        x = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
        n = len(x) // 1600
        return np.sqrt((x[: n * 1600].reshape(n, 1600) ** 2).mean(axis=1))

    ea, eb = envelope(a), envelope(b)
    n = min(len(ea), len(eb))
    return abs(len(a) / len(b) - 1) < 0.03 and float(np.corrcoef(ea[:n], eb[:n])[0, 1]) > 0.95


def run_turns(pcm: bytes, rate: int) -> list[TurnEvent]:
    """Feed 20 ms frames as Asterisk would (the last one possibly short), arrival = frame end."""
    vad, ep = WebRtcVad(), Endpointer(end_silence_ms=END_SILENCE_MS)
    frame_bytes = rate // 50 * 2
    events: list[TurnEvent] = []
    for off in range(0, len(pcm), frame_bytes):
        frame = pcm[off : off + frame_bytes]
        at = T0 + (off + len(frame)) / 2 / rate
        ev = ep.process(vad.is_speech(frame, rate), at, frame_ms=len(frame) / 2 / rate * 1000)
        if ev is not None:
            events.append(ev)
    return events


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def tts() -> EspeakTts:
    engine = EspeakTts()
    await engine.warm_up()
    return engine


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def speech(tts: EspeakTts) -> bytes:
    return await tts.synthesize_all(SENTENCE)


# --- TTS ---------------------------------------------------------------------------------------


async def test_espeak_synthesises_ukrainian_speech(tts: EspeakTts) -> None:
    assert tts.sample_rate == 16000
    chunks = [chunk async for chunk in tts.synthesize(SENTENCE)]
    assert all(len(c) % 2 == 0 for c in chunks)
    assert len(chunks) > 10  # streamed in pieces, not one buffer
    pcm = b"".join(chunks)
    assert 1.0 <= len(pcm) / 2 / 16000 <= 8.0
    assert dbfs(pcm) > -30  # real speech, not silence


async def test_espeak_first_chunk_arrives_long_before_the_end(tts: EspeakTts) -> None:
    # A long text (~30 s of audio, ~0.1 s of synthesis) so the margin dwarfs scheduling noise.
    text = ". ".join([SENTENCE] * 4)
    t0 = time.perf_counter()
    first_at = None
    async for _ in tts.synthesize(text):
        if first_at is None:
            first_at = time.perf_counter() - t0
    total = time.perf_counter() - t0
    assert first_at is not None
    assert first_at < total / 4, (first_at, total)


async def test_concurrent_synthesis_is_serialised(tts: EspeakTts) -> None:
    texts = ["Хвилинку, перевіряю наявність.", "Шини двісті п'ять п'ятдесят п'ять ер шістнадцять."]
    solo = [await tts.synthesize_all(t) for t in texts]
    assert not same_speech(solo[0], solo[1])
    both = await asyncio.gather(*(tts.synthesize_all(t) for t in texts * 2))
    for got, want in zip(both, solo * 2, strict=True):
        assert same_speech(got, want)


async def test_cancelled_stream_releases_engine(tts: EspeakTts) -> None:
    long_text = SENTENCE + ". " + SENTENCE
    async with aclosing(tts.synthesize(long_text)) as stream:
        got = 0
        async for _ in stream:
            got += 1
            if got == 2:
                break  # barge-in
    # The next synthesis must run (no lock held by the abandoned one) and be complete.
    pcm = await asyncio.wait_for(tts.synthesize_all("Дякую."), timeout=5)
    assert same_speech(pcm, await tts.synthesize_all("Дякую."))
    assert await tts.synthesize_all("   \n ") == b""


class CountingTts(TtsEngine):
    """Wraps a real engine and counts syntheses."""

    name = "counting"

    def __init__(self, inner: TtsEngine) -> None:
        self.inner = inner
        self.sample_rate = inner.sample_rate
        self.calls = 0

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        self.calls += 1
        async for chunk in self.inner.synthesize(text):
            yield chunk


async def test_phrase_cache_synthesises_once_and_resamples(tts: EspeakTts) -> None:
    engine = CountingTts(tts)
    cache = PhraseCache(engine)
    await cache.load()
    assert engine.calls == len(PHRASES)
    greeting = cache.get(Phrase.GREETING, 16000)
    assert cache.get("greeting", 16000) == greeting
    assert same_speech(greeting, await tts.synthesize_all(PHRASES[Phrase.GREETING]))
    narrow = cache.get(Phrase.GREETING, 8000)
    assert abs(len(narrow) - len(greeting) / 2) <= 320  # half the bytes, within one 8k frame
    assert cache.get(Phrase.GREETING, 8000) is narrow  # resampled once, then cached
    assert dbfs(narrow) > -30
    assert engine.calls == len(PHRASES)  # no synthesis after load
    with pytest.raises(KeyError):
        cache.get("no_such_phrase", 16000)


# --- VAD + endpointer ------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [16000, 8000, 24000])
async def test_vad_endpointer_on_real_speech(speech: bytes, rate: int) -> None:
    lead = bytes(rate)  # 0.5 s of silence before, 1.5 s after
    pcm = resample(speech, 16000, rate)
    audio = lead + pcm + bytes(rate * 3)
    true_end = T0 + len(lead) / 2 / rate + last_sound_s(pcm, rate)
    events = run_turns(audio, rate)
    kinds = [type(e) for e in events]
    assert kinds == [SpeechStarted, SpeechEnded], events
    started, ended = events
    assert isinstance(started, SpeechStarted) and isinstance(ended, SpeechEnded)
    assert abs(started.at - (T0 + 0.5)) < 0.1
    assert abs(ended.speech_end_at - true_end) < 0.1, (ended.speech_end_at - true_end)
    assert abs(ended.detected_at - ended.speech_end_at - END_SILENCE_MS / 1000) < 0.03
    assert ended.speech_ms > 5000


def noise(seconds: float, level_dbfs: float, rate: int = 16000, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal(int(seconds * rate)) * 32768 * 10 ** (level_dbfs / 20)


def to_pcm(x: np.ndarray) -> bytes:
    return np.clip(x, -32768, 32767).astype("<i2").tobytes()


@pytest.mark.parametrize("background_dbfs", [None, -50.0])
def test_click_does_not_start_a_turn(speech: bytes, background_dbfs: float | None) -> None:
    x = np.zeros(16000 * 3) if background_dbfs is None else noise(3, background_dbfs)
    click = np.frombuffer(speech, dtype="<i2")[16000 : 16000 + 640]  # 40 ms of a loud vowel
    x[16000 : 16000 + 640] += click
    assert run_turns(to_pcm(x), 16000) == []
    x[32000 : 32000 + 640] += noise(0.04, -10, seed=3)  # a 40 ms crackle
    assert run_turns(to_pcm(x), 16000) == []


def test_speech_over_line_noise_is_one_turn(speech: bytes) -> None:
    x = noise(1 + len(speech) / 32000 + 2, -45)
    x[16000 : 16000 + len(speech) // 2] += np.frombuffer(speech, dtype="<i2")
    events = run_turns(to_pcm(x), 16000)
    assert [type(e) for e in events] == [SpeechStarted, SpeechEnded]
    ended = events[1]
    assert isinstance(ended, SpeechEnded)
    assert abs(ended.speech_end_at - (T0 + 1 + last_sound_s(speech, 16000))) < 0.1


@pytest.mark.parametrize("rate", [16000, 8000])
def test_low_noise_does_not_start_a_turn(rate: int) -> None:
    assert run_turns(to_pcm(noise(5, -45, rate, seed=2)), rate) == []


def test_vad_accepts_any_rate_and_frame_length() -> None:
    vad = WebRtcVad()
    for rate in (8000, 12000, 16000, 24000, 32000, 44100, 48000, 96000, 192000):
        for n in (rate // 50, rate // 100, rate // 50 - 7, 3, rate // 10, 0):
            assert vad.is_speech(bytes(2 * n), rate) is False
    assert vad.is_speech(b"\x01", 16000) is False  # odd byte count


def test_endpointer_drops_short_bursts_and_resets() -> None:
    ep = Endpointer(end_silence_ms=200, onset_ms=100, min_speech_ms=200)
    events = [ep.process(s, T0 + i * 0.02) for i, s in enumerate([True] * 8 + [False] * 12)]
    got = [e for e in events if e is not None]
    assert [type(e) for e in got] == [SpeechStarted, SpeechDiscarded]
    assert not ep.in_speech
    ep.process(True, T0)
    ep.reset()
    assert not ep.in_speech


def test_stream_resampler_matches_one_shot_length(speech: bytes) -> None:
    rs = StreamResampler(16000, 8000)
    out = b"".join(rs.process(speech[i : i + 641]) for i in range(0, len(speech), 641))
    out += rs.flush()
    assert abs(len(out) - len(speech) // 2) <= 4
    same = StreamResampler(16000, 16000)
    assert same.process(b"abc") + same.process(b"d") == b"abcd"


# --- simulated STT ---------------------------------------------------------------------------


async def test_simulated_recognizer_fifo_per_call() -> None:
    stt = SimulatedRecognizer()
    a, b = stt.open_stream("call-a", 16000), stt.open_stream("call-b", 8000)
    stt.expect("call-a", "перше")
    stt.expect("call-b", "інший дзвінок")
    stt.expect("call-a", "друге")
    a.feed(bytes(640))
    r1 = await a.finalize(T0)
    assert r1 is not None and r1.text == "перше" and r1.is_final
    r2 = await b.finalize(T0)
    assert r2 is not None and r2.text == "інший дзвінок"
    assert await b.finalize(T0) is None  # noise turn: nothing queued, nothing invented
    r3 = await a.finalize(T0)
    assert r3 is not None and r3.text == "друге"
    assert await a.finalize(T0) is None
    stt.expect("call-a", "після тиші")  # a None turn does not consume later texts
    r4 = await a.finalize(T0)
    assert r4 is not None and r4.text == "після тиші"
    stt.expect("call-a", "не сказано")
    stt.forget("call-a")
    assert stt.pending("call-a") == []
    a.close()
    assert await a.finalize(T0) is None


async def test_simulated_latency() -> None:
    stt = SimulatedRecognizer(latency_ms=30)
    s = stt.open_stream("c", 16000)
    stt.expect("c", "так")
    r = await s.finalize(T0)
    assert r is not None and r.stt_ms >= 29
