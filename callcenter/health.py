"""/health and /metrics for processes without an API of their own (the worker).

The worker's ``/metrics`` carries prometheus_client's registry and, after it, the Temporal SDK's
own metrics (``temporal_workflow_task_schedule_to_start_latency``, ``temporal_activity_…``,
``temporal_workflow_task_execution_failed``, …). The SDK serves those from an exporter of its own
(``CALLCENTER_TEMPORAL_SDK_METRICS_ADDRESS``); by default on a free loopback port that only this
``/metrics`` reads, so Prometheus keeps one target per worker and replicas never collide on a port.
"""

from __future__ import annotations

import logging
import socket

import httpx
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from callcenter.http_server import BackgroundServer

log = logging.getLogger("callcenter.health")
SDK_SCRAPE_TIMEOUT_S = 2.0


def sdk_metrics_runtime(address: str) -> tuple[Runtime | None, str | None]:
    """A Temporal Runtime exporting the SDK's metrics on ``address`` (host:port; port 0 picks a
    free one), and the URL they are read from; (None, None) when ``address`` is empty."""
    if not address.strip():
        return None, None
    host, _, port = address.strip().rpartition(":")
    host = host or "127.0.0.1"
    if int(port) == 0:
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = str(probe.getsockname()[1])
    bind = f"{host}:{port}"
    runtime = Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=bind)))
    reach = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return runtime, f"http://{reach}:{port}/metrics"


async def serve_health(host: str, port: int, *, sdk_metrics: str | None = None) -> BackgroundServer:
    app = FastAPI(title="callcenter worker")
    client = httpx.AsyncClient(timeout=SDK_SCRAPE_TIMEOUT_S)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics")
    async def metrics() -> PlainTextResponse:
        text = generate_latest().decode()
        if sdk_metrics:
            try:
                response = await client.get(sdk_metrics)
                response.raise_for_status()
                text += response.text
            except httpx.HTTPError as exc:  # our own metrics still answer
                log.warning("Temporal SDK metrics unreadable at %s: %s", sdk_metrics, exc)
        return PlainTextResponse(text, media_type=CONTENT_TYPE_LATEST)

    server = BackgroundServer(app, host, port)
    await server.start()
    return server
