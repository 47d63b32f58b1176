"""CallWorkflow on the real Temporal dev server: turns, validation, search attributes, failures, replay.

The agent step runs on a private queue with a scripted brain, so each test controls exactly
what the agent says and asks for; the workflow, the worker and the server are the real ones.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import pytest
from temporalio.client import Client, WorkflowHistory, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer, Worker

from activities.agent_step import AgentStepActivities
from activities.brain.base_brain import Brain, StepContext
from activities.store_client import StoreClient
from callcenter.worker import calls_worker
from callcenter.settings import Settings
from media_edge.phrases import PHRASES
from workflows import search_attributes as sa
from workflows.call_workflow import CallWorkflow
from workflows.models import CallerTurn, CallOutcome, CallSnapshot, NextAction, Role, TransferReason
from workflows.starter import end_call, new_call_start, send_turn, start_call

HISTORY = Path(__file__).parent / "histories" / "call_two_turns_then_transfer.json"


class ScriptedBrain(Brain):
    """Says 'Відповідь N' to turn N; asks for a transfer when the caller says 'оператор'."""

    name = "scripted"

    def __init__(self) -> None:
        self.steps = 0
        self.fail_on: str | None = None
        self.heard: list[str] = []  # the caller's words as each step saw them
        self.agent_before: list[str] = []  # the agent's last words in the history each step saw

    async def run_step(self, ctx: StepContext) -> None:
        self.steps += 1
        self.heard.append(ctx.caller_text)
        self.agent_before.append(next((m.text for m in reversed(ctx.history) if m.role == Role.AGENT), ""))
        if self.fail_on and self.fail_on in ctx.caller_text:
            raise RuntimeError("the model timed out")
        if "оператор" in ctx.caller_text:
            await ctx.tools.call("transfer_to_operator", {"reason": "клієнт попросив"})
            return
        ctx.memory["turns"] = ctx.memory.get("turns", 0) + 1
        await ctx.say(f"Відповідь {ctx.memory['turns']}.")


@pytest.fixture
async def harness(temporal_client: Client, database_url: str):
    brain = ScriptedBrain()
    suffix = uuid.uuid4().hex[:8]
    settings = Settings(
        calls_task_queue=f"wf-calls-{suffix}", edge_id=f"wf-{suffix}", llm_engine="rules", DATABASE_URL=database_url
    )
    async with StoreClient("http://127.0.0.1:9") as store:  # the scripted brain reads nothing
        steps = AgentStepActivities({"rules": brain}, store)
        async with calls_worker(temporal_client, settings):
            async with Worker(temporal_client, task_queue=settings.edge_task_queue, activities=[steps.agent_step]):
                yield settings, brain


async def _start(client: Client, settings: Settings, caller: str = "+380671234567"):
    start = new_call_start(settings, str(uuid.uuid4()), caller_number=caller, dialled_number="0800300500")
    greeting = await start_call(client, start)
    return client.get_workflow_handle(start.call_id, result_type=CallSnapshot), greeting


async def test_turns_are_answered_and_kept_in_the_transcript(temporal_client: Client, harness) -> None:
    settings, _ = harness
    handle, greeting = await _start(temporal_client, settings)
    assert greeting.reply_text == PHRASES["greeting"]

    first = await send_turn(handle, CallerTurn(turn_id=1, text="Добрий день"))
    second = await send_turn(handle, CallerTurn(turn_id=2, text="А ще?"))
    assert (first.reply_text, first.next) == ("Відповідь 1.", NextAction.LISTEN)
    assert second.reply_text == "Відповідь 2.", "the brain's memory is carried between turns"

    snapshot = await handle.query(CallWorkflow.snapshot)
    assert [(e.role, e.text) for e in snapshot.transcript] == [
        (Role.AGENT, PHRASES["greeting"]),
        (Role.CALLER, "Добрий день"),
        (Role.AGENT, "Відповідь 1."),
        (Role.CALLER, "А ще?"),
        (Role.AGENT, "Відповідь 2."),
    ]
    assert [l.turn_id for l in snapshot.latencies] == [1, 2]
    await end_call(handle, "caller_hangup")
    final = await handle.result()
    assert final.outcome == CallOutcome.COMPLETED and final.ended


async def test_stale_and_repeated_turns_are_rejected_or_deduplicated(temporal_client: Client, harness) -> None:
    settings, brain = harness
    handle, _ = await _start(temporal_client, settings)
    turn = CallerTurn(turn_id=1, text="Добрий день")
    first = await send_turn(handle, turn)
    again = await send_turn(handle, turn)  # same update id: the edge retried
    assert again == first
    assert brain.steps == 1, "a retried update must not run the agent twice"

    with pytest.raises(WorkflowUpdateFailedError) as stale:
        await handle.execute_update(CallWorkflow.caller_turn, turn, id="another-id")
    assert "stale turn 1" in str(stale.value.cause)
    with pytest.raises(WorkflowUpdateFailedError):
        await handle.execute_update(CallWorkflow.caller_turn, CallerTurn(turn_id=2, text="   "))
    await end_call(handle, "caller_hangup")
    await handle.result()
    with pytest.raises(Exception):  # the call is over: no more turns
        await send_turn(handle, CallerTurn(turn_id=3, text="Алло?"))


async def test_a_continuation_takes_back_the_unheard_turn_and_answers_both_as_one(
    temporal_client: Client, harness
) -> None:
    """The caller paused mid-sentence and went on before hearing the reply: the edge sends the
    rest as a continuation, and the agent answers the whole sentence from the state before it."""
    settings, brain = harness
    handle, _ = await _start(temporal_client, settings)
    first = await send_turn(handle, CallerTurn(turn_id=1, text="Мені потрібні"))
    assert first.revocable, "a plain reply can be taken back"
    merged = await send_turn(handle, CallerTurn(turn_id=2, text="зимові шини", heard_agent_text="", continues_turn=1))
    assert brain.heard[-1] == "Мені потрібні зимові шини"
    assert merged.reply_text == "Відповідь 1.", "the brain's memory went back to before turn 1"

    # A continuation of a turn whose reply was partly heard, or of an older turn, is a new turn.
    heard_some = await send_turn(
        handle, CallerTurn(turn_id=3, text="А ще?", heard_agent_text="Відповідь", continues_turn=2)
    )
    stale = await send_turn(handle, CallerTurn(turn_id=4, text="І ще?", heard_agent_text="", continues_turn=2))
    assert brain.heard[-2:] == ["А ще?", "І ще?"]
    assert brain.agent_before[-2] == "Відповідь …", "the agent remembers saying only what was heard"
    assert (heard_some.reply_text, stale.reply_text) == ("Відповідь 2.", "Відповідь 3.")

    snapshot = await handle.query("snapshot", result_type=CallSnapshot)
    said = [e.text for e in snapshot.transcript if e.role == Role.CALLER]
    assert said == ["Мені потрібні", "зимові шини", "А ще?", "І ще?"], "the transcript keeps what was said when"
    notes = [e.text for e in snapshot.transcript if e.role == Role.SYSTEM]
    assert sum("answered as one" in n for n in notes) == 1

    transfer = await send_turn(handle, CallerTurn(turn_id=5, text="Дайте оператора"))
    assert transfer.next == NextAction.TRANSFER and not transfer.revocable, "a transfer cannot be taken back"
    await end_call(handle, "transfer")


async def test_transfer_sets_outcome_and_search_attributes(temporal_client: Client, harness) -> None:
    settings, _ = harness
    caller = f"+38050{uuid.uuid4().int % 10**7:07d}"
    handle, _ = await _start(temporal_client, settings, caller=caller)
    result = await send_turn(handle, CallerTurn(turn_id=1, text="Дайте оператора"))
    assert result.next == NextAction.TRANSFER
    assert result.say_text == PHRASES["transfer"]
    assert result.transfer is not None and result.transfer.summary == "ШІ: клієнт попросив"
    assert result.transfer.reason == TransferReason.AGENT  # the metric's label: a fixed set, not the summary

    with pytest.raises(WorkflowUpdateFailedError):  # after a transfer the agent takes no more turns
        await send_turn(handle, CallerTurn(turn_id=2, text="Алло"))
    await end_call(handle, "transfer")
    snapshot = await handle.result()
    assert snapshot.outcome == CallOutcome.TRANSFERRED

    attributes = (await handle.describe()).typed_search_attributes
    assert attributes.get(sa.CALLER_NUMBER) == caller
    assert attributes.get(sa.CALL_OUTCOME) == "transferred"
    assert attributes.get(sa.TRANSFERRED) is True
    assert attributes.get(sa.CALL_SCENARIOS) == ["transfer"]
    assert attributes.get(sa.EDGE_ID) == settings.edge_id

    # Ops find the call by caller number and outcome (visibility is eventually consistent).
    query = f"CallerNumber = '{caller}' AND CallOutcome = 'transferred'"
    for _ in range(50):
        found = [wf.id async for wf in temporal_client.list_workflows(query)]
        if found:
            break
        await asyncio.sleep(0.1)
    assert found == [handle.id]


async def test_failed_agent_step_apologises_and_transfers(temporal_client: Client, harness) -> None:
    settings, brain = harness
    brain.fail_on = "зламайся"
    handle, _ = await _start(temporal_client, settings)
    result = await send_turn(handle, CallerTurn(turn_id=1, text="зламайся, будь ласка"))
    assert result.next == NextAction.TRANSFER
    assert result.say_text is not None and result.say_text.startswith(PHRASES["apology"])
    assert result.transfer is not None and "технічна помилка" in result.transfer.summary
    assert result.transfer.reason == TransferReason.AGENT_FAILED
    await end_call(handle, "transfer")
    snapshot = await handle.result()
    assert snapshot.outcome == CallOutcome.TRANSFERRED
    assert any(e.role == Role.SYSTEM and "failed" in e.text for e in snapshot.transcript)


async def test_hangup_before_any_turn_is_abandoned_and_recorded(temporal_client: Client, harness, database_url: str) -> None:
    import asyncpg

    settings, _ = harness
    handle, _ = await _start(temporal_client, settings)
    await end_call(handle, "caller_hangup")
    snapshot = await handle.result()
    assert snapshot.outcome == CallOutcome.ABANDONED
    conn = await asyncpg.connect(database_url)
    try:
        row = await conn.fetchrow("SELECT outcome, turns FROM callcenter.calls WHERE call_id = $1", uuid.UUID(handle.id))
    finally:
        await conn.close()
    assert (row["outcome"], row["turns"]) == ("abandoned", 0)


async def test_live_history_replays_deterministically(temporal_client: Client, harness) -> None:
    settings, _ = harness
    handle, _ = await _start(temporal_client, settings)
    await send_turn(handle, CallerTurn(turn_id=1, text="Добрий день"))
    await send_turn(handle, CallerTurn(turn_id=2, text="Потрібен оператор"))
    await end_call(handle, "transfer")
    await handle.result()
    history = await handle.fetch_history()
    if os.environ.get("RECORD_HISTORY"):
        HISTORY.parent.mkdir(exist_ok=True)
        HISTORY.write_text(history.to_json(), encoding="utf-8")
    replayer = Replayer(workflows=[CallWorkflow], data_converter=pydantic_data_converter)
    await replayer.replay_workflow(history)


async def test_recorded_history_still_replays() -> None:
    """A call recorded with an earlier build must replay on today's code (no non-determinism)."""
    history = WorkflowHistory.from_json("recorded-call", HISTORY.read_text(encoding="utf-8"))
    assert len(history.events) > 10, "a whole call: start, greeting, turns, activities, hangup, record"
    replayer = Replayer(workflows=[CallWorkflow], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history)
    assert result.replay_failure is None
