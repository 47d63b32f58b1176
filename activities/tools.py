"""The agent's tools as typed schemas, and the runner that executes them inside an agent step.

Read-only tools (search, fitment, availability) are idempotent and run inside the step.
Tools with effects (transfer, end of call; orders and bookings later) are never executed here:
the runner records them as a `PendingAction` and the workflow decides.
"""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from activities.store_client import StoreClient, StoreRejected, StoreUnavailable
from store.api_models import DeliveryMethod, Season, TireQuery
from workflows.models import PendingAction, ToolCall


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


class ToolError(Exception):
    """A tool could not give an answer; the brain turns this into an apology or a transfer."""


class ToolRunner:
    """Runs read tools against the store and records every call with its timing."""

    def __init__(self, store: StoreClient) -> None:
        self._store = store
        self.calls: list[ToolCall] = []
        self.pending_action: PendingAction | None = None

    async def call(self, name: str, arguments: dict[str, Any]) -> Any:
        started = time.perf_counter()
        record = ToolCall(name=name, arguments=arguments)
        self.calls.append(record)
        try:
            if name in ACTION_TOOLS:
                args = ACTION_TOOLS[name].model_validate(arguments)
                self.pending_action = PendingAction(name=name, arguments=args.model_dump())
                record.result = {"status": "requested"}
                return record.result
            if name not in READ_TOOLS:
                raise ToolError(f"unknown tool {name!r}")
            args = READ_TOOLS[name].model_validate(arguments)
            record.result = await self._run_read(name, args)
            return record.result
        except ValidationError as exc:
            record.error = f"invalid arguments: {exc.errors()[0]['msg']}"
            raise ToolError(record.error) from exc
        except (StoreUnavailable, StoreRejected) as exc:
            record.error = str(exc)
            raise ToolError(record.error) from exc
        except ToolError as exc:
            record.error = str(exc)
            raise
        finally:
            record.duration_ms = round((time.perf_counter() - started) * 1000, 2)

    async def _run_read(self, name: str, args: BaseModel) -> Any:
        if isinstance(args, SearchTiresArgs):
            query = TireQuery(**args.model_dump(exclude_none=True))
            found = await self._store.search_tires(query)
            return {
                "total": found.total,
                "items": [tire_summary(t) for t in found.items],
            }
        if isinstance(args, VehicleFitmentArgs):
            fitments = await self._store.fitment(args.make, args.model, args.year)
            sizes: list[str] = []
            for fitment in fitments:
                sizes.extend(s for s in fitment.sizes if s not in sizes)
            return {"vehicles": [f"{f.make} {f.model}" for f in fitments], "sizes": sizes}
        if isinstance(args, CheckAvailabilityArgs):
            availability = await self._store.availability(args.sku, args.city)
            return availability.model_dump(mode="json")
        raise ToolError(f"no runner for {name}")


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
