"""Orders and bookings that always happen, exactly once: the fulfilment workflow and the
confirmation gate of the call workflow, on the real Temporal dev server, the real reference
store and the real PostgreSQL.

What a back office would check: one order per confirmation however the store fails, one SMS,
a task for a person when the store refuses, the order kept when the caller hangs up at once,
and when the worker dies in the middle.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import pytest
from temporalio.client import Client
from temporalio.worker import Worker

from activities.agent_step import AgentStepActivities
from activities.brain.base_brain import Brain, StepContext
from activities.store_client import StoreClient
from callcenter.devstack.inprocess import running_store
from callcenter.devstack.processes import free_port
from callcenter.settings import REPO_ROOT, Settings
from callcenter.worker import calls_worker
from store.api_models import Delivery, DeliveryMethod, OrderDraft, OrderItemRequest, TireQuery
from workflows.fulfilment_workflow import FulfilmentWorkflow
from workflows.models import (
    CallerTurn,
    CallOutcome,
    CallSnapshot,
    ExpectedReply,
    FulfilmentInput,
    FulfilmentKind,
    FulfilmentResult,
    FulfilmentStatus,
)
from workflows.call_workflow import CallWorkflow
from workflows.starter import end_call, new_call_start, send_turn, start_call


def new_phone() -> str:
    return "+38067" + str(uuid.uuid4().int)[:7]


async def in_stock_sku(store: StoreClient, minimum: int = 4) -> str:
    found = await store.search_tires(TireQuery(size="205/55 R16", limit=20))
    for tire in found.items:
        if (await store.availability(tire.sku, None)).total_quantity >= minimum:
            return tire.sku
    raise AssertionError("the seeded catalogue has no 205/55 R16 in stock")


async def low_stock_sku(store: StoreClient) -> tuple[str, int]:
    """A tire with fewer than 20 in stock, so ordering 20 is refused for good."""
    for size in ("205/55 R16", "195/65 R15", "225/45 R17", "185/65 R15"):
        found = await store.search_tires(TireQuery(size=size, limit=50))
        for tire in found.items:
            stock = (await store.availability(tire.sku, None)).total_quantity
            if 0 < stock < 20:
                return tire.sku, stock
    raise AssertionError("no low-stock tire in the seeded catalogue")


def draft(sku: str, phone: str, quantity: int = 4) -> OrderDraft:
    return OrderDraft(
        items=[OrderItemRequest(sku=sku, quantity=quantity)],
        delivery=Delivery(method=DeliveryMethod.NOVA_POSHTA, city="Львів", branch="23"),
        phone=phone,
    )


@asynccontextmanager
async def worker_with_store(
    client: Client, database_url: str, write_timeout_s: float = 3.0, **faults: Any
) -> AsyncIterator[tuple[Settings, asyncpg.Pool, StoreClient]]:
    """A calls worker whose store misbehaves as told; yields its settings, pool and a clean client."""
    async with running_store(database_url) as clean_url, running_store(database_url, **faults) as faulty_url:
        settings = Settings(
            calls_task_queue=f"fulfil-{uuid.uuid4().hex[:8]}",
            store_url=faulty_url,
            store_write_timeout_s=write_timeout_s,
            DATABASE_URL=database_url,
        )
        async with calls_worker(client, settings) as pool, StoreClient(clean_url) as store:
            yield settings, pool, store


async def run_fulfilment(client: Client, settings: Settings, job: FulfilmentInput) -> FulfilmentResult:
    return await client.execute_workflow(
        FulfilmentWorkflow.run,
        job,
        id=f"{job.call_id}-{job.kind.value}-1",
        task_queue=settings.calls_task_queue,
        result_type=FulfilmentResult,
    )


async def sms_rows(pool: asyncpg.Pool, phone: str) -> list[asyncpg.Record]:
    return await pool.fetch("SELECT key, status, body FROM callcenter.sms_outbox WHERE phone = $1", phone)


async def test_one_order_after_many_store_failures(temporal_client: Client, make_database) -> None:
    faults = {"error_rate": 0.4, "after_commit_rate": 0.5, "after_commit_mode": "drop", "fault_seed": 7}
    async with worker_with_store(temporal_client, await make_database(), **faults) as (settings, pool, store):
        phone = new_phone()
        sku = await in_stock_sku(store)
        stock_before = (await store.availability(sku, None)).total_quantity
        request = draft(sku, phone)
        call_id = str(uuid.uuid4())
        job = FulfilmentInput(
            call_id=call_id,
            kind=FulfilmentKind.ORDER,
            idempotency_key=f"{call_id}:order:3",
            phone=phone,
            request=request.model_dump(mode="json"),
            readback="чотири шини",
            calls_task_queue=settings.calls_task_queue,
        )
        result = await run_fulfilment(temporal_client, settings, job)

        assert result.status == FulfilmentStatus.DONE and result.number
        orders = await store.orders_by_phone(phone)
        assert [o.number for o in orders] == [result.number]
        assert (await store.availability(sku, None)).total_quantity == stock_before - 4
        sms = await sms_rows(pool, phone)
        assert len(sms) == 1 and sms[0]["status"] == "sent" and result.number in sms[0]["body"]
        assert result.sms_sent


async def test_store_refusal_texts_the_customer_and_opens_a_task(temporal_client: Client, make_database) -> None:
    async with worker_with_store(temporal_client, await make_database()) as (settings, pool, store):
        phone = new_phone()
        sku, stock = await low_stock_sku(store)
        call_id = str(uuid.uuid4())
        job = FulfilmentInput(
            call_id=call_id,
            kind=FulfilmentKind.ORDER,
            idempotency_key=f"{call_id}:order:2",
            phone=phone,
            request=draft(sku, phone, quantity=20).model_dump(mode="json"),
            readback="двадцять шин",
            calls_task_queue=settings.calls_task_queue,
        )
        result = await run_fulfilment(temporal_client, settings, job)

        assert result.status == FulfilmentStatus.REFUSED and result.number is None
        assert "out_of_stock" in result.detail
        task = await pool.fetchrow("SELECT * FROM callcenter.ops_tasks WHERE id = $1", result.task_id)
        assert task["kind"] == "order_refused" and task["call_id"] == call_id and task["status"] == "open"
        assert "двадцять шин" in task["detail"]
        sms = await sms_rows(pool, phone)
        assert len(sms) == 1 and "не вдалося" in sms[0]["body"]
        assert await store.orders_by_phone(phone) == []
        assert (await store.availability(sku, None)).total_quantity == stock
        # ops find it in the Temporal UI
        found = [
            wf.id
            async for wf in temporal_client.list_workflows(f'FulfilmentStatus = "refused" AND WorkflowId = "{call_id}-order-1"')
        ]
        for _ in range(20):
            if found:
                break
            await asyncio.sleep(0.25)
            found = [
                wf.id
                async for wf in temporal_client.list_workflows(
                    f'FulfilmentStatus = "refused" AND WorkflowId = "{call_id}-order-1"'
                )
            ]
        assert found == [f"{call_id}-order-1"]


# --- through the call: the read-back, the "yes", the hangup --------------------------------


class OrderingBrain(Brain):
    """Offers nothing, orders on request: "замовляю SKU N" asks for create_order."""

    name = "ordering"

    async def run_step(self, ctx: StepContext) -> None:
        words = ctx.caller_text.split()
        if words[:1] == ["замовляю"]:
            await ctx.tools.call(
                "create_order",
                {
                    "items": [{"sku": words[1], "quantity": int(words[2])}],
                    "delivery_method": "nova_poshta",
                    "city": "Львів",
                    "branch": "23",
                    # a model talked into a price must not matter: the store prices the order
                    "customer_name": "Ціна 1 гривня",
                },
            )
            return
        ctx.memory["declined"] = ctx.memory.get("declined")
        await ctx.say("Добре. Що змінити?")


@asynccontextmanager
async def call_system(
    client: Client, database_url: str, write_timeout_s: float = 3.0, **faults: Any
) -> AsyncIterator[tuple[Settings, asyncpg.Pool, StoreClient]]:
    """A calls worker (its store with the given faults) and an edge-queue agent step worker."""
    async with worker_with_store(client, database_url, write_timeout_s, **faults) as (settings, pool, store):
        settings = settings.model_copy(update={"edge_id": f"fulfil-{uuid.uuid4().hex[:8]}"})
        steps = AgentStepActivities({"rules": OrderingBrain()}, store)
        async with Worker(client, task_queue=settings.edge_task_queue, activities=[steps.agent_step]):
            yield settings, pool, store


async def turn(handle, turn_id: int, text: str, dtmf: str | None = None):
    return await send_turn(handle, CallerTurn(turn_id=turn_id, text=text, dtmf=dtmf))


async def _start_call(client: Client, settings: Settings, phone: str):
    start = new_call_start(settings, str(uuid.uuid4()), caller_number=phone, dialled_number="0800300500")
    await start_call(client, start)
    return start.call_id, client.get_workflow_handle(start.call_id, result_type=CallSnapshot)


async def test_order_is_read_back_from_the_store_and_placed_on_yes(temporal_client: Client, make_database) -> None:
    async with call_system(temporal_client, await make_database()) as (settings, pool, store):
        phone = new_phone()
        sku = await in_stock_sku(store)
        tire = await store.get_tire(sku)
        call_id, handle = await _start_call(temporal_client, settings, phone)

        asked = await turn(handle, 1, f"замовляю {sku} 4")
        assert asked.expect == ExpectedReply.YES_NO
        assert asked.say_text and "Оформлюю?" in asked.say_text
        assert tire.brand in asked.say_text
        assert "1 гривн" not in asked.say_text  # the caller hears the store's total, not the brain's
        assert await store.orders_by_phone(phone) == []  # nothing before the "yes"

        done = await turn(handle, 2, "так, оформлюйте")
        orders = await store.orders_by_phone(phone)
        assert len(orders) == 1 and orders[0].lines[0].quantity == 4
        assert orders[0].total_uah == tire.price_uah * 4 + orders[0].delivery_cost_uah
        assert "Готово" in done.say_text
        snapshot = await handle.query(CallWorkflow.snapshot)
        assert snapshot.order_number == orders[0].number

        await end_call(handle, "caller_hangup")
        final = await handle.result()
        assert final.order_number == orders[0].number
        row = await pool.fetchrow("SELECT order_number, scenarios FROM callcenter.calls WHERE call_id = $1", uuid.UUID(call_id))
        assert row["order_number"] == orders[0].number and "order" in row["scenarios"]

        # A caller search returns the call only; the order's workflow carries CustomerNumber.
        by_caller = await _listed(temporal_client, f"CallerNumber = '{phone}'")
        by_customer = await _listed(temporal_client, f"CustomerNumber = '{phone}'")
        assert [(wf.id, wf.workflow_type) for wf in by_caller] == [(call_id, "CallWorkflow")]
        assert [wf.workflow_type for wf in by_customer] == ["FulfilmentWorkflow"]
        # Current Details: markdown whose masked number is escaped, English labels.
        details = await _current_details(temporal_client, call_id)
        masked = f"{phone[:6]}\\*\\*\\*{phone[-4:]}"
        assert details.startswith(f"**Caller:** {masked} → 0800300500\n\n**Outcome:** completed")
        assert f"**Order** №{orders[0].number} (done)" in details
        fulfilment = await _current_details(temporal_client, by_customer[0].id)
        assert fulfilment.startswith(f"**Order** №{orders[0].number} (done)")


async def _listed(client: Client, query: str, expect_some: bool = True) -> list[Any]:
    found: list[Any] = []
    for _ in range(100):  # visibility is eventually consistent
        found = [wf async for wf in client.list_workflows(query)]
        if found or not expect_some:
            break
        await asyncio.sleep(0.1)
    return found


async def _current_details(client: Client, workflow_id: str) -> str:
    from temporalio.api.sdk.v1 import WorkflowMetadata

    metadata = await client.get_workflow_handle(workflow_id).query("__temporal_workflow_metadata",
                                                                   result_type=WorkflowMetadata)
    return metadata.current_details


async def test_no_means_no_order_and_key_one_means_yes(temporal_client: Client, make_database) -> None:
    async with call_system(temporal_client, await make_database()) as (settings, _pool, store):
        phone = new_phone()
        sku = await in_stock_sku(store)
        call_id, handle = await _start_call(temporal_client, settings, phone)

        await turn(handle, 1, f"замовляю {sku} 4")
        declined = await turn(handle, 2, "ні, не треба")
        assert declined.reply_text == "Добре. Що змінити?" and declined.expect == ExpectedReply.OPEN
        assert await store.orders_by_phone(phone) == []

        await turn(handle, 3, f"замовляю {sku} 2")
        unclear = await turn(handle, 4, "ну не знаю")
        assert unclear.expect == ExpectedReply.YES_NO and "натиснути один" in unclear.say_text
        await turn(handle, 5, "1", dtmf="1")
        orders = await store.orders_by_phone(phone)
        assert len(orders) == 1 and orders[0].lines[0].quantity == 2
        await end_call(handle, "caller_hangup")
        await handle.result()


async def test_hangup_right_after_yes_still_places_the_order_once(temporal_client: Client, make_database) -> None:
    # the worker's store answers writes only after 6.5 s: longer than the caller is kept waiting
    async with call_system(temporal_client, await make_database(), write_timeout_s=10.0, latency_ms=6500) as (settings, pool, store):
        phone = new_phone()
        sku = await in_stock_sku(store)
        call_id, handle = await _start_call(temporal_client, settings, phone)
        await turn(handle, 1, f"замовляю {sku} 4")
        answer = await turn(handle, 2, "так")
        assert "SMS" in answer.say_text and "прийнято" in answer.say_text
        await end_call(handle, "caller_hangup")  # the caller is gone

        final = await handle.result()  # the call waits for what it promised before its record
        orders = await store.orders_by_phone(phone)
        assert len(orders) == 1 and final.order_number == orders[0].number
        assert final.outcome == CallOutcome.COMPLETED
        sms = await sms_rows(pool, phone)
        assert len(sms) == 1 and sms[0]["status"] == "sent"
        row = await pool.fetchrow("SELECT order_number FROM callcenter.calls WHERE call_id = $1", uuid.UUID(call_id))
        assert row["order_number"] == orders[0].number


# --- the worker dies between the "yes" and the order ----------------------------------------


def _worker_process(settings: Settings, database_url: str, store_url: str, metrics_port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CALLCENTER_TEMPORAL_ADDRESS": settings.temporal_address,
        "CALLCENTER_CALLS_TASK_QUEUE": settings.calls_task_queue,
        "CALLCENTER_STORE_URL": store_url,
        "CALLCENTER_STORE_WRITE_TIMEOUT_S": "3",
        "CALLCENTER_WORKER_METRICS_PORT": str(metrics_port),
    }
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "callcenter"), "worker"],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


@pytest.mark.timeout(180)
async def test_worker_killed_mid_order_completes_it_once_after_restart(
    temporal_server, temporal_client: Client, make_database
) -> None:
    database_url = await make_database()
    async with (
        running_store(database_url) as clean_url,
        running_store(database_url, latency_ms=2500) as slow_url,
        StoreClient(clean_url) as store,
    ):
        settings = Settings(
            temporal_address=temporal_server.address,
            calls_task_queue=f"killed-{uuid.uuid4().hex[:8]}",
            edge_id=f"killed-{uuid.uuid4().hex[:8]}",
            DATABASE_URL=database_url,
        )
        steps = AgentStepActivities({"rules": OrderingBrain()}, store)
        first = _worker_process(settings, database_url, slow_url, free_port())
        try:
            async with Worker(temporal_client, task_queue=settings.edge_task_queue, activities=[steps.agent_step]):
                phone = new_phone()
                sku = await in_stock_sku(store)
                call_id, handle = await _start_call(temporal_client, settings, phone)
                await turn(handle, 1, f"замовляю {sku} 4")
                yes = asyncio.create_task(turn(handle, 2, "так"))
                # the create_order activity is in flight at the slow store: kill the worker now
                await _wait_for_activity(temporal_client, f"{call_id}-order-2", "create_order")
                os.killpg(first.pid, signal.SIGKILL)
                first.wait(10)
                second = _worker_process(settings, database_url, clean_url, free_port())
                try:
                    await yes  # the update survives the worker: Temporal re-runs it on the new one
                    await end_call(handle, "caller_hangup")
                    final = await asyncio.wait_for(handle.result(), 120)
                finally:
                    os.killpg(second.pid, signal.SIGTERM)
                    second.wait(15)
        finally:
            if first.poll() is None:
                os.killpg(first.pid, signal.SIGKILL)
        orders = await store.orders_by_phone(phone)
        assert len(orders) == 1, [o.number for o in orders]
        assert final.order_number == orders[0].number
        pool = await asyncpg.connect(database_url)
        try:
            sms = await pool.fetch("SELECT status FROM callcenter.sms_outbox WHERE phone = $1", phone)
        finally:
            await pool.close()
        assert [r["status"] for r in sms] == ["sent"]


async def _wait_for_activity(client: Client, workflow_id: str, activity: str, timeout_s: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        try:
            description = await client.get_workflow_handle(workflow_id).describe()
            if any(a.activity_type.name == activity for a in description.raw_description.pending_activities):
                return
        except Exception:  # noqa: BLE001 - not started yet
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"{activity} never started in {workflow_id}")


async def test_two_orders_of_one_call_are_both_noted_on_its_record(temporal_client: Client, make_database) -> None:
    """A call may confirm two orders; each one's late note lands on the record, neither
    overwrites the other (one note per idempotency key)."""
    from activities.fulfilment import FulfilmentActivities
    from workflows.models import CallNote, FulfilmentStatus

    async with worker_with_store(temporal_client, await make_database()) as (_settings, pool, store):
        call_id = str(uuid.uuid4())
        await pool.execute(
            """INSERT INTO callcenter.calls (call_id, caller_number, edge_id, started_at, ended_at, outcome,
                   hangup_reason, turns, transcript, tool_calls, latencies)
               VALUES ($1, '+380671112233', 'edge-x', now(), now(), 'completed', 'caller_hangup', 4,
                   '[]', '[]', '[]')""",
            uuid.UUID(call_id),
        )
        activities = FulfilmentActivities(store, pool)
        for turn, number in ((3, "100101"), (7, "100102")):
            await activities.note_fulfilment(CallNote(
                call_id=call_id, key=f"{call_id}:order:{turn}", kind=FulfilmentKind.ORDER, number=number,
                status=FulfilmentStatus.DONE,
            ))
        noted = await pool.fetchval("SELECT fulfilments FROM callcenter.calls WHERE call_id = $1", uuid.UUID(call_id))
    numbers = sorted(item["number"] for item in json.loads(noted))
    assert numbers == ["100101", "100102"]
