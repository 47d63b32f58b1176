"""Is the component a command needs running? One line that says what to start, not a traceback.

The check is a TCP connect with a short timeout, before the command's own client (Temporal's Rust
core, httpx) starts: a command then ends on the normal path instead of tearing the interpreter
down under the Temporal runtime's threads. ``describe_failure`` turns the same failures, when they
happen later (a race with a stopping stack), into the same one line.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from callcenter.settings import Settings

START_DEMO = "start the demo stack first: `make demo` (or `.venv/bin/callcenter demo`)"


class NotRunning(Exception):
    """A component the command needs does not answer; the message says what to start."""


def _host_port(address: str, default_port: int) -> tuple[str, int]:
    if "://" in address:
        parts = urlsplit(address)
        return parts.hostname or "127.0.0.1", parts.port or (443 if parts.scheme == "https" else default_port)
    host, _, port = address.rpartition(":")
    return (host or "127.0.0.1").strip("[]"), int(port) if port else default_port


def answers(address: str, default_port: int, timeout_s: float = 1.0) -> bool:
    try:
        with socket.create_connection(_host_port(address, default_port), timeout=timeout_s):
            return True
    except OSError:
        return False


def targets(settings: Settings) -> dict[str, tuple[str, str, int]]:
    """component → (what it is called, address, default port)."""
    return {
        "temporal": ("Temporal", settings.temporal_address, 7233),
        "store": ("the store", settings.store_url, 80),
        "edge": ("the media edge", settings.edge_url, 80),
    }


def require(settings: Settings, *components: str, hint: str = START_DEMO) -> None:
    """Raise ``NotRunning`` naming the first of ``components`` that does not answer."""
    for component in components:
        label, address, port = targets(settings)[component]
        if not answers(address, port):
            raise NotRunning(f"{label} is not running at {address}; {hint}")


def describe_failure(err: BaseException, settings: Settings | None = None, hint: str = START_DEMO) -> str | None:
    """One line for a connection failure raised past the pre-check, None for anything else."""
    text = str(err)
    if isinstance(err, RuntimeError) and "Failed client connect" in text:
        address = settings.temporal_address if settings is not None else "its address"
        return f"Temporal is not reachable at {address}; {hint}"
    if isinstance(err, ConnectionError):
        return f"a component is not reachable ({err.strerror or text}); {hint}"
    try:
        import httpx
    except ImportError:  # pragma: no cover
        return None
    if isinstance(err, httpx.ConnectError):
        url = err.request.url if err._request is not None else "its address"  # noqa: SLF001
        return f"nothing answers at {url}; {hint}"
    return None


async def require_calls_worker(client: object, settings: Settings, hint: str = START_DEMO) -> None:
    """``NotRunning`` if no worker has polled the calls queue lately: a call would wait forever.
    (Temporal remembers pollers for a few minutes, so a worker stopped just now still counts.)"""
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    response = await client.workflow_service.describe_task_queue(  # type: ignore[attr-defined]
        DescribeTaskQueueRequest(
            namespace=settings.temporal_namespace,
            task_queue=TaskQueue(name=settings.calls_task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
    )
    if not response.pollers:
        raise NotRunning(f"no worker serves the task queue {settings.calls_task_queue!r}; {hint}")
