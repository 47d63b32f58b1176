"""AudioSocket wire format: frame kinds, encoding, validation and parsing.

A frame is kind (1 byte) + payload length (2 bytes, big-endian) + payload; audio payloads are
signed 16-bit little-endian samples. The rules here follow what Asterisk's own implementation
accepts (docs/architecture.md, "AudioSocket, as Asterisk really speaks it"). Two readers share one set of
validation rules: ``read_frame`` for an ``asyncio.StreamReader`` (the simulated Asterisk side)
and ``FrameParser``, the pure incremental parser the edge feeds from ``data_received``.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

HEADER_SIZE = 3
MAX_PAYLOAD = 0xFFFF
UUID_SIZE = 16
FRAME_MS = 20

_HEADER = struct.Struct(">BH")


class FrameKind(IntEnum):
    """The kind byte of a frame."""

    HANGUP = 0x00
    UUID = 0x01
    DTMF = 0x03
    SLIN_8K = 0x10
    SLIN_12K = 0x11
    SLIN_16K = 0x12
    SLIN_24K = 0x13
    SLIN_32K = 0x14
    SLIN_44K = 0x15  # 44.1 kHz
    SLIN_48K = 0x16
    SLIN_96K = 0x17
    SLIN_192K = 0x18
    ERROR = 0xFF

    @property
    def is_audio(self) -> bool:
        return self in SAMPLE_RATES


SAMPLE_RATES: dict[FrameKind, int] = {
    FrameKind.SLIN_8K: 8000,
    FrameKind.SLIN_12K: 12000,
    FrameKind.SLIN_16K: 16000,
    FrameKind.SLIN_24K: 24000,
    FrameKind.SLIN_32K: 32000,
    FrameKind.SLIN_44K: 44100,
    FrameKind.SLIN_48K: 48000,
    FrameKind.SLIN_96K: 96000,
    FrameKind.SLIN_192K: 192000,
}
_KIND_BY_RATE: dict[int, FrameKind] = {rate: kind for kind, rate in SAMPLE_RATES.items()}
# A lookup table beats IntEnum's constructor on the per-frame path and tells unknown bytes apart.
_KIND_BY_BYTE: dict[int, FrameKind] = {int(kind): kind for kind in FrameKind}


class ProtocolError(Exception):
    """The peer broke the AudioSocket protocol; the call cannot continue."""


class TruncatedFrameError(ProtocolError):
    """The stream ended in the middle of a frame (chained from ``asyncio.IncompleteReadError``)."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame."""

    kind: FrameKind
    payload: bytes

    @property
    def rate(self) -> int | None:
        """Sample rate for an audio frame, None for any other kind."""
        return SAMPLE_RATES.get(self.kind)


def kind_for_rate(rate: int) -> FrameKind:
    """The audio frame kind that carries ``rate`` Hz; ValueError if AudioSocket has none."""
    try:
        return _KIND_BY_RATE[rate]
    except KeyError:
        supported = ", ".join(str(r) for r in _KIND_BY_RATE)
        raise ValueError(
            f"no AudioSocket audio kind for {rate} Hz (supported: {supported})"
        ) from None


def frames_per_20ms(rate: int) -> int:
    """Payload size in bytes of 20 ms of 16-bit mono audio at ``rate`` Hz (640 at 16 kHz)."""
    return rate * FRAME_MS // 1000 * 2


def encode_frame(kind: FrameKind | int, payload: bytes = b"") -> bytes:
    """Header and payload as one bytes object, so a single write puts the whole frame on the wire.

    Asterisk wants header and payload within 5 ms of each other, hence never two writes.
    """
    size = len(payload)
    if size > MAX_PAYLOAD:
        raise ValueError(f"AudioSocket payload of {size} bytes exceeds {MAX_PAYLOAD}")
    if size == 0 and kind in SAMPLE_RATES:
        # Asterisk treats a zero-length frame as fatal and hangs up.
        raise ValueError(f"empty payload for frame kind 0x{int(kind):02x}")
    return _HEADER.pack(kind, size) + payload


def _check_header(kind_byte: int, length: int) -> FrameKind:
    """Validate a header before its payload is read, so a bad length never makes us wait for it."""
    kind = _KIND_BY_BYTE.get(kind_byte)
    if kind is None:
        raise ProtocolError(f"unknown frame kind 0x{kind_byte:02x} (length {length})")
    if kind in SAMPLE_RATES:
        if length == 0:
            raise ProtocolError(f"zero-length audio frame (kind 0x{kind_byte:02x})")
        if length % 2:
            raise ProtocolError(
                f"odd-length audio frame: {length} bytes is not whole 16-bit samples"
            )
    elif kind is FrameKind.UUID:
        if length != UUID_SIZE:
            raise ProtocolError(f"UUID frame of {length} bytes, expected {UUID_SIZE}")
    elif kind is FrameKind.DTMF:
        if length != 1:
            raise ProtocolError(f"DTMF frame of {length} bytes, expected 1")
    # HANGUP and ERROR carry whatever they carry (normally nothing / an error code).
    return kind


def _check_payload(kind: FrameKind, payload: bytes) -> None:
    if kind is FrameKind.DTMF and payload[0] > 0x7F:
        raise ProtocolError(f"DTMF frame with non-ASCII byte 0x{payload[0]:02x}")


async def read_frame(reader: asyncio.StreamReader) -> Frame | None:
    """Read and validate the next frame; None on a clean EOF before any byte of a header.

    Raises ProtocolError for a malformed frame and TruncatedFrameError when the stream ends
    inside a frame.
    """
    try:
        header = await reader.readexactly(HEADER_SIZE)
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            return None
        raise _truncated(exc.partial) from exc
    kind_byte, length = _HEADER.unpack(header)
    kind = _check_header(kind_byte, length)
    if length == 0:
        return Frame(kind, b"")
    try:
        payload = await reader.readexactly(length)
    except asyncio.IncompleteReadError as exc:
        raise _truncated(header + exc.partial) from exc
    _check_payload(kind, payload)
    return Frame(kind, payload)


def _truncated(rest: bytes | bytearray) -> TruncatedFrameError:
    """The error for a stream that ended with ``rest``, the start of a frame, unread."""
    if len(rest) < HEADER_SIZE:
        return TruncatedFrameError(
            f"stream ended inside a frame header ({len(rest)} of {HEADER_SIZE} bytes)"
        )
    kind_byte, length = _HEADER.unpack_from(rest)
    return TruncatedFrameError(
        f"stream ended inside a 0x{kind_byte:02x} frame payload "
        f"({len(rest) - HEADER_SIZE} of {length} bytes)"
    )


class FrameParser:
    """Incremental parser: feed any chunks of the byte stream, get whole frames back.

    After a ProtocolError the parser stays failed: the stream is no longer framed. ``feed_each``
    has delivered the frames before the bad one by then; ``feed`` loses them with the exception.
    """

    __slots__ = ("_buffer", "_failed")

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._failed: str | None = None  # why, as text: a kept exception would keep its frames

    @property
    def pending(self) -> int:
        """Bytes buffered that do not yet make a whole frame."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Frame]:
        """Consume ``data``; return every frame it completes, in order."""
        frames: list[Frame] = []
        self.feed_each(data, lambda kind, payload: frames.append(Frame(kind, payload)))
        return frames

    def feed_each(self, data: bytes, on_frame: Callable[[FrameKind, bytes], object]) -> None:
        """Consume ``data`` and call ``on_frame(kind, payload)`` for each frame it completes, in
        order, as soon as it is parsed: the edge's per-frame path, with no list and no Frame.

        A chunk that starts on a frame boundary (the usual case: one frame per TCP segment) is
        parsed in place, without copying it into the buffer first.
        """
        if self._failed is not None:
            raise ProtocolError(f"parser already failed: {self._failed}")
        buf = self._buffer
        if buf:
            buf += data
            src: bytes | bytearray = buf
        else:
            src = data
        size = len(src)
        pos = 0
        try:
            while size - pos >= HEADER_SIZE:
                kind_byte, length = _HEADER.unpack_from(src, pos)
                kind = _check_header(kind_byte, length)
                end = pos + HEADER_SIZE + length
                if end > size:
                    break
                payload = src[pos + HEADER_SIZE : end]
                if type(payload) is not bytes:
                    payload = bytes(payload)
                _check_payload(kind, payload)
                pos = end  # consumed before the callback, which may raise
                on_frame(kind, payload)
        except ProtocolError as exc:
            self._failed = str(exc)
            raise
        finally:
            if src is buf:
                del buf[:pos]
            elif pos < size:
                buf += src[pos:]

    def eof(self) -> None:
        """Declare the end of the stream; TruncatedFrameError if it ended inside a frame."""
        if self._buffer:
            raise _truncated(self._buffer)
