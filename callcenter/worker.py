"""The worker process (queue "calls"): call workflows and the activities that outlive a call.

Agent steps do not run here: they run on each edge's own queue, next to the call's audio.
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg
from temporalio.worker import Worker

from activities.call_records import MIGRATIONS, CallRecordActivities
from callcenter.health import serve_health
from callcenter.migrations import apply_migrations
from callcenter.settings import Settings
from callcenter.signals import stop_event_on_signals
from temporal.client import connect
from workflows.call_workflow import CallWorkflow

log = logging.getLogger("callcenter.worker")


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    stop = stop or asyncio.Event()
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=5)
    try:
        async with pool.acquire() as conn:
            await apply_migrations(conn, MIGRATIONS, component="callcenter")
        client = await connect(settings.temporal_address, settings.temporal_namespace)
        records = CallRecordActivities(pool)
        worker = Worker(
            client,
            task_queue=settings.calls_task_queue,
            workflows=[CallWorkflow],
            activities=[records.save_call_record],
        )
        health = await serve_health(settings.edge_host, settings.worker_metrics_port)
        log.info("worker on queue %r, health on :%d", settings.calls_task_queue, settings.worker_metrics_port)
        async with worker:
            await stop.wait()
        await health.stop()
    finally:
        await pool.close()


def main(settings: Settings) -> None:
    async def _main() -> None:
        await run_worker(settings, stop_event_on_signals())

    asyncio.run(_main())
