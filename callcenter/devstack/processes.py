"""Child processes of the dev stack: spawn with a log file, stop cleanly, read the log tail.

Every child runs in its own session (process group): a Ctrl-C in the terminal reaches only the
stack, which then stops the children in reverse order instead of all of them dying at once.
A parent that dies without stopping them (SIGKILL) leaves them to the reaper
(``callcenter.devstack.reaper``), which every child is registered with.
"""

from __future__ import annotations

import asyncio
import errno
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path


class _Reaper:
    """This process's reaper, started with its first child; told of every child and its end."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def watch(self, pid: int) -> None:
        self._send(f"+{pid}")

    def forget(self, pid: int) -> None:
        self._send(f"-{pid}")

    def _send(self, line: str) -> None:
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                if line.startswith("-"):
                    return  # nothing to forget: no reaper knows of it
                self._proc = subprocess.Popen(
                    [sys.executable, "-m", "callcenter.devstack.reaper"],
                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, start_new_session=True,
                )
            assert self._proc.stdin is not None
            try:
                self._proc.stdin.write(f"{line}\n".encode())
                self._proc.stdin.flush()
            except (BrokenPipeError, ValueError):
                self._proc = None  # it died: the next child starts another


_REAPER = _Reaper()


class PortInUseError(RuntimeError):
    def __init__(self, component: str, host: str, port: int, setting: str | None = None) -> None:
        how = f"set {setting} to another port" if setting else "configure another port"
        super().__init__(
            f"{component}: port {port} on {host} is already in use "
            f"(another process listens there: stop it, or {how})"
        )
        self.component = component
        self.host = host
        self.port = port


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free right now (bind port 0 and let the kernel choose)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_is_free(host: str, port: int) -> bool:
    """True if a server could bind host:port now (SO_REUSEADDR, as servers set it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def check_port_free(component: str, host: str, port: int, setting: str | None = None) -> None:
    if host in ("localhost", ""):
        host = "127.0.0.1"
    if not port_is_free(host, port):
        raise PortInUseError(component, host, port, setting)


def user_kwargs(user: str | int | None) -> dict[str, object]:
    """subprocess kwargs to run as `user` with its own groups only (not root's group)."""
    if user is None:
        return {}
    import pwd

    entry = pwd.getpwnam(user) if isinstance(user, str) else pwd.getpwuid(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def tail(path: Path, lines: int = 40) -> str:
    """The last lines of a (log) file, or a note that there is none."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            data = f.read()
    except FileNotFoundError:
        return f"(no log file at {path})"
    text = data.decode("utf-8", errors="replace")
    out = text.splitlines()[-lines:]
    return "\n".join(out) if out else f"(log file {path} is empty)"


class ManagedProcess:
    """One child process with its output in a log file (truncated at each start)."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        user: str | int | None = None,
        stop_signal: int = signal.SIGTERM,
        signal_group: bool = True,
    ) -> None:
        self.name = name
        self.argv = [str(a) for a in argv]
        self.log_path = Path(log_path)
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.user = user
        self.stop_signal = stop_signal
        # postgres: signal only the postmaster (it shuts its backends down itself)
        self.signal_group = signal_group
        self.proc: subprocess.Popen[bytes] | None = None
        self._stopped = False
        self.started_at: float | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def returncode(self) -> int | None:
        return self.proc.poll() if self.proc else None

    def is_running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    async def wait_ready(
        self,
        probe: Callable[[], Awaitable[bool]],
        *,
        describe: str,
        timeout: float,
        interval: float,
        error: type[Exception],
    ) -> None:
        """Poll ``probe`` until it says ready; fail at once if the process dies, clearly on timeout.

        ``describe`` names what was not ready ("postgres not ready on host:port"); the error
        carries the process's log tail, which is where the reason usually is.
        """
        deadline = time.monotonic() + timeout
        last_error: BaseException | None = None
        while True:
            if not self.is_running():
                raise error(
                    f"{self.name} exited with code {self.returncode} while starting; "
                    f"log {self.log_path}:\n{self.log_tail()}"
                )
            try:
                if await probe():
                    return
            except Exception as exc:  # noqa: BLE001 - not up yet
                last_error = exc
            if time.monotonic() > deadline:
                raise error(
                    f"{describe} after {timeout:.0f} s (last error: {last_error!r}); "
                    f"log {self.log_path}:\n{self.log_tail()}"
                )
            await asyncio.sleep(interval)

    def start(self) -> None:
        if self.is_running():
            raise RuntimeError(f"{self.name} is already running (pid {self.pid})")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._stopped = False
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
                **user_kwargs(self.user),
            )
        _REAPER.watch(self.proc.pid)
        self.started_at = time.monotonic()

    def log_tail(self, lines: int = 40) -> str:
        return tail(self.log_path, lines)

    def _signal(self, sig: int) -> None:
        assert self.proc is not None
        try:
            if self.signal_group:
                os.killpg(self.proc.pid, sig)
            else:
                self.proc.send_signal(sig)
        except ProcessLookupError:
            pass

    def stop(self, timeout: float = 8.0) -> int | None:
        """Ask politely (stop_signal), wait up to `timeout`, then SIGKILL. Returns the exit code."""
        if self.proc is None:
            return None
        if self._stopped:
            return self.proc.returncode
        if self.proc.poll() is None:
            self._signal(self.stop_signal)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.proc.wait(5)
        # leftovers in the group (a child that ignored the signal) must not outlive us
        if self.signal_group:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self._stopped = True
        _REAPER.forget(self.proc.pid)
        return self.proc.returncode

    async def astop(self, timeout: float = 8.0) -> int | None:
        return await asyncio.to_thread(self.stop, timeout)


class ServerProcess:
    """A server the stack spawns and health-checks (PostgreSQL, the Temporal dev server).

    Subclasses set ``_process`` in ``spawn`` and implement ``wait_ready``; ``start`` is both,
    and a server that never gets ready is stopped rather than left behind.
    """

    START_TIMEOUT_S = 30.0
    STOP_TIMEOUT_S = 10.0
    _process: ManagedProcess | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def process(self) -> ManagedProcess | None:
        return self._process

    def spawn(self) -> None:
        raise NotImplementedError

    async def wait_ready(self, timeout: float) -> None:
        raise NotImplementedError

    async def start(self, timeout: float | None = None) -> None:
        await asyncio.to_thread(self.spawn)  # may run initdb: keep the loop free
        try:
            await self.wait_ready(self.START_TIMEOUT_S if timeout is None else timeout)
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout: float | None = None) -> int | None:
        if self._process is None:
            return None
        return self._process.stop(self.STOP_TIMEOUT_S if timeout is None else timeout)

    async def astop(self, timeout: float | None = None) -> int | None:
        return await asyncio.to_thread(self.stop, timeout)

    def log_tail(self, lines: int = 40) -> str:
        return self._process.log_tail(lines) if self._process else ""
