"""PostgreSQL access for the reference store: pool, idempotent seeding, and the queries.

The catalogue's SQL lives here, orders' in store/orders.py and fitting's in store/fitting.py;
``store.app`` only translates HTTP to these calls.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from store.api_models import (
    SPEED_INDEXES,
    EuLabel,
    Season,
    Tire,
    TireQuery,
    TireSearchResult,
    TireSort,
    VehicleFitment,
)
from store.catalogue import DEFAULT_SEED, catalogue, lookup_key, normalize_brand

# Separate from the migration lock: seeding runs after migrations, in its own transaction.
SEED_LOCK_KEY = 0x5107E_0002

_TIRE_COLUMNS = (
    "sku", "brand", "model", "width", "profile", "rim", "season", "studded", "load_index",
    "speed_index", "run_flat", "price_uah", "eu_fuel", "eu_wet_grip", "eu_noise_db",
    "description_uk",
)
_FITMENT_COLUMNS = (
    "make", "model", "generation", "year_from", "year_to", "sizes", "make_keys", "model_keys",
)

_ORDER_BY: dict[TireSort, str] = {
    TireSort.PRICE_ASC: "t.price_uah, t.sku",
    TireSort.PRICE_DESC: "t.price_uah DESC, t.sku",
    TireSort.BRAND: "t.brand, t.model, t.price_uah, t.sku",
    TireSort.WET_GRIP: "t.eu_wet_grip, t.price_uah, t.sku",
    TireSort.NOISE: "t.eu_noise_db, t.price_uah, t.sku",
}


async def create_pool(database_url: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(database_url, min_size=min_size, max_size=max_size)
    assert pool is not None  # create_pool only returns None when used without await
    return pool


async def seed_catalogue(pool: asyncpg.Pool, seed: int = DEFAULT_SEED) -> int:
    """Load the generated catalogue if ``store.tires`` is empty; returns tires inserted.

    One transaction under an advisory lock: concurrent starts see either nothing or
    everything, and only one of them loads.
    """
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", SEED_LOCK_KEY)
        if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM store.tires)"):
            return 0
        cat = catalogue(seed)
        await conn.executemany(
            "INSERT INTO store.warehouses (warehouse_id, city, name) VALUES ($1, $2, $3)"
            " ON CONFLICT (warehouse_id) DO NOTHING",
            cat.warehouses,
        )
        await conn.copy_records_to_table(
            "tires",
            schema_name="store",
            columns=_TIRE_COLUMNS,
            records=[
                (
                    t.sku, t.brand, t.model, t.width, t.profile, t.rim, t.season.value,
                    t.studded, t.load_index, t.speed_index, t.run_flat, t.price_uah,
                    t.eu_label.fuel, t.eu_label.wet_grip, t.eu_label.noise_db, t.description_uk,
                )
                for t in cat.tires
            ],
        )
        await conn.copy_records_to_table(
            "stock",
            schema_name="store",
            columns=("sku", "warehouse_id", "quantity"),
            records=[(r.sku, r.warehouse_id, r.quantity) for r in cat.stock],
        )
        await conn.copy_records_to_table(
            "fitment",
            schema_name="store",
            columns=_FITMENT_COLUMNS,
            records=[
                (
                    r.fitment.make, r.fitment.model, r.fitment.generation, r.fitment.year_from,
                    r.fitment.year_to, r.fitment.sizes, list(r.make_keys), list(r.model_keys),
                )
                for r in cat.fitment
            ],
        )
        return len(cat.tires)


def _tire(row: asyncpg.Record) -> Tire:
    return Tire(
        sku=row["sku"],
        brand=row["brand"],
        model=row["model"],
        width=row["width"],
        profile=row["profile"],
        rim=row["rim"],
        season=Season(row["season"]),
        studded=row["studded"],
        load_index=row["load_index"],
        speed_index=row["speed_index"],
        run_flat=row["run_flat"],
        price_uah=row["price_uah"],
        eu_label=EuLabel(
            fuel=row["eu_fuel"], wet_grip=row["eu_wet_grip"], noise_db=row["eu_noise_db"]
        ),
        description_uk=row["description_uk"],
    )


async def count_tires(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM store.tires"))


async def search_tires(pool: asyncpg.Pool, q: TireQuery) -> TireSearchResult:
    where: list[str] = []
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    for column in ("width", "profile", "rim", "studded", "run_flat"):
        value = getattr(q, column)
        if value is not None:
            where.append(f"t.{column} = {arg(value)}")
    if q.season is not None:
        where.append(f"t.season = {arg(q.season.value)}")
    if q.brand:
        where.append(f"lower(t.brand) = lower({arg(normalize_brand(q.brand))})")
    if q.min_price is not None:
        where.append(f"t.price_uah >= {arg(q.min_price)}")
    if q.max_price is not None:
        where.append(f"t.price_uah <= {arg(q.max_price)}")
    if q.load_index_min is not None:
        where.append(f"t.load_index >= {arg(q.load_index_min)}")
    if q.speed_index is not None:
        allowed = list(SPEED_INDEXES[SPEED_INDEXES.index(q.speed_index):])
        where.append(f"t.speed_index = ANY({arg(allowed)}::text[])")
    if q.in_stock_only:
        where.append("coalesce(s.total, 0) > 0")
    vehicle_sizes: list[str] | None = None
    if q.vehicle_make:
        fitments = await find_fitment(pool, q.vehicle_make, q.vehicle_model, q.vehicle_year)
        vehicle_sizes = sorted({size for f in fitments for size in f.sizes})
        if not vehicle_sizes:
            return TireSearchResult(items=[], total=0, vehicle_sizes=[])
        size_sql = "t.width::text || '/' || t.profile::text || ' R' || t.rim::text"
        where.append(f"{size_sql} = ANY({arg(vehicle_sizes)}::text[])")

    sql = f"""
        SELECT t.*, count(*) OVER () AS total_count
        FROM store.tires t
        LEFT JOIN LATERAL (
            SELECT sum(quantity) AS total FROM store.stock WHERE sku = t.sku
        ) s ON true
        {"WHERE " + " AND ".join(where) if where else ""}
        ORDER BY {_ORDER_BY[q.sort]}
        LIMIT {arg(q.limit)}
    """
    rows = await pool.fetch(sql, *args)
    total = int(rows[0]["total_count"]) if rows else 0
    return TireSearchResult(
        items=[_tire(r) for r in rows], total=total, vehicle_sizes=vehicle_sizes
    )


async def get_tire(pool: asyncpg.Pool, sku: str) -> Tire | None:
    row = await pool.fetchrow("SELECT * FROM store.tires WHERE sku = $1", sku)
    return _tire(row) if row is not None else None


async def get_stock(pool: asyncpg.Pool, sku: str) -> list[tuple[str, str, int]] | None:
    """(warehouse_id, city, quantity) for every warehouse; None if the SKU is unknown."""
    rows = await pool.fetch(
        """
        SELECT w.warehouse_id, w.city, coalesce(st.quantity, 0) AS quantity,
               EXISTS (SELECT 1 FROM store.tires WHERE sku = $1) AS known
        FROM store.warehouses w
        LEFT JOIN store.stock st ON st.warehouse_id = w.warehouse_id AND st.sku = $1
        ORDER BY w.warehouse_id
        """,
        sku,
    )
    if not rows or not rows[0]["known"]:
        return None
    return [(r["warehouse_id"], r["city"], int(r["quantity"])) for r in rows]


async def find_fitment(
    pool: asyncpg.Pool, make: str, model: str | None = None, year: int | None = None
) -> list[VehicleFitment]:
    make_key = lookup_key(make)
    model_keys: list[str] | None = None
    if model:
        key = lookup_key(model)
        model_keys = [key]
        # "Mazda 3" said as the model of make "Mazda": also try it without the make's name.
        for alias in _make_keys_for(make_key):
            if key.startswith(alias) and len(key) > len(alias):
                model_keys.append(key[len(alias):])
    rows = await pool.fetch(
        """
        SELECT make, model, generation, year_from, year_to, sizes
        FROM store.fitment
        WHERE $1 = ANY(make_keys)
          AND ($2::text[] IS NULL OR model_keys && $2::text[])
          AND ($3::int IS NULL OR (year_from <= $3 AND coalesce(year_to, 9999) >= $3))
        ORDER BY make, model, year_from
        """,
        make_key,
        model_keys,
        year,
    )
    return [
        VehicleFitment(
            make=r["make"],
            model=r["model"],
            generation=r["generation"],
            year_from=r["year_from"],
            year_to=r["year_to"],
            sizes=list(r["sizes"]),
        )
        for r in rows
    ]


def _make_keys_for(make_key: str) -> list[str]:
    """All alias keys of the make that ``make_key`` names (for stripping it off a model)."""
    for row in catalogue().fitment:
        if make_key in row.make_keys:
            return list(row.make_keys)
    return [make_key]

