"""The store schema's migrations: `store/migrations/*.sql`, applied by the shared runner.

    python -m store.migrate DATABASE_URL
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import asyncpg

from callcenter.migrations import apply_migrations

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


async def migrate(db: asyncpg.Pool | asyncpg.Connection, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending store migrations; returns the files applied by this call."""
    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as conn:
            return await apply_migrations(conn, directory, component="store")
    return await apply_migrations(db, directory, component="store")


async def _main(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        applied = await migrate(conn)
    finally:
        await conn.close()
    print("applied: " + (", ".join(applied) if applied else "nothing (up to date)"))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m store.migrate DATABASE_URL")
    asyncio.run(_main(sys.argv[1]))
