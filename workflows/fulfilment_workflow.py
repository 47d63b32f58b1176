"""FulfilmentWorkflow: one order or fitting booking the caller confirmed, carried out for sure.

The call workflow starts it as a child that outlives the call (parent close policy ABANDON),
with a workflow id derived from the call and the step, so a confirmation can start it only
once. The store write is retried without limit (store errors, timeouts, worker crashes) with the
same idempotency key, so exactly one order or booking exists in the end. Then the customer gets
one SMS. If the store refuses for good, the customer gets an SMS saying so and a person gets a
back-office task; ops find these by ``FulfilmentStatus = "refused"``.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows import search_attributes as sa
    from workflows.masking import markdown_text
    from workflows.models import (
        CallNote,
        FulfilmentInput,
        FulfilmentKind,
        FulfilmentResult,
        FulfilmentStatus,
        OpsTask,
        SmsMessage,
        SmsReceipt,
    )

STORE_REFUSED = "StoreRefused"  # activities.fulfilment.REFUSED (not imported: no httpx in workflows)
STORE_WRITE_TIMEOUT = timedelta(seconds=15)  # a dead worker's attempt is retried after this
STORE_WRITE_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=500),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    non_retryable_error_types=[STORE_REFUSED],
)
SMS_TIMEOUT = timedelta(seconds=20)
SMS_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=2),
    non_retryable_error_types=["SmsRejected"],
)
SMS_GIVE_UP_AFTER = timedelta(hours=6)  # a confirmation later than this helps nobody
# PostgreSQL writes (call notes, records, tasks) are retried without limit: they must land.
DB_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))

SHOP_NAME = "Колесо"
CUSTOMER_NUMBER_PATCH = "fulfilment-customer-number"


def fulfilment_workflow_id(call_id: str, kind: FulfilmentKind, step: int) -> str:
    return f"{call_id}-{kind.value}-{step}"


@workflow.defn
class FulfilmentWorkflow:
    @workflow.run
    async def run(self, job: FulfilmentInput) -> FulfilmentResult:
        # CallerNumber is for call workflows (a caller search returns calls); histories from before
        # the patch set it here and keep replaying.
        key = sa.CUSTOMER_NUMBER if workflow.patched(CUSTOMER_NUMBER_PATCH) else sa.CALLER_NUMBER
        workflow.upsert_search_attributes([key.value_set(job.phone)])
        try:
            result = await workflow.execute_activity(
                "create_order" if job.kind == FulfilmentKind.ORDER else "book_fitting",
                job,
                result_type=FulfilmentResult,
                start_to_close_timeout=STORE_WRITE_TIMEOUT,
                retry_policy=STORE_WRITE_RETRY,
                summary=f"{job.kind.value} → store (key {job.idempotency_key})",
            )
        except ActivityError as err:
            cause = err.cause
            if not (isinstance(cause, ApplicationError) and cause.type == STORE_REFUSED):
                raise
            result = await self._refused(job, cause.message)
        else:
            number_key = sa.ORDER_NUMBER if job.kind == FulfilmentKind.ORDER else sa.BOOKING_NUMBER
            workflow.upsert_search_attributes([number_key.value_set(result.number or "")])
            result.sms_sent = await self._sms(job, confirmation_text(job.kind, result))
        workflow.upsert_search_attributes([sa.FULFILMENT_STATUS.value_set(result.status.value)])
        label = "Order" if job.kind == FulfilmentKind.ORDER else "Fitting"
        workflow.set_current_details(
            f"**{label}** №{markdown_text(result.number or '—')} ({result.status.value})"
            + (f": {markdown_text(result.detail)}" if result.detail else "")
        )
        await workflow.execute_activity(
            "note_fulfilment",
            CallNote(
                call_id=job.call_id, key=job.idempotency_key, kind=job.kind, number=result.number,
                status=result.status,
            ),
            start_to_close_timeout=timedelta(seconds=15),
            retry_policy=DB_RETRY,
            summary="outcome → call record",
        )
        return result

    async def _refused(self, job: FulfilmentInput, detail: str) -> FulfilmentResult:
        result = FulfilmentResult(kind=job.kind, status=FulfilmentStatus.REFUSED, detail=detail)
        result.task_id = await workflow.execute_activity(
            "open_ops_task",
            OpsTask(
                key=f"{workflow.info().workflow_id}:task",
                kind=f"{job.kind.value}_refused",
                call_id=job.call_id,
                phone=job.phone,
                reference=job.idempotency_key,
                detail=f"{detail}. Клієнт погодився на: {job.readback}",
            ),
            result_type=int,
            start_to_close_timeout=timedelta(seconds=15),
            retry_policy=DB_RETRY,
            summary="back-office task: call the customer",
        )
        result.sms_sent = await self._sms(job, refusal_text(job.kind))
        return result

    async def _sms(self, job: FulfilmentInput, text: str) -> bool:
        try:
            await workflow.execute_activity(
                "send_sms",
                SmsMessage(key=f"{workflow.info().workflow_id}:sms", phone=job.phone, text=text),
                result_type=SmsReceipt,
                start_to_close_timeout=SMS_TIMEOUT,
                schedule_to_close_timeout=SMS_GIVE_UP_AFTER,
                retry_policy=SMS_RETRY,
                summary="SMS confirmation",
            )
        except ActivityError as err:
            workflow.logger.warning("SMS for %s not sent: %s", job.idempotency_key, err.cause or err)
            return False
        return True


def confirmation_text(kind: FulfilmentKind, result: FulfilmentResult) -> str:
    if kind == FulfilmentKind.ORDER:
        return (
            f"{SHOP_NAME}: замовлення №{result.number} прийнято. {result.summary}. "
            "Повідомимо, коли відправимо. Дякуємо!"
        )
    return f"{SHOP_NAME}: запис №{result.number} — {result.summary}. Чекаємо на вас!"


def refusal_text(kind: FulfilmentKind) -> str:
    what = "оформити замовлення: товару вже немає в потрібній кількості" if kind == FulfilmentKind.ORDER else (
        "записати вас на шиномонтаж: обраний час уже зайнятий"
    )
    return f"{SHOP_NAME}: на жаль, не вдалося {what}. Менеджер зателефонує вам найближчим часом."
