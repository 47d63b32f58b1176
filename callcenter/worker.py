"""The worker process (queue "calls"): call workflows and everything that outlives a call.

Here run the call workflow, the fulfilment of confirmed orders and bookings (store writes,
SMS, back-office tasks) and the call records. Agent steps do not run here: they run on each
edge's own queue, next to the call's audio.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import asyncpg
from temporalio.client import Client
from temporalio.worker import Worker

from activities.call_records import MIGRATIONS, CallRecordActivities
from activities.fulfilment import FulfilmentActivities
from activities.metrics import init_worker_metrics
from activities.sms import HttpGateway, OutboxGateway, SmsActivities, SmsGateway
from activities.store_client import StoreClient
from callcenter.health import sdk_metrics_runtime, serve_health
from callcenter.migrations import apply_migrations
from callcenter.settings import Settings, SmsEngine
from callcenter.signals import stop_event_on_signals
from temporal.client import connect_from
from workflows.call_workflow import CallWorkflow
from workflows.fulfilment_workflow import FulfilmentWorkflow

STICKY_TIMEOUT = timedelta(seconds=2)

log = logging.getLogger("callcenter.worker")


def make_sms_gateway(settings: Settings) -> SmsGateway:
    if settings.sms_engine == SmsEngine.HTTP:
        if not settings.sms_http_url or settings.sms_http_token is None:
            raise ValueError("sms_engine=http needs CALLCENTER_SMS_HTTP_URL and CALLCENTER_SMS_HTTP_TOKEN")
        return HttpGateway(settings.sms_http_url, settings.sms_http_token.get_secret_value(), settings.sms_sender)
    return OutboxGateway()


@asynccontextmanager
async def calls_worker(client: Client, settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    """The running worker on ``settings.calls_task_queue``; yields the call records' pool."""
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=5)
    store = StoreClient(
        settings.store_url, timeout_s=settings.store_timeout_s, write_timeout_s=settings.store_write_timeout_s
    )
    try:
        async with pool.acquire() as conn:
            await apply_migrations(conn, MIGRATIONS, component="callcenter")
        records = CallRecordActivities(pool)
        fulfilment = FulfilmentActivities(store, pool)
        sms = SmsActivities(pool, make_sms_gateway(settings))
        init_worker_metrics()  # labelled series at zero, so increase() sees each first event
        async with Worker(
            client,
            task_queue=settings.calls_task_queue,
            workflows=[CallWorkflow, FulfilmentWorkflow],
            # A call's next workflow task goes to the worker that has its state cached (sticky).
            # If that worker died, Temporal waits this long before giving the task to another:
            # the SDK's 10 s would leave a caller mid-turn past the edge's 12 s limit.
            sticky_queue_schedule_to_start_timeout=STICKY_TIMEOUT,
            activities=[
                records.save_call_record,
                fulfilment.create_order,
                fulfilment.book_fitting,
                fulfilment.open_ops_task,
                fulfilment.note_fulfilment,
                sms.send_sms,
            ],
        ):
            yield pool
    finally:
        await store.aclose()
        await pool.close()


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    stop = stop or asyncio.Event()
    # The SDK's metrics need a Runtime of their own, made before the client connects.
    runtime, sdk_metrics = sdk_metrics_runtime(settings.temporal_sdk_metrics_address)
    client = await connect_from(settings, runtime)
    async with calls_worker(client, settings):
        health = await serve_health(settings.edge_host, settings.worker_metrics_port, sdk_metrics=sdk_metrics)
        log.info("worker on queue %r, health on :%d", settings.calls_task_queue, settings.worker_metrics_port)
        await stop.wait()
        await health.stop()


def main(settings: Settings) -> None:
    async def _main() -> None:
        await run_worker(settings, stop_event_on_signals())

    asyncio.run(_main())
