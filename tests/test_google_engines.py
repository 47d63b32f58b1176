"""Google STT/TTS engines: the real client libraries against local grpc.aio fakes, real sockets."""

from __future__ import annotations

import asyncio
import struct
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass, field, replace
from typing import Any

import grpc
import pytest
import pytest_asyncio
from google.cloud import speech_v2, texttospeech_v1
from google.cloud.speech_v2.services.speech.transports import SpeechGrpcAsyncIOTransport
from google.cloud.texttospeech_v1.services.text_to_speech.transports import (
    TextToSpeechGrpcAsyncIOTransport,
)

from callcenter.settings import Settings, SttEngine, TtsEngine
from media_edge.engines import make_stt, make_tts
from media_edge.stt.base_stt import SttResult
from media_edge.stt.google_stt import GoogleStt, GoogleSttConfig, GoogleSttStream
from media_edge.tts.google_tts import GoogleTts, GoogleTtsConfig, TtsError, strip_wav_header
from tests.fakes.google_speech import (
    EventType,
    FakeGoogleServer,
    FakeRecognizeStream,
    FakeRpcError,
    eventually,
    final,
    interim,
    speech_event,
    wav_header,
)

FRAME_MS = 20


def frame(i: int, rate: int = 16000) -> bytes:
    """20 ms of PCM whose every sample is ``i``: order and loss are visible in what arrives."""
    return struct.pack("<h", i % 30000) * (rate * FRAME_MS // 1000)


@dataclass
class Google:
    server: FakeGoogleServer
    channels: list[grpc.aio.Channel] = field(default_factory=list)
    streams: list[GoogleSttStream] = field(default_factory=list)

    def _channel(self) -> grpc.aio.Channel:
        channel = grpc.aio.insecure_channel(self.server.address)
        self.channels.append(channel)
        return channel

    def stt(self, **overrides: Any) -> GoogleStt:
        config = replace(
            GoogleSttConfig(project="test-project", final_timeout_s=1.0, retry_backoff_s=0.01),
            **overrides,
        )
        return GoogleStt(
            config,
            client_factory=lambda: speech_v2.SpeechAsyncClient(
                transport=SpeechGrpcAsyncIOTransport(channel=self._channel())
            ),
        )

    def open(
        self, rate: int = 16000, on_interim: Callable[[SttResult], None] | None = None, **overrides: Any
    ) -> GoogleSttStream:
        stream = self.stt(**overrides).open_stream("call-1", rate, on_interim)
        assert isinstance(stream, GoogleSttStream)
        self.streams.append(stream)
        return stream

    def tts(self, **overrides: Any) -> GoogleTts:
        return GoogleTts(
            replace(GoogleTtsConfig(), **overrides),
            client_factory=lambda: texttospeech_v1.TextToSpeechAsyncClient(
                transport=TextToSpeechGrpcAsyncIOTransport(channel=self._channel())
            ),
        )


@pytest_asyncio.fixture
async def google() -> AsyncIterator[Google]:
    server = await FakeGoogleServer().start()
    g = Google(server)
    try:
        yield g
    finally:
        for stream in g.streams:
            stream.close()
        for channel in g.channels:
            await channel.close()
        await server.stop()


async def feed_frames(stream: GoogleSttStream, start: int, count: int, paced: bool = False) -> bytes:
    sent = b""
    for i in range(start, start + count):
        pcm = frame(i, stream.rate)
        stream.feed(pcm)
        sent += pcm
        if paced:
            await asyncio.sleep(FRAME_MS / 1000)
    return sent


# --- speech-to-text -----------------------------------------------------------------------


async def test_config_request_comes_first_and_audio_follows(google: Google) -> None:
    stream = google.open(rate=8000, model="chirp_3", region="eu")
    sent = await feed_frames(stream, 0, 10)
    fake = await google.server.speech.wait_streams(1)
    await fake.wait_audio(len(sent))

    first = fake.config
    assert first is not None and not first.audio
    assert first.recognizer == "projects/test-project/locations/eu/recognizers/_"
    cfg = first.streaming_config.config
    assert list(cfg.language_codes) == ["uk-UA"]
    assert cfg.model == "chirp_3"
    dec = cfg.explicit_decoding_config
    assert dec.encoding == speech_v2.ExplicitDecodingConfig.AudioEncoding.LINEAR16
    assert dec.sample_rate_hertz == 8000 and dec.audio_channel_count == 1
    features = first.streaming_config.streaming_features
    assert features.interim_results and features.enable_voice_activity_events
    assert bytes(fake.audio) == sent  # every frame, in order, nothing else
    assert fake.audio_requests <= 10  # frames queued together go out in one request


def test_config_endpoints() -> None:
    assert GoogleSttConfig(project="p", region="eu").endpoint == "eu-speech.googleapis.com"
    assert GoogleSttConfig(project="p", region="global").endpoint == "speech.googleapis.com"
    assert (
        GoogleSttConfig(project="p", region="us").recognizer
        == "projects/p/locations/us/recognizers/_"
    )


async def test_interims_reach_on_interim_and_finalize_waits_for_the_final(google: Google) -> None:
    async def behaviour(s: FakeRecognizeStream) -> AsyncIterator[Any]:
        await s.wait_audio(len(frame(0)) * 5)
        yield speech_event(EventType.SPEECH_ACTIVITY_BEGIN)
        yield interim("Доброго")
        await s.wait_audio(len(frame(0)) * 20)
        yield interim("Доброго дня")
        yield speech_event(EventType.SPEECH_ACTIVITY_END)
        await asyncio.sleep(0.2)  # Google's final comes a little after our endpointer's decision
        yield final("Доброго дня, мені потрібні шини", confidence=0.87)

    google.server.speech.behaviours = [behaviour]
    interims: list[SttResult] = []
    stream = google.open(on_interim=interims.append)
    stream.speech_started(time.monotonic())
    await feed_frames(stream, 0, 20)
    await eventually(lambda: len(interims) >= 2)
    assert [r.text for r in interims] == ["Доброго", "Доброго дня"]
    assert all(not r.is_final for r in interims)

    result = await stream.finalize(time.monotonic())
    assert result is not None
    assert result.text == "Доброго дня, мені потрібні шини"
    assert result.is_final and result.confidence == pytest.approx(0.87)
    assert 150 <= result.stt_ms < 900  # it waited for the final, not for the timeout


async def test_finalize_takes_every_final_of_the_turn_once(google: Google) -> None:
    """A pause mid-turn makes Google finalize twice; the turn gets both, the next turn neither."""
    second_turn = asyncio.Event()

    async def behaviour(s: FakeRecognizeStream) -> AsyncIterator[Any]:
        await s.wait_audio(len(frame(0)) * 50)  # 1 s: "шини", a pause, the rest
        yield final("Потрібні шини", end_s=0.3)
        await asyncio.sleep(0.05)
        yield final("на Шкоду Октавію", end_s=0.95)
        await second_turn.wait()
        yield final("Октавію", end_s=1.2)  # a late repeat for the first turn: not the second's
        yield final("Зимові", end_s=1.75)

    google.server.speech.behaviours = [behaviour]
    stream = google.open()
    stream.speech_started()
    await feed_frames(stream, 0, 50)
    first = await stream.finalize(time.monotonic())
    assert first is not None and first.text == "Потрібні шини на Шкоду Октавію"

    stream.speech_started()
    await feed_frames(stream, 50, 40)
    second_turn.set()
    second = await stream.finalize(time.monotonic())
    assert second is not None and second.text == "Зимові"


async def test_finalize_falls_back_to_the_last_interim(google: Google) -> None:
    async def behaviour(s: FakeRecognizeStream) -> AsyncIterator[Any]:
        await s.wait_audio(1)
        yield interim("Шини на")
        yield interim("Шини на зиму")
        await s.wait_half_close(timeout=3600)

    google.server.speech.behaviours = [behaviour]
    stream = google.open(final_timeout_s=0.3)
    stream.speech_started()
    await feed_frames(stream, 0, 10)
    await eventually(lambda: stream._interim == "Шини на зиму")
    t0 = time.monotonic()
    result = await stream.finalize(time.monotonic())
    assert result is not None
    assert result.text == "Шини на зиму" and not result.is_final
    assert 0.25 <= time.monotonic() - t0 < 0.8


async def test_finalize_does_not_hang_when_the_server_never_answers(google: Google) -> None:
    stream = google.open(final_timeout_s=0.3)  # default behaviour: silent
    stream.speech_started()
    await feed_frames(stream, 0, 25)
    fake = await google.server.speech.wait_streams(1)
    await fake.wait_audio(len(frame(0)) * 25)
    t0 = time.monotonic()
    assert await stream.finalize(time.monotonic()) is None
    assert time.monotonic() - t0 < 0.8


async def test_stream_is_replaced_before_the_limit_without_losing_audio(google: Google) -> None:
    turn_started = asyncio.Event()

    async def answer_the_turn(s: FakeRecognizeStream) -> AsyncIterator[Any]:
        # Whichever stream is current when the turn starts answers it; replaced ones stay quiet.
        waits = {asyncio.ensure_future(turn_started.wait()), asyncio.ensure_future(s.wait_half_close(3600))}
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for w in waits:
            w.cancel()
        if not s.half_closed:
            await s.wait_audio(len(s.audio) + len(frame(0)) * 10)
            yield final("Ще одне питання")
        await s.wait_half_close(timeout=3600)

    speech = google.server.speech
    speech.behaviours = [speech.default_behaviour, speech.default_behaviour]
    speech.default_behaviour = answer_the_turn
    stream = google.open(stream_max_s=0.4)
    sent = await feed_frames(stream, 0, 55, paced=True)  # > 1 s of audio at real time
    await speech.wait_streams(3)
    assert stream.restarts >= 2

    # The replaced streams were half-closed (Google finalizes what it has), not cancelled.
    await eventually(lambda: speech.streams[0].finished.is_set() and speech.streams[1].finished.is_set())
    for old in speech.streams[:2]:
        assert old.half_closed and not old.cancelled
        assert old.config is not None and old.config.streaming_config.config.language_codes == ["uk-UA"]

    # A turn on the third stream still gets its final.
    stream.speech_started()
    turn_started.set()
    sent += await feed_frames(stream, 55, 15)
    result = await stream.finalize(time.monotonic())
    assert result is not None and result.text == "Ще одне питання"

    # Across all streams every frame arrived exactly once, in order.
    stream.close()
    await eventually(lambda: all(s.finished.is_set() for s in speech.streams))
    assert b"".join(bytes(s.audio) for s in speech.streams) == sent


async def test_restart_waits_for_the_turn_in_progress(google: Google) -> None:
    speech = google.server.speech
    stream = google.open(stream_max_s=0.2, restart_grace_s=5.0, final_timeout_s=0.05)
    stream.speech_started()
    await feed_frames(stream, 0, 30, paced=True)  # 0.6 s: past the limit, but mid-turn
    assert len(speech.streams) == 1 and stream.restarts == 0
    await stream.finalize(time.monotonic())
    await speech.wait_streams(2)  # the turn is over: now it switches
    assert stream.restarts == 1


async def test_a_failed_stream_reopens_and_resends_the_turn(google: Google) -> None:
    async def fail(s: FakeRecognizeStream) -> AsyncIterator[Any]:
        await s.wait_audio(len(frame(0)) * 8)
        yield interim("Мені")
        raise FakeRpcError(grpc.StatusCode.UNAVAILABLE)

    async def recover(s: FakeRecognizeStream) -> AsyncIterator[Any]:
        await s.wait_audio(len(frame(0)) * 20)
        yield final("Мені потрібні літні шини")
        await s.wait_half_close(timeout=3600)

    speech = google.server.speech
    speech.behaviours = [fail, recover]
    stream = google.open()
    before = await feed_frames(stream, 0, 5)  # between turns: only the pre-roll is kept
    stream.speech_started()
    turn = await feed_frames(stream, 5, 10)
    second = await speech.wait_streams(2)
    turn += await feed_frames(stream, 15, 10)
    await second.wait_audio(len(before) + len(turn))
    assert speech.streams[0].aborted == grpc.StatusCode.UNAVAILABLE
    # The replacement starts with the whole turn (and its pre-roll), then the live audio.
    assert bytes(second.audio).endswith(turn)
    assert bytes(second.audio).startswith(before[-len(frame(0)) * 5 :])
    assert second.config is not None and second.config.recognizer.endswith("/recognizers/_")

    result = await stream.finalize(time.monotonic())
    assert result is not None and result.text == "Мені потрібні літні шини"
    assert stream.failures == 1


async def test_retries_are_bounded_then_resume_at_the_next_turn(google: Google) -> None:
    async def fail(s: FakeRecognizeStream) -> AsyncIterator[Any]:
        raise FakeRpcError(grpc.StatusCode.UNAVAILABLE)
        yield  # pragma: no cover

    speech = google.server.speech
    speech.default_behaviour = fail
    stream = google.open(max_retries=2, final_timeout_s=0.2)
    await feed_frames(stream, 0, 5)
    await speech.wait_streams(3)
    await asyncio.sleep(0.3)
    assert len(speech.streams) == 3  # 1 + 2 retries, then it rests
    stream.feed(frame(99))  # feeding while resting is harmless

    stream.speech_started()  # a new turn: try again
    await speech.wait_streams(4)
    t0 = time.monotonic()
    assert await stream.finalize(time.monotonic()) is None
    assert time.monotonic() - t0 < 0.6


async def test_a_rejected_configuration_is_not_retried_within_the_turn(google: Google) -> None:
    async def reject(s: FakeRecognizeStream) -> AsyncIterator[Any]:
        await eventually(lambda: s.config is not None)  # Google checks the config request
        raise FakeRpcError(grpc.StatusCode.INVALID_ARGUMENT, "language not supported by model")
        yield  # pragma: no cover

    speech = google.server.speech
    speech.default_behaviour = reject
    # No audio yet: while the client is still writing, grpc.aio may report a server's refusal
    # as INTERNAL (grpc#36066), which is retried like any transient failure.
    stream = google.open(final_timeout_s=0.2)
    await speech.wait_streams(1)
    await asyncio.sleep(0.2)
    assert len(speech.streams) == 1 and stream.failures == 1
    stream.feed(frame(0))  # resting: audio is kept for the next attempt, not sent
    assert len(speech.streams) == 1
    assert await stream.finalize(time.monotonic()) is None


async def test_results_outside_a_turn_do_not_leak_into_the_next(google: Google) -> None:
    noise_done, turn_started = asyncio.Event(), asyncio.Event()

    async def behaviour(s: FakeRecognizeStream) -> AsyncIterator[Any]:
        await s.wait_audio(len(frame(0)) * 5)
        yield final("е-е")  # a cough between turns
        yield interim("м")
        await noise_done.wait()
        yield final("а")  # Google's take on a burst our endpointer discarded
        await turn_started.wait()
        await s.wait_audio(len(s.audio) + len(frame(0)) * 10)
        yield final("Де моє замовлення?")
        await s.wait_half_close(timeout=3600)

    google.server.speech.behaviours = [behaviour]
    stream = google.open()
    await feed_frames(stream, 0, 10)
    await eventually(lambda: stream._interim == "м")
    stream.speech_started()  # a short burst ...
    await feed_frames(stream, 10, 5)
    noise_done.set()
    await eventually(lambda: bool(stream._finals))
    stream.speech_discarded()  # ... that the endpointer dropped
    stream.speech_started()  # the real turn
    turn_started.set()
    await feed_frames(stream, 15, 10)
    result = await stream.finalize(time.monotonic())
    assert result is not None and result.text == "Де моє замовлення?"


async def test_close_cancels_the_call(google: Google) -> None:
    stream = google.open()
    await feed_frames(stream, 0, 5)
    fake = await google.server.speech.wait_streams(1)
    await fake.wait_audio(len(frame(0)) * 5)
    stream.close()
    await asyncio.wait_for(fake.finished.wait(), 1.0)
    assert fake.cancelled and not fake.half_closed
    await asyncio.sleep(0.05)
    assert stream._runner.done()
    stream.close()  # idempotent
    assert await stream.finalize(time.monotonic()) is None


# --- text-to-speech -----------------------------------------------------------------------


def _samples(pcm: bytes) -> list[int]:
    return list(struct.unpack(f"<{len(pcm) // 2}h", pcm))


async def test_streaming_yields_pcm_chunks_in_order(google: Google) -> None:
    fake = google.server.tts
    fake.chunks_per_input, fake.chunk_bytes = 5, 640
    engine = google.tts()
    chunks = [c async for c in engine.synthesize("Доброго дня! Чим можу допомогти?")]
    assert len(chunks) == 5 and all(len(c) == 640 for c in chunks)
    assert [_samples(c)[0] for c in chunks] == [0, 1, 2, 3, 4]
    call = fake.streaming_calls[0]
    assert call.config is not None
    cfg = call.config.streaming_config
    assert cfg.voice.name == "uk-UA-Chirp3-HD-Aoede" and cfg.voice.language_code == "uk-UA"
    assert cfg.streaming_audio_config.audio_encoding == texttospeech_v1.AudioEncoding.PCM
    assert cfg.streaming_audio_config.sample_rate_hertz == 16000
    assert call.texts == ["Доброго дня! Чим можу допомогти?"]
    assert engine.sample_rate == 16000 and not fake.unary_requests


async def test_first_chunk_arrives_before_the_synthesis_is_done(google: Google) -> None:
    fake = google.server.tts
    fake.chunks_per_input, fake.chunk_delay_s = 6, 0.1
    engine = google.tts()
    async with aclosing(engine.synthesize("Шини є в наявності.")) as chunks:
        t0 = time.monotonic()
        await anext(chunks)
        first_at = time.monotonic() - t0
        assert fake.streaming_calls[0].chunks_sent < 6
        rest = [c async for c in chunks]
    assert len(rest) == 5
    assert first_at < 0.3


async def test_closing_early_cancels_the_call(google: Google) -> None:
    fake = google.server.tts
    fake.chunks_per_input, fake.chunk_delay_s = 100, 0.02
    engine = google.tts()
    async with aclosing(engine.synthesize("Довге речення, яке перебивають.")) as chunks:
        async for _ in chunks:
            break  # barge-in
    call = fake.streaming_calls[0]
    await asyncio.wait_for(call.finished.wait(), 1.0)
    assert call.cancelled and call.chunks_sent < 10
    # The engine is still usable.
    fake.chunks_per_input, fake.chunk_delay_s = 2, 0.0
    assert len(await engine.synthesize_all("Ще раз.")) == 2 * fake.chunk_bytes


async def test_non_streaming_voice_uses_synthesize_speech_without_wav_header(google: Google) -> None:
    fake = google.server.tts
    engine = google.tts(voice="uk-UA-Standard-B", streaming=False)
    pcm = await engine.synthesize_all("Ваше замовлення прийнято.")
    assert len(pcm) == 16000 * 2 * fake.unary_ms // 1000  # 44 header bytes gone
    assert set(_samples(pcm)) == {1234}
    request = fake.unary_requests[0]
    assert request.audio_config.audio_encoding == texttospeech_v1.AudioEncoding.LINEAR16
    assert request.audio_config.sample_rate_hertz == 16000
    assert request.voice.name == "uk-UA-Standard-B" and request.voice.language_code == "uk-UA"
    assert request.input.text == "Ваше замовлення прийнято."
    assert not fake.streaming_calls

    fake.unary_wav_header = False  # raw PCM passes through untouched
    assert await engine.synthesize_all("Так.") == pcm


@pytest.mark.parametrize(
    ("code", "keeps_streaming"),
    [(grpc.StatusCode.UNIMPLEMENTED, False), (grpc.StatusCode.INVALID_ARGUMENT, True)],
)
async def test_streaming_refusal_falls_back_to_synthesize_speech(
    google: Google, code: grpc.StatusCode, keeps_streaming: bool
) -> None:
    fake = google.server.tts
    fake.streaming_error = code
    engine = google.tts()
    pcm = await engine.synthesize_all("Одну хвилинку.")
    assert set(_samples(pcm)) == {1234} and len(fake.unary_requests) == 1
    assert engine.streams is keeps_streaming


async def test_errors_raise_tts_error(google: Google) -> None:
    fake = google.server.tts
    fake.streaming_error = grpc.StatusCode.UNAVAILABLE
    with pytest.raises(TtsError) as err:
        await google.tts().synthesize_all("Доброго дня!")
    assert err.value.code == grpc.StatusCode.UNAVAILABLE and not fake.unary_requests

    fake.unary_error = grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(TtsError) as err:
        await google.tts(streaming=False).synthesize_all("Доброго дня!")
    assert err.value.code == grpc.StatusCode.PERMISSION_DENIED
    assert "uk-UA-Chirp3-HD-Aoede" in str(err.value)


def test_strip_wav_header_finds_the_data_chunk() -> None:
    pcm = struct.pack("<4h", 1, 2, 3, 4)
    assert strip_wav_header(wav_header(len(pcm), 16000) + pcm) == pcm
    # Extra chunks (LIST) before "data" are skipped; raw PCM is left alone.
    plain = wav_header(len(pcm), 16000)
    with_list = plain[:36] + b"LIST" + struct.pack("<I", 3) + b"abc\x00" + plain[36:]
    assert strip_wav_header(with_list + pcm) == pcm
    assert strip_wav_header(pcm) == pcm


# --- wiring -------------------------------------------------------------------------------


def test_the_offline_path_does_not_load_the_google_libraries() -> None:
    code = (
        "import sys, media_edge.engines as e; from callcenter.settings import Settings;"
        "e.make_stt(Settings(stt_engine='simulated'));"
        "print(any(m.startswith('google.cloud') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_settings_build_the_google_engines() -> None:
    settings = Settings(
        stt_engine=SttEngine.GOOGLE,
        tts_engine=TtsEngine.GOOGLE,
        google_project="shop-prod",
        google_stt_region="eu",
        google_stt_model="chirp_3",
        google_stt_stream_max_s=200,
        google_stt_final_timeout_s=0.8,
        google_tts_voice="uk-UA-Chirp3-HD-Kore",
        google_tts_streaming=False,
    )
    stt = make_stt(settings)
    assert isinstance(stt, GoogleStt)
    assert stt.config.recognizer == "projects/shop-prod/locations/eu/recognizers/_"
    assert stt.config.stream_max_s == 200 and stt.config.final_timeout_s == 0.8
    tts = make_tts(settings)
    assert isinstance(tts, GoogleTts)
    assert tts.config.voice == "uk-UA-Chirp3-HD-Kore" and not tts.streams
    assert tts.config.language == "uk-UA"
