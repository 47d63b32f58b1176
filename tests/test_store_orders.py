"""The store's write side end to end: real PostgreSQL, real uvicorn on a socket, our client.

Orders decrement stock, so this module runs its store on a database of its own (the session's
``database_url`` keeps the pinned stock the other tests read). Uses ``_infra`` and
``make_database`` from tests/conftest.py.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio

from activities.store_client import StoreClient, StoreNotFound, StoreRejected, StoreUnavailable
from callcenter.devstack.inprocess import running_store
from store import openapi
from store.api_models import (
    BookingRequest,
    Delivery,
    DeliveryMethod,
    OrderDraft,
    OrderItemRequest,
    OrderStatus,
    normalize_phone,
)
from store.app import FaultConfig, create_app
from store.catalogue import catalogue, known_skus
from store.fitting import CENTRES
from store.orders import KYIV

KNOWN = known_skus()
PRICES = {t.sku: t.price_uah for t in catalogue().tires}
_CYRILLIC = re.compile(r"[а-щьюяґєії]", re.IGNORECASE)
_phones = iter(range(1_000_000, 9_999_999))


def new_phone() -> str:
    """A phone number no other test uses (operator code 073, unused by the demo data)."""
    return f"+38073{next(_phones):07d}"


def key() -> str:
    return f"test-{uuid.uuid4()}"


def np_draft(phone: str, *items: tuple[str, int], city: str = "Львів", **extra: Any) -> OrderDraft:
    return OrderDraft(
        items=[OrderItemRequest(sku=sku, quantity=q) for sku, q in items],
        delivery=Delivery(method=DeliveryMethod.NOVA_POSHTA, city=city, branch="5"),
        phone=phone,
        **extra,
    )


def working_day(ahead: int, weekdays: list[int]) -> date:
    """The first of ``weekdays`` at least ``ahead`` days from today (Kyiv)."""
    day = datetime.now(KYIV).date() + timedelta(days=ahead)
    while day.isoweekday() not in weekdays:
        day += timedelta(days=1)
    return day


def centre(centre_id: str) -> Any:
    return next(c for c in CENTRES if c.centre_id == centre_id)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def orders_db(_infra: Any) -> str:
    return await _infra.new_database()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def store_url(orders_db: str) -> AsyncIterator[str]:
    async with running_store(
        orders_db, latency_ms=0, error_rate=0, timeout_rate=0, after_commit_rate=0
    ) as url:
        yield url


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def store(store_url: str) -> AsyncIterator[StoreClient]:
    async with StoreClient(store_url) as client:
        yield client


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def http(store_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=store_url, timeout=10) as client:
        yield client


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def pool(orders_db: str, store_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(orders_db, min_size=1, max_size=3)
    try:
        yield pool
    finally:
        await pool.close()


async def total_stock(pool: asyncpg.Pool, sku: str) -> int:
    return int(await pool.fetchval("SELECT sum(quantity) FROM store.stock WHERE sku = $1", sku))


async def set_stock(pool: asyncpg.Pool, sku: str, **by_warehouse: int) -> None:
    """Stock of one SKU: the given warehouses (KYIV_1=3 → KYIV-1), zero elsewhere."""
    await pool.execute("UPDATE store.stock SET quantity = 0 WHERE sku = $1", sku)
    for warehouse, quantity in by_warehouse.items():
        await pool.execute(
            "UPDATE store.stock SET quantity = $3 WHERE sku = $1 AND warehouse_id = $2",
            sku, warehouse.replace("_", "-"), quantity,
        )  # fmt: skip


async def order_count(pool: asyncpg.Pool, phone: str) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM store.orders WHERE phone = $1", phone))


def spare_sku(index: int) -> str:
    """A catalogue SKU no other test orders (far from the known 205/55 R16 ones)."""
    tires = [t for t in catalogue().tires if t.rim == 17 and not t.run_flat]
    return tires[index].sku


# -- the contract document -------------------------------------------------------------------


def test_openapi_document_matches_the_app() -> None:
    committed = openapi.load()
    generated = create_app("postgresql://unused@localhost/unused").openapi()

    def operations(doc: dict[str, Any]) -> dict[str, list[str]]:
        return {path: sorted(ops) for path, ops in doc["paths"].items()}

    def parameters(doc: dict[str, Any]) -> dict[str, list[tuple[str, str, bool]]]:
        return {
            f"{method.upper()} {path}": sorted(
                (p["name"], p["in"], p.get("required", False)) for p in op.get("parameters", [])
            )
            for path, ops in doc["paths"].items()
            for method, op in ops.items()
        }

    def schemas(doc: dict[str, Any]) -> dict[str, list[str]]:
        return {
            name: sorted(schema.get("properties", {}))
            for name, schema in doc["components"]["schemas"].items()
        }

    hint = "store/openapi.yaml is stale: run `python -m store.openapi`"
    assert operations(committed) == operations(generated), hint
    assert parameters(committed) == parameters(generated), hint
    assert schemas(committed) == schemas(generated), hint
    for path in (
        "/v1/customers/by-phone/{phone}", "/v1/orders/quote", "/v1/orders", "/v1/orders/{number}",
        "/v1/fitting/centres", "/v1/fitting/slots", "/v1/fitting/bookings",
        "/v1/fitting/bookings/{number}", "/v1/tires", "/v1/tires/{sku}/availability",
    ):  # fmt: skip
        assert path in committed["paths"]
    create = committed["paths"]["/v1/orders"]["post"]
    assert {"200", "201", "400", "409", "422"} <= set(create["responses"])
    assert ("Idempotency-Key", "header", True) in parameters(committed)["POST /v1/orders"]
    assert "HTTPValidationError" not in committed["components"]["schemas"]
    assert committed == generated, hint  # descriptions and constraints too


# -- demo data -------------------------------------------------------------------------------


async def test_seeded_orders_answer_where_is_my_order(store: StoreClient) -> None:
    shipped = await store.get_order("100001")
    assert shipped is not None and shipped.status == OrderStatus.SHIPPED
    assert shipped.tracking_number == "20450123456789"
    assert shipped.delivery.method == DeliveryMethod.NOVA_POSHTA and shipped.delivery.branch
    assert [h.status for h in shipped.history] == [
        OrderStatus.NEW, OrderStatus.CONFIRMED, OrderStatus.PACKED, OrderStatus.SHIPPED,
    ]  # fmt: skip
    assert shipped.expected_delivery and shipped.lines[0].sku == KNOWN.michelin_winter_205_55_r16
    assert shipped.total_uah == shipped.lines[0].line_total_uah + shipped.delivery_cost_uah

    olena = await store.orders_by_phone("050 123 45 67")  # any usual spelling of the number
    assert [o.number for o in olena] == ["100001", "100002"]  # newest first
    assert olena[1].status == OrderStatus.DELIVERED
    customer = await store.customer_by_phone("+380501234567")
    assert customer is not None and customer.name == "Олена Коваленко"

    statuses = {(await store.get_order(n)).status for n in ("100003", "100004", "100005")}  # type: ignore[union-attr]
    assert statuses == {OrderStatus.NEW, OrderStatus.READY_FOR_PICKUP, OrderStatus.CANCELLED}
    assert await store.get_order("999999") is None
    assert await store.orders_by_phone("+380507654321") == []  # a customer without orders
    assert await store.customer_by_phone(new_phone()) is None
    with pytest.raises(StoreRejected) as caught:
        await store.orders_by_phone("+1 202 555 0100")
    assert caught.value.status == 422 and caught.value.error == "invalid_request"


async def test_demo_data_is_stable_across_restarts(make_database: Any) -> None:
    url = await make_database()
    async with running_store(url) as base, StoreClient(base) as client:
        first = [await client.get_order(n) for n in ("100001", "100002", "100007")]
    async with running_store(url) as base, StoreClient(base) as client:
        again = [await client.get_order(n) for n in ("100001", "100002", "100007")]
        assert len(await client.orders_by_phone("+380501234567")) == 2
    assert first == again and all(o is not None for o in first)


# -- quotes ----------------------------------------------------------------------------------


async def test_quote_prices_come_from_the_catalogue(store: StoreClient) -> None:
    michelin, premiorri = KNOWN.michelin_winter_205_55_r16, KNOWN.premiorri_summer_205_55_r16
    phone = new_phone()
    quote = await store.quote_order(np_draft(phone, (michelin, 4), (premiorri, 2), city="у Львові"))
    assert quote.available and quote.problems == []
    assert [(ln.sku, ln.price_uah, ln.quantity) for ln in quote.lines] == [
        (michelin, PRICES[michelin], 4), (premiorri, PRICES[premiorri], 2),
    ]  # fmt: skip
    assert quote.lines[0].line_total_uah == 4 * PRICES[michelin]
    assert quote.delivery.city == "Львів" and quote.delivery.branch == "5"
    assert 70 <= quote.delivery_cost_uah <= 150 and 1 <= quote.delivery_days <= 3
    assert quote.total_uah == 4 * PRICES[michelin] + 2 * PRICES[premiorri] + quote.delivery_cost_uah
    assert await store.orders_by_phone(phone) == []  # a quote creates nothing

    one = await store.quote_order(np_draft(phone, (premiorri, 1)))
    assert 70 <= one.delivery_cost_uah < quote.delivery_cost_uah

    courier = await store.quote_order(
        OrderDraft(
            items=[OrderItemRequest(sku=michelin, quantity=4)],
            delivery=Delivery(method=DeliveryMethod.COURIER, city="Київ", address="вул. Хрещатик, 1"),
            phone=phone,
        )
    )
    assert courier.available and courier.delivery_cost_uah > quote.delivery_cost_uah
    assert courier.delivery_days == 1  # Kyiv's own warehouse has it

    pickup = await store.quote_order(
        OrderDraft(
            items=[OrderItemRequest(sku=michelin, quantity=4)],
            delivery=Delivery(method=DeliveryMethod.PICKUP, city="Kyiv"),
            phone=phone,
        )
    )
    assert pickup.available and pickup.delivery_cost_uah == 0 and pickup.delivery_days in (0, 1)


async def test_quote_explains_in_ukrainian_what_is_missing(store: StoreClient) -> None:
    phone = new_phone()
    sold_out = await store.quote_order(np_draft(phone, (KNOWN.out_of_stock_everywhere, 4)))
    assert not sold_out.available and len(sold_out.problems) == 1
    assert "немає в наявності" in sold_out.problems[0]
    assert sold_out.lines[0].price_uah == PRICES[KNOWN.out_of_stock_everywhere]

    # 24 of them in all warehouses; two lines of the same SKU are one line of 40.
    michelin = KNOWN.michelin_winter_205_55_r16
    too_many = await store.quote_order(np_draft(phone, (michelin, 20), (michelin, 20), city="Київ"))
    assert not too_many.available and "лише 24 шт., а потрібно 40" in too_many.problems[0]
    assert [(ln.sku, ln.quantity) for ln in too_many.lines] == [(michelin, 40)]

    # Nothing of the Michelin in Lviv's warehouse: no pickup there, but delivery would do.
    lviv_pickup = await store.quote_order(
        OrderDraft(
            items=[OrderItemRequest(sku=KNOWN.michelin_winter_205_55_r16, quantity=4)],
            delivery=Delivery(method=DeliveryMethod.PICKUP, city="Львів"),
            phone=phone,
        )
    )
    assert not lviv_pickup.available and "Львові" in lviv_pickup.problems[0]
    assert "Новою поштою" in lviv_pickup.problems[0]

    no_warehouse = await store.quote_order(
        OrderDraft(
            items=[OrderItemRequest(sku=KNOWN.premiorri_summer_205_55_r16, quantity=4)],
            delivery=Delivery(method=DeliveryMethod.PICKUP, city="Вінниця"),
            phone=phone,
        )
    )
    assert not no_warehouse.available and "Самовивіз" in no_warehouse.problems[0]
    for problem in [*sold_out.problems, *too_many.problems, *no_warehouse.problems]:
        assert _CYRILLIC.search(problem)


async def test_quote_rejects_incomplete_drafts(store: StoreClient, http: httpx.AsyncClient) -> None:
    phone = new_phone()
    no_branch = {
        "items": [{"sku": KNOWN.premiorri_summer_205_55_r16, "quantity": 4}],
        "delivery": {"method": "nova_poshta", "city": "Київ"},
        "phone": phone,
    }
    response = await http.post("/v1/orders/quote", json=no_branch)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request" and "branch" in response.json()["detail"]

    with pytest.raises(StoreRejected) as caught:
        await store.quote_order(np_draft(phone, ("NO-SUCH-SKU", 4)))
    assert caught.value.error == "unknown_sku" and caught.value.status == 422
    with pytest.raises(StoreRejected) as caught:
        await store.quote_order(np_draft("12345", (KNOWN.premiorri_summer_205_55_r16, 4)))
    assert caught.value.error == "invalid_request" and "phone" in caught.value.detail


# -- creating orders -------------------------------------------------------------------------


async def test_one_key_twice_is_one_order_and_stock_moves_once(
    store: StoreClient, http: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    sku, phone, k = spare_sku(0), new_phone(), key()
    await set_stock(pool, sku, KYIV_1=10, LVIV_1=2)
    draft = np_draft(phone, (sku, 4), city="Київ", customer_name="Оксана")
    body = draft.model_dump(mode="json")

    first = await http.post("/v1/orders", json=body, headers={"Idempotency-Key": k})
    assert first.status_code == 201
    again = await http.post("/v1/orders", json=body, headers={"Idempotency-Key": k})
    assert again.status_code == 200 and again.json() == first.json()
    via_client = await store.create_order(draft, k)
    assert via_client.number == first.json()["number"]

    assert await order_count(pool, phone) == 1
    assert await total_stock(pool, sku) == 8
    assert await pool.fetchval(
        "SELECT quantity FROM store.stock WHERE sku = $1 AND warehouse_id = 'KYIV-1'", sku
    ) == 6  # the caller's own city first

    order = via_client
    assert re.fullmatch(r"\d{6}", order.number) and int(order.number) > 100100
    assert order.status == OrderStatus.CONFIRMED
    assert [h.status for h in order.history] == [OrderStatus.NEW, OrderStatus.CONFIRMED]
    assert order.phone == phone and order.customer_name == "Оксана"
    assert order.lines[0].price_uah == PRICES[sku]
    assert order.expected_delivery is not None
    assert await store.get_order(order.number) == order
    customer = await store.customer_by_phone(phone)
    assert customer is not None and (customer.name, customer.city) == ("Оксана", "Київ")


async def test_same_key_with_another_body_is_a_conflict(
    store: StoreClient, http: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    sku, phone, k = spare_sku(1), new_phone(), key()
    await set_stock(pool, sku, ODESA_1=8)
    await store.create_order(np_draft(phone, (sku, 2)), k)
    with pytest.raises(StoreRejected) as caught:
        await store.create_order(np_draft(phone, (sku, 3)), k)
    assert caught.value.status == 409 and caught.value.error == "idempotency_conflict"
    assert await order_count(pool, phone) == 1 and await total_stock(pool, sku) == 6

    # Formatting of the JSON does not matter: the same draft in another key order replays.
    body = np_draft(phone, (sku, 2)).model_dump(mode="json")
    reordered = {name: body[name] for name in reversed(list(body))}
    response = await http.post("/v1/orders", json=reordered, headers={"Idempotency-Key": k})
    assert response.status_code == 200


async def test_writes_without_an_idempotency_key_are_400(
    http: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    phone = new_phone()
    body = np_draft(phone, (KNOWN.premiorri_summer_205_55_r16, 1)).model_dump(mode="json")
    response = await http.post("/v1/orders", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == "missing_idempotency_key"
    response = await http.post("/v1/orders", json=body, headers={"Idempotency-Key": "x" * 201})
    assert response.status_code == 400 and response.json()["error"] == "invalid_idempotency_key"
    response = await http.post(
        "/v1/fitting/bookings",
        json={"centre_id": "KYIV-POZNYAKY", "start": "2030-01-07T10:00", "phone": phone},
    )
    assert response.status_code == 400 and response.json()["error"] == "missing_idempotency_key"
    assert await order_count(pool, phone) == 0


async def test_concurrent_orders_cannot_oversell(store: StoreClient, pool: asyncpg.Pool) -> None:
    sku = spare_sku(2)
    await set_stock(pool, sku, KYIV_1=3, DNIPRO_1=2)  # 5 tires in two warehouses
    phones = [new_phone() for _ in range(6)]
    results = await asyncio.gather(
        *(store.create_order(np_draft(p, (sku, 2)), key()) for p in phones),
        return_exceptions=True,
    )
    created = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(created) == 2 and len(refused) == 4
    for exc in refused:
        assert isinstance(exc, StoreRejected) and exc.status == 409 and exc.error == "out_of_stock"
        assert "шт." in exc.detail
    assert await total_stock(pool, sku) == 1
    assert sum([await order_count(pool, p) for p in phones]) == 2

    # The last units: two callers want the last tire.
    results = await asyncio.gather(
        *(store.create_order(np_draft(new_phone(), (sku, 1)), key()) for _ in range(2)),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["Order", "StoreRejected"]
    assert await total_stock(pool, sku) == 0


async def test_a_retry_racing_its_first_attempt_gets_the_same_order(
    store: StoreClient, pool: asyncpg.Pool
) -> None:
    sku, phone, k = spare_sku(9), new_phone(), key()
    await set_stock(pool, sku, LVIV_1=4)  # exactly enough, once
    draft = np_draft(phone, (sku, 4))
    orders = await asyncio.gather(*(store.create_order(draft, k) for _ in range(4)))
    assert len({o.number for o in orders}) == 1
    assert await order_count(pool, phone) == 1 and await total_stock(pool, sku) == 0


async def test_out_of_stock_and_bad_orders_are_refused(store: StoreClient, pool: asyncpg.Pool) -> None:
    phone = new_phone()
    with pytest.raises(StoreRejected) as caught:
        await store.create_order(np_draft(phone, (KNOWN.out_of_stock_everywhere, 4)), key())
    assert caught.value.error == "out_of_stock" and caught.value.status == 409
    with pytest.raises(StoreRejected) as caught:
        await store.create_order(
            OrderDraft(
                items=[OrderItemRequest(sku=KNOWN.premiorri_summer_205_55_r16, quantity=4)],
                delivery=Delivery(method=DeliveryMethod.PICKUP, city="Вінниця"),
                phone=phone,
            ),
            key(),
        )
    assert caught.value.error == "pickup_unavailable" and caught.value.status == 422
    with pytest.raises(StoreRejected) as caught:
        await store.create_order(np_draft(phone, ("NO-SUCH-SKU", 1)), key())
    assert caught.value.error == "unknown_sku"
    assert await order_count(pool, phone) == 0


async def test_orders_by_phone_newest_first_and_customer_updated(
    store: StoreClient, pool: asyncpg.Pool
) -> None:
    sku, phone = spare_sku(3), new_phone()
    await set_stock(pool, sku, KHARKIV_1=10)
    first = await store.create_order(np_draft(phone, (sku, 2), city="Харків"), key())
    second = await store.create_order(
        np_draft(phone, (sku, 4), city="Полтава", customer_name="Петро Іваненко"), key()
    )
    listed = await store.orders_by_phone(normalize_phone(phone).replace("+38", ""))
    assert [o.number for o in listed] == [second.number, first.number]
    assert int(second.number) > int(first.number)
    customer = await store.customer_by_phone(phone)
    assert customer is not None and customer.name == "Петро Іваненко" and customer.city == "Полтава"
    assert listed[0].delivery.city == "Полтава" and listed[0].lines[0].quantity == 4


# -- faults: before the side effect and after it ---------------------------------------------


@pytest.mark.parametrize("mode", ["error", "drop", "hang"])
async def test_fault_after_commit_then_retry_with_the_key_is_one_order(
    orders_db: str, pool: asyncpg.Pool, mode: str
) -> None:
    sku, phone, k = spare_sku(4 + ["error", "drop", "hang"].index(mode)), new_phone(), key()
    await set_stock(pool, sku, KYIV_1=8)
    draft = np_draft(phone, (sku, 4), city="Київ")
    async with running_store(
        orders_db, after_commit_rate=1.0, after_commit_mode=mode, hang_s=5
    ) as url, StoreClient(url, write_timeout_s=1.0) as client:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as caught:
            await client.create_order(draft, k)
        assert caught.value.reason == {"error": "server_error", "drop": "connection", "hang": "timeout"}[mode]
        assert time.monotonic() - started < 3
        # The order exists although the client never heard so.
        assert await order_count(pool, phone) == 1 and await total_stock(pool, sku) == 4

        order = await client.create_order(draft, k)  # the retry: a replay, which is spared
        assert await order_count(pool, phone) == 1 and await total_stock(pool, sku) == 4
        assert (await client.orders_by_phone(phone))[0].number == order.number


async def test_faults_before_the_side_effect_create_nothing(
    orders_db: str, pool: asyncpg.Pool
) -> None:
    sku, phone = spare_sku(8), new_phone()
    await set_stock(pool, sku, KYIV_1=8)
    async with running_store(orders_db, error_rate=1.0) as url, StoreClient(url) as client:
        with pytest.raises(StoreUnavailable) as caught:
            await client.create_order(np_draft(phone, (sku, 4)), key())
        assert caught.value.reason == "server_error" and "POST /v1/orders" in str(caught.value)
    async with running_store(orders_db, timeout_rate=1.0, hang_s=5) as url, StoreClient(url) as client:
        with pytest.raises(StoreUnavailable) as caught:
            await client.create_order(np_draft(phone, (sku, 4)), key(), timeout_s=0.3)
        assert caught.value.reason == "timeout"
    assert await order_count(pool, phone) == 0 and await total_stock(pool, sku) == 8


def test_after_commit_faults_come_from_the_environment() -> None:
    env = {
        "CALLCENTER_STORE_FAULT_AFTER_COMMIT_RATE": "0.25",
        "CALLCENTER_STORE_FAULT_AFTER_COMMIT_MODE": "drop",
    }
    config = FaultConfig.from_env(env)
    assert (config.after_commit_rate, config.after_commit_mode, config.active) == (0.25, "drop", True)
    assert not FaultConfig.from_env({}).active
    with pytest.raises(ValueError):
        FaultConfig.from_env({"CALLCENTER_STORE_FAULT_AFTER_COMMIT_MODE": "explode"})


async def test_booking_survives_a_fault_after_commit(orders_db: str, pool: asyncpg.Pool) -> None:
    start = datetime.combine(working_day(30, [1, 2, 3, 4, 5, 6]), datetime.min.time())
    req = BookingRequest(
        centre_id="LVIV-HORODOTSKA", start=start.replace(hour=15).isoformat(), phone=new_phone()
    )
    k = key()
    async with running_store(orders_db, after_commit_rate=1.0) as url, StoreClient(url) as client:
        with pytest.raises(StoreUnavailable):
            await client.book_fitting(req, k)
        booking = await client.book_fitting(req, k)
    count = await pool.fetchval(
        "SELECT count(*) FROM store.fitting_bookings WHERE phone = $1", normalize_phone(req.phone)
    )
    assert count == 1 and booking.centre_id == "LVIV-HORODOTSKA"


# -- fitting ---------------------------------------------------------------------------------


async def test_fitting_centres_in_the_big_cities(store: StoreClient) -> None:
    centres = await store.fitting_centres()
    assert {c.city for c in centres} >= {"Київ", "Львів", "Одеса", "Дніпро", "Харків"}
    for c in centres:
        assert _CYRILLIC.search(c.address) and c.bays >= 1 and c.slot_minutes in (30, 60)
        assert c.opens < c.closes and set(c.working_days) <= set(range(1, 8))
    lviv = await store.fitting_centres("у Львові")
    assert [c.city for c in lviv] == ["Львів"]
    assert len(await store.fitting_centres("Kyiv")) == 2
    assert await store.fitting_centres("Трускавець") == []


async def test_slots_follow_working_hours_and_days(store: StoreClient) -> None:
    kharkiv = centre("KHARKIV-HEROIV-PRATSI")  # 09:00-18:00, Mon-Sat, 60-minute slots
    monday = working_day(7, [1])
    week = await store.fitting_slots(
        centre_id=kharkiv.centre_id, date_from=monday.isoformat(), days=7, limit=50
    )
    assert len(week) == 50
    day_one = [s for s in week if s.start.startswith(monday.isoformat())]
    assert [datetime.fromisoformat(s.start).strftime("%H:%M") for s in day_one] == [
        f"{h:02d}:00" for h in range(9, 18)
    ]
    for slot in week:
        start = datetime.fromisoformat(slot.start)
        assert start.utcoffset() in (timedelta(hours=2), timedelta(hours=3))  # Kyiv time
        assert start.isoweekday() != 7 and slot.minutes == 60 and slot.city == "Харків"
    sunday = monday + timedelta(days=6)
    assert await store.fitting_slots(
        centre_id=kharkiv.centre_id, date_from=sunday.isoformat(), days=1
    ) == []

    obolon = await store.fitting_slots(
        centre_id="KYIV-OBOLON", date_from=monday.isoformat(), days=1, limit=50
    )
    assert len(obolon) == 20 and all(s.minutes == 30 and s.free_bays == 2 for s in obolon)
    assert [s.start[11:16] for s in obolon[:2]] == ["09:00", "09:30"]
    assert obolon[-1].start[11:16] == "18:30"  # the last one ends at closing time

    kyiv = await store.fitting_slots(city="Київ", date_from=monday.isoformat(), days=1, limit=5)
    assert [(s.centre_id, s.start[11:16]) for s in kyiv] == [
        ("KYIV-POZNYAKY", "08:00"), ("KYIV-OBOLON", "09:00"), ("KYIV-POZNYAKY", "09:00"),
        ("KYIV-OBOLON", "09:30"), ("KYIV-OBOLON", "10:00"),
    ]  # fmt: skip

    # Nothing in the past: today's slots start from now on.
    for slot in await store.fitting_slots(city="Київ", days=1, limit=50):
        assert datetime.fromisoformat(slot.start) > datetime.now(KYIV)

    with pytest.raises(StoreNotFound):
        await store.fitting_slots(centre_id="NO-SUCH-CENTRE")
    assert await store.fitting_slots(city="Трускавець") == []


async def test_bookings_take_slots_and_replay_by_key(
    store: StoreClient, http: httpx.AsyncClient
) -> None:
    day = working_day(10, [2])  # a Tuesday
    at_ten = f"{day.isoformat()}T10:00"
    req = BookingRequest(
        centre_id="KHARKIV-HEROIV-PRATSI", start=at_ten, phone=new_phone(),
        customer_name="Ігор", vehicle="Škoda Octavia 2015", tire_size="205/55 R16",
    )  # fmt: skip
    k = key()
    before = await store.fitting_slots(centre_id=req.centre_id, date_from=day.isoformat(), days=1)
    assert any(s.start.startswith(at_ten) for s in before)

    response = await http.post(
        "/v1/fitting/bookings", json=req.model_dump(mode="json"), headers={"Idempotency-Key": k}
    )
    assert response.status_code == 201
    booking = await store.book_fitting(req, k)  # the replay
    assert booking.number == response.json()["number"] and re.fullmatch(r"\d+", booking.number)
    assert booking.start.startswith(at_ten) and booking.minutes == 60 and booking.city == "Харків"
    assert _CYRILLIC.search(booking.centre_address) and booking.vehicle == "Škoda Octavia 2015"
    assert await store.get_booking(booking.number) == booking
    assert await store.get_booking("1") is None

    after = await store.fitting_slots(centre_id=req.centre_id, date_from=day.isoformat(), days=1)
    assert not any(s.start.startswith(at_ten) for s in after)  # one bay, now taken
    assert len(after) == len(before) - 1

    with pytest.raises(StoreRejected) as caught:  # the same key, another slot
        await store.book_fitting(req.model_copy(update={"start": f"{day.isoformat()}T11:00"}), k)
    assert caught.value.error == "idempotency_conflict"
    with pytest.raises(StoreRejected) as caught:  # another caller, the taken slot
        await store.book_fitting(req.model_copy(update={"phone": new_phone()}), key())
    assert caught.value.status == 409 and caught.value.error == "slot_taken"

    for bad_start in (f"{day.isoformat()}T10:15", f"{day.isoformat()}T18:00", "2020-01-07T10:00"):
        with pytest.raises(StoreRejected) as caught:
            await store.book_fitting(req.model_copy(update={"start": bad_start}), key())
        assert caught.value.error == "invalid_slot", bad_start
    with pytest.raises(StoreNotFound):
        await store.book_fitting(req.model_copy(update={"centre_id": "NO-SUCH"}), key())


async def test_concurrent_bookings_fill_the_bays_exactly(store: StoreClient) -> None:
    day = working_day(12, [3])  # a Wednesday
    start = f"{day.isoformat()}T14:30"  # KYIV-OBOLON: 30-minute slots, 2 bays
    results = await asyncio.gather(
        *(
            store.book_fitting(
                BookingRequest(centre_id="KYIV-OBOLON", start=start, phone=new_phone()), key()
            )
            for _ in range(5)
        ),
        return_exceptions=True,
    )
    booked = [r for r in results if not isinstance(r, BaseException)]
    assert len(booked) == 2
    assert all(isinstance(r, StoreRejected) and r.error == "slot_taken" for r in results if r not in booked)
    slots = await store.fitting_slots(
        centre_id="KYIV-OBOLON", date_from=day.isoformat(), days=1, limit=50
    )
    assert len(slots) == 19 and not any(s.start.startswith(start) for s in slots)
    assert all(s.free_bays == 2 for s in slots)
