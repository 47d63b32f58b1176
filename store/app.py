"""The reference Store API (FastAPI): the shop's backend as the agent sees it in dev and tests.

Endpoints:
  GET /health                                  → {"status": "ok", "tires": N}
  GET /v1/tires?width=&profile=&rim=&season=…  → TireSearchResult (cheapest first by default)
  GET /v1/tires/{sku}                          → Tire, or 404
  GET /v1/tires/{sku}/availability?city=Львів  → Availability, or 404
  GET /v1/vehicles/fitment?make=&model=&year=  → list[VehicleFitment]

Every error is JSON ``{"error": code, "detail": sentence}``. Fault injection (latency, HTTP 500s,
hangs past the client's timeout) applies to ``/v1/*`` only, so health checks stay truthful
while the agent's error paths get exercised.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import uvicorn
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from store import db
from store.api_models import (
    Availability,
    Health,
    Tire,
    TireQuery,
    TireSearchResult,
    VehicleFitment,
    WarehouseStock,
)
from store.catalogue import DEFAULT_SEED, delivery_days, normalize_city
from store.migrate import migrate

log = logging.getLogger(__name__)

ENV_PREFIX = "CALLCENTER_STORE_"


@dataclass(frozen=True)
class FaultConfig:
    """What goes wrong on purpose. Rates are probabilities per /v1 request (0..1)."""

    latency_ms: int = 0
    error_rate: float = 0.0  # → HTTP 500 with a JSON body
    timeout_rate: float = 0.0  # → no answer for hang_s (far past any live-call timeout)
    hang_s: float = 30.0
    seed: int = 0

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> FaultConfig:
        def get(name: str, default: str) -> str:
            return env.get(ENV_PREFIX + name, default)

        return cls(
            latency_ms=int(get("LATENCY_MS", "0")),
            error_rate=float(get("ERROR_RATE", "0")),
            timeout_rate=float(get("TIMEOUT_RATE", "0")),
            hang_s=float(get("HANG_S", "30")),
            seed=int(get("FAULT_SEED", "0")),
        )

    @property
    def active(self) -> bool:
        return bool(self.latency_ms or self.error_rate or self.timeout_rate)


class FaultInjector:
    """Pure ASGI middleware (no response buffering), seeded so test runs are repeatable."""

    def __init__(self, app: ASGIApp, config: FaultConfig) -> None:
        self.app = app
        self.config = config
        self.rng = random.Random(config.seed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        cfg = self.config
        if cfg.latency_ms > 0:
            await asyncio.sleep(cfg.latency_ms / 1000)
        roll = self.rng.random()
        if roll < cfg.timeout_rate:
            if await _wait_for_disconnect(receive, cfg.hang_s):
                return  # the client gave up, as intended; nobody to answer
            await _send_json(send, 504, {"error": "injected_timeout", "detail": "injected hang"})
        elif roll < cfg.timeout_rate + cfg.error_rate:
            await _send_json(
                send, 500, {"error": "injected_fault", "detail": "injected internal error"}
            )
        else:
            await self.app(scope, receive, send)


async def _wait_for_disconnect(receive: Receive, limit_s: float) -> bool:
    """Hang until the client disconnects (True) or ``limit_s`` passes (False).

    Watching for the disconnect keeps the hang from outliving the request, so the server
    shuts down promptly in tests.
    """

    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    try:
        await asyncio.wait_for(disconnected(), limit_s)
        return True
    except TimeoutError:
        return False


async def _send_json(send: Send, status: int, body: dict[str, str]) -> None:
    response = JSONResponse(body, status_code=status)
    await send(
        {"type": "http.response.start", "status": status, "headers": response.raw_headers}
    )
    await send({"type": "http.response.body", "body": response.body})


_ERROR_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    422: "invalid_request",
}


def _validation_detail(exc: RequestValidationError) -> str:
    parts: list[str] = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body")]
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        if err.get("type") == "extra_forbidden":
            msg = "unknown parameter"
        given = err.get("input")
        if loc and isinstance(given, str | int | float) and err.get("type") != "missing":
            msg += f" (got {given!r})"
        parts.append(f"{'.'.join(loc)}: {msg}" if loc else msg)
    return "; ".join(parts) or "invalid request"


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            {"error": "invalid_request", "detail": _validation_detail(exc)}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _ERROR_CODES.get(exc.status_code, "error")
        return JSONResponse({"error": code, "detail": str(exc.detail)}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("store request failed: %s %s", request.method, request.url.path)
        return JSONResponse(
            {"error": "internal_error", "detail": "the store failed to answer"}, status_code=500
        )


def _availability(sku: str, stock: list[tuple[str, str, int]], city: str | None) -> Availability:
    customer_city: str | None = None
    if city and city.strip():
        # Unknown towns keep the caller's spelling; delivery_days() gives them the default.
        customer_city = normalize_city(city) or city.strip()
    warehouses = [
        WarehouseStock(
            warehouse_id=wh_id,
            city=wh_city,
            quantity=qty,
            delivery_days=delivery_days(wh_city, customer_city),
            pickup=customer_city == wh_city,
        )
        for wh_id, wh_city, qty in stock
    ]
    # The customer's own city first, then the fastest, then the fullest.
    warehouses.sort(key=lambda w: (not w.pickup, w.delivery_days or 0, -w.quantity))
    stocked = [w for w in warehouses if w.quantity > 0]
    total = sum(w.quantity for w in warehouses)
    days = [w.delivery_days for w in stocked if w.delivery_days is not None]
    return Availability(
        sku=sku,
        total_quantity=total,
        warehouses=warehouses,
        city=customer_city,
        delivery_days=min(days) if days else None,
        pickup_available=any(w.pickup for w in stocked),
        in_stock=total > 0,
    )


def create_app(
    database_url: str,
    *,
    latency_ms: int | None = None,
    error_rate: float | None = None,
    timeout_rate: float | None = None,
    hang_s: float | None = None,
    fault_seed: int | None = None,
    catalogue_seed: int = DEFAULT_SEED,
) -> FastAPI:
    """The Store API over ``database_url``; fault options left as None come from the env."""
    env = FaultConfig.from_env()
    faults = FaultConfig(
        latency_ms=env.latency_ms if latency_ms is None else latency_ms,
        error_rate=env.error_rate if error_rate is None else error_rate,
        timeout_rate=env.timeout_rate if timeout_rate is None else timeout_rate,
        hang_s=env.hang_s if hang_s is None else hang_s,
        seed=env.seed if fault_seed is None else fault_seed,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await db.create_pool(database_url)
        try:
            await migrate(pool)
            inserted = await db.seed_catalogue(pool, catalogue_seed)
            if inserted:
                log.info("store catalogue seeded: %d tires", inserted)
            if faults.active:
                log.warning("store fault injection on: %s", faults)
            app.state.pool = pool
            yield
        finally:
            await pool.close()

    app = FastAPI(title="Tire shop Store API (reference)", version="1", lifespan=lifespan)
    app.add_middleware(FaultInjector, config=faults)
    _install_error_handlers(app)

    @app.get("/health", response_model=Health)
    async def health(request: Request) -> Health:
        return Health(status="ok", tires=await db.count_tires(request.app.state.pool))

    @app.get("/v1/tires", response_model=TireSearchResult)
    async def search_tires(
        request: Request, q: Annotated[TireQuery, Query()]
    ) -> TireSearchResult:
        return await db.search_tires(request.app.state.pool, q)

    @app.get("/v1/tires/{sku}", response_model=Tire)
    async def get_tire(request: Request, sku: str) -> Tire:
        tire = await db.get_tire(request.app.state.pool, sku)
        if tire is None:
            raise HTTPException(404, f"no tire with SKU {sku!r}")
        return tire

    @app.get("/v1/tires/{sku}/availability", response_model=Availability)
    async def availability(
        request: Request,
        sku: str,
        city: Annotated[str | None, Query(max_length=100)] = None,
    ) -> Availability:
        stock = await db.get_stock(request.app.state.pool, sku)
        if stock is None:
            raise HTTPException(404, f"no tire with SKU {sku!r}")
        return _availability(sku, stock, city)

    @app.get("/v1/vehicles/fitment", response_model=list[VehicleFitment])
    async def fitment(
        request: Request,
        make: Annotated[str, Query(min_length=1, max_length=100)],
        model: Annotated[str | None, Query(max_length=100)] = None,
        year: Annotated[int | None, Query(ge=1950, le=2100)] = None,
    ) -> list[VehicleFitment]:
        return await db.find_fitment(request.app.state.pool, make, model, year)

    return app


def main(
    host: str = "127.0.0.1",
    port: int = 8081,
    database_url: str | None = None,
    **fault_options: Any,
) -> None:
    """Serve the store with uvicorn (``callcenter store``); fault options as in create_app."""
    if database_url is None:
        from callcenter.settings import get_settings

        database_url = get_settings().store_database_url
    app = create_app(database_url, **fault_options)
    uvicorn.run(app, host=host, port=port, log_level="info", timeout_graceful_shutdown=5)
