"""The store, worker and edge in one asyncio loop, on free ports: for tests and benchmarks.

Temporal and PostgreSQL stay real servers (started by the caller); everything here talks to
them over real sockets, exactly as the separate processes of the dev stack do.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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
    suffix = uuid.uuid4().hex[:8]
    async with running_store(database_url, **(store_faults or {})) as store_url:
        base = Settings(
            temporal_address=temporal_address,
            calls_task_queue=f"calls-{suffix}",
            edge_id=f"test-{suffix}",
            store_url=store_url,
            edge_http_port=0,
            audiosocket_port=0,
            DATABASE_URL=database_url,
            **settings_overrides,
        )
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
