"""The store, worker and edge in one asyncio loop, on free ports: for tests and benchmarks.

Temporal and PostgreSQL stay real servers (started by the caller); everything here talks to
them over real sockets, exactly as the separate processes of the dev stack do.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from dataclasses import dataclass
from typing import Any

import asyncpg
from temporalio.client import Client

from callcenter.http_server import BackgroundServer
from callcenter.settings import Settings
from callcenter.worker import calls_worker
from media_edge.app import RunningEdge, start_edge
from store.app import create_app


@asynccontextmanager
async def running_store(database_url: str, **fault_options: Any) -> AsyncIterator[str]:
    """The reference store app on 127.0.0.1, a free port; yields its base URL."""
    server = BackgroundServer(create_app(database_url, **fault_options), "127.0.0.1", 0)
    await server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        await server.stop()


def isolated_settings(temporal_address: str, database_url: str, store_url: str, *, prefix: str = "test",
                      **overrides: Any) -> Settings:
    """Settings for a system beside others on the same servers: task queues and an edge id of its
    own, free ports (0) for the edge."""
    suffix = uuid.uuid4().hex[:8]
    return Settings(
        temporal_address=temporal_address,
        calls_task_queue=f"{prefix}-calls-{suffix}",
        edge_id=f"{prefix}-{suffix}",
        store_url=store_url,
        edge_http_port=0,
        audiosocket_port=0,
        DATABASE_URL=database_url,
        **overrides,
    )


@dataclass
class System:
    settings: Settings
    edge: RunningEdge
    pool: asyncpg.Pool  # the call records' database


@asynccontextmanager
async def running_system(
    client: Client,
    temporal_address: str,
    database_url: str,
    *,
    store_faults: dict[str, Any] | None = None,
    **settings_overrides: Any,
) -> AsyncIterator[System]:
    """Store, worker and edge wired together, with queues of their own (tests run side by side)."""
    async with running_store(database_url, **(store_faults or {})) as store_url:
        base = isolated_settings(temporal_address, database_url, store_url, **settings_overrides)
        async with calls_worker(client, base) as pool:
            edge = await start_edge(base)
            settings = base.model_copy(
                update={
                    "audiosocket_port": edge.audiosocket_port,
                    "edge_http_port": edge.http_port,
                    "edge_url": f"http://127.0.0.1:{edge.http_port}",
                }
            )
            try:
                yield System(settings=settings, edge=edge, pool=pool)
            finally:
                await edge.stop()


@asynccontextmanager
async def own_servers(settings: Settings, root: Path) -> AsyncIterator[tuple[Any, str]]:
    """A Temporal dev server and a database of our own, in ``root`` on free ports:
    (temporal server, database URL). The database is a fresh one on DATABASE_URL if set, else an
    embedded PostgreSQL; both are stopped (or dropped) on exit."""
    from callcenter.devstack.postgres import create_database, drop_database, with_database
    from callcenter.devstack.stack import start_postgres, start_temporal

    external = settings.database_url_env.get_secret_value() if settings.database_url_env else None

    async def pg() -> tuple[Any, str]:
        if external:
            name = f"own_{uuid.uuid4().hex[:10]}"
            await create_database(external, name)
            return None, with_database(external, name)
        server = await start_postgres(root / "pgdata", durable=False, databases=["callcenter"],
                                      log_path=root / "postgres.log")
        return server, server.url("callcenter")

    results = await asyncio.gather(
        start_temporal(root / "temporal", ui_port=None), pg(), return_exceptions=True
    )
    temporal, pg_result = results
    embedded = pg_result[0] if isinstance(pg_result, tuple) else None
    try:
        for r in results:
            if isinstance(r, BaseException):
                raise r
        yield temporal, pg_result[1]
    finally:
        if external and isinstance(pg_result, tuple):
            with contextlib.suppress(Exception):
                await drop_database(external, pg_result[1].rsplit("/", 1)[-1].split("?")[0])
        stops = []
        if not isinstance(temporal, BaseException):
            stops.append(temporal.astop())
        if embedded is not None:
            stops.append(embedded.astop())
        await asyncio.gather(*stops, return_exceptions=True)
