"""AudioSocket TCP server: one ``AudioSocketConnection`` per call Asterisk connects.

The connection parses the byte stream as it arrives into typed events (caller audio, DTMF, hangup,
error) and sends agent audio back through its own ``PlayoutClock``, at the caller's rate, one write per frame.
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
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from media_edge.audiosocket.pacer import PlayoutPacer, SocketFrameWriter
from media_edge.audiosocket.pacing import AudioStartedCallback, PlayoutClock
from media_edge.audiosocket.protocol import (
    SAMPLE_RATES,
    FrameKind,
    FrameParser,
    ProtocolError,
    TruncatedFrameError,
    encode_frame,
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


EventSink = Callable[[AudioSocketEvent], object]

# Pull mode (``events()``) stops reading from the socket while this many events wait unread.
_BACKLOG_PAUSE = 512
_CLOSE_WAIT_S = 1.0  # a peer that does not read our last bytes is cut off after this


def _set_nodelay(transport: asyncio.BaseTransport) -> None:
    # Asterisk wants header and payload within 5 ms; Nagle could hold a frame back.
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class AudioSocketConnection(asyncio.Protocol):
    """One AudioSocket call over one accepted TCP connection.

    Bytes are parsed as they arrive (``data_received``) and each frame becomes an event at once:
    handed straight to the sink given to ``deliver`` (the edge's way: no task wake-up, no await
    per frame, which is most of the inbound cost at hundreds of calls), or queued for
    ``events()`` (an async iterator, for handlers that await between events).

    Args:
        default_rate: the rate agent audio is assumed to have until the caller's first audio
            frame tells the real one.
        on_audio_started: forwarded to the PlayoutClock (monotonic time agent audio hit the wire).
        idle_timeout: seconds without a whole frame from Asterisk after which the events end
            (``end_reason`` "idle"); None or 0: never. May be set until the events are taken.
        pacer: write agent audio from this pacer's thread (the edge's way, ``pacer.py``) instead
            of on the event loop's timers.
    """

    def __init__(
        self,
        *,
        default_rate: int = DEFAULT_RATE,
        on_audio_started: AudioStartedCallback | None = None,
        idle_timeout: float | None = None,
        pacer: PlayoutPacer | None = None,
    ) -> None:
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._transport: asyncio.Transport | None = None
        self._parser = FrameParser()
        self.peer = "?"
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
        self._uuid: asyncio.Future[str] = loop.create_future()
        self._sink: EventSink | None = None
        self._backlog: deque[AudioSocketEvent] = deque()  # events nobody has taken yet
        self._wakeup: asyncio.Future[None] | None = None  # a taker waiting for events or the end
        self._ended = False  # no event follows (hangup, EOF, error, idle, closed)
        self._error: BaseException | None = None  # why the events ended, if not cleanly
        self._paused = False
        self._lost: asyncio.Future[None] = loop.create_future()
        self._pacer = pacer
        self._paced_writer: SocketFrameWriter | None = None  # the pacer thread's way to the socket
        self.playout = PlayoutClock(
            self._write_frame, default_rate, on_audio_started=on_audio_started
        )

    # -- asyncio.Protocol ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self.peer = _format_peer(transport.get_extra_info("peername"))
        _set_nodelay(transport)

    def data_received(self, data: bytes) -> None:
        if self._ended:
            return
        try:
            self._parser.feed_each(data, self._on_frame)
        except ProtocolError as exc:
            if self._ended:
                return  # a frame before the bad one already ended the call
            self._end(self._fail(exc))

    def eof_received(self) -> bool:
        self._at_eof()
        return True  # a half-closed peer may still hear us until the handler closes

    def connection_lost(self, exc: Exception | None) -> None:
        # Before asyncio closes the socket: the pacer must be done with it.
        self.playout.transport_lost(exc or ConnectionResetError("AudioSocket connection closed"))
        self._release_paced_writer()
        if not self._lost.done():
            self._lost.set_result(None)
        if exc is not None and not self._ended and not self._closed:
            # Asterisk closing with our audio still unread resets the connection: a hangup.
            self.end_reason = "reset"
        self._at_eof()

    def _at_eof(self) -> None:
        if self._ended:
            return
        if self._closed or self.end_reason == "reset":
            self._end()
        else:
            try:
                self._parser.eof()
            except TruncatedFrameError as exc:
                self._end(self._fail(exc))
                return
            self.end_reason = "eof"
            self._end()

    # -- frames to events ------------------------------------------------------------------

    def _on_frame(self, kind: FrameKind, payload: bytes) -> None:
        if self._ended:
            return
        self.frames_in += 1
        rate = SAMPLE_RATES.get(kind)
        if rate is not None and self.call_id is not None:
            if rate != self.rate or not self._rate_known.is_set():
                self._on_rate(rate)
            self._emit(AudioIn(payload, rate))
        elif self.call_id is None:
            if kind is not FrameKind.UUID:
                raise self._fail(
                    ProtocolError(f"first frame is kind 0x{int(kind):02x}, expected UUID (0x01)")
                )
            self.call_id = str(uuid.UUID(bytes=payload))
            if not self._uuid.done():
                self._uuid.set_result(self.call_id)
        elif kind is FrameKind.DTMF:
            self._emit(DtmfIn(chr(payload[0])))
        elif kind is FrameKind.HANGUP:
            self.remote_hangup = True
            self.end_reason = "hangup"
            self._emit(HangupIn())
            self._end()
        elif kind is FrameKind.ERROR:
            self._emit(ErrorIn(payload))
        else:
            raise self._fail(ProtocolError("second UUID frame in the middle of the call"))

    def _emit(self, event: AudioSocketEvent) -> None:
        sink = self._sink
        if sink is not None:
            try:
                sink(event)
            except Exception as exc:  # the handler's bug ends its call, and only its call
                self._end(exc)
            return
        self._backlog.append(event)
        self._wake()
        if len(self._backlog) >= _BACKLOG_PAUSE and not self._paused and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()

    def _end(self, error: BaseException | None = None) -> None:
        """No more events: the taker is told (with ``error`` if the stream broke)."""
        if self._ended:
            return
        self._ended = True
        # Without its traceback: the frames in it hold this connection, which holds the error,
        # and a fuzzed or dying stream a second would leave the cycle collector thousands of
        # such cycles to find (its full passes hold the GIL, and so the pacer, for 100+ ms).
        self._error = error.with_traceback(None) if error is not None else None
        if self._idle_check is not None:
            self._idle_check.cancel()
            self._idle_check = None
        if not self._uuid.done():
            self._uuid.set_exception(error or ProtocolError("connection closed before the UUID frame"))
            self._uuid.exception()  # retrieved: a timed-out handshake leaves nobody to read it
        self._wake()

    def _wake(self) -> None:
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)

    def _write_frame(self, frame: bytes) -> None:
        paced = self._paced_writer
        if paced is not None:
            paced(frame)
            return
        transport = self._transport
        if transport is None or transport.is_closing():
            raise ConnectionResetError("AudioSocket connection closed")
        transport.write(frame)

    @property
    def closed(self) -> bool:
        return self._closed

    async def handshake(self) -> str:
        """Wait for the first frame, which must be the call's UUID; return it as canonical text."""
        return await asyncio.shield(self._uuid)

    async def wait_rate(self, timeout: float | None = None) -> int:
        """The caller's rate once its first audio frame arrived (or the default after timeout)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._rate_known.wait(), timeout)
        return self.rate

    def end_events(self) -> None:
        """The handler wants no more events (the call is over for it); the socket stays open
        until ``close`` or ``hangup``."""
        self._end()

    async def deliver(self, sink: EventSink) -> None:
        """Call ``sink(event)`` for every caller event, synchronously from the socket's read
        callback, until hangup, EOF, ``end_events`` or ``idle_timeout`` without a frame.

        Raises ProtocolError if Asterisk's stream is malformed, and whatever ``sink`` raised.
        """
        self._watch_idle()
        self._resume_reading()
        while self._backlog:
            sink(self._backlog.popleft())
        if not self._ended:
            self._sink = sink
            try:
                await self._wait()
            finally:
                self._sink = None
        self._raise_error()

    async def events(self) -> AsyncIterator[AudioSocketEvent]:
        """Caller events until hangup, EOF or ``idle_timeout`` without a frame; ProtocolError if
        Asterisk's stream is malformed."""
        self._watch_idle()
        backlog = self._backlog
        while True:
            while backlog:
                event = backlog.popleft()
                if self._paused and len(backlog) < _BACKLOG_PAUSE // 4:
                    self._resume_reading()
                yield event
            if self._ended:
                break
            await self._wait()
        self._raise_error()

    async def _wait(self) -> None:
        self._wakeup = self._loop.create_future()
        try:
            await self._wakeup
        finally:
            self._wakeup = None

    def _raise_error(self) -> None:
        error = self._error
        if error is not None and not self._closed:
            self._error = None  # raised once
            raise error

    def _resume_reading(self) -> None:
        if self._paused and self._transport is not None:
            self._paused = False
            self._transport.resume_reading()

    def _watch_idle(self) -> None:
        """Check for inactivity every quarter of ``idle_timeout``: one timer per call, nothing per frame."""
        if not self.idle_timeout or self._idle_check is not None or self._ended:
            return
        self._frames_seen, self._progress_at = self.frames_in, self._loop.time()
        self._idle_check = self._loop.call_later(self.idle_timeout / 4, self._check_idle)

    def _check_idle(self) -> None:
        self._idle_check = None
        if self._ended or not self.idle_timeout:
            return
        now = self._loop.time()
        if self.frames_in != self._frames_seen:
            self._frames_seen, self._progress_at = self.frames_in, now
        elif now - self._progress_at >= self.idle_timeout:
            # A dead peer (Asterisk gone without a FIN, a cut network) or one that sends half a
            # frame and stops.
            log.warning(
                "call %s: no frame from %s for %.1f s; the leg is dead", self.call_id, self.peer, now - self._progress_at
            )
            self.end_reason = "idle"
            self._end()
            return
        self._idle_check = self._loop.call_later(self.idle_timeout / 4, self._check_idle)

    def _on_rate(self, rate: int) -> None:
        if rate != self.rate:
            if self._rate_known.is_set():
                log.info("call %s: caller rate changed %d -> %d Hz", self.call_id, self.rate, rate)
            self.playout.set_rate(rate)
            self.rate = rate
        self._rate_known.set()
        if not self._closed:
            self.playout.start(pacer=self._pacer if self._take_socket_for_pacer() else None)

    def _take_socket_for_pacer(self) -> bool:
        """Let the pacer's thread write to the socket (once it plays: a leg that never sends
        audio costs no descriptor)."""
        if self._paced_writer is None and self._pacer is not None and self._transport is not None:
            sock = self._transport.get_extra_info("socket")
            if sock is not None and not self._transport.is_closing():
                self._paced_writer = SocketFrameWriter(sock)
        return self._paced_writer is not None

    async def _take_socket_back(self) -> asyncio.Transport | None:
        """Playout stopped and the socket the loop's alone: the rest of a frame the pacer cut
        short is written first, so Asterisk's parser stays in step. Returns the transport if
        it can still be written to."""
        await self.playout.stop()
        rest = self._release_paced_writer()
        transport = self._transport
        if transport is None or transport.is_closing():
            return None
        if rest:
            transport.write(rest)
        return transport

    def _release_paced_writer(self) -> bytes:
        """The pacer no longer writes (the clock is halted): the socket is the loop's again.
        Returns the rest of a frame the pacer left cut short, to be written first."""
        writer, self._paced_writer = self._paced_writer, None
        return writer.close() if writer is not None else b""

    def _fail(self, exc: ProtocolError) -> ProtocolError:
        if self.protocol_error is None:
            self.protocol_error = exc.with_traceback(None)
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
        transport = await self._take_socket_back()
        if not self._closed and transport is not None:
            self.end_reason = self.end_reason or "edge hangup"
            transport.write(_HANGUP_FRAME)
        await self.close()

    async def close(self) -> None:
        """Stop playout and close the socket (what is written still goes out, for up to a
        second); safe to call more than once."""
        await self._take_socket_back()
        if self._closed:
            return
        self._closed = True
        self.end_reason = self.end_reason or "edge close"
        self._end()
        transport = self._transport
        if transport is None:
            return
        transport.close()
        try:
            await asyncio.wait_for(asyncio.shield(self._lost), _CLOSE_WAIT_S)
        except TimeoutError:
            transport.abort()  # the peer reads nothing: our unsent bytes go nowhere anyway


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
    pacer: PlayoutPacer | None = None,
) -> asyncio.Server:
    """Listen for AudioSocket connections and run ``handler`` once per call (after the UUID).

    The handler owns the call: it takes the caller's events (``conn.deliver(sink)`` or
    ``conn.events()``) and sends audio. The socket is always closed when the handler returns or
    fails. ``idle_timeout``: see AudioSocketConnection (the handler may still change
    ``conn.idle_timeout`` before it takes the events). ``pacer``: see AudioSocketConnection.
    """

    loop = asyncio.get_running_loop()
    calls: set[asyncio.Task[None]] = set()

    def accept() -> AudioSocketConnection:
        conn = AudioSocketConnection(default_rate=default_rate, idle_timeout=idle_timeout, pacer=pacer)
        task = loop.create_task(_serve_connection(conn, handler, handshake_timeout))
        calls.add(task)
        task.add_done_callback(calls.discard)
        return conn

    return await loop.create_server(accept, host, port)


async def _serve_connection(
    conn: AudioSocketConnection, handler: ConnectionHandler, handshake_timeout: float
) -> None:
    try:
        await _run_call(conn, handler, handshake_timeout)
    finally:
        await conn.close()


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
