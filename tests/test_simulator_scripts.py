"""Call scripts: bundled ones load, bad ones fail with a clear message, expectations are checked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from callcenter.simulator.script import SCRIPTS_DIR, CallScript, Expectations, check_expectations
from workflows.models import CallOutcome, CallSnapshot, Role, Scenario, ToolCall, TranscriptEntry


def test_every_bundled_script_loads_and_expects_something() -> None:
    scripts = sorted(SCRIPTS_DIR.glob("*.yaml"))
    assert {p.stem for p in scripts} >= {"winter_tires", "stock_check", "operator"}
    for path in scripts:
        script = CallScript.load(path.stem)
        assert script.lines and script.expect.outcome is not None and script.expect.tools


def test_unknown_script_names_the_bundled_ones() -> None:
    with pytest.raises(FileNotFoundError, match="bundled scripts: .*operator.*stock_check"):
        CallScript.load("no_such_script")


def test_a_line_says_words_or_presses_keys(tmp_path) -> None:
    with pytest.raises(ValidationError, match="not both or neither"):
        CallScript.model_validate({"name": "x", "lines": [{"say": "Так", "dtmf": "1"}]})
    with pytest.raises(ValidationError):
        CallScript.model_validate({"name": "x", "lines": [{"dtmf": "1x"}]})
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid YAML"):
        CallScript.load(bad)


def _snapshot(tools: list[str], outcome: CallOutcome, said: str) -> CallSnapshot:
    now = datetime.now(UTC)
    return CallSnapshot(
        call_id="c",
        caller_number="",
        outcome=outcome,
        scenarios=[Scenario.TIRE_SEARCH],
        transcript=[
            TranscriptEntry(role=Role.CALLER, text="…", at=now, turn_id=1),
            TranscriptEntry(
                role=Role.AGENT, text=said, at=now, turn_id=1, tool_calls=[ToolCall(name=t) for t in tools]
            ),
        ],
        latencies=[],
    )


def test_expectations_report_every_difference() -> None:
    expect = Expectations(
        tools=["search_tires", "check_availability"],
        outcome=CallOutcome.COMPLETED,
        scenarios=[Scenario.AVAILABILITY],
        agent_says=["Львові"],
        hangup_by="agent",
    )
    good = _snapshot(["search_tires", "check_availability"], CallOutcome.COMPLETED, "є у Львові")
    good.scenarios.append(Scenario.AVAILABILITY)
    assert check_expectations(expect, good, edge_hung_up=True) == []

    bad = _snapshot(["check_availability", "search_tires"], CallOutcome.TRANSFERRED, "є у Києві")
    problems = check_expectations(expect, bad, edge_hung_up=False)
    assert any("check_availability not called in order" in p for p in problems)
    assert "outcome transferred, expected completed" in problems
    assert "scenarios missing: availability" in problems
    assert "agent never said 'Львові'" in problems
    assert "the edge did not end the call" in problems
