"""AudioSocket fault scenarios against the real media edge, over real TCP.

``fuzz``: thousands of malformed AudioSocket streams (random bytes, lying lengths, unknown kinds,
odd audio, error frames, mid-frame EOF, mutated copies of a real stream, a second leg on the UUID
of a live call), 50 at a time, while real calls speak their turns. Afterwards: the edge still
answers /health, every turn of the real calls was answered with no gap in their audio over
AudioSocket's 2 s limit and no playout underrun, every call the fuzz opened has its call record, a
new call works, and no session, connection or task of the edge is left behind.

``silent``: clients that connect and then say nothing (nothing at all, half a frame header, or a
call's UUID with or without a few frames first). The edge must drop each after its handshake
timeout or, once the call is known, after ``audiosocket_idle_timeout_s`` without a frame, and end
such a call the normal way (its record says ``no_audio``), while a real call goes on untouched.

Each scenario runs against an already running system (tests share their servers) or starts its
own (``Scenario.run``: a Temporal dev server and a database in a temporary directory).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import random
import shutil
import socket
import struct
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.callers import CALLER_LINES as BENCH_CALLER_LINES, edge_http, synthesise_lines
from callcenter.devstack.inprocess import System
from callcenter.simulator.asterisk_leg import AsteriskLeg
from chaos.report import ChaosResult, Scenario
from media_edge.audiosocket.protocol import (
    HEADER_SIZE,
    SAMPLE_RATES,
    FrameKind,
    FrameParser,
    ProtocolError,
    frames_per_20ms,
)
from media_edge.audiosocket.server import HANDSHAKE_TIMEOUT_S

FUZZ_CONCURRENCY = 50
EDGE_CLOSE_WAIT_S = 20.0  # a stream the edge must end: how long its client waits for that
AUDIOSOCKET_GAP_LIMIT_S = 2.0  # Asterisk's AudioSocket app hangs up after 2 s without a frame
REPLY_TIMEOUT_S = 20.0
SETTLE_TIMEOUT_S = 30.0  # sessions, connections and tasks wind down within this after the faults
RECORDS_TIMEOUT_S = 180.0  # every call the faults opened has its record by then
REAL_CALLS = 2
RATE = 16000
# Short caller lines the rules brain answers without ending the call: the bench's first four.
CALLER_LINES = BENCH_CALLER_LINES[:4]
_HEADER = struct.Struct(">BH")
_UNKNOWN_KINDS = [k for k in range(256) if k not in {int(kind) for kind in FrameKind}]
_AUDIO_KINDS = [int(kind) for kind in SAMPLE_RATES]


# --- the system under test --------------------------------------------------------------------


@asynccontextmanager
async def own_system(**settings_overrides: Any) -> AsyncIterator[System]:
    """A Temporal dev server and a database of our own (temporary directory), and the store,
    worker and edge in this process on them."""
    from callcenter.devstack.inprocess import own_servers, running_system
    from callcenter.settings import get_settings
    from media_edge.app import freeze_startup_heap
    from temporal.client import connect

    root = Path(tempfile.mkdtemp(prefix="callcenter-chaos-"))
    try:
        async with own_servers(get_settings(), root) as (temporal, database_url):
            client = await connect(temporal.address, temporal.namespace)
            async with running_system(client, temporal.address, database_url, **settings_overrides) as system:
                # As the edge's own main does: without it the cycle collector's full passes over
                # everything this process started held the GIL, and so the pacer, for 220-340 ms.
                freeze_startup_heap()
                try:
                    yield system
                finally:
                    gc.unfreeze()  # the next scenario's start-up is its own
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _edge_tasks() -> int:
    """Tasks running code of the edge (connections, sessions, their timers)."""
    count = 0
    for task in asyncio.all_tasks():
        coro = task.get_coro()
        code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
        if code is not None and "/media_edge/" in code.co_filename.replace("\\", "/"):
            count += 1
    return count


def _edge_connections(port: int) -> int:
    """Accepted AudioSocket sockets still open in this process (the edge's side)."""
    return sum(
        1 for c in psutil.Process().net_connections(kind="tcp")
        if c.laddr and c.laddr.port == port and c.status != psutil.CONN_LISTEN
    )


@dataclass
class _Baseline:
    sessions: int
    tasks: int
    connections: int


def _baseline(system: System) -> _Baseline:
    return _Baseline(
        len(system.edge.ctx.registry.sessions), _edge_tasks(), _edge_connections(system.settings.audiosocket_port)
    )


async def _settled(system: System, base: _Baseline, checked: dict[str, Any], lost: list[str]) -> None:
    """Wait for the edge to wind down to ``base``; what stays above it is a leak."""
    port = system.settings.audiosocket_port
    registry = system.edge.ctx.registry
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while True:
        now = _Baseline(len(registry.sessions), _edge_tasks(), _edge_connections(port))
        if (now.sessions <= base.sessions and now.tasks <= base.tasks and now.connections <= base.connections) \
                or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    checked["live sessions after (before)"] = f"{now.sessions} ({base.sessions})"
    checked["edge tasks after (before)"] = f"{now.tasks} ({base.tasks})"
    checked["AudioSocket connections after (before)"] = f"{now.connections} ({base.connections})"
    if now.sessions > base.sessions:
        lost.append(f"{now.sessions - base.sessions} call session(s) still live on the edge")
    if now.tasks > base.tasks:
        lost.append(f"{now.tasks - base.tasks} edge task(s) leaked")
    if now.connections > base.connections:
        lost.append(f"{now.connections - base.connections} AudioSocket connection(s) left open by the edge")


class _EdgeErrors(logging.Handler):
    """Errors the edge (or asyncio, for a task that died unseen) logged meanwhile."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @contextlib.contextmanager
    def attached(self) -> Any:
        loggers = [logging.getLogger(name) for name in ("media_edge", "asyncio")]
        for logger in loggers:
            logger.addHandler(self)
        try:
            yield self
        finally:
            for logger in loggers:
                logger.removeHandler(self)

    def report(self, checked: dict[str, Any], lost: list[str]) -> None:
        checked["errors the edge logged"] = len(self.records)
        if self.records:
            first = Counter(r.getMessage()[:120] for r in self.records).most_common(3)
            lost.append(f"the edge logged {len(self.records)} error(s), e.g. " + "; ".join(m for m, _ in first))


async def _health(http: httpx.AsyncClient, checked: dict[str, Any], lost: list[str]) -> None:
    try:
        response = await http.get("/health")
        ok = response.status_code == 200 and response.json().get("status") == "ok"
        checked["edge /health"] = response.status_code
    except httpx.HTTPError as err:
        ok = False
        checked["edge /health"] = repr(err)
    if not ok:
        lost.append("the edge does not answer /health")


async def _call_records(system: System, call_ids: set[str], timeout: float) -> dict[str, Any]:
    """call id → its record (hangup reason, outcome, turns), waiting for them to land."""
    deadline = time.monotonic() + timeout
    ids = [uuid.UUID(c) for c in call_ids]
    rows: list[Any] = []
    while True:
        rows = await system.pool.fetch(
            "SELECT call_id::text AS call_id, caller_number, hangup_reason, outcome, turns FROM callcenter.calls "
            "WHERE call_id = ANY($1::uuid[]) AND ended_at IS NOT NULL",
            ids,
        )
        if len(rows) >= len(ids) or time.monotonic() > deadline:
            return {r["call_id"]: r for r in rows}
        await asyncio.sleep(0.5)


# --- a real call beside the faults -----------------------------------------------------------


@dataclass
class _RealCall:
    """A caller as a bench caller is (registered, dialled with AsteriskLeg, words on the simulated
    recognizer's side channel), speaking turns until told to stop."""

    system: System
    http: httpx.AsyncClient
    pcm: Sequence[bytes]
    seed: int
    call_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    leg: AsteriskLeg | None = None
    turns: int = 0
    answered: int = 0
    problems: list[str] = field(default_factory=list)
    underruns: int | None = None
    edge_max_gap_ms: float | None = None

    async def dial(self) -> bool:
        settings = self.system.settings
        (await self.http.post(
            f"/calls/{self.call_id}/register",
            json={"caller_number": f"+38067{self.seed:07d}", "dialled_number": "+380441234567",
                  "channel": f"PJSIP/chaos-{self.call_id[:8]}"},
        )).raise_for_status()
        self.leg = await AsteriskLeg(settings.edge_host, settings.audiosocket_port, call_id=self.call_id,
                                     rate=RATE).connect()
        try:
            await self.leg.wait_for_agent_audio(after=0.0, timeout=REPLY_TIMEOUT_S)
        except (TimeoutError, ConnectionError) as err:
            self.problems.append(f"call {self.call_id[:8]}: no greeting ({err})")
            return False
        return True

    async def talk(self, stop: asyncio.Event, min_turns: int = 1, max_turns: int | None = None) -> None:
        """Turns until ``stop`` is set (and at least ``min_turns``); each one must be answered.
        The caller barges in on each reply after hearing a second of it."""
        assert self.leg is not None
        rng = random.Random(self.seed)
        while not (stop.is_set() and self.turns >= min_turns) and (max_turns is None or self.turns < max_turns):
            index = self.turns % len(self.pcm)
            if self.leg.remote_closed.is_set():
                self.problems.append(f"call {self.call_id[:8]}: the edge ended the call after {self.turns} turns")
                return
            (await self.http.post(f"/sim/calls/{self.call_id}/utterances",
                                  json={"text": CALLER_LINES[index]})).raise_for_status()
            self.turns += 1
            try:
                speech_end = await self.leg.send_audio(self.pcm[index], RATE)
                await self.leg.wait_for_agent_audio(after=speech_end, timeout=REPLY_TIMEOUT_S)
            except (TimeoutError, ConnectionError) as err:
                self.problems.append(f"call {self.call_id[:8]} turn {self.turns} unanswered ({err})")
                return
            self.answered += 1
            await asyncio.sleep(rng.uniform(1.0, 1.5))

    def max_gap_s(self) -> float:
        """The longest time between two frames from the edge, as the caller's side saw it."""
        assert self.leg is not None
        times = [f.t for f in self.leg.received]
        return max((b - a for a, b in zip(times, times[1:], strict=False)), default=0.0)

    async def hang_up(self) -> None:
        if self.leg is None:
            return
        session = self.system.edge.ctx.registry.sessions.get(self.call_id)
        if session is not None:
            self.underruns = session.conn.playout.underruns
            self.edge_max_gap_ms = session.conn.playout.jitter().max_gap_ms
        await self.leg.hangup()

    def check(self, lost: list[str]) -> None:
        lost.extend(self.problems)
        gap = self.max_gap_s()
        if gap > AUDIOSOCKET_GAP_LIMIT_S:
            lost.append(f"call {self.call_id[:8]}: {gap:.1f} s without a frame from the edge (Asterisk hangs up after 2 s)")
        if self.edge_max_gap_ms is not None and self.edge_max_gap_ms > AUDIOSOCKET_GAP_LIMIT_S * 1000:
            lost.append(f"call {self.call_id[:8]}: the edge's playout left {self.edge_max_gap_ms:.0f} ms between two frames")
        if self.underruns:
            lost.append(f"call {self.call_id[:8]}: {self.underruns} playout underrun(s)")


async def _real_calls_record(system: System, calls: Sequence[_RealCall], lost: list[str]) -> None:
    records = await _call_records(system, {c.call_id for c in calls}, RECORDS_TIMEOUT_S)
    for call in calls:
        row = records.get(call.call_id)
        if row is None:
            lost.append(f"call {call.call_id[:8]}: no call record")
        elif row["turns"] != call.answered:
            lost.append(f"call {call.call_id[:8]}: the record has {row['turns']} turns, the caller had {call.answered} answered")


async def _new_call_works(system: System, http: httpx.AsyncClient, pcm: Sequence[bytes], lost: list[str]) -> str:
    """A new call after the faults: greeting and one answered turn."""
    call = _RealCall(system, http, pcm, seed=9_999_999)
    try:
        if await call.dial():
            stop = asyncio.Event()
            stop.set()
            await call.talk(stop, min_turns=1, max_turns=1)
    finally:
        await call.hang_up()
        if call.leg is not None:
            await call.leg.close()
    if call.problems or call.answered != 1:
        lost.append("a new call after the faults failed: " + "; ".join(call.problems or ["no answered turn"]))
        return "failed"
    return "greeting + 1 turn answered"


# --- fuzzed streams --------------------------------------------------------------------------


def _frame(kind: int, payload: bytes = b"", length: int | None = None) -> bytes:
    """A frame as given, lies included: ``length`` may differ from the payload's."""
    return _HEADER.pack(kind, len(payload) if length is None else length) + payload


def _uuid_frame(call_id: str) -> bytes:
    return _frame(FrameKind.UUID, uuid.UUID(call_id).bytes)


# Quiet line noise (so the fuzz seldom makes a caller turn): 4 s of it, sliced at random offsets.
_NOISE = struct.pack("<64000h", *random.Random(0).choices(range(-300, 301), k=64000))


def _audio(rng: random.Random, n_bytes: int, kind: int = FrameKind.SLIN_16K) -> bytes:
    """An audio frame of ``n_bytes`` of line noise (an odd count is not whole samples: fatal)."""
    start = rng.randrange(0, len(_NOISE) - 0x10000, 2)
    return _frame(kind, _NOISE[start : start + n_bytes])


def _frames(rng: random.Random, count: int, kind: int = FrameKind.SLIN_16K) -> bytes:
    rate = SAMPLE_RATES[FrameKind(kind)]
    size = frames_per_20ms(rate)
    return b"".join(_audio(rng, size, kind) for _ in range(count))


def _real_prefix(rng: random.Random, call_id: str) -> bytes:
    """The start of a stream as Asterisk sends it: the UUID, 20 ms frames, maybe a key."""
    out = [_uuid_frame(call_id), _frames(rng, rng.randint(3, 25))]
    if rng.random() < 0.3:
        out.append(_frame(FrameKind.DTMF, rng.choice(b"0123456789*#").to_bytes(1, "big")))
        out.append(_frames(rng, rng.randint(1, 10)))
    return b"".join(out)


def _mutate(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        if not buf:
            break
        op = rng.randrange(6)
        i = rng.randrange(len(buf))
        if op == 0:
            buf[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            buf[i] = rng.randrange(256)
        elif op == 2:
            buf[i:i] = rng.randbytes(rng.randint(1, 40))
        elif op == 3:
            del buf[i : i + rng.randint(1, 40)]
        elif op == 4:
            j = rng.randrange(len(buf))
            buf[i:i] = buf[j : j + rng.randint(1, 700)]
        else:
            del buf[i:]
    return bytes(buf)


# Each maker: (rng, a call id to use) -> the bytes the client sends. The call id is a fresh random
# UUID, a call registered with the edge just before, or a live real call (a second leg).
def _random_bytes(rng: random.Random, call_id: str) -> bytes:
    return rng.randbytes(rng.choice((1, 2, 3, 5, 19, 100, 1000, 5000)))


def _broken_handshake(rng: random.Random, call_id: str) -> bytes:
    """Everything but a UUID frame first: other kinds, a short header, a misdirected client."""
    return rng.choice((
        lambda: _frames(rng, rng.randint(1, 5)),  # audio before the UUID
        lambda: _frame(FrameKind.DTMF, b"1") + _uuid_frame(call_id),
        lambda: _frame(FrameKind.HANGUP) + _uuid_frame(call_id),
        lambda: _frame(FrameKind.ERROR, b"\x01"),
        lambda: _frame(rng.choice(_UNKNOWN_KINDS), rng.randbytes(16)),
        lambda: _uuid_frame(call_id)[: rng.randint(1, 18)],  # cut inside the UUID frame
        lambda: b"GET /health HTTP/1.1\r\nHost: edge\r\n\r\n",
        lambda: b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + rng.randbytes(64),  # a TLS hello
    ))()


def _mutated_handshake(rng: random.Random, call_id: str) -> bytes:
    """A real stream whose first frame got damaged (a flipped or lost byte in the UUID frame)."""
    data = bytearray(_real_prefix(rng, call_id))
    i = rng.randrange(3)  # the header: kind or length
    if rng.random() < 0.5:
        data[i] ^= 1 << rng.randrange(8)
    else:
        del data[i]
    return bytes(data)


def _lying_lengths(rng: random.Random, call_id: str) -> bytes:
    head = _uuid_frame(call_id)
    return rng.choice((
        lambda: _frame(FrameKind.UUID, uuid.UUID(call_id).bytes, length=0xFFFF),  # huge UUID
        lambda: _frame(FrameKind.UUID, b"", length=0),  # empty UUID
        lambda: _frame(FrameKind.UUID, uuid.UUID(call_id).bytes[:8], length=16),  # truncated UUID
        lambda: head + _frame(FrameKind.SLIN_16K, rng.randbytes(100), length=0xFFFE),  # huge, truncated
        lambda: head + _frame(FrameKind.SLIN_16K, b"", length=0),  # zero-length audio
        lambda: head + _frame(FrameKind.SLIN_8K, rng.randbytes(10), length=0),  # zero with bytes after
        lambda: head + _frame(FrameKind.DTMF, b"12345"),  # DTMF of 5 bytes
        lambda: head + _frame(FrameKind.DTMF, b""),  # DTMF of none
        lambda: head + _frame(FrameKind.ERROR, rng.randbytes(10), length=0xFFFF),  # error, truncated
        lambda: head + _frames(rng, 3) + _frame(FrameKind.HANGUP, rng.randbytes(1000)),  # hangup with a payload
        lambda: head + _frame(FrameKind.SLIN_16K, rng.randbytes(0xFFFE)),  # one huge (2 s) frame
        lambda: head + _frames(rng, 2) + _frame(FrameKind.SLIN_16K, rng.randbytes(640), length=320),  # short by half
    ))()


def _unknown_call_garbage(rng: random.Random, call_id: str) -> bytes:
    return _uuid_frame(call_id) + rng.randbytes(rng.choice((1, 3, 50, 640, 4000)))


def _unknown_kind(rng: random.Random, call_id: str) -> bytes:
    kind = rng.choice(_UNKNOWN_KINDS)
    return _uuid_frame(call_id) + _frames(rng, rng.randint(0, 5)) + _frame(kind, rng.randbytes(rng.choice((0, 1, 320, 640))))


def _odd_audio(rng: random.Random, call_id: str) -> bytes:
    """Audio frames of every kind and of lengths Asterisk never sends; sometimes an odd byte count."""
    out = [_uuid_frame(call_id)]
    for _ in range(rng.randint(1, 30)):
        kind = rng.choice(_AUDIO_KINDS)
        size = rng.choice((2, 4, 160, 318, 322, 638, 642, 1000, 1920, 3200, 7680, 9600))
        out.append(_audio(rng, size, kind))
    if rng.random() < 0.5:
        out.append(_audio(rng, rng.choice((1, 3, 319, 641, 999)), rng.choice(_AUDIO_KINDS)))
    return b"".join(out)


def _error_frame(rng: random.Random, call_id: str) -> bytes:
    payload = rng.choice((b"", b"\x01", b"\x02\x00", rng.randbytes(rng.randint(1, 200))))
    return _uuid_frame(call_id) + _frames(rng, rng.randint(0, 10)) + _frame(FrameKind.ERROR, payload)


def _mid_frame_eof(rng: random.Random, call_id: str) -> bytes:
    whole = _audio(rng, 640)
    return _uuid_frame(call_id) + _frames(rng, rng.randint(0, 10)) + whole[: rng.randint(1, len(whole) - 1)]


def _mutated(rng: random.Random, call_id: str) -> bytes:
    return _mutate(rng, _real_prefix(rng, call_id))


def _keys_and_rates(rng: random.Random, call_id: str) -> bytes:
    """Valid but busy: keys (some not ASCII), every rate in turn, a second UUID or a hangup."""
    out = [_uuid_frame(call_id)]
    for _ in range(rng.randint(2, 20)):
        if rng.random() < 0.3:
            out.append(_frame(FrameKind.DTMF, bytes([rng.choice(b"0123456789*#ABCD" + bytes([0, 0x7F, 0x80, 0xFF]))])))
        else:
            out.append(_frames(rng, 1, rng.choice(_AUDIO_KINDS)))
    ending = rng.random()
    if ending < 0.2:
        out.append(_uuid_frame(str(uuid.UUID(int=rng.getrandbits(128)))))
    elif ending < 0.4:
        out.append(_frame(FrameKind.HANGUP))
    return b"".join(out)


# Streams that die in the handshake, and streams that get past it into a call session (each of
# those starts a call workflow, as a real call would).
HANDSHAKE_MAKERS: dict[str, Callable[[random.Random, str], bytes]] = {
    "random bytes": _random_bytes,
    "broken handshake": _broken_handshake,
    "mutated handshake": _mutated_handshake,
}
SESSION_MAKERS: dict[str, Callable[[random.Random, str], bytes]] = {
    "lying lengths": _lying_lengths,
    "unknown call, then garbage": _unknown_call_garbage,
    "unknown frame kind": _unknown_kind,
    "audio of odd lengths and rates": _odd_audio,
    "error frame": _error_frame,
    "mid-frame EOF": _mid_frame_eof,
    "mutated real stream": _mutated,
    "keys, rates, second UUID": _keys_and_rates,
}
MAKERS = HANDSHAKE_MAKERS | SESSION_MAKERS
HANDSHAKE_SHARE = 0.45


@dataclass(frozen=True)
class Verdict:
    """What the edge must make of a stream, read with the protocol's own parser.

    ``end``: "no UUID" (the stream ends before a whole first frame), "handshake rejected",
    "protocol error", "hangup", "error frame", "valid" (whole frames, nothing fatal), "truncated"
    (ends inside a frame). ``call_id``: the UUID the handshake accepted, if it did.
    """

    end: str
    call_id: str | None

    @property
    def edge_must_close(self) -> bool:
        """The stream itself ends the call: the edge closes without waiting for EOF."""
        return self.end in {"handshake rejected", "protocol error", "hangup", "error frame"}


def verdict(data: bytes) -> Verdict:
    pos = 0
    call_id: str | None = None
    while True:
        if len(data) - pos < HEADER_SIZE:
            end = "truncated" if pos < len(data) else "valid"
            return Verdict("no UUID" if call_id is None else end, call_id)
        _, length = _HEADER.unpack_from(data, pos)
        try:
            frames = FrameParser().feed(data[pos : pos + HEADER_SIZE + length])
        except ProtocolError:
            return Verdict("handshake rejected" if call_id is None else "protocol error", call_id)
        if not frames:
            return Verdict("no UUID" if call_id is None else "truncated", call_id)
        frame = frames[0]
        pos += HEADER_SIZE + length
        if call_id is None:
            if frame.kind is not FrameKind.UUID:
                return Verdict("handshake rejected", None)
            call_id = str(uuid.UUID(bytes=frame.payload))
        elif frame.kind is FrameKind.UUID:
            return Verdict("protocol error", call_id)
        elif frame.kind is FrameKind.HANGUP:
            return Verdict("hangup", call_id)
        elif frame.kind is FrameKind.ERROR:
            return Verdict("error frame", call_id)


@dataclass(frozen=True)
class FuzzStream:
    index: int
    kind: str
    data: bytes
    ending: str  # "wait" (for the edge to end it), "eof" (half-close, then wait), "close", "abort" (RST)
    registered: bool  # the UUID is a call registered with the edge just before
    second_leg: bool  # the UUID is a live real call's


def make_stream(index: int, seed: int, live_calls: Sequence[str] = ()) -> FuzzStream:
    """Stream ``index`` of the corpus, the same for the same seed."""
    rng = random.Random(seed * 1_000_003 + index)
    in_session = rng.random() >= HANDSHAKE_SHARE
    kind = rng.choice(list(SESSION_MAKERS if in_session else HANDSHAKE_MAKERS))
    pick = rng.random()
    second_leg = in_session and bool(live_calls) and pick < 0.05
    registered = in_session and not second_leg and pick < 0.3
    call_id = rng.choice(live_calls) if second_leg else str(uuid.UUID(int=rng.getrandbits(128), version=4))
    data = MAKERS[kind](rng, call_id)
    must_close = verdict(data).edge_must_close
    roll = rng.random()
    if roll < 0.1:
        ending = "abort"
    elif roll < 0.2:
        ending = "close"
    else:
        ending = "wait" if must_close else "eof"
    return FuzzStream(index, kind, data, ending, registered, second_leg)


@dataclass
class _Outcome:
    how: str  # "closed by the edge", "reset by the edge", "left open by the edge", "the client hung up first"
    audio_frames: int = 0  # agent frames the edge sent (the greeting, once the clock runs)
    close_s: float = 0.0  # last byte sent → the edge's close


def _abort(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def send_stream(host: str, port: int, stream: FuzzStream, rng: random.Random) -> _Outcome:
    """Put the stream on the wire (in a few writes, as TCP may cut it) and see how the edge ends it."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        data = stream.data
        cuts = sorted(rng.sample(range(1, len(data)), min(len(data) - 1, rng.randint(0, 3)))) if len(data) > 1 else []
        try:
            for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True):
                writer.write(data[a:b])
                await writer.drain()
                if rng.random() < 0.3:
                    await asyncio.sleep(0.005)
        except ConnectionError:
            return _Outcome("reset by the edge")
        sent_at = time.monotonic()
        if stream.ending == "abort":
            _abort(writer)
            return _Outcome("the client hung up first")
        if stream.ending == "close":
            return _Outcome("the client hung up first")
        if stream.ending == "eof":
            with contextlib.suppress(OSError):
                writer.write_eof()
        return await _edge_end(reader, sent_at)
    finally:
        writer.close()
        with contextlib.suppress(OSError, ConnectionError):
            await writer.wait_closed()


async def _edge_end(reader: asyncio.StreamReader, since: float, timeout: float = EDGE_CLOSE_WAIT_S) -> _Outcome:
    """Read what the edge sends until it closes; how it ended."""
    parser = FrameParser()
    outcome = _Outcome("left open by the edge")
    deadline = since + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return outcome
            try:
                chunk = await asyncio.wait_for(reader.read(65536), left)
            except TimeoutError:
                return outcome
            if not chunk:
                outcome.how = "closed by the edge"
                break
            for frame in parser.feed(chunk):
                if frame.kind in SAMPLE_RATES:
                    outcome.audio_frames += 1
    except ConnectionError:
        outcome.how = "reset by the edge"  # it closed with our bytes unread: as good as a close
    except ProtocolError:
        outcome.how = "the edge broke the protocol"
    outcome.close_s = time.monotonic() - since
    return outcome


def _sessions_ended() -> Counter[str]:
    """The edge's own count of calls by how their leg ended (edge_calls_total)."""
    from media_edge import metrics

    return Counter({
        sample.labels["end"]: int(sample.value)
        for family in metrics.CALLS.collect() for sample in family.samples if sample.name.endswith("_total")
    })


@dataclass
class FuzzRun:
    streams: list[FuzzStream]
    outcomes: list[_Outcome]  # streams[i] ended as outcomes[i]
    sessions: set[str]  # the call ids whose handshake passed (each one a call on the edge)
    in_flight: _CallsInFlight

    @property
    def hows(self) -> Counter[str]:
        return Counter(o.how for o in self.outcomes)


class _CallsInFlight:
    """The fuzz's calls in flight: sessions on the edge, and call workflows not yet finished
    (their record not yet written). A stream that will open a call waits until there are fewer
    than ``limit``: the fuzz tests what broken legs do to the edge, not how many new calls a
    second it can start (unpaced, the fuzz opened ~190 calls/s and starved every call of
    Temporal, real ones included)."""

    def __init__(self, system: System, limit: int) -> None:
        self._system = system
        self._limit = limit
        self.running = 0
        self.most = 0  # the most calls in flight seen when a new one was let through
        self.waited_s = 0.0
        self._query = (
            "WorkflowType = 'CallWorkflow' AND ExecutionStatus = 'Running' "
            f"AND TaskQueue = '{system.settings.calls_task_queue}'"
        )

    async def poll(self) -> None:
        client = self._system.edge.ctx.temporal
        while True:
            with contextlib.suppress(Exception):  # a slow or failed count: keep the last one
                self.running = (await client.count_workflows(self._query)).count
            await asyncio.sleep(0.25)

    async def wait(self) -> None:
        sessions = self._system.edge.ctx.registry.sessions
        started = time.monotonic()
        while max(len(sessions), self.running) >= self._limit:
            await asyncio.sleep(0.02)
        self.waited_s += time.monotonic() - started
        self.most = max(self.most, len(sessions), self.running)


async def run_fuzz(
    system: System, size: int, *, seed: int = 1, concurrency: int = FUZZ_CONCURRENCY,
    live_calls: Sequence[str] = (), http: httpx.AsyncClient | None = None,
) -> FuzzRun:
    """Send ``size`` fuzzed streams, ``concurrency`` at a time (and at most ``concurrency`` calls
    in flight besides ``live_calls``)."""
    settings = system.settings
    host, port = settings.edge_host, settings.audiosocket_port
    streams: list[FuzzStream] = []
    outcomes: list[_Outcome] = []
    sessions: set[str] = set()
    next_index = iter(range(size))
    in_flight = _CallsInFlight(system, concurrency + len(live_calls))

    async def worker() -> None:
        for index in next_index:
            stream = make_stream(index, seed, live_calls)
            v = verdict(stream.data)
            if stream.registered and v.call_id is not None:
                (await http.post(f"/calls/{v.call_id}/register",
                                 json={"caller_number": f"+38050{index:07d}", "channel": f"PJSIP/fuzz-{index}"})).raise_for_status()
            if v.call_id is not None and v.call_id not in live_calls:
                await in_flight.wait()
                sessions.add(v.call_id)
            try:
                outcome = await send_stream(host, port, stream, random.Random(seed + index))
            except OSError as err:
                outcome = _Outcome(f"could not connect: {err.__class__.__name__}")
            streams.append(stream)
            outcomes.append(outcome)

    own_http = http is None
    if own_http:
        http = edge_http(settings.edge_url, timeout=10.0)
    poller = asyncio.create_task(in_flight.poll())
    try:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        poller.cancel()
        await asyncio.gather(poller, return_exceptions=True)
        if own_http:
            await http.aclose()
    return FuzzRun(streams, outcomes, sessions, in_flight)


async def fuzz(size: int, system: System | None = None, *, seed: int = 1,
               concurrency: int = FUZZ_CONCURRENCY, real_calls: int = REAL_CALLS) -> ChaosResult:
    """The ``fuzz`` scenario (see the module doc)."""
    if system is None:
        async with own_system() as own:
            return await fuzz(size, own, seed=seed, concurrency=concurrency, real_calls=real_calls)
    started = time.monotonic()
    checked: dict[str, Any] = {}
    lost: list[str] = []
    pcm = await synthesise_lines(CALLER_LINES, RATE)
    base = _baseline(system)
    ended_before = _sessions_ended()
    errors = _EdgeErrors()
    async with edge_http(system.settings.edge_url, timeout=10.0) as http:
        with errors.attached():
            calls = [_RealCall(system, http, pcm, seed=seed * 100 + i) for i in range(real_calls)]
            dialled = await asyncio.gather(*(c.dial() for c in calls))
            stop = asyncio.Event()
            talking = [asyncio.create_task(c.talk(stop, min_turns=2)) for c, ok in zip(calls, dialled, strict=True) if ok]
            fuzz_started = time.monotonic()
            try:
                run = await run_fuzz(
                    system, size, seed=seed, concurrency=concurrency,
                    live_calls=[c.call_id for c in calls], http=http,
                )
            finally:
                fuzz_s = time.monotonic() - fuzz_started
                stop.set()
                await asyncio.gather(*talking, return_exceptions=True)
                for call in calls:
                    await call.hang_up()
            await _health(http, checked, lost)
            for call in calls:
                call.check(lost)
            checked["real calls: turns answered"] = f"{sum(c.answered for c in calls)}/{sum(c.turns for c in calls)}"
            checked["real calls: longest gap between agent frames (ms)"] = round(max(c.max_gap_s() for c in calls) * 1000)
            checked["real calls: longest gap in the edge's playout (ms)"] = round(
                max((c.edge_max_gap_ms or 0.0) for c in calls))
            checked["real calls: playout underruns"] = sum(c.underruns or 0 for c in calls)
            await _real_calls_record(system, calls, lost)

            verdicts = Counter(verdict(s.data).end for s in run.streams)
            checked["streams by what they broke"] = ", ".join(f"{k} {v}" for k, v in verdicts.most_common())
            checked["second legs on a live call"] = sum(s.second_leg for s in run.streams)
            checked["on a registered call"] = sum(s.registered for s in run.streams)
            checked["streams by how the edge ended them"] = ", ".join(f"{k} {v}" for k, v in run.hows.most_common())
            ended = _sessions_ended() - ended_before
            checked["edge's call sessions by how they ended"] = ", ".join(f"{k} {v}" for k, v in ended.most_common())
            checked["most calls in flight (limit)"] = f"{run.in_flight.most} ({concurrency + len(calls)})"
            checked["greeting audio reached the fuzz client"] = sum(o.audio_frames > 0 for o in run.outcomes)
            closes = [o.close_s for o in run.outcomes if o.how in ("closed by the edge", "reset by the edge")]
            checked["slowest close by the edge (s)"] = round(max(closes, default=0.0), 1)
            left_open = [s for s, o in zip(run.streams, run.outcomes, strict=True) if o.how == "left open by the edge"]
            if left_open:
                kinds = Counter(f"{s.kind} ({verdict(s.data).end})" for s in left_open).most_common(3)
                lost.append(f"the edge kept {len(left_open)} ended or broken stream(s) open over "
                            f"{EDGE_CLOSE_WAIT_S:.0f} s: " + ", ".join(f"{k} ×{n}" for k, n in kinds))
            odd = [o.how for o in run.outcomes if o.how.startswith(("could not connect", "the edge broke"))]
            if odd:
                lost.append(f"{len(odd)} stream(s): {Counter(odd).most_common(1)[0][0]}")

            records = await _call_records(system, run.sessions, RECORDS_TIMEOUT_S)
            checked["calls the fuzz opened / with a call record"] = f"{len(run.sessions)}/{len(records)}"
            if len(records) < len(run.sessions):
                lost.append(f"{len(run.sessions) - len(records)} call(s) the fuzz opened have no call record")

            checked["new call after the fuzz"] = await _new_call_works(system, http, pcm, lost)
            await _settled(system, base, checked, lost)
        errors.report(checked, lost)
    checked["fuzz streams per second"] = round(size / fuzz_s, 1)
    return ChaosResult(
        "fuzz",
        f"{size} fuzzed AudioSocket streams, {concurrency} at a time, beside {real_calls} real calls",
        checked, lost, time.monotonic() - started,
    )


# --- silent clients --------------------------------------------------------------------------


SILENT_VARIANTS = ("nothing", "half a header", "UUID only", "UUID and a few frames")


async def _silent_client(system: System, http: httpx.AsyncClient, variant: str, index: int) -> tuple[str, str | None, _Outcome]:
    settings = system.settings
    call_id = None
    reader, writer = await asyncio.open_connection(settings.edge_host, settings.audiosocket_port)
    try:
        if variant == "half a header":
            writer.write(b"\x01\x00")
        elif variant.startswith("UUID"):
            call_id = str(uuid.uuid4())
            (await http.post(f"/calls/{call_id}/register", json={"caller_number": f"+38063{index:07d}"})).raise_for_status()
            data = _uuid_frame(call_id)
            if variant == "UUID and a few frames":
                data += _frames(random.Random(index), 10)
            writer.write(data)
        await writer.drain()
        return variant, call_id, await _edge_end(reader, time.monotonic(), timeout=60.0)
    finally:
        writer.close()
        with contextlib.suppress(OSError, ConnectionError):
            await writer.wait_closed()


async def silent(size: int, system: System | None = None) -> ChaosResult:
    """The ``silent`` scenario (see the module doc)."""
    if system is None:
        async with own_system() as own:
            return await silent(size, own)
    started = time.monotonic()
    checked: dict[str, Any] = {}
    lost: list[str] = []
    idle_s = system.settings.audiosocket_idle_timeout_s
    if not idle_s:
        lost.append("audiosocket_idle_timeout_s is 0: the edge keeps a leg that went silent")
    limits = {"nothing": HANDSHAKE_TIMEOUT_S, "half a header": HANDSHAKE_TIMEOUT_S,
              "UUID only": idle_s, "UUID and a few frames": idle_s}
    slack_s = max(1.0, 0.25 * idle_s) + 1.0  # the edge's check runs every quarter of the limit; load
    pcm = await synthesise_lines(CALLER_LINES, RATE)
    base = _baseline(system)
    errors = _EdgeErrors()
    async with edge_http(system.settings.edge_url, timeout=10.0) as http:
        with errors.attached():
            call = _RealCall(system, http, pcm, seed=4242)
            stop = asyncio.Event()
            talking = asyncio.create_task(call.talk(stop, min_turns=1)) if await call.dial() else None
            try:
                results = await asyncio.gather(
                    *(_silent_client(system, http, SILENT_VARIANTS[i % len(SILENT_VARIANTS)], i) for i in range(size))
                )
            finally:
                stop.set()
                if talking is not None:
                    await asyncio.gather(talking, return_exceptions=True)
                await call.hang_up()
            await _health(http, checked, lost)
            call.check(lost)
            checked["real call: turns answered"] = f"{call.answered}/{call.turns}"
            checked["real call: longest gap between agent frames (ms)"] = round(call.max_gap_s() * 1000)
            await _real_calls_record(system, [call], lost)
            for variant in SILENT_VARIANTS:
                mine = [o for v, _, o in results if v == variant]
                if not mine:
                    continue
                dropped = [o for o in mine if o.how in ("closed by the edge", "reset by the edge")]
                late = [o for o in dropped if o.close_s > limits[variant] + slack_s]
                early = [o for o in dropped if o.close_s < limits[variant] - 0.05]
                times = [o.close_s for o in dropped]
                checked[f"{variant}: dropped / clients"] = f"{len(dropped)}/{len(mine)}"
                if times:
                    checked[f"{variant}: dropped after (s)"] = f"{min(times):.1f}-{max(times):.1f} (limit {limits[variant]:.1f})"
                if len(dropped) < len(mine):
                    lost.append(f"{variant}: the edge kept {len(mine) - len(dropped)} of {len(mine)} silent clients")
                if late:
                    lost.append(f"{variant}: {len(late)} dropped only after {max(o.close_s for o in late):.1f} s "
                                f"(limit {limits[variant]:.1f} s)")
                if early:
                    lost.append(f"{variant}: {len(early)} dropped before the limit, after {min(o.close_s for o in early):.1f} s")
            uuid_calls = {c for _, c, _ in results if c is not None}
            records = await _call_records(system, uuid_calls, RECORDS_TIMEOUT_S)
            reasons = Counter(r["hangup_reason"] for r in records.values())
            checked["silent calls' records by hangup reason"] = ", ".join(f"{k} {v}" for k, v in reasons.items()) or "none"
            if len(records) < len(uuid_calls):
                lost.append(f"{len(uuid_calls) - len(records)} silent call(s) have no call record")
            wrong = sum(n for reason, n in reasons.items() if reason != "no_audio")
            if wrong:
                lost.append(f"{wrong} silent call record(s) do not say no_audio")
            await _settled(system, base, checked, lost)
        errors.report(checked, lost)
    return ChaosResult(
        "silent",
        f"{size} clients that go silent ({', '.join(SILENT_VARIANTS)}) beside 1 real call",
        checked, lost, time.monotonic() - started,
    )


SCENARIOS: list[Scenario] = [
    Scenario("fuzz", "fuzzed AudioSocket streams against the real edge beside real calls",
             lambda size: fuzz(size), full=10_000, quick=400),
    Scenario("silent", "clients that connect and go silent", lambda size: silent(size), full=200, quick=20),
]
