"""The ops API over real HTTP on a real edge, with real PostgreSQL records and a real Temporal workflow.

- auth: every endpoint but the page needs the bearer token (401 without / wrong, 403 unset);
  /metrics stays open;
- masking: callers' numbers are masked everywhere, also inside transcripts and tool arguments;
- analytics: the numbers of one local day (Europe/Kyiv) over records inserted for it;
- a live call: in the live list and, through the workflow's snapshot query, in the call view;
  once it ended, the same view comes from its PostgreSQL record.
"""

from __future__ import annotations

import asyncio
import json
import math
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
import pytest_asyncio

from callcenter.devstack.inprocess import running_system
from callcenter.http_server import BackgroundServer
from callcenter.settings import Settings
from callcenter.simulator.asterisk_leg import AsteriskLeg
from media_edge.ops.api import OpsBackend, create_ops_api
from media_edge.phrases import PHRASES
from media_edge.registry import CallRegistry

TOKEN = "ops-test-token-1"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DAY = "2026-01-15"  # a winter day long ago: Kyiv is UTC+2, and no other test writes calls then
CALLER = "+380671112233"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def ops_system(temporal_server, temporal_client, database_url):
    async with running_system(
        temporal_client, temporal_server.address, database_url, ops_token=TOKEN
    ) as system:
        yield system


@pytest_asyncio.fixture(loop_scope="session")
async def ops(ops_system):
    async with httpx.AsyncClient(base_url=ops_system.settings.edge_url, timeout=10) as client:
        yield client


def _record(n: int, *, started: datetime, duration_s: float, outcome: str, scenarios: list[str],
            latencies: list[dict], order_number: str | None = None, caller: str = CALLER) -> tuple:
    call_id = uuid.UUID(int=0xC0FFEE0000 + n)
    transcript = [
        {"role": "agent", "text": "Доброго дня! Магазин шин.", "at": started.isoformat(), "turn_id": 0, "tool_calls": []},
        {"role": "caller", "text": f"Мій номер {caller}, шукаю шини", "at": started.isoformat(), "turn_id": 1,
         "tool_calls": []},
        {"role": "agent", "text": "Шукаю.", "at": started.isoformat(), "turn_id": 1, "tool_calls": [
            {"name": "get_order_status", "arguments": {"phone": caller}, "result": None, "error": None,
             "duration_ms": 42.0}]},
    ]
    return (call_id, caller, "0800300500", "edge-x", started, started + timedelta(seconds=duration_s), outcome,
            "caller_hangup", scenarios, len(latencies), json.dumps(transcript, ensure_ascii=False), "[]",
            json.dumps(latencies), order_number)


# Kyiv is UTC+2 in January: 2026-01-14T22:30Z is already the 15th there, 2026-01-15T22:30Z the 16th.
RECORDS = [
    _record(1, started=datetime(2026, 1, 14, 22, 30, tzinfo=UTC), duration_s=60, outcome="completed",
            scenarios=["tire_search", "order"], order_number="SO-1001",
            latencies=[{"turn_id": 1, "stt_ms": 100.0, "agent_step_ms": 200.0, "first_audio_ms": 700.0},
                       {"turn_id": 2, "stt_ms": 120.0, "agent_step_ms": 400.0, "first_audio_ms": 900.0}]),
    _record(2, started=datetime(2026, 1, 15, 9, 0, tzinfo=UTC), duration_s=120, outcome="transferred",
            scenarios=["transfer"], latencies=[{"turn_id": 1, "stt_ms": 110.0, "agent_step_ms": 300.0, "first_text_ms": None}]),
    _record(3, started=datetime(2026, 1, 15, 12, 0, tzinfo=UTC), duration_s=30, outcome="completed",
            scenarios=["tire_search", "availability"], caller="+380501234567",
            latencies=[{"turn_id": 1, "stt_ms": 90.0, "agent_step_ms": 600.0}]),
    _record(4, started=datetime(2026, 1, 15, 21, 59, tzinfo=UTC), duration_s=90, outcome="abandoned",
            scenarios=[], latencies=[]),
    # the 16th in Kyiv: not counted
    _record(5, started=datetime(2026, 1, 15, 22, 30, tzinfo=UTC), duration_s=999, outcome="failed",
            scenarios=["advice"], latencies=[{"turn_id": 1, "agent_step_ms": 9999.0}]),
]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def records(ops_system):
    await ops_system.pool.executemany(
        """INSERT INTO callcenter.calls (call_id, caller_number, dialled_number, edge_id, started_at, ended_at,
               outcome, hangup_reason, scenarios, turns, transcript, tool_calls, latencies, order_number)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::jsonb, $13::jsonb, $14)
           ON CONFLICT (call_id) DO NOTHING""",
        RECORDS,
    )
    return RECORDS


def percentile_cont(values: list[float], q: float) -> float:
    """PostgreSQL's percentile_cont: linear interpolation between the closest ranks."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


# ------------------------------------------------------------------------------------------- auth
ENDPOINTS = ["/ops/calls/live", "/ops/calls", "/ops/calls/00000000-0000-4000-8000-000000000001", "/ops/analytics/daily", "/ops/tasks"]


@pytest.mark.parametrize("path", ENDPOINTS)
async def test_every_ops_endpoint_needs_the_bearer_token(ops: httpx.AsyncClient, path: str) -> None:
    assert (await ops.get(path)).status_code == 401
    assert (await ops.get(path, headers={"Authorization": "Bearer wrong"})).status_code == 401
    assert (await ops.get(path, headers={"Authorization": TOKEN})).status_code == 401  # no "Bearer "
    assert (await ops.get(path, headers={"Authorization": f"Bearer {TOKEN}x"})).status_code == 401
    assert (await ops.get(path, headers=AUTH)).status_code in (200, 404)


async def test_metrics_stay_open_and_the_page_holds_no_data(ops: httpx.AsyncClient) -> None:
    metrics = await ops.get("/metrics")
    assert metrics.status_code == 200
    assert "edge_active_calls" in metrics.text
    page = await ops.get("/ops/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Дзвінки зараз" in page.text and TOKEN not in page.text
    # no CDN: the only URL is the SVG namespace, a name for createElementNS, never fetched
    script = page.text.split("<script>", 1)[1].replace('"http://www.w3.org/2000/svg"', "")
    assert "http://" not in script and "https://" not in page.text


async def test_ops_endpoints_are_closed_without_a_configured_token() -> None:
    server = BackgroundServer(create_ops_api(OpsBackend(Settings(ops_token=None), CallRegistry())), "127.0.0.1", 0)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}", timeout=5) as client:
            for path in ("/calls/live", "/tasks"):
                assert (await client.get(path, headers={"Authorization": "Bearer x"})).status_code == 403
                assert (await client.get(path)).status_code == 403
    finally:
        await server.stop()


# -------------------------------------------------------------------------------------- analytics
async def test_daily_analytics_of_a_kyiv_day(ops: httpx.AsyncClient, records) -> None:
    response = await ops.get("/ops/analytics/daily", params={"date": DAY}, headers=AUTH)
    assert response.status_code == 200
    a = response.json()
    assert a["date"] == DAY and a["timezone"] == "Europe/Kyiv"
    assert a["calls"] == 4  # records 1-4; record 5 is already the 16th in Kyiv
    assert a["outcomes"] == {"completed": 2, "transferred": 1, "abandoned": 1}
    assert a["scenarios"] == {"tire_search": 2, "order": 1, "transfer": 1, "availability": 1}
    assert a["orders"] == 1 and a["conversion_to_orders"] == 0.25
    assert a["bookings"] == 0
    assert a["avg_handling_s"] == 75.0  # (60 + 120 + 30 + 90) / 4
    assert a["transfer_rate"] == 0.25
    step = [200.0, 400.0, 300.0, 600.0]
    assert a["latency_ms"]["agent_step_ms"] == {
        "p50": round(percentile_cont(step, 0.5), 1), "p95": round(percentile_cont(step, 0.95), 1), "turns": 4,
    }
    assert a["latency_ms"]["first_audio_ms"] == {"p50": 800.0, "p95": 890.0, "turns": 2}
    assert a["latency_ms"]["stt_ms"]["turns"] == 4
    # the day's chart: 24 Kyiv hours, calls per hour and what callers waited (first agent audio)
    hours = {h["hour"]: h for h in a["hourly"]}
    assert sorted(hours) == list(range(24))
    assert {h: p["calls"] for h, p in hours.items() if p["calls"]} == {0: 1, 11: 1, 14: 1, 23: 1}
    assert hours[0]["first_audio_p95_ms"] == 890.0 and hours[0]["first_audio_p50_ms"] == 800.0
    assert hours[0]["turns"] == 2
    assert hours[11]["first_audio_p95_ms"] is None and hours[11]["turns"] == 0  # no first audio measured
    assert sum(h["calls"] for h in a["hourly"]) == a["calls"]
    assert "turn_id" not in a["latency_ms"] and "first_text_ms" not in a["latency_ms"]  # null is no value

    empty = (await ops.get("/ops/analytics/daily", params={"date": "2001-01-01"}, headers=AUTH)).json()
    assert empty["calls"] == 0 and empty["transfer_rate"] is None and empty["latency_ms"] == {}
    bad = await ops.get("/ops/analytics/daily", params={"date": "15.01.2026"}, headers=AUTH)
    assert bad.status_code == 422


async def test_recent_calls_filter_and_mask(ops: httpx.AsyncClient, ops_system, records) -> None:
    page = (await ops.get("/ops/calls", params={"date": DAY}, headers=AUTH)).json()
    assert page["total"] == 4 and page["offset"] == 0 and page["limit"] == 50
    day = page["items"]
    assert [c["call_id"] for c in day] == [str(r[0]) for r in reversed(RECORDS[:4])]  # newest first
    assert {c["caller"] for c in day} == {"+38067***2233", "+38050***4567"}
    assert CALLER not in json.dumps(day)
    first = day[-1]
    assert first["order_number"] == "SO-1001" and first["scenarios"] == ["tire_search", "order"]
    ui = ops_system.settings.temporal_ui_url
    assert first["temporal_url"] == f"{ui}/namespaces/default/workflows/{first['call_id']}"

    # what the caller lived, per call: end of speech → first agent audio over its turns
    assert first["first_audio_ms"] == {"p50": 800.0, "p95": 890.0, "turns": 2}
    assert day[0]["first_audio_ms"] is None  # record 4: no turn measured

    transferred = (await ops.get("/ops/calls", params={"date": DAY, "outcome": "transferred"}, headers=AUTH)).json()
    assert [c["call_id"] for c in transferred["items"]] == [str(RECORDS[1][0])] and transferred["total"] == 1
    by_phone = (await ops.get("/ops/calls", params={"date": DAY, "phone": "+380501234567"}, headers=AUTH)).json()
    assert [c["call_id"] for c in by_phone["items"]] == [str(RECORDS[2][0])]


async def test_recent_calls_page_by_page(ops: httpx.AsyncClient, records) -> None:
    newest_first = [str(r[0]) for r in reversed(RECORDS[:4])]
    seen = []
    for offset in (0, 2):
        page = (await ops.get("/ops/calls", params={"date": DAY, "limit": 2, "offset": offset}, headers=AUTH)).json()
        assert page["total"] == 4 and page["limit"] == 2 and page["offset"] == offset
        seen += [c["call_id"] for c in page["items"]]
    assert seen == newest_first  # no call twice, none left out
    past = (await ops.get("/ops/calls", params={"date": DAY, "limit": 2, "offset": 4}, headers=AUTH)).json()
    assert past["items"] == [] and past["total"] == 4
    assert (await ops.get("/ops/calls", params={"offset": -1}, headers=AUTH)).status_code == 422
    assert (await ops.get("/ops/calls", params={"limit": 0}, headers=AUTH)).status_code == 422


async def test_find_a_call_by_its_order_or_booking_number(ops: httpx.AsyncClient, ops_system) -> None:
    """The row's own order / booking number, or a second order only its fulfilments know."""
    started = datetime(2026, 2, 3, 10, 0, tzinfo=UTC)
    ordered, booked = uuid.uuid4(), uuid.uuid4()
    await ops_system.pool.executemany(
        """INSERT INTO callcenter.calls (call_id, caller_number, dialled_number, edge_id, started_at, ended_at,
               outcome, hangup_reason, scenarios, turns, transcript, tool_calls, latencies, order_number, booking_number)
           VALUES ($1, $2, '0800300500', 'edge-x', $3::timestamptz, $3::timestamptz + interval '1 minute', 'completed', 'agent_hangup',
                   $4, 1, '[]', '[]', '[]', $5, $6)""",
        [(ordered, CALLER, started, ["order"], "SO-7001", None),
         (booked, "+380501234567", started + timedelta(minutes=5), ["fitting"], None, "BK-7002")],
    )
    await ops_system.pool.execute(
        "INSERT INTO callcenter.call_fulfilments (call_id, key, kind, number, status)"
        " VALUES ($1, $2, 'order', 'SO-7003', 'done')",
        str(ordered), f"{ordered}-order-2",
    )

    async def found(number: str) -> list[str]:
        page = (await ops.get("/ops/calls", params={"number": number}, headers=AUTH)).json()
        assert page["total"] == len(page["items"])
        return [c["call_id"] for c in page["items"]]

    assert await found("SO-7001") == [str(ordered)]
    assert await found("SO-7003") == [str(ordered)]  # the call's second order
    assert await found(" bk-7002 ") == [str(booked)]  # as an ops person types it
    assert await found("#BK-7002") == [str(booked)]
    assert await found("SO-0000") == []
    hit = (await ops.get("/ops/calls", params={"number": "BK-7002"}, headers=AUTH)).json()["items"][0]
    assert hit["booking_number"] == "BK-7002" and hit["caller"] == "+38050***4567"
    # with the other filters: the day and the outcome narrow the search
    assert (await ops.get("/ops/calls", params={"number": "SO-7001", "date": DAY}, headers=AUTH)).json()["total"] == 0
    # the database can answer from its indexes (migration 004)
    indexes = {r["indexname"] for r in await ops_system.pool.fetch(
        "SELECT indexname FROM pg_indexes WHERE schemaname = 'callcenter'")}
    assert {"calls_order_number", "calls_booking_number", "call_fulfilments_number"} <= indexes


async def test_a_recorded_call_view_masks_numbers_in_the_transcript(ops: httpx.AsyncClient, records) -> None:
    call_id = str(RECORDS[0][0])
    view = (await ops.get(f"/ops/calls/{call_id}", headers=AUTH)).json()
    assert view["source"] == "record" and view["ended"] is True
    assert view["first_audio_ms"] == {"p50": 800.0, "p95": 890.0, "turns": 2}
    assert view["caller"] == "+38067***2233" and view["order_number"] == "SO-1001"
    assert view["transcript"][1]["text"] == "Мій номер +38067***2233, шукаю шини"
    assert view["transcript"][2]["tool_calls"][0]["arguments"] == {"phone": "+38067***2233"}
    assert view["latencies"][0] == {"turn_id": 1, "stt_ms": 100.0, "agent_step_ms": 200.0, "first_audio_ms": 700.0}
    assert CALLER not in json.dumps(view)
    assert view["temporal_url"].endswith(f"/workflows/{call_id}")
    assert (await ops.get(f"/ops/calls/{uuid.uuid4()}", headers=AUTH)).status_code == 404
    assert (await ops.get("/ops/calls/not-a-uuid", headers=AUTH)).status_code == 422


# ------------------------------------------------------------------------------------------ tasks
async def test_open_tasks_are_listed_masked(ops: httpx.AsyncClient, ops_system) -> None:
    call_id = str(uuid.uuid4())
    await ops_system.pool.execute(
        "INSERT INTO callcenter.ops_tasks (key, kind, call_id, phone, reference, detail, status) VALUES"
        " ($1, 'order_refused', $2, $3, 'SO-77', 'Склад відмовив: немає в наявності', 'open'),"
        " ($4, 'callback', $2, $3, '', 'done already', 'done')",
        f"t-{call_id}", call_id, CALLER, f"t2-{call_id}",
    )
    tasks = (await ops.get("/ops/tasks", headers=AUTH)).json()
    mine = [t for t in tasks if t["call_id"] == call_id]
    assert len(mine) == 1  # only open ones
    task = mine[0]
    assert task["kind"] == "order_refused" and task["reference"] == "SO-77" and task["status"] == "open"
    assert task["phone"] == "+38067***2233" and task["temporal_url"].endswith(call_id)


async def test_closing_a_task_from_the_page_stores_who_and_when(ops: httpx.AsyncClient, ops_system) -> None:
    call_id = str(uuid.uuid4())
    task_id = await ops_system.pool.fetchval(
        "INSERT INTO callcenter.ops_tasks (key, kind, call_id, phone, reference, detail)"
        " VALUES ($1, 'booking_refused', $2, $3, 'k', 'Слот зайнятий') RETURNING id",
        f"close-{call_id}", call_id, CALLER,
    )
    path = f"/ops/tasks/{task_id}/close"
    body = {"closed_by": "  Олена   Коваль ", "note": f"передзвонила, номер {CALLER}"}
    assert (await ops.post(path, json=body)).status_code == 401
    assert (await ops.post(path, json=body, headers={"Authorization": "Bearer wrong"})).status_code == 401
    assert (await ops.post(path, json={"closed_by": ""}, headers=AUTH)).status_code == 422
    assert (await ops.post(path, json={"closed_by": "   "}, headers=AUTH)).status_code == 422
    assert (await ops.post(path, json={}, headers=AUTH)).status_code == 422

    before = datetime.now(UTC)
    closed = await ops.post(path, json=body, headers=AUTH)
    assert closed.status_code == 200
    task = closed.json()
    assert task["id"] == task_id and task["status"] == "done"
    assert task["closed_by"] == "Олена Коваль"
    assert task["close_note"] == "передзвонила, номер +38067***2233" and task["phone"] == "+38067***2233"
    closed_at = datetime.fromisoformat(task["closed_at"])
    assert before - timedelta(seconds=5) < closed_at < datetime.now(UTC) + timedelta(seconds=5)
    row = await ops_system.pool.fetchrow("SELECT status, closed_by, closed_at FROM callcenter.ops_tasks WHERE id = $1",
                                        task_id)
    assert row["status"] == "done" and row["closed_by"] == "Олена Коваль" and row["closed_at"] == closed_at

    again = await ops.post(path, json={"closed_by": "Петро"}, headers=AUTH)
    assert again.status_code == 409 and "Олена Коваль" in again.json()["detail"]
    assert (await ops.post("/ops/tasks/999999999/close", json=body, headers=AUTH)).status_code == 404

    open_ids = {t["id"] for t in (await ops.get("/ops/tasks", headers=AUTH)).json()}
    assert task_id not in open_ids
    done = (await ops.get("/ops/tasks", params={"status": "closed"}, headers=AUTH)).json()
    mine = next(t for t in done if t["id"] == task_id)
    assert mine["closed_by"] == "Олена Коваль" and mine["closed_at"] == task["closed_at"]
    assert CALLER not in json.dumps(done)
    assert (await ops.get("/ops/tasks", params={"status": "whatever"}, headers=AUTH)).status_code == 422


async def test_tasks_and_records_tolerate_a_database_without_the_tables(make_database) -> None:
    empty_db = await make_database()
    settings = Settings(ops_token=TOKEN, DATABASE_URL=empty_db)
    backend = OpsBackend(settings, CallRegistry())
    server = BackgroundServer(create_ops_api(backend), "127.0.0.1", 0)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}", timeout=10) as client:
            assert (await client.get("/tasks", headers=AUTH)).json() == []
            assert (await client.get("/calls", headers=AUTH)).json() == {"items": [], "total": 0, "limit": 50, "offset": 0}
            assert (await client.get("/analytics/daily", headers=AUTH)).json()["calls"] == 0
            closing = await client.post("/tasks/1/close", json={"closed_by": "Олена"}, headers=AUTH)
            assert closing.status_code == 503
    finally:
        await server.stop()
        await backend.aclose()


# ------------------------------------------------------------------------------------- live calls
async def test_a_live_call_then_its_record(ops: httpx.AsyncClient, ops_system) -> None:
    settings = ops_system.settings
    call_id = str(uuid.uuid4())
    registered = await ops.post(
        f"/calls/{call_id}/register",
        json={"caller_number": CALLER, "dialled_number": "0800300500", "channel": "PJSIP/trunk-1"},
    )
    assert registered.status_code == 204
    leg = await AsteriskLeg(settings.edge_host, settings.audiosocket_port, call_id=call_id).connect()
    try:
        await leg.wait_agent_quiet(500, timeout=15, after=0.0)  # the greeting played: the workflow runs
        live = (await ops.get("/ops/calls/live", headers=AUTH)).json()
        mine = next(c for c in live if c["call_id"] == call_id)
        assert mine["caller"] == "+38067***2233" and mine["dialled"] == "0800300500"
        assert mine["edge_id"] == settings.edge_id and mine["state"] in ("listening", "speaking")
        assert 0 < mine["duration_s"] < 60 and mine["started_at"] is not None
        assert mine["temporal_url"].endswith(f"/workflows/{call_id}")
        assert CALLER not in json.dumps(live)

        view = (await ops.get(f"/ops/calls/{call_id}", headers=AUTH)).json()
        assert view["source"] == "live" and view["ended"] is False and view["outcome"] == "in_progress"
        assert view["caller"] == "+38067***2233"
        assert view["transcript"][0]["role"] == "agent" and view["transcript"][0]["text"] == PHRASES["greeting"]
    finally:
        await leg.hangup()
        await leg.close()

    record = None
    for _ in range(100):  # the record lands after the hangup signal
        view = (await ops.get(f"/ops/calls/{call_id}", headers=AUTH)).json()
        if view.get("source") == "record":
            record = view
            break
        await asyncio.sleep(0.1)
    assert record is not None, "the call's record should replace the live snapshot"
    assert record["ended"] is True and record["outcome"] == "abandoned" and record["caller"] == "+38067***2233"
    live = (await ops.get("/ops/calls/live", headers=AUTH)).json()
    assert call_id not in {c["call_id"] for c in live}
    # The worker counted the finished call (activities.metrics.count_call in save_call_record);
    # in process the edge's /metrics shows the same default registry.
    assert 'callcenter_calls_total{outcome="abandoned"}' in (await ops.get("/metrics")).text


async def test_what_the_caller_waited_is_stored_per_turn(ops: httpx.AsyncClient, ops_system) -> None:
    """End of caller speech → first agent audio, measured at the edge: turn 1's figure reaches
    the workflow with turn 2 (the live view shows it), the last turn's with the hangup, and the
    call record keeps both; they match what the caller's side of the line measured."""
    from callcenter.simulator.runner import CallerVoice

    settings = ops_system.settings
    voice = CallerVoice()
    call_id = str(uuid.uuid4())
    await ops.post(f"/calls/{call_id}/register", json={"caller_number": CALLER, "dialled_number": "0800300500"})
    leg = await AsteriskLeg(settings.edge_host, settings.audiosocket_port, call_id=call_id).connect()
    waited = []
    try:
        await leg.wait_agent_quiet(500, timeout=15, after=0.0)
        for text in ("Потрібні зимові шини двісті п'ять п'ятдесят п'ять ер шістнадцять.", "А які є в наявності?"):
            await ops.post(f"/sim/calls/{call_id}/utterances", json={"text": text})
            speech_end = await leg.send_audio(await voice.say(text, leg.rate))
            first_audio = await leg.wait_for_agent_audio(after=speech_end, timeout=15)
            waited.append((first_audio - speech_end) * 1000)
            await leg.wait_agent_quiet(500, timeout=30, after=first_audio)
        live = (await ops.get(f"/ops/calls/{call_id}", headers=AUTH)).json()
        assert live["source"] == "live"
        assert isinstance(live["latencies"][0].get("first_audio_ms"), float)  # turn 1, told with turn 2
    finally:
        await leg.hangup()
        await leg.close()

    record = None
    for _ in range(100):
        view = (await ops.get(f"/ops/calls/{call_id}", headers=AUTH)).json()
        if view.get("source") == "record":
            record = view
            break
        await asyncio.sleep(0.1)
    assert record is not None
    heard = [lat["first_audio_ms"] for lat in record["latencies"]]
    assert [lat["turn_id"] for lat in record["latencies"]] == [1, 2]
    assert all(isinstance(v, float) for v in heard), record["latencies"]
    for edge_ms, line_ms in zip(heard, waited, strict=True):
        assert abs(edge_ms - line_ms) < 150, (heard, waited)  # the same wait, seen from both ends
    assert all(lat["overhead_ms"] <= lat["first_audio_ms"] for lat in record["latencies"])
    assert record["first_audio_ms"]["turns"] == 2
    stored = await ops_system.pool.fetchval("SELECT latencies FROM callcenter.calls WHERE call_id = $1",
                                            uuid.UUID(call_id))
    assert [lat["first_audio_ms"] for lat in json.loads(stored)] == heard


async def test_tool_runs_are_timed_and_failures_counted_by_kind(ops: httpx.AsyncClient) -> None:
    from activities.tools import ToolError, ToolRunner

    runner = ToolRunner(store=None)  # type: ignore[arg-type] - these calls never reach the store
    with pytest.raises(ToolError):
        await runner.call("no_such_tool", {})
    with pytest.raises(ToolError):
        await runner.call("check_availability", {"sku": 42})
    try:  # a run that succeeds inside the caller's own except block is not a failure
        raise KeyError("the caller's own")
    except KeyError:
        await runner.call("transfer_to_operator", {"reason": "клієнт попросив"})
    text = (await ops.get("/metrics")).text
    # Every known label set exists at zero from start-up (so increase() sees the first error); the
    # successful run inside an except block must leave the transfer's error series at zero.
    transfer_errors = [line for line in text.splitlines()
                       if line.startswith("callcenter_tool_errors_total") and 'tool="transfer_to_operator"' in line]
    assert all(float(line.rsplit(" ", 1)[1]) == 0.0 for line in transfer_errors), transfer_errors
    assert 'callcenter_tool_errors_total{kind="ToolError",tool="no_such_tool"} 1.0' in text
    assert 'callcenter_tool_errors_total{kind="ValidationError",tool="check_availability"}' in text
    assert 'callcenter_tool_seconds_count{tool="no_such_tool"} 1.0' in text


async def test_a_call_record_saved_again_is_counted_once(ops_system) -> None:
    """A retry after the commit (the worker died before reporting success) rewrites the same
    row; the calls-by-outcome counter must not count the call twice."""
    from activities.call_records import CallRecordActivities
    from activities.metrics import CALLS
    from workflows.models import CallOutcome, CallRecord, TransferInfo

    now = datetime.now(UTC)
    record = CallRecord(
        call_id=str(uuid.uuid4()), caller_number="+380671112233", dialled_number="0800300500", edge_id="edge-x",
        started_at=now - timedelta(seconds=40), ended_at=now, outcome=CallOutcome.TRANSFERRED,
        hangup_reason="transfer", scenarios=[], transcript=[], latencies=[],
        transfer=TransferInfo(summary="ШІ: клієнт попросив"),
    )
    counted = CALLS.labels(outcome="transferred")._value.get()
    activities = CallRecordActivities(ops_system.pool)
    await activities.save_call_record(record)
    await activities.save_call_record(record)
    assert CALLS.labels(outcome="transferred")._value.get() == counted + 1
    rows = await ops_system.pool.fetchval(
        "SELECT count(*) FROM callcenter.calls WHERE call_id = $1", uuid.UUID(record.call_id)
    )
    assert rows == 1
