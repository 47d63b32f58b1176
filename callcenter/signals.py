"""Long-running processes stop cleanly on SIGINT (Ctrl-C) and SIGTERM (the dev stack, systemd, docker)."""

from __future__ import annotations

import asyncio
import signal


def stop_event_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM; call from inside the running loop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop
