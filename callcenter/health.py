"""/health and /metrics for processes without an API of their own (the worker)."""

from __future__ import annotations

from fastapi import FastAPI

from callcenter.http_server import BackgroundServer, metrics_response


async def serve_health(host: str, port: int) -> BackgroundServer:
    app = FastAPI(title="callcenter worker")

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics")
    async def metrics():
        return metrics_response()

    server = BackgroundServer(app, host, port)
    await server.start()
    return server
