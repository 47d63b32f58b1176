"""The Asterisk side of an AudioSocket call, for the call simulator and tests.

``AsteriskLeg`` behaves like Asterisk's AudioSocket channel: it sends the call's UUID first, then
streams caller audio continuously in real-time 20 ms frames (silence when nobody speaks, because
Asterisk always streams), sends DTMF and hangup frames, and records every frame the edge sends
back with its arrival time, so tests and the simulator can measure when agent audio started and
stopped. ``send_raw`` lets tests put malformed bytes on the wire. ``LineNoise`` adds white noise
or mains hum to everything the caller sends (speech and the silence between), at a given SNR.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import socket
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from media_edge.audiosocket.protocol import (
    SAMPLE_RATES,
    FrameKind,
    ProtocolError,
    encode_frame,
    frames_per_20ms,
    kind_for_rate,
    read_frame,
)

_PERIOD_S = 0.02
_RESYNC_AFTER_S = 0.1
_ZEROS: dict[int, bytes] = {}


def _is_silent(payload: bytes) -> bool:
    zeros = _ZEROS.get(len(payload))
    if zeros is None:
        zeros = _ZEROS[len(payload)] = bytes(len(payload))
    return payload == zeros


# The level the simulated caller speaks at (RMS, dBFS), which line noise SNR is relative to:
# the offline voice (espeak-ng, trimmed) measures about -20 dBFS.
SPEECH_LEVEL_DBFS = -20.0


class NoiseKind(StrEnum):
    WHITE = "white"
    HUM = "hum"  # 50 Hz mains hum with its harmonics, as a bad line or a cheap adapter gives


class LineNoise:
    """Noise on the caller's line: ``kind`` at ``snr_db`` below the caller's speech level."""

    def __init__(self, snr_db: float, kind: NoiseKind | str = NoiseKind.WHITE, seed: int | None = 7) -> None:
        self.snr_db = snr_db
        self.kind = NoiseKind(kind)
        self.rms = 32768.0 * 10 ** ((SPEECH_LEVEL_DBFS - snr_db) / 20)
        self._rng = np.random.default_rng(seed)
        self._phase = 0  # samples so far, so hum is continuous across frames

    def samples(self, n: int, rate: int) -> np.ndarray:
        if self.kind is NoiseKind.WHITE:
            noise = self._rng.normal(0.0, self.rms, n)
        else:
            t = (self._phase + np.arange(n)) / rate
            # 50 Hz and odd harmonics: RMS of a sum of sines is sqrt(sum(a^2)/2).
            amps = (1.0, 0.5, 0.3)
            wave = sum(a * np.sin(2 * np.pi * 50 * (2 * i + 1) * t) for i, a in enumerate(amps))
            noise = wave * self.rms / np.sqrt(sum(a * a for a in amps) / 2)
        self._phase += n
        return noise

    def mix(self, pcm: bytes, rate: int) -> bytes:
        """``pcm`` (s16le) with this noise added, clipped to 16 bits."""
        clean = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
        mixed = clean + self.samples(clean.size, rate)
        return np.clip(mixed, -32768, 32767).astype(np.int16).tobytes()


@dataclass(frozen=True, slots=True)
class ReceivedFrame:
    """A frame from the edge and the monotonic time it arrived."""

    t: float
    kind: FrameKind
    payload: bytes
    silent: bool

    @property
    def duration_s(self) -> float:
        rate = SAMPLE_RATES.get(self.kind)
        return len(self.payload) / 2 / rate if rate else 0.0


@dataclass(slots=True)
class _Utterance:
    pcm: memoryview
    rate: int
    done: asyncio.Future[float]
    offset: int = 0


@dataclass(slots=True)
class _Waiters:
    futures: list[asyncio.Future[None]] = field(default_factory=list)

    def wake(self) -> None:
        for fut in self.futures:
            if not fut.done():
                fut.set_result(None)
        self.futures.clear()

    async def wait(self, timeout: float) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.futures.append(fut)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(fut, timeout)


class AsteriskLeg:
    """One simulated Asterisk AudioSocket connection.

    Args:
        host, port: the media edge's AudioSocket listener.
        call_id: the call's UUID (random when omitted).
        rate: caller audio rate: 16000 is Dial(AudioSocket/...c(slin16)) sending kind 0x12,
            8000 is the AudioSocket() app sending 0x10.
        send_uuid: send the UUID frame on connect (False to test a broken handshake).
        stream_silence: send silence frames whenever nothing is spoken, as Asterisk does.
        noise: line noise mixed into every frame the caller sends (speech and silence).
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        call_id: str | uuid.UUID | None = None,
        rate: int = 16000,
        send_uuid: bool = True,
        stream_silence: bool = True,
        noise: LineNoise | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.uuid = uuid.UUID(str(call_id)) if call_id is not None else uuid.uuid4()
        self.call_id = str(self.uuid)
        self.rate = rate
        kind_for_rate(rate)  # fail fast on a rate AudioSocket cannot carry
        self.send_uuid = send_uuid
        self.stream_silence = stream_silence
        self.noise = noise
        self.speech_started_at: float | None = None  # when the first frame of the last utterance went out

        self.received: list[ReceivedFrame] = []
        self.remote_hangup = asyncio.Event()
        self.remote_closed = asyncio.Event()
        self.receive_error: Exception | None = None
        self.frames_sent = 0

        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._speech: deque[_Utterance] = deque()
        self._tasks: list[asyncio.Task[None]] = []
        self._waiters = _Waiters()
        self._closing = False

    # -- connection --------------------------------------------------------------------------

    async def connect(self) -> AsteriskLeg:
        """Open the TCP connection, send the UUID frame and start streaming."""
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        sock = self._writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.send_uuid:
            self._writer.write(encode_frame(FrameKind.UUID, self.uuid.bytes))
        self._tasks = [
            asyncio.create_task(self._receive(), name=f"asterisk-leg-rx-{self.call_id}"),
            asyncio.create_task(self._send_loop(), name=f"asterisk-leg-tx-{self.call_id}"),
        ]
        return self

    async def __aenter__(self) -> AsteriskLeg:
        return await self.connect()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def _w(self) -> asyncio.StreamWriter:
        if self._writer is None:
            raise RuntimeError("AsteriskLeg is not connected")
        return self._writer

    # -- sending -----------------------------------------------------------------------------

    async def send_audio(self, pcm: bytes, rate: int | None = None) -> float:
        """Speak ``pcm`` at real time in 20 ms frames; return the monotonic time of its last frame.

        A ``rate`` other than the leg's switches the call to that rate from this utterance on
        (the last frame may be shorter than 20 ms, as Asterisk's can be).
        """
        rate = rate or self.rate
        kind_for_rate(rate)
        done: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        if not pcm:
            done.set_result(time.monotonic())
        else:
            self._speech.append(_Utterance(memoryview(pcm), rate, done))
        return await done

    @property
    def speaking(self) -> bool:
        return bool(self._speech)

    def send_dtmf(self, digit: str) -> None:
        """Send one DTMF digit frame now."""
        if len(digit) != 1:
            raise ValueError(f"one DTMF digit expected, got {digit!r}")
        self._w.write(encode_frame(FrameKind.DTMF, digit.encode("ascii")))

    def send_raw(self, data: bytes) -> None:
        """Write bytes exactly as given (malformed frames for tests)."""
        self._w.write(data)

    def send_eof(self) -> None:
        """Half-close: the edge sees EOF while we still hear what it sends."""
        self._w.write_eof()

    async def hangup(self) -> None:
        """Send a hangup frame (0x00), then close the connection."""
        if self._writer is not None and not self._writer.is_closing():
            self._stop_sender()
            self._writer.write(encode_frame(FrameKind.HANGUP))
            with contextlib.suppress(ConnectionError):
                await self._writer.drain()
        await self.close()

    async def close(self) -> None:
        """Stop streaming and close the socket; safe to call more than once."""
        self._closing = True
        self._stop_sender()
        for task in self._tasks:
            task.cancel()
        if self._writer is not None and not self._writer.is_closing():
            self._writer.close()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._writer is not None:
            with contextlib.suppress(ConnectionError, OSError):
                await self._writer.wait_closed()

    def _stop_sender(self) -> None:
        if len(self._tasks) == 2:
            self._tasks[1].cancel()
        while self._speech:
            done = self._speech.popleft().done
            if not done.done():
                done.set_exception(ConnectionError("AsteriskLeg stopped sending"))

    async def _send_loop(self) -> None:
        writer = self._w
        t0 = time.monotonic()
        n = 0
        silence: bytes | None = None
        silence_rate = 0
        while not writer.is_closing():
            deadline = t0 + n * _PERIOD_S
            delay = deadline - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            elif -delay > _RESYNC_AFTER_S:
                t0, n = time.monotonic(), 0
            n += 1
            if self._speech:
                writer.write(self._next_speech_frame())
            elif self.stream_silence and self.noise is not None:
                quiet = bytes(frames_per_20ms(self.rate))
                writer.write(encode_frame(kind_for_rate(self.rate), self.noise.mix(quiet, self.rate)))
            elif self.stream_silence:
                if silence_rate != self.rate:
                    silence_rate = self.rate
                    silence = encode_frame(
                        kind_for_rate(silence_rate), bytes(frames_per_20ms(silence_rate))
                    )
                assert silence is not None
                writer.write(silence)
            else:
                continue
            self.frames_sent += 1

    def _next_speech_frame(self) -> bytes:
        utt = self._speech[0]
        self.rate = utt.rate
        size = frames_per_20ms(utt.rate)
        if utt.offset == 0:
            self.speech_started_at = time.monotonic()
        chunk = bytes(utt.pcm[utt.offset : utt.offset + size])
        utt.offset += size
        if self.noise is not None:
            chunk = self.noise.mix(chunk, utt.rate)
        frame = encode_frame(kind_for_rate(utt.rate), chunk)
        if utt.offset >= len(utt.pcm):
            self._speech.popleft()
            if not utt.done.done():
                utt.done.set_result(time.monotonic())
        return frame

    # -- receiving ---------------------------------------------------------------------------

    async def _receive(self) -> None:
        assert self._reader is not None
        try:
            while True:
                frame = await read_frame(self._reader)
                if frame is None:
                    break
                kind = frame.kind
                silent = kind not in SAMPLE_RATES or _is_silent(frame.payload)
                self.received.append(ReceivedFrame(time.monotonic(), kind, frame.payload, silent))
                if kind is FrameKind.HANGUP:
                    self.remote_hangup.set()
                self._waiters.wake()
        except (ProtocolError, ConnectionError) as exc:
            self.receive_error = exc
        finally:
            if not self._closing:
                self.remote_closed.set()
                self._stop_sender()
            self._waiters.wake()

    def _index_after(self, t: float) -> int:
        return bisect.bisect_right(self.received, t, key=lambda f: f.t)

    def first_audio_after(self, t: float) -> float | None:
        """Arrival time of the first received frame after ``t`` with any nonzero sample."""
        received = self.received
        for i in range(self._index_after(t), len(received)):
            if not received[i].silent:
                return received[i].t
        return None

    def last_audio_between(self, t0: float, t1: float) -> float | None:
        """Arrival time of the last frame with agent audio (a nonzero sample) in ``[t0, t1]``."""
        last = None
        for f in self.received[self._index_after(t0) :]:
            if f.t > t1:
                break
            if not f.silent:
                last = f.t
        return last

    def agent_audio(self, after: float = 0.0) -> bytes:
        """Concatenated audio payloads received after ``after`` (silence included)."""
        start = self._index_after(after)
        return b"".join(f.payload for f in self.received[start:] if f.kind in SAMPLE_RATES)

    async def wait_for_agent_audio(self, after: float | None = None, timeout: float = 5.0) -> float:
        """Wait for agent audio (a nonzero sample) arriving after ``after`` (default: now).

        Returns its arrival time; TimeoutError if none came, ConnectionError if the edge closed.
        """
        after = time.monotonic() if after is None else after
        end = time.monotonic() + timeout
        while True:
            t = self.first_audio_after(after)
            if t is not None:
                return t
            if self.remote_closed.is_set():
                raise ConnectionError("the edge closed the call before sending audio")
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no agent audio within {timeout:.1f} s")
            await self._waiters.wait(left)

    async def wait_agent_quiet(
        self, quiet_ms: float = 500.0, timeout: float = 10.0, after: float | None = None
    ) -> float:
        """Wait until agent audio has started (after ``after``) and then ``quiet_ms`` of silence.

        Returns the arrival time of the first silent frame after the last audible one (or of
        the edge closing the call if it did so after speaking).
        """
        after = time.monotonic() if after is None else after
        end = time.monotonic() + timeout
        quiet_s = quiet_ms / 1000.0
        scan = self._index_after(after)
        last_audible: int | None = None
        quiet = 0.0
        while True:
            received = self.received
            for i in range(scan, len(received)):
                f = received[i]
                if not f.silent:
                    last_audible, quiet = i, 0.0
                elif last_audible is not None:
                    quiet += f.duration_s
            scan = len(received)
            if last_audible is not None:
                ended = received[last_audible + 1].t if last_audible + 1 < len(received) else None
                if quiet + 1e-9 >= quiet_s and ended is not None:
                    return ended
                if self.remote_closed.is_set():
                    return ended if ended is not None else received[last_audible].t
            elif self.remote_closed.is_set():
                raise ConnectionError("the edge closed the call before sending audio")
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"agent did not finish speaking within {timeout:.1f} s")
            await self._waiters.wait(left)
