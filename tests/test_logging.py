"""Logs: one format with the call id as a field (uvicorn's lines too), callers' numbers masked and
the shop's own number whole, the previous runs' logs kept, one outcome line per call."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from callcenter.logging_setup import FORMAT, MaskPhonesFilter, ShopNumber, bind_call, rotate_logs, setup_logging

CALL = "3a6b5d44-6a41-40fd-881a-b70f5b593423"


@pytest.fixture
def captured():
    setup_logging()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(MaskPhonesFilter())
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers[:] = [handler]
    yield stream
    root.handlers[:] = saved


def test_one_format_with_the_call_id_as_a_field(captured: io.StringIO) -> None:
    log = logging.getLogger("media_edge.session")
    log.info("call %s from %s to %s", CALL, "+380671112233", ShopNumber("+380443334455"))
    log.info("no call here, %d%% done", 50)
    logging.getLogger("uvicorn.error").warning("Shutting down")
    lines = captured.getvalue().splitlines()
    assert lines[0].endswith(f"INFO media_edge.session call={CALL}: call {CALL} from +38067***2233 to +380443334455")
    assert lines[1].endswith("INFO media_edge.session call=-: no call here, 50% done")
    assert lines[2].endswith("WARNING uvicorn.error call=-: Shutting down"), "uvicorn in the same format"
    # uvicorn keeps no handler (and so no format) of its own.
    assert logging.getLogger("uvicorn.error").handlers == [] and logging.getLogger("uvicorn").handlers == []


def test_a_bound_call_and_temporal_context_give_the_field(captured: io.StringIO) -> None:
    import asyncio

    async def in_a_call_task() -> None:
        bind_call(CALL)
        logging.getLogger("media_edge.session").info("barge-in")

    asyncio.run(in_a_call_task())
    logging.getLogger("x").info("step", extra={"temporal_activity": {"workflow_id": f"{CALL}-order-2"}})
    lines = captured.getvalue().splitlines()
    assert f"call={CALL}: barge-in" in lines[0]
    assert f"call={CALL}: step" in lines[1], "a fulfilment's workflow id names its call"


def test_numbers_in_free_text_are_still_masked(captured: io.StringIO) -> None:
    logging.getLogger("x").info("caller +380501234567 said 0671112233")
    assert "+38050***4567" in captured.getvalue() and "06711***2233" in captured.getvalue()


def test_the_previous_runs_logs_are_kept(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    for run in range(1, 8):
        rotate_logs(logs, keep=3)
        (logs / "edge.log").write_text(f"run {run}\n")
    assert (logs / "edge.log").read_text() == "run 7\n"
    assert [(logs / f"edge.log.{n}").read_text() for n in (1, 2, 3)] == ["run 6\n", "run 5\n", "run 4\n"]
    assert not (logs / "edge.log.4").exists()


def test_the_dev_stack_rotates_before_it_writes() -> None:
    source = (Path(__file__).resolve().parent.parent / "callcenter" / "devstack" / "stack.py").read_text()
    start = source.index("    async def start(self) -> StackInfo:")
    assert source.index("rotate_logs(self.logs_dir)", start) < source.index("temporal.spawn()", start)


async def test_one_outcome_line_per_call_from_the_edge_and_from_the_worker(system, caplog) -> None:
    import asyncio

    from callcenter.simulator.runner import CallerVoice, run_call
    from callcenter.simulator.script import CallScript

    caplog.set_level(logging.INFO, logger="media_edge.session")
    caplog.set_level(logging.INFO, logger="workflows.outcome")
    script = CallScript.load("operator")
    report = await run_call(system.settings, script, voice=CallerVoice(), out=None)
    for _ in range(100):  # the workflow ends (and logs) once the edge's hangup reached it
        if any(r.name == "workflows.outcome" and report.call_id in r.getMessage() for r in caplog.records):
            break
        await asyncio.sleep(0.1)
    edge = [r.getMessage() for r in caplog.records
            if r.name == "media_edge.session" and f"call {report.call_id} ended at the edge" in r.getMessage()]
    worker = [r.getMessage() for r in caplog.records
              if r.name == "workflows.outcome" and f"call {report.call_id} ended" in r.getMessage()]
    assert len(edge) == 1 and len(worker) == 1, (edge, worker)
    assert "transfer" in edge[0]
    dialled = edge[0].rsplit(" to ", 1)[1]
    assert "***" not in dialled, "the shop's own number is not masked"
    assert worker[0].startswith(f"call {report.call_id} ended: transferred;")
