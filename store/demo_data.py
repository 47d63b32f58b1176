"""Demo customers and orders, and the fitting centres: seeded once, the same on every run.

The numbers, phones, statuses, items and tracking numbers never change, so demos and tests can
name them ("where is my order" for +380501234567 finds 100001, shipped, and 100002, delivered).
Dates are relative to the day the database is seeded, so a fresh demo looks current. Seeded
orders do not touch the stock: they are history. docs/store-api.md lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from store.api_models import Delivery, DeliveryMethod, OrderLine, OrderStatus, Season, format_size
from store.catalogue import DEFAULT_SEED, known_skus
from store.fitting import seed_centres
from store.orders import Plan, delivery_cost_uah, insert_history, insert_order, kyiv_now

SEED_LOCK_KEY = 0x5107E_0003


@dataclass(frozen=True)
class DemoCustomer:
    customer_id: str
    phone: str
    name: str
    city: str


@dataclass(frozen=True)
class DemoOrder:
    number: str
    customer: DemoCustomer
    items: tuple[tuple[str, int], ...]  # (known SKU attribute name, quantity)
    delivery: Delivery
    created_days_ago: float
    # (status, days after creation, note); the last one is the current status.
    history: tuple[tuple[OrderStatus, float, str | None], ...]
    tracking_number: str | None = None
    delivery_days: int | None = None  # None: the method's usual estimate


OLENA = DemoCustomer("C0001", "+380501234567", "Олена Коваленко", "Київ")
ANDRII = DemoCustomer("C0002", "+380671112233", "Андрій Шевченко", "Львів")
IRYNA = DemoCustomer("C0003", "+380931234567", "Ірина Бондаренко", "Одеса")
MAKSYM = DemoCustomer("C0004", "+380661234567", "Максим Ткаченко", "Дніпро")
NATALIIA = DemoCustomer("C0005", "+380991234567", "Наталія Мельник", "Харків")
TARAS = DemoCustomer("C0006", "+380507654321", "Тарас Петренко", "Київ")  # no orders yet

CUSTOMERS: tuple[DemoCustomer, ...] = (OLENA, ANDRII, IRYNA, MAKSYM, NATALIIA, TARAS)

_NEW = OrderStatus.NEW
_CONFIRMED = OrderStatus.CONFIRMED
_ACCEPTED: tuple[tuple[OrderStatus, float, str | None], ...] = (
    (_NEW, 0, "Замовлення прийнято"),
    (_CONFIRMED, 0.01, "Товар зарезервовано на складі"),
)

ORDERS: tuple[DemoOrder, ...] = (
    DemoOrder(
        number="100001",
        customer=OLENA,
        items=(("michelin_winter_205_55_r16", 4),),
        delivery=Delivery(method=DeliveryMethod.NOVA_POSHTA, city="Київ", branch="25"),
        created_days_ago=2,
        history=(
            *_ACCEPTED,
            (OrderStatus.PACKED, 0.8, "Замовлення зібрано на складі"),
            (OrderStatus.SHIPPED, 1.1, "Передано в Нову пошту, ТТН 20450123456789"),
        ),
        tracking_number="20450123456789",
        delivery_days=3,
    ),
    DemoOrder(
        number="100002",
        customer=OLENA,
        items=(("premiorri_summer_205_55_r16", 4),),
        delivery=Delivery(method=DeliveryMethod.NOVA_POSHTA, city="Київ", branch="25"),
        created_days_ago=200,
        history=(
            *_ACCEPTED,
            (OrderStatus.PACKED, 0.5, "Замовлення зібрано на складі"),
            (OrderStatus.SHIPPED, 1, "Передано в Нову пошту, ТТН 20450098765432"),
            (OrderStatus.DELIVERED, 2, "Отримано у відділенні"),
        ),
        tracking_number="20450098765432",
    ),
    DemoOrder(
        number="100003",
        customer=ANDRII,
        items=(("nokian_winter_205_55_r16", 4),),
        delivery=Delivery(method=DeliveryMethod.NOVA_POSHTA, city="Львів", branch="12"),
        created_days_ago=0.05,
        history=((_NEW, 0, "Замовлення прийнято, чекає на підтвердження"),),
    ),
    DemoOrder(
        number="100004",
        customer=IRYNA,
        items=(("premiorri_summer_205_55_r16", 4),),
        delivery=Delivery(method=DeliveryMethod.PICKUP, city="Одеса"),
        created_days_ago=1,
        history=(
            *_ACCEPTED,
            (OrderStatus.READY_FOR_PICKUP, 0.3,
             "Чекає на складі: Одеса, Овідіопольська дорога; оплата при отриманні"),
        ),  # fmt: skip
        delivery_days=1,
    ),
    DemoOrder(
        number="100005",
        customer=ANDRII,
        items=(("rosava_winter_205_55_r16", 2),),
        delivery=Delivery(
            method=DeliveryMethod.COURIER, city="Львів", address="вул. Стрийська, 45, кв. 12"
        ),
        created_days_ago=10,
        history=(*_ACCEPTED, (OrderStatus.CANCELLED, 1, "Скасовано на прохання клієнта")),
    ),
    DemoOrder(
        number="100006",
        customer=MAKSYM,
        items=(("michelin_summer_205_55_r16", 4),),
        delivery=Delivery(
            method=DeliveryMethod.COURIER,
            city="Дніпро",
            address="просп. Дмитра Яворницького, 50, кв. 7",
        ),
        created_days_ago=0.5,
        history=(*_ACCEPTED, (OrderStatus.PACKED, 0.3, "Замовлення зібрано на складі")),
        delivery_days=1,
    ),
    DemoOrder(
        number="100007",
        customer=NATALIIA,
        items=(("nokian_winter_205_55_r16", 4),),
        delivery=Delivery(
            method=DeliveryMethod.COURIER, city="Харків", address="вул. Сумська, 10, кв. 3"
        ),
        created_days_ago=30,
        history=(
            *_ACCEPTED,
            (OrderStatus.PACKED, 0.5, "Замовлення зібрано на складі"),
            (OrderStatus.SHIPPED, 1, "Передано кур'єру"),
            (OrderStatus.DELIVERED, 2, "Доставлено кур'єром"),
        ),
    ),
)


def _sku(name: str, seed: int) -> str:
    return str(getattr(known_skus(seed), name))


async def seed_demo_data(
    pool: asyncpg.Pool, seed: int = DEFAULT_SEED, *, now: datetime | None = None
) -> int:
    """Fitting centres, demo customers and orders, if not there yet; returns orders inserted."""
    now = now or kyiv_now()
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", SEED_LOCK_KEY)
        await seed_centres(conn)
        await conn.executemany(
            "INSERT INTO store.customers (customer_id, phone, name, city) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT DO NOTHING",
            [(c.customer_id, c.phone, c.name, c.city) for c in CUSTOMERS],
        )
        existing = {
            r["number"]
            for r in await conn.fetch(
                "SELECT number FROM store.orders WHERE number = ANY($1::text[])",
                [o.number for o in ORDERS],
            )
        }
        inserted = 0
        for order in ORDERS:
            if order.number in existing:
                continue
            await _insert_demo_order(conn, order, seed, now)
            inserted += 1
        return inserted


async def _insert_demo_order(
    conn: asyncpg.Connection, order: DemoOrder, seed: int, now: datetime
) -> None:
    lines: list[OrderLine] = []
    for name, quantity in order.items:
        t = await conn.fetchrow("SELECT * FROM store.tires WHERE sku = $1", _sku(name, seed))
        lines.append(
            OrderLine(
                sku=t["sku"],
                brand=t["brand"],
                model=t["model"],
                size=format_size(t["width"], t["profile"], t["rim"]),
                season=Season(t["season"]),
                quantity=quantity,
                price_uah=t["price_uah"],
                line_total_uah=t["price_uah"] * quantity,
            )
        )
    method = order.delivery.method
    default_days = {DeliveryMethod.PICKUP: 0}.get(method, 2)
    plan = Plan(
        phone=order.customer.phone,
        lines=lines,
        delivery=order.delivery,
        allocations=[],
        delivery_cost_uah=delivery_cost_uah(method, sum(q for _, q in order.items)),
        delivery_days=order.delivery_days if order.delivery_days is not None else default_days,
    )
    created = now - timedelta(days=order.created_days_ago)
    await insert_order(
        conn,
        number=order.number,
        customer_id=order.customer.customer_id,
        plan=plan,
        customer_name=order.customer.name,
        created_at=created,
        status=order.history[-1][0],
        tracking_number=order.tracking_number,
    )
    await insert_history(
        conn,
        order.number,
        [(status, created + timedelta(days=after), note) for status, after, note in order.history],
    )
