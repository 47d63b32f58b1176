"""The ToolRunner against the reference store over HTTP: read tools try again within their budget.

The store is the real app on a socket (PostgreSQL from the session's ``database_url``). `Flaky`,
in front of it, answers 500 or hangs for the first N requests, as a store having a bad moment does;
the store's own fault injection (`timeout_rate`) makes one that never answers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from prometheus_client import REGISTRY

from activities.store_client import StoreClient
from activities.tools import ReadPolicy, ToolError, ToolRunner
from callcenter.devstack.inprocess import running_store
from callcenter.http_server import BackgroundServer
from store.api_models import TireQuery
from store.app import create_app
from store.catalogue import known_skus

KNOWN = known_skus()
CALLER = "+380501234567"  # the demo data's customer with orders 100001 and 100002
WINTER_205_55_R16 = {"width": 205, "profile": 55, "rim": 16, "season": "winter"}


class Flaky:
    """ASGI middleware before the store: its first ``failures`` /v1 requests get a 500, or with
    ``hang`` no answer until the client gives up; later ones reach the store. Counts /v1 requests."""

    def __init__(self, app: Any, failures: int, *, hang: bool = False) -> None:
        self.app = app
        self.failures = failures
        self.hang = hang
        self.requests = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)  # lifespan and /health pass
            return
        self.requests += 1
        if self.requests > self.failures:
            await self.app(scope, receive, send)
        elif self.hang:
            while (await receive())["type"] != "http.disconnect":
                pass
        else:
            body = b'{"error": "internal_error", "detail": "a bad moment"}'
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 500, "headers": headers})
            await send({"type": "http.response.body", "body": body})


@asynccontextmanager
async def flaky_store(database_url: str, failures: int, *, hang: bool = False) -> AsyncIterator[tuple[str, Flaky]]:
    flaky = Flaky(create_app(database_url, latency_ms=0, error_rate=0, timeout_rate=0, after_commit_rate=0),
                  failures, hang=hang)
    server = BackgroundServer(flaky, "127.0.0.1", 0)  # type: ignore[arg-type] - any ASGI app serves
    await server.start()
    try:
        yield f"http://127.0.0.1:{server.port}", flaky
    finally:
        await server.stop()


def retries(tool: str) -> float:
    return REGISTRY.get_sample_value("callcenter_tool_retries_total", {"tool": tool}) or 0.0


async def test_a_search_that_fails_twice_with_500_then_succeeds_returns_the_tires(database_url: str) -> None:
    before = retries("search_tires")
    async with flaky_store(database_url, failures=2) as (url, flaky), StoreClient(url) as store:
        runner = ToolRunner(store)
        found = await runner.call("search_tires", WINTER_205_55_R16)
        truth = await store.search_tires(TireQuery(**WINTER_205_55_R16, limit=3))

    assert found["items"] and [i["sku"] for i in found["items"]] == [t.sku for t in truth.items]
    call = runner.calls[0]
    assert (call.attempts, call.error, call.result) == (3, None, found)
    assert flaky.requests == 4  # three tries, then the check above
    assert retries("search_tires") - before == 2
    assert call.duration_ms >= 200, "a short pause after each fast failure"


async def test_a_retried_order_status_logs_the_tool_but_not_the_phone(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with flaky_store(database_url, failures=1) as (url, _), StoreClient(url) as store:
        runner = ToolRunner(store, caller_number=CALLER)
        with caplog.at_level(logging.WARNING, logger="callcenter.tools"):
            status = await runner.call("get_order_status", {})

    assert status["found"] and status["orders"], "the demo customer has orders (other tests may add theirs)"
    assert runner.calls[0].attempts == 2
    warnings = [r.getMessage() for r in caplog.records if r.name == "callcenter.tools"]
    assert len(warnings) == 1 and "get_order_status" in warnings[0] and "server_error" in warnings[0]
    assert "380" not in caplog.text and "1234567" not in caplog.text


async def test_a_read_that_hangs_gets_a_twin_after_the_hedge_delay_not_the_timeout(database_url: str) -> None:
    async with flaky_store(database_url, failures=1, hang=True) as (url, flaky), StoreClient(url) as store:
        runner = ToolRunner(store)  # the client's 2 s timeout; a twin after 0.5 s
        started = time.monotonic()
        slots = await runner.call("fitting_slots", {"city": "Київ"})
        elapsed = time.monotonic() - started
        requests = flaky.requests

    assert slots["slots"], "the demo centres in Kyiv have free slots"
    assert runner.calls[0].attempts == 2 and requests == 2
    assert 0.5 <= elapsed < 1.2, "the twin answered: nobody waited for the hung try's 2 s timeout"


async def test_a_read_that_always_hangs_fails_after_about_the_budget(database_url: str) -> None:
    budget = 1.3  # tries started at 0, 0.5 and 1.0 s (each the twin of the one before), 0.5 s each
    async with running_store(database_url, timeout_rate=1.0) as url, StoreClient(url, timeout_s=0.5) as store:
        runner = ToolRunner(store, reads=ReadPolicy(budget_s=budget))
        started = time.monotonic()
        with pytest.raises(ToolError, match="timeout"):
            await runner.call("check_availability", {"sku": KNOWN.michelin_winter_205_55_r16, "city": "Київ"})
        elapsed = time.monotonic() - started

    assert budget - 0.1 <= elapsed < budget + 0.5
    call = runner.calls[0]
    assert call.attempts == 3 and call.result is None and "timeout" in (call.error or "")


async def test_a_store_that_is_down_gets_a_few_tries_not_a_storm(database_url: str) -> None:
    async with running_store(database_url, error_rate=1.0) as url, StoreClient(url) as store:
        runner = ToolRunner(store, reads=ReadPolicy(budget_s=1.0))
        started = time.monotonic()
        with pytest.raises(ToolError, match="server_error"):
            await runner.call("vehicle_fitment", {"make": "Skoda", "model": "Octavia"})
        elapsed = time.monotonic() - started

    # Pauses of 0.1, 0.2, 0.4 s; the next one would leave too little of the budget for a try.
    assert 3 <= runner.calls[0].attempts <= 5
    assert elapsed < 1.0 + 0.5


async def test_a_4xx_is_the_stores_answer_and_is_not_retried(database_url: str) -> None:
    before = retries("check_availability")
    async with flaky_store(database_url, failures=0) as (url, flaky), StoreClient(url) as store:
        runner = ToolRunner(store)
        with pytest.raises(ToolError, match="not_found"):
            await runner.call("check_availability", {"sku": "NO-SUCH-SKU"})

    assert runner.calls[0].attempts == 1
    assert flaky.requests == 1
    assert retries("check_availability") == before


async def _orders_of_caller(database_url: str) -> int:
    async with running_store(database_url, latency_ms=0, error_rate=0, timeout_rate=0, after_commit_rate=0) as url, \
            StoreClient(url) as store:
        return len(await store.orders_by_phone(CALLER, limit=50))


async def test_the_checks_before_a_read_back_are_retried_and_nothing_is_written(database_url: str) -> None:
    orders_before = await _orders_of_caller(database_url)
    async with flaky_store(database_url, failures=2) as (url, flaky), StoreClient(url) as store:
        runner = ToolRunner(store, caller_number=CALLER)
        result = await runner.call("create_order", {  # its quote_order gets the two 500s
            "items": [{"sku": KNOWN.michelin_winter_205_55_r16, "quantity": 4}],
            "delivery_method": "nova_poshta", "city": "Київ", "branch": "25",
        })

    assert result["status"] == "awaiting_caller_confirmation" and result["quote"]["available"]
    assert runner.calls[0].attempts == 3 and flaky.requests == 3
    assert runner.pending_action is not None and runner.pending_action.name == "create_order"
    assert await _orders_of_caller(database_url) == orders_before, "the order is the workflow's to place"


async def test_a_models_spoken_arguments_reach_the_store_canonical(database_url: str) -> None:
    """"Туксон", "205/55r16", "067 123 45 67", "у Львові" from Claude go through the same normalisers
    as the rules brain's slots, so the store answers them as it answers canonical arguments."""
    async with flaky_store(database_url, failures=0) as (url, _), StoreClient(url) as store:
        runner = ToolRunner(store)
        fitment = await runner.call("vehicle_fitment", {"make": "хюндай", "model": "Туксон", "year": "2021"})
        found = await runner.call("search_tires", {"width": "205/55r16", "season": "зимові", "brand": "мішлен"})
        status = await runner.call("get_order_status", {"phone": "050 123 45 67"})
    assert runner.calls[0].arguments == {"make": "Hyundai", "model": "Tucson", "year": 2021}
    assert fitment["sizes"]
    assert runner.calls[1].arguments == {"width": 205, "profile": 55, "rim": 16, "season": "winter", "brand": "Michelin"}
    assert found["items"] and all(item["brand"] == "Michelin" for item in found["items"])
    assert runner.calls[2].arguments == {"phone": CALLER}
    assert status["orders"]
