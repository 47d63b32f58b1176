"""Activities that carry out what a caller confirmed: the order, the fitting booking, and what
follows when the store refuses (a back-office task), plus the note on the call's record.

Each write to the store carries the idempotency key the workflow derived from the call's
workflow id and the step, so however often Temporal retries (store errors, timeouts, a worker
killed mid-request) the store creates one order. A refusal for good (sold out meanwhile, the
slot taken) is raised as a non-retryable ``StoreRefused`` error for the workflow to handle.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable

import asyncpg
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.metrics import count_booking, count_order, count_store_retry
from activities.store_client import StoreClient, StoreRejected
from store.api_models import Booking, BookingRequest, Order, OrderDraft
from workflows.masking import mask_phone
from workflows.models import CallNote, FulfilmentInput, FulfilmentKind, FulfilmentResult, FulfilmentStatus, OpsTask

log = logging.getLogger("callcenter.fulfilment")

REFUSED = "StoreRefused"


def order_summary(order: Order) -> str:
    items = ", ".join(f"{line.quantity}× {line.brand} {line.model} {line.size}" for line in order.lines)
    return f"{items}; {order.total_uah} грн"


def booking_summary(booking: Booking) -> str:
    day, _, time = booking.start.partition("T")
    return f"шиномонтаж {day} о {time[:5]}, {booking.centre_address}"


def _refused(exc: StoreRejected) -> ApplicationError:
    code = exc.error  # "not_found" for a StoreNotFound, which is a StoreRejected
    return ApplicationError(f"{code}: {exc}", code, type=REFUSED, non_retryable=True)


async def _store_write[T](
    job: FulfilmentInput,
    operation: str,
    count: Callable[[str], None],
    write: Callable[[], Awaitable[T]],
    describe: Callable[[T], tuple[str, str]],
) -> FulfilmentResult:
    """One idempotent store write: a refusal for good becomes a non-retryable error; anything
    else (store down, timeouts) propagates and Temporal retries it under the same key."""
    if activity.info().attempt > 1:
        count_store_retry(operation)
    try:
        made = await write()
    except StoreRejected as exc:
        log.warning("%s %s refused by the store: %s", operation, job.idempotency_key, exc)
        count("refused")
        raise _refused(exc) from exc
    count("created")
    number, summary = describe(made)
    log.info("%s %s done for %s (key %s)", operation, number, mask_phone(job.phone), job.idempotency_key)
    return FulfilmentResult(kind=job.kind, status=FulfilmentStatus.DONE, number=number, summary=summary)


class FulfilmentActivities:
    def __init__(self, store: StoreClient, pool: asyncpg.Pool) -> None:
        self._store = store
        self._pool = pool

    @activity.defn(name="create_order")
    async def create_order(self, job: FulfilmentInput) -> FulfilmentResult:
        draft = OrderDraft.model_validate(job.request)
        return await _store_write(
            job,
            "create_order",
            count_order,
            lambda: self._store.create_order(draft, idempotency_key=job.idempotency_key),
            lambda order: (order.number, order_summary(order)),
        )

    @activity.defn(name="book_fitting")
    async def book_fitting(self, job: FulfilmentInput) -> FulfilmentResult:
        request = BookingRequest.model_validate(job.request)
        return await _store_write(
            job,
            "book_fitting",
            count_booking,
            lambda: self._store.book_fitting(request, idempotency_key=job.idempotency_key),
            lambda booking: (booking.number, booking_summary(booking)),
        )

    @activity.defn(name="open_ops_task")
    async def open_ops_task(self, task: OpsTask) -> int:
        """A person must follow up (call the customer back); one task per key."""
        async with self._pool.acquire() as conn:
            task_id = await conn.fetchval(
                """
                INSERT INTO callcenter.ops_tasks (key, kind, call_id, phone, reference, detail)
                VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key
                RETURNING id
                """,
                task.key,
                task.kind,
                task.call_id,
                task.phone,
                task.reference,
                task.detail,
            )
        log.warning("ops task %s (%s) opened for call %s", task_id, task.kind, task.call_id)
        return int(task_id)

    @activity.defn(name="note_fulfilment")
    async def note_fulfilment(self, note: CallNote) -> None:
        """Attach the outcome to the call's record, whether or not the record exists yet."""
        column = "order_number" if note.kind == FulfilmentKind.ORDER else "booking_number"
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(
                """
                INSERT INTO callcenter.call_fulfilments (call_id, key, kind, number, status)
                VALUES ($1, $5, $2, $3, $4)
                ON CONFLICT (call_id, key) DO UPDATE SET
                    number = EXCLUDED.number, status = EXCLUDED.status, updated_at = now()
                """,
                note.call_id,
                note.kind.value,
                note.number,
                note.status.value,
                note.key,
            )
            try:
                record_id = uuid.UUID(note.call_id)  # the record's key; matched as uuid, by its index
            except ValueError:
                return  # not a call's id: there is no record to note it on
            if note.number is not None:
                await conn.execute(
                    f"UPDATE callcenter.calls SET {column} = $2 WHERE call_id = $1",  # noqa: S608 - fixed column
                    record_id,
                    note.number,
                )
            await conn.execute(
                """
                UPDATE callcenter.calls SET fulfilments = (
                    SELECT coalesce(jsonb_agg(jsonb_build_object('kind', kind, 'number', number, 'status', status)
                                              ORDER BY kind, updated_at), '[]'::jsonb)
                    FROM callcenter.call_fulfilments WHERE call_id = $1)
                WHERE call_id = $2
                """,
                note.call_id,
                record_id,
            )
