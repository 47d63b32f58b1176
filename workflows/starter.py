"""Client side of the call workflow: start a call with its greeting, send turns, end it.

Used by the edge (audio calls) and by text chat, so both drive the very same workflow.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy

from callcenter.settings import Settings
from media_edge.phrases import PHRASES
from workflows.call_workflow import EDGE_FULL, CallWorkflow
from workflows.masking import mask_phone
from workflows.models import CallerTurn, CallStart, HangupInfo, HeardLatency, TurnResult


def new_call_start(
    settings: Settings,
    call_id: str,
    *,
    caller_number: str = "",
    dialled_number: str = "",
    channel: str = "",
    agent_task_queue: str | None = None,
    speak_replies: bool = True,
) -> CallStart:
    return CallStart(
        call_id=call_id,
        caller_number=caller_number,
        dialled_number=dialled_number,
        channel=channel,
        edge_id=settings.edge_id,
        agent_task_queue=agent_task_queue or settings.edge_task_queue,
        calls_task_queue=settings.calls_task_queue,
        started_at=datetime.now(UTC),
        greeting=PHRASES["greeting"],
        llm_engine=settings.llm_engine.value,
        max_call_seconds=settings.max_call_seconds,
        speak_replies=speak_replies,
    )


async def start_call(client: Client, start: CallStart) -> TurnResult:
    """Start the call's workflow (or join it, if the edge retried) and record the greeting."""
    operation = WithStartWorkflowOperation(
        CallWorkflow.run,
        start,
        id=start.call_id,
        task_queue=start.calls_task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        static_summary=_summary(start),
        static_details=_details(start),
    )
    try:
        return await client.execute_update_with_start_workflow(
            CallWorkflow.greet, start_workflow_operation=operation, id=f"{start.call_id}-greet"
        )
    except BaseException:
        # The SDK fails the operation's handle future when the call fails or is cancelled;
        # claim it, or it is reported as "exception never retrieved" in the edge's log.
        claim = asyncio.ensure_future(operation.workflow_handle())
        claim.add_done_callback(lambda t: t.cancelled() or t.exception())
        raise


async def start_overflow_call(client: Client, start: CallStart, at: datetime) -> None:
    """A call the edge had no room for (the dialplan queues it for the operators): its workflow
    starts already hung up (signal-with-start, reason ``EDGE_FULL``), so the call has its record
    and ops find it beside the others."""
    await client.start_workflow(
        CallWorkflow.run,
        start,
        id=start.call_id,
        task_queue=start.calls_task_queue,
        start_signal="hangup",
        start_signal_args=[HangupInfo(reason=EDGE_FULL, at=at)],
        static_summary=f"{_summary(start)}: агент перевантажений",
        static_details=_details(start, edge_state=" full"),
    )


def _summary(start: CallStart) -> str:
    """The call as the Temporal UI lists it (the number masked)."""
    return f"Дзвінок {mask_phone(start.caller_number) or 'з прихованого номера'}"


def _details(start: CallStart, edge_state: str = "") -> str:
    return f"edge {start.edge_id}{edge_state}, dialled {start.dialled_number or '?'}, channel {start.channel or '?'}"


async def send_turn(handle: WorkflowHandle, turn: CallerTurn) -> TurnResult:
    # A stable update id: a retried send is deduplicated by the server, not run twice.
    return await handle.execute_update(CallWorkflow.caller_turn, turn, id=f"{handle.id}-turn-{turn.turn_id}")


async def end_call(handle: WorkflowHandle, reason: str, at: datetime | None = None,
                   heard: list[HeardLatency] | None = None) -> None:
    """The hangup signal; ``at`` is when the call ended (now unless told), however late it lands;
    ``heard``: the turns' end of speech → first agent audio, as the edge measured them."""
    await handle.signal(CallWorkflow.hangup, HangupInfo(reason=reason, at=at or datetime.now(UTC),
                                                        heard_latencies=list(heard or [])))
