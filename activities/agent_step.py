"""The agent step activity: one caller turn through the brain, run on the edge's own task queue.

Because it runs in the edge process, each sentence the brain says goes straight into the
call's in-process TTS (the `SpeechSink`) while the step is still running; the full step (text,
tool calls and their results, the action asked for) returns to the workflow to be recorded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from temporalio import activity

from activities.brain.base_brain import Brain, StepContext
from activities.store_client import StoreClient
from activities.tools import DEFAULT_READS, ReadPolicy, ToolRunner
from workflows.models import AgentStepInput, AgentStepResult


class SpeechSink(Protocol):
    """Where a call's spoken reply goes: the edge's call session."""

    async def speak(self, text: str) -> None: ...


SinkLookup = Callable[[str], SpeechSink | None]


def _no_sink(call_id: str) -> SpeechSink | None:
    return None


class AgentStepActivities:
    """Activities that need the brain, the store and the call's audio; bound at worker start."""

    def __init__(
        self, brains: dict[str, Brain], store: StoreClient, sinks: SinkLookup = _no_sink, *,
        reads: ReadPolicy = DEFAULT_READS,
    ) -> None:
        """``reads``: how the read tools keep trying the store (``ReadPolicy.from_settings``)."""
        self._brains = brains
        self._store = store
        self._sinks = sinks
        self._reads = reads

    @activity.defn(name="agent_step")
    async def agent_step(self, step: AgentStepInput) -> AgentStepResult:
        started = time.perf_counter()
        first_text_at: float | None = None
        spoken: list[str] = []
        sink = self._sinks(step.call_id) if step.speak else None

        async def say(text: str) -> None:
            nonlocal first_text_at
            text = text.strip()
            if not text:
                return
            if first_text_at is None:
                first_text_at = time.perf_counter()
            spoken.append(text)
            if sink is not None:
                await sink.speak(text)

        brain = self._brains.get(step.llm_engine)
        if brain is None:
            raise ValueError(f"unknown llm engine {step.llm_engine!r}; have {sorted(self._brains)}")
        tools = ToolRunner(self._store, caller_number=step.caller_number, reads=self._reads)
        ctx = StepContext(
            call_id=step.call_id,
            caller_number=step.caller_number,
            history=step.history,
            memory=dict(step.memory),
            tools=tools,
            say=say,
            asked=step.expect,
        )
        await brain.run_step(ctx)
        finished = time.perf_counter()
        return AgentStepResult(
            text=" ".join(spoken),
            tool_calls=tools.calls,
            pending_action=tools.pending_action,
            memory=ctx.memory,
            scenarios=sorted(ctx.scenarios),
            expect=ctx.expect,
            first_text_ms=round(((first_text_at or finished) - started) * 1000, 2),
            duration_ms=round((finished - started) * 1000, 2),
        )
