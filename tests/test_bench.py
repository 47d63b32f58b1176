"""Smoke test of the turn-overhead bench: 2 concurrent calls × 2 turns over the real AudioSocket path.

Only sanity is asserted (every turn timed, overhead positive and below a generous bound);
performance numbers live in the bench and docs/performance.md, not in tests.
"""

from __future__ import annotations

from pathlib import Path

from bench.turns import LevelResult, markdown_section, measure_level, text_table, write_markdown

SANITY_BOUND_MS = 2000.0


async def test_bench_times_every_turn(system, tmp_path: Path) -> None:
    result: LevelResult = await measure_level(system, calls=2, turns=2)

    assert result.caller_errors == []
    assert result.missing == []
    assert result.turns_spoken == 4
    assert result.timed == 4
    assert result.ok
    overhead = result.overhead
    assert overhead is not None and overhead.count == 4
    assert 0 < overhead.p50 <= overhead.max < SANITY_BOUND_MS
    # The agent step's own share, read back from the call records, matched every turn.
    assert result.step_first_text is not None and result.step_first_text.count == 4
    first_audio = result.first_audio
    assert first_audio is not None
    # First audio includes the endpointing silence, so it is never below it.
    assert first_audio.p50 >= system.settings.end_of_turn_silence_ms * 0.9

    info = {"date": "today", "nproc": 2, "cpu": "test", "python": "3", "os": "linux", "commit": "",
            "end_of_turn_silence_ms": system.settings.end_of_turn_silence_ms, "postgres": "embedded"}
    assert "overhead p50" in text_table([result], info)
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\nProse stays.\n", encoding="utf-8")
    write_markdown(doc, markdown_section([result], info, turns=2, callers_in_child=False))
    write_markdown(doc, markdown_section([result], info, turns=2, callers_in_child=False))
    text = doc.read_text(encoding="utf-8")
    assert "Prose stays." in text
    assert text.count("<!-- bench-turns:begin -->") == 1


def test_the_bench_command_the_readme_names_runs(tmp_path: Path) -> None:
    """`callcenter bench turns` as README names it, at the smallest size: its own servers, a
    child-process caller, the table on stdout and the results section in the file it was given."""
    import os
    import subprocess

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "callcenter bench turns [--calls 1,20] [--turns N] [--output FILE]" in readme
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    output = tmp_path / "performance.md"
    res = subprocess.run(
        [str(root / ".venv" / "bin" / "callcenter"), "bench", "turns", "--calls", "1", "--turns", "2",
         "--output", str(output)],
        env=env, cwd=root, capture_output=True, text=True, timeout=240,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    assert "overhead p50" in res.stdout
    assert "<!-- bench-turns:begin -->" in output.read_text(encoding="utf-8")


def test_make_bench_writes_an_untracked_file_unless_asked() -> None:
    import subprocess

    root = Path(__file__).resolve().parent.parent
    dry = subprocess.run(["make", "-n", "bench"], cwd=root, capture_output=True, text=True, check=True).stdout
    assert "--output .data/bench/performance.md" in dry and "docs/performance.md" not in dry
    asked = subprocess.run(["make", "-n", "bench", "BENCH_OUTPUT=docs/performance.md"], cwd=root,
                           capture_output=True, text=True, check=True).stdout
    assert "--output docs/performance.md" in asked
    reset = subprocess.run(["make", "-n", "reset"], cwd=root, capture_output=True, text=True, check=True).stdout
    assert "callcenter stop" in reset and "rm -rf .data/temporal .data/postgres" in reset
