"""The dialplan's answers to what a real Asterisk does, and the prompts it plays.

Each test names the Asterisk behaviour it relies on and where in Asterisk's source it was read
(asterisk/README.md, "Behaviours read from Asterisk's source"). They are static checks of
asterisk/extensions.conf, except the prompts, which are really synthesised.
"""

from __future__ import annotations

import re
import wave
from pathlib import Path

import numpy as np
import pytest

from callcenter.prompts import PROMPTS, make_prompts
from callcenter.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DIALPLAN = (ROOT / "asterisk" / "extensions.conf").read_text(encoding="utf-8")
ASTERISK_README = (ROOT / "asterisk" / "README.md").read_text(encoding="utf-8")


def _steps() -> list[tuple[str | None, str]]:
    """(label, 'App(args)') of every [tireshop-inbound] priority, comments dropped."""
    section = DIALPLAN.split("\n[tireshop-inbound]", 1)[1].split("\n[", 1)[0]
    steps = []
    for raw in section.splitlines():
        line = raw.split(";", 1)[0].strip() if not raw.lstrip().startswith(";") else ""
        match = re.match(r"(?:exten\s*=>\s*[^,]+,\d+|same\s*=>\s*n(?:\((?P<label>[\w-]+)\))?),(?P<app>.+)$", line)
        if match:
            steps.append((match.group("label"), match.group("app").strip()))
    return steps


def _globals() -> dict[str, str]:
    section = DIALPLAN.split("\n[globals]", 1)[1].split("\n[", 1)[0]
    pairs = (line.split("=", 1) for line in section.splitlines() if "=" in line and not line.lstrip().startswith(";"))
    return {key.strip(): value.strip() for key, value in pairs}


def _after(label: str) -> list[str]:
    steps = _steps()
    index = next(i for i, (name, _) in enumerate(steps) if name == label)
    return [app for _, app in steps[index:]]


def test_a_queue_that_does_not_exist_falls_back_to_the_operators_queue() -> None:
    """app_queue.c, queue_exec → set_queue_result: a queue join_queue() does not find ends Queue()
    at once with QUEUESTATUS=UNKNOWN (queue_results[]: { QUEUE_UNKNOWN, "UNKNOWN" }), not empty.
    QUEUE_EXISTS() (app_queue.c, queue_function_exists) lets the dialplan check before."""
    transfer = _after("transfer")
    assert any("QUEUE_EXISTS(${QUEUE})" in app and "${OPERATORS_QUEUE}" in app for app in transfer[:3])
    enqueue = transfer.index(next(app for app in transfer if app.startswith("Queue(${QUEUE}")))
    fallback = transfer[enqueue + 1]
    assert '"${QUEUESTATUS}" = "UNKNOWN"' in fallback and fallback.endswith("?operators)")


def test_the_application_form_goes_on_when_the_edge_refuses_the_connection() -> None:
    """app_audiosocket.c, audiosocket_exec returns -1 when the connection fails, which ends the
    dialplan; apps/app_exec.c, tryexec_exec runs the app, sets TRYSTATUS=FAILED and returns 0."""
    app_form = _after("agent-app")
    assert app_form[0] == "TryExec(AudioSocket(${CALL_UUID},${EDGE_AUDIOSOCKET}))"
    assert "Goto(disposition)" in app_form[:3]
    assert not any(app.startswith("AudioSocket(") for _, app in _steps()), "a bare AudioSocket() drops the caller"


def test_the_agent_leg_is_bounded_by_the_edges_call_limit() -> None:
    """chan_audiosocket.c has no inactivity timeout; app_dial.c's S(x) (OPT_DURATION_STOP →
    config.timelimit) hangs the called leg up x seconds after answer, and with 'g' (OPT_GO_ON)
    the dialplan continues to the disposition and the operators."""
    dial = next(app for _, app in _steps() if app.startswith("Dial(AudioSocket/"))
    assert dial.endswith(",,gS(${AGENT_MAX_SECONDS}))")
    limit = int(_globals()["AGENT_MAX_SECONDS"])
    edge_limit = Settings.model_construct().max_call_seconds
    assert edge_limit < limit <= edge_limit + 60, "the edge says goodbye first; Asterisk only catches a frozen edge"


def test_calls_are_spread_over_every_configured_edge_with_fail_over() -> None:
    """func_rand.c RAND(min,max) is inclusive; one edge per call is kept in channel variables."""
    g = _globals()
    count = int(g["EDGE_COUNT"])
    for n in range(1, count + 1):
        assert g[f"EDGE{n}_URL"].startswith("http://") and ":" in g[f"EDGE{n}_AUDIOSOCKET"]
    apps = [app for _, app in _steps()]
    assert "Set(EDGE_N=${RAND(1,${EDGE_COUNT})})" in apps
    assert "Set(EDGE_N=$[${EDGE_N} % ${EDGE_COUNT} + 1])" in apps, "the next edge after a failed registration"
    assert any("${EDGE_TRIES} < ${EDGE_COUNT}" in app and "edge-down" in app for app in apps)


def test_every_prompt_the_dialplan_plays_is_made_by_callcenter_prompts() -> None:
    """main/file.c ast_streamfile: a missing file logs 'File ... does not exist' and plays nothing."""
    played = set(re.findall(r"Playback\(tireshop/([\w-]+)\)", DIALPLAN))
    assert played and played == set(PROMPTS)


def test_the_readme_says_where_each_behaviour_was_read_and_what_a_stalled_edge_sounds_like() -> None:
    section = ASTERISK_README.split("## Behaviours read from Asterisk's source", 1)[1]
    for source in ("app_queue.c", "app_exec.c", "app_dial.c", "chan_audiosocket.c", "app_audiosocket.c"):
        assert source in section
    assert "5 s" in ASTERISK_README and "60 s" in ASTERISK_README


async def test_the_prompts_are_ukrainian_speech_in_formats_asterisk_plays_as_they_are(tmp_path: Path) -> None:
    settings = Settings.model_construct(tts_engine="espeak")
    written = await make_prompts(settings, tmp_path)
    assert {prompt.name for prompt in written} == set(PROMPTS)
    for prompt in written:
        sln16 = (tmp_path / f"{prompt.name}.sln16").read_bytes()
        sln = (tmp_path / f"{prompt.name}.sln").read_bytes()
        assert 1.0 < len(sln16) / 32000 < 12.0, "a sentence, not a click or a minute"
        assert len(sln) == pytest.approx(len(sln16) / 2, abs=64), "the same audio at 8 kHz"
        samples = np.frombuffer(sln16, dtype="<i2").astype(np.float64)
        assert np.sqrt(np.mean(samples**2)) > 300, "speech, not silence"
        with wave.open(str(tmp_path / f"{prompt.name}.wav")) as w:
            assert (w.getframerate(), w.getsampwidth(), w.getnchannels()) == (8000, 2, 1)
            assert w.getnframes() == len(sln) // 2
