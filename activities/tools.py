"""The agent's tools as typed schemas, and the runner that executes them inside an agent step.

Read-only tools (search, fitment, availability) are idempotent and run inside the step; a store
that hangs gets a twin request and one that fails is tried again, within a short time budget
(`ReadPolicy`: `store_read_budget_s`, `store_read_hedge_after_s`).
Tools with effects (transfer, end of call; orders and bookings later) are never executed here:
the runner records them as a `PendingAction` and the workflow decides.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError

from activities.hedging import HedgeBudget, first_success
from activities.metrics import count_tool_retry, observe_tool
from activities.brain.ukrainian.phones import normalise_phone
from activities.store_client import StoreClient, StoreRejected, StoreUnavailable
from activities.brain.ukrainian.canonical import canonical_arguments
from callcenter.settings import Settings
from store.api_models import (
    BookingRequest,
    Delivery,
    DeliveryMethod,
    Order,
    OrderDraft,
    OrderItemRequest,
    Season,
    TireQuery,
)
from workflows.models import PendingAction, ToolCall

log = logging.getLogger("callcenter.tools")
T = TypeVar("T")

# After a fast failure (5xx, refused connection) with no other try running, wait before trying
# again, so a blip in the store can pass: 0.1 s, doubling up to 0.5 s, so a store that is down is
# not hammered by every call waiting on it.
RETRY_PAUSE_S = 0.1
MAX_RETRY_PAUSE_S = 0.5
READS_IN_FLIGHT = 3  # tries of one read at once: a hung try holds its place until its timeout
# A store slow for everyone gets at most a quarter more reads from the hedges, not three times as many.
READ_HEDGES = HedgeBudget(ratio=0.25)
# A try with less time than this left could hardly be answered: give up instead.
MIN_ATTEMPT_S = 0.2


class SearchTiresArgs(BaseModel):
    """Find tires in the catalogue that are in stock, cheapest first."""

    width: int | None = Field(default=None, description="Section width, mm (e.g. 205)")
    profile: int | None = Field(default=None, description="Aspect ratio, % (e.g. 55)")
    rim: int | None = Field(default=None, description="Rim diameter, inches (e.g. 16)")
    season: Season | None = None
    brand: str | None = None
    studded: bool | None = None
    max_price: int | None = Field(default=None, description="Maximum price per tire, UAH")
    limit: int = Field(default=3, ge=1, le=10)


class VehicleFitmentArgs(BaseModel):
    """Tire sizes that fit a car."""

    make: str
    model: str
    year: int | None = None


class CheckAvailabilityArgs(BaseModel):
    """Stock of one tire by warehouse, with the delivery estimate to the caller's city."""

    sku: str
    city: str | None = None


class GetOrderStatusArgs(BaseModel):
    """Status of the caller's order: by its number, or the latest orders of a phone number."""

    order_number: str | None = Field(default=None, description="Digits only, as the caller said them")
    phone: str | None = Field(default=None, description="+380XXXXXXXXX; omit to use the caller's own number")


class FittingSlotsArgs(BaseModel):
    """Free tire-fitting slots in a city (or one centre), from a date on."""

    city: str | None = None
    centre_id: str | None = None
    date_from: str | None = Field(default=None, description="ISO date, YYYY-MM-DD; default today")
    days: int = Field(default=3, ge=1, le=14)
    limit: int = Field(default=4, ge=1, le=10)


class OrderItemArgs(BaseModel):
    sku: str
    quantity: int = Field(default=4, ge=1, le=20)


class CreateOrderArgs(BaseModel):
    """Place an order. Nothing is created until the caller hears the read-back and says yes."""

    items: list[OrderItemArgs] = Field(min_length=1, max_length=5)
    delivery_method: DeliveryMethod
    city: str
    branch: str | None = Field(default=None, description="Nova Poshta branch number")
    address: str | None = Field(default=None, description="Street address for a courier")
    phone: str | None = Field(default=None, description="+380XXXXXXXXX; omit to use the caller's own number")
    customer_name: str | None = None


class BookFittingArgs(BaseModel):
    """Book a tire-fitting slot. Nothing is booked until the caller hears the read-back and says yes."""

    centre_id: str
    start: str = Field(description="ISO 8601 start of a free slot from fitting_slots")
    phone: str | None = Field(default=None, description="+380XXXXXXXXX; omit to use the caller's own number")
    customer_name: str | None = None
    vehicle: str | None = None
    tire_size: str | None = None
    order_number: str | None = None


class TransferToOperatorArgs(BaseModel):
    """Put the caller through to a human operator."""

    reason: str = Field(default="", description="A few words for the operator")


class EndCallArgs(BaseModel):
    """Say goodbye and end the call."""

    reason: str = ""


READ_TOOLS: dict[str, type[BaseModel]] = {
    "search_tires": SearchTiresArgs,
    "vehicle_fitment": VehicleFitmentArgs,
    "check_availability": CheckAvailabilityArgs,
    "get_order_status": GetOrderStatusArgs,
    "fitting_slots": FittingSlotsArgs,
}
ACTION_TOOLS: dict[str, type[BaseModel]] = {
    "create_order": CreateOrderArgs,
    "book_fitting": BookFittingArgs,
    "transfer_to_operator": TransferToOperatorArgs,
    "end_call": EndCallArgs,
}


@dataclass(frozen=True)
class ReadPolicy:
    """How long one store read may keep trying (``budget_s``), and after how long without an
    answer a try gets a twin (``hedge_after_s``; 0: never)."""

    budget_s: float = 4.0
    hedge_after_s: float = 0.5

    @classmethod
    def from_settings(cls, settings: Settings) -> ReadPolicy:
        return cls(settings.store_read_budget_s, settings.store_read_hedge_after_s)


DEFAULT_READS = ReadPolicy()


class ToolError(Exception):
    """A tool could not give an answer; the brain turns this into an apology or a transfer."""


class ToolRunner:
    """Runs read tools against the store and records every call with its timing."""

    def __init__(self, store: StoreClient, caller_number: str = "", *, reads: ReadPolicy = DEFAULT_READS) -> None:
        self._store = store
        self._caller_number = caller_number
        self._reads = reads
        self.calls: list[ToolCall] = []
        self.pending_action: PendingAction | None = None

    async def call(self, name: str, arguments: dict[str, Any]) -> Any:
        started = time.perf_counter()
        # "Туксон", "205/55r16", "067 123 45 67" from a model reach the store canonical.
        arguments = canonical_arguments(name, arguments) if isinstance(arguments, dict) else arguments
        record = ToolCall(name=name, arguments=arguments)
        self.calls.append(record)
        failure: BaseException | None = None  # its class is the error kind: the store's, pydantic's
        try:
            if name in ACTION_TOOLS:
                args = ACTION_TOOLS[name].model_validate(arguments)
                if isinstance(args, (CreateOrderArgs, BookFittingArgs)):  # checked with the store first
                    self.pending_action = await self._with_retries(
                        name, record, lambda timeout_s: self._prepare_action(name, args, timeout_s)
                    )
                else:  # a transfer or the end of the call: nothing to check
                    self.pending_action = PendingAction(name=name, arguments=args.model_dump())
                record.result = {"status": "awaiting_caller_confirmation", **(self.pending_action.store_facts or {})}
                return record.result
            if name not in READ_TOOLS:
                raise ToolError(f"unknown tool {name!r}")
            args = READ_TOOLS[name].model_validate(arguments)
            record.result = await self._with_retries(
                name, record, lambda timeout_s: self._run_read(name, args, timeout_s)
            )
            return record.result
        except ValidationError as exc:
            failure = exc
            record.error = f"invalid arguments: {exc.errors()[0]['msg']}"
            raise ToolError(record.error) from exc
        except (StoreUnavailable, StoreRejected) as exc:
            failure = exc
            record.error = str(exc)
            raise ToolError(record.error) from exc
        except ToolError as exc:
            failure = exc
            record.error = str(exc)
            raise
        except Exception as exc:
            failure = exc
            raise
        finally:
            # Not sys.exc_info(): a run that succeeds inside the caller's own except block would
            # be counted as failing with the caller's exception.
            record.duration_ms = round((time.perf_counter() - started) * 1000, 2)
            kind = type(failure.__cause__ or failure).__name__ if failure else None
            observe_tool(name, record.duration_ms / 1000, kind)

    async def _with_retries(self, name: str, record: ToolCall, attempt: Callable[[float], Awaitable[T]]) -> T:
        """``attempt(timeout_s)`` until one try succeeds or the read budget is spent.

        Only store reads come here (a read tool, or the checks before an order's or a booking's
        read-back): reads are idempotent, so a try with no answer after ``ReadPolicy.hedge_after_s``
        gets a twin beside it (a hung request costs that delay, not the client's timeout), and
        a failed one is tried again; the caller hears a filler instead of an apology. A
        StoreRejected (4xx) is the store's answer: trying again cannot help.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._reads.budget_s

        def one_try() -> Awaitable[T]:
            return attempt(max(MIN_ATTEMPT_S, min(self._store.timeout_s, deadline - loop.time())))

        def pause(failures: int) -> float | None:
            wait = min(RETRY_PAUSE_S * 2 ** (failures - 1), MAX_RETRY_PAUSE_S)
            return wait if deadline - loop.time() - wait >= MIN_ATTEMPT_S else None

        def on_try(n: int, failure: BaseException | None) -> None:
            record.attempts = n
            count_tool_retry(name)
            # The reason and status only: the message's path may hold an order number.
            why = f"no answer in {self._reads.hedge_after_s:g} s" if failure is None else _reason(failure)
            log.warning("tool %s: store try %d (%s)", name, n, why)

        try:
            async with asyncio.timeout_at(deadline + MIN_ATTEMPT_S):  # each try ends by the deadline
                return await first_success(
                    one_try, hedge_after_s=self._reads.hedge_after_s, max_in_flight=READS_IN_FLIGHT,
                    pause_after_failure=pause, retryable=lambda exc: isinstance(exc, StoreUnavailable),
                    on_try=on_try, budget=READ_HEDGES,
                )
        except TimeoutError as exc:
            raise StoreUnavailable("timeout", path=f"({name})", detail="read budget spent") from exc

    async def _run_read(self, name: str, args: BaseModel, timeout_s: float) -> Any:
        """One try of a read tool: a single store request, bounded by ``timeout_s``."""
        if isinstance(args, SearchTiresArgs):
            query = TireQuery(**args.model_dump(exclude_none=True))
            found = await self._store.search_tires(query, timeout_s=timeout_s)
            return {
                "total": found.total,
                "items": [tire_summary(t) for t in found.items],
            }
        if isinstance(args, VehicleFitmentArgs):
            fitments = await self._store.fitment(args.make, args.model, args.year, timeout_s=timeout_s)
            sizes: list[str] = []
            for fitment in fitments:
                sizes.extend(s for s in fitment.sizes if s not in sizes)
            return {"vehicles": [f"{f.make} {f.model}" for f in fitments], "sizes": sizes}
        if isinstance(args, CheckAvailabilityArgs):
            availability = await self._store.availability(args.sku, args.city, timeout_s=timeout_s)
            return availability.model_dump(mode="json")
        if isinstance(args, GetOrderStatusArgs):
            return await self._order_status(args, timeout_s)
        if isinstance(args, FittingSlotsArgs):
            return await self._fitting_slots(args, timeout_s)
        raise ToolError(f"no runner for {name}")

    def _phone(self, given: str | None) -> str:
        phone = normalise_phone(given or self._caller_number)
        if phone is None:
            raise ToolError("потрібен номер телефону у форматі +380XXXXXXXXX")
        return phone

    async def _order_status(self, args: GetOrderStatusArgs, timeout_s: float) -> dict[str, Any]:
        if args.order_number:
            number = "".join(ch for ch in args.order_number if ch.isdigit())
            order = await self._store.get_order(number, timeout_s=timeout_s) if number else None
            return {"found": order is not None, "orders": [order_status_summary(order)] if order else []}
        orders = await self._store.orders_by_phone(self._phone(args.phone), timeout_s=timeout_s)
        return {"found": bool(orders), "orders": [order_status_summary(o) for o in orders[:3]]}

    async def _fitting_slots(self, args: FittingSlotsArgs, timeout_s: float) -> dict[str, Any]:
        slots = await self._store.fitting_slots(
            city=args.city, centre_id=args.centre_id, date_from=args.date_from, days=args.days, limit=args.limit,
            timeout_s=timeout_s,
        )
        return {
            "slots": [
                {
                    "centre_id": slot.centre_id,
                    "address": slot.address,  # the store names each slot's centre: no second call
                    "start": slot.start,
                    "minutes": slot.minutes,
                }
                for slot in slots
            ]
        }

    async def _prepare_action(
        self, name: str, args: CreateOrderArgs | BookFittingArgs, timeout_s: float
    ) -> PendingAction:
        """Check an order or booking with the store now, so the read-back holds only its facts."""
        if isinstance(args, CreateOrderArgs):
            draft = OrderDraft(
                items=[OrderItemRequest(sku=i.sku, quantity=i.quantity) for i in args.items],
                delivery=Delivery(method=args.delivery_method, city=args.city, branch=args.branch, address=args.address),
                phone=self._phone(args.phone),
                customer_name=args.customer_name,
            )
            if draft.delivery.method == DeliveryMethod.NOVA_POSHTA and not draft.delivery.branch:
                raise ToolError("для доставки Новою поштою потрібен номер відділення")
            if draft.delivery.method == DeliveryMethod.COURIER and not draft.delivery.address:
                raise ToolError("для кур'єрської доставки потрібна адреса")
            quote = await self._store.quote_order(draft, timeout_s=timeout_s)
            if not quote.available:
                raise ToolError("; ".join(quote.problems) or "товару немає в потрібній кількості")
            return PendingAction(
                name=name,
                arguments={"request": draft.model_dump(mode="json")},
                store_facts={"quote": quote.model_dump(mode="json")},
            )
        request = BookingRequest(
            centre_id=args.centre_id,
            start=args.start,
            phone=self._phone(args.phone),
            customer_name=args.customer_name,
            vehicle=args.vehicle,
            tire_size=args.tire_size,
            order_number=args.order_number,
        )
        centres = await self._store.fitting_centres(None, timeout_s=timeout_s)
        centre = next((c for c in centres if c.centre_id == args.centre_id), None)
        if centre is None:
            raise ToolError(f"немає шиномонтажу {args.centre_id}")
        free = await self._store.fitting_slots(
            centre_id=args.centre_id, date_from=args.start[:10], days=1, limit=50, timeout_s=timeout_s
        )
        slot = next((s for s in free if s.start[:16] == args.start[:16]), None)
        if slot is None:
            raise ToolError("цей час уже зайнятий або поза робочими годинами")
        return PendingAction(
            name=name,
            arguments={"request": request.model_dump(mode="json")},
            store_facts={"slot": slot.model_dump(mode="json"), "centre": centre.model_dump(mode="json")},
        )


def _reason(failure: BaseException) -> str:
    if isinstance(failure, StoreUnavailable):
        return failure.reason + (f", HTTP {failure.status}" if failure.status else "")
    return type(failure).__name__


def order_status_summary(order: Order) -> dict[str, Any]:
    """What the agent may say about an order; the phone stays masked."""
    return {
        "number": order.number,
        "status": order.status.value,
        "items": [f"{line.quantity}× {line.brand} {line.model} {line.size}" for line in order.lines],
        "total_uah": order.total_uah,
        "delivery_method": order.delivery.method.value,
        "city": order.delivery.city,
        "branch": order.delivery.branch,
        "expected_delivery": order.expected_delivery,
        "tracking_number": order.tracking_number,
        "created_at": order.created_at,
        "last_change": order.history[-1].at if order.history else None,
    }


def tire_summary(tire: Any) -> dict[str, Any]:
    """The facts about a tire the agent may speak of: everything comes from the store."""
    return {
        "sku": tire.sku,
        "brand": tire.brand,
        "model": tire.model,
        "size": tire.size,
        "season": str(tire.season),
        "studded": tire.studded,
        "price_uah": tire.price_uah,
        "load_index": tire.load_index,
        "speed_index": tire.speed_index,
        "eu_label": tire.eu_label.model_dump(),
    }
