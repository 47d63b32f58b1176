"""`callcenter demo --once` as a user runs it: five real processes, a scripted call, a clean stop.

Ports and the data folder are moved with the documented settings, so the test never collides
with a dev stack someone is running on the default ports.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
from pathlib import Path

CALLCENTER = Path(sys.executable).parent / "callcenter"


def _free_ports(count: int) -> list[int]:
    """Free ports below the kernel's ephemeral range: the Temporal dev server binds random ports
    of its own (from that range) while the stack starts, and must not take one of ours."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports: list[int] = []
    for port in random.sample(range(max(1024, low - 12000), low), 200):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
        if len(ports) == count:
            return ports
    raise RuntimeError("no free ports below the ephemeral range")


def test_demo_once_runs_the_whole_stack_and_passes_the_call(tmp_path: Path) -> None:
    temporal, ui, pg, store, edge_http, audiosocket, worker = _free_ports(7)
    env = {
        **os.environ,
        "CALLCENTER_DATA_DIR": str(tmp_path / "data"),
        "CALLCENTER_TEMPORAL_ADDRESS": f"127.0.0.1:{temporal}",
        "CALLCENTER_TEMPORAL_UI_PORT": str(ui),
        "CALLCENTER_TEMPORAL_UI_URL": f"http://localhost:{ui}",
        "CALLCENTER_PG_PORT": str(pg),
        "CALLCENTER_STORE_PORT": str(store),
        "CALLCENTER_STORE_URL": f"http://127.0.0.1:{store}",
        "CALLCENTER_EDGE_HTTP_PORT": str(edge_http),
        "CALLCENTER_EDGE_URL": f"http://127.0.0.1:{edge_http}",
        "CALLCENTER_AUDIOSOCKET_PORT": str(audiosocket),
        "CALLCENTER_WORKER_METRICS_PORT": str(worker),
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [str(CALLCENTER), "demo", "--once", "--script", "operator"],
        env=env, capture_output=True, text=True, timeout=240,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "PASS: outcome transferred" in output
    assert f"http://localhost:{ui}/namespaces/default/workflows/" in output, "the call's Temporal UI link"
    logs = tmp_path / "data" / "logs"
    assert {p.stem for p in logs.glob("*.log")} >= {"temporal", "postgres", "store", "worker", "edge"}
    assert "+38093***6543" in (logs / "edge.log").read_text(), "the caller is logged, masked"
    assert "+380939876543" not in (logs / "edge.log").read_text()
    assert not (tmp_path / "data" / "devstack.pid").exists(), "the stack cleaned up after itself"
