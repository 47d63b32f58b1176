"""The Store API contract: pydantic models shared by the reference server and our client.

The real shop's backend speaks the same JSON; the reference store in this package serves it
in dev and tests. Field names are part of the contract: change them only together with the
shop. Prices are whole hryvnias per single tire.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator, model_validator

EuClass = Literal["A", "B", "C", "D", "E"]

# Speed ratings from slowest to fastest; "minimum speed index" filters compare positions here.
SPEED_INDEXES: tuple[str, ...] = ("L", "M", "N", "P", "Q", "R", "S", "T", "U", "H", "V", "W", "Y")

_SIZE_RE = re.compile(r"^\s*(\d{3})\s*/\s*(\d{2})\s*Z?R?\s*(\d{2})\s*$", re.IGNORECASE)


def parse_size(size: str) -> tuple[int, int, int]:
    """Parse "205/55 R16" (also "205/55R16", "205/55 r16") into (width, profile, rim)."""
    m = _SIZE_RE.match(size.replace("Р", "R").replace("р", "r"))  # Cyrillic Р typed by people
    if m is None:
        raise ValueError(f"tire size must look like '205/55 R16', got {size!r}")
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def format_size(width: int, profile: int, rim: int) -> str:
    return f"{width}/{profile} R{rim}"


_PHONE_JUNK = re.compile(r"[\s\-().]")


def normalize_phone(phone: str) -> str:
    """A Ukrainian phone number as E.164 (+380XXXXXXXXX) from the ways people write it.

    Accepts "+380 50 123 45 67", "380501234567", "0501234567", "(050) 123-45-67".
    Raises ValueError for anything else (foreign numbers included: the shop is Ukrainian).
    """
    digits = _PHONE_JUNK.sub("", phone.strip())
    if digits.startswith("+"):
        digits = digits[1:]
    if not digits.isdigit():
        raise ValueError(f"phone must be a Ukrainian number like +380501234567, got {phone!r}")
    if len(digits) == 10 and digits.startswith("0"):
        digits = "38" + digits
    if len(digits) != 12 or not digits.startswith("380"):
        raise ValueError(f"phone must be a Ukrainian number like +380501234567, got {phone!r}")
    return "+" + digits


class Season(StrEnum):
    SUMMER = "summer"
    WINTER = "winter"
    ALL_SEASON = "all_season"


# Words callers (and the agent) naturally use; accepted wherever a season is parsed.
_SEASON_ALIASES: dict[str, Season] = {
    "summer": Season.SUMMER,
    "літо": Season.SUMMER,
    "літні": Season.SUMMER,
    "літня": Season.SUMMER,
    "winter": Season.WINTER,
    "зима": Season.WINTER,
    "зимові": Season.WINTER,
    "зимова": Season.WINTER,
    "all_season": Season.ALL_SEASON,
    "all-season": Season.ALL_SEASON,
    "allseason": Season.ALL_SEASON,
    "всесезонні": Season.ALL_SEASON,
    "всесезонна": Season.ALL_SEASON,
}


class TireSort(StrEnum):
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    BRAND = "brand"
    WET_GRIP = "wet_grip"  # best wet grip class first
    NOISE = "noise"  # quietest first


class EuLabel(BaseModel):
    fuel: EuClass
    wet_grip: EuClass
    noise_db: int


class Tire(BaseModel):
    sku: str
    brand: str
    model: str
    width: int
    profile: int
    rim: int
    season: Season
    studded: bool = False
    load_index: int
    speed_index: str
    run_flat: bool = False
    price_uah: int = Field(description="Price of one tire, whole hryvnias")
    eu_label: EuLabel
    description_uk: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def size(self) -> str:
        return format_size(self.width, self.profile, self.rim)


class TireQuery(BaseModel):
    """Search filters; every field is optional. Sent as query parameters of GET /v1/tires."""

    model_config = ConfigDict(extra="forbid")

    size: str | None = Field(default=None, description='"205/55 R16"; fills width/profile/rim')
    width: int | None = Field(default=None, ge=105, le=395)
    profile: int | None = Field(default=None, ge=20, le=95)
    rim: int | None = Field(default=None, ge=10, le=24)
    season: Season | None = None
    brand: str | None = None
    studded: bool | None = None
    run_flat: bool | None = None
    min_price: int | None = Field(default=None, ge=0)
    max_price: int | None = Field(default=None, ge=0)
    load_index_min: int | None = Field(default=None, ge=50, le=130)
    speed_index: str | None = Field(default=None, description="minimum speed index, e.g. H")
    vehicle_make: str | None = Field(
        default=None, max_length=100, description="Only sizes that fit this car (OEM fitment)"
    )
    vehicle_model: str | None = Field(default=None, max_length=100)
    vehicle_year: int | None = Field(default=None, ge=1950, le=2100)
    limit: int = Field(default=5, ge=1, le=50)
    in_stock_only: bool = True
    sort: TireSort = TireSort.PRICE_ASC

    @field_validator("season", mode="before")
    @classmethod
    def _season_alias(cls, v: Any) -> Any:
        if isinstance(v, str):
            return _SEASON_ALIASES.get(v.strip().lower(), v)
        return v

    @field_validator("speed_index")
    @classmethod
    def _speed_index(cls, v: str | None) -> str | None:
        if v is None:
            return None
        v = v.strip().upper()
        if v not in SPEED_INDEXES:
            raise ValueError(f"speed_index must be one of {', '.join(SPEED_INDEXES)}")
        return v

    @model_validator(mode="after")
    def _size_and_prices(self) -> TireQuery:
        if self.size is not None:
            width, profile, rim = parse_size(self.size)
            for name, value in (("width", width), ("profile", profile), ("rim", rim)):
                given = getattr(self, name)
                if given is not None and given != value:
                    raise ValueError(f"size {self.size!r} contradicts {name}={given}")
            self.width, self.profile, self.rim = width, profile, rim
            self.size = format_size(width, profile, rim)
        if self.min_price is not None and self.max_price is not None:
            if self.min_price > self.max_price:
                raise ValueError("min_price is greater than max_price")
        if self.vehicle_make is None and (self.vehicle_model or self.vehicle_year):
            raise ValueError("vehicle_model and vehicle_year need vehicle_make")
        return self

    def to_params(self) -> dict[str, str]:
        """Query parameters for the HTTP call: only what is set, booleans as true/false."""
        params: dict[str, str] = {}
        for name, value in self.model_dump(exclude_none=True, exclude={"size"}).items():
            if isinstance(value, bool):
                params[name] = "true" if value else "false"
            else:
                params[name] = str(value)
        return params


class TireSearchResult(BaseModel):
    items: list[Tire]
    total: int = Field(description="How many tires match, before the limit")
    vehicle_sizes: list[str] | None = Field(
        default=None, description="The OEM sizes of the vehicle searched for (vehicle_make given)"
    )


class WarehouseStock(BaseModel):
    warehouse_id: str
    city: str
    quantity: int
    # Days to deliver to the customer's city (1 within the same city); None if no city given.
    delivery_days: int | None = None
    # The warehouse is in the customer's city: the tires can be picked up the same day.
    pickup: bool = False


class Availability(BaseModel):
    sku: str
    total_quantity: int
    warehouses: list[WarehouseStock]
    city: str | None = Field(default=None, description="The customer's city, normalized")
    delivery_days: int | None = Field(
        default=None, description="Fastest delivery from a warehouse that has stock"
    )
    pickup_available: bool = False
    in_stock: bool


class VehicleFitment(BaseModel):
    make: str
    model: str
    generation: str | None = None
    year_from: int
    year_to: int | None = Field(default=None, description="None: still produced")
    sizes: list[str]


class Health(BaseModel):
    status: str
    tires: int


class ApiError(BaseModel):
    """Body of every non-2xx response."""

    error: str  # machine code: not_found, invalid_request, internal_error, ...
    detail: str  # one human-readable sentence


# --- customers, orders, fitting (the write side of the contract) ---------------------------


class DeliveryMethod(StrEnum):
    NOVA_POSHTA = "nova_poshta"  # to a Nova Poshta branch ("відділення Нової пошти")
    COURIER = "courier"  # to the door
    PICKUP = "pickup"  # from one of the shop's warehouses


class OrderStatus(StrEnum):
    NEW = "new"
    CONFIRMED = "confirmed"
    PACKED = "packed"
    SHIPPED = "shipped"
    READY_FOR_PICKUP = "ready_for_pickup"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class Customer(BaseModel):
    customer_id: str
    phone: str = Field(description="E.164, +380XXXXXXXXX")
    name: str | None = None
    city: str | None = None


class Delivery(BaseModel):
    method: DeliveryMethod
    city: str
    branch: str | None = Field(default=None, description="Nova Poshta branch number, for nova_poshta")
    address: str | None = Field(default=None, description="Street address, for courier")


class OrderItemRequest(BaseModel):
    sku: str
    quantity: int = Field(ge=1, le=20)


class OrderDraft(BaseModel):
    """What the caller wants; the store prices it (POST /v1/orders/quote) without creating it."""

    model_config = ConfigDict(extra="forbid")

    items: list[OrderItemRequest] = Field(min_length=1, max_length=5)
    delivery: Delivery
    phone: str = Field(description="The customer's phone, E.164")
    customer_name: str | None = None


class OrderLine(BaseModel):
    sku: str
    brand: str
    model: str
    size: str
    season: Season
    quantity: int
    price_uah: int = Field(description="Price of one tire, whole hryvnias")
    line_total_uah: int


class OrderQuote(BaseModel):
    """The store's prices for a draft: the only numbers the agent may read back."""

    lines: list[OrderLine]
    delivery: Delivery
    delivery_cost_uah: int
    delivery_days: int
    total_uah: int
    available: bool = Field(description="Every line is in stock in the quantity asked")
    problems: list[str] = Field(default_factory=list, description="Why not, one sentence each")


class OrderStatusChange(BaseModel):
    status: OrderStatus
    at: str = Field(description="ISO 8601 timestamp")
    note: str | None = None


class Order(BaseModel):
    number: str = Field(description="The order number customers quote: digits only")
    status: OrderStatus
    phone: str
    customer_name: str | None = None
    lines: list[OrderLine]
    delivery: Delivery
    delivery_cost_uah: int
    total_uah: int
    created_at: str
    expected_delivery: str | None = Field(default=None, description="ISO date")
    tracking_number: str | None = None
    history: list[OrderStatusChange] = Field(default_factory=list)


class FittingCentre(BaseModel):
    centre_id: str
    city: str
    address: str
    opens: str = Field(description="HH:MM, local time")
    closes: str = Field(description="HH:MM, local time")
    working_days: list[int] = Field(description="ISO weekdays, 1 = Monday")
    bays: int
    slot_minutes: int = Field(default=60, description="Length of one fitting slot: 30 or 60")
    phone: str | None = None


class FittingSlot(BaseModel):
    centre_id: str
    start: str = Field(description="ISO 8601 local time, Europe/Kyiv")
    minutes: int
    city: str | None = None
    address: str | None = None
    free_bays: int = Field(default=1, description="Bays still free at this time")


class BookingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    centre_id: str
    start: str = Field(description="ISO 8601 local time of a free slot")
    phone: str
    customer_name: str | None = None
    vehicle: str | None = Field(default=None, description='e.g. "Škoda Octavia 2015"')
    tire_size: str | None = None
    order_number: str | None = Field(default=None, description="Fit the tires of this order")


class Booking(BaseModel):
    number: str
    centre_id: str
    centre_address: str
    city: str
    start: str
    minutes: int
    phone: str
    customer_name: str | None = None
    vehicle: str | None = None
    tire_size: str | None = None
    order_number: str | None = None
    status: Literal["booked", "cancelled"] = "booked"
    created_at: str
