"""Process faults: the calls worker killed mid-call, the Temporal server restarted mid-call.

Both run real calls through the real AudioSocket path (``AsteriskLeg`` → the edge's VAD,
endpointer, simulated recognizer, a workflow update per turn, agent step, espeak-ng), each
placing an order (``ORDER_LINES``: search, stock, the order with its details, "так", goodbye),
break a process in the middle, and then check what a caller and the back office would check:

* the caller: every line they said was answered (the first sound and the answer itself are
  timed on the wire; the edge's waiting phrases ("Хвилинку, перевіряю.", "Ще секунду, будь
  ласка.", ...) and its apology are recognised by their samples), and the call went on
  instead of being handed to an operator;
* the back office: each call's workflow completed and left its call record
  (``callcenter.calls``, with the right hangup reason and time); every order the caller
  confirmed exists exactly once in the store (``StoreClient.orders_by_phone``) and nothing
  unconfirmed does; one 'sent' SMS per order (``callcenter.sms_outbox``).

``worker_kill``: the worker runs as a ``callcenter worker`` subprocess writing to a slow store;
when the first call's "так" has its ``create_order`` in flight, the worker gets SIGKILL while
the other calls are elsewhere in their dialogues, and a new worker is started.

``temporal_restart``: the Temporal dev server (its SQLite file in its data directory) is stopped
and started again on the same port twice: for 3 s just as the first call finishes its order
line (that turn, and whatever the other calls do, falls inside the outage), and for 8 s once
every order is placed, while the callers hang up (the edge's hangup signals fail at first).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.callers import synthesise_lines
from chaos.report import ChaosResult, Scenario
from chaos.wire import WaitingPhrases, WirePhrase

RATE = 16000
AGENT_WPM = 450  # the agent talks faster than on the phone: the same code paths, shorter calls
CALLER_WPM = 250  # and so does the caller
REPLY_TIMEOUT_S = 30.0  # a line with no agent sound this long is unanswered
QUIET_MS = 900  # the agent has finished its reply after this much silence
PAUSE_S = 0.4  # the caller's pause after the agent finished
DEAD_AIR_S = 2.5  # a turn with no sound at all this long is dead air (the filler is due at 1.2 s)
RESULT_TIMEOUT_S = 120.0  # a call's workflow must complete this soon after the call
# An order in five lines (as in tests/dialogues/05_order.yaml): search, stock, the order with
# all its details at once (the store's read-back follows), "так" (create_order), goodbye.
ORDER_LINES = (
    "Зимові двісті п'ять п'ятдесят п'ять ер шістнадцять.",
    "Перша є у Києві?",
    "Так, оформлюйте чотири Новою поштою, відділення три.",
    "Так.",
    "Дякую, до побачення.",
)
ORDER_LINE = 2  # the line with the order: the agent step checks it with the store, the read-back follows
CONFIRM = 3  # the line that confirms the read-back: its turn places the order


def _phone() -> str:
    return f"+38063{uuid.uuid4().int % 10_000_000:07d}"


# --- one caller, as Asterisk and the simulator would dial ----------------------------------------


@dataclass
class HeardTurn:
    """One line the caller said and what they heard after it (monotonic seconds)."""

    line: int  # index in the caller's lines
    text: str
    speech_end: float
    first_sound: float | None = None  # the first agent audio after the line (a filler counts)
    answer: float | None = None  # the first audio of the answer itself (after any waiting phrases)
    filler: bool = False  # "Хвилинку, перевіряю." (and maybe "Ще секунду, будь ласка.") came first
    apology: bool = False  # the answer was the edge's apology (then a transfer or a callback)
    error: str = ""

    @property
    def wait_s(self) -> float | None:
        """What the caller lived: end of their line → the answer."""
        return None if self.answer is None else self.answer - self.speech_end

    @property
    def silence_s(self) -> float | None:
        """End of their line → any sound at all."""
        return None if self.first_sound is None else self.first_sound - self.speech_end


@dataclass
class CallerView:
    call_id: str
    phone: str
    lines: list[str]
    turns: list[HeardTurn] = field(default_factory=list)
    greeted: bool = False
    hung_up_by: str = ""  # "agent" (the edge ended the leg) or "caller"
    hung_up_at: datetime | None = None  # wall clock, when the caller hung up
    disposition: str = ""  # what the edge told the dialplan: hangup, transfer, callback, unknown
    error: str = ""
    said: list[asyncio.Event] = field(default_factory=list)  # line i spoken (speech ended)
    answered: list[asyncio.Event] = field(default_factory=list)  # line i answered (or never will be)

    def __post_init__(self) -> None:
        self.said = [asyncio.Event() for _ in self.lines]
        self.answered = [asyncio.Event() for _ in self.lines]

    @property
    def handed_over(self) -> bool:
        return self.disposition in ("transfer", "callback") or any(t.apology for t in self.turns)


@dataclass
class Edge:
    """Where to dial, and the cached phrases to recognise on the wire (samples at RATE)."""

    url: str
    host: str
    audiosocket_port: int
    waiting: WaitingPhrases
    apology: WirePhrase


async def _hear(leg: Any, turn: HeardTurn, edge: Edge) -> None:
    """Wait for the answer to ``turn``: its first sound, and the answer itself after the
    waiting phrases, if any."""
    turn.first_sound = await leg.wait_for_agent_audio(after=turn.speech_end, timeout=REPLY_TIMEOUT_S)
    turn.answer, waited = await edge.waiting.answer_after(leg, turn.first_sound, REPLY_TIMEOUT_S)
    turn.filler = waited > 0
    turn.apology = await edge.apology.heard_at(leg, turn.answer)


async def dial(
    edge: Edge,
    view: CallerView,
    pcm: Sequence[bytes],
    *,
    barge_in: dict[int, float] | None = None,
    before: Callable[[int], Awaitable[None]] | None = None,
    hang_up: bool = False,
) -> CallerView:
    """Dial the edge as Asterisk would, say ``view.lines`` one by one and record what was heard.

    Each line waits for the agent's reply to end, except a line in ``barge_in`` (index → seconds),
    said that long after the previous answer began, over it. ``before(i)`` is awaited before line i
    (and before the caller's own hangup, i = len(lines)). ``hang_up``: the caller hangs up after the
    last line instead of waiting for the agent to end the call. An apology (the edge handing the
    caller over) ends the caller's lines.
    """
    from callcenter.simulator.asterisk_leg import AsteriskLeg

    barge_in = barge_in or {}
    async with httpx.AsyncClient(base_url=edge.url, timeout=5.0, trust_env=False) as http:
        (await http.post(
            f"/calls/{view.call_id}/register",
            json={"caller_number": view.phone, "dialled_number": "+380441234567",
                  "channel": f"PJSIP/chaos-{view.call_id[:8]}"},
        )).raise_for_status()
        leg = AsteriskLeg(edge.host, edge.audiosocket_port, call_id=view.call_id, rate=RATE)
        await leg.connect()
        try:
            try:
                await leg.wait_for_agent_audio(after=0.0, timeout=REPLY_TIMEOUT_S)
                await leg.wait_agent_quiet(QUIET_MS, timeout=REPLY_TIMEOUT_S, after=0.0)
                view.greeted = True
            except (TimeoutError, ConnectionError) as err:
                view.error = f"no greeting: {err}"
                return view
            for i, text in enumerate(view.lines):
                if before is not None:
                    await before(i)
                if i in barge_in and view.turns and view.turns[-1].answer is not None:
                    await asyncio.sleep(max(0.0, view.turns[-1].answer + barge_in[i] - time.monotonic()))
                else:
                    await asyncio.sleep(PAUSE_S)
                if leg.remote_closed.is_set():
                    view.error = f"the edge ended the call before line {i + 1}"
                    break
                (await http.post(f"/sim/calls/{view.call_id}/utterances", json={"text": text})).raise_for_status()
                try:
                    turn = HeardTurn(i, text, await leg.send_audio(pcm[i]))
                except ConnectionError:
                    view.error = f"the edge ended the call during line {i + 1}"
                    break
                view.turns.append(turn)
                view.said[i].set()
                try:
                    await _hear(leg, turn, edge)
                    if i + 1 not in barge_in:
                        with contextlib.suppress(ConnectionError):  # the last words, then the edge hangs up
                            await leg.wait_agent_quiet(QUIET_MS, timeout=REPLY_TIMEOUT_S, after=turn.answer)
                except (TimeoutError, ConnectionError) as err:
                    turn.error = f"no answer: {err}"
                    break
                finally:
                    view.answered[i].set()
                if turn.apology:
                    break  # handed over: the edge ends the leg
            if before is not None and not view.error and not (view.turns and view.turns[-1].apology):
                await before(len(view.lines))
            try:
                await asyncio.wait_for(leg.remote_closed.wait(), 0.5 if hang_up else 5.0)
                view.hung_up_by = "agent"
            except TimeoutError:
                view.hung_up_by = "caller"
                view.hung_up_at = datetime.now(UTC)
                await leg.hangup()
        finally:
            for event in (*view.said, *view.answered):
                event.set()  # nobody waits for a line that will never come
            await leg.close()
        with contextlib.suppress(httpx.HTTPError, KeyError, ValueError):
            view.disposition = (await http.get(f"/calls/{view.call_id}/disposition")).json()["action"]
    return view


@dataclass
class ProcessFaultResult(ChaosResult):
    """A ChaosResult with what it was computed from, for tests to look into."""

    views: list[CallerView] = field(default_factory=list, repr=False)
    office: BackOffice | None = field(default=None, repr=False)
    caller_lost: list[str] = field(default_factory=list)  # the callers' part of ``lost``


# --- what the back office checks ---------------------------------------------------------------------


@dataclass
class BackOffice:
    orders: int = 0  # orders in the store for the calls' phones
    confirmed: int = 0  # orders the callers confirmed (the workflow's transcripts)
    sms_sent: int = 0
    records: int = 0
    completed: int = 0  # workflows completed
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)  # call id → its record's row
    lost: list[str] = field(default_factory=list)


async def check_back_office(client: Any, database_url: str, store_url: str, views: Sequence[CallerView], *,
                            result_timeout_s: float = RESULT_TIMEOUT_S) -> BackOffice:
    """Every call's workflow completed with its record; every confirmed order exactly once in the
    store, nothing unconfirmed; one sent SMS per order."""
    from activities.store_client import StoreClient
    from workflows.models import CallSnapshot, Role

    office = BackOffice()
    deadline = time.monotonic() + result_timeout_s  # for all of them: they ran side by side
    conn = await asyncpg.connect(database_url)
    try:
        async with StoreClient(store_url, timeout_s=10.0) as store:
            for view in views:
                name = f"call {view.call_id[:8]}"
                handle = client.get_workflow_handle(view.call_id, result_type=CallSnapshot)
                try:
                    snapshot = await asyncio.wait_for(handle.result(), max(1.0, deadline - time.monotonic()))
                except Exception as err:  # noqa: BLE001 - not completing is the finding
                    office.lost.append(f"{name}: its workflow did not complete within {result_timeout_s:.0f} s "
                                       f"({type(err).__name__}: {err})")
                    snapshot = None
                    with contextlib.suppress(Exception):  # what it holds so far, for the order count
                        snapshot = await asyncio.wait_for(handle.query("snapshot", result_type=CallSnapshot), 10)
                else:
                    office.completed += 1
                confirmed = 0 if snapshot is None else sum(
                    1 for e in snapshot.transcript if e.role == Role.SYSTEM and e.text == "caller confirmed order"
                )
                office.confirmed += confirmed
                record = await conn.fetchrow(
                    "SELECT outcome, order_number, hangup_reason, ended_at FROM callcenter.calls WHERE call_id = $1",
                    uuid.UUID(view.call_id),
                )
                if record is None:
                    office.lost.append(f"{name}: no call record")
                else:
                    office.records += 1
                    office.rows[view.call_id] = dict(record)
                    if view.hung_up_at is not None:
                        if record["hangup_reason"] != "caller_hangup":
                            office.lost.append(
                                f"{name}: the caller hung up, the record says {record['hangup_reason']!r}"
                            )
                        late = (record["ended_at"] - view.hung_up_at).total_seconds()
                        if abs(late) > 2.0:
                            office.lost.append(f"{name}: the record ends the call {late:+.1f} s off its hangup")
                orders = await store.orders_by_phone(view.phone)
                office.orders += len(orders)
                if len(orders) != confirmed:
                    office.lost.append(
                        f"{name}: {confirmed} order(s) confirmed, {len(orders)} in the store"
                        f" ({', '.join(o.number for o in orders) or 'none'})"
                    )
                elif orders and record is not None and record["order_number"] != orders[0].number:
                    office.lost.append(
                        f"{name}: the record says order {record['order_number']}, the store {orders[0].number}"
                    )
                sms = [r["status"] for r in await conn.fetch(
                    "SELECT status FROM callcenter.sms_outbox WHERE phone = $1", view.phone
                )]
                sent = sms.count("sent")
                office.sms_sent += sent
                if sent != len(orders) or len(sms) != len(orders):
                    office.lost.append(f"{name}: {len(orders)} order(s), SMS {sms or 'none'}")
    finally:
        await conn.close()
    return office


def caller_losses(views: Sequence[CallerView], *, expect_agent_hangup: bool) -> list[str]:
    """What callers lost: a line unanswered, dead air, a call handed over instead of going on."""
    lost = []
    for view in views:
        name = f"call {view.call_id[:8]}"
        for turn in view.turns:
            if turn.error:
                lost.append(f"{name} line {turn.line + 1} ({turn.text!r}): {turn.error}")
            elif turn.silence_s is not None and turn.silence_s > DEAD_AIR_S:
                lost.append(f"{name} line {turn.line + 1}: {turn.silence_s:.1f} s of silence before any sound")
        handover = next((t for t in view.turns if t.apology), None)
        if handover is not None:
            lost.append(
                f"{name}: handed over ({view.disposition or 'apology'}) at line {handover.line + 1} "
                f"({handover.text!r}) after {handover.wait_s:.1f} s instead of going on"
            )
        elif view.handed_over:
            lost.append(f"{name}: handed over ({view.disposition}) instead of going on")
        elif view.error:
            lost.append(f"{name}: {view.error}")
        elif len(view.turns) == len(view.lines) and expect_agent_hangup and view.hung_up_by != "agent":
            lost.append(f"{name}: the agent never ended the call after the goodbye")
    return lost


def turn_stats(views: Sequence[CallerView]) -> dict[str, float | int | str]:
    waits = [(t.wait_s, v, t) for v in views for t in v.turns if t.wait_s is not None]
    if not waits:
        return {"turns answered": 0}
    longest, view, turn = max(waits, key=lambda w: w[0])
    return {
        "turns answered": f"{len(waits)}/{sum(len(v.lines) for v in views)}",
        "answer p50 s": round(statistics.median(w for w, _, _ in waits), 2),
        "longest wait s": round(longest, 2),
        "longest wait at": f"call {view.call_id[:8]} line {turn.line + 1}",
        "answered after > 5 s": sum(1 for w, _, _ in waits if w > 5.0),
        "fillers": sum(1 for v in views for t in v.turns if t.filler),
    }


# --- the parts ------------------------------------------------------------------------------------


class WorkerProcess:
    """``callcenter worker`` as a child process (its own process group), ready when /health answers."""

    def __init__(self, settings: Any, store_url: str, log_path: Path) -> None:
        from callcenter.devstack.processes import ManagedProcess, free_port

        self.port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": settings.database_url,
            "CALLCENTER_TEMPORAL_ADDRESS": settings.temporal_address,
            "CALLCENTER_TEMPORAL_NAMESPACE": settings.temporal_namespace,
            "CALLCENTER_CALLS_TASK_QUEUE": settings.calls_task_queue,
            "CALLCENTER_STORE_URL": store_url,
            "CALLCENTER_WORKER_METRICS_PORT": str(self.port),
        }
        self.process = ManagedProcess(
            "worker", [str(Path(sys.executable).parent / "callcenter"), "worker"], log_path=log_path, env=env
        )

    async def start(self, timeout: float = 60.0) -> float:
        """Spawn it and wait for /health; the seconds that took."""
        started = time.monotonic()
        await asyncio.to_thread(self.process.start)  # fork + exec of a big process: off the loop

        async def healthy() -> bool:
            async with httpx.AsyncClient(timeout=1.0, trust_env=False) as http:
                return (await http.get(f"http://127.0.0.1:{self.port}/health")).status_code == 200

        await self.process.wait_ready(
            healthy, describe="the worker did not answer /health", timeout=timeout, interval=0.1, error=RuntimeError
        )
        return time.monotonic() - started

    async def kill(self) -> None:
        """SIGKILL, the whole process group, and reap it (off the event loop: the calls' audio
        is paced on it)."""
        proc = self.process.proc
        assert proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        await asyncio.to_thread(proc.wait, 10)

    async def stop(self) -> None:
        await self.process.astop(10.0)


@contextlib.asynccontextmanager
async def _temporal_and_database(root: Path, temporal_address: str | None, database_url: str | None
                                 ) -> AsyncIterator[tuple[Any, str, str]]:
    """(Temporal server or None, its address, database URL). Given both: those. Given only the
    database: our own Temporal dev server beside it. Given no database: our own of both."""
    from callcenter.devstack.inprocess import own_servers
    from callcenter.devstack.stack import start_temporal
    from callcenter.settings import Settings

    if database_url is None:
        async with own_servers(Settings(), root) as (server, own_url):
            yield server, server.address, own_url
        return
    if temporal_address is not None:
        yield None, temporal_address, database_url
        return
    server = await start_temporal(root / "temporal", ui_port=None)
    try:
        yield server, server.address, database_url
    finally:
        await server.astop()


def _settings(temporal_address: str, database_url: str, store_url: str, **overrides: Any) -> Any:
    from callcenter.devstack.inprocess import isolated_settings

    return isolated_settings(temporal_address, database_url, store_url, prefix="chaos",
                             espeak_rate_wpm=AGENT_WPM, **overrides)


def _edge_address(running_edge: Any) -> Edge:
    from media_edge.phrases import Phrase

    return Edge(
        url=f"http://127.0.0.1:{running_edge.http_port}",
        host="127.0.0.1",
        audiosocket_port=running_edge.audiosocket_port,
        waiting=WaitingPhrases.of_edge(running_edge.ctx.phrases, RATE),
        apology=WirePhrase(running_edge.ctx.phrases.get(Phrase.APOLOGY, RATE), RATE),
    )


async def _voice(lines: Sequence[str]) -> list[bytes]:
    """The callers' lines at ``CALLER_WPM``."""
    from callcenter.simulator.runner import CallerVoice
    from media_edge.tts.espeak_tts import EspeakTts

    return await synthesise_lines(lines, RATE, CallerVoice(EspeakTts(rate_wpm=CALLER_WPM)))


async def _after(delay_s: float, call: Awaitable[CallerView]) -> CallerView:
    await asyncio.sleep(delay_s)
    return await call


async def _pending_create_order(client: Any, call_id: str, turns: Sequence[int]) -> str | None:
    """The order workflow of this call whose create_order is in flight, if any."""
    for turn in turns:
        workflow_id = f"{call_id}-order-{turn}"
        with contextlib.suppress(Exception):  # not started (yet)
            description = await client.get_workflow_handle(workflow_id).describe()
            if any(a.activity_type.name == "create_order" for a in description.raw_description.pending_activities):
                return workflow_id
    return None


def _scratch(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


# --- worker_kill ----------------------------------------------------------------------------------

BARGE_IN_S = 2.5  # the caller asks about stock this long into the list of tires, over it
SLOW_STORE_MS = 2500  # the worker's store answers writes this late: a create_order stays in flight
CONFIRMED_AT_S = 30.0  # about when a call of the order dialogue says its "так" (at AGENT_WPM)


def _worker_kill_starts(size: int) -> list[float]:
    """Call 0 confirms first (the kill comes then); call 1 half a second behind it, so its order
    is in flight too; the rest spread over the dialogue, so each is somewhere else in it."""
    if size == 1:
        return [0.0]
    if size == 2:
        return [0.0, CONFIRMED_AT_S / 2]
    rest = size - 2
    span = CONFIRMED_AT_S - 6.0
    return [0.0, 0.5, *(2.0 + span * (i + 1) / (rest + 1) for i in range(rest))]


async def worker_kill(size: int, *, temporal_address: str | None = None, database_url: str | None = None
                      ) -> ChaosResult:
    """``size`` order calls; SIGKILL to the calls worker while the first call's create_order is
    in flight; a new worker; then what callers and the back office got."""
    root = _scratch("chaos-worker-kill-")
    try:
        async with _temporal_and_database(root, temporal_address, database_url) as (_server, address, db):
            return await _worker_kill(size, address, db, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


async def _worker_kill(size: int, address: str, database_url: str, root: Path) -> ChaosResult:
    from callcenter.devstack.inprocess import running_store
    from media_edge.app import start_edge
    from temporal.client import connect

    lines, confirm = list(ORDER_LINES), CONFIRM
    async with (
        running_store(database_url) as store_url,
        running_store(database_url, latency_ms=SLOW_STORE_MS) as slow_url,
    ):
        settings = _settings(address, database_url, store_url)
        client = await connect(address, settings.temporal_namespace)
        workers = [WorkerProcess(settings, slow_url, root / "worker-1.log")]
        edge = None
        calls: list[asyncio.Task[CallerView]] = []
        try:
            await workers[0].start()
            edge = await start_edge(settings)
            pcm = await _voice(lines)
            views = [CallerView(str(uuid.uuid4()), _phone(), lines) for _ in range(size)]
            address_ = _edge_address(edge)
            calls = [
                asyncio.create_task(_after(delay, dial(address_, view, pcm, barge_in={1: BARGE_IN_S})))
                for delay, view in zip(_worker_kill_starts(size), views, strict=True)
            ]
            # The kill: the first call said "так" and its create_order is at the slow store (and
            # the second one's, half a second behind, when there are more than two calls).
            await views[0].said[confirm].wait()
            turns = (confirm + 1, confirm, confirm + 2)
            ordering = views[: 2 if size > 2 else 1]
            deadline = time.monotonic() + 10.0
            while time.monotonic() < deadline and not calls[0].done():
                pending = [await _pending_create_order(client, v.call_id, turns) for v in ordering]
                if all(pending) or (pending[0] and time.monotonic() > deadline - 8.0):
                    break
                await asyncio.sleep(0.05)
            in_flight = [v for v in views if await _pending_create_order(client, v.call_id, turns) is not None]
            talking = [
                v for v, c in zip(views, calls, strict=True) if v.greeted and not c.done() and v not in in_flight
            ]
            not_started = sum(1 for v in views if not v.greeted)
            await workers[0].kill()
            killed_at = time.monotonic()
            workers.append(WorkerProcess(settings, slow_url, root / "worker-2.log"))
            restart_s = await workers[1].start()
            views = list(await asyncio.gather(*calls))
            office = await check_back_office(client, database_url, store_url, views)
        finally:
            for call in calls:
                call.cancel()
            await asyncio.gather(*calls, return_exceptions=True)
            if edge is not None:
                await edge.stop()
            for worker in workers:
                await worker.stop()

    caller_lost = caller_losses(views, expect_agent_hangup=True)
    lost = caller_lost + office.lost
    if not in_flight:
        lost.append("the kill missed: no create_order was in flight (the scenario did not test what it says)")
    after_kill = [t.wait_s for v in views for t in v.turns if t.wait_s is not None and t.answer > killed_at]
    checked: dict[str, int | float | str] = {
        "calls": size,
        "at the kill: create_order in flight": len(in_flight),
        "at the kill: mid-conversation": len(talking),
        "new worker ready s": round(restart_s, 1),
        **turn_stats(views),
        "longest wait after the kill s": round(max(after_kill), 2) if after_kill else "—",
        "handed over": sum(1 for v in views if v.handed_over),
        "orders confirmed/in store": f"{office.confirmed}/{office.orders}",
        "SMS sent": office.sms_sent,
        "workflows completed": office.completed,
        "call records": office.records,
    }
    if not_started:
        checked["not yet dialled at the kill"] = not_started
    return ProcessFaultResult(
        "worker_kill",
        f"{size} order call(s) over AudioSocket; SIGKILL to `callcenter worker` with "
        f"{len(in_flight)} create_order in flight (store writes {SLOW_STORE_MS} ms) and "
        f"{len(talking)} call(s) mid-conversation; a new worker started",
        checked,
        lost,
        views=views,
        office=office,
        caller_lost=caller_lost,
    )


# --- temporal_restart -----------------------------------------------------------------------------

RESTART_STAGGER_S = 1.0  # the calls start this far apart: at each outage they are at different points
RESTART_DOWN_S = 3.0  # the first outage lasts at least this (a stop and start alone take ~1.5 s here)
HANGUP_OUTAGE_S = 8.0  # the second outage: longer than the edge's first 5-s try of the hangup signal


@dataclass
class Outage:
    what: str
    down_at: float
    up_at: float = 0.0

    @property
    def seconds(self) -> float:
        return self.up_at - self.down_at


async def temporal_restart(size: int, *, database_url: str | None = None) -> ChaosResult:
    """``size`` order calls; the Temporal dev server stopped and started again (same port, same
    SQLite file) twice: with the first call mid-turn, and when the callers hang up after their
    orders; then what callers and the back office got."""
    root = _scratch("chaos-temporal-restart-")
    try:
        async with _temporal_and_database(root, None, database_url) as (server, _address, db):
            return await _temporal_restart(size, server, db)
    finally:
        shutil.rmtree(root, ignore_errors=True)


async def _temporal_restart(size: int, server: Any, database_url: str) -> ChaosResult:
    from callcenter.devstack.inprocess import running_system
    from temporal.client import connect

    lines = list(ORDER_LINES[: CONFIRM + 1])  # up to "так"; then the caller hangs up
    client = await connect(server.address, server.namespace)
    outages: list[Outage] = []
    async with running_system(client, server.address, database_url, espeak_rate_wpm=AGENT_WPM) as system:
        edge = _edge_address(system.edge)
        pcm = await _voice(lines)
        views = [CallerView(str(uuid.uuid4()), _phone(), lines) for _ in range(size)]
        down = asyncio.Event()

        async def hang_up_in_the_outage(i: int) -> None:
            if i == len(lines):
                await down.wait()

        calls = [
            asyncio.create_task(_after(
                n * RESTART_STAGGER_S,
                dial(edge, view, pcm, barge_in={1: BARGE_IN_S}, before=hang_up_in_the_outage, hang_up=True),
            ))
            for n, view in enumerate(views)
        ]
        try:
            # 1: a restart just as the first call finishes the line with its order (the agent step
            # checks it with the store); the other calls are wherever they are.
            await views[0].said[ORDER_LINE].wait()
            outage = Outage("mid-turn", time.monotonic())
            await server.astop()
            await asyncio.sleep(max(0.0, outage.down_at + RESTART_DOWN_S - time.monotonic()))
            await server.start()
            outage.up_at = time.monotonic()
            outages.append(outage)
            # 2: every order placed; Temporal goes down and the callers hang up meanwhile.
            for view in views:
                await view.answered[CONFIRM].wait()
            outage = Outage("at hangup", time.monotonic())
            await server.astop()
            down.set()
            await asyncio.gather(*calls, return_exceptions=True)
            await asyncio.sleep(max(0.0, outage.down_at + HANGUP_OUTAGE_S - time.monotonic()))
            await server.start()
            outage.up_at = time.monotonic()
            outages.append(outage)
            views = list(await asyncio.gather(*calls))
        finally:
            down.set()
            for call in calls:
                call.cancel()
            await asyncio.gather(*calls, return_exceptions=True)
            if not server.process or not server.process.is_running():
                with contextlib.suppress(Exception):
                    await server.start()  # the parts must be able to stop cleanly
        office = await check_back_office(client, database_url, system.settings.store_url, views,
                                         result_timeout_s=60.0)

    caller_lost = caller_losses(views, expect_agent_hangup=False)
    lost = caller_lost + office.lost
    caught = [
        t for v in views for t in v.turns
        if any(t.speech_end < o.up_at and (t.answer or float("inf")) > o.down_at for o in outages)
    ]
    waits = [t.wait_s for t in caught if t.wait_s is not None]
    checked: dict[str, int | float | str] = {
        "calls": size,
        "outages s": ", ".join(f"{o.what} {o.seconds:.1f}" for o in outages),
        "turns caught by an outage": len(caught),
        "their longest wait s": round(max(waits), 2) if waits else "—",
        "their longest silence s": round(max((t.silence_s or 0.0) for t in caught), 2) if caught else "—",
        **turn_stats(views),
        "handed over": sum(1 for v in views if v.handed_over),
        "orders confirmed/in store": f"{office.confirmed}/{office.orders}",
        "SMS sent": office.sms_sent,
        "workflows completed": office.completed,
        "call records": office.records,
        "of them caller_hangup": sum(1 for r in office.rows.values() if r["hangup_reason"] == "caller_hangup"),
    }
    return ProcessFaultResult(
        "temporal_restart",
        f"{size} order call(s) over AudioSocket; the Temporal dev server restarted (same port, same "
        f"SQLite file): down {RESTART_DOWN_S:.0f} s mid-turn, then {HANGUP_OUTAGE_S:.0f} s while the callers hung up",
        checked,
        lost,
        views=views,
        office=office,
        caller_lost=caller_lost,
    )


SCENARIOS: list[Scenario] = [
    Scenario("worker_kill", "SIGKILL to the calls worker mid-call, a new one started", worker_kill, full=10, quick=1),
    Scenario("temporal_restart", "the Temporal server restarted mid-call and at hangup", temporal_restart,
             full=5, quick=1),
]
