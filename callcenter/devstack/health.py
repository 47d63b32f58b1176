"""Waiting for a dev stack component to become healthy (``wait_http_ok``), and the error a
component that fails to start or dies reports (``ComponentFailed``, with the tail of its log).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from callcenter.devstack.processes import ManagedProcess


class ComponentFailed(RuntimeError):
    def __init__(self, name: str, reason: str, log_path: Path | None, log_tail: str = "") -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason
        self.log_path = log_path
        self.log_tail = log_tail


async def wait_http_ok(proc: ManagedProcess, url: str, timeout: float) -> None:
    """Poll GET url until 200 while the process lives; ComponentFailed otherwise."""
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    async with httpx.AsyncClient(timeout=2.0, trust_env=False) as http:
        while True:
            if not proc.is_running():
                raise ComponentFailed(
                    proc.name,
                    f"exited with code {proc.returncode} before it was healthy",
                    proc.log_path,
                    proc.log_tail(),
                )
            try:
                resp = await http.get(url)
                if resp.status_code == 200:
                    return
                last = f"HTTP {resp.status_code}"
            except httpx.HTTPError as exc:
                last = type(exc).__name__
            if time.monotonic() > deadline:
                raise ComponentFailed(
                    proc.name,
                    f"no healthy answer from GET {url} after {timeout:.0f} s (last: {last})",
                    proc.log_path,
                    proc.log_tail(),
                )
            await asyncio.sleep(0.1)
