"""Call records in PostgreSQL: the activity that writes one finished call, exactly once.

The write is an upsert keyed by the call id, so a retried activity (worker crash, lost
connection) leaves one row, not two.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import asyncpg
from temporalio import activity

from activities.metrics import count_call, count_transfer
from workflows.models import CallRecord

MIGRATIONS = Path(__file__).parent / "migrations"

_UPSERT = """
INSERT INTO callcenter.calls (call_id, caller_number, dialled_number, edge_id, started_at, ended_at,
    outcome, hangup_reason, scenarios, turns, transcript, tool_calls, latencies, transfer,
    order_number, booking_number, fulfilments)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::jsonb, $13::jsonb, $14::jsonb,
    $15, $16, $17::jsonb)
ON CONFLICT (call_id) DO UPDATE SET
    ended_at = EXCLUDED.ended_at, outcome = EXCLUDED.outcome, hangup_reason = EXCLUDED.hangup_reason,
    scenarios = EXCLUDED.scenarios, turns = EXCLUDED.turns, transcript = EXCLUDED.transcript,
    tool_calls = EXCLUDED.tool_calls, latencies = EXCLUDED.latencies, transfer = EXCLUDED.transfer,
    order_number = coalesce(EXCLUDED.order_number, callcenter.calls.order_number),
    booking_number = coalesce(EXCLUDED.booking_number, callcenter.calls.booking_number),
    fulfilments = EXCLUDED.fulfilments
RETURNING (xmax = 0) AS inserted
"""

# A fulfilment may have finished after the workflow stopped waiting for it: take its note.
_MERGE_NOTES = """
UPDATE callcenter.calls c SET
    order_number = coalesce(c.order_number,
        (SELECT number FROM callcenter.call_fulfilments f WHERE f.call_id = $1 AND f.kind = 'order'
            AND f.number IS NOT NULL ORDER BY f.updated_at DESC LIMIT 1)),
    booking_number = coalesce(c.booking_number,
        (SELECT number FROM callcenter.call_fulfilments f WHERE f.call_id = $1 AND f.kind = 'booking'
            AND f.number IS NOT NULL ORDER BY f.updated_at DESC LIMIT 1))
WHERE c.call_id = $2
"""


class CallRecordActivities:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name="save_call_record")
    async def save_call_record(self, record: CallRecord) -> None:
        transcript = [entry.model_dump(mode="json") for entry in record.transcript]
        tool_calls = [
            {"turn_id": entry.turn_id, **call.model_dump(mode="json")}
            for entry in record.transcript
            for call in entry.tool_calls
        ]
        turns = sum(1 for entry in record.transcript if entry.role == "caller")
        async with self._pool.acquire() as conn, conn.transaction():
            inserted = await conn.fetchval(
                _UPSERT,
                record.call_id,
                record.caller_number,
                record.dialled_number,
                record.edge_id,
                record.started_at,
                record.ended_at,
                record.outcome.value,
                record.hangup_reason,
                [s.value for s in record.scenarios],
                turns,
                json.dumps(transcript, ensure_ascii=False),
                json.dumps(tool_calls, ensure_ascii=False),
                json.dumps([l.model_dump(mode="json") for l in record.latencies]),
                json.dumps(record.transfer.model_dump(mode="json"), ensure_ascii=False)
                if record.transfer
                else None,
                record.order_number,
                record.booking_number,
                json.dumps([f.model_dump(mode="json") for f in record.fulfilments], ensure_ascii=False),
            )
            await conn.execute(_MERGE_NOTES, record.call_id, uuid.UUID(record.call_id))
        if inserted:  # counted once: not by a failed attempt, nor by a retry after the commit
            count_call(record.outcome.value)
            if record.transfer is not None:
                count_transfer(record.transfer.reason.value)
