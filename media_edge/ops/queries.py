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


def _optional(columns: set[str], prefix: str = "") -> str:
    return "".join(
        f", {prefix}{name}" if name in columns else f", NULL::text AS {name}" for name in OPTIONAL_CALL_COLUMNS
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


# Per call, over its turns: end of caller speech → first agent audio (what the caller lives).
_HEARD = """
LEFT JOIN LATERAL (
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY (l->>'first_audio_ms')::float8) AS heard_p50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY (l->>'first_audio_ms')::float8) AS heard_p95,
           count(*) AS heard_turns
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(c.latencies) = 'array' THEN c.latencies ELSE '[]'::jsonb END) AS l
    WHERE jsonb_typeof(l) = 'object' AND jsonb_typeof(l->'first_audio_ms') = 'number'
) AS heard ON true
"""


def number_variants(number: str) -> list[str]:
    """What an ops person typed as an order or booking number: as typed, trimmed, upper-cased."""
    bare = number.strip().lstrip("#№").strip()
    return sorted({bare, bare.upper()})


async def recent_calls(
    conn: asyncpg.Connection,
    *,
    start: datetime | None,
    end: datetime | None,
    outcome: str | None,
    phone: str | None,
    limit: int,
    number: str | None = None,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """One page of calls, newest first (started_at, then call id), and how many match in all.

    ``number``: an order or booking number, the call's own (``calls.order_number`` /
    ``booking_number``) or any of its fulfilments' (a call with two orders has one on the row).
    """
    columns = await table_columns(conn, "calls")
    if not columns:
        return [], 0
    where, args = [], []
    if start is not None and end is not None:
        args += [start, end]
        where.append(f"c.started_at >= ${len(args) - 1} AND c.started_at < ${len(args)}")
    if outcome:
        args.append(outcome)
        where.append(f"c.outcome = ${len(args)}")
    if phone:
        args.append(phone)
        where.append(f"c.caller_number = ${len(args)}")
    if number:
        args.append(number_variants(number))
        n = f"${len(args)}::text[]"
        matches = [f"c.{col} = ANY({n})" for col in OPTIONAL_CALL_COLUMNS if col in columns]
        if await table_columns(conn, "call_fulfilments"):
            matches.append(
                f"EXISTS (SELECT 1 FROM callcenter.call_fulfilments f WHERE f.number = ANY({n})"
                " AND f.call_id = c.call_id::text)"
            )
        where.append("(" + (" OR ".join(matches) or "false") + ")")
    filtered = " WHERE " + " AND ".join(where) if where else ""
    total = await conn.fetchval(f"SELECT count(*) FROM callcenter.calls c{filtered}", *args)
    args += [limit, offset]
    sql = (
        "SELECT c.call_id, c.caller_number, c.started_at, c.duration_s, c.outcome, c.scenarios, c.turns,"
        " heard.heard_p50, heard.heard_p95, heard.heard_turns"
        f"{_optional(columns, 'c.')} FROM callcenter.calls c {_HEARD}{filtered}"
        f" ORDER BY c.started_at DESC, c.call_id DESC LIMIT ${len(args) - 1} OFFSET ${len(args)}"
    )
    rows = await conn.fetch(sql, *args)
    return [{**dict(r), "call_id": str(r["call_id"])} for r in rows], int(total)


async def hourly(conn: asyncpg.Connection, start: datetime, end: datetime, tz: str) -> list[dict[str, Any]]:
    """Calls per local hour of the day and the p50/p95 of end of speech → first agent audio over
    those calls' turns (a call counts in the hour it began). On the autumn DST day the repeated
    hour's calls fall in one bucket."""
    if not await table_columns(conn, "calls"):
        return []
    hour = "extract(hour FROM c.started_at AT TIME ZONE $3)::int"
    counts = await conn.fetch(
        f"SELECT {hour} AS hour, count(*) AS calls FROM callcenter.calls c"
        " WHERE c.started_at >= $1 AND c.started_at < $2 GROUP BY 1",
        start, end, tz,
    )
    heard = await conn.fetch(
        f"SELECT {hour} AS hour,"
        " percentile_cont(0.5) WITHIN GROUP (ORDER BY (l->>'first_audio_ms')::float8) AS p50,"
        " percentile_cont(0.95) WITHIN GROUP (ORDER BY (l->>'first_audio_ms')::float8) AS p95,"
        " count(*) AS turns"
        " FROM callcenter.calls c,"
        " jsonb_array_elements(CASE WHEN jsonb_typeof(c.latencies) = 'array' THEN c.latencies ELSE '[]'::jsonb END) AS l"
        " WHERE c.started_at >= $1 AND c.started_at < $2"
        " AND jsonb_typeof(l) = 'object' AND jsonb_typeof(l->'first_audio_ms') = 'number' GROUP BY 1",
        start, end, tz,
    )
    by_hour = {r["hour"]: r for r in heard}
    calls = {r["hour"]: r["calls"] for r in counts}
    out = []
    for h in range(24):
        lat = by_hour.get(h)
        out.append({
            "hour": h,
            "calls": int(calls.get(h, 0)),
            "first_audio_p50_ms": round(lat["p50"], 1) if lat else None,
            "first_audio_p95_ms": round(lat["p95"], 1) if lat else None,
            "turns": int(lat["turns"]) if lat else 0,
        })
    return out


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


TASK_STATUSES = {"open": "status = ANY($1::text[])", "closed": "NOT (status = ANY($1::text[]))",
                 "all": "$1::text[] IS NOT NULL"}


async def open_tasks(conn: asyncpg.Connection, limit: int, status: str = "open") -> list[dict[str, Any]]:
    """Back-office tasks (``callcenter.ops_tasks``): open ones (oldest problem last: newest
    first), closed ones (last closed first), or all; none while the table does not exist."""
    columns = await table_columns(conn, "ops_tasks")
    if not columns:
        return []
    where = "WHERE " + TASK_STATUSES[status] if "status" in columns else "WHERE $1::text[] IS NOT NULL"
    if status == "closed" and "closed_at" in columns:
        order = "ORDER BY closed_at DESC NULLS LAST, id DESC"
    else:
        order = "ORDER BY created_at DESC, id DESC" if "created_at" in columns else ""
    rows = await conn.fetch(f"SELECT * FROM callcenter.ops_tasks {where} {order} LIMIT $2",
                            list(OPEN_TASK_STATUSES), limit)
    return [dict(r) for r in rows]


class TaskNotClosable(Exception):
    """No such task, or it was closed already (``row`` then says by whom), or no columns for it."""

    def __init__(self, reason: str, row: dict[str, Any] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.row = row


async def close_task(conn: asyncpg.Connection, task_id: int, closed_by: str, note: str) -> dict[str, Any]:
    """Close an open task once: who closed it, when (the database's clock), and a note."""
    columns = await table_columns(conn, "ops_tasks")
    if not {"closed_by", "closed_at", "close_note"} <= columns:
        raise TaskNotClosable("schema")  # migration 004 not applied yet
    row = await conn.fetchrow(
        "UPDATE callcenter.ops_tasks SET status = 'done', closed_by = $2, closed_at = now(), close_note = $3"
        " WHERE id = $1 AND status = ANY($4::text[]) RETURNING *",
        task_id, closed_by, note, list(OPEN_TASK_STATUSES),
    )
    if row is not None:
        return dict(row)
    existing = await conn.fetchrow("SELECT * FROM callcenter.ops_tasks WHERE id = $1", task_id)
    raise TaskNotClosable("missing" if existing is None else "closed", dict(existing) if existing else None)
