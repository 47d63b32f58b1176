"""Whole calls through the real AudioSocket path: simulated Asterisk leg → edge → Temporal → store.

Each bundled script (scenarios 1-3) is spoken as real audio at real time; the edge's real VAD
ends each turn; the workflow runs on the real Temporal dev server; the record lands in the
real PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest

from callcenter.simulator.asterisk_leg import AsteriskLeg
from callcenter.simulator.runner import CallerVoice, run_call
from callcenter.simulator.script import CallScript
from media_edge.phrases import PHRASES
from workflows.models import CallOutcome, Role


@pytest.fixture(scope="module")
def voice() -> CallerVoice:
    return CallerVoice()


ASK_WINTER = "Потрібні зимові шини двісті п'ять п'ятдесят п'ять ер шістнадцять."


async def _dial_and_ask(edge: httpx.AsyncClient, settings, voice: CallerVoice, text: str) -> tuple[AsteriskLeg, float]:
    """Dial as Asterisk, hear the greeting out, say `text`; returns the leg and the end of speech."""
    call_id = str(uuid.uuid4())
    leg = await AsteriskLeg(settings.edge_host, settings.audiosocket_port, call_id=call_id).connect()
    await leg.wait_agent_quiet(500, timeout=15, after=0.0)  # the greeting
    await edge.post(f"/sim/calls/{call_id}/utterances", json={"text": text})
    return leg, await leg.send_audio(await voice.say(text, leg.rate))


@pytest.mark.parametrize(
    ("script_name", "rate"),
    [
        ("winter_tires", 16000),
        ("stock_check", 8000),
        ("operator", 16000),
        ("order_status", 8000),
        ("order", 16000),
        ("fitting", 16000),
    ],
)
async def test_scripted_call_goes_as_its_script_expects(system, voice, script_name: str, rate: int) -> None:
    script = CallScript.load(script_name)
    report = await run_call(system.settings, script, rate=rate, voice=voice, out=None)

    assert report.problems == []
    assert report.edge_hung_up, "the agent ends these calls itself (goodbye or transfer)"
    assert len(report.turns) == len(script.lines)
    shortest = system.settings.end_of_turn_yes_no_ms  # endpointing adapts to what was asked
    longest = system.settings.end_of_turn_digits_ms
    for turn, line in zip(report.turns, script.lines, strict=True):
        # The caller hears the agent after the endpointing silence plus our overhead, within seconds.
        assert turn.latency_ms is not None and turn.latency_ms < longest + 2000, (line, turn.latency_ms)
        if line.say:
            assert shortest < turn.latency_ms, (line, turn.latency_ms)

    row = await system.pool.fetchrow(
        "SELECT caller_number, outcome, turns, transcript, tool_calls, latencies FROM callcenter.calls WHERE call_id = $1",
        uuid.UUID(report.call_id),
    )
    assert row is not None, "the call record must land in PostgreSQL after hangup"
    assert row["caller_number"] == script.caller_number
    assert row["outcome"] == script.expect.outcome.value
    assert row["turns"] == len(script.lines)
    transcript = json.loads(row["transcript"])
    assert transcript[0]["role"] == Role.AGENT and transcript[0]["text"] == PHRASES["greeting"]
    assert [c["name"] for c in json.loads(row["tool_calls"])] == script.expect.tools
    assert len(json.loads(row["latencies"])) == len(script.lines)


async def test_transfer_ends_the_leg_and_answers_the_dialplan(system, voice) -> None:
    report = await run_call(system.settings, CallScript.load("operator"), voice=voice, out=None)
    assert report.snapshot is not None and report.snapshot.outcome == CallOutcome.TRANSFERRED

    async with httpx.AsyncClient(base_url=system.settings.edge_url) as edge:
        answer = (await edge.get(f"/calls/{report.call_id}/disposition")).json()
        line = (await edge.get(f"/calls/{report.call_id}/disposition", params={"format": "dialplan"})).text
    assert answer["action"] == "transfer"
    assert answer["queue"] == "operators"
    assert answer["caller_name"].startswith("ШІ:") and len(answer["caller_name"]) <= 40
    assert line.split(",")[:2] == ["transfer", "operators"]


async def test_caller_hangup_mid_call_is_recorded(system, voice) -> None:
    """The caller hangs up after one answered turn: the workflow ends and the record lands."""
    settings = system.settings
    call_id = str(uuid.uuid4())
    async with httpx.AsyncClient(base_url=settings.edge_url) as edge:
        await edge.post(f"/calls/{call_id}/register", json={"caller_number": "+380441234567"})
        leg = await AsteriskLeg(settings.edge_host, settings.audiosocket_port, call_id=call_id).connect()
        try:
            await leg.wait_for_agent_audio(after=0.0, timeout=10)
            text = "Потрібні зимові шини двісті п'ять п'ятдесят п'ять ер шістнадцять."
            await edge.post(f"/sim/calls/{call_id}/utterances", json={"text": text})
            speech_end = await leg.send_audio(await voice.say(text, leg.rate))
            await leg.wait_for_agent_audio(after=speech_end, timeout=10)
            await leg.hangup()
        finally:
            await leg.close()

    from temporal.client import connect
    from workflows.models import CallSnapshot

    client = await connect(settings.temporal_address)
    snapshot = await client.get_workflow_handle(call_id, result_type=CallSnapshot).result()
    assert snapshot.outcome == CallOutcome.COMPLETED
    assert [e.text for e in snapshot.transcript if e.role == Role.CALLER] == [text]
    row = await system.pool.fetchrow("SELECT hangup_reason FROM callcenter.calls WHERE call_id = $1", uuid.UUID(call_id))
    assert row["hangup_reason"] == "caller_hangup"


async def test_unregistered_call_is_still_answered(system, voice) -> None:
    """A call the dialplan never registered (no caller ID) still gets the greeting and a workflow."""
    settings = system.settings
    leg = await AsteriskLeg(settings.edge_host, settings.audiosocket_port, rate=8000).connect()
    try:
        await leg.wait_for_agent_audio(after=0.0, timeout=10)
        await leg.wait_agent_quiet(500, timeout=15, after=0.0)
        audible = [f for f in leg.received if not f.silent]
        assert len(audible) * 0.02 > 2.0, "the whole greeting plays (several seconds of 8 kHz audio)"
        assert all(len(f.payload) == 320 for f in audible[:-1]), "20 ms frames at the caller's 8 kHz"
        await leg.hangup()
    finally:
        await leg.close()


async def test_slow_store_gets_a_filler_phrase_not_silence(temporal_server, temporal_client, database_url, voice) -> None:
    """A search that takes 1.8 s: the caller hears 'Хвилинку, перевіряю.' before the answer."""
    from callcenter.devstack.inprocess import running_system
    from media_edge import metrics

    async with running_system(
        temporal_client, temporal_server.address, database_url, store_faults={"latency_ms": 1800}
    ) as slow:
        settings = slow.settings
        fillers_before = metrics.FILLERS._value.get()
        async with httpx.AsyncClient(base_url=settings.edge_url) as edge:
            leg, asked = await _dial_and_ask(edge, settings, voice, ASK_WINTER)
            try:
                first_audio = await leg.wait_for_agent_audio(after=asked, timeout=10)
            finally:
                await leg.hangup()
                await leg.close()
        snapshot = await temporal_client.get_workflow_handle(leg.call_id).result()

    end_silence_s = settings.end_of_turn_silence_ms / 1000
    # The filler starts about 1.2 s after the turn ended, well before the 1.8 s store answer.
    assert first_audio - asked < end_silence_s + 1.7
    assert metrics.FILLERS._value.get() == fillers_before + 1
    calls = [c for e in snapshot["transcript"] for c in e["tool_calls"]]
    assert [c["name"] for c in calls] == ["search_tires"] and calls[0]["duration_ms"] >= 1800


async def test_caller_speaking_over_the_agent_stops_its_reply(system, voice) -> None:
    """Barge-in: the agent's long offer stops soon after the caller starts talking over it."""
    import time

    settings = system.settings
    async with httpx.AsyncClient(base_url=settings.edge_url) as edge:
        leg, asked = await _dial_and_ask(edge, settings, voice, ASK_WINTER)
        call_id = leg.call_id
        try:
            reply_started = await leg.wait_for_agent_audio(after=asked, timeout=10)
            await asyncio.sleep(1.0)  # the offer of three tires is now playing (it lasts ~20 s)

            interrupt = "А перша є в наявності у Києві?"
            await edge.post(f"/sim/calls/{call_id}/utterances", json={"text": interrupt})
            barge_audio = await voice.say(interrupt, leg.rate)
            started_talking = time.monotonic()
            talked_until = await leg.send_audio(barge_audio)
            answer = await leg.wait_for_agent_audio(after=talked_until, timeout=10)
        finally:
            await leg.hangup()
            await leg.close()

    over_caller = [f for f in leg.received if started_talking + 0.3 < f.t < talked_until and not f.silent]
    assert reply_started < started_talking
    assert over_caller == [], "the agent kept talking more than 300 ms into the caller's speech"
    assert answer - talked_until < 2.0, "the interrupting question is answered"


async def test_keys_pressed_mid_call_reach_the_edge_and_the_call_goes_on(system, voice) -> None:
    from media_edge import metrics

    script = CallScript.model_validate(
        {
            "name": "DTMF mid-call",
            "lines": [{"dtmf": "12#"}, "Дякую, до побачення."],
            "expect": {"tools": ["end_call"], "outcome": "completed", "hangup_by": "agent"},
        }
    )
    before = metrics.DTMF._value.get()
    report = await run_call(system.settings, script, rate=8000, voice=voice, out=None)
    assert report.problems == []
    assert metrics.DTMF._value.get() - before == 3
    assert [t.turn for t in report.turns] == [1, 2], "keys ending with '#' are a turn of their own"
    assert [e.text for e in report.snapshot.transcript if e.role == Role.CALLER] == ["12", "Дякую, до побачення."]


async def test_no_worker_means_an_apology_and_an_operator_not_silence(temporal_server, voice) -> None:
    """The calls worker is down: the caller hears the greeting, then an apology, and is transferred."""
    from media_edge.app import start_edge
    from callcenter.settings import Settings

    settings = Settings(
        temporal_address=temporal_server.address,
        calls_task_queue=f"nobody-home-{uuid.uuid4().hex[:6]}",
        edge_id=f"lonely-{uuid.uuid4().hex[:6]}",
        edge_http_port=0,
        audiosocket_port=0,
    )
    edge = await start_edge(settings)
    try:
        leg = await AsteriskLeg(settings.edge_host, edge.audiosocket_port).connect()
        try:
            await asyncio.wait_for(leg.remote_closed.wait(), 30)
        finally:
            await leg.close()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{edge.http_port}") as api:
            disposition = (await api.get(f"/calls/{leg.call_id}/disposition")).json()
    finally:
        await edge.stop()
    greeting_and_apology_s = sum(1 for f in leg.received if not f.silent) * 0.02
    assert disposition["action"] == "transfer" and "технічна помилка" in disposition["caller_name"]
    assert greeting_and_apology_s > 7.0, "greeting, then apology and transfer notice were played"


async def test_a_failing_speech_engine_ends_in_an_apology_and_an_operator(system, voice, monkeypatch) -> None:
    """TTS breaks mid-call: the agent step fails, and the caller still hears cached words and is transferred."""
    settings = system.settings

    async def broken(text: str):
        raise RuntimeError("TTS engine crashed")
        yield b""  # pragma: no cover - makes this an async generator like the real one

    monkeypatch.setattr(system.edge.ctx.tts, "synthesize", broken)
    async with httpx.AsyncClient(base_url=settings.edge_url) as edge:
        leg, asked = await _dial_and_ask(edge, settings, voice, ASK_WINTER)  # the greeting is cached: it plays
        call_id = leg.call_id
        try:
            first = await leg.wait_for_agent_audio(after=asked, timeout=10)
            await asyncio.wait_for(leg.remote_closed.wait(), 20)
        finally:
            await leg.close()
        disposition = (await edge.get(f"/calls/{call_id}/disposition")).json()
    assert first - asked < 2.0, "the apology comes within a couple of seconds"
    assert disposition["action"] == "transfer"
