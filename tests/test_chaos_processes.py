"""Process faults at their quick sizes (chaos/processes.py), over real parts: calls over the real
AudioSocket path, a real ``callcenter worker`` subprocess killed with SIGKILL, a real Temporal dev
server stopped and started again on its SQLite file.

What is asserted is what a caller and the back office would check: the call answered again after
the fault and not handed over, every confirmed order in the store exactly once with one SMS,
every call's workflow completed with its record (and the record says how and when it ended).
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time

import psutil
import pytest
import pytest_asyncio

from chaos import processes
from chaos.report import text_report


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def process_faults(temporal_server, _infra) -> tuple[processes.ProcessFaultResult, processes.ProcessFaultResult]:
    """Both scenarios at once (the restart has a Temporal server of its own): a minute, not two."""
    killed, restarted = await asyncio.gather(
        processes.worker_kill(1, temporal_address=temporal_server.address, database_url=await _infra.new_database()),
        processes.temporal_restart(1, database_url=await _infra.new_database()),
    )
    print(text_report(killed))
    print(text_report(restarted))
    return killed, restarted


@pytest.fixture
def worker_killed(process_faults) -> processes.ProcessFaultResult:
    return process_faults[0]


@pytest.mark.timeout(300)
async def test_a_killed_worker_loses_no_order_sms_or_call_record(worker_killed) -> None:
    office = worker_killed.office
    assert worker_killed.checked["at the kill: create_order in flight"] == 1, "the kill missed the order"
    assert office is not None and office.lost == [], office and office.lost
    assert (office.confirmed, office.orders, office.sms_sent) == (1, 1, 1)
    assert (office.completed, office.records) == (1, 1)


@pytest.mark.timeout(300)
async def test_a_call_goes_on_after_its_worker_is_killed_and_replaced(worker_killed) -> None:
    (view,) = worker_killed.views
    assert worker_killed.caller_lost == []
    assert len(view.turns) == len(processes.ORDER_LINES) and all(t.answer is not None for t in view.turns)
    assert view.hung_up_by == "agent" and view.disposition == "hangup"


@pytest.mark.timeout(300)
async def test_a_temporal_restart_mid_call_and_at_hangup_loses_nothing(process_faults) -> None:
    result = process_faults[1]
    (view,) = result.views
    office = result.office
    # The turn that fell inside the outage: the filler within ~2 s, then its answer once
    # Temporal was back, not an apology and an operator (media_edge/session.py _send_turn).
    caught = [t for t in view.turns if t.line == processes.ORDER_LINE]
    assert caught and caught[0].silence_s is not None and caught[0].silence_s < 2.5, caught
    assert caught[0].answer is not None and not caught[0].apology, caught
    assert result.caller_lost == []
    assert not view.handed_over and len(view.turns) == processes.CONFIRM + 1
    # The caller hung up while Temporal was down: the hangup signal is sent again once it is
    # back (_signal_hangup), so the workflow ends now, not at the call's time limit, and its
    # record says the caller hung up, when they did.
    assert office is not None and office.lost == [], office and office.lost
    assert (office.completed, office.records) == (1, 1)
    assert office.rows[view.call_id]["hangup_reason"] == "caller_hangup"
    assert (office.confirmed, office.orders, office.sms_sent) == (1, 1, 1)
    assert result.lost == []


@pytest.mark.timeout(120)
def test_a_chaos_run_stopped_with_sigterm_leaves_no_process_behind() -> None:
    """A chaos run cut short (a timeout, ``kill``) stops the Temporal server, PostgreSQL and
    worker it started: they used to run on after it."""
    run = subprocess.Popen([sys.executable, "-m", "callcenter", "chaos", "--only", "worker_kill"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        parent = psutil.Process(run.pid)
        deadline = time.monotonic() + 60
        started: list[psutil.Process] = []
        while time.monotonic() < deadline and run.poll() is None:
            started = parent.children(recursive=True)
            names = {_name(p) for p in started}
            if {"temporal", "postgres", "worker"} <= names:
                break
            time.sleep(0.2)
        assert {"temporal", "postgres", "worker"} <= {_name(p) for p in started}, "the scenario never got going"
        run.send_signal(signal.SIGTERM)
        assert run.wait(30) == 130
        _, alive = psutil.wait_procs(started, timeout=10)
        assert alive == []
    finally:
        if run.poll() is None:
            run.kill()


def _name(process: psutil.Process) -> str:
    """temporal, postgres, worker (a ``callcenter worker``), or what else it is."""
    try:
        if "worker" in process.cmdline():
            return "worker"
        return process.name()
    except psutil.Error:
        return "gone"
