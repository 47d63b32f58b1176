"""AudioSocket protocol, server and playout pacing, over real sockets on 127.0.0.1.

The Asterisk side is ``callcenter.simulator.asterisk_leg.AsteriskLeg``; malformed input goes on
the wire through its ``send_raw``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import numpy as np
import pytest

from callcenter.simulator.asterisk_leg import AsteriskLeg
from media_edge.audiosocket.pacing import PlayoutClock
from media_edge.audiosocket.protocol import (
    SAMPLE_RATES,
    Frame,
    FrameKind,
    FrameParser,
    ProtocolError,
    encode_frame,
    frames_per_20ms,
    kind_for_rate,
    read_frame,
)
from media_edge.audiosocket.server import (
    AudioIn,
    AudioSocketConnection,
    DtmfIn,
    HangupIn,
    serve_audiosocket,
)

LOGGER = "media_edge.audiosocket"
HOST = "127.0.0.1"


def speech(seconds: float, rate: int = 16000, seed: int = 1) -> bytes:
    """Audible PCM with no zero byte anywhere, so stripping zero padding is exact."""
    n = int(seconds * rate)
    samples = np.random.default_rng(seed).integers(1000, 20000, n, dtype=np.int16) | 1
    return samples.astype("<i2").tobytes()


class Recorder:
    """Handler that records each call's events and optionally echoes caller audio back."""

    def __init__(self, echo: bool = True) -> None:
        self.echo = echo
        self.events: dict[str, list[object]] = {}
        self.conns: dict[str, AudioSocketConnection] = {}
        self.finished: set[str] = set()
        self.on_event: Callable[[AudioSocketConnection, object], object] | None = None

    async def __call__(self, conn: AudioSocketConnection) -> None:
        assert conn.call_id is not None
        events = self.events.setdefault(conn.call_id, [])
        self.conns[conn.call_id] = conn
        try:
            async for event in conn.events():
                events.append(event)
                if self.echo and isinstance(event, AudioIn):
                    conn.send_audio(event.pcm)
                if self.on_event is not None:
                    result = self.on_event(conn, event)
                    if asyncio.iscoroutine(result):
                        await result
        finally:
            self.finished.add(conn.call_id)


@contextlib.asynccontextmanager
async def edge(
    handler: Callable[[AudioSocketConnection], Awaitable[None]], **kwargs: float
) -> AsyncIterator[int]:
    server = await serve_audiosocket(HOST, 0, handler, **kwargs)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.wait_closed(), 2.0)


async def eventually(predicate: Callable[[], object], timeout: float = 3.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def wait_for_log(caplog: pytest.LogCaptureFixture, fragment: str) -> logging.LogRecord:
    def find() -> logging.LogRecord | None:
        for record in caplog.records:
            if record.name == LOGGER and fragment in record.getMessage():
                return record
        return None

    await eventually(find)
    record = find()
    assert record is not None
    return record


# -- protocol ---------------------------------------------------------------------------------

ALL_KIND_FRAMES = [
    Frame(FrameKind.UUID, uuid.uuid4().bytes),
    Frame(FrameKind.DTMF, b"7"),
    *[Frame(kind, speech(0.02, rate)) for kind, rate in SAMPLE_RATES.items()],
    Frame(FrameKind.ERROR, b"\x01"),
    Frame(FrameKind.HANGUP, b""),
]


async def test_every_kind_round_trips_over_a_socket() -> None:
    got: list[Frame] = []
    finished = asyncio.Event()

    async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (frame := await read_frame(reader)) is not None:
            got.append(frame)
        finished.set()
        writer.close()

    server = await asyncio.start_server(on_client, HOST, 0)
    port = server.sockets[0].getsockname()[1]
    _, writer = await asyncio.open_connection(HOST, port)
    wire = b"".join(encode_frame(f.kind, f.payload) for f in ALL_KIND_FRAMES)
    writer.write(wire)
    writer.close()
    await asyncio.wait_for(finished.wait(), 3)
    server.close()
    await server.wait_closed()

    assert got == ALL_KIND_FRAMES
    # The incremental parser agrees with the stream reader even when fed one byte at a time.
    parser = FrameParser()
    parsed = [frame for i in range(len(wire)) for frame in parser.feed(wire[i : i + 1])]
    assert parsed == ALL_KIND_FRAMES
    parser.eof()


def test_rates_and_frame_sizes() -> None:
    assert kind_for_rate(8000) is FrameKind.SLIN_8K
    assert kind_for_rate(16000) is FrameKind.SLIN_16K
    assert kind_for_rate(44100) is FrameKind.SLIN_44K
    assert frames_per_20ms(8000) == 320
    assert frames_per_20ms(16000) == 640
    assert frames_per_20ms(44100) == 1764
    with pytest.raises(ValueError):
        kind_for_rate(22050)
    assert encode_frame(FrameKind.SLIN_16K, b"\x01\x02") == b"\x12\x00\x02\x01\x02"
    with pytest.raises(ValueError):
        encode_frame(FrameKind.SLIN_16K, bytes(65536))
    with pytest.raises(ValueError):
        encode_frame(FrameKind.SLIN_8K, b"")


@pytest.mark.parametrize(
    ("wire", "message"),
    [
        (b"\x02\x00\x01\x00", "unknown frame kind 0x02"),
        (b"\x10\x00\x00", "zero-length audio"),
        (b"\x12\x00\x03abc", "odd-length audio"),
        (b"\x01\x00\x0f" + bytes(15), "UUID frame of 15 bytes"),
        (b"\x03\x00\x02ab", "DTMF frame of 2 bytes"),
        (b"\x03\x00\x01\xff", "non-ASCII"),
    ],
)
async def test_malformed_frames_are_rejected_by_both_readers(wire: bytes, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        FrameParser().feed(wire)
    reader = asyncio.StreamReader()
    reader.feed_data(wire)
    reader.feed_eof()
    with pytest.raises(ProtocolError, match=message):
        await read_frame(reader)


async def test_truncated_stream_is_an_error_but_clean_eof_is_not() -> None:
    reader = asyncio.StreamReader()
    reader.feed_eof()
    assert await read_frame(reader) is None

    reader = asyncio.StreamReader()
    reader.feed_data(b"\x12\x02\x80" + bytes(100))
    reader.feed_eof()
    with pytest.raises(ProtocolError, match="100 of 640 bytes") as info:
        await read_frame(reader)
    assert isinstance(info.value.__cause__, asyncio.IncompleteReadError)

    parser = FrameParser()
    assert parser.feed(b"\x12\x02") == []
    with pytest.raises(ProtocolError):
        parser.eof()


# -- server: calls ----------------------------------------------------------------------------


async def test_echo_call_returns_the_callers_audio_paced_in_whole_frames() -> None:
    recorder = Recorder(echo=True)
    utterance = speech(1.0)
    async with edge(recorder) as port, AsteriskLeg(HOST, port, rate=16000) as leg:
        started = time.monotonic()
        await leg.send_audio(utterance)
        first = await leg.wait_for_agent_audio(after=started, timeout=2)
        ended = await leg.wait_agent_quiet(quiet_ms=200, timeout=3, after=started)

        assert recorder.conns[leg.call_id].call_id == leg.call_id
        assert first - started < 0.1
        # 1 s of audio comes back at real time, not in a burst.
        assert 0.95 < ended - first < 1.2
        audio = [f for f in leg.received if f.kind is FrameKind.SLIN_16K]
        assert audio and all(len(f.payload) == 640 for f in audio)
        # Echo has no jitter buffer, so a silent frame may slip in between; the audio is intact.
        assert b"".join(f.payload for f in audio if not f.silent) == utterance
        # The edge streams silence while idle, at 20 ms per frame.
        before = len(leg.received)
        await asyncio.sleep(0.4)
        assert 17 <= len(leg.received) - before <= 23
    assert recorder.conns[leg.call_id].frames_in > 50


async def test_frames_of_any_length_are_accepted() -> None:
    recorder = Recorder(echo=False)
    async with edge(recorder) as port:
        async with AsteriskLeg(HOST, port, stream_silence=False) as leg:
            for size in (2, 1000, 65534):
                leg.send_raw(encode_frame(FrameKind.SLIN_16K, speech(size / 32000)[:size]))
            await eventually(lambda: len(recorder.events.get(leg.call_id, [])) == 3)
        audio = recorder.events[leg.call_id]
        assert [len(e.pcm) for e in audio if isinstance(e, AudioIn)] == [2, 1000, 65534]


@pytest.mark.parametrize("rate", [8000, 16000, 48000])
async def test_caller_rate_is_detected_and_agent_audio_follows_it(rate: int) -> None:
    recorder = Recorder(echo=True)
    async with edge(recorder) as port, AsteriskLeg(HOST, port, rate=rate) as leg:
        started = time.monotonic()
        await leg.send_audio(speech(0.1, rate))
        await leg.wait_for_agent_audio(after=started, timeout=2)
        conn = recorder.conns[leg.call_id]
        assert conn.rate == rate
        assert {e.rate for e in recorder.events[leg.call_id] if isinstance(e, AudioIn)} == {rate}
        kinds = {(f.kind, len(f.payload)) for f in leg.received}
        assert kinds == {(kind_for_rate(rate), frames_per_20ms(rate))}


async def test_rate_change_mid_call() -> None:
    recorder = Recorder(echo=True)
    async with edge(recorder) as port, AsteriskLeg(HOST, port, rate=8000) as leg:
        await leg.send_audio(speech(0.1, 8000))
        switched = time.monotonic()
        await leg.send_audio(speech(0.1, 16000), rate=16000)
        await leg.wait_for_agent_audio(after=switched, timeout=2)
        await asyncio.sleep(0.1)
        rates = [e.rate for e in recorder.events[leg.call_id] if isinstance(e, AudioIn)]
        assert rates[0] == 8000 and rates[-1] == 16000
        assert recorder.conns[leg.call_id].rate == 16000
        assert leg.received[-1].kind is FrameKind.SLIN_16K
        assert len(leg.received[-1].payload) == 640


async def test_greeting_queued_before_the_rate_is_known_still_plays_at_its_rate() -> None:
    greeting = speech(0.2, 8000)
    recorder = Recorder(echo=False)

    async def greet_then_listen(conn: AudioSocketConnection) -> None:
        conn.send_audio(greeting)  # before any caller audio: the default 8 kHz
        await recorder(conn)

    # The caller's first audio comes only once the greeting is queued (frames are read as they
    # arrive, so audio sent with the UUID would tell the rate before the handler starts).
    async with edge(greet_then_listen) as port, AsteriskLeg(HOST, port, rate=16000, stream_silence=False) as leg:
        await eventually(lambda: leg.call_id in recorder.conns)
        conn = recorder.conns[leg.call_id]
        await leg.send_audio(speech(0.06, 16000))
        await asyncio.wait_for(conn.wait_idle(), 2)
        await asyncio.sleep(0.1)
        assert conn.rate == 16000
        heard = b"".join(f.payload for f in leg.received if f.kind is FrameKind.SLIN_8K)
        assert heard == greeting
        assert leg.received[-1].kind is FrameKind.SLIN_16K  # idle silence follows the caller


async def test_dtmf_digits_arrive_as_events() -> None:
    recorder = Recorder(echo=False)
    async with edge(recorder) as port, AsteriskLeg(HOST, port) as leg:
        for digit in "1#*9":
            leg.send_dtmf(digit)
        await eventually(
            lambda: len([e for e in recorder.events.get(leg.call_id, []) if isinstance(e, DtmfIn)])
            == 4
        )
        digits = "".join(e.digit for e in recorder.events[leg.call_id] if isinstance(e, DtmfIn))
        assert digits == "1#*9"


async def test_caller_hangup_ends_the_call(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    recorder = Recorder(echo=False)
    async with edge(recorder) as port:
        leg = await AsteriskLeg(HOST, port).connect()
        await eventually(lambda: leg.call_id in recorder.conns)
        await leg.hangup()
        await eventually(lambda: leg.call_id in recorder.finished)
        assert isinstance(recorder.events[leg.call_id][-1], HangupIn)
        assert recorder.conns[leg.call_id].closed
        await wait_for_log(caplog, f"call {leg.call_id}: audiosocket closed (caller hung up")


@pytest.mark.parametrize("after_uuid", [b"", encode_frame(FrameKind.SLIN_16K, bytes(640)) * 5, b"\x12\x02"])
async def test_a_leg_that_goes_silent_ends_after_the_idle_timeout(
    after_uuid: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    """Asterisk streams a frame every 20 ms; a leg silent for ``idle_timeout`` (after its UUID,
    after a few frames, or halfway through a header) is dead, and only that one ends."""
    caplog.set_level(logging.INFO, logger=LOGGER)
    recorder = Recorder(echo=False)
    async with edge(recorder, idle_timeout=0.4) as port, AsteriskLeg(HOST, port) as alive:
        dead = await AsteriskLeg(HOST, port, stream_silence=False).connect()
        try:
            dead.send_raw(after_uuid)
            went_silent = time.monotonic()
            await asyncio.wait_for(dead.remote_closed.wait(), 2)
            assert 0.4 <= time.monotonic() - went_silent < 0.4 * 1.25 + 0.2
        finally:
            await dead.close()
        await eventually(lambda: dead.call_id in recorder.finished)
        assert recorder.conns[dead.call_id].end_reason == "idle"
        await wait_for_log(caplog, f"call {dead.call_id}: audiosocket closed (no frame from Asterisk")
        await asyncio.sleep(0.6)  # the streaming leg outlives the limit
        assert not alive.remote_closed.is_set() and alive.call_id not in recorder.finished


async def test_idle_timeout_is_off_by_default() -> None:
    recorder = Recorder(echo=False)
    async with edge(recorder) as port, AsteriskLeg(HOST, port, stream_silence=False) as leg:
        await eventually(lambda: leg.call_id in recorder.conns)
        await asyncio.sleep(0.5)
        assert not leg.remote_closed.is_set()


async def test_edge_hangup_sends_hangup_frame_and_closes() -> None:
    recorder = Recorder(echo=False)

    async def hang_up_on_audio(conn: AudioSocketConnection, event: object) -> None:
        if isinstance(event, AudioIn):
            await conn.hangup()

    recorder.on_event = hang_up_on_audio
    async with edge(recorder) as port, AsteriskLeg(HOST, port) as leg:
        await asyncio.wait_for(leg.remote_closed.wait(), 2)
        assert leg.remote_hangup.is_set()
        assert leg.received[-1].kind is FrameKind.HANGUP


async def test_agent_audio_after_clear_stops_at_once() -> None:
    recorder = Recorder(echo=False)
    async with edge(recorder) as port, AsteriskLeg(HOST, port) as leg:
        await eventually(lambda: recorder.conns.get(leg.call_id) is not None)
        conn = recorder.conns[leg.call_id]
        await conn.wait_rate(timeout=1)
        started = time.monotonic()
        conn.send_audio(speech(2.0))
        await leg.wait_for_agent_audio(after=started, timeout=2)
        await asyncio.sleep(0.2)
        dropped = conn.clear_audio()
        cleared = time.monotonic()
        assert 1600 <= dropped <= 1820
        quiet_from = await leg.wait_agent_quiet(quiet_ms=200, timeout=2, after=started)
        # At most the frame already on the wire plays after clear().
        assert quiet_from - cleared < 0.05


# -- server: one bad call never disturbs another ----------------------------------------------


async def _unknown_kind(leg: AsteriskLeg) -> None:
    leg.send_raw(b"\x02\x00\x02\x00\x00")


async def _zero_length_audio(leg: AsteriskLeg) -> None:
    leg.send_raw(b"\x10\x00\x00")


async def _odd_length_audio(leg: AsteriskLeg) -> None:
    leg.send_raw(b"\x12\x00\x03abc")


async def _uuid_wrong_length(leg: AsteriskLeg) -> None:
    leg.send_raw(b"\x01\x00\x0f" + bytes(15))


async def _audio_before_uuid(leg: AsteriskLeg) -> None:
    leg.send_raw(encode_frame(FrameKind.SLIN_16K, bytes(640)))


async def _truncated_then_eof(leg: AsteriskLeg) -> None:
    leg.send_raw(b"\x12\x02")
    leg.send_eof()


async def _closed_mid_frame(leg: AsteriskLeg) -> None:
    leg.send_raw(b"\x12\x02\x80" + bytes(100))
    await asyncio.sleep(0.05)
    await leg.close()


async def _sends_nothing(leg: AsteriskLeg) -> None:
    return None


MALFORMED = {
    # name: (send the UUID first?, what the bad client does, fragment of the one log line)
    "unknown kind": (True, _unknown_kind, "unknown frame kind 0x02"),
    "zero-length audio": (True, _zero_length_audio, "zero-length audio frame"),
    "odd-length audio": (True, _odd_length_audio, "odd-length audio frame"),
    "UUID of wrong length": (False, _uuid_wrong_length, "UUID frame of 15 bytes"),
    "audio before UUID": (False, _audio_before_uuid, "expected UUID (0x01)"),
    "truncated frame then EOF": (True, _truncated_then_eof, "inside a frame header"),
    "closed mid-frame": (True, _closed_mid_frame, "inside a 0x12 frame payload (100 of 640"),
    "connects and sends nothing": (False, _sends_nothing, "sent no UUID within 0.3 s"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
async def test_malformed_input_ends_only_its_own_call(
    case: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    send_uuid, misbehave, fragment = MALFORMED[case]
    recorder = Recorder(echo=True)
    async with edge(recorder, handshake_timeout=0.3) as port:
        async with AsteriskLeg(HOST, port) as good:
            await good.send_audio(speech(0.1))
            bad = await AsteriskLeg(HOST, port, send_uuid=send_uuid, stream_silence=False).connect()
            try:
                await misbehave(bad)
                record = await wait_for_log(caplog, fragment)
                if case != "closed mid-frame":
                    # The edge closes the bad connection itself.
                    await asyncio.wait_for(bad.remote_closed.wait(), 2)
            finally:
                await bad.close()

            assert record.levelno == logging.WARNING
            assert record.exc_info is None, "protocol errors are logged without a traceback"
            if send_uuid:
                assert f"call {bad.call_id}" in record.getMessage()
            assert bad.call_id not in recorder.conns or bad.call_id in recorder.finished
            bad_lines = [
                r for r in caplog.records
                if r.name == LOGGER and r.levelno >= logging.WARNING
            ]
            assert len(bad_lines) == 1, [r.getMessage() for r in bad_lines]

            # The parallel call goes on: it still hears its own audio echoed back.
            after = time.monotonic()
            await good.send_audio(speech(0.2, seed=7))
            await good.wait_for_agent_audio(after=after, timeout=2)
            assert not good.remote_closed.is_set()
            assert good.call_id not in recorder.finished


def test_a_broken_stream_leaves_no_reference_cycle_behind() -> None:
    """A fuzzed or broken stream every few ms must not feed the cycle collector: its full passes
    hold the GIL, and with it the playout pacer (the fuzz scenario measured 100-300 ms)."""
    gc.collect()
    gc.disable()
    try:
        parser = FrameParser()
        with pytest.raises(ProtocolError):
            parser.feed_each(bytes([0x7E, 0, 1, 0]), lambda kind, payload: None)
        with pytest.raises(ProtocolError, match="already failed: unknown frame kind 0x7e"):
            parser.feed_each(b"", lambda kind, payload: None)
        del parser
        assert gc.collect() == 0, "the failed parser kept its error's traceback, and so itself"
    finally:
        gc.enable()


async def test_handler_crash_ends_only_its_call(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    recorder = Recorder(echo=True)
    doomed: set[str] = set()

    def crash(conn: AudioSocketConnection, event: object) -> None:
        if conn.call_id in doomed and isinstance(event, DtmfIn):
            raise RuntimeError("handler bug")

    recorder.on_event = crash
    async with edge(recorder) as port:
        async with AsteriskLeg(HOST, port) as good, AsteriskLeg(HOST, port) as bad:
            doomed.add(bad.call_id)
            bad.send_dtmf("5")
            await asyncio.wait_for(bad.remote_closed.wait(), 2)
            record = await wait_for_log(caplog, f"call {bad.call_id}: handler failed")
            assert record.exc_info is not None
            after = time.monotonic()
            await good.send_audio(speech(0.1))
            await good.wait_for_agent_audio(after=after, timeout=2)
            assert not good.remote_closed.is_set()


# -- playout clock ----------------------------------------------------------------------------


class Wire:
    """Stands in for the socket: records every write with its time."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.writes: list[tuple[float, bytes]] = []
        self.delay_s = delay_s

    def __call__(self, frame: bytes) -> None:
        self.writes.append((time.monotonic(), frame))
        if self.delay_s:
            time.sleep(self.delay_s)  # a slow tick: blocks the loop like real work would

    def payloads(self) -> list[bytes]:
        return [frame[3:] for _, frame in self.writes]


SILENCE_16K = bytes(640)


async def test_clock_writes_one_whole_frame_every_20ms_of_silence_when_idle() -> None:
    wire = Wire()
    clock = PlayoutClock(wire, 16000)
    start = time.monotonic()
    clock.start()
    await asyncio.sleep(2.0)
    await clock.stop()
    elapsed = time.monotonic() - start

    assert abs(len(wire.writes) - elapsed / 0.02) <= 2
    assert clock.frames_out == len(wire.writes)
    assert all(frame == b"\x12\x02\x80" + SILENCE_16K for _, frame in wire.writes)
    gaps = np.diff([t for t, _ in wire.writes])
    assert 0.019 < float(np.median(gaps)) < 0.021
    stats = clock.jitter()
    assert stats.count == len(wire.writes)
    assert stats.p50_ms < 5
    assert clock.underruns == 0


async def test_clock_plays_queued_audio_in_order_then_silence() -> None:
    wire = Wire()
    started_at: list[float] = []
    clock = PlayoutClock(wire, 16000, on_audio_started=started_at.append)
    clock.start()
    await asyncio.sleep(0.05)
    audio = speech(0.21)  # 10.5 frames: the last is padded with zeros
    # Streamed in uneven chunks, as TTS delivers it; the chunks must play back to back.
    for i in range(0, len(audio), 1000):
        clock.enqueue(audio[i : i + 1000])
    assert clock.is_playing and clock.queued_ms == 220
    enqueued = time.monotonic()
    await asyncio.wait_for(clock.wait_idle(), 1)
    idle = time.monotonic()
    await asyncio.sleep(0.06)
    await clock.stop()

    assert 0.18 < idle - enqueued < 0.26
    assert not clock.is_playing
    payloads = wire.payloads()
    first = next(i for i, p in enumerate(payloads) if p != SILENCE_16K)
    played = b"".join(payloads[first : first + 11])
    assert played == audio + bytes(11 * 640 - len(audio))
    assert all(p == SILENCE_16K for p in payloads[first + 11 :])
    assert len(payloads) - first - 11 >= 2
    assert clock.audio_frames_out == 11
    assert len(started_at) == 1 and abs(started_at[0] - wire.writes[first][0]) < 0.002


async def test_clear_drops_queued_audio_at_once() -> None:
    wire = Wire()
    clock = PlayoutClock(wire, 8000)
    clock.start()
    clock.enqueue(speech(1.0, 8000))
    await asyncio.sleep(0.1)
    dropped = clock.clear()
    frames_at_clear = len(wire.writes)
    await asyncio.sleep(0.1)
    await clock.stop()

    assert 840 <= dropped <= 940
    assert clock.queued_ms == 0 and not clock.is_playing
    after = wire.payloads()[frames_at_clear:]
    assert len(after) >= 4
    assert all(p == bytes(320) for p in after)


async def test_clock_keeps_an_absolute_schedule_when_ticks_are_slow() -> None:
    # Each write blocks 5 ms: a sleep(0.02) loop would drift to 25 ms per frame.
    wire = Wire(delay_s=0.005)
    clock = PlayoutClock(wire, 16000)
    clock.start()
    await asyncio.sleep(1.0)
    await clock.stop()

    times = [t for t, _ in wire.writes]
    assert abs(len(times) - 50) <= 2
    n = len(times) - 1
    assert abs((times[-1] - times[0]) - n * 0.02) < 0.01


async def test_clock_resyncs_after_a_stall_instead_of_bursting() -> None:
    wire = Wire()
    clock = PlayoutClock(wire, 16000)
    clock.start()
    await asyncio.sleep(0.1)
    time.sleep(0.3)  # the whole event loop stalls
    resumed = time.monotonic()
    await asyncio.sleep(0.1)
    await clock.stop()

    burst = [t for t, _ in wire.writes if resumed <= t < resumed + 0.1]
    assert clock.resyncs == 1
    assert len(burst) <= 7, "15 missed frames must not be sent at once"


async def test_underruns_count_only_while_a_reply_is_streaming() -> None:
    wire = Wire()
    clock = PlayoutClock(wire, 16000)
    clock.start()
    await asyncio.sleep(0.1)
    assert clock.underruns == 0
    clock.mark_stream_open()
    clock.enqueue(speech(0.06))
    await asyncio.sleep(0.2)
    starved = clock.underruns
    clock.mark_stream_closed()
    await asyncio.sleep(0.1)
    await clock.stop()

    assert 5 <= starved <= 9
    assert clock.underruns == starved
