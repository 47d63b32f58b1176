"""A call the edge has no room for: straight to the operators, and still on the record.

Past ``edge_max_calls`` a new leg is hung up at once with a transfer disposition (the dialplan
queues the caller for the operators) rather than every call on the edge getting slower. The
call still gets its workflow, started already hung up (``start_overflow_call``), so it has a
call record and ops find it in the Temporal UI beside the calls the agent took. That start runs
in the background, after the caller is on their way: Temporal being slow must not hold them.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from temporalio.service import RPCError

from media_edge import metrics
from media_edge.audiosocket.server import AudioSocketConnection
from media_edge.registry import CallRegistration, Disposition, DispositionAction
from media_edge.session import EdgeContext
from workflows.call_workflow import EDGE_FULL_SUMMARY
from workflows.starter import new_call_start, start_overflow_call

log = logging.getLogger("media_edge")

RECORD_ATTEMPTS = 5
RECORD_ATTEMPT_TIMEOUT_S = 5.0
RECORD_RETRY_AFTER_S = 2.0


async def hand_over_when_full(conn: AudioSocketConnection, ctx: EdgeContext) -> None:
    """Hang the leg up with a transfer disposition, and record the call in the background."""
    assert conn.call_id is not None
    at = datetime.now(UTC)
    registration = ctx.registry.take_registration(conn.call_id) or CallRegistration()
    ctx.registry.set_disposition(
        conn.call_id,
        Disposition(action=DispositionAction.TRANSFER, queue="operators", caller_name=EDGE_FULL_SUMMARY),
    )
    metrics.CALLS.labels(end="edge_full").inc()
    log.warning("call %s: the edge carries %d calls, its limit; handed to the operators", conn.call_id,
                ctx.settings.edge_max_calls)
    await conn.hangup()
    task = asyncio.create_task(_record(ctx, conn.call_id, registration, at), name=f"overflow-{conn.call_id}")
    ctx.background.add(task)
    task.add_done_callback(ctx.background.discard)


async def _record(ctx: EdgeContext, call_id: str, registration: CallRegistration, at: datetime) -> None:
    start = new_call_start(
        ctx.settings, call_id, caller_number=registration.caller_number,
        dialled_number=registration.dialled_number, channel=registration.channel,
    )
    start.started_at = at
    for attempt in range(1, RECORD_ATTEMPTS + 1):
        try:
            await asyncio.wait_for(start_overflow_call(ctx.temporal, start, at), RECORD_ATTEMPT_TIMEOUT_S)
            return
        except (RPCError, TimeoutError) as err:
            if attempt == RECORD_ATTEMPTS:
                log.error("call %s: the overflow call has no workflow and no record: %s", call_id, err or "timed out")
                return
            log.warning("call %s: recording the overflow call failed (%s); again in %.0f s", call_id,
                        err or "timed out", RECORD_RETRY_AFTER_S)
            await asyncio.sleep(RECORD_RETRY_AFTER_S)
