"""The reaper: stops the dev stack's children when the process that started them is gone.

A parent killed with SIGKILL (or the OOM killer) runs no cleanup, and its children, each in a
session of its own, would go on: a Temporal server, a PostgreSQL, a worker, holding ports and
CPU. So the first child a process starts is this small one. It reads "+PID" and "-PID" lines on
its stdin, a pipe only the parent holds (children are started with ``close_fds``): the process
groups to stop. End of file means the parent is gone, however it went: the reaper sends SIGTERM to
every group still listed, and SIGKILL to those still there after ``GRACE_S``.
A clean parent has stopped its children and taken them off the list first: then it does nothing.

    python -m callcenter.devstack.reaper
"""

from __future__ import annotations

import os
import signal
import sys
import time

GRACE_S = 5.0


def _alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal_all(groups: set[int], sig: int) -> None:
    for pgid in groups:
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def reap(lines: list[str] | None = None) -> set[int]:
    """Follow the parent's list until end of file, then stop what is left; returns it."""
    groups: set[int] = set()
    for line in lines if lines is not None else sys.stdin:
        line = line.strip()
        if len(line) > 1 and line[0] in "+-" and line[1:].isdigit():
            (groups.add if line[0] == "+" else groups.discard)(int(line[1:]))
    left = {pgid for pgid in groups if _alive(pgid)}
    if left:
        _signal_all(left, signal.SIGTERM)
        deadline = time.monotonic() + GRACE_S
        while time.monotonic() < deadline and any(_alive(pgid) for pgid in left):
            time.sleep(0.1)
        _signal_all({pgid for pgid in left if _alive(pgid)}, signal.SIGKILL)
    return left


def main() -> None:
    # A Ctrl-C or a SIGTERM to the parent's group is the parent's to handle; the reaper waits
    # for its pipe to close either way.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    left = reap()
    if left:
        print(f"reaper: the parent is gone; stopped process groups {sorted(left)}", file=sys.stderr)


if __name__ == "__main__":
    main()
