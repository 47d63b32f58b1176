"""`callcenter chat`: lines from stdin or a file (plain lines or a call script's caller lines)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from callcenter.chat import agent_worker, chat
from callcenter.reachability import require_calls_worker
from callcenter.settings import Settings
from callcenter.simulator.script import CallScript
from temporal.client import connect


def _lines_from(path: Path | None) -> tuple[list[str] | None, str | None]:
    if path is None:
        return None, None
    if path.suffix in (".yaml", ".yml"):
        script = CallScript.load(path)
        return [line.say for line in script.lines], script.caller_number
    return path.read_text(encoding="utf-8").splitlines(), None


async def run_chat_cli(settings: Settings, path: Path | None, *, as_json: bool, caller: str) -> int:
    lines, script_caller = _lines_from(path)
    client = await connect(settings.temporal_address, settings.temporal_namespace)
    await require_calls_worker(client, settings)
    interactive = lines is None and sys.stdin.isatty()
    if interactive and not as_json:
        print("Пишіть репліки клієнта; Ctrl-D — завершити дзвінок.", file=sys.stderr)
    async with agent_worker(client, settings) as queue:
        await chat(
            client, settings, lines if lines is not None else _stdin_lines(),
            agent_queue=queue, caller_number=script_caller or caller, as_json=as_json,
        )
    return 0


async def _stdin_lines():
    # Read in a thread: the agent worker shares this event loop.
    while line := await asyncio.to_thread(sys.stdin.readline):
        yield line
