"""A call the edge has no room for: straight to the operators, and still on the record.

Past ``edge_max_calls`` a new leg is hung up at once with a transfer disposition (the dialplan
queues the caller for the operators) rather than every call on the edge getting slower. The
call still gets its workflow, started already hung up (``start_overflow_call``), so it has a
call record and ops find it in the Temporal UI beside the calls the agent took. That start runs
in the background, after the caller is on their way (Temporal being slow must not hold them),
and is sent again while Temporal is unreachable, as a hangup signal is
(``EdgeContext.deliver_in_background``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from media_edge import metrics
from media_edge.audiosocket.server import AudioSocketConnection
from media_edge.registry import CallRegistration, Disposition, DispositionAction
from media_edge.session import EdgeContext
from workflows.call_workflow import EDGE_FULL_SUMMARY
from workflows.starter import new_call_start, start_overflow_call

log = logging.getLogger("media_edge")


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
    start = new_call_start(
        ctx.settings, conn.call_id, caller_number=registration.caller_number,
        dialled_number=registration.dialled_number, channel=registration.channel,
    )
    start.started_at = at
    ctx.deliver_in_background(lambda: start_overflow_call(ctx.temporal, start, at), call_id=conn.call_id,
                              what="overflow call's start", since=at)
