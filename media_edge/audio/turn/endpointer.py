"""End-of-turn detection from per-frame VAD decisions.

The endpointer turns a stream of (frame arrival time, speech?) pairs into turn events:

* ``SpeechStarted``: the onset guard confirmed speech, ``onset_ms`` of it within the last
  ``onset_window_ms``. A click, a cough or a short "угу" does not start a turn, and so does not
  barge in over the agent either: the session uses this same event for barge-in.
* ``SpeechEnded``: enough non-speech audio after speech, for an utterance at least
  ``min_speech_ms`` long. ``speech_end_at`` is when the last speech frame ended: the "caller
  stopped speaking" instant that the turn latency is measured from. ``detected_at`` is when the
  silence threshold fired.
* ``SpeechDiscarded``: a turn started but ended shorter than ``min_speech_ms`` (a noise burst);
  the session should treat it as no turn (resume anything it paused, no STT final).

How much silence ends a turn is adaptive (``SilencePolicy``): the session says per turn what the
agent asked for (``expect(ExpectedReply.YES_NO)``); a yes/no answer ends after ~250 ms, an open
answer after ~400 ms, dictated digits after ~900 ms, and an open answer gets extra patience while
it is still short (the caller has only begun) or when its last sound trails off on a held, slowly
fading level (a hesitation "е-е-е", "ну-у"), which is what a mid-sentence pause sounds like.
The level comes with each frame (``level_db``); without it only the length rule applies.

Time is kept two ways on purpose: event timestamps are the frames' monotonic *arrival* times
(what latency is measured in), while silence is counted in *audio* duration (sum of frame lengths),
so network jitter that bunches frames together neither ends a turn early nor late.

Pure Python, no asyncio; a frame costs a few attribute updates.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from workflows.models import ExpectedReply

if TYPE_CHECKING:
    from callcenter.settings import Settings
    from media_edge.audio.vad.base_vad import Vad

# Speech that begins this soon after the agent's first sound of a reply was under way already: no
# one reacts to speech within 300 ms. It continues the caller's own turn (the session takes the
# reply back) rather than answering the reply.
CONTINUATION_WINDOW_S = 0.3


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    at: float  # when the speech began (start of the first speech frame of the onset), monotonic s
    detected_at: float  # arrival of the frame that confirmed the onset


@dataclass(frozen=True, slots=True)
class SpeechEnded:
    speech_end_at: float  # end of the last speech frame: the caller's end of speech, monotonic s
    detected_at: float  # arrival of the frame that completed the required silence
    speech_ms: float  # utterance length, start of speech to speech_end_at
    silence_ms: float = 0.0  # the silence that ended this turn (what the policy asked for)


@dataclass(frozen=True, slots=True)
class SpeechDiscarded:
    at: float  # when the (too short) speech began
    detected_at: float
    speech_ms: float


TurnEvent = SpeechStarted | SpeechEnded | SpeechDiscarded


@dataclass(frozen=True, slots=True)
class SilencePolicy:
    """How much silence ends a turn, by what the agent asked and how the speech so far sounds.

    Args:
        open_ms: an open answer of normal length that ended cleanly.
        yes_no_ms: the answer to a yes/no question, while it is short enough to be one.
        digits_ms: a number being dictated (callers pause between digit groups).
        hesitation_ms: an open answer still shorter than ``short_speech_ms``, or one whose last
            sound trailed off (see ``Endpointer``); 0 turns this patience off.
        short_speech_ms: below this much speech an open answer has likely only begun.
        yes_no_max_speech_ms: a longer answer to a yes/no question is an open answer.
    """

    open_ms: float = 400.0
    yes_no_ms: float = 250.0
    digits_ms: float = 900.0
    hesitation_ms: float = 700.0
    short_speech_ms: float = 600.0
    yes_no_max_speech_ms: float = 1000.0

    @classmethod
    def fixed(cls, silence_ms: float) -> SilencePolicy:
        """The same silence whatever was asked (no adaptation)."""
        return cls(silence_ms, silence_ms, silence_ms, 0.0, 0.0, 0.0)

    @classmethod
    def from_settings(cls, settings: Settings) -> SilencePolicy:
        return cls(
            open_ms=settings.end_of_turn_silence_ms,
            yes_no_ms=settings.end_of_turn_yes_no_ms,
            digits_ms=settings.end_of_turn_digits_ms,
            hesitation_ms=settings.end_of_turn_hesitation_ms,
            short_speech_ms=settings.end_of_turn_short_speech_ms,
        )

    def silence_ms(self, expect: ExpectedReply, speech_ms: float, trailing_off: bool) -> float:
        """The silence that ends a turn with ``speech_ms`` of speech so far."""
        if expect is ExpectedReply.DIGITS:
            return self.digits_ms
        if expect is ExpectedReply.YES_NO and speech_ms <= self.yes_no_max_speech_ms:
            return self.yes_no_ms
        if speech_ms < self.short_speech_ms or trailing_off:
            return max(self.open_ms, self.hesitation_ms)
        return self.open_ms


class OnsetGuard:
    """Confirms speech once ``onset_ms`` of speech frames fall within ``window_ms`` of audio.

    Requiring an amount of speech rather than a run of consecutive frames lets one misjudged
    frame inside a word pass, while a click or cough (a frame or a few) never adds up.
    """

    __slots__ = ("onset_ms", "window_ms", "_window", "_audio_ms", "_speech_ms")

    def __init__(self, onset_ms: float = 150.0, window_ms: float | None = None) -> None:
        window_ms = onset_ms + 60.0 if window_ms is None else window_ms
        if onset_ms > window_ms:
            raise ValueError("onset_ms must fit inside onset_window_ms")
        self.onset_ms = onset_ms
        self.window_ms = window_ms
        self._window: deque[tuple[float, bool, float]] = deque()  # (arrival, speech, frame ms)
        self.reset()

    def reset(self) -> None:
        self._window.clear()
        self._audio_ms = 0.0
        self._speech_ms = 0.0

    def update(self, is_speech: bool, at: float, ms: float) -> float | None:
        """Feed one frame; once speech is confirmed return when it began (and start over)."""
        w = self._window
        w.append((at, is_speech, ms))
        self._audio_ms += ms
        if is_speech:
            self._speech_ms += ms
        while self._audio_ms > self.window_ms + 1e-6:
            _, old_speech, old_ms = w.popleft()
            self._audio_ms -= old_ms
            if old_speech:
                self._speech_ms -= old_ms
        if not is_speech or self._speech_ms < self.onset_ms - 1e-6:
            return None
        # Speech began where the first speech frame still in the window began.
        began = next(f_at - f_ms / 1000.0 for f_at, f_speech, f_ms in w if f_speech)
        self.reset()
        return began


class _State(Enum):
    SILENCE = 0
    SPEECH = 1


class Endpointer:
    """Per-call state machine. Feed every frame in order with ``process`` (or ``feed``).

    Args:
        end_silence_ms: a fixed end-of-turn silence for every kind of reply (the behaviour before
            ``SilencePolicy``); ignored when ``policy`` is given. Default: ``SilencePolicy()``.
        onset_ms, onset_window_ms: the onset guard (``OnsetGuard``); the window defaults to
            ``onset_ms + 60``.
        min_speech_ms: a turn shorter than this is discarded as noise.
        frame_ms: the frame length assumed when ``process`` is not told.
        policy: the adaptive end-of-turn silences.
        hesitation_window_ms, hesitation_range_db, hesitation_rise_db: a pause counts as a
            trailing hesitation when the last ``hesitation_window_ms`` of speech before it stayed
            within ``hesitation_range_db`` and never climbed more than ``hesitation_rise_db``
            above its lowest point so far: a held or slowly fading sound. Running speech has a
            syllable onset (a 5-20 dB climb) in any 300 ms, so a clean sentence end does not match.
    """

    def __init__(
        self,
        end_silence_ms: float | None = None,
        onset_ms: float = 150.0,
        onset_window_ms: float | None = None,
        min_speech_ms: float = 200.0,
        frame_ms: float = 20.0,
        *,
        policy: SilencePolicy | None = None,
        hesitation_window_ms: float = 300.0,
        hesitation_range_db: float = 12.0,
        hesitation_rise_db: float = 4.0,
    ) -> None:
        if policy is None:
            policy = SilencePolicy() if end_silence_ms is None else SilencePolicy.fixed(end_silence_ms)
        self.policy = policy
        self.expected = ExpectedReply.OPEN
        self._onset = OnsetGuard(onset_ms, onset_window_ms)
        self.min_speech_ms = min_speech_ms
        self.frame_ms = frame_ms
        self.hesitation_range_db = hesitation_range_db
        self.hesitation_rise_db = hesitation_rise_db
        self._levels_needed = max(2, round(hesitation_window_ms / frame_ms))
        self._levels: deque[float] = deque(maxlen=self._levels_needed)
        self.reset()

    @classmethod
    def from_settings(cls, settings: Settings) -> Endpointer:
        return cls(onset_ms=settings.speech_onset_ms, policy=SilencePolicy.from_settings(settings))

    # -- configuration ---------------------------------------------------------------------

    @property
    def onset_ms(self) -> float:
        return self._onset.onset_ms

    @property
    def end_silence_ms(self) -> float:
        """The open-answer silence."""
        return self.policy.open_ms

    def expect(self, reply: ExpectedReply) -> None:
        """What the agent just asked for; holds for the following turns until changed. Safe to
        call mid-utterance (the caller may start answering before the question has ended)."""
        self.expected = reply

    # -- state -----------------------------------------------------------------------------

    @property
    def in_speech(self) -> bool:
        return self._state is _State.SPEECH

    def reset(self) -> None:
        """Forget the current utterance (the expected reply is kept)."""
        self._state = _State.SILENCE
        self._onset.reset()
        self._levels.clear()
        self._started_at = 0.0
        self._last_speech_end = 0.0
        self._silence_ms = 0.0
        self._trailing_off = False

    def end_now(self, at: float) -> SpeechEnded | None:
        """The line went down mid-utterance: end the turn here, without its silence. None if
        there was no utterance, or too little of one to be words."""
        if self._state is not _State.SPEECH:
            self.reset()
            return None
        started_at, speech_end_at = self._started_at, self._last_speech_end
        speech_ms = (speech_end_at - started_at) * 1000.0
        self.reset()
        if speech_ms < self.min_speech_ms:
            return None
        return SpeechEnded(speech_end_at=speech_end_at, detected_at=at, speech_ms=speech_ms, silence_ms=0.0)

    # -- frames ----------------------------------------------------------------------------

    def feed(self, vad: Vad, frame: bytes, rate: int, at: float) -> TurnEvent | None:
        """Classify one frame of s16le PCM with ``vad`` and process it (level and length included)."""
        ms = (len(frame) >> 1) * 1000.0 / rate if rate > 0 else self.frame_ms
        speech = vad.is_speech(frame, rate)
        return self.process(speech, at, ms, level_db=vad.level_db(frame) if speech else None)

    def process(
        self, is_speech: bool, at: float, frame_ms: float | None = None, level_db: float | None = None
    ) -> TurnEvent | None:
        """Feed one frame: its VAD decision and monotonic arrival time ``at`` (seconds), taken as
        the end of the frame's audio. ``frame_ms`` defaults to the constructor's (20 ms);
        ``level_db`` (the frame's dBFS) enables the trailing-hesitation rule."""
        ms = self.frame_ms if frame_ms is None else frame_ms
        if self._state is _State.SILENCE:
            began = self._onset.update(is_speech, at, ms)
            if began is None:
                return None
            self._state = _State.SPEECH
            self._started_at = began
            self._last_speech_end = at
            self._silence_ms = 0.0
            self._trailing_off = False
            if level_db is not None:
                self._levels.append(level_db)
            return SpeechStarted(at=began, detected_at=at)
        if is_speech:
            self._last_speech_end = at
            self._silence_ms = 0.0
            if level_db is not None:
                self._levels.append(level_db)
            return None
        if self._silence_ms == 0.0:
            # First frame of a pause: judge once how the speech before it ended.
            self._trailing_off = self._held_tail()
        self._silence_ms += ms
        speech_ms = (self._last_speech_end - self._started_at) * 1000.0
        required = self.policy.silence_ms(self.expected, speech_ms, self._trailing_off)
        if self._silence_ms < required:
            return None
        started_at, speech_end_at = self._started_at, self._last_speech_end
        self.reset()
        if speech_ms < self.min_speech_ms:
            return SpeechDiscarded(at=started_at, detected_at=at, speech_ms=speech_ms)
        return SpeechEnded(
            speech_end_at=speech_end_at, detected_at=at, speech_ms=speech_ms, silence_ms=required
        )

    def _held_tail(self) -> bool:
        """Did the speech before this pause end on a held or slowly fading sound?"""
        levels = self._levels
        if self.policy.hesitation_ms <= 0 or len(levels) < self._levels_needed:
            return False
        if max(levels) - min(levels) > self.hesitation_range_db:
            return False
        lowest = levels[0]
        for level in levels:
            if level > lowest + self.hesitation_rise_db:
                return False  # a syllable onset: the caller was still articulating words
            lowest = min(lowest, level)
        return True
