"""VAD engines and the adaptive endpointer: silences by expected reply, the onset guard, trailing
hesitations, line noise, 8 kHz, and silero VAD on generated Ukrainian speech (espeak-ng)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
import pytest_asyncio

from callcenter.settings import Settings
from media_edge.audio.resample import resample
from media_edge.audio.turn.endpointer import (
    Endpointer,
    OnsetGuard,
    SilencePolicy,
    SpeechDiscarded,
    SpeechEnded,
    SpeechStarted,
    TurnEvent,
)
from media_edge.audio.level import frame_level_db
from media_edge.audio.vad import make_vad
from media_edge.audio.vad.base_vad import Vad
from media_edge.audio.vad.silero_vad import SileroVad, shared_session
from media_edge.audio.vad.webrtc_vad import WebRtcVad
from media_edge.tts.espeak_tts import EspeakTts
from workflows.models import ExpectedReply

T0 = 500.0
LEAD_S = 1.5  # line noise alone first: the caller hears the greeting, the noise gate learns the line


# --- helpers ----------------------------------------------------------------------------------


def bool_frames(ep: Endpointer, pattern: Sequence[tuple[bool, int]], levels: Sequence[float] | None = None
                ) -> list[TurnEvent]:
    """Feed (speech?, n frames) runs of 20 ms frames; arrival = end of each frame."""
    events: list[TurnEvent] = []
    i = 0
    for speech, n in pattern:
        for _ in range(n):
            level = None if levels is None else levels[i]
            ev = ep.process(speech, T0 + (i + 1) * 0.02, 20.0, level_db=level)
            if ev is not None:
                events.append(ev)
            i += 1
    return events


def run_audio(vad: Vad, ep: Endpointer, pcm: bytes, rate: int) -> list[TurnEvent]:
    """20 ms frames through ``Endpointer.feed``, as the session does."""
    frame_bytes = rate // 50 * 2
    events: list[TurnEvent] = []
    for off in range(0, len(pcm), frame_bytes):
        frame = pcm[off : off + frame_bytes]
        ev = ep.feed(vad, frame, rate, T0 + (off + len(frame)) / 2 / rate)
        if ev is not None:
            events.append(ev)
    return events


def sound_end_s(pcm: bytes, rate: int) -> float:
    """Last 5 ms block within 40 dB of the loudest one (seconds)."""
    x = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    block = rate // 200
    n = len(x) // block
    rms = np.sqrt((x[: n * block].reshape(n, block) ** 2).mean(axis=1) + 1e-9)
    return (int(np.nonzero(rms > rms.max() / 100)[0][-1]) + 1) * block / rate


def trim(pcm: bytes, rate: int = 16000) -> bytes:
    return pcm[: int(sound_end_s(pcm, rate) * rate) * 2]


def speech_rms(pcm: bytes) -> float:
    x = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    frames = x[: len(x) // 320 * 320].reshape(-1, 320)
    rms = np.sqrt((frames**2).mean(axis=1))
    return float(np.sqrt((rms[rms > rms.max() * 0.03] ** 2).mean()))


def in_noise(pieces: Sequence[bytes | int], snr_db: float | None, seed: int = 7, tail_s: float = 2.0) -> tuple[bytes, float]:
    """Lead-in, speech pieces and pauses (ms), tail, in white noise ``snr_db`` under the speech.
    Returns the 16 kHz pcm and the end of the last word (seconds)."""
    speech = b"".join(p if isinstance(p, bytes) else bytes(32 * p) for p in pieces)
    x = np.concatenate((np.zeros(int(LEAD_S * 16000)), np.frombuffer(speech, dtype="<i2"),
                        np.zeros(int(tail_s * 16000))))
    if snr_db is not None:
        rng = np.random.default_rng(seed)
        x = x + rng.standard_normal(len(x)) * speech_rms(speech) * 10 ** (-snr_db / 20)
    return np.clip(x, -32768, 32767).astype("<i2").tobytes(), LEAD_S + sound_end_s(speech, 16000)


def kinds(events: Sequence[TurnEvent]) -> list[type]:
    return [type(e) for e in events]


TEXTS = {
    "sentence": "Доброго дня, мені потрібні зимові шини на сімнадцять дюймів.",
    "yes": "Так.",
    "g1": "нуль шість сім",
    "g2": "один два три",
    "g3": "сорок п'ять",
}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def voice() -> dict[str, bytes]:
    tts = EspeakTts(sample_rate=16000)
    await tts.warm_up()
    out = {}
    for key, text in TEXTS.items():
        out[key] = trim(b"".join([c async for c in tts.synthesize(text)]))
    return out


# --- the policy -------------------------------------------------------------------------------


def ended(events: Sequence[TurnEvent]) -> SpeechEnded:
    last = events[-1]
    assert isinstance(last, SpeechEnded), events
    return last


@pytest.mark.parametrize(
    ("expect", "speech_frames", "silence_ms"),
    [
        (ExpectedReply.OPEN, 60, 400),  # 1.2 s answer that ends cleanly
        (ExpectedReply.OPEN, 20, 700),  # 0.4 s: the caller has likely only begun
        (ExpectedReply.YES_NO, 20, 250),  # "так"
        (ExpectedReply.YES_NO, 90, 400),  # 1.8 s is no yes/no answer: an open one
        (ExpectedReply.DIGITS, 60, 900),
    ],
)
def test_end_of_turn_silence_follows_the_expected_reply(expect: ExpectedReply, speech_frames: int,
                                                        silence_ms: int) -> None:
    ep = Endpointer.from_settings(Settings())
    ep.expect(expect)
    events = bool_frames(ep, [(False, 10), (True, speech_frames), (False, 60)])
    assert kinds(events) == [SpeechStarted, SpeechEnded]
    end = ended(events)
    assert end.silence_ms == silence_ms
    assert end.detected_at - end.speech_end_at == pytest.approx(silence_ms / 1000, abs=0.021)
    # One frame of silence short of the threshold does not end the turn.
    ep.reset()
    n_short = silence_ms // 20 - 1
    assert kinds(bool_frames(ep, [(False, 10), (True, speech_frames), (False, n_short)])) == [SpeechStarted]


def test_settings_drive_the_policy_and_the_old_name_is_the_open_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLCENTER_END_OF_TURN_SILENCE_MS", "450")
    monkeypatch.setenv("CALLCENTER_END_OF_TURN_YES_NO_MS", "300")
    monkeypatch.setenv("CALLCENTER_SPEECH_ONSET_MS", "200")
    ep = Endpointer.from_settings(Settings())
    assert ep.end_silence_ms == 450 and ep.policy.yes_no_ms == 300 and ep.onset_ms == 200
    # A fixed silence (the behaviour before the policy) ignores the expected reply.
    fixed = Endpointer(end_silence_ms=600)
    fixed.expect(ExpectedReply.YES_NO)
    assert ended(bool_frames(fixed, [(True, 20), (False, 40)])).silence_ms == 600


def test_expect_can_change_mid_utterance() -> None:
    """The caller may answer before the question ends; the hint applies to the pause that follows."""
    ep = Endpointer()
    events = bool_frames(ep, [(True, 20)])
    ep.expect(ExpectedReply.YES_NO)
    events += bool_frames(ep, [(False, 20)])
    assert ended(events).silence_ms == 250
    assert ep.expected is ExpectedReply.YES_NO  # it holds for the next turns until changed


def test_a_line_that_goes_down_mid_utterance_ends_the_turn_there() -> None:
    """A caller who hangs up right after "Так." gave no silence to end the turn: ``end_now``
    ends it at the last speech frame, once; a noise burst or nothing at all gives no turn."""
    ep = Endpointer()
    events = bool_frames(ep, [(False, 5), (True, 20), (False, 3)])  # 400 ms of words, 60 ms of silence
    assert not any(isinstance(e, SpeechEnded) for e in events)
    last = ep.end_now(at=10.0)
    assert isinstance(last, SpeechEnded) and last.detected_at == 10.0
    assert 300 <= last.speech_ms <= 420 and last.silence_ms == 0.0
    assert ep.end_now(at=10.1) is None and not ep.in_speech  # once
    bool_frames(ep, [(True, 7), (False, 1)])  # 140 ms: less than the shortest word
    assert ep.end_now(at=11.0) is None
    assert Endpointer().end_now(at=1.0) is None


SYLLABLES = [-30, -20, -14, -12, -16, -24] * 10  # running speech: a climb every 120 ms


def test_a_trailing_hesitation_gets_patience_and_a_clean_end_does_not() -> None:
    # 1.2 s of syllables, then a held sound fading 8 dB over 400 ms ("е-е-м"), then a pause.
    held = list(np.linspace(-16, -24, 20))
    levels = SYLLABLES + held + [-70.0] * 60
    ep = Endpointer()
    end = ended(bool_frames(ep, [(True, 80), (False, 60)], levels))
    assert end.silence_ms == 700
    # The same speech ending on a syllable: the normal open-answer silence.
    ep.reset()
    end = ended(bool_frames(ep, [(True, 60), (False, 60)], SYLLABLES + [-70.0] * 60))
    assert end.silence_ms == 400
    # Without levels only the length rule applies.
    ep.reset()
    assert ended(bool_frames(ep, [(True, 80), (False, 60)])).silence_ms == 400


def test_a_hesitation_pause_shorter_than_the_patience_keeps_one_turn() -> None:
    held = list(np.linspace(-16, -22, 20))
    levels = SYLLABLES + held + [-70.0] * 30 + SYLLABLES + [-70.0] * 40
    ep = Endpointer()
    events = bool_frames(ep, [(True, 80), (False, 30), (True, 60), (False, 40)], levels)
    assert kinds(events) == [SpeechStarted, SpeechEnded]  # the 600 ms pause did not end the turn
    assert ended(events).speech_ms == pytest.approx(80 * 20 + 600 + 60 * 20, abs=25)


# --- the onset guard --------------------------------------------------------------------------


def test_onset_guard_needs_enough_speech_in_its_window() -> None:
    guard = OnsetGuard(onset_ms=150)
    # 100 ms of speech, a gap, 100 ms more: never 150 ms within 210 ms.
    pattern = [True] * 5 + [False] * 6 + [True] * 5 + [False] * 10
    assert all(guard.update(s, T0 + i * 0.02, 20) is None for i, s in enumerate(pattern))
    # One missed frame inside a word is tolerated.
    guard.reset()
    got = [guard.update(s, T0 + i * 0.02, 20) for i, s in enumerate([True] * 4 + [False] + [True] * 4)]
    assert got[-1] == pytest.approx(T0 - 0.02)


def test_onset_discarded_and_reset() -> None:
    ep = Endpointer(onset_ms=100, min_speech_ms=200)
    events = bool_frames(ep, [(True, 8), (False, 40)])
    assert kinds(events) == [SpeechStarted, SpeechDiscarded]
    ep.process(True, T0)
    ep.reset()
    assert not ep.in_speech


@pytest.mark.parametrize("engine", ["webrtc", "silero"])
@pytest.mark.parametrize("rate", [16000, 8000])
def test_a_100ms_click_does_not_start_a_turn_but_300ms_of_speech_does(voice: dict[str, bytes], engine: str,
                                                                      rate: int) -> None:
    sentence = voice["sentence"]
    click = sentence[len(sentence) // 2 : len(sentence) // 2 + 3200]  # 100 ms of loud speech
    pcm, _ = in_noise([click], snr_db=30)
    pcm = resample(pcm, 16000, rate)
    assert run_audio(make_vad(engine), Endpointer.from_settings(Settings()), pcm, rate) == []

    word = voice["yes"][:9600]  # "Так", 300 ms
    pcm, end_s = in_noise([word], snr_db=30)
    pcm = resample(pcm, 16000, rate)
    events = run_audio(make_vad(engine), Endpointer.from_settings(Settings()), pcm, rate)
    assert kinds(events) == [SpeechStarted, SpeechEnded]
    # Barge-in uses SpeechStarted: it comes within 250 ms of the word's start.
    assert events[0].detected_at - (T0 + LEAD_S) < 0.25


# --- real audio: noise, 8 kHz, both engines ---------------------------------------------------


@pytest.mark.parametrize("engine", ["webrtc", "silero"])
@pytest.mark.parametrize("rate", [16000, 8000])
@pytest.mark.parametrize("snr_db", [None, 15.0])
def test_a_sentence_in_line_noise_is_one_turn_ended_on_time(voice: dict[str, bytes], engine: str, rate: int,
                                                            snr_db: float | None) -> None:
    pcm, end_s = in_noise([voice["sentence"]], snr_db)
    pcm = resample(pcm, 16000, rate)
    events = run_audio(make_vad(engine), Endpointer.from_settings(Settings()), pcm, rate)
    assert kinds(events) == [SpeechStarted, SpeechEnded], events
    end = ended(events)
    true_end = T0 + end_s
    assert abs(end.speech_end_at - true_end) < 0.2
    assert end.silence_ms == 400
    # Late endpoint: the policy's silence plus the VAD's own hangover (silero holds ~130 ms).
    assert 0.3 < end.detected_at - true_end < 0.65


@pytest.mark.parametrize("rate", [16000, 8000])
def test_line_noise_alone_never_starts_a_turn(rate: int) -> None:
    rng = np.random.default_rng(3)
    t = np.arange(5 * 16000) / 16000
    hum = 300 * np.sin(2 * np.pi * 50 * t) + 100 * np.sin(2 * np.pi * 150 * t)
    x = hum + rng.standard_normal(len(t)) * 150  # about -40 dBFS of hiss over mains hum
    pcm = resample(np.clip(x, -32768, 32767).astype("<i2").tobytes(), 16000, rate)
    for engine in ("webrtc", "silero"):
        assert run_audio(make_vad(engine), Endpointer(), pcm, rate) == []


@pytest.mark.parametrize("rate", [16000, 8000])
def test_digits_dictated_with_600ms_pauses_stay_one_turn(voice: dict[str, bytes], rate: int) -> None:
    pcm, end_s = in_noise([voice["g1"], 600, voice["g2"], 600, voice["g3"]], snr_db=25)
    pcm = resample(pcm, 16000, rate)
    ep = Endpointer.from_settings(Settings())
    ep.expect(ExpectedReply.DIGITS)
    events = run_audio(WebRtcVad(), ep, pcm, rate)
    assert kinds(events) == [SpeechStarted, SpeechEnded]
    assert abs(ended(events).speech_end_at - (T0 + end_s)) < 0.2
    # The same audio as an open answer is cut between the groups: the hint is what saves it.
    events = run_audio(WebRtcVad(), Endpointer.from_settings(Settings()), pcm, rate)
    assert kinds(events).count(SpeechEnded) == 3


# --- silero ------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [16000, 8000, 24000])
def test_silero_tells_speech_from_silence(voice: dict[str, bytes], rate: int) -> None:
    sentence = voice["sentence"]
    pcm = resample(bytes(32000) + sentence + bytes(32000), 16000, rate)
    vad = SileroVad()
    fb = rate // 50 * 2
    decisions = [vad.is_speech(pcm[o : o + fb], rate) for o in range(0, len(pcm), fb)]
    n_lead = 50  # 1 s of 20 ms frames
    n_speech = len(sentence) // 640
    assert not any(decisions[: n_lead])
    assert sum(decisions[n_lead + 5 : n_lead + n_speech]) > 0.8 * (n_speech - 5)
    assert not any(decisions[n_lead + n_speech + 15 :])  # silent again within 300 ms
    assert 0.0 <= vad.last_probability < 0.35


def test_silero_keeps_state_per_call_and_shares_one_session(voice: dict[str, bytes]) -> None:
    a, b = SileroVad(), SileroVad()
    assert a._session is b._session is shared_session()
    speech = bytes(16000) + voice["sentence"]
    quiet = bytes(len(speech))
    alone = SileroVad()
    expected = [alone.is_speech(speech[o : o + 640], 16000) for o in range(0, len(speech), 640)]
    # Interleaved with another call's silence, a call's decisions are its own.
    got = []
    for o in range(0, len(speech), 640):
        got.append(a.is_speech(speech[o : o + 640], 16000))
        assert b.is_speech(quiet[o : o + 640], 16000) is False
    assert got == expected


def test_vads_accept_any_rate_and_frame_length() -> None:
    for vad in (SileroVad(), WebRtcVad()):
        for rate in (8000, 12000, 16000, 24000, 48000):
            for n in (rate // 50, rate // 100, rate // 50 - 7, 3, rate // 10, 0):
                assert vad.is_speech(bytes(2 * n), rate) is False
        assert vad.is_speech(b"\x01", 16000) is False


def test_make_vad_and_the_default_engine() -> None:
    assert Settings().vad_engine == "webrtc"
    assert isinstance(make_vad("webrtc"), WebRtcVad)
    assert isinstance(make_vad("silero"), SileroVad)
    with pytest.raises(ValueError):
        make_vad("nope")
    assert frame_level_db(bytes(640)) == -96.0
    assert frame_level_db(np.full(320, 16384, dtype="<i2").tobytes()) == pytest.approx(-6.02, abs=0.01)
    assert SilencePolicy.fixed(500).silence_ms(ExpectedReply.DIGITS, 100, True) == 500
