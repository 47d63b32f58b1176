"""Google Cloud Speech-to-Text v2 streaming recognition behind ``SttEngine`` / ``SttStream``.

One bidirectional ``StreamingRecognize`` call per call leg carries the caller's audio; the first
request names the recognizer (``projects/{p}/locations/{region}/recognizers/_``, i.e. no stored
recognizer, the whole configuration inline) and the configuration: uk-UA, explicit LINEAR16 at the
call's rate, interim results and voice-activity events. Google's own endpointing only produces
finals; *our* endpointer decides when a turn ends, and ``finalize`` waits (bounded) for the final
that covers the audio up to that moment, falling back to the last interim.

Stream lifetime. Google ends a streaming call after about 5 minutes, so each call is replaced
before ``stream_max_s``: a new request stream opens and takes the audio from that instant (audio
fed while it connects is buffered in its queue), while the old one is half-closed and keeps being
read until its last final arrives. The switch waits for the end of a turn in progress (up to
``restart_grace_s`` more) so that no utterance is split between two streams.

Failures. When a call fails (UNAVAILABLE, an unexpected end, ...) a new one opens after a short
backoff and first re-sends the audio of the turn in progress (or a short pre-roll between turns),
so the new stream's final still covers the whole utterance. After ``max_retries`` consecutive
failures the stream rests until the next turn starts (``speech_started``) and tries again; in the
meantime ``finalize`` returns the best it has (or ``None``) after at most ``final_timeout_s``.
Configuration errors (INVALID_ARGUMENT, PERMISSION_DENIED, ...) are not retried within a turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import grpc
from google.api_core import exceptions as gexc

from media_edge.stt.base_stt import InterimCallback, SttEngine, SttResult, SttStream

if TYPE_CHECKING:  # the library is imported lazily: the offline path never pays for it
    from google.cloud.speech_v2 import SpeechAsyncClient, StreamingRecognizeResponse

log = logging.getLogger(__name__)

# Codes that mean "this configuration or account will not work": retrying cannot help.
_FATAL_CODES = frozenset(
    {
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.PERMISSION_DENIED,
        grpc.StatusCode.UNAUTHENTICATED,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.UNIMPLEMENTED,
    }
)
# Google accepts at most ~15 KB of audio per streaming request; batch frames well below that.
_MAX_REQUEST_BYTES = 12_800


@dataclass(frozen=True, slots=True)
class GoogleSttConfig:
    project: str
    region: str = "eu"  # a location that serves the model; "global" uses the global endpoint
    model: str = "chirp_3"
    language: str = "uk-UA"
    stream_max_s: float = 270.0  # replace the call before Google's ~5 min stream limit
    restart_grace_s: float = 20.0  # how long a restart may wait for a turn to end
    final_timeout_s: float = 1.0  # how long finalize waits for the final
    end_tolerance_s: float = 0.5  # a final ending this close to our speech end covers the turn
    max_retries: int = 3  # consecutive failed calls before resting until the next turn
    retry_backoff_s: float = 0.2  # doubled after each consecutive failure
    preroll_s: float = 0.5  # audio re-sent after a failure between turns
    max_resend_s: float = 15.0  # at most this much of a turn is kept for re-sending
    max_queue_s: float = 10.0  # audio buffered while a call connects; older audio is dropped
    drain_timeout_s: float = 5.0  # how long a replaced call may take to deliver its last final

    @property
    def recognizer(self) -> str:
        return f"projects/{self.project}/locations/{self.region}/recognizers/_"

    @property
    def endpoint(self) -> str:
        if self.region == "global":
            return "speech.googleapis.com"
        return f"{self.region}-speech.googleapis.com"


def default_project() -> str:
    """The project of the application-default credentials (GOOGLE_APPLICATION_CREDENTIALS/ADC)."""
    import google.auth

    _, project = google.auth.default()
    if not project:
        raise RuntimeError(
            "no Google Cloud project: set CALLCENTER_GOOGLE_PROJECT"
            " or use credentials that name one"
        )
    return project


def grpc_code(exc: BaseException) -> grpc.StatusCode | None:
    """The gRPC status of an error raised by a Google client (api_core or raw grpc.aio)."""
    if isinstance(exc, gexc.GoogleAPICallError):
        return exc.grpc_status_code
    if isinstance(exc, grpc.aio.AioRpcError):
        return exc.code()
    return None


class GoogleStt(SttEngine):
    """The engine: one shared async client, one ``GoogleSttStream`` per call.

    ``client_factory`` builds the ``SpeechAsyncClient`` (tests pass one bound to a local fake's
    channel); by default the client is built for the region's endpoint with the environment's
    credentials. It is called lazily, on the event loop, because grpc.aio channels belong to one.
    """

    name = "google"

    def __init__(
        self,
        config: GoogleSttConfig,
        client_factory: Callable[[], SpeechAsyncClient] | None = None,
    ) -> None:
        self.config = config
        self._client_factory = client_factory or self._production_client
        self._client: SpeechAsyncClient | None = None

    def _production_client(self) -> SpeechAsyncClient:
        from google.api_core.client_options import ClientOptions
        from google.cloud.speech_v2 import SpeechAsyncClient

        return SpeechAsyncClient(client_options=ClientOptions(api_endpoint=self.config.endpoint))

    @property
    def client(self) -> SpeechAsyncClient:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    async def warm_up(self) -> None:
        _ = self.client

    def open_stream(
        self, call_id: str, rate: int, on_interim: InterimCallback | None = None
    ) -> SttStream:
        return GoogleSttStream(self, call_id, rate, on_interim)


class _AudioQueue:
    """Audio waiting for one call's request stream. ``put`` never blocks; bounded (drops oldest)."""

    def __init__(self, max_bytes: int) -> None:
        self._chunks: deque[bytes] = deque()
        self._size = 0
        self._max = max_bytes
        self._ready = asyncio.Event()
        self._closed = False
        self.dropped = 0

    def put(self, pcm: bytes) -> None:
        if self._closed:
            return
        self._chunks.append(pcm)
        self._size += len(pcm)
        while self._size > self._max and len(self._chunks) > 1:
            old = self._chunks.popleft()
            self._size -= len(old)
            self.dropped += len(old)
        self._ready.set()

    def close(self) -> None:
        """No more audio: the request stream ends (half-close) once the queue is drained."""
        self._closed = True
        self._ready.set()

    async def get(self) -> bytes | None:
        """Queued audio, batched up to one request's size; ``None`` once closed and empty."""
        while not self._chunks:
            if self._closed:
                return None
            self._ready.clear()
            await self._ready.wait()
        parts: list[bytes] = []
        size = 0
        while self._chunks and size + len(self._chunks[0]) <= _MAX_REQUEST_BYTES:
            chunk = self._chunks.popleft()
            parts.append(chunk)
            size += len(chunk)
        if not parts:  # one oversized chunk: send it alone
            chunk = self._chunks.popleft()
            parts.append(chunk)
            size = len(chunk)
        self._size -= size
        return b"".join(parts)


@dataclass(eq=False)
class _Call:
    """One ``StreamingRecognize`` call and where its audio starts on the call's timeline."""

    number: int
    base_s: float  # call-audio position (s) of this call's first byte of audio
    queue: _AudioQueue
    opened_at: float = field(default_factory=time.monotonic)
    rpc: Any = None  # the gapic streaming call, once open (cancel() ends it at once)
    responses: int = 0


@dataclass(slots=True)
class _Final:
    text: str
    confidence: float | None
    end_s: float | None  # call-audio position of the result's end, when Google reported it


class GoogleSttStream(SttStream):
    def __init__(
        self,
        engine: GoogleStt,
        call_id: str,
        rate: int,
        on_interim: InterimCallback | None = None,
    ) -> None:
        super().__init__(call_id, rate, on_interim)
        self._engine = engine
        self._cfg = engine.config
        self._bytes_per_s = rate * 2
        self._fed = 0  # bytes of audio fed so far: the call-audio timeline
        self._closed = False
        self._in_turn = False
        self._turn_seq = 0
        self._idle = asyncio.Event()  # set between turns: a pending restart may go ahead
        self._idle.set()
        self._revive = asyncio.Event()  # set by speech_started when the stream is resting
        self._changed = asyncio.Event()  # set on every recognition response
        self._preroll: deque[bytes] = deque()
        self._preroll_bytes = 0
        self._turn_audio = bytearray()
        self._finals: list[_Final] = []
        self._interim: str = ""
        self._superseded = ""  # text of a failed call, used only if its replacement says nothing
        self._activity_ended = False
        self._consumed_until = -1.0  # results ending before this belong to finalized turns
        self._calls = 0
        self._current: _Call | None = None
        self._draining: set[asyncio.Task[None]] = set()
        self.restarts = 0  # planned replacements (stream age)
        self.failures = 0  # calls that failed
        self._open_call(resend=b"")
        self._runner = asyncio.get_running_loop().create_task(
            self._run(), name=f"google-stt-{call_id}"
        )

    # --- SttStream ------------------------------------------------------------------------

    def feed(self, pcm: bytes) -> None:
        if self._closed or not pcm:
            return
        self._fed += len(pcm)
        self._remember(pcm)
        if self._current is not None:
            self._current.queue.put(pcm)

    def speech_started(self, at: float | None = None) -> None:
        if self._closed:
            return
        if not self._in_turn:
            # Whatever Google finalized between turns (noise, a late result) is no one's turn.
            self._finals, self._interim, self._superseded = [], "", ""
        self._turn_seq += 1
        self._in_turn = True
        self._idle.clear()
        self._turn_audio = bytearray(b"".join(self._preroll))
        self._revive.set()

    def speech_discarded(self) -> None:
        """The endpointer dropped the turn as too short: forget what Google made of it."""
        if self._closed:
            return
        self._finals, self._interim, self._superseded = [], "", ""
        self._consumed_until = max(self._consumed_until, self._fed / self._bytes_per_s)
        self._end_turn()

    async def finalize(self, speech_end_at: float) -> SttResult | None:
        t0 = time.monotonic()
        if self._closed:
            return None
        turn = self._turn_seq
        # Where the speech ended on the call-audio timeline: audio is fed in real time, so it is
        # the audio fed so far minus the silence the endpointer waited for since.
        end_s = max(0.0, self._fed / self._bytes_per_s - max(0.0, t0 - speech_end_at))
        deadline = t0 + self._cfg.final_timeout_s
        while not self._covers(end_s):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._closed:
                break
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        covered = self._covers(end_s)
        finals, interim, superseded = self._finals, self._interim, self._superseded
        self._finals, self._interim, self._superseded = [], "", ""
        # Results that end before here were for this turn; a late final for it must not leak
        # into the next one.
        last_end = max((f.end_s for f in finals if f.end_s is not None), default=0.0)
        self._consumed_until = max(
            self._consumed_until, end_s + self._cfg.end_tolerance_s, last_end
        )
        self._activity_ended = False
        if self._turn_seq == turn:  # unless the caller already started the next turn
            self._end_turn()
        text = " ".join(f.text for f in finals)
        if not covered and interim:
            text = f"{text} {interim}".strip()
        if not text:
            text = superseded
        text = text.strip()
        if not text:
            return None
        confidences = [f.confidence for f in finals if f.confidence]
        return SttResult(
            text=text,
            confidence=min(confidences) if confidences else None,
            stt_ms=(time.monotonic() - t0) * 1000.0,
            is_final=covered,
        )

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._changed.set()
        self._runner.cancel()
        if self._current is not None:
            self._cancel_call(self._current)
            self._current = None
        for task in list(self._draining):
            task.cancel()
        self._turn_audio = bytearray()
        self._preroll.clear()

    # --- turn bookkeeping -----------------------------------------------------------------

    def _remember(self, pcm: bytes) -> None:
        """Keep a short pre-roll and the turn's audio: what a replacement call must re-send."""
        self._preroll.append(pcm)
        self._preroll_bytes += len(pcm)
        limit = int(self._cfg.preroll_s * self._bytes_per_s)
        while self._preroll_bytes - len(self._preroll[0]) >= limit:
            self._preroll_bytes -= len(self._preroll.popleft())
        if self._in_turn:
            self._turn_audio += pcm
            excess = len(self._turn_audio) - int(self._cfg.max_resend_s * self._bytes_per_s)
            if excess > 0:
                del self._turn_audio[:excess]

    def _end_turn(self) -> None:
        self._in_turn = False
        self._turn_audio = bytearray()
        self._idle.set()

    def _covers(self, end_s: float) -> bool:
        """Has Google finalized everything up to ``end_s``?"""
        if not self._finals or self._interim:
            return False
        last = self._finals[-1].end_s
        return self._activity_ended or last is None or last >= end_s - self._cfg.end_tolerance_s

    # --- calls ----------------------------------------------------------------------------

    def _open_call(self, resend: bytes) -> _Call:
        """Make a new call current at once, so no fed audio falls between two calls."""
        self._calls += 1
        queue = _AudioQueue(int(self._cfg.max_queue_s * self._bytes_per_s))
        if resend:
            queue.put(resend)
        call = _Call(
            number=self._calls,
            base_s=(self._fed - len(resend)) / self._bytes_per_s,
            queue=queue,
        )
        self._current = call
        return call

    def _resend_audio(self) -> bytes:
        return bytes(self._turn_audio) if self._in_turn else b"".join(self._preroll)

    def _first_request(self) -> Any:
        from google.cloud import speech_v2 as stt

        return stt.StreamingRecognizeRequest(
            recognizer=self._cfg.recognizer,
            streaming_config=stt.StreamingRecognitionConfig(
                config=stt.RecognitionConfig(
                    explicit_decoding_config=stt.ExplicitDecodingConfig(
                        encoding=stt.ExplicitDecodingConfig.AudioEncoding.LINEAR16,
                        sample_rate_hertz=self.rate,
                        audio_channel_count=1,
                    ),
                    language_codes=[self._cfg.language],
                    model=self._cfg.model,
                ),
                streaming_features=stt.StreamingRecognitionFeatures(
                    interim_results=True, enable_voice_activity_events=True
                ),
            ),
        )

    async def _requests(self, call: _Call) -> AsyncIterator[Any]:
        from google.cloud import speech_v2 as stt

        yield self._first_request()
        while (audio := await call.queue.get()) is not None:
            yield stt.StreamingRecognizeRequest(audio=audio)

    async def _read(self, call: _Call) -> None:
        """Run one call to its end, handing each response to ``_on_response``."""
        call.rpc = await self._engine.client.streaming_recognize(requests=self._requests(call))
        async for response in call.rpc:
            call.responses += 1
            self._on_response(call, response)

    def _cancel_call(self, call: _Call) -> None:
        # Cancel first: closing the queue first would let the request stream half-close.
        if call.rpc is not None:
            call.rpc.cancel()
        call.queue.close()

    async def _run(self) -> None:
        """Keep one call open for as long as the stream lives: restarts, retries, rests."""
        failures = 0
        while not self._closed:
            call = self._current
            if call is None:  # resting after repeated failures: wait for the next turn
                self._revive.clear()
                await self._revive.wait()
                failures = 0
                call = self._open_call(self._resend_audio())
            reader = asyncio.create_task(self._read(call))
            outcome = await self._serve(call, reader)
            if outcome == "restart":
                failures = 0
                continue
            # The call ended by itself or failed: replace it, re-sending the turn's audio.
            err = reader.exception() if not reader.cancelled() else None
            code = grpc_code(err) if err is not None else None
            if call.responses:
                failures = 0
            failures += 1
            self.failures += 1
            self._supersede()
            if err is not None and code is None:
                log.error("call %s: STT stream crashed", self.call_id, exc_info=err)
            else:
                log.warning(
                    "call %s: STT stream %d ended (%s), failure %d of %d",
                    self.call_id, call.number, code.name if code else "closed by server",
                    failures, self._cfg.max_retries,
                )
            call.queue.close()
            if code in _FATAL_CODES or failures > self._cfg.max_retries:
                if code in _FATAL_CODES:
                    log.error("call %s: STT configuration rejected: %s", self.call_id, err)
                self._current = None  # rest until the next turn starts
                continue
            # The replacement is current at once: audio fed during the backoff queues there.
            self._open_call(self._resend_audio())
            await asyncio.sleep(self._cfg.retry_backoff_s * 2 ** (failures - 1))

    async def _serve(self, call: _Call, reader: asyncio.Task[None]) -> str:
        """Wait until ``call`` must be replaced ("restart") or ends by itself ("ended")."""
        due = call.opened_at + self._cfg.stream_max_s
        hard_due = due + self._cfg.restart_grace_s
        try:
            await asyncio.wait({reader}, timeout=max(0.0, due - time.monotonic()))
            if not reader.done():
                # Old enough: switch between turns, unless the turn runs past the grace period.
                idle = asyncio.ensure_future(self._idle.wait())
                try:
                    await asyncio.wait(
                        {reader, idle},
                        timeout=max(0.0, hard_due - time.monotonic()),
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                finally:
                    idle.cancel()
        except asyncio.CancelledError:
            reader.cancel()
            raise
        if reader.done():
            return "ended"
        self.restarts += 1
        log.info("call %s: STT stream %d replaced before the time limit", self.call_id, call.number)
        self._open_call(resend=b"")
        call.queue.close()  # half-close: Google finalizes what it has and ends the old call
        self._drain(call, reader)
        return "restart"

    def _drain(self, call: _Call, reader: asyncio.Task[None]) -> None:
        """Let a replaced call deliver its last results, within ``drain_timeout_s``."""

        async def _wait() -> None:
            try:
                await asyncio.wait_for(reader, self._cfg.drain_timeout_s)
            except TimeoutError:
                self._cancel_call(call)
            except Exception as err:  # the replacement is already serving the caller
                log.debug("call %s: replaced STT stream ended with %r", self.call_id, err)

        task = asyncio.get_running_loop().create_task(_wait())
        self._draining.add(task)
        task.add_done_callback(self._draining.discard)

    def _supersede(self) -> None:
        """A failed call's results for the current turn will be recognised again from the
        re-sent audio; keep them only as a last resort."""
        if not self._in_turn:
            return
        text = " ".join([*(f.text for f in self._finals), self._interim]).strip()
        if text:
            self._superseded = text
        self._finals, self._interim = [], ""

    # --- responses ------------------------------------------------------------------------

    def _on_response(self, call: _Call, response: StreamingRecognizeResponse) -> None:
        from google.cloud.speech_v2 import StreamingRecognizeResponse as Resp

        event = response.speech_event_type
        if event == Resp.SpeechEventType.SPEECH_ACTIVITY_BEGIN:
            self._activity_ended = False
        elif event == Resp.SpeechEventType.SPEECH_ACTIVITY_END:
            self._activity_ended = True
        interim_parts: list[str] = []
        for result in response.results:
            if not result.alternatives:
                continue
            alt = result.alternatives[0]
            offset = result.result_end_offset
            end_s = call.base_s + offset.total_seconds() if offset else None
            if end_s is not None and end_s <= self._consumed_until:
                continue  # late result of a turn already finalized
            if result.is_final:
                text = alt.transcript.strip()
                if text:
                    self._finals.append(_Final(text, alt.confidence or None, end_s))
                self._interim = ""
            else:
                interim_parts.append(alt.transcript.strip())
        if interim_parts:
            self._interim = " ".join(p for p in interim_parts if p)
            if self.on_interim is not None and self._interim:
                so_far = " ".join([*(f.text for f in self._finals), self._interim])
                self.on_interim(SttResult(text=so_far, confidence=None, stt_ms=0.0, is_final=False))
        self._changed.set()
