"""`callcenter demo`: the embedded dev stack, then scripted calls through the real AudioSocket path."""

from __future__ import annotations

from callcenter.devstack.stack import StackInfo, run
from callcenter.settings import Settings
from callcenter.simulator.runner import CallerVoice, run_call
from callcenter.simulator.script import CallScript


def run_demo(settings: Settings, *, scripts: list[str], once: bool, rate: int) -> int:
    loaded = [CallScript.load(name) for name in scripts]  # a bad script name fails before start-up

    async def scripted_calls(info: StackInfo) -> int:
        voice = CallerVoice()
        failed = 0
        for script in loaded:
            print()
            report = await run_call(info.settings, script, rate=rate, voice=voice)
            failed += not report.passed
        print()
        print(f"{len(loaded) - failed} passed, {failed} failed")
        if not once:
            print(f"The stack keeps running: Temporal UI {info.temporal_ui_url}, edge {info.edge_url}.")
            print("Try `make chat` or `.venv/bin/callcenter call stock_check`; stop with Ctrl-C or `make stop`.")
        return 1 if failed else 0

    return run(settings, on_ready=scripted_calls, once=once)
