"""One call on the edge: audio in → VAD/endpointing → STT → workflow turn; agent text → TTS → paced audio out.

The session is also the call's `SpeechSink`: the agent step (an activity in this process)
hands it sentences while the model is still producing them.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import aclosing
import time
from collections import deque
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError

from callcenter.settings import Settings
from media_edge import metrics
from media_edge.audio.resample import StreamResampler
from media_edge.audio.turn.endpointer import Endpointer, SpeechEnded, SpeechStarted
from media_edge.audio.vad.webrtc_vad import WebRtcVad
from media_edge.audiosocket.server import AudioIn, AudioSocketConnection, DtmfIn, ErrorIn, HangupIn
from media_edge.registry import CallRegistration, CallRegistry, Disposition, DispositionAction
from media_edge.stt.base_stt import SttEngine, SttStream
from media_edge.tts.base_tts import TtsEngine
from media_edge.tts.phrase_cache import PhraseCache
from workflows.masking import mask_phone
from workflows.models import CallerTurn, NextAction, TurnResult
from workflows.starter import end_call, new_call_start, send_turn, start_call

log = logging.getLogger("media_edge.session")

FIRST_AUDIO_WAIT_S = 0.5  # the call's rate is known from its first audio frame
UPDATE_TIMEOUT_S = 12.0  # beyond the agent step's own 10 s limit: then the caller gets an apology and an operator
START_TIMEOUT_S = 4.0  # the greeting plays meanwhile; then an apology and an operator
SIGNAL_TIMEOUT_S = 5.0
FILLER_AFTER_S = 1.2  # a turn silent this long gets "Хвилинку, перевіряю."


async def _within[T](seconds: float, call: Awaitable[T]) -> T:
    """Await a Temporal call for at most `seconds`, without waiting for its cancellation.

    asyncio.wait_for would also wait for the cancelled RPC to unwind, which a pending update
    does not do promptly: the caller would sit in silence exactly when we meant to stop waiting.
    """
    task = asyncio.ensure_future(call)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if not done:
        task.cancel()
        task.add_done_callback(lambda t: t.cancelled() or t.exception())  # nothing left unretrieved
        raise TimeoutError(f"no answer within {seconds:.0f} s")
    return task.result()


@dataclass
class TurnTiming:
    """Monotonic timestamps of one turn, from the caller's last word to the agent's first sound."""

    call_id: str
    turn_id: int
    speech_end_at: float  # the caller's last speech frame
    detected_at: float  # the endpointer's silence threshold fired: the caller's turn is over
    transcript_at: float = 0.0  # STT final
    first_text_at: float | None = None  # the agent step handed its first sentence to TTS
    first_audio_at: float | None = None  # the first agent audio frame went on the wire

    @property
    def overhead_ms(self) -> float | None:
        """Our own cost: end of the caller's turn → first agent audio (endpointing excluded)."""
        return None if self.first_audio_at is None else (self.first_audio_at - self.detected_at) * 1000

    @property
    def first_audio_ms(self) -> float | None:
        """What the caller lives: end of speech → first agent audio."""
        return None if self.first_audio_at is None else (self.first_audio_at - self.speech_end_at) * 1000


@dataclass
class EdgeContext:
    """What every call session on this edge shares."""

    settings: Settings
    temporal: Client
    registry: CallRegistry
    tts: TtsEngine
    phrases: PhraseCache
    stt: SttEngine
    turn_log: deque[TurnTiming] = field(default_factory=lambda: deque(maxlen=10_000))


class CallSession:
    def __init__(self, conn: AudioSocketConnection, ctx: EdgeContext) -> None:
        self.conn = conn
        self.ctx = ctx
        self.call_id = conn.call_id
        self.registration = ctx.registry.take_registration(self.call_id) or CallRegistration()
        self._settings = ctx.settings
        self._vad = WebRtcVad()
        self._endpointer = Endpointer(end_silence_ms=self._settings.end_of_turn_silence_ms)
        self._stt: SttStream | None = None
        self._turn_id = 0
        self._turns: asyncio.Queue[SpeechEnded] = asyncio.Queue()
        self._timing: TurnTiming | None = None  # the turn waiting for its first agent audio
        self._workflow = ctx.temporal.get_workflow_handle(self.call_id)
        self._started = asyncio.Event()
        self._ending: str | None = None
        self._speak_lock = asyncio.Lock()
        self._interrupted = False  # the caller talked over the reply: drop the rest of it

    @property
    def rate(self) -> int:
        """The call's sample rate, as the connection learnt it from the caller's audio."""
        return self.conn.rate

    @property
    def turns_taken(self) -> int:
        return self._turn_id

    # --- lifecycle -----------------------------------------------------------------

    async def run(self) -> None:
        self.ctx.registry.sessions[self.call_id] = self
        metrics.ACTIVE_CALLS.inc()
        log.info(
            "call %s from %s to %s", self.call_id, mask_phone(self.registration.caller_number) or "unknown",
            self.registration.dialled_number or "?",
        )
        self.conn.on_audio_started = self._on_agent_audio
        turns = asyncio.create_task(self._turn_loop(), name=f"turns-{self.call_id}")
        end = "caller_hangup"
        try:
            end = await self._listen()
        except Exception:
            end = "error"
            raise
        finally:
            turns.cancel()
            await asyncio.gather(turns, return_exceptions=True)
            await self._signal_hangup(self._ending or end)
            self.ctx.registry.sessions.pop(self.call_id, None)
            if self._stt is not None:
                self._stt.close()
            metrics.ACTIVE_CALLS.dec()
            metrics.CALLS.labels(end=self._ending or end).inc()

    async def _listen(self) -> str:
        greeting = asyncio.create_task(self._start_call())
        try:
            async for event in self.conn.events():
                if isinstance(event, AudioIn):
                    self._on_audio(event)
                elif isinstance(event, DtmfIn):
                    # Keys are received and counted; DTMF entry (order numbers, "press 1") comes next.
                    metrics.DTMF.inc()
                    log.info("call %s: DTMF %s", self.call_id, event.digit)
                elif isinstance(event, HangupIn):
                    break
                elif isinstance(event, ErrorIn):
                    log.warning("call %s: Asterisk reported an error (%s)", self.call_id, event.code.hex())
                    return "error"
            # When the edge ends the call (_end), the stream ends with its hangup frame, after
            # the last words have played; leaving this loop earlier would cut them off.
            return "caller_hangup"
        finally:
            await asyncio.gather(greeting, return_exceptions=True)

    async def _start_call(self) -> None:
        """Greet at once from the phrase cache while the workflow starts (update-with-start)."""
        deadline = time.monotonic() + FIRST_AUDIO_WAIT_S
        while self._stt is None and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        self._play(self.ctx.phrases.get("greeting", self.rate))
        start = new_call_start(
            self._settings,
            self.call_id,
            caller_number=self.registration.caller_number,
            dialled_number=self.registration.dialled_number,
            channel=self.registration.channel,
        )
        try:
            # Bounded: with no worker up the update would wait forever while the caller talks.
            await _within(START_TIMEOUT_S, start_call(self.ctx.temporal, start))
            self._started.set()
        except (RPCError, WorkflowUpdateFailedError, TimeoutError) as err:
            log.error("call %s: could not start its workflow: %s", self.call_id, err or "timed out")
            metrics.DEGRADED.labels(cause="temporal").inc()
            await self._degrade()

    # --- caller audio ---------------------------------------------------------------

    def _on_audio(self, event: AudioIn) -> None:
        metrics.FRAMES_IN.inc()
        if self._stt is None or event.rate != self._stt.rate:
            if self._stt is not None:
                self._stt.close()
            self._stt = self.ctx.stt.open_stream(self.call_id, event.rate)
        self._stt.feed(event.pcm)
        frame_ms = len(event.pcm) * 500 / event.rate  # 2 bytes per sample
        is_speech = self._vad.is_speech(event.pcm, event.rate)
        ev = self._endpointer.process(is_speech, time.monotonic(), frame_ms)
        if isinstance(ev, SpeechStarted):
            self._stt.speech_started(ev.at)
            if self.conn.is_playing:
                # Barge-in: the caller talks over the agent, so the agent stops at once,
                # and sentences of this reply still being produced are not spoken either.
                self._interrupted = True
                dropped_ms = self.conn.clear_audio()
                metrics.BARGE_INS.inc()
                log.info("call %s: barge-in, %d ms of reply dropped", self.call_id, dropped_ms)
        elif isinstance(ev, SpeechEnded):
            self._turns.put_nowait(ev)

    async def _turn_loop(self) -> None:
        await self._started.wait()
        try:
            while True:
                await self._take_turn(await self._turns.get())
        except asyncio.CancelledError:
            raise
        except Exception:
            # Whatever broke (an engine, a bug), the caller must not be left in silence.
            log.exception("call %s: turn %d crashed", self.call_id, self._turn_id)
            metrics.DEGRADED.labels(cause="edge").inc()
            await self._degrade()

    async def _take_turn(self, ended: SpeechEnded) -> None:
        """One caller turn: final transcript → workflow update → what the workflow decided."""
        if self._ending:
            return  # the call is being handed over or closed: no more turns
        assert self._stt is not None
        result = await self._stt.finalize(ended.speech_end_at)
        if result is None or not result.text.strip():
            return
        self._turn_id += 1
        self._interrupted = False
        self._timing = TurnTiming(
            self.call_id, self._turn_id, ended.speech_end_at, ended.detected_at, time.monotonic()
        )
        metrics.TURNS.inc()
        turn = CallerTurn(
            turn_id=self._turn_id,
            text=result.text,
            speech_ended_at=datetime.now(UTC),
            stt_ms=result.stt_ms,
        )
        started = time.perf_counter()
        filler = asyncio.create_task(self._filler_if_slow(self._timing))
        try:
            outcome = await _within(UPDATE_TIMEOUT_S, send_turn(self._workflow, turn))
        except (RPCError, WorkflowUpdateFailedError, TimeoutError) as err:
            log.error("call %s: turn %d failed: %s", self.call_id, self._turn_id, err)
            metrics.DEGRADED.labels(cause="workflow").inc()
            await self._degrade()
            return
        finally:
            filler.cancel()
        metrics.WORKFLOW_UPDATE.observe(time.perf_counter() - started)
        await self._follow(outcome)

    async def _filler_if_slow(self, timing: TurnTiming | None) -> None:
        """No dead air: if the agent has said nothing after a moment, say "one moment, checking"."""
        await asyncio.sleep(FILLER_AFTER_S)
        if timing is not None and timing.first_text_at is None and not self.conn.is_playing:
            metrics.FILLERS.inc()
            self._play(self.ctx.phrases.get("checking", self.rate))

    async def _follow(self, outcome: TurnResult) -> None:
        if outcome.say_text:
            # The workflow's own words (goodbye, transfer notice, apology) are a decision, not
            # part of the reply the caller may have interrupted: they are always said.
            self._interrupted = False
            await self.speak(outcome.say_text)
        if outcome.next == NextAction.TRANSFER:
            transfer = outcome.transfer
            self.ctx.registry.set_disposition(
                self.call_id,
                Disposition(
                    action=DispositionAction.TRANSFER,
                    queue=transfer.queue if transfer else "operators",
                    caller_name=transfer.summary if transfer else "",
                ),
            )
            metrics.TRANSFERS.inc()
            await self._end("transfer")
        elif outcome.next == NextAction.HANG_UP:
            self.ctx.registry.set_disposition(self.call_id, Disposition(action=DispositionAction.HANGUP))
            await self._end("agent_hangup")

    async def _degrade(self) -> None:
        """Temporal or the agent is gone: apologise and hand the caller to a person."""
        self.ctx.registry.set_disposition(
            self.call_id,
            Disposition(action=DispositionAction.TRANSFER, queue="operators", caller_name="ШІ: технічна помилка"),
        )
        self._play(self.ctx.phrases.get("apology", self.rate))
        self._play(self.ctx.phrases.get("transfer", self.rate))
        await self._end("error")

    async def _end(self, reason: str) -> None:
        """Let the last words play out, then end the AudioSocket leg (the dialplan goes on)."""
        self._ending = reason
        await self.conn.wait_idle()
        await self.conn.hangup()

    async def _signal_hangup(self, reason: str) -> None:
        """Always tell the workflow, even if its start timed out: a Signal waits for a worker."""
        try:
            await _within(SIGNAL_TIMEOUT_S, end_call(self._workflow, reason))
        except (RPCError, TimeoutError) as err:
            log.error("call %s: hangup signal failed: %s", self.call_id, err or "timed out")

    # --- agent audio ------------------------------------------------------------------

    async def speak(self, text: str) -> None:
        """SpeechSink: synthesise and queue for paced playout (cached phrases play at once)."""
        if self._interrupted:
            return
        if self._timing is not None and self._timing.first_text_at is None:
            self._timing.first_text_at = time.monotonic()
        cached = self._cached(text)
        if cached is not None:
            for pcm in cached:
                self._play(pcm)
            return
        async with self._speak_lock:
            resampler = StreamResampler(self.ctx.tts.sample_rate, self.rate)
            started = time.perf_counter()
            first = True
            # aclosing: a barge-in mid-sentence stops the synthesis at once, not at its end.
            async with aclosing(self.ctx.tts.synthesize(text)) as chunks:
                async for chunk in chunks:
                    if self._interrupted:
                        break
                    if first:
                        metrics.TTS_FIRST_AUDIO.observe(time.perf_counter() - started)
                        first = False
                    self._play(resampler.process(chunk))
            self._play(resampler.flush())

    def _cached(self, text: str) -> list[bytes] | None:
        """The text as a run of cached phrases (e.g. apology + transfer notice), or None."""
        parts: list[bytes] = []
        rest = text.strip()
        while rest:
            for key, phrase in self.ctx.phrases.phrases.items():
                if rest.startswith(phrase):
                    parts.append(self.ctx.phrases.get(key, self.rate))
                    rest = rest[len(phrase) :].lstrip()
                    break
            else:
                return None
        return parts

    def _play(self, pcm: bytes) -> None:
        if pcm:
            self.conn.send_audio(pcm)

    def _on_agent_audio(self, at: float) -> None:
        timing, self._timing = self._timing, None
        if timing is not None:
            timing.first_audio_at = at
            metrics.FIRST_AUDIO.observe(max(0.0, at - timing.speech_end_at))
            metrics.TURN_OVERHEAD.observe(max(0.0, at - timing.detected_at))
            self.ctx.turn_log.append(timing)
