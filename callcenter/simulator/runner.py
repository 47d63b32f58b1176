"""The call simulator: dial the edge as Asterisk would and speak a call script.

For each caller line it gives the words to the simulated recognizer's side channel, speaks the
line as real audio at real time, and measures the turn's latency from the end of the caller's
speech to the first agent audio frame. A line may also barge in (start while the agent still
speaks; the report then has how long the agent took to fall silent, measured on the wire), stay
silent for a while, or press keys; line noise can be mixed under everything the caller sends.
Afterwards it checks what the script expects against the call's workflow.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, TextIO

import httpx
import numpy as np

from callcenter.event_output import EventOutput
from callcenter.settings import Settings
from callcenter.simulator.asterisk_leg import AsteriskLeg, LineNoise
from callcenter.simulator.script import CallerLine, CallScript, check_expectations
from media_edge.audio.resample import resample
from media_edge.tts.base_tts import TtsEngine
from media_edge.tts.espeak_tts import EspeakTts
from temporal.client import connect, workflow_ui_url
from workflows.models import CallSnapshot, Role

AGENT_QUIET_MS = 900  # the agent has finished its reply after this much silence
REPLY_TIMEOUT_S = 60.0  # a reply listing three tires lasts up to ~25 s in espeak's voice
MAX_PAUSE_MS = 300  # well under the edge's end-of-turn silence
SPEECH_FLOOR = 300  # |sample| below this is the synthetic voice's trailing silence


@dataclass
class TurnReport:
    turn: int
    caller_text: str
    latency_ms: float | None  # end of caller speech → first agent audio
    agent_text: str = ""
    barge_in_stop_ms: float | None = None  # barge-in: caller speech began → agent audio turned silent


@dataclass
class CallReport:
    call_id: str
    script: str
    turns: list[TurnReport] = field(default_factory=list)
    snapshot: CallSnapshot | None = None
    problems: list[str] = field(default_factory=list)
    edge_hung_up: bool = False
    ui_url: str = ""

    @property
    def passed(self) -> bool:
        return not self.problems


def trim_silence(pcm: bytes, rate: int, max_pause_ms: int = MAX_PAUSE_MS) -> bytes:
    """Drop the synthetic voice's leading and trailing silence, so 'end of speech' is exact,
    and shorten its pauses between sentences to `max_pause_ms`.

    espeak-ng pauses about half a second after a full stop, varying from run to run; that close
    to the endpointing silence, one script line would sometimes become two turns. A script line
    is one utterance, so the simulated caller never pauses that long inside it.
    """
    samples = np.frombuffer(pcm, dtype=np.int16)
    voiced = np.flatnonzero(np.abs(samples.astype(np.int32)) > SPEECH_FLOOR)
    if voiced.size == 0:
        return b""
    max_gap = rate * max_pause_ms // 1000
    long_gaps = np.flatnonzero(np.diff(voiced) > max_gap)  # voiced[i] → voiced[i+1] is a long pause
    starts = np.concatenate(([voiced[0]], voiced[long_gaps + 1]))
    ends = np.concatenate((voiced[long_gaps] + 1 + max_gap, [voiced[-1] + 1]))
    return np.concatenate([samples[a:b] for a, b in zip(starts, ends, strict=True)]).tobytes()


class CallerVoice:
    """The caller's voice: offline espeak-ng Ukrainian, at the call's rate."""

    def __init__(self, tts: TtsEngine | None = None) -> None:
        self._tts = tts or EspeakTts()

    async def say(self, text: str, rate: int) -> bytes:
        pcm = trim_silence(await self._tts.synthesize_all(text), self._tts.sample_rate)
        return resample(pcm, self._tts.sample_rate, rate)


def _as_text(d: dict[str, Any]) -> str:
    """The simulator's wording of a call event."""
    kind = d["event"]
    if kind == "call":
        return f"📞 {d['script']} — call {d['call_id']} ({d['rate']} Hz)"
    if kind == "agent":
        return f"   Агент:  {d['text']}"
    if kind == "caller":
        return f"   Клієнт: {d['text']}"
    if kind == "dtmf":
        return f"   Клієнт: ☏ натискає {d['digits']}"
    if kind == "silence":
        return f"   Клієнт: … мовчить {d['seconds']:.1f} с (агент говорив {d['agent_audio_s']:.1f} с)"
    if kind == "barge_in":
        return f"           ✋ barge-in: agent silent {d['stop_ms']:.0f} ms after the caller began"
    if kind == "latency":
        return f"           ⏱ end of speech → first agent audio: {d['ms']:.0f} ms"
    if kind == "hangup":
        return f"   ☎ {d['by']} hung up"
    if kind == "result":
        verdict = "PASS" if d["passed"] else "FAIL"
        lines = [f"{verdict}: outcome {d['outcome']}, tools {', '.join(d['tools']) or '—'}"]
        lines += [f"   ✗ {p}" for p in d["problems"]]
        lines.append(f"   Temporal UI: {d['ui_url']}")
        return "\n".join(lines)
    return f"{kind}: {d}"


async def run_call(
    settings: Settings,
    script: CallScript,
    *,
    rate: int = 16000,
    voice: CallerVoice | None = None,
    out: TextIO | None = sys.stdout,
    as_json: bool = False,
    noise: LineNoise | None = None,
) -> CallReport:
    """Make one scripted call through the real AudioSocket path; report what happened.

    ``noise`` (or the script's own ``noise``) is mixed into everything the caller sends.
    """
    voice = voice or CallerVoice()
    if noise is None and script.noise is not None:
        noise = LineNoise(script.noise.snr_db, script.noise.kind)
    output = EventOutput(out, as_json=as_json, as_text=_as_text)
    call_id = str(uuid.uuid4())
    report = CallReport(call_id=call_id, script=script.name)
    report.ui_url = workflow_ui_url(settings.temporal_ui_url, settings.temporal_namespace, call_id)
    temporal = await connect(settings.temporal_address, settings.temporal_namespace)
    handle = temporal.get_workflow_handle(call_id, result_type=CallSnapshot)
    output.emit(dict(event="call", script=script.name, call_id=call_id, rate=rate))

    async with httpx.AsyncClient(base_url=settings.edge_url, timeout=5.0) as edge:
        # What the dialplan does before the AudioSocket leg: AudioSocket carries no caller ID.
        response = await edge.post(
            f"/calls/{call_id}/register",
            json={"caller_number": script.caller_number, "dialled_number": script.dialled_number,
                  "channel": f"PJSIP/sim-{call_id[:8]}"},
        )
        response.raise_for_status()
        leg = AsteriskLeg(settings.edge_host, settings.audiosocket_port, call_id=call_id, rate=rate, noise=noise)
        await leg.connect()
        try:
            reply_started = await leg.wait_for_agent_audio(after=0.0, timeout=REPLY_TIMEOUT_S)
            lines = script.lines
            if not (lines and lines[0].barge_in_after_ms is not None):
                await leg.wait_agent_quiet(AGENT_QUIET_MS, timeout=REPLY_TIMEOUT_S, after=0.0)
                output.emit(dict(event="agent", turn=0, text=await _agent_text(handle, 0)))
            number = 0  # the caller's turns (speech, or keys), as the edge and the workflow count them
            for index, line in enumerate(lines, start=1):
                if leg.remote_closed.is_set():
                    report.problems.append(f"the edge ended the call before line {index}")
                    break
                if line.barge_in_after_ms is not None:
                    await asyncio.sleep(max(0.0, reply_started + line.barge_in_after_ms / 1000 - time.monotonic()))
                else:
                    await asyncio.sleep(line.pause_ms / 1000)
                if line.silence_s:
                    await _stay_silent(leg, line, output)
                    continue
                if line.dtmf:
                    await _press(leg, line.dtmf, line.dtmf_interval_ms)
                    output.emit(dict(event="dtmf", line=index, digits=line.dtmf))
                    if not line.is_turn:
                        continue
                    number += 1
                    speech_end = time.monotonic()
                    turn = TurnReport(turn=number, caller_text=line.dtmf, latency_ms=None)
                    spoken_s = 0.0
                else:
                    number += 1
                    audio = await voice.say(line.say, rate)
                    await edge.post(f"/sim/calls/{call_id}/utterances", json={"text": line.say})
                    output.emit(dict(event="caller", turn=number, text=line.say))
                    speech_end = await leg.send_audio(audio)
                    turn = TurnReport(turn=number, caller_text=line.say, latency_ms=None)
                    spoken_s = len(audio) / 2 / rate
                    if line.barge_in_after_ms is not None:
                        turn.barge_in_stop_ms = _barge_in_stop_ms(leg, speech_end)
                        output.emit(dict(event="barge_in", turn=number, stop_ms=turn.barge_in_stop_ms))
                report.turns.append(turn)
                try:
                    first_audio = await leg.wait_for_agent_audio(after=speech_end, timeout=REPLY_TIMEOUT_S)
                except (TimeoutError, ConnectionError) as err:
                    earlier = leg.first_audio_after(speech_end - spoken_s)
                    when = (
                        f"; agent audio began {speech_end - earlier:.2f} s before the caller finished"
                        if earlier is not None and earlier < speech_end
                        else ""
                    )
                    report.problems.append(f"turn {number}: no agent audio ({err}){when}")
                    break
                turn.latency_ms = (first_audio - speech_end) * 1000
                reply_started = first_audio
                following = lines[index] if index < len(lines) else None
                if following is not None and following.barge_in_after_ms is not None:
                    output.emit(dict(event="latency", turn=number, ms=turn.latency_ms))
                    continue  # the next line talks over this reply
                try:
                    await leg.wait_agent_quiet(AGENT_QUIET_MS, timeout=REPLY_TIMEOUT_S, after=speech_end)
                except ConnectionError:
                    pass  # the edge spoke its last words and ended the call
                turn.agent_text = await _agent_text(handle, number)
                output.emit(dict(event="agent", turn=number, text=turn.agent_text))
                output.emit(dict(event="latency", turn=number, ms=turn.latency_ms))
            report.edge_hung_up = await _edge_ended(leg)
            if not report.edge_hung_up:
                await leg.hangup()
            output.emit(dict(event="hangup", by="agent" if report.edge_hung_up else "caller"))
        finally:
            await leg.close()

    report.snapshot = await asyncio.wait_for(handle.result(), REPLY_TIMEOUT_S)
    report.problems += check_expectations(script.expect, report.snapshot, edge_hung_up=report.edge_hung_up)
    tools = [c.name for e in report.snapshot.transcript for c in e.tool_calls]
    output.emit(dict(event="result", passed=report.passed, outcome=report.snapshot.outcome.value, tools=tools,
        problems=report.problems, ui_url=report.ui_url,
        latencies_ms=[round(t.latency_ms, 1) for t in report.turns if t.latency_ms is not None],
        barge_in_stop_ms=[round(t.barge_in_stop_ms, 1) for t in report.turns if t.barge_in_stop_ms is not None],
    ))
    return report


async def _press(leg: AsteriskLeg, digits: str, interval_ms: int = 150) -> None:
    """Keys as Asterisk reports them: one DTMF frame per key, ``interval_ms`` apart."""
    for i, digit in enumerate(digits):
        if i:
            await asyncio.sleep(interval_ms / 1000)
        leg.send_dtmf(digit)


async def _stay_silent(leg: AsteriskLeg, line: CallerLine, output: EventOutput) -> None:
    """Say nothing for ``line.silence_s`` (the leg streams silence, or line noise), unless the
    edge ends the call first; report how much the agent said meanwhile (reprompts)."""
    began = time.monotonic()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(leg.remote_closed.wait(), line.silence_s)
    audible_s = sum(f.duration_s for f in leg.received if f.t > began and not f.silent)
    output.emit(dict(event="silence", seconds=time.monotonic() - began, agent_audio_s=audible_s))


def _barge_in_stop_ms(leg: AsteriskLeg, speech_end: float) -> float:
    """Caller speech began → the agent's audio turned to silence (its last audible frame ended)."""
    began = leg.speech_started_at
    assert began is not None
    last = leg.last_audio_between(began, speech_end)
    return 0.0 if last is None else (last + 0.02 - began) * 1000


async def _agent_text(handle: Any, turn_id: int) -> str:
    snapshot = await handle.query("snapshot", result_type=CallSnapshot)
    return " ".join(e.text for e in snapshot.transcript if e.role == Role.AGENT and e.turn_id == turn_id and e.text)


async def _edge_ended(leg: AsteriskLeg) -> bool:
    """Did the edge end the leg (transfer, goodbye)? Give it a moment after its last words."""
    try:
        await asyncio.wait_for(leg.remote_closed.wait(), 2.0)
    except TimeoutError:
        return False
    return True


async def run_script_cli(
    settings: Settings,
    script_path: str,
    *,
    rate: int,
    as_json: bool,
    noise_snr_db: float | None = None,
    noise_kind: str = "white",
) -> int:
    noise = LineNoise(noise_snr_db, noise_kind) if noise_snr_db is not None else None
    report = await run_call(settings, CallScript.load(script_path), rate=rate, as_json=as_json, noise=noise)
    return 0 if report.passed else 1
