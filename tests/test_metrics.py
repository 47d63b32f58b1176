"""Labelled counters exist at zero from start-up (issue 17, item 10), and the worker exports the
Temporal SDK's metrics (item 11), scraped over HTTP from the real processes' /metrics.

A labelled series that first appears with the value 1 is invisible to increase() and rate():
Prometheus has no earlier sample to compare it with, so the first order after a restart showed 0.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from activities import metrics as agent_metrics
from activities.tools import ACTION_TOOLS, READ_TOOLS
from callcenter.devstack.processes import free_port
from callcenter.settings import REPO_ROOT
from media_edge import metrics as edge_metrics
from workflows.models import CallOutcome, TransferReason


def _samples(text: str) -> dict[str, set[tuple[tuple[str, str], ...]]]:
    """Sample name -> the label sets it is exposed with."""
    found: dict[str, set[tuple[tuple[str, str], ...]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, set()).add(tuple(sorted(sample.labels.items())))
    return found


def _has(found: dict, name: str, **labels: str) -> bool:
    want = set(labels.items())
    return any(want <= set(label_set) for label_set in found.get(name, ()))


def _worker_label_sets() -> list[tuple[str, dict[str, str]]]:
    sets = [("callcenter_calls_total", {"outcome": o.value}) for o in CallOutcome if o is not CallOutcome.IN_PROGRESS]
    sets += [("callcenter_transfers_total", {"reason": r.value}) for r in TransferReason]
    sets += [("callcenter_sms_total", {"result": r}) for r in agent_metrics.SMS_RESULTS]
    for result in ("created", "refused"):
        sets += [("callcenter_orders_total", {"result": result}), ("callcenter_bookings_total", {"result": result})]
    sets += [("callcenter_store_retries_total", {"operation": op}) for op in ("create_order", "book_fitting")]
    return sets


def test_the_known_label_values_are_the_ones_the_code_counts():
    # Every literal handed to the counting helpers is one of the values created at start-up.
    source = {p.name: p.read_text(encoding="utf-8") for p in (REPO_ROOT / "activities").glob("*.py")}
    assert set(re.findall(r'count_sms\("(\w+)"\)', source["sms.py"])) == set(agent_metrics.SMS_RESULTS)
    assert set(re.findall(r'count\("(\w+)"\)', source["fulfilment.py"])) == set(agent_metrics.WRITE_RESULTS)
    assert set(re.findall(r'count_llm_retry\(self\.name, (?:"(\w+)" if state\.spoke else "(\w+)"|"(\w+)")\)',
                          (REPO_ROOT / "activities" / "brain" / "claude_brain.py").read_text())) != set()
    kinds = set(re.findall(r'"(hedge|retry|continuation)"', (REPO_ROOT / "activities" / "brain" / "claude_brain.py").read_text()))
    assert kinds == set(agent_metrics.LLM_RETRY_KINDS)
    session = (REPO_ROOT / "media_edge" / "session.py").read_text(encoding="utf-8")
    ends = set(re.findall(r'_(?:end|close_call)\("(\w+)"', session)) | set(re.findall(r'end = "(\w+)"', session))
    ends |= set(re.findall(r'_ending = "(\w+)"', session)) | {"edge_full"}
    assert ends <= set(edge_metrics.CALL_ENDS), ends - set(edge_metrics.CALL_ENDS)
    degraded = set(re.findall(r'_degrade\("(\w+)"', session)) | {"tts", "agent"}
    assert degraded <= set(edge_metrics.DEGRADED_REASONS)


async def test_the_edge_exposes_every_known_label_set_at_zero_from_start_up(system) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"http://127.0.0.1:{system.settings.edge_http_port}/metrics")
    assert response.status_code == 200
    found = _samples(response.text)
    for end in edge_metrics.CALL_ENDS:
        assert _has(found, "edge_calls_total", end=end), end
    for reason in edge_metrics.DEGRADED_REASONS:
        assert _has(found, "edge_degraded_total", reason=reason), reason
    for tool in (*READ_TOOLS, *ACTION_TOOLS):
        assert _has(found, "callcenter_tool_seconds_count", tool=tool), tool
        for kind in agent_metrics.TOOL_ERROR_KINDS:
            assert _has(found, "callcenter_tool_errors_total", tool=tool, kind=kind), (tool, kind)
    for tool in READ_TOOLS:
        assert _has(found, "callcenter_tool_retries_total", tool=tool), tool
    for kind in agent_metrics.LLM_RETRY_KINDS:
        assert _has(found, "callcenter_llm_retries_total", engine="claude", kind=kind), kind
    assert _has(found, "callcenter_llm_first_token_seconds_count", engine="claude")


@pytest.mark.timeout(120)
async def test_the_worker_process_exposes_its_label_sets_at_zero_and_the_temporal_sdk_metrics(
    temporal_server, make_database
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": await make_database(),
        "CALLCENTER_TEMPORAL_ADDRESS": temporal_server.address,
        "CALLCENTER_CALLS_TASK_QUEUE": f"metrics-{uuid.uuid4().hex[:8]}",
        "CALLCENTER_WORKER_METRICS_PORT": str(port),
    }
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "callcenter"), "worker"], env=env, cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    try:
        text = ""
        async with httpx.AsyncClient() as http:
            for _ in range(300):  # a fresh process: imports, migrations, the worker's first polls
                assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
                try:
                    response = await http.get(f"http://127.0.0.1:{port}/metrics")
                    if response.status_code == 200 and "temporal_worker_start" in response.text:
                        text = response.text
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        assert text, "the worker's /metrics never showed the Temporal SDK's metrics"
        found = _samples(text)
        for name, labels in _worker_label_sets():
            assert _has(found, name, **labels), (name, labels)
            assert any(s for s in found[name])
        # Every one of them at zero: nothing happened yet.
        for family in text_string_to_metric_families(text):
            if family.name.startswith("callcenter_") and family.type == "counter":
                assert all(s.value == 0 for s in family.samples if s.name.endswith("_total")), family.name
        # The SDK's own metrics, through the same target (one scrape per worker replica).
        assert any(name.startswith("temporal_") for name in found)
        # (The SDK names counters without "_total" and times histograms in milliseconds.)
        queue = env["CALLCENTER_CALLS_TASK_QUEUE"]
        assert re.search(rf'^temporal_worker_start\{{[^}}]*task_queue="{queue}"', text, re.M), text[-3000:]
        assert re.search(r"^# TYPE temporal_request_latency histogram$", text, re.M)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
