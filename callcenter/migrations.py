"""SQL migrations: numbered files applied once, in order, recorded per component.

Several processes may start at once (worker, store), so the run holds an advisory lock.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import asyncpg

_LEDGER = """
CREATE TABLE IF NOT EXISTS public.schema_migrations (
    component  text NOT NULL,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (component, name)
)
"""


def _lock_key(component: str) -> int:
    return int.from_bytes(hashlib.sha256(f"migrations:{component}".encode()).digest()[:7], "big")


async def apply_migrations(conn: asyncpg.Connection, directory: Path, *, component: str) -> list[str]:
    """Apply the `*.sql` files of `directory` not yet applied for `component`; returns their names."""
    applied_now: list[str] = []
    key = _lock_key(component)
    await conn.execute("SELECT pg_advisory_lock($1)", key)
    try:
        await conn.execute(_LEDGER)
        done = {
            row["name"]
            for row in await conn.fetch("SELECT name FROM public.schema_migrations WHERE component = $1", component)
        }
        for path in sorted(directory.glob("*.sql")):
            if path.name in done:
                continue
            async with conn.transaction():
                await conn.execute(path.read_text(encoding="utf-8"))
                await conn.execute(
                    "INSERT INTO public.schema_migrations (component, name) VALUES ($1, $2)", component, path.name
                )
            applied_now.append(path.name)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", key)
    return applied_now
