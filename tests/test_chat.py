"""Text chat with the agent: the real CallWorkflow on Temporal, the agent step, the store, the record.

In process through `callcenter.chat.chat()`, and as a user runs it: `callcenter chat FILE --json`
and lines piped on stdin.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from callcenter.chat import agent_worker, chat
from callcenter.settings import REPO_ROOT
from workflows.models import CallOutcome, CallSnapshot, Role

STOCK_CHECK = [
    "Добрий день, шукаю зимові шини двісті п'ять п'ятдесят п'ять ер шістнадцять.",
    "А перша є в наявності у Києві?",
    "Дякую, до побачення.",
]
CALLCENTER = REPO_ROOT / ".venv" / "bin" / "callcenter"


@pytest_asyncio.fixture(loop_scope="session")
async def agent_queue(temporal_client, system) -> AsyncIterator[str]:
    async with agent_worker(temporal_client, system.settings) as queue:
        yield queue


def kinds(events: list[dict]) -> list[str]:
    return [event["event"] for event in events]


async def test_three_line_conversation(temporal_client, system, agent_queue: str) -> None:
    out = io.StringIO()
    result = await chat(temporal_client, system.settings, STOCK_CHECK, agent_queue=agent_queue, out=out)
    events = result.events

    assert kinds(events) == [
        "call", "agent",  # greeting
        "caller", "tool", "agent",  # search
        "caller", "tool", "agent",  # availability
        "caller", "tool", "agent", "action",  # goodbye
        "outcome",
    ]
    assert [e["text"] for e in events if e["event"] == "caller"] == STOCK_CHECK
    tools = [e for e in events if e["event"] == "tool"]
    assert [t["name"] for t in tools] == ["search_tires", "check_availability", "end_call"]
    assert [t["turn"] for t in tools] == [1, 2, 3]
    search, availability, _ = tools
    assert search["arguments"]["season"] == "winter"
    first_sku = search["result"]["items"][0]["sku"]
    assert availability["arguments"] == {"sku": first_sku, "city": "Київ"}

    agent = {e["turn"]: e["text"] for e in events if e["event"] == "agent"}
    assert "205/55 R16" in agent[1]
    assert f"{search['result']['items'][0]['price_uah']} грив" in agent[1]
    assert search["result"]["items"][0]["brand"] in agent[2]
    assert events[-2] == {"event": "action", "turn": 3, "next": "hang_up", "transfer": None}
    assert events[-1]["outcome"] == "completed"
    assert set(events[-1]["scenarios"]) == {"tire_search", "availability"}

    # The text output shows the same conversation.
    text = out.getvalue()
    assert f"call {result.call_id}" in text
    assert f"Клієнт: {STOCK_CHECK[1]}" in text
    assert "⚙ search_tires(" in text

    # The workflow itself agrees with what the chat printed.
    handle = temporal_client.get_workflow_handle(result.call_id)
    snapshot = await handle.query("snapshot", result_type=CallSnapshot)
    assert snapshot == result.snapshot
    assert snapshot.outcome == CallOutcome.COMPLETED
    assert snapshot.ended
    assert [e.text for e in snapshot.transcript if e.role == Role.CALLER] == STOCK_CHECK
    assert [c.name for e in snapshot.transcript for c in e.tool_calls] == ["search_tires", "check_availability", "end_call"]

    # And the call is recorded in PostgreSQL.
    row = await system.pool.fetchrow(
        "SELECT outcome, turns, transcript, tool_calls FROM callcenter.calls WHERE call_id = $1", result.call_id
    )
    assert row is not None
    assert row["outcome"] == "completed"
    assert row["turns"] == 3
    transcript = json.loads(row["transcript"])
    assert [e["text"] for e in transcript if e["role"] == "caller"] == STOCK_CHECK
    assert [c["name"] for c in json.loads(row["tool_calls"])] == ["search_tires", "check_availability", "end_call"]


async def test_transfer_conversation(temporal_client, system, agent_queue: str) -> None:
    lines = ["Зимові шини 205/55 R16", "З'єднайте мене з оператором", "це вже не прочитається"]
    result = await chat(temporal_client, system.settings, lines, agent_queue=agent_queue, out=None)

    action = [e for e in result.events if e["event"] == "action"]
    assert len(action) == 1
    assert action[0]["next"] == "transfer"
    assert action[0]["transfer"]["queue"]
    assert "205/55 R16" in action[0]["transfer"]["summary"]
    assert [e["text"] for e in result.events if e["event"] == "caller"] == lines[:2], "the chat stops at the transfer"
    assert result.events[-1]["outcome"] == "transferred"
    assert result.snapshot.outcome == CallOutcome.TRANSFERRED
    assert "transfer" in result.events[-1]["scenarios"]

    row = await system.pool.fetchrow(
        "SELECT outcome, turns, transfer FROM callcenter.calls WHERE call_id = $1", result.call_id
    )
    assert row["outcome"] == "transferred"
    assert row["turns"] == 2
    assert json.loads(row["transfer"])["summary"] == action[0]["transfer"]["summary"]


async def test_async_lines_and_comments(temporal_client, system, agent_queue: str) -> None:
    async def typed() -> AsyncIterator[str]:
        for line in ["# a comment line", "", "до побачення"]:
            yield line

    result = await chat(temporal_client, system.settings, typed(), agent_queue=agent_queue, out=None)
    assert [e["text"] for e in result.events if e["event"] == "caller"] == ["до побачення"]
    assert result.events[-1]["outcome"] == "completed"


# --- the CLI as a user runs it -------------------------------------------------------------------


def _cli_env(temporal_server, system) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    env.update(
        CALLCENTER_TEMPORAL_ADDRESS=temporal_server.address,
        CALLCENTER_TEMPORAL_NAMESPACE=temporal_server.namespace,
        CALLCENTER_CALLS_TASK_QUEUE=system.settings.calls_task_queue,
        CALLCENTER_STORE_URL=system.settings.store_url,
    )
    return env


async def _run_cli(args: list[str], env: dict[str, str], stdin: bytes | None = None) -> tuple[int, str, str]:
    # Asynchronously: the calls worker serving this chat runs on this very event loop.
    proc = await asyncio.create_subprocess_exec(
        str(CALLCENTER), *args, env=env, cwd=REPO_ROOT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(stdin or b""), timeout=60)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    return proc.returncode, out.decode(), err.decode()


def _json_events(stdout: str) -> list[dict]:
    lines = stdout.splitlines()
    assert lines
    events = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all("event" in e for e in events)
    return events


async def test_cli_chat_file_as_json(temporal_server, system, tmp_path: Path) -> None:
    script = tmp_path / "chat.txt"
    script.write_text("\n".join(STOCK_CHECK) + "\n", encoding="utf-8")

    code, stdout, stderr = await _run_cli(["chat", str(script), "--json"], _cli_env(temporal_server, system))

    assert code == 0, stderr
    events = _json_events(stdout)
    assert [e["name"] for e in events if e["event"] == "tool"] == ["search_tires", "check_availability", "end_call"]
    assert events[-1]["event"] == "outcome"
    assert events[-1]["outcome"] == "completed"
    call_id = events[0]["call_id"]
    assert events[-1]["call_id"] == call_id
    row = await system.pool.fetchrow("SELECT outcome, turns FROM callcenter.calls WHERE call_id = $1", call_id)
    assert (row["outcome"], row["turns"]) == ("completed", 3)


async def test_cli_chat_from_stdin(temporal_server, system) -> None:
    piped = "Покличте оператора, будь ласка\n".encode()

    code, stdout, stderr = await _run_cli(["chat", "--json"], _cli_env(temporal_server, system), stdin=piped)

    assert code == 0, stderr
    events = _json_events(stdout)
    assert [e["text"] for e in events if e["event"] == "caller"] == ["Покличте оператора, будь ласка"]
    assert any(e["event"] == "action" and e["next"] == "transfer" for e in events)
    assert events[-1]["event"] == "outcome"
    assert events[-1]["outcome"] == "transferred"
