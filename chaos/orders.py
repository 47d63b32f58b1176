"""Fault scenarios around orders: callers who hang up at any moment, a store that fails, an LLM
that does not answer. Every call is real: registered over the edge's HTTP API, dialled over the
AudioSocket path with ``AsteriskLeg`` (real-time 20 ms frames, the edge's own VAD and endpointer
on real espeak-ng audio), the words given to the simulated recognizer before each line.

Afterwards every call is audited from the outside, the way ops would check it:

* Temporal: the call's workflow completed; its history says how many fulfilments it started
  (a confirmed order is a ``FulfilmentWorkflow`` child), and each child's result (done/refused);
* the store (``StoreClient.orders_by_phone``, through a store instance with no faults): the
  orders of the caller's phone, one caller number per call;
* PostgreSQL: the SMS outbox rows of that phone, the call record, the back-office tasks.

Losses: a confirmed order missing or doubled, an order nobody confirmed, an SMS missing or sent
twice, a refused order without its back-office task, a call without a completed workflow or a
record, a caller who said yes to the read-back and heard the answer but got no order, a caller
who went through the whole order dialogue and got no order, a call handed to an operator (nobody here asks for one: the fault sent them), a caller
turn with no agent audio within ``NO_AUDIO_S`` (and, with store or LLM faults, one whose first
agent audio came later than ``SILENCE_LIMIT_S``). "Confirmed" is the workflow's view: a caller
who says «так» and hangs up before the edge has ended that turn (its 250 ms yes/no silence)
never reached it; the report counts those callers separately.

    hangups        callers hang up at random moments of an order call (staggered, concurrent)
    store_faults   the same order calls with the store failing and hanging at 30 %
    llm_timeouts   the Claude brain against a local fake Messages API that hangs or is
                   overloaded on a share of requests

Each ``run_*`` function takes an already running Temporal server and database (the tests pass
their session servers); the ``Scenario.run(size)`` entry points start servers of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus

from bench.report import Stats
from chaos.fake_anthropic import Answer, Failure, FakeAnthropic, Pause, Reply, ToolUse
from chaos.report import ChaosResult, Scenario
from chaos.wire import WaitingPhrases

log = logging.getLogger("chaos.orders")

RATE = 16000
AGENT_WPM = 450  # the agent talks fast (as in the tests): shorter calls, the same code paths
NO_AUDIO_S = 10.0  # a turn with no agent audio this long is unanswered
SILENCE_LIMIT_S = 3.0  # end of the caller's speech → first agent audio: longer is dead air
QUIET_MS = 1300  # the agent has finished its reply after this much silence
REPLY_TIMEOUT_S = 60.0
SETTLE_TIMEOUT_S = 240.0  # a call's workflow waits for its fulfilments, retried through faults

# The order dialogue (callcenter/simulator/scripts/order.yaml, shortened): the size, then the
# whole order in one line, the read-back, "Так.", goodbye. The size, the tire picked and the
# quantity vary from call to call, so that concurrent calls do not all buy the same few tires.
SIZE_LINES: tuple[tuple[str, dict[str, Any]], ...] = tuple(
    (f"Добрий день, потрібні зимові шини {spoken}.", {"width": w, "profile": p, "rim": r, "season": "winter"})
    for spoken, (w, p, r) in (
        ("двісті п'ять п'ятдесят п'ять ер шістнадцять", (205, 55, 16)),
        ("двісті п'ятнадцять шістдесят п'ять ер шістнадцять", (215, 65, 16)),
        ("двісті двадцять п'ять шістдесят п'ять ер сімнадцять", (225, 65, 17)),
        ("двісті п'ятнадцять шістдесят ер шістнадцять", (215, 60, 16)),
        ("двісті тридцять п'ять п'ятдесят п'ять ер сімнадцять", (235, 55, 17)),
        ("двісті двадцять п'ять сорок п'ять ер сімнадцять", (225, 45, 17)),
    )
)
PICKS = ("першу", "другу", "третю")
QUANTITIES = ("комплект", "дві шини")
YES = "Так."
GOODBYE = "Ні, дякую, до побачення."


def order_lines(variant: int) -> list[str]:
    """An order call: the size (→ an offer), the order (→ the read-back), "Так.", goodbye."""
    pick = PICKS[(variant // len(SIZE_LINES)) % len(PICKS)]
    quantity = QUANTITIES[(variant // (len(SIZE_LINES) * len(PICKS))) % len(QUANTITIES)]
    return [
        SIZE_LINES[variant % len(SIZE_LINES)][0],
        f"Оформлюйте {pick}, {quantity}, Новою поштою, Київ, відділення двадцять три.",
        YES,
        GOODBYE,
    ]


YES_LINE = 3  # "Так.", the answer to the read-back of the line before
OFFER_BARGE_IN_S = 2.5  # callers cut the long offer of three tires short after this much of it (s)


# --- the callers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hangup:
    """When the caller hangs up: at line ``line`` (1-based; 0 is the greeting), ``delay_s`` after
    ``anchor``: "speaking" (its start), "speech_end", "first_audio" (of the reply), "quiet" (the
    reply over). ``line`` None: the caller goes through the whole script and lets the agent end."""

    label: str
    line: int | None = None
    anchor: str = "quiet"
    delay_s: float = 0.0


def hangup_moments() -> list[Callable[[random.Random], Hangup]]:
    """The moments a caller placing an order may hang up, each with its own randomness."""
    readback = YES_LINE - 1
    return [
        lambda r: Hangup("during the greeting", 0, "first_audio", r.uniform(0.2, 1.5)),
        lambda r: Hangup("during the offer", 1, "first_audio", r.uniform(0.0, OFFER_BARGE_IN_S)),
        lambda r: Hangup("while speaking", r.randint(1, YES_LINE), "speaking", r.uniform(0.1, 0.6)),
        lambda r: Hangup("before the read-back", readback, "speech_end", r.uniform(0.0, 0.4)),
        lambda r: Hangup("during the read-back", readback, "first_audio", r.uniform(0.3, 4.0)),
        lambda r: Hangup("right after «так»", YES_LINE, "speech_end", r.uniform(0.0, 0.6)),
        lambda r: Hangup("during the order number", YES_LINE, "first_audio", r.uniform(0.0, 2.5)),
        lambda r: Hangup("after the order number", YES_LINE, "quiet", r.uniform(0.0, 0.3)),
        lambda r: Hangup("after the goodbye", None),
    ]


@dataclass
class HeardTurn:
    line: int
    text: str
    speech_end: float
    wait_s: float | None = None  # end of the caller's speech → first agent audio
    pause_s: float | None = None  # the longest silence inside the reply, once it had begun
    error: str = ""


@dataclass
class OrderCall:
    call_id: str
    phone: str
    lines: list[str]
    hangup: Hangup
    start_delay_s: float
    quiet_ms: int = QUIET_MS  # the caller speaks after this much silence from the agent
    turns: list[HeardTurn] = field(default_factory=list)
    spoke: set[int] = field(default_factory=set)  # lines the caller began to say
    ended_by: str = ""  # "caller", "agent" (the edge ended the leg) or "" (never connected)
    error: str = ""

    @property
    def heard_reply_to(self) -> set[int]:
        return {t.line for t in self.turns if t.wait_s is not None}


def plan_calls(count: int, *, seed: int, stagger_s: float, hangups: bool, quiet_ms: int = QUIET_MS) -> list[OrderCall]:
    """``count`` order calls, each with its own phone number, staggered; with ``hangups`` each
    caller hangs up at a moment of its own (the moments in turn, so a few calls cover them all)."""
    rng = random.Random(seed)
    prefix = f"+38093{rng.randrange(1000):03d}"  # a block of numbers of this run
    moments = hangup_moments()
    calls = []
    for i in range(count):
        hangup = moments[i % len(moments)](rng) if hangups else Hangup("after the goodbye", None)
        calls.append(OrderCall(
            call_id=str(uuid.uuid4()), phone=f"{prefix}{i:04d}", lines=order_lines(i), hangup=hangup,
            start_delay_s=i * stagger_s, quiet_ms=quiet_ms,
        ))
    return calls


async def synthesise(texts: Sequence[str]) -> dict[str, bytes]:
    """The caller's voice for every line, once."""
    from bench.callers import synthesise_lines

    unique = sorted(set(texts))
    return dict(zip(unique, await synthesise_lines(unique, RATE), strict=True))


async def dial_all(settings: Any, calls: Sequence[OrderCall], voice: dict[str, bytes],
                   waiting: WaitingPhrases) -> None:
    from bench.callers import edge_http

    async with edge_http(settings.edge_url) as http:
        await asyncio.gather(*(_dial(http, settings, call, voice, waiting) for call in calls))


async def _dial(http: httpx.AsyncClient, settings: Any, call: OrderCall, voice: dict[str, bytes],
                waiting: WaitingPhrases) -> None:
    try:
        await asyncio.sleep(call.start_delay_s)
        await _speak_script(http, settings, call, voice, waiting)
    except Exception as err:  # noqa: BLE001 - one caller's failure is reported, not raised
        log.exception("caller %s failed", call.call_id)
        call.error = call.error or f"{type(err).__name__}: {err}"


async def _speak_script(http: httpx.AsyncClient, settings: Any, call: OrderCall, voice: dict[str, bytes],
                        waiting: WaitingPhrases) -> None:
    from callcenter.simulator.asterisk_leg import AsteriskLeg

    plan = call.hangup
    response = await http.post(
        f"/calls/{call.call_id}/register",
        json={"caller_number": call.phone, "dialled_number": "0800300500", "channel": f"PJSIP/chaos-{call.call_id[:8]}"},
    )
    response.raise_for_status()
    leg = AsteriskLeg(settings.edge_host, settings.audiosocket_port, call_id=call.call_id, rate=RATE)
    await leg.connect()

    async def hang_up(after_s: float) -> None:
        await asyncio.sleep(after_s)
        if leg.remote_closed.is_set():
            call.ended_by = "agent"
        else:
            call.ended_by = "caller"
            await leg.hangup()

    try:
        try:
            await leg.wait_for_agent_audio(after=0.0, timeout=NO_AUDIO_S)
        except (TimeoutError, ConnectionError) as err:
            call.error = f"no greeting: {err}"
            call.ended_by = "agent" if leg.remote_closed.is_set() else "caller"
            return
        if plan.line == 0:
            await hang_up(plan.delay_s)
            return
        await leg.wait_agent_quiet(min(call.quiet_ms, 900), timeout=REPLY_TIMEOUT_S, after=0.0)
        for number, text in enumerate(call.lines, start=1):
            if leg.remote_closed.is_set():
                call.ended_by = "agent"
                return
            await asyncio.sleep(0.3)
            (await http.post(f"/sim/calls/{call.call_id}/utterances", json={"text": text})).raise_for_status()
            call.spoke.add(number)
            speaking = asyncio.ensure_future(leg.send_audio(voice[text], RATE))
            here = plan.line == number
            if here and plan.anchor == "speaking":
                await hang_up(plan.delay_s)
                with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                    await speaking
                return
            try:
                speech_end = await speaking
            except ConnectionError:
                call.ended_by = "agent"
                return
            turn = HeardTurn(number, text, speech_end)
            call.turns.append(turn)
            if here and plan.anchor == "speech_end":
                await hang_up(plan.delay_s)
                first = leg.first_audio_after(speech_end)
                turn.wait_s = None if first is None else first - speech_end
                return
            try:
                first = await leg.wait_for_agent_audio(after=speech_end, timeout=NO_AUDIO_S)
            except TimeoutError:
                turn.error = f"no agent audio within {NO_AUDIO_S:.0f} s"
                await hang_up(0.0)
                return
            except ConnectionError:
                turn.error = "the edge ended the call without answering"
                call.ended_by = "agent"
                return
            turn.wait_s = first - speech_end
            if here and plan.anchor == "first_audio":
                await hang_up(plan.delay_s)
                return
            # The caller hears the reply out; the long offer it cuts short with its order.
            try:
                if number == 1:
                    await _first_of(_hear_out(leg, call.quiet_ms, first, waiting),
                                    _heard_for(leg, speech_end, OFFER_BARGE_IN_S))
                else:
                    await _hear_out(leg, call.quiet_ms, first, waiting)
            except ConnectionError:
                call.ended_by = "agent"  # its last words, then the edge ended the call
                return
            finally:
                turn.pause_s = _longest_pause(leg.received, first, time.monotonic())
            if here and plan.anchor == "quiet":  # (never line 1: the caller cuts the offer short)
                await hang_up(plan.delay_s)
                return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(leg.remote_closed.wait(), 5.0)
        await hang_up(0.0)
    finally:
        await leg.close()


async def _hear_out(leg: Any, quiet_ms: int, first: float, waiting: WaitingPhrases) -> None:
    """Wait until the agent's reply is over: past the waiting phrases ("Хвилинку, перевіряю.",
    "Ще секунду, будь ласка.") to the answer they promised (as a caller would, for up to
    ``NO_AUDIO_S`` after each), then ``quiet_ms`` of silence after it."""
    try:
        answer, _ = await waiting.answer_after(leg, first, NO_AUDIO_S)
    except TimeoutError:
        return
    await leg.wait_agent_quiet(quiet_ms, timeout=REPLY_TIMEOUT_S, after=answer - 0.001)


async def _heard_for(leg: Any, since: float, seconds: float) -> None:
    """Return once the agent has said ``seconds`` of audio after ``since``."""
    while _audible_s(leg.received, since) < seconds:
        if leg.remote_closed.is_set():
            raise ConnectionError("the edge ended the call")
        await asyncio.sleep(0.05)


async def _first_of(*waits: Any) -> None:
    """Wait for the first of ``waits`` to finish (its exception, if any, is raised); cancel the rest."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        next(iter(done)).result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _audible_s(received: Sequence[Any], since: float) -> float:
    return sum(f.duration_s for f in received if f.t > since and not f.silent)


def _longest_pause(received: Sequence[Any], start: float, end: float) -> float:
    """The longest gap between two frames of agent audio in ``[start, end]`` (s)."""
    longest = 0.0
    last: float | None = None
    for frame in received:
        if frame.t < start or frame.silent:
            continue
        if frame.t > end:
            break
        if last is not None:
            longest = max(longest, frame.t - last - 0.02)
        last = frame.t
    return longest


# --- the audit -----------------------------------------------------------------------------------


@dataclass
class CallAudit:
    call: OrderCall
    status: str = ""
    outcome: str = ""
    record: bool = False
    confirmations: int = 0  # fulfilments the workflow started (its history)
    confirmed_in_transcript: int = 0
    done: list[str] = field(default_factory=list)  # order numbers the fulfilments made
    refused: int = 0
    write_retries: int = 0  # store writes of its orders tried again (errors, timeouts)
    tool_errors: int = 0  # tool calls inside the agent's steps that failed (the store, mostly)
    orders: list[str] = field(default_factory=list)  # the phone's orders in the store
    sms_sent: int = 0
    sms_other: list[str] = field(default_factory=list)  # rows not (yet) sent
    ops_tasks: int = 0
    record_order: str | None = None
    transfer: str | None = None  # why the call went to an operator (TransferReason), if it did
    yes_heard: bool = False  # the caller answered a read-back with yes and heard the reply
    transcript: list[Any] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)


async def audit_calls(client: Client, pool: Any, store_url: str, calls: Sequence[OrderCall],
                      *, settle_s: float = SETTLE_TIMEOUT_S) -> list[CallAudit]:
    from activities.store_client import StoreClient

    async with StoreClient(store_url, timeout_s=10.0) as store:
        return list(await asyncio.gather(*(_audit(client, pool, store, c, settle_s) for c in calls)))


async def _audit(client: Client, pool: Any, store: Any, call: OrderCall, settle_s: float) -> CallAudit:
    from workflows.confirmation import classify_confirmation
    from workflows.models import CallSnapshot, FulfilmentResult, FulfilmentStatus, Role

    audit = CallAudit(call)
    name = f"call {call.call_id[:8]} ({call.hangup.label})"
    handle = client.get_workflow_handle(call.call_id, result_type=CallSnapshot)
    snapshot: CallSnapshot | None = None
    try:
        snapshot = await asyncio.wait_for(handle.result(), settle_s)
    except Exception as err:  # noqa: BLE001 - not found, failed, timed out: all a finding
        audit.lost.append(f"{name}: its workflow did not complete ({type(err).__name__}: {err})")
    with contextlib.suppress(Exception):
        audit.status = (await handle.describe()).status.name
    children: list[str] = []
    with contextlib.suppress(Exception):
        async for event in handle.fetch_history_events():
            if event.event_type == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
                children.append(event.start_child_workflow_execution_initiated_event_attributes.workflow_id)
    audit.confirmations = len(children)
    for child in children:
        child_handle = client.get_workflow_handle(child, result_type=FulfilmentResult)
        try:
            result = await asyncio.wait_for(child_handle.result(), settle_s)
        except Exception as err:  # noqa: BLE001
            audit.lost.append(f"{name}: confirmed, but its fulfilment {child} did not finish ({err!r})")
            continue
        audit.write_retries += await _write_retries(child_handle)
        if result.status == FulfilmentStatus.DONE and result.number:
            audit.done.append(result.number)
        elif result.status == FulfilmentStatus.REFUSED:
            audit.refused += 1
        else:
            audit.lost.append(f"{name}: fulfilment {child} ended {result.status.value} without a number")

    if snapshot is not None:
        audit.outcome = snapshot.outcome.value
        if snapshot.transfer is not None:
            audit.transfer = snapshot.transfer.reason.value
        audit.transcript = transcript = snapshot.transcript
        audit.tool_errors = sum(1 for e in transcript for c in e.tool_calls if c.error)
        audit.confirmed_in_transcript = sum(
            1 for e in transcript if e.role == Role.SYSTEM and e.text.startswith("caller confirmed")
        )
        for i, entry in enumerate(transcript):
            if entry.role != Role.CALLER or classify_confirmation(entry.text, None) != "yes":
                continue
            before = [e for e in transcript[:i] if e.role == Role.AGENT]
            if before and "Оформлюю?" in before[-1].text and YES_LINE in call.heard_reply_to:
                audit.yes_heard = True

    orders = await store.orders_by_phone(call.phone, limit=50)
    audit.orders = [o.number for o in orders]
    rows = await pool.fetch("SELECT key, status FROM callcenter.sms_outbox WHERE phone = $1", call.phone)
    audit.sms_sent = sum(1 for r in rows if r["status"] == "sent")
    audit.sms_other = [f"{r['key']} {r['status']}" for r in rows if r["status"] != "sent"]
    audit.ops_tasks = await pool.fetchval(
        "SELECT count(*) FROM callcenter.ops_tasks WHERE call_id = $1 AND kind = 'order_refused'", call.call_id
    )
    record = await pool.fetchrow(
        "SELECT order_number FROM callcenter.calls WHERE call_id = $1 AND ended_at IS NOT NULL",
        uuid.UUID(call.call_id),
    )
    audit.record = record is not None
    audit.record_order = record["order_number"] if record else None

    # --- what must hold ---
    if audit.status and audit.status != WorkflowExecutionStatus.COMPLETED.name:
        audit.lost.append(f"{name}: workflow {audit.status.lower()}, not completed")
    if not audit.record:
        audit.lost.append(f"{name}: no call record in callcenter.calls")
    if audit.confirmations != audit.confirmed_in_transcript:
        audit.lost.append(
            f"{name}: {audit.confirmations} fulfilments started but {audit.confirmed_in_transcript} confirmations "
            "in the transcript"
        )
    if audit.confirmations and YES_LINE not in call.spoke:
        audit.lost.append(f"{name}: an order was confirmed though the caller never said yes")
    if audit.yes_heard and not audit.confirmations:
        audit.lost.append(f"{name}: the caller said yes to the read-back and heard the reply, but nothing was ordered")
    if sorted(audit.orders) != sorted(audit.done):
        if not audit.confirmations and audit.orders:
            audit.lost.append(f"{name}: order {', '.join(audit.orders)} in the store though nobody confirmed one")
        else:
            audit.lost.append(
                f"{name}: the store has orders {audit.orders or 'none'} for {len(audit.done)} confirmed "
                f"({', '.join(audit.done) or 'none done'})"
            )
    expected_sms = len(audit.done) + audit.refused
    if audit.sms_sent != expected_sms or audit.sms_other:
        audit.lost.append(
            f"{name}: {audit.sms_sent} SMS sent for {expected_sms} fulfilments"
            + (f" (not sent: {', '.join(audit.sms_other)})" if audit.sms_other else "")
        )
    if call.hangup.line is None and not audit.confirmations:
        audit.lost.append(f"{name}: went through the whole order dialogue, and nothing was ordered")
    if audit.transfer is not None:  # no caller here asks for a person: the fault sent them
        audit.lost.append(f"{name}: handed to an operator ({audit.transfer})")
    if audit.refused and audit.ops_tasks < audit.refused:
        audit.lost.append(f"{name}: a refused order without a back-office task")
    if audit.done and audit.record and audit.record_order not in audit.done:
        audit.lost.append(f"{name}: the call record says order {audit.record_order}, the store {audit.done}")
    return audit


async def _write_retries(handle: Any) -> int:
    """Attempts beyond the first of a fulfilment's store write (its history keeps the last attempt)."""
    writes: set[int] = set()
    retries = 0
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            if event.activity_task_scheduled_event_attributes.activity_type.name in ("create_order", "book_fitting"):
                writes.add(event.event_id)
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            started = event.activity_task_started_event_attributes
            if started.scheduled_event_id in writes:
                retries += max(0, started.attempt - 1)
    return retries


def turn_losses(calls: Sequence[OrderCall], silence_limit_s: float | None) -> tuple[list[str], list[float]]:
    """Turns the caller waited for that got no agent audio (or only after ``silence_limit_s``),
    and every wait (s)."""
    lost: list[str] = []
    waits: list[float] = []
    for call in calls:
        for turn in call.turns:
            if turn.error:
                lost.append(f"call {call.call_id[:8]} line {turn.line} «{turn.text}»: {turn.error}")
            elif turn.wait_s is not None:
                waits.append(turn.wait_s)
                if silence_limit_s is not None and turn.wait_s > silence_limit_s:
                    lost.append(f"call {call.call_id[:8]} line {turn.line} «{turn.text}»: "
                                f"{turn.wait_s:.1f} s of silence before the agent's first word")
        if call.error:
            lost.append(f"call {call.call_id[:8]}: the caller's side failed: {call.error}")
    return lost, waits


def summarise(name: str, tried: str, calls: Sequence[OrderCall], audits: Sequence[CallAudit],
              *, silence_limit_s: float | None) -> ChaosResult:
    """What was counted, and every loss: the audits' and the callers' (turns with no audio,
    or, with ``silence_limit_s``, with too long a silence before it)."""
    lost = [item for a in audits for item in a.lost]
    said_yes_and_left = [a for a in audits if YES_LINE in a.call.spoke and YES_LINE not in a.call.heard_reply_to
                         and a.call.ended_by == "caller"]
    checked: dict[str, int | float | str] = {
        "calls": len(calls),
        "confirmed": sum(1 for a in audits if a.confirmations),
        "hung up before confirming": sum(1 for a in audits if not a.confirmations and a.call.ended_by == "caller"),
        "said «так» and hung up at once (confirmed)": (
            f"{len(said_yes_and_left)} ({sum(1 for a in said_yes_and_left if a.confirmations)})"
        ),
        "orders": sum(len(a.orders) for a in audits),
        "refused (sold out meanwhile)": sum(a.refused for a in audits),
        "order writes retried": sum(a.write_retries for a in audits),
        "tool calls failed": sum(a.tool_errors for a in audits),
        "SMS": sum(a.sms_sent for a in audits),
        "workflows completed": sum(1 for a in audits if a.status == WorkflowExecutionStatus.COMPLETED.name),
        "records": sum(1 for a in audits if a.record),
        "outcomes": ", ".join(f"{k} {v}" for k, v in sorted(Counter(a.outcome or "?" for a in audits).items())),
        "handed to an operator": sum(1 for a in audits if a.transfer is not None),
    }
    turn_lost, waits = turn_losses(calls, silence_limit_s)
    unanswered = sum(1 for c in calls for t in c.turns if t.error)
    checked["turns waited for"] = len(waits) + unanswered
    if wait := Stats.of(waits):
        checked["end of speech → agent audio p50/p95/max s"] = f"{wait.p50:.2f}/{wait.p95:.2f}/{wait.max:.2f}"
    checked["turns with no audio"] = unanswered
    if pause := Stats.of([t.pause_s for c in calls for t in c.turns if t.pause_s is not None]):
        checked["longest pause inside a reply p95/max s"] = f"{pause.p95:.2f}/{pause.max:.2f}"
    lost.extend(turn_lost)
    return ChaosResult(name, tried, checked, lost)


# --- the environment ---------------------------------------------------------------------------


@dataclass
class Servers:
    """Temporal and PostgreSQL, already running: the scenario builds the rest on them."""

    client: Client
    temporal_address: str
    database_url: str


@contextlib.asynccontextmanager
async def own_servers() -> AsyncIterator[Servers]:
    from callcenter.devstack.inprocess import own_servers as start
    from callcenter.settings import get_settings
    from temporal.client import connect

    root = Path(tempfile.mkdtemp(prefix="callcenter-chaos-orders-"))
    try:
        async with start(get_settings(), root) as (temporal, database_url):
            client = await connect(temporal.address, temporal.namespace)
            yield Servers(client, temporal.address, database_url)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextlib.asynccontextmanager
async def clean_store(database_url: str) -> AsyncIterator[str]:
    """A store instance with no faults on the same database: what the audit reads through."""
    from callcenter.devstack.inprocess import running_store

    async with running_store(database_url, latency_ms=0, error_rate=0.0, timeout_rate=0.0,
                             after_commit_rate=0.0) as url:
        yield url


STOCK_TOP_UP = 1000  # tires added to every stock row before the calls


async def order_calls(servers: Servers, calls: Sequence[OrderCall], *, settle_s: float,
                      store_faults: dict[str, Any] | None = None, **overrides: Any) -> list[CallAudit]:
    """Store, worker and edge on the servers (store faults and settings as given), the calls
    dialled, and each audited once its workflow has settled."""
    from callcenter.devstack.inprocess import running_system

    t0 = time.monotonic()
    voice = await synthesise([line for c in calls for line in c.lines])
    async with running_system(servers.client, servers.temporal_address, servers.database_url,
                              store_faults=store_faults, espeak_rate_wpm=AGENT_WPM, **overrides) as system, \
            clean_store(servers.database_url) as store_url:
        # A hundred callers ordering the same few tires would sell some out between the offer and
        # the yes: a refusal the store is right to give (tests/test_fulfilment.py), not this fault.
        await system.pool.execute(f"UPDATE store.stock SET quantity = quantity + {STOCK_TOP_UP}")
        t1 = time.monotonic()
        await dial_all(system.settings, calls, voice, WaitingPhrases.of_edge(system.edge.ctx.phrases, RATE))
        t2 = time.monotonic()
        audits = await audit_calls(servers.client, system.pool, store_url, calls, settle_s=settle_s)
        log.info("%d calls: voice and system %.1f s, calls %.1f s, audit %.1f s",
                 len(calls), t1 - t0, t2 - t1, time.monotonic() - t2)
    return audits


# --- 1. hangups ------------------------------------------------------------------------------------


async def run_hangups(servers: Servers, calls: int | Sequence[OrderCall], *, seed: int = 1,
                      stagger_s: float = 0.5, settle_s: float = SETTLE_TIMEOUT_S) -> ChaosResult:
    """Order calls (rules brain, no faults) whose callers hang up at a moment of their own
    (``hangup_moments``); ``calls`` a number, or calls planned already (``plan_calls``)."""
    started = time.monotonic()
    plans = plan_calls(calls, seed=seed, stagger_s=stagger_s, hangups=True, quiet_ms=800) \
        if isinstance(calls, int) else list(calls)
    audits = await order_calls(servers, plans, settle_s=settle_s)
    moments = Counter(c.hangup.label for c in plans)
    tried = (f"{len(plans)} order calls (rules brain), one every {stagger_s:g} s, each caller hanging up at a "
             f"moment of its own: " + ", ".join(f"{label} {n}" for label, n in moments.items()))
    result = summarise("hangups", tried, plans, audits, silence_limit_s=None)
    result.seconds = time.monotonic() - started
    return result


# --- 2. store faults -------------------------------------------------------------------------------

STORE_FAULTS = {"error_rate": 0.15, "timeout_rate": 0.15, "after_commit_rate": 0.2, "fault_seed": 7}


async def run_store_faults(servers: Servers, calls: int, *, seed: int = 2, stagger_s: float = 2.0,
                           faults: dict[str, Any] | None = None, settle_s: float = SETTLE_TIMEOUT_S) -> ChaosResult:
    """Whole order calls (rules brain) with the store failing ``faults`` (default ``STORE_FAULTS``)."""
    started = time.monotonic()
    faults = dict(STORE_FAULTS if faults is None else faults)
    plans = plan_calls(calls, seed=seed, stagger_s=stagger_s, hangups=False)
    audits = await order_calls(servers, plans, settle_s=settle_s, store_faults=faults)
    tried = (f"{calls} whole order calls (rules brain), one every {stagger_s:g} s, the store answering "
             f"{faults.get('error_rate', 0):.0%} errors, {faults.get('timeout_rate', 0):.0%} hangs past the "
             f"client's timeout, and failing {faults.get('after_commit_rate', 0):.0%} of committed orders")
    result = summarise("store_faults", tried, plans, audits, silence_limit_s=SILENCE_LIMIT_S)
    result.seconds = time.monotonic() - started
    return result


# --- 3. LLM timeouts -----------------------------------------------------------------------------

LLM_HANG_S = 6.0  # far past the brain's first-token watchdog (2.5 s)
_SKU = re.compile(r'"sku":"([^"]+)"')


class ScriptedClaude:
    """The fake Messages API's answers for the order dialogue (``order_lines``), worked out
    from each request's conversation, so concurrent calls each get the answer that fits them.

    What goes wrong, by request number (all calls together): every ``hang_every``-th request
    hangs (not even headers for ``LLM_HANG_S``: the brain's first-token watchdog fires and it
    retries), every ``overload_every``-th is a 529, every ``stall_every``-th stalls mid-stream
    after its first sentence or tool use (only the step deadline ends it), every
    ``slow_every``-th waits a second before its first token. And in every other call the first
    request of the order turn (the create_order tool use) hangs, so the order is asked for again."""

    def __init__(self, *, hang_every: int = 7, overload_every: int = 11, stall_every: int = 17,
                 slow_every: int = 5, order_hang_every: int = 2) -> None:
        self.hang_every = hang_every
        self.overload_every = overload_every
        self.stall_every = stall_every
        self.slow_every = slow_every
        self.order_hang_every = order_hang_every
        self.counts: Counter[str] = Counter(
            {what: 0 for what in ("requests", "hung", "order turns hung", "overloaded", "stalled mid-stream", "slow")}
        )
        self._orders_hung: set[str] = set()
        self._lock = threading.Lock()

    @property
    def requests(self) -> int:
        return self.counts["requests"]

    def __call__(self, body: dict[str, Any]) -> Answer:
        reply = answer_for(body["messages"])
        caller = _caller_of(body)
        with self._lock:
            self.counts["requests"] += 1
            n = self.counts["requests"]
            ordering = any(isinstance(p, ToolUse) and p.name == "create_order" for p in reply.parts)
            if ordering and caller not in self._orders_hung and _index_of(caller) % self.order_hang_every == 0:
                self._orders_hung.add(caller)
                self.counts["order turns hung"] += 1
                return Reply(*reply.parts, hang_s=LLM_HANG_S)
            if self.hang_every and n % self.hang_every == 0:
                self.counts["hung"] += 1
                return Reply(*reply.parts, hang_s=LLM_HANG_S)
            if self.overload_every and n % self.overload_every == 0:
                self.counts["overloaded"] += 1
                return Failure(529, "overloaded_error", "Overloaded")
            if self.stall_every and n % self.stall_every == 0:
                self.counts["stalled mid-stream"] += 1
                return Reply(*reply.parts[:1], Pause(LLM_HANG_S + 4), *reply.parts[1:])
            if self.slow_every and n % self.slow_every == 0:
                self.counts["slow"] += 1
                return Reply(Pause(1.0), *reply.parts)
        return reply


def _caller_of(body: dict[str, Any]) -> str:
    """The (masked) caller number the system prompt names: one conversation per call."""
    system = body.get("system") or []
    text = " ".join(b.get("text", "") for b in system) if isinstance(system, list) else str(system)
    found = re.search(r"\+?\d{5}\*{3}\d{4}", text)
    return found.group(0) if found else ""


def _index_of(caller: str) -> int:
    """The call's index in its run: the last digits of its number (see ``plan_calls``)."""
    return int(caller[-4:]) if caller[-4:].isdigit() else 0


_ITEM = re.compile(r'"sku":"([^"]+)","brand":"([^"]+)","model":"([^"]+)".*?"price_uah":(\d+)')
ORDINAL_WORDS = ("Перша", "друга", "третя")


def answer_for(messages: list[dict[str, Any]]) -> Reply:
    """What a sensible model says next in the order dialogue (``order_lines``); asked to go on
    after a break, the rest of that answer after the words already said."""
    from activities.brain.claude_brain import CONTINUE_AFTER_BREAK

    last = messages[-1]["content"]
    texts = [b["text"] for b in last if b.get("type") == "text"]
    if texts == [CONTINUE_AFTER_BREAK]:
        said = " ".join(b["text"] for b in messages[-2]["content"] if b.get("type") == "text")
        return _after(answer_for(messages[:-2]), said)
    if not texts:  # a tool round: answer from the results
        for block in last:
            if block.get("is_error"):
                return Reply("Вибачте, зараз не вдається це перевірити. ", "Можу з'єднати вас з оператором.")
            items = _ITEM.findall(str(block.get("content") or ""))
            if items:
                offers = "; ".join(f"{ORDINAL_WORDS[i]} — {brand} {model}, {price} гривень"
                                   for i, (_sku, brand, model, price) in enumerate(items[:3]))
                return Reply("Є такі шини. ", f"{offers}. ", "Яку оформимо і як доставити?")
        return Reply("На жаль, такого розміру зараз немає. ", "Підібрати інший розмір?")
    said = texts[-1].lower()
    skus = _skus(messages, "search_tires")
    pick = next((i for i, word in enumerate(PICKS) if word in said), 0)
    if "оформ" in said and len(skus) > pick:  # before the size: "Оформлюйте першу, дві шини, ..."
        return Reply(ToolUse("create_order", {
            "items": [{"sku": skus[pick], "quantity": 2 if "дві" in said else 4}],
            "delivery_method": "nova_poshta", "city": "Київ", "branch": "23",
        }))
    if "шини" in said:
        query = next((q for line, q in SIZE_LINES if line.lower() == said), SIZE_LINES[0][1])
        return Reply(ToolUse("search_tires", {**query, "limit": 3}))
    if "побачення" in said:
        return Reply(ToolUse("end_call", {"reason": "клієнт попрощався"}))
    return Reply("Чим ще можу допомогти?")


def _after(reply: Reply, said: str) -> Reply:
    """``reply`` without its leading text parts that ``said`` already holds."""
    parts = list(reply.parts)
    spoken = ""
    while parts and isinstance(parts[0], str) and said.startswith((spoken + parts[0]).strip()):
        spoken += parts.pop(0)
    return Reply(*parts)


def _skus(messages: list[dict[str, Any]], tool: str) -> list[str]:
    """The SKUs in the latest result of ``tool`` in the conversation, in order."""
    names: dict[str, str] = {}
    found: list[str] = []
    for message in messages:
        for block in message["content"]:
            if block.get("type") == "tool_use":
                names[block["id"]] = block["name"]
            elif block.get("type") == "tool_result" and names.get(block.get("tool_use_id")) == tool:
                found = _SKU.findall(str(block.get("content") or "")) or found
    return found


async def run_llm_timeouts(servers: Servers, calls: int, *, seed: int = 3, stagger_s: float = 2.5,
                           settle_s: float = SETTLE_TIMEOUT_S) -> ChaosResult:
    """Whole order calls with the Claude brain against the fake Messages API (``ScriptedClaude``)."""
    started = time.monotonic()
    responder = ScriptedClaude()
    plans = plan_calls(calls, seed=seed, stagger_s=stagger_s, hangups=False)
    with FakeAnthropic(responder=responder) as fake:
        audits = await order_calls(
            servers, plans, settle_s=settle_s, llm_engine="claude", ANTHROPIC_API_KEY="sk-chaos-not-a-key",
            anthropic_base_url=fake.base_url,
        )
    faults = ", ".join(f"{n} {what}" for what, n in responder.counts.items() if what != "requests")
    tried = (f"{calls} whole order calls with the Claude brain against a fake Messages API; of its "
             f"{responder.requests} requests: {faults} (a hang: no answer for {LLM_HANG_S:g} s)")
    result = summarise("llm_timeouts", tried, plans, audits, silence_limit_s=SILENCE_LIMIT_S)
    result.checked["LLM requests"] = responder.requests
    for what, n in responder.counts.items():
        if what != "requests":
            result.checked[f"LLM {what}"] = n
    result.seconds = time.monotonic() - started
    return result


# --- the scenarios ---------------------------------------------------------------------------------


async def _hangups(size: int) -> ChaosResult:
    async with own_servers() as servers:
        return await run_hangups(servers, size)


async def _store_faults(size: int) -> ChaosResult:
    async with own_servers() as servers:
        return await run_store_faults(servers, size)


async def _llm_timeouts(size: int) -> ChaosResult:
    async with own_servers() as servers:
        return await run_llm_timeouts(servers, size)


SCENARIOS: list[Scenario] = [
    Scenario("hangups", "order calls whose callers hang up at random moments", _hangups, full=100, quick=9),
    Scenario("store_faults", "order calls with the store failing and hanging at 30 %", _store_faults,
             full=40, quick=4),
    Scenario("llm_timeouts", "order calls with the Claude API hanging or overloaded", _llm_timeouts,
             full=20, quick=3),
]
