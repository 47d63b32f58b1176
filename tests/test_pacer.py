"""The playout pacer: agent audio written from its own thread keeps time while the event loop is
busy, arrives whole and in order, and hands the socket back cleanly at hangup or when the peer
goes away. The caller side here is a plain blocking socket on its own thread, so arrival times
are real even while the edge's loop is blocked."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

import media_edge.audiosocket.pacer as pacer_module
from media_edge.audiosocket.pacer import (
    PacerEntry,
    PacerPriority,
    PlayoutPacer,
    SocketFrameWriter,
    raise_thread_priority,
)
from media_edge.audiosocket.pacing import PlayoutClock
from media_edge.audiosocket.protocol import FrameKind, FrameParser, encode_frame
from media_edge.audiosocket.server import AudioIn, AudioSocketConnection, serve_audiosocket

HOST = "127.0.0.1"
FRAME_8K = 320  # bytes of one 20 ms frame at 8 kHz


@dataclass
class ThreadedLeg:
    """Asterisk's side of one call on a thread: sends the UUID and one audio frame, then records
    every frame it is sent with its arrival time."""

    port: int
    frames: list[tuple[float, FrameKind, bytes]] = field(default_factory=list)
    error: BaseException | None = None

    def __post_init__(self) -> None:
        self.sock = socket.create_connection((HOST, self.port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.sendall(encode_frame(FrameKind.UUID, uuid.uuid4().bytes))
        self.sock.sendall(encode_frame(FrameKind.SLIN_8K, bytes(FRAME_8K)))
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        parser = FrameParser()
        try:
            while data := self.sock.recv(65536):
                now = time.monotonic()
                parser.feed_each(data, lambda kind, payload: self.frames.append((now, kind, payload)))
            parser.eof()
        except OSError:
            pass  # we closed it
        except BaseException as exc:  # a torn frame: the test reads it from here
            self.error = exc

    def agent_audio(self) -> list[tuple[float, bytes]]:
        return [(t, p) for t, kind, p in self.frames if kind is FrameKind.SLIN_8K and any(p)]

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()
        self.thread.join(timeout=2)


async def serve(handler, pacer: PlayoutPacer) -> tuple[asyncio.Server, int]:
    server = await serve_audiosocket(HOST, 0, handler, pacer=pacer)
    return server, server.sockets[0].getsockname()[1]


async def shut(server: asyncio.Server, pacer: PlayoutPacer) -> None:
    server.close()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(server.wait_closed(), 2.0)
    pacer.close()


async def call_until_hangup(handler, pacer: PlayoutPacer) -> ThreadedLeg:
    """One call through ``handler`` with its audio on ``pacer``, until the edge hangs up."""
    server, port = await serve(handler, pacer)
    leg = await asyncio.to_thread(ThreadedLeg, port)
    try:
        await asyncio.to_thread(leg.thread.join, 5)
    finally:
        leg.close()
        await shut(server, pacer)
    return leg


def tone(seconds: float) -> bytes:
    t = np.arange(int(8000 * seconds)) / 8000
    return (np.sin(2 * np.pi * 440 * t) * 8000).astype("<i2").tobytes()


async def test_a_busy_event_loop_does_not_hold_back_the_paced_frames() -> None:
    """The loop computes for 300 ms (holding the GIL, as a slow agent step would) in the middle of
    a reply: on the loop's own timers that is a 300 ms hole in the caller's audio; the pacer's
    frames keep coming every 20 ms."""
    pacer = PlayoutPacer()
    reply = tone(2.0)
    busy: dict[str, float] = {}

    async def handler(conn: AudioSocketConnection) -> None:
        async for event in conn.events():
            if isinstance(event, AudioIn) and not busy:
                conn.send_audio(reply)
                await asyncio.sleep(0.5)
                busy["from"] = time.monotonic()
                while time.monotonic() - busy["from"] < 0.3:
                    pass
                busy["to"] = time.monotonic()
                await conn.wait_idle()
                await conn.hangup()

    leg = await call_until_hangup(handler, pacer)

    assert leg.error is None
    audio = leg.agent_audio()
    assert b"".join(p for _, p in audio) == reply  # every frame, in order
    assert leg.frames[-1][1] is FrameKind.HANGUP  # after the last of them
    times = np.array([t for t, _ in audio])
    gaps_ms = np.diff(times) * 1000
    during = gaps_ms[(times[1:] > busy["from"]) & (times[1:] < busy["to"] + 0.05)]
    assert len(during) >= 10  # frames kept arriving while the loop was busy...
    assert float(np.max(gaps_ms)) < 150  # ...with no hole the size of the busy spell
    assert float(np.median(gaps_ms)) < 25


async def test_utterance_start_and_idle_are_reported_on_the_loop_thread() -> None:
    pacer = PlayoutPacer()
    started: list[tuple[float, bool]] = []
    done = asyncio.Event()

    async def handler(conn: AudioSocketConnection) -> None:
        conn.on_audio_started = lambda at: started.append((at, threading.current_thread() is threading.main_thread()))
        async for event in conn.events():
            if isinstance(event, AudioIn) and not done.is_set():
                queued_at = time.monotonic()
                conn.send_audio(tone(0.2))
                assert conn.is_playing
                await conn.wait_idle()
                assert not conn.is_playing and time.monotonic() - queued_at >= 0.18
                done.set()
                await conn.hangup()

    server, port = await serve(handler, pacer)
    leg = await asyncio.to_thread(ThreadedLeg, port)
    try:
        await asyncio.wait_for(done.wait(), 5)
        await asyncio.to_thread(leg.thread.join, 5)
    finally:
        leg.close()
        await shut(server, pacer)
    assert len(started) == 1 and started[0][1]  # once, on the loop's thread
    assert len(leg.agent_audio()) == 10


async def test_a_peer_that_goes_away_takes_its_clock_off_the_pacer() -> None:
    pacer = PlayoutPacer()
    waited = asyncio.Event()
    playing = asyncio.Event()

    async def handler(conn: AudioSocketConnection) -> None:
        async for event in conn.events():
            if isinstance(event, AudioIn) and not playing.is_set():
                conn.send_audio(tone(5.0))
                playing.set()
                asyncio.get_running_loop().create_task(wait(conn))

    async def wait(conn: AudioSocketConnection) -> None:
        await conn.wait_idle()  # returns although 5 s of audio were queued
        waited.set()

    server, port = await serve(handler, pacer)
    leg = await asyncio.to_thread(ThreadedLeg, port)
    try:
        await asyncio.wait_for(playing.wait(), 5)
        assert pacer.calls == 1
        leg.close()
        await asyncio.wait_for(waited.wait(), 5)
        assert pacer.calls == 0
    finally:
        await shut(server, pacer)


@pytest.mark.parametrize("write", ["libc", "os.write"])
def test_a_peer_that_reads_nothing_gets_whole_frames_and_the_rest_is_dropped(write, monkeypatch) -> None:
    """Both ways of writing: libc's write holding the GIL, and os.write where libc cannot be
    loaded through ctypes."""
    if write == "os.write":
        monkeypatch.setattr(pacer_module, "_WRITE", None)
    ours, theirs = socket.socketpair()
    ours.setblocking(False)
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    writer = SocketFrameWriter(ours)
    frames = [encode_frame(FrameKind.SLIN_8K, bytes([i % 250 + 1]) * FRAME_8K) for i in range(2000)]
    for frame in frames:
        writer(frame)
    assert 0 < writer.dropped < len(frames)  # the buffer filled: later frames were not queued
    rest = writer.close()

    received: list[tuple[FrameKind, bytes]] = []
    parser = FrameParser()

    def read_all() -> None:
        while data := theirs.recv(65536):
            parser.feed_each(data, lambda kind, payload: received.append((kind, payload)))

    reader = threading.Thread(target=read_all)
    reader.start()  # the peer starts reading again
    ours.setblocking(True)
    ours.sendall(rest + encode_frame(FrameKind.HANGUP))  # the loop writes the cut frame's rest first
    ours.close()
    reader.join(5)
    parser.eof()  # no torn frame
    theirs.close()
    assert received[-1][0] is FrameKind.HANGUP
    audio = [payload for _, payload in received[:-1]]
    assert len(audio) == len(frames) - writer.dropped
    assert audio == [frame[3:] for frame in frames[: len(audio)]]  # the first ones, in order


@pytest.mark.parametrize("write", ["libc", "os.write"])
def test_writing_to_a_peer_that_is_gone_raises(write, monkeypatch) -> None:
    if write == "os.write":
        monkeypatch.setattr(pacer_module, "_WRITE", None)
    ours, theirs = socket.socketpair()
    ours.setblocking(False)
    writer = SocketFrameWriter(ours)
    theirs.close()
    with pytest.raises(BrokenPipeError):
        writer(encode_frame(FrameKind.SLIN_8K, bytes(FRAME_8K)))
    assert writer.close() == b""
    ours.close()


# -- sub-tick slots: which of the period's four instants writes each call's frames ---------------


class SlotPacer(PlayoutPacer):
    """The edge's pacer, remembering the entry (and so the slot) it gave each clock."""

    def __init__(self, *, slots: int = 4, **kwargs) -> None:
        super().__init__(slots=slots, **kwargs)
        self.slots = slots
        self.entries: dict[PlayoutClock, PacerEntry] = {}

    def add(self, clock: PlayoutClock) -> PacerEntry:
        entry = super().add(clock)
        self.entries[clock] = entry
        return entry

    def slot_of(self, clock: PlayoutClock) -> int:
        return self.entries[clock].slot

    def slot_counts(self) -> list[int]:
        """How many calls each slot carries (calls taken off the pacer no longer count)."""
        counts = [0] * self.slots
        for entry in self.entries.values():
            if entry.active:
                counts[entry.slot] += 1
        return counts


class RecordingClock(PlayoutClock):
    """A call's real clock that also books the deadline the pacer wrote each frame for, and
    when it was written."""

    def __init__(self, write) -> None:
        super().__init__(write, lateness=None)  # not in the process's histogram
        self.writes: list[tuple[float, float]] = []  # (deadline, written at)

    def write_due(self, deadline: float, now: float | None = None) -> bool:
        written = super().write_due(deadline, now)
        self.writes.append((deadline, time.monotonic()))
        return written


class PacedCall:
    """One call on the pacer: its clock writes to our end of a socketpair; the other end is
    Asterisk's, which reads nothing (a short test never fills the buffer) until it goes away."""

    def __init__(self, pacer: PlayoutPacer) -> None:
        self.ours, self.theirs = socket.socketpair()
        self.ours.setblocking(False)
        self.writer = SocketFrameWriter(self.ours)
        self.clock = RecordingClock(self.writer)
        self.clock.start(pacer=pacer)

    def close(self) -> None:
        self.clock.halt()
        self.writer.close()
        self.ours.close()
        self.theirs.close()


async def until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.005)


async def test_calls_added_one_by_one_are_spread_evenly_over_the_sub_ticks() -> None:
    """No call ever waits behind more calls than another slot has: after every add the slots'
    loads differ by at most one (8 calls: 2 each; 9: one slot has 3; 200: 50 each)."""
    pacer = SlotPacer()
    clocks = [PlayoutClock(lambda frame: None, lateness=None) for _ in range(200)]
    try:
        for added, clock in enumerate(clocks, start=1):
            clock.start(pacer=pacer)
            counts = pacer.slot_counts()
            assert sum(counts) == added == pacer.calls
            assert max(counts) - min(counts) <= 1, (added, counts)
            if added == 8:
                assert counts == [2, 2, 2, 2]
            if added == 9:
                assert sorted(counts) == [2, 2, 2, 3]
        assert pacer.slot_counts() == [50, 50, 50, 50]
    finally:
        for clock in clocks:
            clock.halt()
        pacer.close()


async def test_a_call_that_leaves_frees_its_slot_for_the_next_call() -> None:
    """Both ways a call leaves the pacer: its peer goes away (the pacer's write fails and it
    takes the clock off) and the edge hangs up (``PlayoutClock.stop``, as when the handler ends
    or ``connection_lost`` halts it). The next call goes to the slot left short."""
    pacer = SlotPacer()
    calls = [PacedCall(pacer) for _ in range(8)]
    try:
        assert pacer.slot_counts() == [2, 2, 2, 2]

        gone = next(call for call in calls if pacer.slot_of(call.clock) == 2)
        gone.theirs.close()  # Asterisk's end closes: the pacer finds out at the next frame
        await until(lambda: pacer.calls == 7)
        assert isinstance(gone.clock.error, OSError)
        assert pacer.slot_counts() == [2, 2, 1, 2]
        calls.append(PacedCall(pacer))
        assert pacer.slot_of(calls[-1].clock) == 2

        hung_up = next(call for call in calls if pacer.slot_of(call.clock) == 1)
        await hung_up.clock.stop()
        assert pacer.calls == 7  # at once: the clock is off the pacer when stop returns
        assert pacer.slot_counts() == [2, 1, 2, 2]
        calls.append(PacedCall(pacer))
        assert pacer.slot_of(calls[-1].clock) == 1
        assert pacer.calls == 8
    finally:
        for call in calls:
            call.close()
        pacer.close()


async def test_each_slot_writes_its_calls_frames_at_its_own_quarter_of_the_period() -> None:
    """Deterministic: each frame is written for a deadline on the pacer's grid, and its offset
    in the 20 ms period from slot 0's frames is its slot's: 0, 5, 10 or 15 ms. One frame every
    20 ms, and (the pacer sleeps until the deadline) never written before it. Resync is off, so
    a stalled test machine cannot move the grid."""
    pacer = SlotPacer(resync_after_s=3600.0)
    calls = [PacedCall(pacer) for _ in range(8)]
    try:
        await until(lambda: all(len(call.clock.writes) >= 10 for call in calls))
    finally:
        for call in calls:
            call.close()  # after halt returns, no frame is written
        pacer.close()

    slots = {call: pacer.slot_of(call.clock) for call in calls}
    assert sorted(slots.values()) == [0, 0, 1, 1, 2, 2, 3, 3]
    slot_0 = min(deadline for call in calls if slots[call] == 0 for deadline, _ in call.clock.writes)
    for call in calls:
        deadlines = np.array([deadline for deadline, _ in call.clock.writes])
        written_at = np.array([at for _, at in call.clock.writes])
        sub_ticks = (deadlines - slot_0) / 0.005
        assert np.allclose(sub_ticks, np.round(sub_ticks), rtol=0, atol=1e-6)  # on the grid
        offsets_ms = {int(n) % 4 * 5 for n in np.round(sub_ticks)}
        assert offsets_ms == {5 * slots[call]}
        assert np.allclose(np.diff(deadlines), 0.020, rtol=0, atol=1e-9)  # one frame a period
        assert np.all(written_at >= deadlines - 1e-6)


_PRIORITY_PROBE = """
import os, resource, sys
from media_edge.audiosocket.pacer import PacerPriority, raise_thread_priority
rtprio, nice = int(sys.argv[1]), int(sys.argv[2])
try:
    resource.setrlimit(resource.RLIMIT_RTPRIO, (rtprio, rtprio))
    resource.setrlimit(resource.RLIMIT_NICE, (nice, nice))
except ValueError:
    print("cannot-set-limits")
    sys.exit()
os.setgroups([])
os.setresgid(65534, 65534, 65534)
os.setresuid(65534, 65534, 65534)  # an unprivileged edge, as in the container
print(raise_thread_priority(PacerPriority(sys.argv[3])))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to an unprivileged user with chosen limits")
@pytest.mark.parametrize(
    ("rtprio", "nice", "wanted", "got"),
    [
        (10, 30, "realtime", "realtime"),  # the limits docker-compose.yml gives the edge
        (0, 30, "realtime", "raised"),  # no real-time allowance: nice -10
        (0, 0, "realtime", "normal"),  # nothing: ordinary priority (and a warning in the log)
        (0, 0, "raised", "normal"),
    ],
)
def test_an_unprivileged_pacer_thread_gets_the_scheduling_its_limits_allow(
    rtprio: int, nice: int, wanted: str, got: str
) -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PRIORITY_PROBE, str(rtprio), str(nice), wanted],
        capture_output=True, text=True, timeout=30, cwd=Path(__file__).resolve().parents[1], check=True,
    )
    if out.stdout.strip() == "cannot-set-limits":
        pytest.skip("this sandbox cannot raise resource limits (no CAP_SYS_RESOURCE)")
    assert out.stdout.strip() == got


async def test_a_pacer_with_the_right_to_it_runs_at_real_time_priority() -> None:
    if not _can_use_realtime():
        pytest.skip("no right to real-time scheduling here")
    pacer = PlayoutPacer(priority=PacerPriority.REALTIME)
    reply = tone(0.1)

    async def handler(conn: AudioSocketConnection) -> None:
        async for event in conn.events():
            if isinstance(event, AudioIn):
                conn.send_audio(reply)
                await conn.wait_idle()
                await conn.hangup()

    leg = await call_until_hangup(handler, pacer)
    assert pacer.priority == "realtime"
    assert b"".join(p for _, p in leg.agent_audio()) == reply


def _can_use_realtime() -> bool:
    def probe(result: list[str]) -> None:
        result.append(raise_thread_priority(PacerPriority.REALTIME))

    result: list[str] = []
    thread = threading.Thread(target=probe, args=(result,))
    thread.start()
    thread.join()
    return result == ["realtime"]


class BrokenClock(PlayoutClock):
    """A clock with a bug: its frame write raises something no socket would."""

    def write_due(self, deadline: float, now: float | None = None) -> bool:
        raise RuntimeError("a bug in one call's playout")


async def test_a_clock_that_raises_is_taken_off_and_its_waiters_return() -> None:
    pacer = SlotPacer()
    broken = BrokenClock(lambda frame: None, lateness=None)
    healthy = PacedCall(pacer)
    try:
        broken.enqueue(bytes(640))  # a frame waiting to be played: wait_idle must not hang on it
        broken.start(pacer=pacer)
        await asyncio.wait_for(broken.wait_idle(), 2.0)
        assert isinstance(broken.error, RuntimeError)
        assert pacer.calls == 1, "only the broken call left the pacer"
        written = len(healthy.clock.writes)
        await until(lambda: len(healthy.clock.writes) > written + 2)  # the other call plays on
    finally:
        broken.halt()
        healthy.close()
        pacer.close()
