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
from media_edge.audiosocket.pacer import PacerPriority, PlayoutPacer, SocketFrameWriter, raise_thread_priority
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
