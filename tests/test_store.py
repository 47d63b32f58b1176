"""The reference Store API end to end: real PostgreSQL, real uvicorn on a socket, our client.

Uses the session fixtures ``database_url`` / ``make_database`` from tests/conftest.py.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio

from activities.store_client import (
    StoreClient,
    StoreNotFound,
    StoreRejected,
    StoreUnavailable,
)
from store import db
from store.api_models import Season, TireQuery, parse_size
from store.catalogue import SIZES, catalogue, generate_catalogue, known_skus
from store.migrate import MIGRATIONS_DIR, migrate
from callcenter.devstack.inprocess import running_store

KNOWN = known_skus()
MIGRATIONS = len(list(MIGRATIONS_DIR.glob("*.sql")))
_CYRILLIC = re.compile(r"[а-щьюяґєії]", re.IGNORECASE)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def store_url(database_url: str) -> AsyncIterator[str]:
    async with running_store(database_url, latency_ms=0, error_rate=0, timeout_rate=0) as url:
        yield url


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def store(store_url: str) -> AsyncIterator[StoreClient]:
    async with StoreClient(store_url) as client:
        yield client


# -- catalogue (no database) -----------------------------------------------------------------


def test_catalogue_is_deterministic_and_big_enough() -> None:
    first, second = generate_catalogue(), generate_catalogue()
    assert [t.model_dump() for t in first.tires] == [t.model_dump() for t in second.tires]
    assert first.stock == second.stock
    assert first.fitment == second.fitment
    assert generate_catalogue(seed=1).tires != first.tires  # the seed matters

    assert len(first.tires) >= 400
    assert len({t.sku for t in first.tires}) == len(first.tires)
    models = {(r.fitment.make, r.fitment.model) for r in first.fitment}
    assert len(models) >= 150
    # Every size a car needs is one the shop sells.
    sizes = {s.text for s in SIZES}
    assert {s for r in first.fitment for s in r.fitment.sizes} <= sizes


def test_catalogue_looks_like_a_ukrainian_shop() -> None:
    cat = catalogue()
    assert {"Michelin", "Nokian", "Premiorri", "Rosava", "Belshina"} <= {t.brand for t in cat.tires}
    for tire in cat.tires:
        assert _CYRILLIC.search(tire.description_uk), tire.sku
        assert 1000 < tire.price_uah < 20000, tire.sku
    budget_r15 = [t.price_uah for t in cat.tires if t.brand == "Premiorri" and t.rim == 15]
    premium_r20 = [t.price_uah for t in cat.tires if t.brand == "Michelin" and t.rim == 20]
    assert max(budget_r15) < 3000 < 9000 < min(premium_r20)
    assert any(t.studded for t in cat.tires) and any(t.run_flat for t in cat.tires)

    tires = {t.sku: t for t in cat.tires}
    michelin = tires[KNOWN.michelin_winter_205_55_r16]
    assert (michelin.brand, michelin.season) == ("Michelin", Season.WINTER)
    assert michelin.size == "205/55 R16"
    assert cat.stock_in(michelin.sku, "KYIV-1") > 0
    assert tires[KNOWN.nokian_winter_205_55_r16].brand == "Nokian"
    assert tires[KNOWN.premiorri_summer_205_55_r16].season == Season.SUMMER
    assert cat.total_stock(KNOWN.out_of_stock_everywhere) == 0


def test_size_parsing() -> None:
    assert parse_size("205/55 R16") == (205, 55, 16)
    assert parse_size("205/55r16") == parse_size("205/55 Р16") == (205, 55, 16)  # Cyrillic Р
    assert TireQuery(size="225/45R17").rim == 17
    with pytest.raises(ValueError):
        TireQuery(size="205/55 R16", width=195)


# -- the API over a real socket --------------------------------------------------------------


async def test_health_counts_the_catalogue(store: StoreClient) -> None:
    health = await store.health()
    assert health.status == "ok"
    assert health.tires == len(catalogue().tires)


async def test_search_by_size_and_season_cheapest_first_in_stock(store: StoreClient) -> None:
    result = await store.search_tires(
        TireQuery(width=205, profile=55, rim=16, season=Season.WINTER, limit=50)
    )
    assert result.total >= len(result.items) >= 10
    prices = [t.price_uah for t in result.items]
    assert prices == sorted(prices)
    for tire in result.items:
        assert (tire.size, tire.season) == ("205/55 R16", Season.WINTER)
    skus = {t.sku for t in result.items}
    assert KNOWN.michelin_winter_205_55_r16 in skus
    assert KNOWN.out_of_stock_everywhere not in skus  # in_stock_only defaults to true
    for tire in result.items[:5]:
        assert (await store.availability(tire.sku)).in_stock

    everything = await store.search_tires(
        TireQuery(size="205/55 R16", season=Season.WINTER, in_stock_only=False, limit=50)
    )
    assert everything.total > result.total
    assert KNOWN.out_of_stock_everywhere in {t.sku for t in everything.items}


async def test_search_filters(store: StoreClient) -> None:
    michelin = await store.search_tires(
        TireQuery(size="205/55 R16", brand="Мішлен", season=Season.WINTER, studded=False, limit=20)
    )
    assert michelin.items and all(t.brand == "Michelin" and not t.studded for t in michelin.items)

    cheap = await store.search_tires(TireQuery(size="185/65 R15", max_price=2500, limit=50))
    assert cheap.items and all(t.price_uah <= 2500 for t in cheap.items)

    fast = await store.search_tires(TireQuery(rim=18, speed_index="W", limit=50))
    assert fast.items and all(t.speed_index in ("W", "Y") for t in fast.items)

    dearest = await store.search_tires(TireQuery(size="205/55 R16", sort="price_desc", limit=3))
    assert [t.price_uah for t in dearest.items] == sorted(
        (t.price_uah for t in dearest.items), reverse=True
    )


async def test_search_by_vehicle_and_the_remaining_filters(store: StoreClient) -> None:
    octavia = await store.search_tires(
        TireQuery(
            vehicle_make="Шкода", vehicle_model="Октавія", vehicle_year=2015,
            season=Season.WINTER, limit=50,
        )
    )  # fmt: skip
    assert octavia.vehicle_sizes == ["195/65 R15", "205/55 R16", "225/45 R17"]
    assert octavia.items and all(t.size in octavia.vehicle_sizes for t in octavia.items)
    assert len({t.size for t in octavia.items}) > 1 and octavia.total >= len(octavia.items)
    assert all(t.season == Season.WINTER for t in octavia.items)
    assert (await store.search_tires(TireQuery(size="205/55 R16"))).vehicle_sizes is None

    trabant = await store.search_tires(TireQuery(vehicle_make="Trabant", vehicle_model="601"))
    assert (trabant.items, trabant.total, trabant.vehicle_sizes) == ([], 0, [])

    run_flat = await store.search_tires(TireQuery(run_flat=True, limit=20))
    assert run_flat.items and all(t.run_flat for t in run_flat.items)
    studded = await store.search_tires(TireQuery(studded=True, rim=15, limit=20))
    assert studded.items and all(t.studded and t.season == Season.WINTER for t in studded.items)
    heavy = await store.search_tires(TireQuery(load_index_min=100, min_price=5000, limit=20))
    assert heavy.items and all(t.load_index >= 100 and t.price_uah >= 5000 for t in heavy.items)
    with pytest.raises(ValueError):
        TireQuery(vehicle_model="Octavia")  # a model needs its make


async def test_bad_parameters_are_a_clear_422(store_url: str, store: StoreClient) -> None:
    async with httpx.AsyncClient(base_url=store_url) as http:
        response = await http.get("/v1/tires", params={"width": "abc", "sezon": "winter"})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_request"
    assert "width" in body["detail"] and "sezon: unknown parameter" in body["detail"]

    with pytest.raises(StoreRejected) as caught:
        await store.fitment("", "Octavia")
    assert caught.value.status == 422 and "make" in str(caught.value)


async def test_unknown_sku_is_404(store_url: str, store: StoreClient) -> None:
    assert await store.get_tire("NO-SUCH-SKU") is None
    async with httpx.AsyncClient(base_url=store_url) as http:
        response = await http.get("/v1/tires/NO-SUCH-SKU")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found" and "NO-SUCH-SKU" in response.json()["detail"]

    with pytest.raises(StoreNotFound):
        await store.availability("NO-SUCH-SKU", "Київ")

    tire = await store.get_tire(KNOWN.premiorri_summer_205_55_r16)
    assert tire is not None and tire.brand == "Premiorri" and tire.size == "205/55 R16"


async def test_availability_with_city_in_ukrainian(store: StoreClient) -> None:
    kyiv = await store.availability(KNOWN.michelin_winter_205_55_r16, "Київ")
    assert kyiv.in_stock and kyiv.city == "Київ"
    assert kyiv.pickup_available and kyiv.delivery_days == 1
    assert kyiv.warehouses[0].city == "Київ" and kyiv.warehouses[0].quantity > 0
    assert kyiv.total_quantity == sum(w.quantity for w in kyiv.warehouses)
    assert {w.city for w in kyiv.warehouses} == {"Київ", "Львів", "Одеса", "Дніпро", "Харків"}

    # Nothing of it in Lviv's warehouse: delivered from elsewhere; locative case understood.
    lviv = await store.availability(KNOWN.michelin_winter_205_55_r16, "у Львові")
    assert lviv.city == "Львів" and not lviv.pickup_available
    assert lviv.delivery_days is not None and 1 <= lviv.delivery_days <= 3

    nokian = await store.availability(KNOWN.nokian_winter_205_55_r16, "Lviv")
    assert nokian.city == "Львів" and nokian.pickup_available

    none = await store.availability(KNOWN.out_of_stock_everywhere, "Одеса")
    assert not none.in_stock and none.total_quantity == 0 and none.delivery_days is None


async def test_fitment_understands_cyrillic(store: StoreClient) -> None:
    octavia = await store.fitment("Шкода", "Октавія", 2015)
    assert octavia and all(f.make == "Skoda" and f.model == "Octavia" for f in octavia)
    assert "205/55 R16" in {s for f in octavia for s in f.sizes}
    assert all(f.year_from <= 2015 <= (f.year_to or 9999) for f in octavia)

    assert await store.fitment("SKODA", "octavia", 2015) == octavia
    assert len(await store.fitment("skoda", "Octavia")) == 3  # every generation
    assert (await store.fitment("Мазда", "CX 5", 2019))[0].model == "CX-5"
    assert (await store.fitment("BMW", "Х5", 2020))[0].sizes  # Cyrillic Х
    assert await store.fitment("Trabant", "601") == []

    # Fitment → search: the agent's usual path finds tires for the car.
    size = octavia[0].sizes[1]
    width, profile, rim = parse_size(size)
    found = await store.search_tires(TireQuery(width=width, profile=profile, rim=rim, limit=3))
    assert found.items and all(t.size == size for t in found.items)


# -- fault injection and client errors -------------------------------------------------------


async def test_error_rate_gives_store_unavailable(database_url: str) -> None:
    async with running_store(database_url, error_rate=1.0) as url, StoreClient(url) as client:
        with pytest.raises(StoreUnavailable) as caught:
            await client.search_tires(TireQuery(size="205/55 R16"))
        assert caught.value.reason == "server_error" and caught.value.status == 500
        assert "/v1/tires" in str(caught.value)
        assert (await client.health()).status == "ok"  # faults spare /health


async def test_latency_shows(database_url: str) -> None:
    async with running_store(database_url, latency_ms=300) as url, StoreClient(url) as client:
        started = time.monotonic()
        await client.get_tire(KNOWN.michelin_winter_205_55_r16)
        assert time.monotonic() - started >= 0.3
        started = time.monotonic()
        await client.health()
        assert time.monotonic() - started < 0.3


async def test_hang_times_out_within_the_deadline(database_url: str) -> None:
    async with running_store(database_url, timeout_rate=1.0) as url:
        async with StoreClient(url, timeout_s=0.5) as client:
            started = time.monotonic()
            with pytest.raises(StoreUnavailable) as caught:
                await client.availability(KNOWN.michelin_winter_205_55_r16, "Київ")
            assert caught.value.reason == "timeout"
            assert time.monotonic() - started < 1.5


async def test_connection_error_message_has_no_secrets() -> None:
    async with StoreClient("http://user:s3cret@127.0.0.1:9", timeout_s=1.0) as client:
        with pytest.raises(StoreUnavailable) as caught:
            await client.fitment("Skoda", "Octavia")
    assert caught.value.reason == "connection"
    assert "/v1/vehicles/fitment" in str(caught.value) and "s3cret" not in str(caught.value)


# -- schema and seeding ----------------------------------------------------------------------


async def test_seed_is_idempotent_across_restarts(make_database: Any) -> None:
    url = await make_database()

    async def snapshot() -> tuple[int, int, int, int]:
        conn = await asyncpg.connect(url)
        try:
            row = await conn.fetchrow(
                "SELECT (SELECT count(*) FROM store.tires) AS tires,"
                " (SELECT sum(quantity) FROM store.stock) AS stock,"
                " (SELECT count(*) FROM store.fitment) AS fitment,"
                " (SELECT count(*) FROM public.schema_migrations WHERE component = 'store') AS migrations"
            )
            return row["tires"], row["stock"], row["fitment"], row["migrations"]
        finally:
            await conn.close()

    async with running_store(url) as base, StoreClient(base) as client:
        assert (await client.health()).tires == len(catalogue().tires)
    first = await snapshot()
    async with running_store(url) as base, StoreClient(base) as client:
        assert (await client.health()).tires == len(catalogue().tires)
    assert await snapshot() == first
    assert first[3] == MIGRATIONS


async def test_concurrent_starts_migrate_and_seed_once(make_database: Any) -> None:
    url = await make_database()
    pools = [await db.create_pool(url, max_size=2) for _ in range(3)]
    try:
        applied = await asyncio.gather(*(migrate(p) for p in pools))
        assert sorted(len(a) for a in applied) == [0, 0, MIGRATIONS]
        inserted = await asyncio.gather(*(db.seed_catalogue(p) for p in pools))
        assert sorted(inserted) == [0, 0, len(catalogue().tires)]
        assert await db.count_tires(pools[0]) == len(catalogue().tires)
    finally:
        await asyncio.gather(*(p.close() for p in pools))
