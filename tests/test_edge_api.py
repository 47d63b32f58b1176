"""The media edge's HTTP API over real HTTP: what the dialplan, Prometheus and ops people call."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from callcenter.http_server import BackgroundServer
from callcenter.settings import Settings
from media_edge.api import create_edge_api
from media_edge.registry import CallRegistration, CallRegistry, Disposition, DispositionAction


@pytest_asyncio.fixture(loop_scope="session")
async def edge(system) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=system.settings.edge_url, timeout=5) as client:
        yield client


async def test_health_names_the_edge(edge: httpx.AsyncClient, system) -> None:
    response = await edge.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["edge_id"] == system.settings.edge_id
    assert isinstance(body["active_calls"], int)


async def test_metrics_for_prometheus(edge: httpx.AsyncClient) -> None:
    response = await edge.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert any(line.startswith("edge_active_calls ") for line in lines)
    assert "# TYPE edge_turn_first_audio_seconds histogram" in response.text
    assert any(line.startswith('edge_turn_first_audio_seconds_bucket{le="0.2"}') for line in lines)


async def test_registered_call_has_no_disposition_before_it_runs(edge: httpx.AsyncClient, system) -> None:
    call_id = str(uuid.uuid4())
    response = await edge.post(
        f"/calls/{call_id}/register",
        json={"caller_number": "+380501234567", "dialled_number": "0800300500", "channel": "PJSIP/trunk-0001"},
    )
    assert response.status_code == 204
    assert response.content == b""

    disposition = await edge.get(f"/calls/{call_id}/disposition")
    assert disposition.status_code == 200
    assert disposition.json()["action"] == "unknown"

    # The edge holds the registration for the AudioSocket leg that follows (keyed case-insensitively).
    registration = system.edge.ctx.registry.take_registration(call_id.upper())
    assert registration == CallRegistration(
        caller_number="+380501234567", dialled_number="0800300500", channel="PJSIP/trunk-0001"
    )


async def test_disposition_for_the_dialplan_is_one_comma_separated_line(edge: httpx.AsyncClient, system) -> None:
    call_id = str(uuid.uuid4())
    unknown = await edge.get(f"/calls/{call_id}/disposition", params={"format": "dialplan"})
    assert unknown.status_code == 200
    assert unknown.headers["content-type"].startswith("text/plain")
    assert unknown.text == "unknown,,"

    # A finished call: the summary's commas must not break CUT(…,\,,n) in the dialplan.
    system.edge.ctx.registry.set_disposition(
        call_id,
        Disposition(action=DispositionAction.TRANSFER, queue="operators", caller_name="шини 205/55 R16, зимові"),
    )
    transfer = await edge.get(f"/calls/{call_id}/disposition", params={"format": "dialplan"})
    assert transfer.text == "transfer,operators,шини 205/55 R16  зимові"
    assert transfer.text.count(",") == 2
    as_json = await edge.get(f"/calls/{call_id}/disposition")
    assert as_json.json() == {"action": "transfer", "queue": "operators", "caller_name": "шини 205/55 R16, зимові"}


async def test_unknown_disposition_format_is_rejected(edge: httpx.AsyncClient) -> None:
    response = await edge.get(f"/calls/{uuid.uuid4()}/disposition", params={"format": "xml"})
    assert response.status_code == 422


async def test_call_ids_must_be_uuids(edge: httpx.AsyncClient) -> None:
    registered = await edge.post("/calls/not-a-uuid/register", json={})
    assert registered.status_code == 422
    assert "not a UUID" in registered.json()["detail"]
    disposition = await edge.get("/calls/12345/disposition")
    assert disposition.status_code == 422


async def test_ops_view_is_closed_when_no_token_is_configured(edge: httpx.AsyncClient, system) -> None:
    assert system.settings.ops_token is None
    assert (await edge.get("/calls")).status_code == 403
    assert (await edge.get("/calls", headers={"Authorization": "Bearer anything"})).status_code == 403


async def test_ops_view_with_a_token() -> None:
    registry = CallRegistry()
    server = BackgroundServer(create_edge_api(Settings(ops_token="s3cret"), registry), "127.0.0.1", 0)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}", timeout=5) as client:
            assert (await client.get("/calls")).status_code == 401
            assert (await client.get("/calls", headers={"Authorization": "Bearer wrong"})).status_code == 401
            assert (await client.get("/calls", headers={"Authorization": "s3cret"})).status_code == 401
            right = await client.get("/calls", headers={"Authorization": "Bearer s3cret"})
            assert right.status_code == 200
            assert right.json() == []
    finally:
        await server.stop()


async def test_an_empty_token_keeps_ops_views_closed() -> None:
    server = BackgroundServer(create_edge_api(Settings(ops_token=""), CallRegistry()), "127.0.0.1", 0)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}", timeout=5) as client:
            assert (await client.get("/calls")).status_code == 403
            assert (await client.get("/calls", headers={"Authorization": "Bearer x"})).status_code == 403
    finally:
        await server.stop()


async def test_sim_utterance_is_queued_for_the_simulated_recognizer(edge: httpx.AsyncClient, system) -> None:
    call_id = str(uuid.uuid4())
    stt = system.edge.ctx.stt
    first = await edge.post(f"/sim/calls/{call_id}/utterances", json={"text": "Добрий день"})
    second = await edge.post(f"/sim/calls/{call_id}/utterances", json={"text": "205/55 R16"})
    assert first.status_code == second.status_code == 204
    try:
        assert stt.pending(call_id) == ["Добрий день", "205/55 R16"]
    finally:
        stt.forget(call_id)
    assert (await edge.post("/sim/calls/nope/utterances", json={"text": "x"})).status_code == 422
    assert (await edge.post(f"/sim/calls/{call_id}/utterances", json={})).status_code == 422
