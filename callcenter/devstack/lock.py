"""One dev stack per data dir: a pid file that is also an flock.

The lock dies with the process that holds it, so a crashed stack never blocks the next start;
the file then only names a dead pid (and perhaps orphaned components), and is cleaned.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

PID_FILE_NAME = "devstack.pid"


class StackAlreadyRunning(RuntimeError):
    def __init__(self, pid: int | None, started_at: str | None, pid_file: Path) -> None:
        who = f"pid {pid}" if pid else "pid unknown"
        when = f", started at {started_at}" if started_at else ""
        super().__init__(
            f"the dev stack is already running ({who}{when}); stop it with `make stop`"
        )
        self.pid = pid
        self.started_at = started_at
        self.pid_file = pid_file


def pid_file_path(data_dir: Path) -> Path:
    return Path(data_dir) / PID_FILE_NAME


def read_pid_file(data_dir: Path) -> dict[str, Any] | None:
    path = pid_file_path(data_dir)
    for _ in range(20):  # a writer may be between truncate and write
        try:
            text = path.read_text()
        except FileNotFoundError:
            return None
        if text.strip():
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                pass
        time.sleep(0.025)
    return None


def _try_flock(path: Path) -> int | None:
    """An fd holding LOCK_EX on `path` (the very file at that path), or None if held elsewhere."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)  # locked a file that was unlinked meanwhile: try the new one


def is_running(data_dir: Path) -> bool:
    path = pid_file_path(data_dir)
    if not path.exists():
        return False
    fd = _try_flock(path)
    if fd is None:
        return True
    os.close(fd)
    return False


def kill_leftovers(info: dict[str, Any]) -> list[str]:
    """Components recorded in a stale pid file that still run (the stack was killed): stop them."""
    stopped: list[str] = []
    procs: list[tuple[str, psutil.Process]] = []
    for name, comp in (info.get("components") or {}).items():
        try:
            proc = psutil.Process(int(comp["pid"]))
            if abs(proc.create_time() - float(comp["create_time"])) > 1.0:
                continue  # the pid was reused by something else
        except (psutil.Error, KeyError, TypeError, ValueError):
            continue
        procs.append((name, proc))
    for name, proc in reversed(procs):
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            try:
                proc.terminate()
            except psutil.Error:
                continue
        stopped.append(name)
    _gone, alive = psutil.wait_procs([p for _, p in procs], timeout=8)
    for proc in alive:
        try:
            proc.kill()
        except psutil.Error:
            pass
    return stopped


@dataclass
class StackLock:
    """Held by the running stack; ``update()`` records the components' pids."""

    data_dir: Path
    fd: int
    info: dict[str, Any] = field(default_factory=dict)
    cleaned_stale: dict[str, Any] | None = None

    @property
    def path(self) -> Path:
        return pid_file_path(self.data_dir)

    def _write(self) -> None:
        data = json.dumps(self.info, indent=2).encode()
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, data, 0)

    def add_component(self, name: str, pid: int | None) -> None:
        if pid is None:
            return
        try:
            create_time = psutil.Process(pid).create_time()
        except psutil.Error:
            return
        self.info.setdefault("components", {})[name] = {"pid": pid, "create_time": create_time}
        self._write()

    def remove_component(self, name: str) -> None:
        comps = self.info.get("components") or {}
        if comps.pop(name, None) is not None:
            self._write()

    def release(self) -> None:
        if self.fd < 0:
            return
        try:
            os.ftruncate(self.fd, 0)
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
        finally:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> StackLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def acquire(data_dir: Path, *, argv: list[str] | None = None) -> StackLock:
    """Take the stack lock or raise StackAlreadyRunning (with the holder's pid and start time).

    A stale pid file (its process is dead) is cleaned, and components it recorded that still
    run are stopped; ``StackLock.cleaned_stale`` then holds what the file said.
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    path = pid_file_path(data_dir)
    fd = _try_flock(path)
    if fd is None:
        info = read_pid_file(data_dir) or {}
        raise StackAlreadyRunning(info.get("pid"), info.get("started_at"), path)
    stale: dict[str, Any] | None = None
    try:
        raw = os.pread(fd, 1 << 20, 0)
        if raw.strip():
            try:
                stale = json.loads(raw)
            except json.JSONDecodeError:
                stale = {}
            kill_leftovers(stale)
    except BaseException:
        os.close(fd)
        raise
    lock = StackLock(
        data_dir=data_dir,
        fd=fd,
        info={
            "pid": os.getpid(),
            "started_at": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z"),
            "argv": argv or [],
            "components": {},
        },
        cleaned_stale=stale,
    )
    lock._write()
    return lock
