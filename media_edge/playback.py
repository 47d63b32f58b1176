"""What the agent says on one call, as it goes to the wire: pause and resume, and what was heard.

The session queues all agent audio through ``Playback`` rather than straight into the
connection's playout clock, so that:

* a possible barge-in can *pause* the agent at once (the queued audio is taken off the wire and
  kept), and *resume* it if the sound turns out to be a cough or a click, or *drop* it if the
  caller really talks over the agent;
* the workflow learns exactly what the caller heard of a reply: each sentence's audio is placed
  on one timeline, and the played position is "everything queued minus what is still queued";
  within a sentence the heard part is proportional to the audio played (by words).

Positions are bytes of s16le PCM at the call's rate. Pure bookkeeping on the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class AudioOut(Protocol):
    """The connection side Playback needs (``AudioSocketConnection`` has it)."""

    rate: int

    def send_audio(self, pcm: bytes) -> None: ...

    def clear_audio(self) -> int: ...

    @property
    def is_playing(self) -> bool: ...

    @property
    def queued_ms(self) -> int: ...


@dataclass
class Segment:
    """One sentence of a reply on the timeline: [start, end) in bytes."""

    text: str
    start: int
    end: int


class Playback:
    def __init__(self, conn: AudioOut) -> None:
        self._conn = conn
        self._audio = bytearray()  # queued since the timeline position `_base`, for resuming
        self._base = 0
        self._segments: list[Segment] = []  # the current reply's sentences
        self._held: bytearray | None = None  # paused: audio kept off the wire

    # -- state ---------------------------------------------------------------------------------

    @property
    def is_playing(self) -> bool:
        """Agent audio is on its way to the wire, or held by a pause."""
        return self._conn.is_playing or bool(self._held)

    @property
    def _end(self) -> int:
        return self._base + len(self._audio)

    def _bytes_per_ms(self) -> float:
        return self._conn.rate * 2 / 1000.0

    def played_position(self) -> int:
        """Timeline position of the last byte written to the wire (to within a 20 ms frame)."""
        if self._held is not None:
            return self._end - len(self._held)
        queued = min(len(self._audio), round(self._conn.queued_ms * self._bytes_per_ms()))
        return self._end - queued

    # -- replies -------------------------------------------------------------------------------

    def begin_reply(self) -> None:
        """A new reply starts: what the caller hears from now on is measured against it."""
        played = self.played_position()
        del self._audio[: played - self._base]
        self._base = played
        self._segments.clear()

    def play(self, pcm: bytes, text: str | None = None) -> None:
        """Queue audio; with ``text`` it starts a sentence of the reply, without it audio that
        is not part of the reply's words (a filler) or continues the last sentence (see
        ``extend``)."""
        if text is None:
            self._queue(pcm)
        else:
            self.extend(self.open_sentence(text), pcm)

    def extend(self, segment: Segment, pcm: bytes) -> None:
        """More audio of a sentence being synthesised (streamed chunks)."""
        if pcm and segment.end == segment.start:
            # Its first audio: a filler queued while it was being synthesised comes before it.
            segment.start = segment.end = self._end
        self._queue(pcm)
        segment.end = self._end

    def open_sentence(self, text: str) -> Segment:
        """A sentence whose audio will arrive in chunks (``extend``)."""
        segment = Segment(text, self._end, self._end)
        self._segments.append(segment)
        return segment

    def _queue(self, pcm: bytes) -> None:
        if not pcm:
            return
        self._audio += pcm
        if self._held is not None:
            self._held += pcm
        else:
            self._conn.send_audio(pcm)

    def heard_text(self) -> str:
        """The words of the current reply that have reached the caller."""
        played = self.played_position()
        heard: list[str] = []
        for seg in self._segments:
            if seg.end <= seg.start:
                break  # opened, no audio yet (being synthesised): nothing of it was played
            if seg.end <= played:
                heard.append(seg.text)
                continue
            if seg.start < played < seg.end:
                words = seg.text.split()
                n = round(len(words) * (played - seg.start) / (seg.end - seg.start))
                if n:
                    heard.append(" ".join(words[:n]))
            break
        return " ".join(heard)

    def reply_reached_caller(self) -> bool:
        """Has any audio of the current reply's words been played (a filler does not count)?"""
        played = self.played_position()
        return any(seg.start < min(seg.end, played) for seg in self._segments)

    # -- barge-in ------------------------------------------------------------------------------

    def pause(self) -> None:
        """Take the queued audio off the wire at once and keep it (and anything queued later)."""
        if self._held is not None:
            return
        dropped_ms = self._conn.clear_audio()
        dropped = min(len(self._audio), round(dropped_ms * self._bytes_per_ms()))
        dropped -= dropped % 2
        self._held = bytearray(self._audio[len(self._audio) - dropped :])

    def resume(self) -> None:
        """It was not a barge-in: play what was held, from where it stopped."""
        held, self._held = self._held, None
        if held:
            self._conn.send_audio(bytes(held))

    def drop(self) -> str:
        """The caller talks over the agent: forget the rest of the reply (paused or playing);
        return what the caller heard of it."""
        if self._held is None:
            self.pause()
        heard = self.heard_text()
        assert self._held is not None
        if self._held:
            del self._audio[len(self._audio) - len(self._held) :]
        self._held = None
        self._segments.clear()
        return heard
