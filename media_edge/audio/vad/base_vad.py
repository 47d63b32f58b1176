"""Voice activity detection: is there speech in this frame?

The media edge asks once per 20 ms frame, on the event loop, so implementations must be cheap
(microseconds) and must never raise on odd input: a phone call does not stop because Asterisk sent a
short last frame.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from media_edge.audio.level import frame_level_db


class Vad(ABC):
    """Frame-level speech / non-speech classifier. One instance per call (it may keep state)."""

    name: str = "vad"

    @abstractmethod
    def is_speech(self, frame: bytes, rate: int) -> bool:
        """Classify one frame of 16-bit LE mono PCM at ``rate`` Hz (normally 20 ms).

        Any rate Asterisk can send (8k-192k) and any length must be accepted; implementations
        pad, split or buffer as needed, and answer ``False`` when they cannot tell yet.
        """

    def reset(self) -> None:
        """Forget any state carried between frames (e.g. after playback or a new turn)."""

    def level_db(self, frame: bytes) -> float:
        """The level of ``frame`` (the one just classified) in dBFS. A VAD that measured it
        to classify it answers from that; the others measure it now."""
        return frame_level_db(frame)
