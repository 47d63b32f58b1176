"""The ops API, mounted on the edge's HTTP server under ``/ops``: live calls, call views, analytics.

Every endpoint needs ``Authorization: Bearer <CALLCENTER_OPS_TOKEN>`` (401 without or with a
wrong one, 403 while no token is configured), except the page ``GET /ops/`` itself, which holds
no data: it asks for the token and sends it with each request. ``/metrics`` stays on the edge's
root, open for Prometheus.

Sources: live calls from this edge's registry; a call's transcript and per-turn latencies from
its workflow's ``snapshot`` query while it runs, from its PostgreSQL record once it ended; lists
and analytics from PostgreSQL (``media_edge/ops/queries.py``).
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, FastAPI, HTTPException, Path as PathParam, Query
from fastapi.responses import HTMLResponse
from temporalio.client import Client
from temporalio.service import RPCError

from callcenter.settings import Settings
from media_edge.ops import queries
from media_edge.ops.live import TimedSessions, session_state
from media_edge.ops.models import (
    CallDetail,
    CallPage,
    CallSummary,
    CloseTask,
    DailyAnalytics,
    HourlyPoint,
    LiveCall,
    OpsTaskView,
    Percentiles,
    ToolCallView,
    TranscriptLine,
)
from media_edge.http_common import ops_token_guard, valid_call_id
from media_edge.registry import CallRegistry
from temporal.client import workflow_ui_url
from workflows.masking import mask_phone, mask_phones_in
from workflows.models import CallSnapshot

log = logging.getLogger("media_edge.ops")

PAGE = Path(__file__).parent / "static" / "index.html"
QUERY_TIMEOUT = timedelta(seconds=3)
_DATE = r"^\d{4}-\d{2}-\d{2}$"


class OpsBackend:
    """What the ops API reads: the edge's registry, its Temporal client, a small PostgreSQL pool."""

    def __init__(self, settings: Settings, registry: CallRegistry, temporal: Client | None = None) -> None:
        self.settings = settings
        self.registry = registry
        self.temporal = temporal  # set once the edge has connected
        self._pool: asyncpg.Pool | None = None
        self._pool_lock = asyncio.Lock()
        if not isinstance(registry.sessions, TimedSessions):
            registry.sessions = TimedSessions(registry.sessions)

    async def pool(self) -> asyncpg.Pool:
        async with self._pool_lock:
            if self._pool is None:
                try:
                    self._pool = await asyncpg.create_pool(
                        self.settings.database_url, min_size=0, max_size=3, timeout=5, command_timeout=10
                    )
                except (OSError, asyncpg.PostgresError) as err:
                    log.warning("ops: PostgreSQL unreachable: %s", type(err).__name__)
                    raise HTTPException(status_code=503, detail="call records database unreachable") from None
            return self._pool

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    def ui_url(self, call_id: str) -> str:
        return workflow_ui_url(self.settings.temporal_ui_url, self.settings.temporal_namespace, call_id)


def _masked(value: Any) -> Any:
    """Phone numbers masked in any string inside a JSON-like value."""
    if isinstance(value, str):
        return mask_phones_in(value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def _transcript(entries: list[dict[str, Any]]) -> list[TranscriptLine]:
    return [
        TranscriptLine(
            role=str(e.get("role", "")),
            text=mask_phones_in(str(e.get("text", ""))),
            at=e.get("at"),
            turn_id=int(e.get("turn_id") or 0),
            tool_calls=[
                ToolCallView(
                    name=str(c.get("name", "")),
                    arguments=_masked(c.get("arguments") or {}),
                    error=c.get("error"),
                    duration_ms=float(c.get("duration_ms") or 0.0),
                )
                for c in e.get("tool_calls") or []
            ],
        )
        for e in entries
    ]


def _latencies(entries: list[dict[str, Any]]) -> list[dict[str, float | int | None]]:
    return [
        {k: v for k, v in e.items() if k == "turn_id" or (k.endswith("_ms") and (v is None or isinstance(v, int | float)))}
        for e in entries
        if isinstance(e, dict)
    ]


def _percentile_cont(values: list[float], q: float) -> float:
    """PostgreSQL's percentile_cont (the analytics' percentiles): linear between closest ranks."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _heard(latencies: list[dict[str, float | int | None]]) -> Percentiles | None:
    """End of speech → first agent audio over a call's turns, p50/p95 (None: nothing measured)."""
    values = [float(v) for l in latencies if isinstance(v := l.get("first_audio_ms"), int | float)]
    if not values:
        return None
    return Percentiles(p50=round(_percentile_cont(values, 0.5), 1), p95=round(_percentile_cont(values, 0.95), 1),
                       turns=len(values))


def _task_view(backend: OpsBackend, r: dict[str, Any]) -> OpsTaskView:
    call_id = str(r.get("call_id") or "")
    reference = next((str(r[k]) for k in ("reference", "ref", "order_number", "booking_number") if r.get(k)), "")
    return OpsTaskView(
        id=int(r.get("id") or 0),
        created_at=r.get("created_at"),
        kind=str(r.get("kind") or ""),
        call_id=call_id,
        reference=reference,
        phone=mask_phone(str(r.get("phone") or r.get("caller_number") or "")),
        detail=mask_phones_in(str(r.get("detail") or "")),
        status=str(r.get("status") or "open"),
        temporal_url=backend.ui_url(call_id) if _looks_like_uuid(call_id) else None,
        closed_by=r.get("closed_by"),
        closed_at=r.get("closed_at"),
        close_note=mask_phones_in(r["close_note"]) if r.get("close_note") else None,
    )


def _day(value: str | None, tz: str) -> date:
    if value is None:
        return datetime.now(UTC).astimezone(queries.ZoneInfo(tz)).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(status_code=422, detail=f"not a date (YYYY-MM-DD): {value!r}") from None


def create_ops_api(backend: OpsBackend) -> FastAPI:
    settings = backend.settings
    app = FastAPI(title="callcenter ops", version="0.1.0")

    auth = [Depends(ops_token_guard(settings))]

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> HTMLResponse:
        # No data in the page itself; it asks for the token. No caching: it changes with the code.
        return HTMLResponse(PAGE.read_text(encoding="utf-8"), headers={"Cache-Control": "no-store"})

    @app.get("/calls/live", dependencies=auth)
    async def live_calls() -> list[LiveCall]:
        now = datetime.now(UTC)
        sessions = backend.registry.sessions
        started = sessions.started_at if isinstance(sessions, TimedSessions) else {}
        calls = []
        for call_id, session in list(sessions.items()):
            began = started.get(call_id)
            registration = session.registration
            calls.append(
                LiveCall(
                    call_id=call_id,
                    caller=mask_phone(registration.caller_number),
                    dialled=registration.dialled_number,
                    edge_id=settings.edge_id,
                    started_at=began,
                    duration_s=round((now - began).total_seconds(), 1) if began else None,
                    state=session_state(session),
                    turns=int(getattr(session, "turns_taken", 0)),
                    rate=int(getattr(session, "rate", 0)),
                    temporal_url=backend.ui_url(call_id),
                )
            )
        return sorted(calls, key=lambda c: c.started_at or now)

    @app.get("/calls", dependencies=auth)
    async def recent_calls(
        date: Annotated[str | None, Query(pattern=_DATE, description="local day (ops_timezone), YYYY-MM-DD")] = None,
        outcome: Annotated[str | None, Query(max_length=40)] = None,
        phone: Annotated[str | None, Query(max_length=32, description="the caller's full number")] = None,
        number: Annotated[str | None, Query(max_length=40, description="an order or booking number")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> CallPage:
        start = end = None
        if date is not None:
            start, end = queries.day_range(_day(date, settings.ops_timezone), settings.ops_timezone)
        pool = await backend.pool()
        async with pool.acquire() as conn:
            rows, total = await queries.recent_calls(
                conn, start=start, end=end, outcome=outcome or None, phone=(phone or "").strip() or None,
                number=(number or "").strip() or None, limit=limit, offset=offset,
            )
        items = [
            CallSummary(
                call_id=r["call_id"],
                caller=mask_phone(r["caller_number"]),
                started_at=r["started_at"],
                duration_s=r["duration_s"],
                outcome=r["outcome"],
                scenarios=list(r["scenarios"] or []),
                turns=r["turns"],
                order_number=r["order_number"],
                booking_number=r["booking_number"],
                temporal_url=backend.ui_url(r["call_id"]),
                first_audio_ms=Percentiles(p50=round(r["heard_p50"], 1), p95=round(r["heard_p95"], 1),
                                           turns=r["heard_turns"])
                if r["heard_turns"]
                else None,
            )
            for r in rows
        ]
        return CallPage(items=items, total=total, limit=limit, offset=offset)

    @app.get("/calls/{call_id}", dependencies=auth)
    async def call_detail(call_id: str) -> CallDetail:
        call_id = valid_call_id(call_id)
        live_here = call_id in backend.registry.sessions
        if not live_here:
            pool = await backend.pool()
            async with pool.acquire() as conn:
                record = await queries.call_record(conn, call_id)
            if record is not None:
                return CallDetail(
                    call_id=call_id,
                    source="record",
                    caller=mask_phone(record["caller_number"]),
                    outcome=record["outcome"],
                    ended=True,
                    started_at=record["started_at"],
                    ended_at=record["ended_at"],
                    duration_s=record["duration_s"],
                    scenarios=list(record["scenarios"] or []),
                    transcript=_transcript(record["transcript"] or []),
                    latencies=(latencies := _latencies(record["latencies"] or [])),
                    transfer=_masked(record["transfer"]),
                    order_number=record["order_number"],
                    booking_number=record["booking_number"],
                    temporal_url=backend.ui_url(call_id),
                    first_audio_ms=_heard(latencies),
                )
        # Live (here or on another edge), or ended and its record not written yet: ask the workflow.
        snapshot = await _snapshot(backend, call_id)
        if snapshot is None:
            raise HTTPException(status_code=404, detail="no such call")
        started = backend.registry.sessions.started_at.get(call_id) if live_here else None  # type: ignore[union-attr]
        dumped = snapshot.model_dump(mode="json")
        return CallDetail(
            call_id=call_id,
            source="live",
            caller=mask_phone(snapshot.caller_number),
            outcome=snapshot.outcome.value,
            ended=snapshot.ended,
            started_at=started,
            duration_s=round((datetime.now(UTC) - started).total_seconds(), 1) if started else None,
            scenarios=[s.value for s in snapshot.scenarios],
            transcript=_transcript(dumped["transcript"]),
            latencies=(latencies := _latencies(dumped["latencies"])),
            transfer=_masked(dumped.get("transfer")),
            order_number=dumped.get("order_number"),
            booking_number=dumped.get("booking_number"),
            temporal_url=backend.ui_url(call_id),
            first_audio_ms=_heard(latencies),
        )

    @app.get("/analytics/daily", dependencies=auth)
    async def daily(
        date: Annotated[str | None, Query(pattern=_DATE, description="local day (ops_timezone); today by default")] = None,
    ) -> DailyAnalytics:
        day = _day(date, settings.ops_timezone)
        start, end = queries.day_range(day, settings.ops_timezone)
        pool = await backend.pool()
        async with pool.acquire() as conn:
            a = await queries.daily_analytics(conn, start, end)
            hours = await queries.hourly(conn, start, end, settings.ops_timezone)
        calls = a["calls"]
        transferred = a["outcomes"].get("transferred", 0)
        return DailyAnalytics(
            date=day,
            timezone=settings.ops_timezone,
            calls=calls,
            outcomes=a["outcomes"],
            scenarios=a["scenarios"],
            orders=a["orders"],
            conversion_to_orders=round(a["orders"] / calls, 4) if calls and a["orders"] is not None else None,
            bookings=a["bookings"],
            avg_handling_s=round(a["avg_handling_s"], 1) if a["avg_handling_s"] is not None else None,
            transfer_rate=round(transferred / calls, 4) if calls else None,
            latency_ms={stage: Percentiles(**p) for stage, p in a["latency_ms"].items()},
            hourly=[HourlyPoint(**h) for h in hours],
        )

    @app.get("/tasks", dependencies=auth)
    async def tasks(
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        status: Annotated[str, Query(pattern="^(open|closed|all)$")] = "open",
    ) -> list[OpsTaskView]:
        pool = await backend.pool()
        async with pool.acquire() as conn:
            rows = await queries.open_tasks(conn, limit, status)
        return [_task_view(backend, r) for r in rows]

    @app.post("/tasks/{task_id}/close", dependencies=auth)
    async def close_task(
        task_id: Annotated[int, PathParam(ge=1, le=2**63 - 1)], body: CloseTask
    ) -> OpsTaskView:
        closed_by = " ".join(body.closed_by.split())
        if not closed_by:
            raise HTTPException(status_code=422, detail="closed_by: who closes the task")
        pool = await backend.pool()
        async with pool.acquire() as conn:
            try:
                row = await queries.close_task(conn, task_id, closed_by, body.note.strip())
            except queries.TaskNotClosable as err:
                if err.reason == "missing":
                    raise HTTPException(status_code=404, detail="no such task") from None
                if err.reason == "closed" and err.row is not None:
                    who = err.row.get("closed_by") or "someone"
                    raise HTTPException(status_code=409, detail=f"task {task_id} is closed already ({who})") from None
                raise HTTPException(status_code=503, detail="ops tasks cannot be closed yet (migration 004)") from None
        log.info("ops: task %s closed by %s", task_id, closed_by)
        return _task_view(backend, row)

    return app


def _looks_like_uuid(value: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-fA-F-]{36}", value))


async def _snapshot(backend: OpsBackend, call_id: str) -> CallSnapshot | None:
    if backend.temporal is None:
        raise HTTPException(status_code=503, detail="Temporal not connected yet")
    handle = backend.temporal.get_workflow_handle(call_id)
    try:
        return await handle.query("snapshot", result_type=CallSnapshot, rpc_timeout=QUERY_TIMEOUT)
    except RPCError as err:
        if "not found" in str(err).lower():
            return None
        log.warning("ops: snapshot query for call %s failed: %s", call_id, err)
        raise HTTPException(status_code=502, detail="the call's workflow did not answer") from None


def mount_ops(edge_app: FastAPI, backend: OpsBackend) -> FastAPI:
    """Mount the ops API (and its page) on the edge's app under /ops; returns the edge app."""
    edge_app.mount("/ops", create_ops_api(backend))
    return edge_app
