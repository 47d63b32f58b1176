"""The media edge process: AudioSocket server, call sessions, the edge's Temporal worker, HTTP API."""

from __future__ import annotations

import asyncio
import gc
import logging
from dataclasses import dataclass

from temporalio.worker import Worker

from activities.agent_step import AgentStepActivities
from activities.metrics import init_agent_metrics
from activities.store_client import StoreClient
from activities.tools import ReadPolicy
from callcenter.http_server import BackgroundServer
from callcenter.settings import Settings
from callcenter.signals import stop_event_on_signals
from media_edge import metrics
from media_edge.api import create_edge_api
from media_edge.ops.api import OpsBackend, mount_ops
from media_edge.audiosocket.pacer import PacerPriority, shared_pacer
from media_edge.audiosocket.server import AudioSocketConnection, serve_audiosocket
from activities.brain.factory import make_brains
from media_edge.engines import make_stt, make_tts
from media_edge.phrases import PHRASES
from media_edge.overflow import hand_over_when_full
from media_edge.registry import CallRegistry
from media_edge.session import CallSession, EdgeContext
from media_edge.stt.simulated_stt import SimulatedRecognizer
from media_edge.tts.phrase_cache import PhraseCache
from temporal.client import connect_from

log = logging.getLogger("media_edge")


@dataclass
class RunningEdge:
    ctx: EdgeContext
    audiosocket_port: int
    http_port: int
    _audiosocket: asyncio.Server
    _http: BackgroundServer
    _worker: Worker
    _worker_task: asyncio.Task
    _store: StoreClient
    _ops: OpsBackend | None = None

    async def stop(self) -> None:
        self._audiosocket.close()
        for session in list(self.ctx.registry.sessions.values()):
            await session.conn.close()
        await self._audiosocket.wait_closed()
        await self._worker.shutdown()
        await asyncio.gather(self._worker_task, return_exceptions=True)
        await self._http.stop()
        await self._store.aclose()
        if self._ops is not None:
            await self._ops.aclose()


async def start_edge(settings: Settings) -> RunningEdge:
    """Start everything the edge needs; ports of 0 pick free ones (tests)."""
    registry = CallRegistry()
    ready = False
    metrics.init_edge_metrics()  # labelled series at zero, so increase() sees each first event
    init_agent_metrics()
    stt = make_stt(settings)
    expect = stt.expect if isinstance(stt, SimulatedRecognizer) else None
    ops = OpsBackend(settings, registry)  # the ops API and page under /ops (media_edge/ops/)
    http = BackgroundServer(
        mount_ops(create_edge_api(settings, registry, expect_utterance=expect, is_ready=lambda: ready), ops),
        settings.edge_host,
        settings.edge_http_port,
    )
    await http.start()
    tts = make_tts(settings)
    await tts.warm_up()
    phrases = PhraseCache(tts, PHRASES)
    await phrases.load(rates=(8000, 16000))  # no resampling on the first call at either rate
    temporal = await connect_from(settings)
    ops.temporal = temporal
    ctx = EdgeContext(settings=settings, temporal=temporal, registry=registry, tts=tts, phrases=phrases, stt=stt)

    store = StoreClient(settings.store_url, timeout_s=settings.store_timeout_s)
    steps = AgentStepActivities(
        make_brains(settings), store, sinks=registry.sink_for, reads=ReadPolicy.from_settings(settings)
    )
    worker = Worker(temporal, task_queue=settings.edge_task_queue, activities=[steps.agent_step])
    worker_task = asyncio.create_task(worker.run(), name="edge-worker")

    async def handle(conn: AudioSocketConnection) -> None:
        if len(registry.sessions) >= settings.edge_max_calls:
            await hand_over_when_full(conn, ctx)
            return
        await CallSession(conn, ctx).run()

    pacer = shared_pacer(PacerPriority(settings.playout_priority)) if settings.playout_thread else None
    server = await serve_audiosocket(settings.edge_host, settings.audiosocket_port, handle, pacer=pacer)
    audiosocket_port = server.sockets[0].getsockname()[1]
    ready = True
    log.info(
        "edge %s: AudioSocket on %s:%d, HTTP on :%d, agent steps on queue %r",
        settings.edge_id, settings.edge_host, audiosocket_port, http.port, settings.edge_task_queue,
    )
    return RunningEdge(ctx, audiosocket_port, http.port, server, http, worker, worker_task, store, ops)


def freeze_startup_heap() -> None:
    """Take what start-up left alive (modules, the phrase cache, the SDKs' tables) out of the
    cycle collector's reach: its full passes then scan only what the calls create. Those passes
    stopped the event loop, and so every call's audio, for about 100 ms each at 200 calls
    (docs/performance.md). Once per process, after ``start_edge``."""
    gc.collect()
    gc.freeze()


def main(settings: Settings) -> None:
    async def _main() -> None:
        stop = stop_event_on_signals()
        edge = await start_edge(settings)
        freeze_startup_heap()
        await stop.wait()
        await edge.stop()

    metrics.ACTIVE_CALLS.set(0)
    asyncio.run(_main())
