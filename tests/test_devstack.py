"""The embedded dev stack: Temporal dev server, embedded PostgreSQL, the lock, the stack itself,
and scripts/bootstrap.sh."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import asyncpg
import pytest
from rich.console import Console

from callcenter.devstack import lock as stack_lock
from callcenter.devstack.processes import PortInUseError, free_port
from callcenter.devstack.stack import DevStack, run_stack, settings_env, stop_stack
from callcenter.settings import REPO_ROOT, Settings
from temporal.devserver import TemporalDevServer, TemporalStartError
from temporal.search_attributes import cluster_setup_commands, ensure_registered, list_custom
from workflows.search_attributes import ALL


# --- Temporal --------------------------------------------------------------------------------


async def test_dev_server_has_the_custom_search_attributes(temporal_client) -> None:
    registered = await list_custom(temporal_client)
    for key in ALL:
        assert registered.get(key.name) == int(key.indexed_value_type), key.name


async def test_a_cancelled_transport_call_is_retried_and_a_wrong_request_is_not(temporal_client, monkeypatch) -> None:
    # The failure CI once met under load: tonic gave up on the call ("operation was canceled").
    from temporalio.service import RPCError, RPCStatusCode

    service = temporal_client.operator_service
    real = service.list_search_attributes
    calls: list[str] = []
    cancels_left = [1]

    async def flaky(req, **kwargs):
        calls.append(req.namespace)
        if cancels_left[0]:
            cancels_left[0] -= 1
            raise RPCError("operation was canceled", RPCStatusCode.CANCELLED, b"")
        return await real(req, **kwargs)

    monkeypatch.setattr(service, "list_search_attributes", flaky)
    registered = await list_custom(temporal_client)
    assert len(calls) == 2 and all(key.name in registered for key in ALL)

    calls.clear()
    with pytest.raises(RPCError) as err:
        await list_custom(temporal_client, "no-such-namespace")
    assert err.value.status == RPCStatusCode.NOT_FOUND and len(calls) == 1


async def test_ensure_registered_is_a_no_op_when_all_are_there(temporal_client) -> None:
    assert await ensure_registered(temporal_client) == []


def test_cluster_setup_commands_cover_every_attribute() -> None:
    cmds = cluster_setup_commands("calls")
    assert len(cmds) == len(ALL)
    assert "temporal operator search-attribute create --namespace calls --name CallScenarios --type KeywordList" in cmds
    assert any("--name Transferred --type Bool" in c for c in cmds)


async def test_dev_server_that_cannot_start_reports_its_log(tmp_path: Path) -> None:
    server = TemporalDevServer(
        data_dir=tmp_path, port=free_port(), ui_port=None, extra_args=["--no-such-flag"]
    )
    with pytest.raises(TemporalStartError) as err:
        await server.start(timeout=20)
    assert "no-such-flag" in str(err.value)
    assert not server.process.is_running()


# --- PostgreSQL --------------------------------------------------------------------------------


async def test_postgres_answers_sql(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        assert (await conn.fetchval("SELECT current_database()")).startswith("test_")
        await conn.execute("CREATE TABLE t (name text)")
        await conn.execute("INSERT INTO t VALUES ('Зимові шини')")
        if not os.environ.get("DATABASE_URL"):
            # the embedded cluster's builtin C.UTF-8 locale folds Cyrillic case
            assert await conn.fetchval("SELECT count(*) FROM t WHERE name ILIKE '%ЗИМОВІ%'") == 1
    finally:
        await conn.close()


async def test_make_database_gives_a_fresh_empty_database(make_database, database_url: str) -> None:
    url = await make_database()
    assert url != database_url
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0
    finally:
        await conn.close()


# --- the lock, ports, settings ------------------------------------------------------------------


def _settings(data_dir: Path, **overrides) -> Settings:
    ports = {k: free_port() for k in ("t", "ui", "pg", "store", "worker", "edge", "as")}
    values = dict(
        data_dir=data_dir,
        temporal_address=f"127.0.0.1:{ports['t']}",
        temporal_ui_port=ports["ui"],
        temporal_ui_url=f"http://localhost:{ports['ui']}",
        pg_port=ports["pg"],
        store_port=ports["store"],
        store_url=f"http://127.0.0.1:{ports['store']}",
        worker_metrics_port=ports["worker"],
        edge_http_port=ports["edge"],
        edge_url=f"http://127.0.0.1:{ports['edge']}",
        audiosocket_port=ports["as"],
    )
    values.update(overrides)
    return Settings(**values)


async def test_second_stack_is_refused_plainly(tmp_path: Path) -> None:
    held = stack_lock.acquire(tmp_path)
    try:
        with pytest.raises(stack_lock.StackAlreadyRunning) as err:
            stack_lock.acquire(tmp_path)
        msg = str(err.value)
        assert f"the dev stack is already running (pid {os.getpid()}, started at " in msg
        assert "stop it with `make stop`" in msg

        out = io.StringIO()
        code = await run_stack(_settings(tmp_path), console=Console(file=out, width=300))
        assert code != 0
        assert "the dev stack is already running" in out.getvalue()
    finally:
        held.release()
    assert not (tmp_path / stack_lock.PID_FILE_NAME).exists()


def test_stale_pid_file_is_cleaned(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", ""])
    dead.wait()
    (tmp_path / stack_lock.PID_FILE_NAME).write_text(
        f'{{"pid": {dead.pid}, "started_at": "yesterday", "components": {{}}}}'
    )
    assert not stack_lock.is_running(tmp_path)
    lock = stack_lock.acquire(tmp_path)
    try:
        assert lock.cleaned_stale is not None and lock.cleaned_stale["pid"] == dead.pid
        assert stack_lock.read_pid_file(tmp_path)["pid"] == os.getpid()
    finally:
        lock.release()


def test_taken_port_names_the_component(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        stack = DevStack(_settings(tmp_path, store_port=port))
        with pytest.raises(PortInUseError) as err:
            stack.check_ports()
    assert err.value.component == "store"
    assert f"port {port}" in str(err.value)
    assert "CALLCENTER_STORE_PORT" in str(err.value)


def test_settings_reach_the_components_through_the_environment(monkeypatch, tmp_path: Path) -> None:
    original = _settings(tmp_path, edge_id="edge-7", end_of_turn_silence_ms=450)
    env = settings_env(original, database_url="postgresql://postgres@127.0.0.1:1/x")
    for key in list(os.environ):
        if key.startswith("CALLCENTER_") or key == "DATABASE_URL":
            monkeypatch.delenv(key)
    for key, value in env.items():
        if value:
            monkeypatch.setenv(key, value)
    again = Settings()
    assert again.database_url == "postgresql://postgres@127.0.0.1:1/x"
    for name in ("data_dir", "temporal_address", "store_url", "edge_id", "end_of_turn_silence_ms", "pg_port"):
        assert getattr(again, name) == getattr(original, name), name


# --- the whole stack, with stand-ins for store / worker / edge -------------------------------------

_FAKE_COMPONENT = textwrap.dedent(
    """
    import os, signal, sys
    from http.server import BaseHTTPRequestHandler, HTTPServer
    sub = sys.argv[1]
    env = {"store": "CALLCENTER_STORE_PORT", "worker": "CALLCENTER_WORKER_METRICS_PORT",
           "edge": "CALLCENTER_EDGE_HTTP_PORT"}[sub]
    print(sub, "DATABASE_URL", os.environ["DATABASE_URL"], flush=True)
    class H(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/health" else 404)
            self.end_headers()
        def log_message(self, *a):
            pass
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    HTTPServer(("127.0.0.1", int(os.environ[env])), H).serve_forever()
    """
)

_RUN_STACK = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from callcenter.settings import Settings
    from callcenter.devstack.stack import run
    settings = Settings(**json.loads(sys.argv[1]))
    def on_ready(info):
        print("ON_READY", info.database_url, flush=True)
    sys.exit(run(settings, on_ready=on_ready, callcenter_cmd=[sys.executable, sys.argv[2]]))
    """
)


def test_stack_starts_in_order_refuses_a_second_and_stops_on_make_stop(tmp_path: Path) -> None:
    fake = tmp_path / "fake_callcenter.py"
    fake.write_text(_FAKE_COMPONENT)
    settings = _settings(tmp_path / "data")
    plain = set(Settings.model_fields) - {"database_url_env", "store_database_url_env", "ops_token"}

    proc = subprocess.Popen(
        [sys.executable, "-c", _RUN_STACK, settings.model_dump_json(include=plain), str(fake)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 90
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("ON_READY"):
                break
        out = "".join(lines)
        assert "ON_READY postgresql://postgres@127.0.0.1:" in out, out
        order = [name for name in ("temporal", "postgres", "store", "worker", "edge") if f"✓ {name}: ready in" in out]
        assert order == ["temporal", "postgres", "store", "worker", "edge"], out
        assert (tmp_path / "data" / "logs" / "worker.log").read_text().startswith("worker DATABASE_URL postgresql://")

        second = io.StringIO()
        assert asyncio.run(run_stack(settings, console=Console(file=second, width=300))) == 1
        assert f"already running (pid {proc.pid}" in second.getvalue()

        stopped = io.StringIO()
        assert stop_stack(settings, console=Console(file=stopped, width=300)) == 0
        rest, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0, out + rest
        for name in ("edge", "worker", "store", "postgres", "temporal"):
            assert f"■ {name}: stopped" in rest
        assert rest.index("■ edge") < rest.index("■ postgres") < rest.index("■ temporal")
        assert not stack_lock.is_running(tmp_path / "data")
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(30)


# --- scripts/bootstrap.sh ------------------------------------------------------------------------


def test_bootstrap_finds_python_312_behind_a_failing_shim(tmp_path: Path) -> None:
    fakebin = tmp_path / "bin"
    fakebin.mkdir()
    for name in ("python3.12", "python3"):  # like a pyenv shim whose global version is 3.11
        shim = fakebin / name
        shim.write_text("#!/bin/sh\necho 'pyenv: python3.12: command not found' >&2\nexit 127\n")
        shim.chmod(0o755)
    pyenv_root = tmp_path / "pyenv"
    real = pyenv_root / "versions" / "3.12.99" / "bin" / "python3.12"
    real.parent.mkdir(parents=True)
    real.symlink_to(getattr(sys, "_base_executable", sys.executable))
    pyenv = fakebin / "pyenv"
    pyenv.write_text(f"#!/bin/sh\n[ \"$1\" = root ] && echo {pyenv_root}\n")
    pyenv.chmod(0o755)

    env = {"PATH": f"{fakebin}:/usr/bin:/bin", "HOME": str(tmp_path), "PYTHON": str(fakebin / "python3.12")}
    res = subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "bootstrap.sh"), "--print-python"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == str(real)


async def test_a_picked_port_taken_before_the_bind_is_replaced(tmp_path, monkeypatch) -> None:
    """Another server may grab a 'free' port between picking and binding: pick again."""
    import socket

    from callcenter.devstack import stack

    squatter = socket.socket()
    squatter.bind(("127.0.0.1", 0))
    squatter.listen()
    taken = squatter.getsockname()[1]
    picks = iter([taken])
    original = stack.free_port
    monkeypatch.setattr(stack, "free_port", lambda *a: next(picks, None) or original())
    try:
        pg = await stack.start_postgres(tmp_path / "pg", durable=False)
    finally:
        squatter.close()
    try:
        assert pg.port != taken
    finally:
        await pg.astop()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # a zombie of a parent that is gone is reaped by init at once; here it is another's child
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().split()[2] == "Z"


def test_children_of_a_parent_killed_with_sigkill_are_stopped(tmp_path: Path) -> None:
    """SIGKILL runs no cleanup in the parent: its reaper stops what it started."""
    parent = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import time
            from callcenter.devstack.processes import ManagedProcess
            child = ManagedProcess("sleeper", ["sleep", "120"], log_path={str(tmp_path / "sleeper.log")!r})
            child.start()
            print(child.pid, flush=True)
            time.sleep(120)
        """)],
        stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT,
    )
    try:
        child = int(parent.stdout.readline())
        assert not _gone(child)
        parent.kill()
        parent.wait(5)
        deadline = time.monotonic() + 5
        while not _gone(child):
            assert time.monotonic() < deadline, "the child outlived its killed parent"
            time.sleep(0.05)
    finally:
        parent.kill()
        with contextlib.suppress(ProcessLookupError, NameError):
            os.killpg(child, 9)


def test_the_reaper_leaves_alone_what_the_parent_stopped_itself() -> None:
    from callcenter.devstack.reaper import reap

    sleeper = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        assert reap([f"+{sleeper.pid}\n", f"-{sleeper.pid}\n"]) == set()
        assert sleeper.poll() is None, "forgotten: not the reaper's to stop"
        waiter = threading.Thread(target=sleeper.wait)  # collects it as soon as it ends, as init would
        waiter.start()
        assert reap([f"+{sleeper.pid}\n"]) == {sleeper.pid}
        waiter.join(5)
        assert sleeper.returncode == -15, "stopped with SIGTERM"
    finally:
        sleeper.kill()
