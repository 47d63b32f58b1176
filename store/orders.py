"""Customers and orders of the reference store: quotes, idempotent order creation, look-ups.

Prices come from the catalogue, stock from ``store.stock``. Creating an order is one
transaction: the stock rows of the order's SKUs are locked (``SELECT ... FOR UPDATE``, in a
fixed order so two orders cannot deadlock), checked, decremented, and the order is written
with the client's ``Idempotency-Key``; a replay of the key returns the stored order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from store.api_models import (
    Customer,
    Delivery,
    DeliveryMethod,
    Order,
    OrderDraft,
    OrderLine,
    OrderQuote,
    OrderStatus,
    OrderStatusChange,
    Season,
    format_size,
    normalize_phone,
)
from store.errors import ApiProblem, idempotency_conflict, invalid, request_hash
from store.geography import DEFAULT_DELIVERY_DAYS, WAREHOUSES, delivery_days, normalize_city

KYIV = ZoneInfo("Europe/Kyiv")

# Orders placed at a warehouse before this local hour can be picked up the same day.
PICKUP_SAME_DAY_UNTIL_HOUR = 16

WAREHOUSE_CITIES: tuple[str, ...] = tuple(city for _, city, _ in WAREHOUSES)

# Ukrainian names of cities in the locative case, for sentences the agent reads out.
_LOCATIVE: dict[str, str] = {
    "Київ": "Києві", "Львів": "Львові", "Одеса": "Одесі", "Дніпро": "Дніпрі", "Харків": "Харкові",
}


def kyiv_now() -> datetime:
    return datetime.now(KYIV)


def iso_local(moment: datetime) -> str:
    """ISO 8601 in Kyiv local time with its offset, to the second."""
    return moment.astimezone(KYIV).isoformat(timespec="seconds")


def phone_or_422(phone: str, name: str = "phone") -> str:
    try:
        return normalize_phone(phone)
    except ValueError as exc:
        raise invalid(f"{name}: {exc}") from None


def delivery_cost_uah(method: DeliveryMethod, tires: int) -> int:
    """Nova Poshta 70–150 UAH by the number of tires, a courier 250–450, pickup free."""
    if method is DeliveryMethod.NOVA_POSHTA:
        return min(150, 70 + 20 * (tires - 1))
    if method is DeliveryMethod.COURIER:
        return min(450, 250 + 40 * (tires - 1))
    return 0


def normalize_delivery(delivery: Delivery) -> Delivery:
    """Canonical city; the branch or address the method needs (422 if it is missing)."""
    city = delivery.city.strip()
    if not city:
        raise invalid("delivery.city: the city is required")
    city = normalize_city(city) or city
    branch = (delivery.branch or "").strip().lstrip("№#").strip() or None
    address = (delivery.address or "").strip() or None
    if delivery.method is DeliveryMethod.NOVA_POSHTA:
        if branch is None:
            raise invalid("delivery.branch: the Nova Poshta branch number is required")
        return Delivery(method=delivery.method, city=city, branch=branch)
    if delivery.method is DeliveryMethod.COURIER:
        if address is None:
            raise invalid("delivery.address: the street address is required for a courier")
        return Delivery(method=delivery.method, city=city, address=address)
    return Delivery(method=delivery.method, city=city)


@dataclass
class Plan:
    """A priced draft: lines, where each tire comes from, delivery, and what stops it."""

    phone: str
    lines: list[OrderLine]
    delivery: Delivery
    allocations: list[tuple[str, str, int]]  # (sku, warehouse_id, quantity)
    delivery_cost_uah: int
    delivery_days: int
    problems: list[str] = field(default_factory=list)
    pickup_unavailable: bool = False

    @property
    def total_uah(self) -> int:
        return sum(line.line_total_uah for line in self.lines) + self.delivery_cost_uah

    def quote(self) -> OrderQuote:
        return OrderQuote(
            lines=self.lines,
            delivery=self.delivery,
            delivery_cost_uah=self.delivery_cost_uah,
            delivery_days=self.delivery_days,
            total_uah=self.total_uah,
            available=not self.problems,
            problems=self.problems,
        )


async def _plan(
    conn: asyncpg.Connection | asyncpg.Pool, draft: OrderDraft, *, lock: bool, now: datetime
) -> Plan:
    phone = phone_or_422(draft.phone)
    delivery = normalize_delivery(draft.delivery)

    wanted: dict[str, int] = {}  # one line per SKU, in the caller's order
    for item in draft.items:
        sku = item.sku.strip()
        wanted[sku] = wanted.get(sku, 0) + item.quantity
    skus = list(wanted)

    tires = {
        r["sku"]: r
        for r in await conn.fetch(
            "SELECT sku, brand, model, width, profile, rim, season, price_uah"
            " FROM store.tires WHERE sku = ANY($1::text[])",
            skus,
        )
    }
    unknown = [sku for sku in skus if sku not in tires]
    if unknown:
        raise ApiProblem(422, "unknown_sku", f"no tire with SKU {', '.join(map(repr, unknown))}")

    stock_sql = (
        "SELECT s.sku, s.warehouse_id, w.city, s.quantity"
        " FROM store.stock s JOIN store.warehouses w USING (warehouse_id)"
        " WHERE s.sku = ANY($1::text[]) ORDER BY s.sku, s.warehouse_id"
    )
    if lock:
        stock_sql += " FOR UPDATE OF s"
    stock: dict[str, list[tuple[str, str, int]]] = {sku: [] for sku in skus}
    for r in await conn.fetch(stock_sql, skus):
        stock[r["sku"]].append((r["warehouse_id"], r["city"], int(r["quantity"])))

    lines: list[OrderLine] = []
    allocations: list[tuple[str, str, int]] = []
    problems: list[str] = []
    pickup = delivery.method is DeliveryMethod.PICKUP
    pickup_unavailable = pickup and delivery.city not in WAREHOUSE_CITIES
    if pickup_unavailable:
        problems.append(
            f"Самовивіз можливий лише зі складів у містах: {', '.join(WAREHOUSE_CITIES)}."
        )
    used_days: list[int] = []
    for sku, need in wanted.items():
        t = tires[sku]
        size = format_size(t["width"], t["profile"], t["rim"])
        lines.append(
            OrderLine(
                sku=sku,
                brand=t["brand"],
                model=t["model"],
                size=size,
                season=Season(t["season"]),
                quantity=need,
                price_uah=t["price_uah"],
                line_total_uah=t["price_uah"] * need,
            )
        )
        if pickup_unavailable:
            continue
        name = f"{t['brand']} {t['model']} {size}"
        total_everywhere = sum(q for _, _, q in stock[sku])
        if pickup:
            sources = [s for s in stock[sku] if s[1] == delivery.city]
        else:
            # The caller's own city first, then the fastest, then the fullest warehouse.
            sources = sorted(
                stock[sku],
                key=lambda s: (delivery_days(s[1], delivery.city) or 0, -s[2], s[0]),
            )
        have = sum(q for _, _, q in sources)
        if have < need:
            if pickup:
                problem = (
                    f"{name}: на складі в {_LOCATIVE.get(delivery.city, delivery.city)}"
                    f" {have} шт., а потрібно {need}."
                )
                if total_everywhere >= need:
                    problem += " Можемо доставити Новою поштою з іншого складу."
            elif have == 0:
                problem = f"{name}: зараз немає в наявності."
            else:
                problem = f"{name}: в наявності лише {have} шт., а потрібно {need}."
            problems.append(problem)
            continue
        left = need
        for warehouse_id, city, quantity in sources:
            if left == 0:
                break
            take = min(left, quantity)
            if take > 0:
                allocations.append((sku, warehouse_id, take))
                used_days.append(delivery_days(city, delivery.city) or DEFAULT_DELIVERY_DAYS)
                left -= take

    tires_count = sum(wanted.values())
    if pickup:
        days = 0 if now.astimezone(KYIV).hour < PICKUP_SAME_DAY_UNTIL_HOUR else 1
    else:
        days = max(used_days, default=DEFAULT_DELIVERY_DAYS)
    return Plan(
        phone=phone,
        lines=lines,
        delivery=delivery,
        allocations=allocations,
        delivery_cost_uah=delivery_cost_uah(delivery.method, tires_count),
        delivery_days=days,
        problems=problems,
        pickup_unavailable=pickup_unavailable,
    )


async def quote_order(pool: asyncpg.Pool, draft: OrderDraft) -> OrderQuote:
    return (await _plan(pool, draft, lock=False, now=kyiv_now())).quote()


async def create_order(
    pool: asyncpg.Pool, draft: OrderDraft, idempotency_key: str
) -> tuple[Order, bool]:
    """Create the order once per key: (order, True) when created now, (order, False) on replay.

    Raises ApiProblem: 409 idempotency_conflict (key reused with another body), 409
    out_of_stock, 422 pickup_unavailable / unknown_sku / invalid_request.
    """
    digest = request_hash(draft)
    now = kyiv_now()
    try:
        async with pool.acquire() as conn, conn.transaction():
            # Requests with one key run one at a time, so a retry that overtakes its own
            # first attempt waits for it and replays (rather than finding the stock gone).
            await lock_key(conn, "order", idempotency_key)
            replay = await _replay(conn, idempotency_key, digest)
            if replay is not None:
                return replay, False
            plan = await _plan(conn, draft, lock=True, now=now)
            if plan.pickup_unavailable:
                raise ApiProblem(422, "pickup_unavailable", " ".join(plan.problems))
            if plan.problems:
                raise ApiProblem(409, "out_of_stock", " ".join(plan.problems))
            await conn.executemany(
                "UPDATE store.stock SET quantity = quantity - $3"
                " WHERE sku = $1 AND warehouse_id = $2",
                plan.allocations,
            )
            customer_id = await upsert_customer(
                conn, plan.phone, draft.customer_name, plan.delivery.city
            )
            number = str(await conn.fetchval("SELECT nextval('store.order_number_seq')"))
            await insert_order(
                conn,
                number=number,
                customer_id=customer_id,
                plan=plan,
                customer_name=clean_text(draft.customer_name),
                created_at=now,
                status=OrderStatus.CONFIRMED,
                idempotency_key=idempotency_key,
                request_hash=digest,
            )
            await insert_history(
                conn,
                number,
                [
                    (OrderStatus.NEW, now, "Замовлення прийнято"),
                    (OrderStatus.CONFIRMED, now, "Товар зарезервовано на складі"),
                ],
            )
            order = await _load_orders(conn, [number])
    except asyncpg.UniqueViolationError as exc:
        if exc.constraint_name != "orders_idempotency_key_key":
            raise
        # The same key won a race with us: its order stands, ours rolled back.
        replay = await _replay(pool, idempotency_key, digest)
        if replay is None:
            raise
        return replay, False
    return order[0], True


async def lock_key(conn: asyncpg.Connection, scope: str, key: str) -> None:
    """Hold a transaction-scoped advisory lock on an idempotency key."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"{scope}:{key}")


async def _replay(pool: asyncpg.Pool | asyncpg.Connection, key: str, digest: str) -> Order | None:
    row = await pool.fetchrow(
        "SELECT number, request_hash FROM store.orders WHERE idempotency_key = $1", key
    )
    if row is None:
        return None
    if row["request_hash"] != digest:
        raise idempotency_conflict(key)
    return (await _load_orders(pool, [row["number"]]))[0]


def clean_text(text: str | None) -> str | None:
    """Free text as stored: stripped, and None when nothing is left."""
    return (text or "").strip() or None


async def upsert_customer(
    conn: asyncpg.Connection, phone: str, name: str | None, city: str | None
) -> str:
    """The customer with this phone, created or updated (a new name or city wins)."""
    return str(
        await conn.fetchval(
            """
            INSERT INTO store.customers (customer_id, phone, name, city)
            VALUES ('C' || nextval('store.customer_id_seq'), $1, $2, $3)
            ON CONFLICT (phone) DO UPDATE SET
                name = coalesce(EXCLUDED.name, store.customers.name),
                city = coalesce(EXCLUDED.city, store.customers.city),
                updated_at = now()
            RETURNING customer_id
            """,
            phone,
            clean_text(name),
            city,
        )
    )


async def insert_order(
    conn: asyncpg.Connection,
    *,
    number: str,
    customer_id: str,
    plan: Plan,
    customer_name: str | None,
    created_at: datetime,
    status: OrderStatus,
    idempotency_key: str | None = None,
    request_hash: str | None = None,
    tracking_number: str | None = None,
) -> None:
    expected = created_at.astimezone(KYIV).date() + timedelta(days=plan.delivery_days)
    await conn.execute(
        """
        INSERT INTO store.orders (
            number, customer_id, phone, customer_name, status, delivery_method, delivery_city,
            delivery_branch, delivery_address, delivery_cost_uah, delivery_days, total_uah,
            created_at, expected_delivery, tracking_number, idempotency_key, request_hash)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
        """,
        number, customer_id, plan.phone, customer_name, status.value,
        plan.delivery.method.value, plan.delivery.city, plan.delivery.branch,
        plan.delivery.address, plan.delivery_cost_uah, plan.delivery_days, plan.total_uah,
        created_at, expected, tracking_number, idempotency_key, request_hash,
    )  # fmt: skip
    await conn.executemany(
        "INSERT INTO store.order_lines"
        " (number, line_no, sku, brand, model, size, season, quantity, price_uah)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        [
            (number, i, ln.sku, ln.brand, ln.model, ln.size, ln.season.value, ln.quantity,
             ln.price_uah)
            for i, ln in enumerate(plan.lines, start=1)
        ],
    )  # fmt: skip
    if plan.allocations:
        await conn.executemany(
            "INSERT INTO store.order_allocations (number, sku, warehouse_id, quantity)"
            " VALUES ($1, $2, $3, $4)",
            [(number, sku, wh, qty) for sku, wh, qty in plan.allocations],
        )


async def insert_history(
    conn: asyncpg.Connection,
    number: str,
    changes: list[tuple[OrderStatus, datetime, str | None]],
) -> None:
    await conn.executemany(
        "INSERT INTO store.order_status_history (number, status, at, note) VALUES ($1, $2, $3, $4)",
        [(number, status.value, at, note) for status, at, note in changes],
    )


async def _load_orders(conn: asyncpg.Connection | asyncpg.Pool, numbers: list[str]) -> list[Order]:
    """Orders with their lines and history, in the order of ``numbers`` (unknown ones skipped)."""
    rows = await conn.fetch("SELECT * FROM store.orders WHERE number = ANY($1::text[])", numbers)
    line_rows = await conn.fetch(
        "SELECT * FROM store.order_lines WHERE number = ANY($1::text[]) ORDER BY number, line_no",
        numbers,
    )
    history_rows = await conn.fetch(
        "SELECT * FROM store.order_status_history WHERE number = ANY($1::text[])"
        " ORDER BY number, at, id",
        numbers,
    )
    lines: dict[str, list[OrderLine]] = {}
    for r in line_rows:
        lines.setdefault(r["number"], []).append(
            OrderLine(
                sku=r["sku"],
                brand=r["brand"],
                model=r["model"],
                size=r["size"],
                season=Season(r["season"]),
                quantity=r["quantity"],
                price_uah=r["price_uah"],
                line_total_uah=r["price_uah"] * r["quantity"],
            )
        )
    history: dict[str, list[OrderStatusChange]] = {}
    for r in history_rows:
        history.setdefault(r["number"], []).append(
            OrderStatusChange(status=OrderStatus(r["status"]), at=iso_local(r["at"]), note=r["note"])
        )
    by_number = {r["number"]: r for r in rows}
    orders: list[Order] = []
    for number in numbers:
        r = by_number.get(number)
        if r is None:
            continue
        expected: date | None = r["expected_delivery"]
        orders.append(
            Order(
                number=number,
                status=OrderStatus(r["status"]),
                phone=r["phone"],
                customer_name=r["customer_name"],
                lines=lines.get(number, []),
                delivery=Delivery(
                    method=DeliveryMethod(r["delivery_method"]),
                    city=r["delivery_city"],
                    branch=r["delivery_branch"],
                    address=r["delivery_address"],
                ),
                delivery_cost_uah=r["delivery_cost_uah"],
                total_uah=r["total_uah"],
                created_at=iso_local(r["created_at"]),
                expected_delivery=expected.isoformat() if expected else None,
                tracking_number=r["tracking_number"],
                history=history.get(number, []),
            )
        )
    return orders


async def get_order(pool: asyncpg.Pool, number: str) -> Order | None:
    found = await _load_orders(pool, [number.strip()])
    return found[0] if found else None


async def orders_by_phone(pool: asyncpg.Pool, phone: str, limit: int = 10) -> list[Order]:
    """The phone's orders, newest first."""
    numbers = [
        r["number"]
        for r in await pool.fetch(
            "SELECT number FROM store.orders WHERE phone = $1"
            " ORDER BY created_at DESC, number DESC LIMIT $2",
            phone_or_422(phone),
            limit,
        )
    ]
    return await _load_orders(pool, numbers)


async def customer_by_phone(pool: asyncpg.Pool, phone: str) -> Customer | None:
    row = await pool.fetchrow(
        "SELECT customer_id, phone, name, city FROM store.customers WHERE phone = $1",
        phone_or_422(phone),
    )
    if row is None:
        return None
    return Customer(
        customer_id=row["customer_id"], phone=row["phone"], name=row["name"], city=row["city"]
    )
