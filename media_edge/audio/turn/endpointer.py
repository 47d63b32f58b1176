"""End-of-turn detection from per-frame VAD decisions.

The endpointer turns a stream of (frame arrival time, speech?) pairs into turn events:

* ``SpeechStarted``: at least ``onset_ms`` of speech within the last ``onset_window_ms``. A single
  click or a cough frame does not start a turn (and so does not barge in over the agent).
* ``SpeechEnded``: ``end_silence_ms`` of non-speech audio after speech, for an utterance at least
  ``min_speech_ms`` long. ``speech_end_at`` is when the last speech frame ended: the "caller
  stopped speaking" instant that the turn latency is measured from. ``detected_at`` is when the
  silence threshold fired.
* ``SpeechDiscarded``: a turn started but ended shorter than ``min_speech_ms`` (a noise burst);
  the session should treat it as no turn (resume anything it paused, no STT final).

Time is kept two ways on purpose: event timestamps are the frames' monotonic *arrival* times
(what latency is measured in), while silence is counted in *audio* duration (sum of frame lengths),
so network jitter that bunches frames together neither ends a turn early nor late.

Pure Python, no asyncio; a frame costs a few attribute updates.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    at: float  # when the speech began (start of the first speech frame of the onset), monotonic s
    detected_at: float  # arrival of the frame that confirmed the onset


@dataclass(frozen=True, slots=True)
class SpeechEnded:
    speech_end_at: float  # end of the last speech frame: the caller's end of speech, monotonic s
    detected_at: float  # arrival of the frame that completed end_silence_ms of silence
    speech_ms: float  # utterance length, start of speech to speech_end_at


@dataclass(frozen=True, slots=True)
class SpeechDiscarded:
    at: float  # when the (too short) speech began
    detected_at: float
    speech_ms: float


TurnEvent = SpeechStarted | SpeechEnded | SpeechDiscarded


class _State(Enum):
    SILENCE = 0
    SPEECH = 1


class Endpointer:
    """Per-call state machine. Feed every frame in order with ``process``; ``reset`` between uses.

    ``end_silence_ms`` is a plain attribute so the session may adapt it between turns.
    """

    def __init__(
        self,
        end_silence_ms: float = 600.0,
        onset_ms: float = 100.0,
        onset_window_ms: float = 200.0,
        min_speech_ms: float = 200.0,
        frame_ms: float = 20.0,
    ) -> None:
        if onset_ms > onset_window_ms:
            raise ValueError("onset_ms must fit inside onset_window_ms")
        self.end_silence_ms = end_silence_ms
        self.onset_ms = onset_ms
        self.onset_window_ms = onset_window_ms
        self.min_speech_ms = min_speech_ms
        self.frame_ms = frame_ms
        self._window: deque[tuple[float, bool, float]] = deque()  # (arrival, speech, frame ms)
        self.reset()

    @property
    def in_speech(self) -> bool:
        return self._state is _State.SPEECH

    def reset(self) -> None:
        self._state = _State.SILENCE
        self._window.clear()
        self._window_audio_ms = 0.0
        self._window_speech_ms = 0.0
        self._started_at = 0.0
        self._last_speech_end = 0.0
        self._silence_ms = 0.0

    def process(self, is_speech: bool, at: float, frame_ms: float | None = None) -> TurnEvent | None:
        """Feed one frame: its VAD decision and monotonic arrival time ``at`` (seconds), taken as
        the end of the frame's audio. ``frame_ms`` defaults to the constructor's (20 ms)."""
        ms = self.frame_ms if frame_ms is None else frame_ms
        if self._state is _State.SILENCE:
            return self._onset(is_speech, at, ms)
        if is_speech:
            self._last_speech_end = at
            self._silence_ms = 0.0
            return None
        self._silence_ms += ms
        if self._silence_ms < self.end_silence_ms:
            return None
        started_at, speech_end_at = self._started_at, self._last_speech_end
        speech_ms = (speech_end_at - started_at) * 1000.0
        self.reset()
        if speech_ms < self.min_speech_ms:
            return SpeechDiscarded(at=started_at, detected_at=at, speech_ms=speech_ms)
        return SpeechEnded(speech_end_at=speech_end_at, detected_at=at, speech_ms=speech_ms)

    def _onset(self, is_speech: bool, at: float, ms: float) -> SpeechStarted | None:
        w = self._window
        w.append((at, is_speech, ms))
        self._window_audio_ms += ms
        if is_speech:
            self._window_speech_ms += ms
        # Slide: keep at most onset_window_ms of audio.
        while self._window_audio_ms > self.onset_window_ms + 1e-6:
            _, old_speech, old_ms = w.popleft()
            self._window_audio_ms -= old_ms
            if old_speech:
                self._window_speech_ms -= old_ms
        if not is_speech or self._window_speech_ms < self.onset_ms - 1e-6:
            return None
        # Onset confirmed: speech began where the first speech frame still in the window began.
        for f_at, f_speech, f_ms in w:
            if f_speech:
                self._started_at = f_at - f_ms / 1000.0
                break
        self._state = _State.SPEECH
        self._last_speech_end = at
        self._silence_ms = 0.0
        w.clear()
        self._window_audio_ms = 0.0
        self._window_speech_ms = 0.0
        return SpeechStarted(at=self._started_at, detected_at=at)
