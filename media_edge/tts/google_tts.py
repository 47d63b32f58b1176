"""Google Cloud Text-to-Speech behind ``TtsEngine``: Chirp 3 HD voices, streamed PCM 16 kHz.

``StreamingSynthesize`` is the default: one bidirectional call per utterance, a config request
(voice, raw PCM at ``sample_rate``) then the text; audio chunks are yielded as they arrive, so the
first one plays while the rest of the sentence is still being synthesized. Closing the generator
early (barge-in) cancels the gRPC call at once.

Voices that cannot stream (anything but Chirp 3 HD) use ``SynthesizeSpeech`` instead: LINEAR16 at
``sample_rate``, whose answer is a WAV file, so the RIFF header is stripped. The fallback is chosen
by configuration (``streaming=False``), or per utterance when the streaming call is refused with
UNIMPLEMENTED or INVALID_ARGUMENT (or INTERNAL, see ``_NO_STREAMING``) before any audio came;
after UNIMPLEMENTED the engine stops trying to stream for good.

Failures raise ``TtsError`` (with the gRPC status), which the call session catches like any
other engine failure.
"""

from __future__ import annotations

import logging
import struct
from contextlib import aclosing
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import grpc
from google.api_core import exceptions as gexc

from media_edge.stt.google_stt import grpc_code
from media_edge.tts.base_tts import TtsEngine

if TYPE_CHECKING:  # imported lazily: the offline path never pays for the library
    from google.cloud.texttospeech_v1 import TextToSpeechAsyncClient

log = logging.getLogger(__name__)

# Refusals that mean "this voice or request cannot stream": try the unary method instead.
# INTERNAL is here too because a grpc.aio client that is still writing when the server refuses
# the call can get INTERNAL ("Internal error from Core") instead of the real status (grpc#36066).
_NO_STREAMING = frozenset(
    {grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.INTERNAL}
)
_UNARY_CHUNK_BYTES = 6400  # 200 ms at 16 kHz: the unary answer is handed on in playable pieces


class TtsError(RuntimeError):
    """Synthesis failed; ``code`` is the gRPC status when Google answered with one."""

    def __init__(self, message: str, code: grpc.StatusCode | None = None) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class GoogleTtsConfig:
    voice: str = "uk-UA-Chirp3-HD-Aoede"
    streaming: bool = True  # False: always SynthesizeSpeech (voices that cannot stream)
    sample_rate: int = 16000
    endpoint: str = "texttospeech.googleapis.com"
    unary_timeout_s: float = 10.0  # SynthesizeSpeech has no default deadline

    @property
    def language(self) -> str:
        """The voice's locale: "uk-UA-Chirp3-HD-Aoede" -> "uk-UA"."""
        parts = self.voice.split("-")
        return "-".join(parts[:2]) if len(parts) >= 2 else "uk-UA"


def strip_wav_header(audio: bytes) -> bytes:
    """The PCM samples of a RIFF/WAVE buffer (the ``data`` chunk); other input unchanged."""
    if len(audio) < 12 or audio[:4] != b"RIFF" or audio[8:12] != b"WAVE":
        return audio
    pos = 12
    while pos + 8 <= len(audio):
        chunk_id = audio[pos : pos + 4]
        (size,) = struct.unpack_from("<I", audio, pos + 4)
        if chunk_id == b"data":
            return audio[pos + 8 : pos + 8 + size]
        pos += 8 + size + (size & 1)  # chunks are word-aligned
    return b""  # a header without data: nothing to play


class GoogleTts(TtsEngine):
    """``client_factory`` builds the ``TextToSpeechAsyncClient`` (tests bind one to a local fake);
    by default it uses the environment's credentials. Built lazily, on the event loop."""

    name = "google"

    def __init__(
        self,
        config: GoogleTtsConfig | None = None,
        client_factory: Callable[[], TextToSpeechAsyncClient] | None = None,
    ) -> None:
        self.config = config or GoogleTtsConfig()
        self.sample_rate = self.config.sample_rate
        self._client_factory = client_factory or self._production_client
        self._client: TextToSpeechAsyncClient | None = None
        self._streaming = self.config.streaming

    def _production_client(self) -> TextToSpeechAsyncClient:
        from google.api_core.client_options import ClientOptions
        from google.cloud.texttospeech_v1 import TextToSpeechAsyncClient

        return TextToSpeechAsyncClient(
            client_options=ClientOptions(api_endpoint=self.config.endpoint)
        )

    @property
    def client(self) -> TextToSpeechAsyncClient:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    @property
    def streams(self) -> bool:
        """Whether the next synthesis will try StreamingSynthesize."""
        return self._streaming

    async def warm_up(self) -> None:
        _ = self.client

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        text = text.strip()
        if not text:
            return
        if self._streaming:
            produced = False
            try:
                # aclosing: when our consumer closes us (barge-in), close the call's generator
                # now, so its ``finally`` cancels the RPC at once rather than at GC.
                async with aclosing(self._stream(text)) as chunks:
                    async for chunk in chunks:
                        produced = True
                        yield chunk
                return
            except TtsError as err:
                if produced or err.code not in _NO_STREAMING:
                    raise
                if err.code == grpc.StatusCode.UNIMPLEMENTED:
                    self._streaming = False  # this voice or endpoint will never stream
                log.warning("TTS streaming refused (%s); using SynthesizeSpeech", err.code.name)
        async for chunk in self._unary(text):
            yield chunk

    async def _stream(self, text: str) -> AsyncIterator[bytes]:
        from google.cloud import texttospeech_v1 as tts

        cfg = self.config

        async def requests() -> AsyncIterator[Any]:
            yield tts.StreamingSynthesizeRequest(
                streaming_config=tts.StreamingSynthesizeConfig(
                    voice=tts.VoiceSelectionParams(language_code=cfg.language, name=cfg.voice),
                    streaming_audio_config=tts.StreamingAudioConfig(
                        audio_encoding=tts.AudioEncoding.PCM, sample_rate_hertz=cfg.sample_rate
                    ),
                )
            )
            yield tts.StreamingSynthesizeRequest(input=tts.StreamingSynthesisInput(text=text))

        call: Any = None
        carry = b""  # an odd byte left over: yield whole 16-bit samples only
        first = True
        try:
            call = await self.client.streaming_synthesize(requests=requests())
            async for response in call:
                audio = response.audio_content
                if first and audio:
                    audio = strip_wav_header(audio)  # PCM has none; harmless if one appears
                    first = False
                audio = carry + audio
                cut = len(audio) & ~1
                carry = audio[cut:]
                if cut:
                    yield audio[:cut]
        except (gexc.GoogleAPICallError, grpc.aio.AioRpcError) as err:
            code = grpc_code(err)
            raise TtsError(
                f"Google TTS streaming failed for voice {cfg.voice}: {code.name if code else err}",
                code,
            ) from err
        finally:
            # Barge-in closes this generator mid-stream: end the call now, not at its end.
            if call is not None:
                call.cancel()

    async def _unary(self, text: str) -> AsyncIterator[bytes]:
        from google.cloud import texttospeech_v1 as tts

        cfg = self.config
        try:
            response = await self.client.synthesize_speech(
                input=tts.SynthesisInput(text=text),
                voice=tts.VoiceSelectionParams(language_code=cfg.language, name=cfg.voice),
                audio_config=tts.AudioConfig(
                    audio_encoding=tts.AudioEncoding.LINEAR16, sample_rate_hertz=cfg.sample_rate
                ),
                timeout=cfg.unary_timeout_s,
            )
        except (gexc.GoogleAPICallError, grpc.aio.AioRpcError) as err:
            code = grpc_code(err)
            raise TtsError(
                f"Google TTS synthesis failed for voice {cfg.voice}: {code.name if code else err}",
                code,
            ) from err
        pcm = strip_wav_header(response.audio_content)
        pcm = pcm[: len(pcm) & ~1]
        for pos in range(0, len(pcm), _UNARY_CHUNK_BYTES):
            yield pcm[pos : pos + _UNARY_CHUNK_BYTES]
