"""The embedded dev stack: everything the agent needs, on this machine, with one command.

Order (each health-checked before the next): Temporal dev server → PostgreSQL (embedded unless
DATABASE_URL is set) → reference store → worker → media edge. Logs go to
``<data_dir>/logs/<name>.log``; a pid file (``<data_dir>/devstack.pid``, also an flock) keeps
it to one stack per data dir. Ctrl-C / SIGTERM stop the components in reverse order.

For the CLI::

    from callcenter.devstack.stack import run, stop_stack

    def demo(...):                       # callcenter demo [--once]
        raise SystemExit(run(settings, on_ready=scripted_call, once=once))

    def stop(...):                       # callcenter stop
        raise SystemExit(stop_stack(settings))

``on_ready(info: StackInfo)`` may be sync or async; with ``once=True`` its int result (None = 0)
is the exit code, otherwise the stack keeps running until Ctrl-C.

The settings → environment of the child processes live in ``callcenter.devstack.environment``,
the terminal display in ``callcenter.devstack.progress``, health waiting and ``ComponentFailed``
in ``callcenter.devstack.health``; the names other code imports from here are re-exported.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import signal
import sys
import time
import traceback
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from callcenter.devstack import lock as stack_lock
from callcenter.devstack.environment import _child_environ, find_callcenter_command, settings_env
from callcenter.devstack.health import ComponentFailed, wait_http_ok
from callcenter.logging_setup import rotate_logs
from callcenter.devstack.lock import StackAlreadyRunning, StackLock
from callcenter.devstack.postgres import EmbeddedPostgres, PostgresStartError
from callcenter.devstack.processes import (
    ManagedProcess,
    PortInUseError,
    check_port_free,
    free_port,
    tail,
)
from callcenter.devstack.progress import Progress, _short
from callcenter.settings import Settings
from temporal.devserver import TemporalDevServer, TemporalStartError
from temporal.search_attributes import ensure_registered

__all__ = [
    "ComponentFailed",
    "DevStack",
    "StackAlreadyRunning",
    "StackInfo",
    "run",
    "run_stack",
    "settings_env",
    "start_postgres",
    "start_temporal",
    "stop_stack",
]


@dataclass(frozen=True)
class StackInfo:
    """What a running stack offers; handed to the on_ready callback."""

    settings: Settings
    temporal_address: str
    temporal_namespace: str
    temporal_ui_url: str | None
    database_url: str
    store_url: str
    edge_url: str
    audiosocket_address: str
    worker_metrics_url: str
    logs_dir: Path
    env: Mapping[str, str] = field(repr=False)


OnReady = Callable[[StackInfo], "Awaitable[int | None] | int | None"]


# --- building blocks (also for tests) ------------------------------------------------------


async def _start_on_port[T](
    start: Callable[[int], Awaitable[T]], port: int | None, pick: Callable[[], int], attempts: int = 3
) -> T:
    """Start on `port`, or on a free one when it is None.

    A free port can be taken by another process (another server starting alongside) between
    picking it and binding it; only then, and only for a picked port, is another one tried.
    """
    if port is not None:
        return await start(port)
    for attempt in range(1, attempts + 1):
        try:
            return await start(pick())
        except (PortInUseError, PostgresStartError, TemporalStartError) as err:
            if attempt == attempts or "already in use" not in str(err).lower():
                raise
    raise AssertionError("unreachable")


async def start_temporal(
    data_dir: Path,
    *,
    ip: str = "127.0.0.1",
    port: int | None = None,
    ui_port: int | None = None,
    log_path: Path | None = None,
    timeout: float = 60.0,
) -> TemporalDevServer:
    """A healthy Temporal dev server (port None: a free one; ui_port None: headless) with the
    call workflows' search attributes registered."""
    async def on(chosen: int) -> TemporalDevServer:
        server = TemporalDevServer(data_dir=data_dir, ip=ip, port=chosen, ui_port=ui_port, log_path=log_path)
        await server.start(timeout)
        return server

    server = await _start_on_port(on, port, lambda: free_port(ip))
    try:
        from temporalio.client import Client

        client = await Client.connect(server.address, namespace=server.namespace)
        await ensure_registered(client)  # start-dev did it already; this one is a no-op check
    except BaseException:
        server.stop()
        raise
    return server


async def start_postgres(
    data_dir: Path,
    *,
    port: int | None = None,
    log_path: Path | None = None,
    durable: bool = True,
    databases: Sequence[str] = (),
    timeout: float = 30.0,
) -> EmbeddedPostgres:
    """A ready embedded PostgreSQL (port None: a free one), with `databases` created."""
    async def on(chosen: int) -> EmbeddedPostgres:
        pg = EmbeddedPostgres(data_dir, chosen, log_path=log_path, durable=durable)
        await pg.start(timeout)
        return pg

    pg = await _start_on_port(on, port, free_port)
    try:
        for name in databases:
            await pg.create_database(name)
    except BaseException:
        pg.stop()
        raise
    return pg


def _split_address(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return (host or "127.0.0.1").strip("[]"), int(port)


# --- the stack ------------------------------------------------------------------------------


@dataclass
class _Running:
    name: str
    stop: Callable[[], Awaitable[int | None]]
    process: ManagedProcess | None


class DevStack:
    """Starts and stops the components; ``run_stack`` adds the lock, signals and the callback."""

    def __init__(
        self,
        settings: Settings,
        *,
        progress: Progress | None = None,
        callcenter_cmd: Sequence[str] | None = None,
        lock: StackLock | None = None,
        health_timeout: float = 60.0,
    ) -> None:
        self.settings = settings
        self.data_dir = Path(settings.data_dir).absolute()
        self.logs_dir = self.data_dir / "logs"
        self.progress = progress or Progress()
        self.callcenter_cmd = list(callcenter_cmd or find_callcenter_command())
        self.lock = lock
        self.health_timeout = health_timeout
        self.running: list[_Running] = []
        self.database_url = settings.database_url
        self.env: dict[str, str] = {}

    # ports ------------------------------------------------------------------------------
    def planned_ports(self) -> list[tuple[str, str, int, str]]:
        """(component, host, port, the setting that moves it) for every port the stack binds."""
        s = self.settings
        t_host, t_port = _split_address(s.temporal_address)
        ports = [
            ("temporal", t_host, t_port, "CALLCENTER_TEMPORAL_ADDRESS"),
            ("temporal UI", t_host, s.temporal_ui_port, "CALLCENTER_TEMPORAL_UI_PORT"),
        ]
        if s.uses_embedded_postgres:
            ports.append(("postgres", "127.0.0.1", s.pg_port, "CALLCENTER_PG_PORT"))
        ports += [
            ("store", s.store_host, s.store_port, "CALLCENTER_STORE_PORT (and CALLCENTER_STORE_URL)"),
            ("worker", "127.0.0.1", s.worker_metrics_port, "CALLCENTER_WORKER_METRICS_PORT"),
            ("edge", s.edge_host, s.edge_http_port, "CALLCENTER_EDGE_HTTP_PORT (and CALLCENTER_EDGE_URL)"),
            ("edge AudioSocket", s.edge_host, s.audiosocket_port, "CALLCENTER_AUDIOSOCKET_PORT"),
        ]
        return ports

    def check_ports(self) -> None:
        """Fail before starting anything if a port is taken (names the component and port)."""
        seen: dict[tuple[str, int], str] = {}
        for name, host, port, setting in self.planned_ports():
            if (host, port) in seen:
                raise PortInUseError(f"{name} (same port as {seen[(host, port)]})", host, port, setting)
            seen[(host, port)] = name
            check_port_free(name, host, port, setting)

    # start ------------------------------------------------------------------------------
    def _register(self, name: str, stop: Callable[[], Awaitable[int | None]], proc: ManagedProcess | None) -> None:
        self.running.append(_Running(name, stop, proc))
        if self.lock is not None and proc is not None:
            self.lock.add_component(name, proc.pid)

    async def start(self) -> StackInfo:
        s = self.settings
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        rotate_logs(self.logs_dir)  # the previous runs' logs stay, as <name>.log.1 … .5
        self.progress.info(f"dev stack: data in {_short(self.data_dir)}, logs in {_short(self.logs_dir)}/")
        self.check_ports()

        # 1. Temporal
        t_host, t_port = _split_address(s.temporal_address)
        temporal = TemporalDevServer(
            data_dir=self.data_dir / "temporal",
            ip=t_host,
            port=t_port,
            ui_port=s.temporal_ui_port,
            namespace=s.temporal_namespace,
            log_path=self.logs_dir / "temporal.log",
        )
        self.progress.starting("temporal", s.temporal_address)
        t0 = time.monotonic()
        temporal.spawn()
        self._register("temporal", temporal.astop, temporal.process)
        try:
            await temporal.wait_ready(self.health_timeout)
            from temporalio.client import Client

            client = await Client.connect(temporal.address, namespace=s.temporal_namespace)
            await ensure_registered(client)
        except TemporalStartError as exc:
            raise ComponentFailed("temporal", "not healthy", temporal.log_path, temporal.log_tail()) from exc
        self.progress.ready(
            "temporal",
            time.monotonic() - t0,
            f"{temporal.address}  UI {s.temporal_ui_url}  log {_short(temporal.log_path)}",
        )

        # 2. PostgreSQL
        if s.uses_embedded_postgres:
            pg = EmbeddedPostgres(
                self.data_dir / "postgres",
                s.pg_port,
                log_path=self.logs_dir / "postgres.log",
            )
            self.progress.starting("postgres", f"127.0.0.1:{s.pg_port}")
            t0 = time.monotonic()
            try:
                await asyncio.to_thread(pg.spawn)
                self._register("postgres", pg.astop, pg.process)
                await pg.wait_ready(self.health_timeout)
                await pg.create_database(s.pg_database)
            except PostgresStartError as exc:
                raise ComponentFailed("postgres", str(exc).splitlines()[0], pg.log_path, pg.log_tail()) from exc
            self.database_url = pg.url(s.pg_database)
            self.progress.ready(
                "postgres", time.monotonic() - t0, f"{self.database_url}  log {_short(pg.log_path)}"
            )
        else:
            self.progress.starting("postgres", "(DATABASE_URL)")
            t0 = time.monotonic()
            try:
                import asyncpg

                conn = await asyncpg.connect(s.database_url, timeout=10)
                await conn.close()
            except Exception as exc:  # noqa: BLE001
                raise ComponentFailed("postgres", f"DATABASE_URL is not reachable: {exc}", None) from exc
            self.database_url = s.database_url
            self.progress.ready("postgres", time.monotonic() - t0, "external (DATABASE_URL), reachable")

        self.env = settings_env(s, database_url=self.database_url)

        # 3-5. our own processes
        worker_health = f"http://127.0.0.1:{s.worker_metrics_port}/health"
        for name, health_url, detail in (
            ("store", f"{s.store_url.rstrip('/')}/health", s.store_url),
            ("worker", worker_health, f"queues {s.calls_task_queue}, metrics {worker_health.removesuffix('/health')}"),
            ("edge", f"{s.edge_url.rstrip('/')}/health",
             f"{s.edge_url}  AudioSocket {s.edge_host}:{s.audiosocket_port}"),
        ):
            await self._start_app(name, health_url, detail)

        return StackInfo(
            settings=s,
            temporal_address=s.temporal_address,
            temporal_namespace=s.temporal_namespace,
            temporal_ui_url=s.temporal_ui_url,
            database_url=self.database_url,
            store_url=s.store_url,
            edge_url=s.edge_url,
            audiosocket_address=f"{s.edge_host}:{s.audiosocket_port}",
            worker_metrics_url=worker_health.removesuffix("/health"),
            logs_dir=self.logs_dir,
            env=self.env,
        )

    async def _start_app(self, name: str, health_url: str, detail: str) -> None:
        proc = ManagedProcess(
            name,
            [*self.callcenter_cmd, name],
            log_path=self.logs_dir / f"{name}.log",
            env=_child_environ(self.env),
        )
        self.progress.starting(name, detail)
        t0 = time.monotonic()
        proc.start()
        self._register(name, proc.astop, proc)
        await wait_http_ok(proc, health_url, self.health_timeout)
        self.progress.ready(name, time.monotonic() - t0, f"{detail}  log {_short(proc.log_path)}")

    # watch / stop -------------------------------------------------------------------------
    async def watch(self, interval: float = 0.5) -> ComponentFailed:
        """Return when a component process exits on its own."""
        while True:
            for r in self.running:
                if r.process is not None and not r.process.is_running():
                    return ComponentFailed(
                        r.name,
                        f"exited unexpectedly with code {r.process.returncode}",
                        r.process.log_path,
                        r.process.log_tail(),
                    )
            await asyncio.sleep(interval)

    async def stop(self) -> None:
        """Stop everything started, in reverse order."""
        while self.running:
            r = self.running.pop()
            t0 = time.monotonic()
            try:
                code = await r.stop()
            except Exception as exc:  # noqa: BLE001 - keep stopping the rest
                self.progress.error(f"{r.name}: error while stopping: {exc!r}")
                code = None
            self.progress.stopped(r.name, time.monotonic() - t0, code)
            if self.lock is not None:
                self.lock.remove_component(r.name)


# --- run / stop ------------------------------------------------------------------------------


async def run_stack(
    settings: Settings,
    *,
    on_ready: OnReady | None = None,
    once: bool = False,
    console: Console | None = None,
    callcenter_cmd: Sequence[str] | None = None,
    health_timeout: float = 60.0,
) -> int:
    """Start the stack, call ``on_ready(info)``, then run until Ctrl-C/SIGTERM (or return after
    the callback if ``once``). Returns the process exit code; everything is stopped on return."""
    progress = Progress(console)
    data_dir = Path(settings.data_dir).absolute()
    try:
        lock = stack_lock.acquire(data_dir, argv=list(sys.argv))
    except StackAlreadyRunning as exc:
        progress.error(str(exc))
        return 1
    if lock.cleaned_stale is not None:
        progress.info(
            f"cleaned a stale pid file (pid {lock.cleaned_stale.get('pid')} is not running)"
        )

    stack = DevStack(
        settings, progress=progress, callcenter_cmd=callcenter_cmd, lock=lock, health_timeout=health_timeout
    )
    loop = asyncio.get_running_loop()
    main_task = asyncio.current_task()
    assert main_task is not None
    stop_signal: list[str] = []

    def on_signal(signame: str) -> None:
        if stop_signal:
            progress.info(f"{signame} again: already stopping…")
            return
        stop_signal.append(signame)
        progress.info(f"{signame}: stopping the dev stack…")
        main_task.cancel()

    installed: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        try:
            loop.add_signal_handler(sig, on_signal, sig.name)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread (tests): no signal handling

    code = 0
    try:
        try:
            info = await stack.start()
            progress.info(
                f"dev stack ready: Temporal UI {settings.temporal_ui_url}  ·  "
                f"stop with Ctrl-C or `make stop`"
            )
            if on_ready is not None:
                try:
                    result = on_ready(info)
                    if inspect.isawaitable(result):
                        result = await result
                    code = int(result or 0)
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001
                    progress.error("the on_ready callback failed:")
                    progress.console.print(traceback.format_exc(), markup=False, highlight=False)
                    code = 1
            if once:
                return code
            if on_ready is not None:
                progress.info("the stack keeps running: Ctrl-C or `make stop` to stop it")
            failure = await stack.watch()
            progress.failed(failure.name, failure.reason, failure.log_path, failure.log_tail)
            return 1
        except ComponentFailed as exc:
            progress.failed(exc.name, exc.reason, exc.log_path, exc.log_tail)
            return 1
        except PortInUseError as exc:
            progress.error(str(exc))
            return 1
        except asyncio.CancelledError:
            if not stop_signal:
                raise
            main_task.uncancel()
            return code
    finally:
        try:
            await asyncio.shield(stack.stop())
        except asyncio.CancelledError:
            pass
        for sig in installed:
            loop.remove_signal_handler(sig)
        lock.release()
        if stop_signal:
            progress.info("dev stack stopped")


def run(settings: Settings, *, on_ready: OnReady | None = None, once: bool = False, **kwargs: Any) -> int:
    """Synchronous entry point for ``callcenter demo``: returns the exit code."""
    return asyncio.run(run_stack(settings, on_ready=on_ready, once=once, **kwargs))


def stop_stack(settings: Settings, *, timeout: float = 60.0, console: Console | None = None) -> int:
    """``callcenter stop``: SIGTERM the running stack and wait until it is gone."""
    progress = Progress(console)
    data_dir = Path(settings.data_dir).absolute()
    info = stack_lock.read_pid_file(data_dir)
    if not stack_lock.is_running(data_dir):
        if info:
            # stale: clean it (and any orphaned components) by taking and dropping the lock
            try:
                stack_lock.acquire(data_dir).release()
            except StackAlreadyRunning:
                pass
            progress.info(f"the dev stack is not running (cleaned a stale pid file of pid {info.get('pid')})")
        else:
            progress.info("the dev stack is not running")
        return 0
    pid = (info or {}).get("pid")
    if not pid:
        progress.error("the dev stack is running but its pid file names no pid; stop it with Ctrl-C")
        return 1
    progress.info(f"stopping the dev stack (pid {pid}, started at {info.get('started_at')})…")
    t0 = time.monotonic()
    try:
        os.kill(int(pid), signal.SIGTERM)
    except ProcessLookupError:
        pass
    while stack_lock.is_running(data_dir):
        if time.monotonic() - t0 > timeout:
            progress.error(f"the dev stack (pid {pid}) is still running after {timeout:.0f} s")
            return 1
        time.sleep(0.1)
    progress.info(f"the dev stack stopped ({time.monotonic() - t0:.1f} s)")
    return 0


def log_tail(settings: Settings, component: str, lines: int = 40) -> str:
    return tail(Path(settings.data_dir).absolute() / "logs" / f"{component}.log", lines)
