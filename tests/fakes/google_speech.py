"""Local ``grpc.aio`` fakes of Google Speech-to-Text v2 and Text-to-Speech v1, for tests.

The real async clients talk to these over a real socket: build them with
``transport=<Client>GrpcAsyncIOTransport(channel=grpc.aio.insecure_channel(server.address))``.
Methods are served with generic handlers and the proto-plus types' own ``serialize`` /
``deserialize``, so the fake sees exactly the messages the client library produced.

Scripting:

* ``FakeSpeech.behaviours``: one async generator function per ``StreamingRecognize`` call, taken
  in order (``FakeRecognizeStream -> AsyncIterator[StreamingRecognizeResponse]``). When the list
  runs out, ``default_behaviour`` answers (by default: say nothing, read until the client stops).
  A behaviour can wait for audio (``await stream.wait_audio(n)``), sleep, or fail the call with
  ``raise FakeRpcError(code)``.
* ``FakeTextToSpeech``: fields for the chunks to stream, delays between them, errors to return
  from either method and whether the unary answer carries a WAV header.

Every call is recorded: its first (config) request, the audio or text received, and whether it
ended by the client's cancellation, a half-close or an error.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import grpc
from google.cloud import speech_v2 as stt
from google.cloud import texttospeech_v1 as tts

SPEECH_SERVICE = "google.cloud.speech.v2.Speech"
TTS_SERVICE = "google.cloud.texttospeech.v1.TextToSpeech"

EventType = stt.StreamingRecognizeResponse.SpeechEventType


class FakeRpcError(Exception):
    """Raised inside a behaviour: the fake ends the call with this status."""

    def __init__(self, code: grpc.StatusCode, details: str = "injected by the fake") -> None:
        super().__init__(details)
        self.code = code
        self.details = details


# --- response builders -------------------------------------------------------------------


def interim(text: str, stability: float = 0.5) -> stt.StreamingRecognizeResponse:
    return stt.StreamingRecognizeResponse(
        results=[
            stt.StreamingRecognitionResult(
                alternatives=[stt.SpeechRecognitionAlternative(transcript=text)],
                is_final=False,
                stability=stability,
            )
        ]
    )


def final(
    text: str, end_s: float | None = None, confidence: float = 0.9
) -> stt.StreamingRecognizeResponse:
    """A final result; ``end_s`` is its ``result_end_offset`` from the start of the call's audio."""
    result = stt.StreamingRecognitionResult(
        alternatives=[stt.SpeechRecognitionAlternative(transcript=text, confidence=confidence)],
        is_final=True,
        language_code="uk-ua",
    )
    if end_s is not None:
        result.result_end_offset = timedelta(seconds=end_s)
    return stt.StreamingRecognizeResponse(results=[result])


def speech_event(kind: EventType) -> stt.StreamingRecognizeResponse:
    return stt.StreamingRecognizeResponse(speech_event_type=kind)


# --- Speech-to-Text v2 --------------------------------------------------------------------


@dataclass
class FakeRecognizeStream:
    """One ``StreamingRecognize`` call as the fake saw it."""

    index: int
    config: stt.StreamingRecognizeRequest | None = None
    audio: bytearray = field(default_factory=bytearray)
    audio_requests: int = 0
    half_closed: bool = False  # the client finished its request stream normally
    cancelled: bool = False  # the client cancelled the call
    aborted: grpc.StatusCode | None = None  # the fake failed the call with this status
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    _audio_changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait_audio(self, nbytes: int, timeout: float = 5.0) -> None:
        """Wait until at least ``nbytes`` of audio arrived on this call."""

        async def _wait() -> None:
            while len(self.audio) < nbytes:
                if self.half_closed:
                    raise AssertionError(f"stream closed with {len(self.audio)} of {nbytes} bytes")
                self._audio_changed.clear()
                await self._audio_changed.wait()

        await asyncio.wait_for(_wait(), timeout)

    async def wait_half_close(self, timeout: float = 5.0) -> None:
        async def _wait() -> None:
            while not self.half_closed:
                self._audio_changed.clear()
                await self._audio_changed.wait()

        await asyncio.wait_for(_wait(), timeout)


Behaviour = Callable[[FakeRecognizeStream], AsyncIterator[stt.StreamingRecognizeResponse]]


async def silent(stream: FakeRecognizeStream) -> AsyncIterator[stt.StreamingRecognizeResponse]:
    """Answer nothing; keep the call open until the client ends or cancels it."""
    await stream.wait_half_close(timeout=3600)
    return
    yield  # pragma: no cover - makes this an async generator


class FakeSpeech:
    """``google.cloud.speech.v2.Speech/StreamingRecognize``."""

    def __init__(self) -> None:
        self.behaviours: list[Behaviour] = []
        self.default_behaviour: Behaviour = silent
        self.streams: list[FakeRecognizeStream] = []
        self.stream_opened = asyncio.Event()
        self.linger_s = 0.05

    def handler(self) -> grpc.GenericRpcHandler:
        return grpc.method_handlers_generic_handler(
            SPEECH_SERVICE,
            {
                "StreamingRecognize": grpc.stream_stream_rpc_method_handler(
                    self._streaming_recognize,
                    request_deserializer=stt.StreamingRecognizeRequest.deserialize,
                    response_serializer=stt.StreamingRecognizeResponse.serialize,
                )
            },
        )

    async def wait_streams(self, n: int, timeout: float = 5.0) -> FakeRecognizeStream:
        """Wait until the ``n``-th call (1-based) has opened; return it."""

        async def _wait() -> None:
            while len(self.streams) < n:
                self.stream_opened.clear()
                await self.stream_opened.wait()

        await asyncio.wait_for(_wait(), timeout)
        return self.streams[n - 1]

    async def _streaming_recognize(
        self, requests: AsyncIterator[stt.StreamingRecognizeRequest], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[stt.StreamingRecognizeResponse]:
        stream = FakeRecognizeStream(index=len(self.streams))
        self.streams.append(stream)
        self.stream_opened.set()
        behaviour = (
            self.behaviours[stream.index]
            if stream.index < len(self.behaviours)
            else self.default_behaviour
        )
        reader = asyncio.create_task(self._read(stream, requests, context))
        try:
            async for response in behaviour(stream):
                yield response
            # The behaviour is done answering; end the call once the client has said all.
            await reader
            # A client's cancellation also ends the request stream, and grpc.aio cancels the
            # handler only a moment later: linger, as Google does before it ends a call, so a
            # cancellation is seen as one and not as a half-close.
            await asyncio.sleep(self.linger_s)
        except FakeRpcError as err:
            stream.aborted = err.code
            reader.cancel()
            await context.abort(err.code, err.details)
        except asyncio.CancelledError:
            stream.cancelled = True
            stream.half_closed = False
            raise
        finally:
            reader.cancel()
            stream.finished.set()

    @staticmethod
    async def _read(
        stream: FakeRecognizeStream,
        requests: AsyncIterator[stt.StreamingRecognizeRequest],
        context: grpc.aio.ServicerContext,
    ) -> None:
        async for request in requests:
            if stream.config is None:
                stream.config = request
            if request.audio:
                stream.audio += request.audio
                stream.audio_requests += 1
            stream._audio_changed.set()
        stream.half_closed = not context.cancelled()
        stream._audio_changed.set()


# --- Text-to-Speech v1 --------------------------------------------------------------------


def wav_header(pcm_len: int, rate: int) -> bytes:
    """A canonical 44-byte RIFF/WAVE header for mono 16-bit PCM, as SynthesizeSpeech sends."""
    return (
        b"RIFF"
        + struct.pack("<I", 36 + pcm_len)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
        + b"data"
        + struct.pack("<I", pcm_len)
    )


@dataclass
class FakeSynthesizeCall:
    config: tts.StreamingSynthesizeRequest | None = None
    texts: list[str] = field(default_factory=list)
    chunks_sent: int = 0
    cancelled: bool = False
    finished: asyncio.Event = field(default_factory=asyncio.Event)


class FakeTextToSpeech:
    """``google.cloud.texttospeech.v1.TextToSpeech``: StreamingSynthesize and SynthesizeSpeech.

    Streaming answers each text input with ``chunks_per_input`` chunks of ``chunk_bytes`` PCM,
    sample ``i`` of chunk ``k`` being the value ``k`` (so tests can check the order), with
    ``chunk_delay_s`` before each chunk.
    """

    def __init__(self) -> None:
        self.chunks_per_input = 4
        self.chunk_bytes = 640
        self.chunk_delay_s = 0.0
        self.streaming_error: grpc.StatusCode | None = None
        self.unary_error: grpc.StatusCode | None = None
        self.unary_wav_header = True
        self.unary_ms = 300
        self.streaming_calls: list[FakeSynthesizeCall] = []
        self.unary_requests: list[tts.SynthesizeSpeechRequest] = []

    def handler(self) -> grpc.GenericRpcHandler:
        return grpc.method_handlers_generic_handler(
            TTS_SERVICE,
            {
                "StreamingSynthesize": grpc.stream_stream_rpc_method_handler(
                    self._streaming_synthesize,
                    request_deserializer=tts.StreamingSynthesizeRequest.deserialize,
                    response_serializer=tts.StreamingSynthesizeResponse.serialize,
                ),
                "SynthesizeSpeech": grpc.unary_unary_rpc_method_handler(
                    self._synthesize_speech,
                    request_deserializer=tts.SynthesizeSpeechRequest.deserialize,
                    response_serializer=tts.SynthesizeSpeechResponse.serialize,
                ),
            },
        )

    async def _streaming_synthesize(
        self, requests: AsyncIterator[tts.StreamingSynthesizeRequest], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[tts.StreamingSynthesizeResponse]:
        call = FakeSynthesizeCall()
        self.streaming_calls.append(call)
        try:
            async for request in requests:
                if call.config is None:
                    call.config = request
                    if self.streaming_error is not None:
                        # Read the rest first: a grpc.aio client still writing when the server
                        # ends the call may see INTERNAL instead of the status (grpc#36066).
                        async for rest in requests:
                            call.texts.append(rest.input.text)
                        await context.abort(self.streaming_error, "injected by the fake")
                    continue
                call.texts.append(request.input.text)
                for _ in range(self.chunks_per_input):
                    if self.chunk_delay_s:
                        await asyncio.sleep(self.chunk_delay_s)
                    value = call.chunks_sent % 32768
                    call.chunks_sent += 1
                    yield tts.StreamingSynthesizeResponse(
                        audio_content=struct.pack("<h", value) * (self.chunk_bytes // 2)
                    )
        except asyncio.CancelledError:
            call.cancelled = True
            raise
        finally:
            call.finished.set()

    async def _synthesize_speech(
        self, request: tts.SynthesizeSpeechRequest, context: grpc.aio.ServicerContext
    ) -> tts.SynthesizeSpeechResponse:
        self.unary_requests.append(request)
        if self.unary_error is not None:
            await context.abort(self.unary_error, "injected by the fake")
        rate = request.audio_config.sample_rate_hertz or 24000
        pcm = struct.pack("<h", 1234) * (rate * self.unary_ms // 1000)
        header = wav_header(len(pcm), rate) if self.unary_wav_header else b""
        return tts.SynthesizeSpeechResponse(audio_content=header + pcm)


# --- the server ---------------------------------------------------------------------------


class FakeGoogleServer:
    """Both fakes on one ``grpc.aio`` server on 127.0.0.1 (a free port)."""

    def __init__(self) -> None:
        self.speech = FakeSpeech()
        self.tts = FakeTextToSpeech()
        self._server: grpc.aio.Server | None = None
        self.address = ""

    async def start(self) -> FakeGoogleServer:
        self._server = grpc.aio.server()
        self._server.add_generic_rpc_handlers((self.speech.handler(), self.tts.handler()))
        port = self._server.add_insecure_port("127.0.0.1:0")
        await self._server.start()
        self.address = f"127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop(grace=None)


async def eventually(predicate: Callable[[], bool | Awaitable[bool]], timeout: float = 3.0) -> None:
    """Poll ``predicate`` until true (for effects observed on the server side)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = predicate()
        if isinstance(value, Awaitable):
            value = await value
        if value:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)
