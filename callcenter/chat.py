"""Text chat with the agent: the same CallWorkflow, driven by typed lines instead of audio.

The chat process runs its own agent-step worker on a private task queue (there is no audio
to speak into), so only Temporal, the worker and the store need to be up.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

from temporalio.client import Client
from temporalio.worker import Worker

from activities.agent_step import AgentStepActivities
from activities.store_client import StoreClient
from activities.tools import ReadPolicy
from callcenter.event_output import EventOutput
from callcenter.settings import Settings
from activities.brain.factory import make_brains
from workflows.models import CallerTurn, CallSnapshot, NextAction, Role, ToolCall
from workflows.starter import end_call, new_call_start, send_turn, start_call


@dataclass
class ChatResult:
    call_id: str
    snapshot: CallSnapshot
    events: list[dict[str, Any]] = field(default_factory=list)


@asynccontextmanager
async def agent_worker(client: Client, settings: Settings) -> AsyncIterator[str]:
    """A private agent-step worker for text chats; yields its task queue."""
    queue = f"chat-{uuid.uuid4().hex[:12]}"
    async with StoreClient(settings.store_url, timeout_s=settings.store_timeout_s) as store:
        steps = AgentStepActivities(make_brains(settings), store, reads=ReadPolicy.from_settings(settings))
        async with Worker(client, task_queue=queue, activities=[steps.agent_step]):
            yield queue


async def chat(
    client: Client,
    settings: Settings,
    lines: Iterable[str] | AsyncIterable[str],
    *,
    agent_queue: str,
    caller_number: str = "+380500000000",
    out: TextIO | None = sys.stdout,
    as_json: bool = False,
) -> ChatResult:
    """Run one conversation; print each event as text or as one JSON object per line."""
    call_id = str(uuid.uuid4())
    result = ChatResult(call_id=call_id, snapshot=None)  # type: ignore[arg-type]

    output = EventOutput(out, as_json=as_json, as_text=_as_text)

    def emit(event: dict[str, Any]) -> None:
        result.events.append(event)
        output.emit(event)

    start = new_call_start(
        settings, call_id, caller_number=caller_number, channel="chat", agent_task_queue=agent_queue,
        speak_replies=False,
    )
    greeting = await start_call(client, start)
    handle = client.get_workflow_handle(call_id, result_type=CallSnapshot)
    emit({"event": "call", "call_id": call_id})
    emit({"event": "agent", "turn": 0, "text": greeting.reply_text})
    reason = "caller_hangup"
    turn_id = 0
    async for line in _aiter(lines):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        turn_id += 1
        emit({"event": "caller", "turn": turn_id, "text": line})
        reply = await send_turn(handle, CallerTurn(turn_id=turn_id, text=line))
        snapshot = await handle.query("snapshot", result_type=CallSnapshot)
        for call in _tool_calls_of_turn(snapshot, turn_id):
            emit({"event": "tool", "turn": turn_id, **call.model_dump(mode="json")})
        for text in (reply.reply_text, reply.say_text):
            if text:
                emit({"event": "agent", "turn": turn_id, "text": text})
        if reply.next != NextAction.LISTEN:
            reason = "transfer" if reply.next == NextAction.TRANSFER else "agent_hangup"
            emit({"event": "action", "turn": turn_id, "next": reply.next.value,
                  "transfer": reply.transfer.model_dump() if reply.transfer else None})
            break
    await end_call(handle, reason)
    result.snapshot = await handle.result()
    emit({
        "event": "outcome",
        "call_id": call_id,
        "outcome": result.snapshot.outcome.value,
        "scenarios": [s.value for s in result.snapshot.scenarios],
    })
    return result


async def _aiter(lines: Iterable[str] | AsyncIterable[str]) -> AsyncIterator[str]:
    if isinstance(lines, AsyncIterable):
        async for line in lines:
            yield line
    else:
        for line in lines:
            yield line


def _tool_calls_of_turn(snapshot: CallSnapshot, turn_id: int) -> list[ToolCall]:
    return [
        call
        for entry in snapshot.transcript
        if entry.turn_id == turn_id and entry.role == Role.AGENT
        for call in entry.tool_calls
    ]


def _as_text(event: dict[str, Any]) -> str:
    kind = event["event"]
    if kind == "caller":
        return f"  Клієнт: {event['text']}"
    if kind == "agent":
        return f"  Агент:  {event['text']}"
    if kind == "tool":
        status = f"помилка: {event['error']}" if event.get("error") else f"{event['duration_ms']:.0f} ms"
        return f"    ⚙ {event['name']}({json.dumps(event['arguments'], ensure_ascii=False)}) — {status}"
    if kind == "action":
        return f"    → {event['next']}"
    if kind == "call":
        return f"call {event['call_id']}"
    return f"outcome: {event['outcome']} ({', '.join(event['scenarios']) or '—'})"
