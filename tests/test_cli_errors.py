"""A component that is not running, or a misspelled setting: one line that says what to do, a clean exit.

Real subprocesses of the installed ``callcenter`` command, pointed at free ports where nothing
listens (no traceback, no segfault: the exit code is the command's own).
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
CALLCENTER = str(REPO_ROOT / ".venv" / "bin" / "callcenter")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    env.update(
        CALLCENTER_TEMPORAL_ADDRESS=f"127.0.0.1:{_free_port()}",
        CALLCENTER_STORE_URL=f"http://127.0.0.1:{_free_port()}",
        CALLCENTER_EDGE_URL=f"http://127.0.0.1:{_free_port()}",
        CALLCENTER_EDGE_HTTP_PORT=str(_free_port()),
        CALLCENTER_AUDIOSOCKET_PORT=str(_free_port()),
    )
    env.update(extra)
    return env


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CALLCENTER, *args], env=env or _env(), cwd=REPO_ROOT, input="Добрий день\n",
        capture_output=True, text=True, timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (("chat",), "Temporal is not running"),
        (("call", "stock_check"), "the media edge is not running"),
        (("eval", "--against-running-stack", "--yes"), "Temporal is not running"),
        (("edge",), "Temporal is not running"),
    ],
)
def test_a_component_not_running_is_one_line_and_a_clean_exit(args: tuple[str, ...], names: str) -> None:
    res = _run(*args)
    assert res.returncode == 3, res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith(f"callcenter {args[0]}: {names}")
    assert "start" in lines[0] and "Traceback" not in res.stderr


def test_eval_against_the_running_stack_asks_first() -> None:
    from callcenter.reachability import answers

    env = _env()
    # Without a terminal and without --yes it does not go on (checked after the stack is found,
    # so stand in for one with listening sockets).
    with socket.socket() as temporal, socket.socket() as store:
        for s in (temporal, store):
            s.bind(("127.0.0.1", 0))
            s.listen()
        env["CALLCENTER_TEMPORAL_ADDRESS"] = f"127.0.0.1:{temporal.getsockname()[1]}"
        env["CALLCENTER_STORE_URL"] = f"http://127.0.0.1:{store.getsockname()[1]}"
        assert answers(env["CALLCENTER_TEMPORAL_ADDRESS"], 7233)
        res = _run("eval", "--against-running-stack", env=env)
    assert res.returncode == 2, res.stderr
    assert "add test calls and orders" in res.stderr and "--yes" in res.stderr


def test_a_misspelled_setting_names_the_variable_and_the_closest_one() -> None:
    res = _run("stop", env=_env(CALLCENTER_TEMPORAL_ADRESS="127.0.0.1:7233"))
    assert res.returncode == 2
    assert res.stderr.strip() == (
        "callcenter stop: unknown setting CALLCENTER_TEMPORAL_ADRESS; did you mean CALLCENTER_TEMPORAL_ADDRESS?"
    )


def test_a_bad_value_names_the_variable_not_the_field() -> None:
    res = _run("stop", env=_env(CALLCENTER_TEMPORAL_UI_PORT="eighty"))
    assert res.returncode == 2
    line = res.stderr.strip()
    assert line.startswith("callcenter stop: bad setting CALLCENTER_TEMPORAL_UI_PORT='eighty'")
    assert "\n" not in line and "temporal_ui_port" not in line


def test_a_late_connection_failure_is_the_same_one_line() -> None:
    from callcenter.reachability import describe_failure
    from callcenter.settings import Settings

    err = RuntimeError("Failed client connect: Server connection error: tonic::transport::Error(...)")
    line = describe_failure(err, Settings(temporal_address="10.0.0.1:7233"))
    assert line is not None and line.startswith("Temporal is not reachable at 10.0.0.1:7233; start")
    assert describe_failure(RuntimeError("something else")) is None


def test_chat_with_temporal_but_no_worker_says_so(temporal_server) -> None:
    import uuid

    with socket.socket() as store:
        store.bind(("127.0.0.1", 0))
        store.listen()
        env = _env(
            CALLCENTER_TEMPORAL_ADDRESS=temporal_server.address,
            CALLCENTER_TEMPORAL_NAMESPACE=temporal_server.namespace,
            CALLCENTER_CALLS_TASK_QUEUE=f"nobody-{uuid.uuid4().hex[:8]}",
            CALLCENTER_STORE_URL=f"http://127.0.0.1:{store.getsockname()[1]}",
        )
        res = _run("chat", env=env)
    assert res.returncode == 3, res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("callcenter chat: no worker serves the task queue 'nobody-")


def test_worker_with_temporal_down_is_one_line() -> None:
    res = _run("worker", env=_env(CALLCENTER_WORKER_METRICS_PORT=str(_free_port())))
    assert res.returncode == 3, res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("callcenter worker: Temporal is not reachable"), res.stderr


def test_eval_by_default_runs_on_its_own_stack_not_the_configured_one() -> None:
    """The configured Temporal and store are dead ports: the eval passes only because it never
    touches them (its own Temporal, PostgreSQL, store and worker in a temp dir)."""
    import json

    res = subprocess.run(
        [CALLCENTER, "eval", "--filter", "operator", "--json"], env=_env(), cwd=REPO_ROOT,
        capture_output=True, text=True, timeout=180,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    summary = json.loads(res.stdout.splitlines()[-1])
    assert summary["event"] == "summary" and summary["dialogues"] >= 1 and summary["pass_rate"] == 1.0
