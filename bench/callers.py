"""The simulated callers of the turn bench: what they say, how their calls are planned, and how
they dial the edge over the real AudioSocket path (``AsteriskLeg``).

The callers run either in the edge's process (``run_callers``) or in a child process, as a
separate Asterisk would be (``callers_in_child``): the parent starts
``python -m bench.turns --callers``, writes one JSON request (edge address, lines, plans) to its
stdin, and the child (``_child_main``) synthesises the lines, runs the calls and writes the
spoken turns back as JSON on its stdout.
"""

from __future__ import annotations

import asyncio
import json
import random
import resource
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import httpx

if TYPE_CHECKING:
    from callcenter.simulator.runner import CallerVoice

# Short caller lines that each get an answer from the rules brain and never end the call: no
# goodbye or operator words, and nothing starting with "ні" (after an availability answer the
# brain takes "ні…" as "no, nothing else" and says goodbye). Sizes search the catalogue
# (search_tires), "перша/друга … є в <місті>" checks stock (check_availability).
CALLER_LINES: tuple[str, ...] = (
    "зимові двісті п'ять п'ятдесят п'ять ер шістнадцять",
    "а перша є в наявності у Києві?",
    "а літні?",
    "друга є у Львові?",
    "а сто дев'яносто п'ять шістдесят п'ять ер п'ятнадцять?",
    "перша є в Одесі?",
)
RATE = 16000
GAP_S = (0.3, 0.5)  # after the first agent audio of a reply, the caller barges in after this
REPLY_TIMEOUT_S = 20.0
# The edge needs 100 ms of speech to start a turn (and cut the agent off); allow for that and a margin.
BARGE_IN_GRACE_S = 0.3


# --- the callers (in this process or a child process) ---------------------------------------


@dataclass
class CallPlan:
    call_id: str
    start_delay_s: float
    lines: list[int]  # indexes into the synthesised lines, one per turn
    seed: int


@dataclass
class SpokenTurn:
    """One caller turn as the simulated Asterisk leg saw it (monotonic seconds, system-wide)."""

    call_id: str
    turn: int
    text: str
    speech_end: float
    first_audio: float | None = None
    error: str = ""
    talk_over_ms: float = 0.0  # agent audio received while the caller spoke, after barge-in should have cut it

    @property
    def caller_ms(self) -> float | None:
        return None if self.first_audio is None else (self.first_audio - self.speech_end) * 1000


async def synthesise_lines(lines: Sequence[str], rate: int = RATE, voice: CallerVoice | None = None) -> list[bytes]:
    """The caller's voice (the simulator's by default) for every line, once, before anything is
    measured."""
    from callcenter.simulator.runner import CallerVoice

    voice = voice or CallerVoice()
    return [await voice.say(text, rate) for text in lines]


def edge_http(edge_url: str, timeout: float = 5.0) -> httpx.AsyncClient:
    """A client of the edge's dialplan API (register, disposition) that opens a connection per
    request, as Asterisk's CURL does: a pooled one that the edge's server closes at the end of its
    5 s keep-alive just as a request goes out fails that request (seen in a full fuzz run)."""
    return httpx.AsyncClient(base_url=edge_url, timeout=timeout, trust_env=False,
                             limits=httpx.Limits(max_keepalive_connections=0))


async def run_callers(
    edge_url: str,
    host: str,
    port: int,
    plans: Sequence[CallPlan],
    texts: Sequence[str],
    pcm: Sequence[bytes],
    *,
    rate: int = RATE,
    gap_s: tuple[float, float] = GAP_S,
) -> list[SpokenTurn]:
    """Dial every planned call through the AudioSocket path at once (each after its delay)."""
    async with edge_http(edge_url) as http:
        per_call = await asyncio.gather(
            *(_one_call(http, host, port, plan, texts, pcm, rate, gap_s) for plan in plans)
        )
    return [turn for turns in per_call for turn in turns]


async def _one_call(
    http: httpx.AsyncClient,
    host: str,
    port: int,
    plan: CallPlan,
    texts: Sequence[str],
    pcm: Sequence[bytes],
    rate: int,
    gap_s: tuple[float, float],
) -> list[SpokenTurn]:
    from callcenter.simulator.asterisk_leg import AsteriskLeg

    rng = random.Random(plan.seed)
    spoken: list[SpokenTurn] = []
    await asyncio.sleep(plan.start_delay_s)
    response = await http.post(
        f"/calls/{plan.call_id}/register",
        json={"caller_number": f"+38067{plan.seed % 10_000_000:07d}", "dialled_number": "+380441234567",
              "channel": f"PJSIP/bench-{plan.call_id[:8]}"},
    )
    response.raise_for_status()
    leg = AsteriskLeg(host, port, call_id=plan.call_id, rate=rate)
    await leg.connect()
    try:
        try:
            await leg.wait_for_agent_audio(after=0.0, timeout=REPLY_TIMEOUT_S)  # the greeting
        except (TimeoutError, ConnectionError) as err:
            spoken.append(SpokenTurn(plan.call_id, 0, "(greeting)", time.monotonic(), error=str(err)))
            return spoken
        await asyncio.sleep(rng.uniform(*gap_s))
        for number, index in enumerate(plan.lines, start=1):
            text = texts[index]
            if leg.remote_closed.is_set():
                spoken.append(SpokenTurn(plan.call_id, number, text, time.monotonic(), error="the edge ended the call"))
                break
            (await http.post(f"/sim/calls/{plan.call_id}/utterances", json={"text": text})).raise_for_status()
            speech_start = time.monotonic()
            turn = SpokenTurn(plan.call_id, number, text, await leg.send_audio(pcm[index], rate))
            turn.talk_over_ms = _audio_ms_between(leg, speech_start + BARGE_IN_GRACE_S, turn.speech_end)
            spoken.append(turn)
            try:
                turn.first_audio = await leg.wait_for_agent_audio(after=turn.speech_end, timeout=REPLY_TIMEOUT_S)
            except (TimeoutError, ConnectionError) as err:
                turn.error = f"no agent audio: {err}"
                break
            await asyncio.sleep(rng.uniform(*gap_s))  # then barge in with the next line
        await leg.hangup()
    finally:
        await leg.close()
    return spoken


def _audio_ms_between(leg: Any, start: float, end: float) -> float:
    return sum(f.duration_s for f in leg.received if start <= f.t <= end and not f.silent) * 1000


async def callers_in_child(
    edge_url: str, host: str, port: int, plans: Sequence[CallPlan], lines: Sequence[str], rate: int,
    *, gap_s: tuple[float, float] = GAP_S, on_start: Callable[[int], object] | None = None,
    cpu_out: dict[str, float] | None = None,
) -> list[SpokenTurn]:
    """The callers in a child process (``python -m bench.turns --callers``), like a separate Asterisk.
    ``on_start`` gets its pid; ``cpu_out`` its own CPU seconds and peak RSS (MB) once it is done."""
    request = {
        "edge_url": edge_url, "host": host, "port": port, "rate": rate, "lines": list(lines),
        "plans": [asdict(p) for p in plans], "gap_s": list(gap_s),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.turns", "--callers",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        cwd=str(Path(__file__).resolve().parent.parent),
    )
    if on_start is not None:
        on_start(proc.pid)
    out, _ = await proc.communicate(json.dumps(request).encode())
    if proc.returncode != 0:
        raise RuntimeError(f"the callers' process failed with exit code {proc.returncode}")
    answer = json.loads(out)
    if cpu_out is not None:
        cpu_out.update(answer.get("usage", {}))
    return [SpokenTurn(**t) for t in answer["turns"]]


async def _child_main(stdin: TextIO, stdout: TextIO) -> None:
    request = json.loads(stdin.read())
    lines = request["lines"]
    pcm = await synthesise_lines(lines, request["rate"])
    plans = [CallPlan(**p) for p in request["plans"]]
    started = resource.getrusage(resource.RUSAGE_SELF)
    # Delays were planned from the parent's start time; synthesis took a few ms of them.
    turns = await run_callers(request["edge_url"], request["host"], request["port"], plans, lines, pcm,
                              rate=request["rate"], gap_s=tuple(request.get("gap_s", GAP_S)))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = (usage.ru_utime - started.ru_utime) + (usage.ru_stime - started.ru_stime)
    stdout.write(json.dumps({"turns": [asdict(t) for t in turns],
                             "usage": {"cpu_s": cpu_s, "rss_mb": usage.ru_maxrss / 1024}}))


# --- planning the calls ------------------------------------------------------------------------


def plan_calls(calls: int, turns: int, *, line_count: int, turn_period_s: float, seed: int = 1) -> list[CallPlan]:
    """Staggered starts (spread over one turn period) and different places in the line cycle,
    so the calls' turns do not all end at the same instant."""
    plans = []
    for i in range(calls):
        delay = i * turn_period_s / calls if calls > 1 else 0.0
        plans.append(CallPlan(str(uuid.uuid4()), delay, [(i + k) % line_count for k in range(turns)], seed * 1000 + i))
    return plans

