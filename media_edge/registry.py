"""What the edge knows about calls outside the audio: registrations, live sessions, dispositions.

AudioSocket carries no caller ID, so the dialplan registers each call (keyed by its UUID)
before the AudioSocket leg, and asks for the call's disposition after it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:
    from media_edge.session import CallSession

REGISTRATION_TTL_S = 600.0
DISPOSITION_TTL_S = 600.0


class CallRegistration(BaseModel):
    caller_number: str = ""
    dialled_number: str = ""
    channel: str = ""


class DispositionAction(StrEnum):
    TRANSFER = "transfer"  # send the caller to the operators' queue
    HANGUP = "hangup"  # the conversation is over
    CALLBACK = "callback"  # no operator now: the caller was told the shop calls back; hang up
    UNKNOWN = "unknown"  # no such call (or not finished): the dialplan falls back to operators


class Disposition(BaseModel):
    action: DispositionAction
    queue: str = ""
    caller_name: str = ""  # short summary shown to the operator


@dataclass
class _Timed[T]:
    value: T
    at: float = field(default_factory=time.monotonic)


class CallRegistry:
    def __init__(self) -> None:
        self._registrations: dict[str, _Timed[CallRegistration]] = {}
        self._dispositions: dict[str, _Timed[Disposition]] = {}
        self.sessions: dict[str, CallSession] = {}

    def register(self, call_id: str, registration: CallRegistration) -> None:
        self._expire()
        self._registrations[call_id.lower()] = _Timed(registration)

    def take_registration(self, call_id: str) -> CallRegistration | None:
        timed = self._registrations.pop(call_id.lower(), None)
        return timed.value if timed else None

    def set_disposition(self, call_id: str, disposition: Disposition) -> None:
        self._expire()
        self._dispositions[call_id.lower()] = _Timed(disposition)

    def disposition(self, call_id: str) -> Disposition:
        timed = self._dispositions.get(call_id.lower())
        return timed.value if timed else Disposition(action=DispositionAction.UNKNOWN)

    def sink_for(self, call_id: str) -> CallSession | None:
        """The SpeechSink for the agent step: the live session of the call, if on this edge."""
        return self.sessions.get(call_id.lower())

    def _expire(self) -> None:
        now = time.monotonic()
        for table, ttl in ((self._registrations, REGISTRATION_TTL_S), (self._dispositions, DISPOSITION_TTL_S)):
            for key in [k for k, v in table.items() if now - v.at > ttl]:
                del table[key]
