"""The ops API's reads from PostgreSQL (schema ``callcenter``): call records, daily analytics, tasks.

The call record grows with migrations (``activities/migrations/``): order and booking numbers
came in 002, and later migrations may add latency stages. Queries ask ``information_schema``
which optional columns exist, so an edge deployed ahead of or behind the worker's migrations
still answers; per-turn latency stages are whatever numeric ``*_ms`` fields the stored
``latencies`` entries carry.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

OPTIONAL_CALL_COLUMNS = ("order_number", "booking_number")
OPEN_TASK_STATUSES = ("open",)


async def table_columns(conn: asyncpg.Connection, table: str) -> set[str]:
    rows = await conn.fetch(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'callcenter' AND table_name = $1",
        table,
    )
    return {r["column_name"] for r in rows}


def day_range(day: date, tz: str) -> tuple[datetime, datetime]:
    """The local day [00:00, next 00:00) in ``tz`` as aware datetimes (DST days are 23 or 25 h)."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def _optional(columns: set[str]) -> str:
    return "".join(
        f", {name}" if name in columns else f", NULL::text AS {name}" for name in OPTIONAL_CALL_COLUMNS
    )


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def call_record(conn: asyncpg.Connection, call_id: str) -> dict[str, Any] | None:
    columns = await table_columns(conn, "calls")
    if not columns:
        return None
    row = await conn.fetchrow(
        "SELECT call_id, caller_number, started_at, ended_at, duration_s, outcome, scenarios, transcript,"
        f" latencies, transfer{_optional(columns)} FROM callcenter.calls WHERE call_id = $1",
        uuid.UUID(call_id),
    )
    if row is None:
        return None
    record = dict(row)
    for key in ("transcript", "latencies", "transfer"):
        record[key] = _json(record[key])
    record["call_id"] = str(record["call_id"])
    return record


async def recent_calls(
    conn: asyncpg.Connection,
    *,
    start: datetime | None,
    end: datetime | None,
    outcome: str | None,
    phone: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    columns = await table_columns(conn, "calls")
    if not columns:
        return []
    where, args = [], []
    if start is not None and end is not None:
        args += [start, end]
        where.append(f"started_at >= ${len(args) - 1} AND started_at < ${len(args)}")
    if outcome:
        args.append(outcome)
        where.append(f"outcome = ${len(args)}")
    if phone:
        args.append(phone)
        where.append(f"caller_number = ${len(args)}")
    args.append(limit)
    sql = (
        "SELECT call_id, caller_number, started_at, duration_s, outcome, scenarios, turns"
        f"{_optional(columns)} FROM callcenter.calls"
        + (" WHERE " + " AND ".join(where) if where else "")
        + f" ORDER BY started_at DESC LIMIT ${len(args)}"
    )
    rows = await conn.fetch(sql, *args)
    return [{**dict(r), "call_id": str(r["call_id"])} for r in rows]


async def daily_analytics(conn: asyncpg.Connection, start: datetime, end: datetime) -> dict[str, Any]:
    """Counts, outcome and scenario mix, orders, handling time, transfers and latency percentiles."""
    columns = await table_columns(conn, "calls")
    if not columns:
        return {"calls": 0, "outcomes": {}, "scenarios": {}, "orders": None, "bookings": None,
                "avg_handling_s": None, "latency_ms": {}}
    window = "started_at >= $1 AND started_at < $2"
    counted = ", ".join(
        f"count(*) FILTER (WHERE coalesce({name}, '') <> '') AS {name}s"
        if name in columns
        else f"NULL::bigint AS {name}s"
        for name in ("order_number", "booking_number")
    )
    totals = await conn.fetchrow(
        f"SELECT count(*) AS calls, avg(duration_s) AS avg_handling_s, {counted}"
        f" FROM callcenter.calls WHERE {window}",
        start, end,
    )
    outcomes = await conn.fetch(
        f"SELECT outcome, count(*) AS n FROM callcenter.calls WHERE {window} GROUP BY outcome ORDER BY n DESC",
        start, end,
    )
    scenarios = await conn.fetch(
        f"SELECT s AS scenario, count(*) AS n FROM callcenter.calls, unnest(scenarios) AS s"
        f" WHERE {window} GROUP BY s ORDER BY n DESC",
        start, end,
    )
    latencies = await conn.fetch(
        "SELECT kv.key AS stage,"
        " percentile_cont(0.5) WITHIN GROUP (ORDER BY (kv.value)::text::float8) AS p50,"
        " percentile_cont(0.95) WITHIN GROUP (ORDER BY (kv.value)::text::float8) AS p95,"
        " count(*) AS turns"
        " FROM callcenter.calls c, jsonb_array_elements(c.latencies) AS l,"
        " jsonb_each(CASE WHEN jsonb_typeof(l) = 'object' THEN l ELSE '{}'::jsonb END) AS kv"
        f" WHERE {window.replace('started_at', 'c.started_at')}"
        " AND jsonb_typeof(kv.value) = 'number' AND kv.key LIKE '%\\_ms'"
        " GROUP BY kv.key ORDER BY kv.key",
        start, end,
    )
    return {
        "calls": totals["calls"],
        "avg_handling_s": totals["avg_handling_s"],
        "orders": totals["order_numbers"],
        "bookings": totals["booking_numbers"],
        "outcomes": {r["outcome"]: r["n"] for r in outcomes},
        "scenarios": {r["scenario"]: r["n"] for r in scenarios},
        "latency_ms": {
            r["stage"]: {"p50": round(r["p50"], 1), "p95": round(r["p95"], 1), "turns": r["turns"]}
            for r in latencies
        },
    }


async def open_tasks(conn: asyncpg.Connection, limit: int) -> list[dict[str, Any]]:
    """Open back-office tasks (``callcenter.ops_tasks``); none while the table does not exist."""
    columns = await table_columns(conn, "ops_tasks")
    if not columns:
        return []
    where = "WHERE status = ANY($1::text[])" if "status" in columns else "WHERE $1::text[] IS NOT NULL"
    order = "ORDER BY created_at DESC" if "created_at" in columns else ""
    rows = await conn.fetch(f"SELECT * FROM callcenter.ops_tasks {where} {order} LIMIT $2",
                            list(OPEN_TASK_STATUSES), limit)
    return [dict(r) for r in rows]
