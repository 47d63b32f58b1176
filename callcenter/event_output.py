"""A call's events as people read them (one line each) or as machines do (one JSON object a line).

Text chat and the call simulator both print this way; each brings its own wording of an event.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TextIO

Event = dict[str, Any]  # always has "event": its kind


class EventOutput:
    def __init__(self, out: TextIO | None, *, as_json: bool, as_text: Callable[[Event], str]) -> None:
        self._out = out
        self._as_json = as_json
        self._as_text = as_text

    def emit(self, event: Event) -> None:
        if self._out is None:
            return
        line = json.dumps(event, ensure_ascii=False) if self._as_json else self._as_text(event)
        self._out.write(line + "\n")
        self._out.flush()
