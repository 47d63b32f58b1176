"""What the ops view shows of the calls live on this edge: when each began and what it is doing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from media_edge.session import CallSession


class TimedSessions(dict[str, "CallSession"]):
    """``CallRegistry.sessions`` that also remembers when each session was added (UTC)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        now = datetime.now(UTC)
        self.started_at: dict[str, datetime] = dict.fromkeys(self, now)

    def __setitem__(self, key: str, value: CallSession) -> None:
        self.started_at.setdefault(key, datetime.now(UTC))
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.started_at.pop(key, None)
        super().__delitem__(key)

    def pop(self, key: str, *default: Any) -> Any:
        self.started_at.pop(key, None)
        return super().pop(key, *default)


def session_state(session: Any) -> str:
    """starting (workflow not up yet), listening, speaking (agent audio playing) or ending.

    Reads the session defensively: the speech loop owns these attributes and may rename them.
    """
    conn = getattr(session, "conn", None)
    if getattr(conn, "closed", False) or getattr(session, "_ending", None):
        return "ending"
    started = getattr(session, "_started", None)
    if started is not None and not started.is_set():
        return "starting"
    if getattr(conn, "is_playing", False):
        return "speaking"
    return "listening"
