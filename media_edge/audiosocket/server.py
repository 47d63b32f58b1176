"""AudioSocket TCP server: one ``AudioSocketConnection`` per call Asterisk connects.

The connection turns the byte stream into typed events (caller audio, DTMF, hangup, error) and
sends agent audio back through its own ``PlayoutClock``, at the caller's rate, one write per frame.
``serve_audiosocket`` accepts connections, performs the UUID handshake under a timeout and runs a
handler per call; whatever goes wrong in one call ends that call alone, with one log line.
Asterisk sends a frame every 20 ms, silence included, so a leg that sends nothing for
``idle_timeout`` seconds is taken as dead: its events end (``end_reason`` "idle").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from media_edge.audiosocket.pacing import AudioStartedCallback, PlayoutClock
from media_edge.audiosocket.protocol import (
    SAMPLE_RATES,
    FrameKind,
    ProtocolError,
    encode_frame,
    read_frame,
)

log = logging.getLogger("media_edge.audiosocket")

DEFAULT_RATE = 8000
HANDSHAKE_TIMEOUT_S = 3.0
_HANGUP_FRAME = encode_frame(FrameKind.HANGUP)


@dataclass(frozen=True, slots=True)
class AudioIn:
    """Caller audio: 16-bit little-endian mono PCM at ``rate`` Hz."""

    pcm: bytes
    rate: int


@dataclass(frozen=True, slots=True)
class DtmfIn:
    digit: str


@dataclass(frozen=True, slots=True)
class HangupIn:
    """Asterisk sent a hangup frame; no further events follow."""


@dataclass(frozen=True, slots=True)
class ErrorIn:
    """Asterisk reported an error; ``code`` is the raw payload (often empty or one byte)."""

    code: bytes


AudioSocketEvent = AudioIn | DtmfIn | HangupIn | ErrorIn


class _LineSilent(Exception):
    """Set on the reader by the inactivity check: no frame from Asterisk for too long."""


def _set_nodelay(writer: asyncio.StreamWriter) -> None:
    # Asterisk wants header and payload within 5 ms; Nagle could hold a frame back.
    sock = writer.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class AudioSocketConnection:
    """One AudioSocket call over one accepted TCP connection.

    Args:
        reader, writer: the accepted stream pair.
        default_rate: the rate agent audio is assumed to have until the caller's first audio
            frame tells the real one.
        on_audio_started: forwarded to the PlayoutClock (monotonic time agent audio hit the wire).
        idle_timeout: seconds without a whole frame from Asterisk after which ``events()`` ends
            (``end_reason`` "idle"); None or 0: never. May be set until ``events()`` starts.
    """

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        default_rate: int = DEFAULT_RATE,
        on_audio_started: AudioStartedCallback | None = None,
        idle_timeout: float | None = None,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self.peer: str = _format_peer(writer.get_extra_info("peername"))
        self.call_id: str | None = None
        self.rate = default_rate
        self.frames_in = 0
        self.protocol_error: ProtocolError | None = None
        self.remote_hangup = False
        # Why the call ended: "hangup" (0x00 frame), "eof", "reset", "protocol error", "idle"
        # (no frame for idle_timeout), "edge hangup" or "edge close".
        self.end_reason: str | None = None
        self.idle_timeout = idle_timeout
        self._idle_check: asyncio.TimerHandle | None = None
        self._frames_seen = 0  # frames_in at the last inactivity check
        self._progress_at = 0.0  # loop time frames_in last moved
        self._rate_known = asyncio.Event()
        self._closed = False
        self.playout = PlayoutClock(
            self._write_frame, default_rate, on_audio_started=on_audio_started
        )
        _set_nodelay(writer)

    def _write_frame(self, frame: bytes) -> None:
        if self._writer.is_closing():
            raise ConnectionResetError("AudioSocket connection closed")
        self._writer.write(frame)

    @property
    def closed(self) -> bool:
        return self._closed

    async def handshake(self) -> str:
        """Read the first frame, which must be the call's UUID; return it as canonical text."""
        frame = await read_frame(self._reader)
        if frame is None:
            raise ProtocolError("connection closed before the UUID frame")
        if frame.kind is not FrameKind.UUID:
            raise self._fail(
                ProtocolError(f"first frame is kind 0x{int(frame.kind):02x}, expected UUID (0x01)")
            )
        self.frames_in += 1
        self.call_id = str(uuid.UUID(bytes=frame.payload))
        return self.call_id

    async def wait_rate(self, timeout: float | None = None) -> int:
        """The caller's rate once its first audio frame arrived (or the default after timeout).

        Only advances while someone iterates ``events()``.
        """
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._rate_known.wait(), timeout)
        return self.rate

    async def events(self) -> AsyncIterator[AudioSocketEvent]:
        """Caller events until hangup, EOF or ``idle_timeout`` without a frame; ProtocolError if
        Asterisk's stream is malformed."""
        reader = self._reader
        rates = SAMPLE_RATES
        self._watch_idle()
        while not self._closed:
            try:
                frame = await read_frame(reader)
            except _LineSilent:
                self.end_reason = "idle"
                return
            except ProtocolError as exc:
                if self._closed:
                    return  # our own close cut the stream mid-frame; not the caller's fault
                self._fail(exc)
                raise
            except ConnectionResetError:
                # Asterisk closing with our audio still unread resets the connection: a hangup.
                self.end_reason = "reset"
                return
            if frame is None:
                if not self._closed:
                    self.end_reason = "eof"
                return
            self.frames_in += 1
            kind = frame.kind
            rate = rates.get(kind)
            if rate is not None:
                if rate != self.rate or not self._rate_known.is_set():
                    self._on_rate(rate)
                yield AudioIn(frame.payload, rate)
            elif kind is FrameKind.DTMF:
                yield DtmfIn(chr(frame.payload[0]))
            elif kind is FrameKind.HANGUP:
                self.remote_hangup = True
                self.end_reason = "hangup"
                yield HangupIn()
                return
            elif kind is FrameKind.ERROR:
                yield ErrorIn(frame.payload)
            else:
                raise self._fail(ProtocolError("second UUID frame in the middle of the call"))

    def _watch_idle(self) -> None:
        """Check for inactivity every quarter of ``idle_timeout``: one timer per call, nothing per frame."""
        if not self.idle_timeout or self._idle_check is not None or self._closed:
            return
        loop = asyncio.get_running_loop()
        self._frames_seen, self._progress_at = self.frames_in, loop.time()
        self._idle_check = loop.call_later(self.idle_timeout / 4, self._check_idle)

    def _check_idle(self) -> None:
        if self._closed or not self.idle_timeout:
            self._idle_check = None
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self.frames_in != self._frames_seen:
            self._frames_seen, self._progress_at = self.frames_in, now
        elif now - self._progress_at >= self.idle_timeout:
            # A dead peer (Asterisk gone without a FIN, a cut network) or one that sends half a
            # frame and stops: wake the blocked read with the news.
            self._idle_check = None
            log.warning(
                "call %s: no frame from %s for %.1f s; the leg is dead", self.call_id, self.peer, now - self._progress_at
            )
            self._reader.set_exception(_LineSilent())
            return
        self._idle_check = loop.call_later(self.idle_timeout / 4, self._check_idle)

    def _on_rate(self, rate: int) -> None:
        if rate != self.rate:
            if self._rate_known.is_set():
                log.info("call %s: caller rate changed %d -> %d Hz", self.call_id, self.rate, rate)
            self.playout.set_rate(rate)
            self.rate = rate
        self._rate_known.set()
        if not self._closed:
            self.playout.start()

    def _fail(self, exc: ProtocolError) -> ProtocolError:
        if self.protocol_error is None:
            self.protocol_error = exc
            self.end_reason = "protocol error"
        return exc

    def send_audio(self, pcm: bytes) -> None:
        """Queue agent audio (at the call's current ``rate``) for real-time playout.

        Audio queued before the caller's first audio frame is taken to be at the default rate
        and is sent labelled as such, so it still plays at the right speed.
        """
        self.playout.enqueue(pcm)

    def clear_audio(self) -> int:
        """Stop agent audio at once (barge-in); returns how many ms were dropped."""
        return self.playout.clear()

    async def wait_idle(self) -> None:
        """Return once all queued agent audio has been written."""
        await self.playout.wait_idle()

    @property
    def is_playing(self) -> bool:
        return self.playout.is_playing

    @property
    def queued_ms(self) -> int:
        return self.playout.queued_ms

    @property
    def on_audio_started(self) -> AudioStartedCallback | None:
        """Called with the monotonic time each new utterance of agent audio hits the wire."""
        return self.playout.on_audio_started

    @on_audio_started.setter
    def on_audio_started(self, callback: AudioStartedCallback | None) -> None:
        self.playout.on_audio_started = callback

    async def hangup(self) -> None:
        """Tell Asterisk to hang up (0x00 frame), then close the connection."""
        await self.playout.stop()
        if not self._closed and not self._writer.is_closing():
            self.end_reason = self.end_reason or "edge hangup"
            self._writer.write(_HANGUP_FRAME)
            with contextlib.suppress(ConnectionError):
                await self._writer.drain()
        await self.close()

    async def close(self) -> None:
        """Stop playout and close the socket; safe to call more than once."""
        await self.playout.stop()
        if self._closed:
            return
        self._closed = True
        if self._idle_check is not None:
            self._idle_check.cancel()
            self._idle_check = None
        self.end_reason = self.end_reason or "edge close"
        self._writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self._writer.wait_closed()


def _format_peer(peer: object) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer)


_END_TEXT = {
    "hangup": "caller hung up",
    "eof": "Asterisk closed the connection",
    "reset": "Asterisk reset the connection",
    "edge hangup": "the edge hung up",
    "idle": "no frame from Asterisk: a dead leg",
}

ConnectionHandler = Callable[[AudioSocketConnection], Awaitable[None]]


async def serve_audiosocket(
    host: str,
    port: int,
    handler: ConnectionHandler,
    *,
    handshake_timeout: float = HANDSHAKE_TIMEOUT_S,
    default_rate: int = DEFAULT_RATE,
    idle_timeout: float | None = None,
) -> asyncio.Server:
    """Listen for AudioSocket connections and run ``handler`` once per call (after the UUID).

    The handler owns the call: it iterates ``conn.events()`` and sends audio. The socket is
    always closed when the handler returns or fails. ``idle_timeout``: see AudioSocketConnection
    (the handler may still change ``conn.idle_timeout`` before it iterates the events).
    """

    async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = AudioSocketConnection(reader, writer, default_rate=default_rate, idle_timeout=idle_timeout)
        try:
            await _run_call(conn, handler, handshake_timeout)
        finally:
            await conn.close()

    return await asyncio.start_server(on_client, host, port)


async def _run_call(
    conn: AudioSocketConnection, handler: ConnectionHandler, handshake_timeout: float
) -> None:
    try:
        await asyncio.wait_for(conn.handshake(), handshake_timeout)
    except TimeoutError:
        log.warning(
            "audiosocket peer %s sent no UUID within %.1f s; dropped", conn.peer, handshake_timeout
        )
        return
    except ProtocolError as exc:
        log.warning("audiosocket peer %s: protocol error in handshake: %s", conn.peer, exc)
        return
    except ConnectionError as exc:
        log.warning("audiosocket peer %s: connection lost in handshake: %s", conn.peer, exc)
        return

    call_id = conn.call_id
    log.info("call %s: audiosocket connected from %s", call_id, conn.peer)
    try:
        await handler(conn)
    except ProtocolError as exc:
        log.warning("call %s: protocol error, call ended: %s", call_id, exc)
        return
    except ConnectionError as exc:
        log.warning("call %s: connection lost: %s", call_id, exc)
        return
    except Exception:
        log.exception("call %s: handler failed, call ended", call_id)
        return
    if conn.protocol_error is not None:
        # The handler swallowed it; the call still ended because of it and ops must see why.
        log.warning("call %s: protocol error, call ended: %s", call_id, conn.protocol_error)
        return
    log.info(
        "call %s: audiosocket closed (%s, %d frames in, %d out, %d underruns)",
        call_id,
        _END_TEXT.get(conn.end_reason or "", "ended by the edge"),
        conn.frames_in,
        conn.playout.frames_out,
        conn.playout.underruns,
    )
