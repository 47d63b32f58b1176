"""One thread that writes every call's playout frames, off the event loop.

With each call's clock on the event loop (``PlayoutClock.start()`` without a pacer), a frame is
late by whatever the loop is doing when it falls due: another call's agent step, a socket read,
a Temporal callback. At 50 calls that put 1 % of frames 7-15 ms late (docs/performance.md). The
pacer wakes every 5 ms on an absolute grid (a quarter of the 20 ms frame: each call has its own
quarter), takes the GIL (the switch interval is lowered to ``SWITCH_INTERVAL_S`` so the loop
yields it within about a millisecond) and writes the due frames of that quarter's calls straight
to their sockets, so a busy loop no longer delays the audio.

The thread asks the kernel for real-time scheduling (``SCHED_FIFO``, as Asterisk's own ``-p``
does for its audio): with every core busy, an ordinary thread woke up to several milliseconds
late, and that, not the GIL, was most of the lateness left (docs/performance.md). It needs
``CAP_SYS_NICE``; without it the thread settles for a raised nice level, or ordinary priority,
and says so in the log.

Only the writes move: the loop still queues audio (``enqueue`` and ``clear`` take the clock's
lock) and hears back on its own thread (``call_soon_threadsafe``) when an utterance starts or
its last frame is out. A clock stopped from the loop (``PlayoutClock.stop``) has written its
last frame when ``stop`` returns, so the socket can then be used or closed.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import socket

    from media_edge.audiosocket.pacing import PlayoutClock

log = logging.getLogger("media_edge.audiosocket")

# The longest the pacer waits for the GIL before the loop's thread is made to hand it over
# (CPython's default is 5 ms, which alone would break a 5 ms pacing budget).
SWITCH_INTERVAL_S = 0.0005

# Low among real-time priorities (1-99): above every ordinary thread, below the kernel's own and
# below an Asterisk run with -p on the same host.
REALTIME_PRIORITY = 10
RAISED_NICE = -10


class PacerPriority(StrEnum):
    REALTIME = "realtime"  # SCHED_FIFO, else a raised nice level, else ordinary
    RAISED = "raised"  # a raised nice level, else ordinary
    NORMAL = "normal"


def raise_thread_priority(wanted: PacerPriority) -> str:
    """Give the calling thread the scheduling ``wanted`` allows and return what it got:
    "realtime", "raised" or "normal"."""
    tid = threading.get_native_id()
    if wanted is PacerPriority.REALTIME and hasattr(os, "sched_setscheduler"):
        try:
            os.sched_setscheduler(tid, os.SCHED_FIFO, os.sched_param(REALTIME_PRIORITY))
            return "realtime"
        except OSError:
            pass
    if wanted in (PacerPriority.REALTIME, PacerPriority.RAISED):
        try:
            os.setpriority(os.PRIO_PROCESS, tid, RAISED_NICE)
            return "raised"
        except OSError:
            pass
    return "normal"


class PacerEntry:
    """One clock on the pacer; ``cancel`` takes it off (after its write in progress, if any)."""

    __slots__ = ("_pacer", "clock", "active", "slot")

    def __init__(self, pacer: PlayoutPacer, clock: PlayoutClock, slot: int) -> None:
        self._pacer = pacer
        self.clock = clock
        self.active = True
        self.slot = slot  # which sub-tick of the period writes its frames

    def cancel(self) -> None:
        with self.clock.lock:
            self.active = False
        self._pacer._discard(self)


class PlayoutPacer:
    """Writes the due frame of each carried clock every ``period_s``, from its own thread.

    The period is cut into ``slots`` sub-ticks (``t0 + n * period_s / slots``) and each clock is
    given the least busy one: its frames are due every ``period_s`` at its own phase. Writing
    every call's frame at one instant put the last of 200 calls ~4 ms behind its deadline (one
    write after another, bench/pacing.py); spread over four sub-ticks, a quarter of that. A
    clock added between two sub-ticks writes its first frame at its slot's next one. If the
    thread falls more than ``resync_after_s`` behind (the process was stopped), the grid restarts
    from now rather than bursting the missed frames, and every clock counts a resync.
    """

    def __init__(
        self,
        period_s: float = 0.020,
        *,
        slots: int = 4,
        resync_after_s: float = 0.100,
        clock: Callable[[], float] = time.monotonic,
        name: str = "playout-pacer",
        priority: PacerPriority = PacerPriority.NORMAL,
    ) -> None:
        self._period = period_s
        self._tick_s = period_s / slots
        self._wanted_priority = priority
        self.priority: str | None = None  # what the thread got, once it runs
        self._resync_after = resync_after_s
        self._now = clock
        self._name = name
        self._slots: list[dict[int, PacerEntry]] = [{} for _ in range(slots)]
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.ticks = 0

    @property
    def calls(self) -> int:
        return sum(len(slot) for slot in self._slots)

    def add(self, clock: PlayoutClock) -> PacerEntry:
        with self._lock:
            if self._closed:
                raise RuntimeError("the playout pacer is closed")
            slot = min(range(len(self._slots)), key=lambda i: len(self._slots[i]))
            entry = PacerEntry(self, clock, slot)
            self._slots[slot][id(entry)] = entry
            if self._thread is None:
                if sys.getswitchinterval() > SWITCH_INTERVAL_S:
                    sys.setswitchinterval(SWITCH_INTERVAL_S)
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
        self._wake.set()
        return entry

    def _discard(self, entry: PacerEntry) -> None:
        with self._lock:
            self._slots[entry.slot].pop(id(entry), None)

    def close(self) -> None:
        """Stop the thread (the clocks it carried stop writing)."""
        with self._lock:
            self._closed = True
            thread = self._thread
        self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2.0)

    def _run(self) -> None:
        self.priority = raise_thread_priority(self._wanted_priority)
        log_priority = log.info if self.priority == self._wanted_priority.value else log.warning
        log_priority(
            "playout pacer: %s scheduling (asked for %s%s)", self.priority, self._wanted_priority.value,
            "" if self.priority == self._wanted_priority.value else "; give the edge CAP_SYS_NICE",
        )
        self._t0, self._n = self._now(), 0
        while not self._closed:
            try:
                self._run_once()
            except Exception:  # noqa: BLE001 - the thread carries every call's audio: never die
                log.exception("playout pacer: tick failed; carrying on")
                time.sleep(self._period)  # never a busy loop at real-time priority
                self._t0, self._n = self._now(), 0

    def _run_once(self) -> None:
        """Wait for the next sub-tick and write its slot's frames (or wait for a first call)."""
        now_of = self._now
        with self._lock:
            if self._closed:
                return
            idle = not any(self._slots)
            if idle:
                self._wake.clear()
        if idle:
            self._wake.wait()
            self._t0, self._n = now_of(), 0
            return
        deadline = self._t0 + self._n * self._tick_s
        delay = deadline - now_of()
        if delay > 0:
            time.sleep(delay)
        now = now_of()
        if now - deadline > self._resync_after:
            deadline = self._t0 = now
            self._n = 0
            with self._lock:
                everyone = [entry for slot in self._slots for entry in slot.values()]
            for entry in everyone:
                entry.clock.count_resync()
        with self._lock:
            entries = tuple(self._slots[self._n % len(self._slots)].values())
        for entry in entries:
            try:
                self._tick(entry, deadline)
            except Exception as exc:  # noqa: BLE001 - one call's bug must not stop every call's audio
                log.exception("playout of one call failed; its clock stops")
                entry.active = False
                entry.clock.error = exc  # as for a failed write: the call sees its clock stopped
                self._take_off(entry)
        self.ticks += 1
        self._n += 1

    def _tick(self, entry: PacerEntry, deadline: float) -> None:
        clock = entry.clock
        with clock.lock:
            if not entry.active:
                return
            if clock.write_due(deadline):
                return
            entry.active = False
        self._take_off(entry)

    def _take_off(self, entry: PacerEntry) -> None:
        """Off the pacer, and its clock told: its waiters return instead of hanging."""
        self._discard(entry)
        entry.clock.stopped_by_pacer()


_shared: PlayoutPacer | None = None
_shared_lock = threading.Lock()


def shared_pacer(priority: PacerPriority = PacerPriority.REALTIME) -> PlayoutPacer:
    """The process's pacer (its thread starts with the first call; the first caller's
    ``priority`` holds)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = PlayoutPacer(priority=priority)
        return _shared


def _libc_write() -> Callable[[int, bytes, int], int] | None:
    """libc's ``write`` called *without* releasing the GIL (a ``PyDLL`` function).

    ``os.write`` releases the GIL around the system call, and the loop's thread, waiting for it,
    takes it: the pacer then waits up to a switch interval to get it back, once per frame, and
    the last call's frame in a tick comes out that many intervals late. A write to a
    non-blocking socket takes microseconds, so holding the GIL through it is the cheaper side.
    """
    try:
        write = ctypes.PyDLL(None, use_errno=True).write
    except (OSError, AttributeError):
        return None
    write.restype = ctypes.c_ssize_t
    write.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t]
    return write


_WRITE = _libc_write()
_AGAIN = (errno.EAGAIN, errno.EWOULDBLOCK)


def _send(fd: int, data: bytes) -> int:
    """Write what the socket takes now; 0 if its buffer is full."""
    if _WRITE is None:
        try:
            return os.write(fd, data)
        except BlockingIOError:
            return 0
    while True:
        sent = _WRITE(fd, data, len(data))
        if sent >= 0:
            return sent
        code = ctypes.get_errno()
        if code in _AGAIN:
            return 0
        if code != errno.EINTR:
            raise OSError(code, os.strerror(code))


class SocketFrameWriter:
    """Writes whole frames to a call's non-blocking socket from the pacer thread.

    It holds its own duplicate of the socket's descriptor, so a connection closed by the event
    loop can never leave the pacer writing to a descriptor number already reused by another
    call. A frame the socket takes only part of is finished before the next; while a peer reads
    nothing, new frames are dropped (counted in ``dropped``) instead of queued without end.
    """

    def __init__(self, sock: socket.socket) -> None:
        self._fd = os.dup(sock.fileno())
        self._pending = b""
        self.dropped = 0

    def __call__(self, frame: bytes) -> None:
        if self._fd < 0:
            raise ConnectionResetError("AudioSocket connection closed")
        if self._pending:
            self._pending = self._pending[_send(self._fd, self._pending) :]
            if self._pending:
                self.dropped += 1
                return
        sent = _send(self._fd, frame)
        if sent < len(frame):
            self._pending = frame[sent:]

    def close(self) -> bytes:
        """Stop writing; return the unsent rest of a frame cut short, which must be written
        before anything else goes on the socket."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        pending, self._pending = self._pending, b""
        return pending
