"""The AudioSocket fault scenarios (chaos/audiosocket.py) at their quick sizes, and the edge's
answers to what they found: a second leg on a live call is refused, a leg past the edge's limit
goes to the operators, a broken leg is let go at once, a silent leg ends its call as ``no_audio``.

Everything is real: the edge, the worker and the store in this process on the session's Temporal
dev server and a fresh PostgreSQL database; the faults go over TCP.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid

import httpx
import pytest
import pytest_asyncio

from bench.callers import synthesise_lines
from callcenter.simulator.asterisk_leg import AsteriskLeg
from chaos.audiosocket import (
    CALLER_LINES,
    MAKERS,
    SCENARIOS,
    Verdict,
    _audio,
    _call_records,
    _frame,
    _RealCall,
    _uuid_frame,
    fuzz,
    make_stream,
    silent,
    verdict,
)
from media_edge.audiosocket.protocol import FrameKind
from tests.conftest import TEST_AGENT_WPM

IDLE_S = 1.0  # the edge's audiosocket_idle_timeout_s here, so silent legs end quickly


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def chaos_system(temporal_server, temporal_client, _infra):
    from callcenter.devstack.inprocess import running_system

    async with running_system(
        temporal_client, temporal_server.address, await _infra.new_database(),
        espeak_rate_wpm=TEST_AGENT_WPM, audiosocket_idle_timeout_s=IDLE_S,
    ) as system:
        yield system


def _pair(value: str) -> tuple[int, int]:
    a, b = value.split("/")
    return int(a), int(b)


# --- the corpus ------------------------------------------------------------------------------


def test_the_corpus_covers_every_fault_and_is_reproducible() -> None:
    live = [str(uuid.uuid4())]
    streams = [make_stream(i, 1, live) for i in range(600)]
    assert {s.kind for s in streams} == set(MAKERS)
    ends = {verdict(s.data).end for s in streams}
    assert ends == {"no UUID", "handshake rejected", "protocol error", "hangup", "error frame", "valid", "truncated"}
    assert {s.ending for s in streams} == {"wait", "eof", "close", "abort"}
    assert any(s.second_leg for s in streams) and any(s.registered for s in streams)
    second_legs = [verdict(s.data).call_id for s in streams if s.second_leg and s.kind != "mutated real stream"]
    assert set(second_legs) == {live[0], None}  # on the live call's UUID, unless the handshake itself lies
    assert [s.data for s in streams[:50]] == [make_stream(i, 1, live).data for i in range(50)]


def test_verdict_reads_streams_as_the_edge_does() -> None:
    call = str(uuid.uuid4())
    head = _uuid_frame(call)
    audio = _audio(random.Random(1), 640)
    assert verdict(b"") == verdict(b"\x01\x00") == Verdict("no UUID", None)
    assert verdict(audio).end == "handshake rejected"
    assert verdict(head + audio) == Verdict("valid", call)
    assert verdict(head + _frame(FrameKind.SLIN_16K, b"", length=0)).end == "protocol error"
    assert verdict(head + _frame(FrameKind.SLIN_16K, bytes(10), length=640)).end == "truncated"
    assert verdict(head + _frame(0x02, b"ab")).end == "protocol error"
    assert verdict(head + _frame(FrameKind.ERROR, b"\x01") + _frame(0x02)).end == "error frame"
    assert verdict(head + _frame(FrameKind.HANGUP)).call_id == call


def test_the_scenarios_are_registered_with_their_sizes() -> None:
    sizes = {s.name: (s.full, s.quick) for s in SCENARIOS}
    assert sizes["fuzz"][0] == 10_000 and 300 <= sizes["fuzz"][1] <= 500
    assert sizes["silent"][0] >= 100 and sizes["silent"][1] <= 50


# --- the scenarios, quick --------------------------------------------------------------------


@pytest.mark.timeout(150)
async def test_fuzz_loses_nothing(chaos_system) -> None:
    result = await fuzz(400, chaos_system)

    assert result.lost == []
    checked = result.checked
    answered, spoken = _pair(checked["real calls: turns answered"])
    assert spoken >= 4 and answered == spoken  # 2 real calls, at least 2 turns each
    assert checked["real calls: longest gap between agent frames (ms)"] < 2000
    assert checked["real calls: playout underruns"] == 0
    opened, recorded = _pair(checked["calls the fuzz opened / with a call record"])
    assert opened > 150 and recorded == opened  # the fuzz got past the handshake, each call recorded
    assert checked["second legs on a live call"] > 0 and checked["on a registered call"] > 0
    assert "left open" not in checked["streams by how the edge ended them"]
    assert checked["new call after the fuzz"] == "greeting + 1 turn answered"
    assert checked["live sessions after (before)"] == "0 (0)"
    assert checked["AudioSocket connections after (before)"] == "0 (0)"
    assert checked["errors the edge logged"] == 0


@pytest.mark.timeout(90)
async def test_silent_clients_are_dropped_and_a_real_call_goes_on(chaos_system) -> None:
    result = await silent(16, chaos_system)

    assert result.lost == []
    checked = result.checked
    for variant in ("nothing", "half a header", "UUID only", "UUID and a few frames"):
        assert checked[f"{variant}: dropped / clients"] == "4/4"
    assert checked["silent calls' records by hangup reason"] == "no_audio 8"
    answered, spoken = _pair(checked["real call: turns answered"])
    assert spoken >= 1 and answered == spoken
    assert checked["live sessions after (before)"] == "0 (0)"


# --- what the fuzz found ---------------------------------------------------------------------


async def test_a_second_leg_on_a_live_call_is_refused_and_the_call_goes_on(chaos_system) -> None:
    """Before the fix the second leg took the call's place on the edge and, when it broke, hung
    up the call's workflow: the live caller's next turn was never answered."""
    settings = chaos_system.settings
    pcm = await synthesise_lines(CALLER_LINES[:1])
    async with httpx.AsyncClient(base_url=settings.edge_url, trust_env=False, timeout=10) as http:
        call = _RealCall(chaos_system, http, pcm, seed=77)
        assert await call.dial()
        session = chaos_system.edge.ctx.registry.sessions[call.call_id]
        reader, writer = await asyncio.open_connection(settings.edge_host, settings.audiosocket_port)
        writer.write(_uuid_frame(call.call_id) + b"\x02\x00\x01x")  # the same UUID, then garbage
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), 5) == b""  # refused: closed, nothing said
        writer.close()
        assert chaos_system.edge.ctx.registry.sessions[call.call_id] is session

        stop = asyncio.Event()
        stop.set()
        await call.talk(stop, min_turns=1, max_turns=1)
        assert call.problems == [] and call.answered == 1
        await call.hang_up()
    record = (await _call_records(chaos_system, {call.call_id}, 30))[call.call_id]
    assert (record["turns"], record["hangup_reason"]) == (1, "caller_hangup")


async def test_a_call_beyond_the_edges_limit_goes_straight_to_the_operators(chaos_system, monkeypatch) -> None:
    """A flood of legs used to slow every call on the edge; past ``edge_max_calls`` a new leg is
    hung up at once with a transfer disposition, the calls already there go on, and the one
    handed over still has its call record."""
    settings = chaos_system.settings
    registry = chaos_system.edge.ctx.registry
    pcm = await synthesise_lines(CALLER_LINES[:1])
    async with httpx.AsyncClient(base_url=settings.edge_url, trust_env=False, timeout=10) as http:
        call = _RealCall(chaos_system, http, pcm, seed=78)
        assert await call.dial()
        monkeypatch.setattr(chaos_system.edge.ctx.settings, "edge_max_calls", len(registry.sessions))
        extra = str(uuid.uuid4())
        assert (await http.post(f"/calls/{extra}/register", json={"caller_number": "+380671112233"})).status_code == 204
        leg = await AsteriskLeg(settings.edge_host, settings.audiosocket_port, call_id=extra).connect()
        try:
            await asyncio.wait_for(leg.remote_hangup.wait(), 2)
            heard = b"".join(f.payload for f in leg.received if f.kind is FrameKind.SLIN_16K)
            assert not any(heard), "no agent for this one: at most the line's silence"
        finally:
            await leg.close()
        disposition = await http.get(f"/calls/{extra}/disposition", params={"format": "dialplan"})
        assert disposition.text.startswith("transfer,operators,")
        assert extra not in registry.sessions
        # Not lost to ops: its workflow ran and the call has its record, as a transfer.
        record = (await _call_records(chaos_system, {extra}, 30))[extra]
        assert (record["outcome"], record["hangup_reason"]) == ("transferred", "edge_full")
        assert record["caller_number"] == "+380671112233" and record["turns"] == 0

        stop = asyncio.Event()
        stop.set()
        await call.talk(stop, min_turns=1, max_turns=1)  # the call already there is answered
        assert call.problems == [] and call.answered == 1
        await call.hang_up()


async def test_a_broken_leg_is_let_go_at_once_and_still_recorded(chaos_system) -> None:
    """A leg that breaks the protocol before any audio: the edge closes it at once (it used to
    wait out the half second it gives a call's first audio, then the workflow start, then the
    hangup signal), and the call still gets its record."""
    settings = chaos_system.settings
    call_id = str(uuid.uuid4())
    reader, writer = await asyncio.open_connection(settings.edge_host, settings.audiosocket_port)
    writer.write(_uuid_frame(call_id))
    await writer.drain()
    await asyncio.sleep(0.05)  # the handshake is done, the session runs
    sent = time.monotonic()
    writer.write(_frame(FrameKind.SLIN_16K, b"", length=0))  # zero-length audio: fatal
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), 5) == b""
    closed_after = time.monotonic() - sent
    writer.close()
    assert closed_after < 0.3, f"the edge held the broken leg {closed_after:.2f} s"
    record = (await _call_records(chaos_system, {call_id}, 30))[call_id]
    assert record["hangup_reason"] == "error"


async def test_a_leg_that_stops_sending_mid_call_ends_as_no_audio(chaos_system) -> None:
    """Asterisk gone without a FIN: frames stop, the socket stays open. The edge ends the call
    after audiosocket_idle_timeout_s (it used to wait for the no-input reprompts, or with no
    audio at all for max_call_seconds), and the record says why."""
    settings = chaos_system.settings
    leg = await AsteriskLeg(settings.edge_host, settings.audiosocket_port).connect()
    try:
        await leg.wait_for_agent_audio(after=0.0, timeout=10)  # the greeting: the call is up
        leg.stream_silence = False  # the line goes dead, the socket stays open
        stopped = time.monotonic()
        await asyncio.wait_for(leg.remote_closed.wait(), IDLE_S * 1.25 + 2)
        assert time.monotonic() - stopped >= IDLE_S - 0.05
    finally:
        await leg.close()
    record = (await _call_records(chaos_system, {leg.call_id}, 30))[leg.call_id]
    assert record["hangup_reason"] == "no_audio"


async def test_a_caller_gone_before_the_start_fails_is_not_a_degraded_call(chaos_system, monkeypatch) -> None:
    """The caller hangs up while Temporal is slow to start the call, and then the start fails:
    nobody is there to hear an apology. It used to count as a degraded call, play the apology
    and the transfer notice into the dead leg and mark the call for the operators' queue."""
    from temporalio.service import RPCError, RPCStatusCode

    from media_edge import metrics

    async def slow_then_failing(client, start):
        await asyncio.sleep(0.5)
        raise RPCError("connection refused", RPCStatusCode.UNAVAILABLE, b"")

    monkeypatch.setattr("media_edge.session.start_call", slow_then_failing)
    settings = chaos_system.settings
    degraded = metrics.DEGRADED.labels(reason="temporal")._value.get()
    sessions = chaos_system.edge.ctx.registry.sessions
    leg = await AsteriskLeg(settings.edge_host, settings.audiosocket_port).connect()
    await asyncio.sleep(0.2)
    assert leg.call_id in sessions
    await leg.hangup()
    deadline = time.monotonic() + 10
    while leg.call_id in sessions and time.monotonic() < deadline:  # the session ends after the start
        await asyncio.sleep(0.05)
    assert leg.call_id not in sessions
    async with httpx.AsyncClient(base_url=settings.edge_url, trust_env=False, timeout=10) as http:
        disposition = (await http.get(f"/calls/{leg.call_id}/disposition")).json()
    assert metrics.DEGRADED.labels(reason="temporal")._value.get() == degraded
    assert disposition["action"] == "unknown"
