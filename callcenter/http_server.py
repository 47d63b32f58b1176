"""Run a FastAPI app inside an existing asyncio loop (the edge and worker keep one loop each)."""

from __future__ import annotations

import asyncio
import contextlib

import uvicorn
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest


class BackgroundServer:
    def __init__(self, app: FastAPI, host: str, port: int) -> None:
        # log_config=None: uvicorn keeps the process's logging (one format, callcenter.logging_setup).
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on", log_config=None)
        self._server = uvicorn.Server(config)
        self._server.install_signal_handlers = lambda: None  # the process owns its signals
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises the bind error, e.g. port already in use
                raise RuntimeError("HTTP server stopped during start-up")
            await asyncio.sleep(0.02)

    @property
    def port(self) -> int:
        sockets = self._server.servers[0].sockets
        return sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def metrics_response() -> PlainTextResponse:
    return PlainTextResponse(generate_latest().decode(), media_type=CONTENT_TYPE_LATEST)
