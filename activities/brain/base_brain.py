"""The brain interface: one agent step over the conversation, shared by Claude and the rules brain.

A brain reads the conversation, calls tools through the `ToolRunner` (read-only tools run at
once; actions with effects are only recorded for the workflow to decide), and says its reply
through `say`, sentence by sentence, so the edge can start speaking before the step ends.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from activities.tools import ToolRunner
from workflows.models import ExpectedReply, Message, Scenario


@dataclass
class StepContext:
    call_id: str
    caller_number: str
    history: list[Message]
    memory: dict[str, Any]  # brain-private state; the workflow keeps it between turns
    tools: ToolRunner
    say: Callable[[str], Awaitable[None]]
    scenarios: set[Scenario] = field(default_factory=set)
    # What the caller was last asked for, and what this reply asks for (the edge tunes its
    # endpointing and DTMF collection to it): set `expect` when the reply asks a yes/no question
    # or for a number.
    asked: ExpectedReply = ExpectedReply.OPEN
    expect: ExpectedReply = ExpectedReply.OPEN

    @property
    def caller_text(self) -> str:
        """The caller's latest utterance (the turn being answered)."""
        for message in reversed(self.history):
            if message.role == "caller":
                return message.text
        return ""


class Brain(ABC):
    name: str

    @abstractmethod
    async def run_step(self, ctx: StepContext) -> None:
        """Answer the caller's latest turn: call tools, say the reply."""
