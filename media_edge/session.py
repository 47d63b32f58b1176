"""One call on the edge: audio in → VAD/endpointing → STT → workflow turn; agent text → TTS → paced audio out.

The session is also the call's `SpeechSink`: the agent step (an activity in this process)
hands it sentences while the model is still producing them.

Besides the turn loop it keeps the call from ever sitting in silence:

* barge-in: caller speech over the agent pauses playback at once; if the speech lasts
  ``barge_in_min_speech_ms`` the rest of the reply is dropped and the next turn tells the workflow
  what the caller heard (``heard_agent_text``); a shorter sound (a cough, "угу") resumes it;
* a filler ("Хвилинку, перевіряю.") when a turn has no agent audio after ``filler_after_ms``, and
  "Ще секунду, будь ласка." / "Дякую за терпіння, ще мить." whenever the line has then been quiet
  for ``filler_again_after_ms`` and the turn is not over, before the reply or in the middle of
  it (up to the turn's own time limit);
* no input: a reprompt after ``no_input_reprompt_s`` of silence, a goodbye after
  ``no_input_max_reprompts`` of them; a closing phrase at ``max_call_seconds``;
* DTMF: keys until '#' (or a pause) become a turn; with a yes/no question, '1' or '2' at once;
* degraded paths: Temporal, the agent step or an engine failing → an apology and an operator,
  or a promised callback when no operator is there; every await on the hot path is bounded.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import aclosing, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as clock_time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError

from activities.brain import ukrainian as uk
from callcenter.engine_waits import CURRENT_CALL
from callcenter.settings import Settings
from media_edge import metrics
from media_edge.audio.resample import StreamResampler
from media_edge.audio.turn.endpointer import (
    CONTINUATION_WINDOW_S,
    Endpointer,
    SpeechDiscarded,
    SpeechEnded,
    SpeechStarted,
)
from media_edge.audio.vad import make_vad
from media_edge.audiosocket.server import AudioIn, AudioSocketConnection, AudioSocketEvent, DtmfIn, ErrorIn
from media_edge.phrases import PHRASES, Phrase
from media_edge.playback import Playback
from media_edge.registry import CallRegistration, CallRegistry, Disposition, DispositionAction
from media_edge.stt.base_stt import SttEngine, SttResult, SttStream
from media_edge.tts.base_tts import TtsEngine
from media_edge.tts.phrase_cache import PhraseCache
from temporal.client import is_transient
from callcenter.logging_setup import ShopNumber, bind_call
from workflows.masking import mask_phone
from workflows.models import CallerTurn, ExpectedReply, HeardLatency, NextAction, TurnResult
from workflows.starter import end_call, new_call_start, send_turn, start_call

log = logging.getLogger("media_edge.session")

FIRST_AUDIO_WAIT_S = 0.5  # the call's rate is known from its first audio frame
UPDATE_TIMEOUT_S = 12.0  # beyond the agent step's own 10 s limit: then the caller gets an apology and an operator
START_TIMEOUT_S = 4.0  # the greeting plays meanwhile; then an apology and an operator
SIGNAL_TIMEOUT_S = 5.0
# A hangup signal (or an overflow call's start) Temporal could not take (down, restarting) is sent
# again this long, in the background: without it the workflow would wait for the call's time
# limit to end the call (or the overflow call would have no record).
DELIVERY_RETRY_S = 600.0
DELIVERY_RETRY_EVERY_S = 1.0
STT_FINAL_TIMEOUT_S = 3.0  # a recognizer that gives no final by then has failed
TTS_CHUNK_TIMEOUT_S = 3.0  # a synthesizer silent this long mid-sentence has failed
BARGE_IN_RESUME_MS = 200  # a paused reply resumes after this much silence from a too-short sound
# Said in turn whenever the line has been quiet for filler_again_after_ms while a turn is with
# the workflow: after the first filler, three (each about 1.5 s long) cover UPDATE_TIMEOUT_S at
# the default 2 s, so the line is never silent for longer before the answer or the apology.
STILL_WAITING_PHRASES = (Phrase.STILL_CHECKING, Phrase.STILL_WAITING)
STILL_WAITING_MAX = 3
DEAD_AIR_TICK_S = 0.1  # how often a pending turn's line is looked at for quiet
WATCH_PERIOD_S = 0.05  # timers: no input, DTMF pause, call length
IDLE_GRACE_S = 2.0  # the last words get their own length plus this to play out before hangup
PROBE_AFTER_S = 1.0  # a turn unanswered this long: is Temporal still there? (asked every second)
PROBE_TIMEOUT_S = 0.5
TEMPORAL_BACK_EVERY_S = 0.2  # in an outage, Temporal's health is asked this often
MORE_WORDS_MAX_S = 20.0  # however long the caller goes on, the turn is taken by then
TRANSFER_CALLER_NAME = "ШІ: технічна помилка"
CALLBACK_CALLER_NAME = "ШІ: передзвонити"


class TemporalUnreachable(TimeoutError):
    """Temporal does not answer its health check."""


async def _within[T](seconds: float, call: Awaitable[T]) -> T:
    """Await a call for at most `seconds`, without waiting for its cancellation.

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


async def _first_of[T](call: Awaitable[T], guard: asyncio.Task[None]) -> T:
    """``call``'s result, unless ``guard`` fails first (its exception is raised then)."""
    task = asyncio.ensure_future(call)
    try:
        done, _ = await asyncio.wait({task, guard}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        done = set()
        raise
    finally:
        if task not in done:
            task.cancel()
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
    if task in done:
        return task.result()
    guard.result()  # raises
    raise RuntimeError("the guard ended without failing")


def operators_available(settings: Settings, now: datetime | None = None) -> bool:
    """Can a transfer reach a person now? The flag wins; else the hours (empty: always)."""
    if settings.operators_available is not None:
        return settings.operators_available
    hours = settings.operators_available_hours.strip()
    if not hours:
        return True
    try:
        opens, closes = (clock_time.fromisoformat(part.strip()) for part in hours.split("-"))
        zone = ZoneInfo(settings.operators_timezone)
    except (ValueError, ZoneInfoNotFoundError) as err:
        log.error("operators_available_hours %r / %r: %s; assuming operators are there", hours,
                  settings.operators_timezone, err)
        return True
    local = (now or datetime.now(UTC)).astimezone(zone).time()
    return opens <= local < closes if opens <= closes else (local >= opens or local < closes)


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
    background: set[asyncio.Task[None]] = field(default_factory=set)  # deliveries being retried

    def deliver_in_background(self, send: Callable[[], Awaitable[object]], *, call_id: str, what: str,
                              since: datetime, wait_first: bool = False) -> None:
        """Send a call to Temporal that must land (a hangup signal, an overflow call's start)
        from a task of its own, again every ``DELIVERY_RETRY_EVERY_S`` while Temporal is
        unreachable (down, restarting), for up to ``DELIVERY_RETRY_S``; a refusal ends it."""
        task = asyncio.create_task(_deliver(send, call_id, what, since, wait_first), name=f"{what}-{call_id}")
        self.background.add(task)
        task.add_done_callback(self.background.discard)


async def _deliver(send: Callable[[], Awaitable[object]], call_id: str, what: str, since: datetime,
                   wait_first: bool) -> None:
    deadline = time.monotonic() + DELIVERY_RETRY_S
    retried = wait_first
    if wait_first:
        await asyncio.sleep(DELIVERY_RETRY_EVERY_S)
    while True:
        try:
            await _within(SIGNAL_TIMEOUT_S, send())
        except (RPCError, TimeoutError) as err:
            if not is_transient(err):  # e.g. the workflow ended already: a retry found it closed
                log.warning("call %s: %s not needed or refused: %s", call_id, what, err)
                return
            if time.monotonic() >= deadline:
                log.error("call %s: %s lost: Temporal unreachable for %.0f s", call_id, what, DELIVERY_RETRY_S)
                return
            retried = True
            await asyncio.sleep(DELIVERY_RETRY_EVERY_S)
            continue
        if retried:
            log.info("call %s: %s delivered after %.0f s", call_id, what, (datetime.now(UTC) - since).total_seconds())
        return


@dataclass(frozen=True, slots=True)
class KeyTurn:
    """Keys the caller pressed, as one turn ("12345#", or "1" for yes)."""

    keys: str
    at: float


@dataclass(frozen=True, slots=True)
class SpokenTurn:
    ended: SpeechEnded
    keys_won: bool = False  # the caller pressed keys meanwhile: the keys are the turn, not this


@dataclass(slots=True)
class _PendingBargeIn:
    onset: float  # the caller's speech began (monotonic)
    paused_at: float  # agent audio taken off the wire


class CallSession:
    def __init__(self, conn: AudioSocketConnection, ctx: EdgeContext) -> None:
        self.conn = conn
        self.ctx = ctx
        self.call_id = conn.call_id
        self.registration = ctx.registry.take_registration(self.call_id) or CallRegistration()
        self._settings = ctx.settings
        self._vad = make_vad(self._settings.vad_engine)
        self._endpointer = Endpointer.from_settings(self._settings)
        self._stt: SttStream | None = None
        self._turn_id = 0
        self._turns: asyncio.Queue[SpokenTurn | KeyTurn] = asyncio.Queue()
        self._timing: TurnTiming | None = None  # the turn waiting for its first agent audio
        # End of speech → first agent audio of each turn, for the workflow: with the next turn
        # (those not sent yet) and again, all of them, with the hangup.
        self._waited: list[HeardLatency] = []
        self._waited_unsent = 0
        self._workflow = ctx.temporal.get_workflow_handle(self.call_id)
        self._started = asyncio.Event()
        self._ending: str | None = None
        self._speak_lock = asyncio.Lock()
        self._interrupted = False  # the caller talked over the reply: drop the rest of it
        self._playback = Playback(conn)
        self._barge: _PendingBargeIn | None = None
        self._last_voice_at = 0.0
        self._heard: str | None = None  # what the caller heard of the reply they interrupted
        self._expect = ExpectedReply.OPEN
        self._keys = ""  # DTMF being collected
        self._keys_deadline = 0.0
        self._drop_speech = False  # keys were sent while the caller spoke: that utterance is not a turn
        self._busy = False  # a turn is with the workflow
        self._asterisk_error = False  # Asterisk sent an error frame: the call ends as "error"
        self._cut_off: SpeechEnded | None = None  # words the caller hung up on before their turn ended
        self._reply_pending = False  # a turn was sent and the caller has heard none of its reply yet
        self._continues: int | None = None  # the caller went on talking over this turn's unheard reply
        self._withheld: TurnResult | None = None  # that turn's result, said after all if no words follow
        self._last_outcome: TurnResult | None = None  # what the workflow decided for the latest turn
        self._reply_audio_at: float | None = None  # the latest turn's first agent audio went out
        self._call_started = time.monotonic()
        self._quiet_since = self._call_started
        self._silences = 0  # no-input timeouts in a row
        self._warned = False
        self._tts_failed = False
        self._frames_out_seen = 0
        self._underruns_seen = 0
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def rate(self) -> int:
        """The call's sample rate, as the connection learnt it from the caller's audio."""
        return self.conn.rate

    @property
    def turns_taken(self) -> int:
        return self._turn_id

    # --- lifecycle -----------------------------------------------------------------

    async def run(self) -> None:
        if self.call_id in self.ctx.registry.sessions:
            # A second leg with the UUID of a call that is live here (a misrouted or replayed
            # connection): the live leg keeps the call; this one must not take it over or end it.
            log.warning("call %s: a second AudioSocket leg from %s while the call is live; refused",
                        self.call_id, self.conn.peer)
            return
        self.ctx.registry.sessions[self.call_id] = self
        self.conn.idle_timeout = self._settings.audiosocket_idle_timeout_s or None
        metrics.ACTIVE_CALLS.inc()
        started = time.monotonic()
        bind_call(self.call_id)  # this connection's task: its log lines carry call=<id>
        log.info(
            "call %s from %s to %s", self.call_id, mask_phone(self.registration.caller_number) or "unknown",
            ShopNumber(self.registration.dialled_number or "?"),  # the shop's own number: not masked
        )
        self.conn.on_audio_started = self._on_agent_audio
        turns = asyncio.create_task(self._turn_loop(), name=f"turns-{self.call_id}")
        watch = asyncio.create_task(self._watch(), name=f"watch-{self.call_id}")
        end = "caller_hangup"
        try:
            end = await self._listen()
        except Exception:
            end = "error"
            raise
        finally:
            # Only when no turn is on its way: a turn already sent is the workflow's to finish.
            last_words = self._cut_off if not self._busy and self._turns.empty() else None
            for task in (turns, watch, *self._tasks):
                task.cancel()
            await asyncio.gather(turns, watch, *self._tasks, return_exceptions=True)
            if last_words is not None:
                await self._send_last_words(last_words)
            await self._signal_hangup(self._ending or end)
            self.ctx.registry.sessions.pop(self.call_id, None)
            if self._stt is not None:
                self._stt.close()
            self.ctx.stt.end_call(self.call_id)
            self._flush_playout_stats(final=True)
            metrics.ACTIVE_CALLS.dec()
            metrics.CALLS.labels(end=self._ending or end).inc()
            # The edge's one outcome line per call (the worker logs the workflow's own).
            log.info(
                "call %s ended at the edge: %s; %d turns, %.1f s, from %s to %s", self.call_id,
                self._ending or end, self._turn_id, time.monotonic() - started,
                mask_phone(self.registration.caller_number) or "unknown",
                ShopNumber(self.registration.dialled_number or "?"),
            )

    async def _listen(self) -> str:
        greeting = asyncio.create_task(self._start_call())
        end = "caller_hangup"
        try:
            # Each frame is handled synchronously as it is read off the socket.
            await self.conn.deliver(self._on_event)
            if self._asterisk_error:
                end = "error"
                return end
            # When the edge ends the call (_end), the stream ends with its hangup frame, after
            # the last words have played; leaving this loop earlier would cut them off.
            if self._ending is None and self.conn.end_reason != "idle":
                # The caller hung up: words they were still saying (no silence after them yet)
                # are their last turn ("Так." and the receiver down).
                self._cut_off = self._endpointer.end_now(time.monotonic())
            if self.conn.end_reason == "idle":
                end = "no_audio"  # no frame from Asterisk for audiosocket_idle_timeout_s: a dead leg
            return end
        except Exception:
            end = "error"
            raise
        finally:
            # The leg is gone, so is the call: let Asterisk go at once, and whatever the start
            # still does (an apology, a transfer if it fails) is for nobody's ears. The start
            # itself is awaited, so the call still gets its workflow and record.
            self._ending = self._ending or end
            await self.conn.close()
            await asyncio.gather(greeting, return_exceptions=True)

    async def _start_call(self) -> None:
        """Greet at once from the phrase cache while the workflow starts (update-with-start)."""
        deadline = time.monotonic() + FIRST_AUDIO_WAIT_S
        while self._stt is None and self._ending is None and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        self._playback.begin_reply()
        self._play_phrase(Phrase.GREETING)
        start = new_call_start(
            self._settings,
            self.call_id,
            caller_number=self.registration.caller_number,
            dialled_number=self.registration.dialled_number,
            channel=self.registration.channel,
        )
        try:
            # Bounded: with no worker up the update would wait forever while the caller talks.
            greeted = await _within(START_TIMEOUT_S, start_call(self.ctx.temporal, start))
        except (RPCError, WorkflowUpdateFailedError, TimeoutError) as err:
            await self._degrade("temporal", f"could not start its workflow: {err or 'timed out'}")
            return
        self._set_expect(greeted.expect)
        self._started.set()

    # --- caller audio ---------------------------------------------------------------

    def _on_event(self, event: AudioSocketEvent) -> None:
        if type(event) is AudioIn:
            self._on_audio(event)
        elif isinstance(event, DtmfIn):
            self._on_dtmf(event.digit)
        elif isinstance(event, ErrorIn):
            log.warning("call %s: Asterisk reported an error (%s)", self.call_id, event.code.hex())
            self._asterisk_error = True
            self.conn.end_events()
        # HangupIn: nothing follows it; deliver returns.

    def _on_audio(self, event: AudioIn) -> None:
        metrics.FRAMES_IN.inc()
        if self._stt is None or event.rate != self._stt.rate:
            if self._stt is not None:
                self._stt.close()
            self._stt = self.ctx.stt.open_stream(self.call_id, event.rate)
        self._stt.feed(event.pcm)
        now = time.monotonic()
        frame_ms = len(event.pcm) * 500 / event.rate  # 2 bytes per sample
        is_speech = self._vad.is_speech(event.pcm, event.rate)
        if is_speech:
            self._last_voice_at = now
        # The level only matters on speech frames (the hesitation rule): silence skips the RMS.
        level_db = self._vad.level_db(event.pcm) if is_speech else None
        ev = self._endpointer.process(is_speech, now, frame_ms, level_db=level_db)
        if isinstance(ev, SpeechStarted):
            self._stt.speech_started(ev.at)
            if self._ending is None and self._barge is None and (
                self._playback.is_playing or self._speak_lock.locked() or self._reply_pending
            ):
                # Maybe a barge-in: stop the agent at once (or hold the reply that is on its
                # way), decide once we know how long the sound is.
                self._playback.pause()
                self._barge = _PendingBargeIn(onset=ev.at, paused_at=now)
        elif isinstance(ev, SpeechEnded):
            if self._barge is not None:
                self._confirm_barge_in(now)
            keys_won = self._drop_speech or bool(self._keys)
            self._drop_speech = False
            self._turns.put_nowait(SpokenTurn(ev, keys_won=keys_won))
        elif isinstance(ev, SpeechDiscarded):
            self._stt.speech_discarded()
            if self._barge is not None:
                self._resume_after_noise()
        if self._barge is not None:
            if is_speech and (now - self._barge.onset) * 1000 >= self._settings.barge_in_min_speech_ms:
                self._confirm_barge_in(now)
            elif (now - self._last_voice_at) * 1000 >= BARGE_IN_RESUME_MS:
                self._resume_after_noise()

    def _confirm_barge_in(self, now: float) -> None:
        """The caller really talks over the agent: the rest of the reply is dropped."""
        barge, self._barge = self._barge, None
        assert barge is not None
        self._interrupted = True
        continues = self._goes_on_with_turn(barge)
        self._heard = self._playback.drop()
        if continues:
            # The caller's pause was not the end of their turn: the reply does not count.
            self._continues, self._heard = self._turn_id, ""
            if self._last_outcome is not None and self._last_outcome.turn_id == self._turn_id:
                self._withheld = self._last_outcome
            metrics.CONTINUATIONS.inc()
            log.info("call %s: the caller went on talking; turn %d continues", self.call_id, self._turn_id)
            return
        stop_s = max(0.0, barge.paused_at - barge.onset)
        metrics.BARGE_INS.inc()
        metrics.BARGE_IN_STOP.observe(stop_s)
        log.info(
            "call %s: barge-in, agent stopped %.0f ms after the caller began; heard %r",
            self.call_id, stop_s * 1000, self._heard[-80:],
        )

    def _goes_on_with_turn(self, barge: _PendingBargeIn) -> bool:
        """Is this speech the rest of the turn just sent, not an answer to its reply? Yes when
        no word of the reply has been played yet, or when it began within
        ``CONTINUATION_WINDOW_S`` of the reply's first sound, too soon to be a reaction to it,
        and the reply can still be taken back (``revocable``; unknown while it is with the
        workflow, where ``_follow`` decides)."""
        if self._turn_id == 0:
            return False
        outcome = self._last_outcome
        if outcome is not None and outcome.turn_id == self._turn_id and not outcome.revocable:
            return False  # what is being said now (an order number, a transfer) must be heard
        if self._reply_pending and not self._playback.reply_reached_caller():
            return True
        started = self._reply_audio_at
        if started is None or barge.onset - started > CONTINUATION_WINDOW_S:
            return False
        return self._reply_pending or (outcome is not None and outcome.turn_id == self._turn_id)

    def _resume_after_noise(self) -> None:
        """Too short to be speech over the agent (a cough, a click, "угу"): play on."""
        self._barge = None
        self._playback.resume()
        metrics.BARGE_INS_IGNORED.inc()
        log.info("call %s: a short sound over the agent; playback resumed", self.call_id)

    # --- keys ------------------------------------------------------------------------

    def _on_dtmf(self, digit: str) -> None:
        metrics.DTMF.inc()
        log.info("call %s: DTMF %s", self.call_id, digit)
        if self._ending is not None:
            return
        now = time.monotonic()
        self._quiet_since = now
        if self._barge is None and (self._playback.is_playing or self._speak_lock.locked()):
            # A key over the agent's words stops them, as in any phone menu.
            self._interrupted = True
            self._heard = self._playback.drop()
        if self._expect == ExpectedReply.YES_NO and not self._keys and digit in "12":
            self._submit_keys(digit, now)
        elif digit == "#":
            if self._keys:
                self._submit_keys(self._keys + "#", now)
        else:
            self._keys += digit
            self._keys_deadline = now + self._settings.dtmf_digit_timeout_s

    def _submit_keys(self, keys: str, now: float) -> None:
        self._keys = ""
        if self._endpointer.in_speech:
            self._drop_speech = True  # speech and keys mixed: the keys win this turn
        self._turns.put_nowait(KeyTurn(keys, now))

    # --- turns -----------------------------------------------------------------------

    async def _turn_loop(self) -> None:
        await self._started.wait()
        try:
            while True:
                item = await self._turns.get()
                self._busy = True
                try:
                    await self._take_turn(item)
                finally:
                    self._busy = self._reply_pending = False
                    self._quiet_since = time.monotonic()
        except asyncio.CancelledError:
            raise
        except Exception as err:
            # Whatever broke (an engine, a bug), the caller must not be left in silence.
            log.exception("call %s: turn %d crashed", self.call_id, self._turn_id)
            await self._degrade("edge", f"turn {self._turn_id} crashed: {err!r}")

    async def _take_turn(self, item: SpokenTurn | KeyTurn) -> None:
        """One caller turn: final transcript (or keys) → workflow update → what the workflow decided."""
        if self._ending:
            return  # the call is being handed over or closed: no more turns
        stt_ms: float | None = None
        dtmf: str | None = None
        if isinstance(item, KeyTurn):
            text = item.keys.rstrip("#")
            if not text:
                return
            dtmf = item.keys
            speech_end_at = detected_at = item.at
            metrics.DTMF_TURNS.inc()
        else:
            result = await self._transcript(item)
            if result is None:
                if not item.keys_won:
                    await self._say_withheld()
                return
            text, stt_ms, ended = result.text, result.stt_ms, item.ended
            while uk.sounds_unfinished(text) and (more := await self._more_words()) is not None:
                more_result = await self._transcript(more)
                if more_result is not None:
                    text, stt_ms, ended = f"{text} {more_result.text}", more_result.stt_ms, more.ended
                    metrics.TURNS_JOINED.inc()
            speech_end_at, detected_at = ended.speech_end_at, ended.detected_at
        self._turn_id += 1
        self._interrupted = False
        self._silences = 0
        heard, self._heard = self._heard, None
        continues, self._continues = self._continues, None
        self._withheld = self._reply_audio_at = None
        self._timing = TurnTiming(self.call_id, self._turn_id, speech_end_at, detected_at, time.monotonic())
        metrics.TURNS.inc()
        turn = CallerTurn(
            turn_id=self._turn_id,
            text=text,
            speech_ended_at=datetime.now(UTC),
            stt_ms=stt_ms,
            heard_agent_text=heard,
            dtmf=dtmf,
            continues_turn=continues if dtmf is None else None,
            heard_latencies=self._waited[self._waited_unsent :],
        )
        self._waited_unsent = len(self._waited)
        self._playback.begin_reply()
        self._tts_failed = False
        started = time.perf_counter()
        filler = asyncio.create_task(self._no_dead_air())
        self._reply_pending = True
        try:
            outcome = await self._send_turn(turn, self._timing)
        except (RPCError, WorkflowUpdateFailedError, TimeoutError) as err:
            await self._degrade("temporal", f"turn {self._turn_id} failed: {err or 'timed out'}")
            return
        finally:
            filler.cancel()
        metrics.WORKFLOW_UPDATE.observe(time.perf_counter() - started)
        await self._follow(outcome)

    async def _send_last_words(self, ended: SpeechEnded) -> None:
        """The caller hung up before the silence that ends a turn: what they said still goes to
        the workflow, as the call's last turn, so a "так" to a read-back still places the order
        it confirmed. The reply is not followed: nobody is there to hear it."""
        result = await self._transcript(SpokenTurn(ended, keys_won=False))
        if result is None:
            return
        self._turn_id += 1
        metrics.TURNS.inc()
        turn = CallerTurn(turn_id=self._turn_id, text=result.text, speech_ended_at=datetime.now(UTC),
                          stt_ms=result.stt_ms, heard_agent_text=self._heard)
        try:
            await _within(UPDATE_TIMEOUT_S, send_turn(self._workflow, turn))
            log.info("call %s: the caller hung up on their last words; sent as turn %d", self.call_id, self._turn_id)
        except (RPCError, WorkflowUpdateFailedError, TimeoutError) as err:
            log.warning("call %s: the last words before the hangup were not delivered: %s",
                        self.call_id, err or "timed out")

    async def _transcript(self, item: SpokenTurn) -> SttResult | None:
        """The utterance's final transcript, or None: no words (noise), keys won, or the
        recognizer failed (then the call is degraded)."""
        assert self._stt is not None
        ended = item.ended
        try:
            result = await _within(STT_FINAL_TIMEOUT_S, self._stt.finalize(ended.speech_end_at))
        except Exception as err:  # noqa: BLE001 - any recognizer failure ends the same way
            await self._degrade("stt", f"no final transcript: {err or 'timed out'}")
            return None
        if item.keys_won:
            log.info("call %s: speech while keys were pressed; the keys are the turn", self.call_id)
            return None
        if result is None or not result.text.strip():
            return None
        metrics.STT_FINAL.observe(max(0.0, time.monotonic() - ended.speech_end_at))
        return result

    async def _say_withheld(self) -> None:
        """The caller's "going on" held no words (a mumble, noise): the reply held back for it is
        said after all, so the caller is not left waiting for an answer that was dropped."""
        withheld, self._withheld = self._withheld, None
        if withheld is None or self._continues != withheld.turn_id:
            return
        self._continues = self._heard = None
        log.info("call %s: no words went on from turn %d; its reply is said", self.call_id, withheld.turn_id)
        self._interrupted = False
        self._playback.begin_reply()
        self._set_expect(withheld.expect)
        try:
            for text in (withheld.reply_text, withheld.say_text):
                if text:
                    await self.speak(text)
        except Exception as err:  # noqa: BLE001
            await self._degrade("tts", f"could not say the held reply: {err!r}")

    async def _more_words(self) -> SpokenTurn | None:
        """The turn stopped on "для", "і", "ну": give the caller a moment to go on. Their next
        utterance if they do (it joins this turn), else None."""
        wait_s = self._settings.unfinished_turn_wait_ms / 1000
        if wait_s <= 0:
            return None
        deadline = time.monotonic() + wait_s
        give_up = time.monotonic() + MORE_WORDS_MAX_S
        while not self._ending:
            now = time.monotonic()
            if not self._turns.empty():
                item = self._turns.get_nowait()
                if isinstance(item, SpokenTurn):
                    return item
                self._turns.put_nowait(item)  # keys: a turn of their own, after this one
                return None
            if self._endpointer.in_speech:
                deadline = now + 0.1  # still talking: wait for the end of their utterance
            if now >= min(deadline, give_up):
                return None
            await asyncio.sleep(0.02)
        return None

    async def _send_turn(self, turn: CallerTurn, timing: TurnTiming) -> TurnResult:
        """The turn's update and its result.

        A slow agent step is waited for (up to UPDATE_TIMEOUT_S); a Temporal that stopped
        answering is not: the probe notices within about a second and a half. Then the caller
        hears the filler, and if Temporal answers again within ``temporal_outage_grace_s`` (a
        restart) the turn is sent again, with the same update id, so the server runs it once
        whether or not it took the first send; otherwise the error goes up (apology, operator).
        """
        deadline = time.monotonic() + UPDATE_TIMEOUT_S
        grace_until: float | None = None
        while True:
            probe = asyncio.create_task(self._temporal_gone())
            try:
                wait_s = max(0.0, deadline - time.monotonic())
                return await _within(wait_s, _first_of(send_turn(self._workflow, turn), probe))
            except (RPCError, TemporalUnreachable) as err:
                if isinstance(err, RPCError) and not is_transient(err):
                    raise
                gone_at = time.monotonic()
                if grace_until is None:
                    grace_until = gone_at + self._settings.temporal_outage_grace_s
                    log.warning("call %s: turn %d: Temporal unreachable (%s); waiting for it", self.call_id,
                                turn.turn_id, err)
                    self._say_filler(timing)
                if not await self._temporal_back(grace_until):
                    raise
                deadline += time.monotonic() - gone_at  # the outage does not count against the turn
                log.info("call %s: Temporal is back; turn %d sent again", self.call_id, turn.turn_id)
            finally:
                probe.cancel()

    async def _temporal_gone(self) -> None:
        """Return never while Temporal answers its health check; raise once it does not."""
        service = self.ctx.temporal.service_client
        while True:
            await asyncio.sleep(PROBE_AFTER_S)
            try:
                healthy = await _within(PROBE_TIMEOUT_S, service.check_health())
            except Exception as err:  # noqa: BLE001 - unreachable, refused, timed out: all the same here
                raise TemporalUnreachable(f"Temporal does not answer its health check ({err or 'timed out'})") from err
            if not healthy:
                raise TemporalUnreachable("Temporal reports itself unhealthy")

    async def _temporal_back(self, until: float) -> bool:
        """Wait (until ``until``) for Temporal to answer its health check again: True if it did."""
        service = self.ctx.temporal.service_client
        while not self._ending:
            try:
                if await _within(PROBE_TIMEOUT_S, service.check_health()):
                    return True
            except Exception:  # noqa: BLE001 - still gone
                pass
            left = until - time.monotonic()
            if left <= 0:
                return False
            await asyncio.sleep(min(TEMPORAL_BACK_EVERY_S, left))
        return False

    async def _no_dead_air(self) -> None:
        """No dead air while a turn is with the workflow. Nothing said ``filler_after_ms`` after
        the turn was sent: "Хвилинку, перевіряю."; from then on, whenever the line has been quiet
        for ``filler_again_after_ms`` and the turn is not over, "Ще секунду, будь ласка." /
        "Дякую за терпіння, ще мить." in turn, up to ``STILL_WAITING_MAX`` times. That covers a
        reply that has not begun (Claude retrying, a slow engine) and one that stopped after its
        first words (a model call after a tool call that hangs, a slow store). Cancelled as soon
        as the workflow answers."""
        settings = self._settings
        quiet_since = time.monotonic()
        wait_s = settings.filler_after_ms / 1000
        checked, still = False, 0
        while still < STILL_WAITING_MAX:
            now = time.monotonic()
            if not self._may_fill():
                quiet_since = now
                wait_s = settings.filler_again_after_ms / 1000  # something was said: now the quiet counts
            elif now - quiet_since >= wait_s:
                if not checked and not self._playback.reply_reached_caller():
                    self._say_filler(None, Phrase.CHECKING)
                else:
                    self._say_filler(None, STILL_WAITING_PHRASES[still % len(STILL_WAITING_PHRASES)])
                    still += 1
                checked = True
                quiet_since, wait_s = time.monotonic(), settings.filler_again_after_ms / 1000
                continue
            await asyncio.sleep(min(DEAD_AIR_TICK_S, max(0.0, quiet_since + wait_s - now)))

    def _may_fill(self) -> bool:
        """The line is quiet and a filler would talk over nobody and cut nothing off."""
        return (
            not self._playback.is_playing and not self._ending and not self._interrupted
            and self._barge is None and not self._endpointer.in_speech
        )

    def _say_filler(self, timing: TurnTiming | None, phrase: Phrase = Phrase.CHECKING) -> bool:
        """A filler unless the turn has been heard from (or is over, or interrupted)."""
        if (timing is None or timing.first_audio_at is None) and self._may_fill():
            metrics.FILLERS.inc()
            self._playback.play(self.ctx.phrases.get(phrase, self.rate))  # not words of the reply
            return True
        return False

    async def _follow(self, outcome: TurnResult) -> None:
        self._last_outcome = outcome
        if self._ending:
            return
        if self._continues == outcome.turn_id:
            if outcome.revocable:
                self._withheld = outcome  # the next turn takes this one back: nothing of it is said
                return
            # Something was done (an order placed, a transfer): the caller must hear it.
            self._continues = None
        self._set_expect(outcome.expect)
        apology = outcome.say_text is not None and outcome.say_text.startswith(PHRASES[Phrase.APOLOGY])
        if apology:
            # The workflow failed over: the agent step (the LLM, or the TTS it streams into) broke.
            self._count_degraded("tts" if self._tts_failed else "agent", "the agent step failed; the workflow failed over")
        if outcome.next == NextAction.TRANSFER and not operators_available(self._settings):
            await self._promise_callback(apology, outcome.transfer.summary if outcome.transfer else "")
            return
        if outcome.say_text:
            # The workflow's own words (goodbye, transfer notice, apology) are a decision, not
            # part of the reply the caller may have interrupted: they are always said.
            self._interrupted = False
            try:
                await self.speak(outcome.say_text)
            except Exception as err:  # noqa: BLE001
                await self._degrade("tts", f"could not say the workflow's words: {err!r}")
                return
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

    def _set_expect(self, expect: ExpectedReply) -> None:
        """What the agent asked for: DTMF handling here, end-of-turn silence in the endpointer."""
        self._expect = expect
        self._endpointer.expect(expect)

    # --- no dead air, no endless calls -------------------------------------------------

    async def _watch(self) -> None:
        """Timers of the call: DTMF pause, call length, caller silence; playout counters."""
        settings = self._settings
        while True:
            await asyncio.sleep(WATCH_PERIOD_S)
            self._flush_playout_stats()
            if self._ending is not None:
                continue
            now = time.monotonic()
            if self._keys and now >= self._keys_deadline:
                self._submit_keys(self._keys, now)
            elapsed = now - self._call_started
            if elapsed >= settings.max_call_seconds:
                self._spawn(self._close_call("max_duration", Phrase.MAX_DURATION))
                continue
            listening = self._listening()
            warn_s = settings.max_call_warning_s
            if (
                listening and not self._warned and warn_s > 0 and settings.max_call_seconds > 2 * warn_s
                and elapsed >= settings.max_call_seconds - warn_s
            ):
                self._warned = True
                self._playback.begin_reply()
                self._play_phrase(Phrase.TIME_WARNING)
                continue
            if not listening:
                self._quiet_since = now
            elif now - self._quiet_since >= settings.no_input_reprompt_s:
                self._quiet_since = now
                self._silences += 1
                if self._silences > settings.no_input_max_reprompts:
                    self._spawn(self._close_call("no_input", Phrase.NO_INPUT_GOODBYE))
                else:
                    metrics.REPROMPTS.inc()
                    log.info("call %s: no input, reprompt %d", self.call_id, self._silences)
                    self._playback.begin_reply()
                    self._play_phrase(Phrase.REPROMPT)

    def _listening(self) -> bool:
        """Waiting for the caller: nothing playing, nothing with the workflow, nobody speaking."""
        return (
            self._started.is_set()
            and not self._busy
            and self._turns.empty()
            and not self._playback.is_playing
            and not self._speak_lock.locked()
            and not self._endpointer.in_speech
            and not self._keys
            and self._barge is None
        )

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _close_call(self, reason: str, phrase: Phrase) -> None:
        """End the call politely at the edge's own initiative (no input, call too long)."""
        if self._ending:
            return
        self._ending = reason
        log.info("call %s: closing (%s)", self.call_id, reason)
        self._barge = None
        self._playback.drop()
        self._playback.begin_reply()
        self._play_phrase(phrase)
        self.ctx.registry.set_disposition(self.call_id, Disposition(action=DispositionAction.HANGUP))
        await self._end(reason)

    # --- degraded paths ------------------------------------------------------------------

    def _count_degraded(self, reason: str, detail: str) -> None:
        metrics.DEGRADED.labels(reason=reason).inc()
        log.warning(
            "call %s from %s: degraded (%s): %s", self.call_id,
            mask_phone(self.registration.caller_number) or "unknown", reason, detail,
        )

    async def _degrade(self, reason: str, detail: str) -> None:
        """Temporal, the agent or an engine is gone: apologise, and hand the caller to a person
        (or, with no operator there, promise a callback)."""
        if self._ending:
            return
        self._ending = "error"
        self._count_degraded(reason, detail)
        self._interrupted = True  # nothing more of the reply that broke
        if self._barge is not None:
            self._barge = None
            self._playback.resume()
        if not operators_available(self._settings):
            # Ended as "callback", so the workflow records it and opens the back office's task.
            await self._promise_callback(True, "")
            return
        self._play_phrase(Phrase.APOLOGY)
        self.ctx.registry.set_disposition(
            self.call_id,
            Disposition(action=DispositionAction.TRANSFER, queue="operators", caller_name=TRANSFER_CALLER_NAME),
        )
        self._play_phrase(Phrase.TRANSFER)
        await self._end("error")

    async def _promise_callback(self, apology: bool, summary: str) -> None:
        """A transfer with no operator there: the shop calls the caller back instead."""
        self._ending = "callback"
        log.info("call %s: no operators now; a callback is promised", self.call_id)
        self._interrupted = True
        if apology:
            self._play_phrase(Phrase.APOLOGY)
        self._play_phrase(Phrase.CALLBACK)
        self.ctx.registry.set_disposition(
            self.call_id,
            Disposition(action=DispositionAction.CALLBACK, caller_name=summary or CALLBACK_CALLER_NAME),
        )
        await self._end("callback")

    async def _end(self, reason: str) -> None:
        """Let the last words play out (bounded), then end the AudioSocket leg (the dialplan goes on)."""
        self._ending = reason
        with suppress(TimeoutError):
            await asyncio.wait_for(self.conn.wait_idle(), self.conn.queued_ms / 1000 + IDLE_GRACE_S)
        await self.conn.hangup()

    async def _signal_hangup(self, reason: str) -> None:
        """Always tell the workflow, even if its start timed out: a Signal waits for a worker.
        If Temporal cannot take it now (down, restarting), it is sent again in the background."""
        at = datetime.now(UTC)  # when it happened, however late the signal lands
        try:
            await _within(SIGNAL_TIMEOUT_S, end_call(self._workflow, reason, at, heard=self._waited))
            return
        except (RPCError, TimeoutError) as err:
            if not is_transient(err):
                log.error("call %s: hangup signal failed: %s", self.call_id, err)
                return
            log.warning("call %s: hangup signal failed (%s); sending it again in the background",
                        self.call_id, err or "timed out")
        self.ctx.deliver_in_background(lambda: end_call(self._workflow, reason, at, heard=self._waited),
                                       call_id=self.call_id,
                                       what="hangup signal", since=at, wait_first=True)

    # --- agent audio ------------------------------------------------------------------

    async def speak(self, text: str) -> None:
        """SpeechSink: synthesise and queue for paced playout (cached phrases play at once)."""
        if self._interrupted or self._ending:
            return
        if self._timing is not None and self._timing.first_text_at is None:
            self._timing.first_text_at = time.monotonic()
        cached = self._cached(text)
        if cached is not None:
            for phrase_text, pcm in cached:
                self._playback.play(pcm, text=phrase_text)
            return
        async with self._speak_lock:
            if self._interrupted or self._ending:
                return
            try:
                await self._synthesize(text)
            except Exception as err:
                self._tts_failed = True
                log.error("call %s: TTS failed: %r", self.call_id, err)
                raise

    async def _synthesize(self, text: str) -> None:
        CURRENT_CALL.set(self.call_id)  # a simulated engine latency is booked to this call
        resampler = StreamResampler(self.ctx.tts.sample_rate, self.rate)
        sentence = self._playback.open_sentence(text)
        started = time.perf_counter()
        first = True
        # aclosing: a barge-in mid-sentence stops the synthesis at once, not at its end.
        async with aclosing(self.ctx.tts.synthesize(text)) as chunks:
            stream = aiter(chunks)
            while True:
                try:
                    chunk = await asyncio.wait_for(anext(stream), TTS_CHUNK_TIMEOUT_S)
                except StopAsyncIteration:
                    break
                if self._interrupted:
                    return
                if first:
                    metrics.TTS_FIRST_AUDIO.observe(time.perf_counter() - started)
                    first = False
                self._playback.extend(sentence, resampler.process(chunk))
        self._playback.extend(sentence, resampler.flush())

    def _cached(self, text: str) -> list[tuple[str, bytes]] | None:
        """The text as a run of cached phrases (e.g. apology + transfer notice), or None."""
        parts: list[tuple[str, bytes]] = []
        rest = text.strip()
        while rest:
            for key, phrase in self.ctx.phrases.phrases.items():
                if rest.startswith(phrase):
                    parts.append((phrase, self.ctx.phrases.get(key, self.rate)))
                    rest = rest[len(phrase) :].lstrip()
                    break
            else:
                return None
        return parts

    def _play_phrase(self, phrase: Phrase) -> None:
        self._playback.play(self.ctx.phrases.get(phrase, self.rate), text=self.ctx.phrases.text(phrase))

    def _on_agent_audio(self, at: float) -> None:
        timing, self._timing = self._timing, None
        if timing is not None:
            self._reply_audio_at = timing.first_audio_at = at
            metrics.FIRST_AUDIO.observe(max(0.0, at - timing.speech_end_at))
            metrics.TURN_OVERHEAD.observe(max(0.0, at - timing.detected_at))
            self.ctx.turn_log.append(timing)
            self._waited.append(HeardLatency(turn_id=timing.turn_id,
                                             first_audio_ms=round(max(0.0, at - timing.speech_end_at) * 1000, 1),
                                             overhead_ms=round(max(0.0, at - timing.detected_at) * 1000, 1)))

    def _flush_playout_stats(self, *, final: bool = False) -> None:
        clock = self.conn.playout
        metrics.FRAMES_OUT.inc(clock.frames_out - self._frames_out_seen)
        metrics.UNDERRUNS.inc(clock.underruns - self._underruns_seen)
        self._frames_out_seen, self._underruns_seen = clock.frames_out, clock.underruns
        if final:
            jitter = clock.jitter()
            if jitter.count:
                metrics.PLAYOUT_JITTER.observe(jitter.p95_ms / 1000)
