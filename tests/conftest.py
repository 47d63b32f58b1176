"""Session fixtures over real servers on free ports, in a temporary directory.

- ``temporal_server``: a Temporal dev server (headless, tuned, search attributes registered);
  ``.address``, ``.namespace``.
- ``temporal_client``: a temporalio Client on it (pydantic data converter, as the app uses).
- ``pg_server_url``: a PostgreSQL server URL (database ``postgres``): DATABASE_URL if set, else
  an embedded PostgreSQL.
- ``database_url``: URL of a fresh database ``test_<random>`` on it, for the whole session.
- ``make_database``: ``await make_database()`` -> URL of another fresh, empty database.

Servers start only if some collected test needs them, and in parallel (Temporal and PostgreSQL
start as background tasks as soon as the first of these fixtures is set up). Everything stops at
the end of the session; the start-up times are shown in the terminal summary.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from callcenter.devstack.postgres import EmbeddedPostgres, create_database, drop_database, with_database
from callcenter.devstack.stack import start_postgres, start_temporal
from temporal.devserver import TemporalDevServer

_TEMPORAL_FIXTURES = {"temporal_server", "temporal_client"}
_PG_FIXTURES = {"pg_server_url", "database_url", "make_database"}
_TIMINGS: dict[str, float] = {}
TEST_AGENT_WPM = 380


class _Infra:
    """Starts each server at most once per session, as a background task on the session loop."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._temporal: asyncio.Task[TemporalDevServer] | None = None
        self._pg: asyncio.Task[str] | None = None
        self.embedded_pg: EmbeddedPostgres | None = None
        self.server: TemporalDevServer | None = None
        self.created_dbs: list[str] = []

    def temporal(self) -> asyncio.Task[TemporalDevServer]:
        if self._temporal is None:
            self._temporal = asyncio.ensure_future(self._start_temporal())
        return self._temporal

    def postgres(self) -> asyncio.Task[str]:
        if self._pg is None:
            self._pg = asyncio.ensure_future(self._start_pg())
        return self._pg

    async def _start_temporal(self) -> TemporalDevServer:
        t0 = time.monotonic()
        self.server = await start_temporal(self.root / "temporal", ui_port=None)
        atexit.register(self.server.stop)
        _TIMINGS["temporal dev server"] = time.monotonic() - t0
        return self.server

    async def _start_pg(self) -> str:
        external = os.environ.get("DATABASE_URL")
        if external:
            return external
        t0 = time.monotonic()
        self.embedded_pg = await start_postgres(self.root / "pgdata", durable=False)
        atexit.register(self.embedded_pg.stop)
        _TIMINGS["embedded postgres"] = time.monotonic() - t0
        return self.embedded_pg.url("postgres")

    async def new_database(self) -> str:
        server_url = await self.postgres()
        name = f"test_{uuid.uuid4().hex[:12]}"
        await create_database(server_url, name)
        self.created_dbs.append(name)
        return with_database(server_url, name)

    async def close(self) -> None:
        for task in (self._temporal, self._pg):
            if task is not None and not task.done():
                task.cancel()
        if self._pg is not None and self._pg.done() and not self._pg.cancelled() and self._pg.exception() is None:
            if self.embedded_pg is None:  # external server: drop what we created
                for name in self.created_dbs:
                    try:
                        await drop_database(self._pg.result(), name)
                    except Exception:  # noqa: BLE001 - best effort
                        pass
        stops = []
        if self.server is not None:
            stops.append(self.server.astop())
        if self.embedded_pg is not None:
            stops.append(self.embedded_pg.astop())
        await asyncio.gather(*stops, return_exceptions=True)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def _infra(request: pytest.FixtureRequest) -> AsyncIterator[_Infra]:
    root = Path(tempfile.mkdtemp(prefix="callcenter-tests-"))
    infra = _Infra(root)
    needed: set[str] = set()
    for item in request.session.items:
        needed.update(getattr(item, "fixturenames", ()))
    if needed & _TEMPORAL_FIXTURES:
        infra.temporal()
    if needed & _PG_FIXTURES:
        infra.postgres()
    try:
        yield infra
    finally:
        await infra.close()
        shutil.rmtree(root, ignore_errors=True)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def temporal_server(_infra: _Infra) -> TemporalDevServer:
    return await _infra.temporal()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def temporal_client(temporal_server: TemporalDevServer) -> Client:
    return await Client.connect(
        temporal_server.address,
        namespace=temporal_server.namespace,
        data_converter=pydantic_data_converter,
    )


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def pg_server_url(_infra: _Infra) -> str:
    return await _infra.postgres()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def database_url(_infra: _Infra) -> str:
    return await _infra.new_database()


@pytest.fixture
def make_database(_infra: _Infra) -> Callable[[], Awaitable[str]]:
    return _infra.new_database


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _TIMINGS:
        parts = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in _TIMINGS.items())
        terminalreporter.write_line(f"test servers started (in parallel): {parts}")


# --- the whole system in process (store, worker, edge) over the real servers above ----------


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def system(temporal_server: TemporalDevServer, temporal_client: Client, database_url: str):
    """Store, calls worker and media edge on free ports, talking to real Temporal and PostgreSQL."""
    from callcenter.devstack.inprocess import running_system

    # The agent talks faster than on the phone: the calls are real-time audio, and the tests wait
    # for every word of it; the code paths are the same at any rate.
    async with running_system(
        temporal_client, temporal_server.address, database_url, espeak_rate_wpm=TEST_AGENT_WPM
    ) as running:
        yield running
