"""Call scripts (YAML): what the caller says, and what the call must show afterwards.

    name: Зимові шини за розміром
    caller_number: "+380501234567"
    lines:
      - Доброго дня, мені потрібні зимові шини двісті п'ять п'ятдесят п'ять ер шістнадцять
      - say: А перша є в наявності у Львові?
        pause_ms: 300
      - dtmf: "1"
      - silence_s: 8                      # say nothing (the agent should reprompt)
      - say: Ні, краще у Києві.
        barge_in_after_ms: 1500           # start while the agent still speaks, 1.5 s into its audio
      - dtmf: "123456#"
        dtmf_interval_ms: 300
    noise: {kind: hum, snr_db: 15}        # line noise under everything the caller sends
    expect:
      tools: [search_tires, check_availability]
      outcome: completed
      scenarios: [tire_search, availability]
      agent_says: ["Львові"]
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, Field, field_validator, model_validator

from workflows.models import CallOutcome, CallSnapshot, Role, Scenario

SCRIPTS_DIR = Path(__file__).resolve().parent / "scripts"


class CallerLine(BaseModel):
    """What the caller does next: say words, press keys (DTMF) or stay silent, after a pause."""

    say: str = ""
    dtmf: str = Field(default="", pattern=r"^[0-9*#A-D]*$", description="Keys to press, e.g. '1' or '12345#'")
    dtmf_interval_ms: int = Field(default=150, ge=40, description="Time between two key presses")
    silence_s: float = Field(default=0.0, ge=0, description="Say nothing for this long (silence frames)")
    pause_ms: int = Field(default=400, ge=0, description="Silence before speaking, after the agent finished")
    barge_in_after_ms: int | None = Field(
        default=None, ge=0,
        description="Speak over the agent: start this line this long after the agent's reply (or greeting) began",
    )

    @model_validator(mode="after")
    def _one_action(self) -> CallerLine:
        if (bool(self.say.strip()) + bool(self.dtmf) + (self.silence_s > 0)) != 1:
            raise ValueError(
                "a caller line either says words, presses keys (dtmf) or stays silent (silence_s): "
                "not both or neither"
            )
        if self.barge_in_after_ms is not None and not self.say.strip():
            raise ValueError("only a line that says words can barge in")
        return self

    @property
    def is_turn(self) -> bool:
        """Does this line make a caller turn at the edge? Keys do once they hold a digit."""
        return bool(self.say.strip()) or bool(self.dtmf.strip("#"))


class ScriptNoise(BaseModel):
    """Line noise under everything the caller sends."""

    kind: str = Field(default="white", pattern="^(white|hum)$")
    snr_db: float = Field(default=20.0, description="Caller speech level above the noise, dB")


class Expectations(BaseModel):
    tools: list[str] = Field(default_factory=list, description="Tools that must have been called, in this order")
    outcome: CallOutcome | None = None
    scenarios: list[Scenario] = Field(default_factory=list)
    agent_says: list[str] = Field(default_factory=list, description="Fragments the agent must have said")
    hangup_by: str | None = Field(default=None, description="'agent' if the edge must end the leg itself")
    caller_turns: int | None = Field(default=None, description="Caller turns the workflow must have recorded")
    heard_interrupted: bool = Field(default=False, description="The transcript notes what the caller heard")


class CallScript(BaseModel):
    name: str
    caller_number: str = "+380501234567"
    dialled_number: str = "0800300500"
    lines: list[CallerLine]
    noise: ScriptNoise | None = None
    expect: Expectations = Field(default_factory=Expectations)

    @field_validator("lines", mode="before")
    @classmethod
    def _plain_strings(cls, value: list) -> list:
        return [{"say": item} if isinstance(item, str) else item for item in value]

    @classmethod
    def load(cls, path: str | Path) -> CallScript:
        path = resolve_script(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            raise ValueError(f"{path}: not valid YAML: {err}") from err
        return cls.model_validate(data)


def resolve_script(path: str | Path) -> Path:
    """A path, or the name of a bundled script ("winter_tires" → scripts/winter_tires.yaml)."""
    candidate = Path(path)
    if candidate.exists():
        return candidate
    bundled = SCRIPTS_DIR / f"{candidate.stem}.yaml"
    if bundled.exists():
        return bundled
    known = ", ".join(sorted(p.stem for p in SCRIPTS_DIR.glob("*.yaml")))
    raise FileNotFoundError(f"no call script {path!r}; bundled scripts: {known}")


def tools_out_of_order(expected: list[str], used: list[str]) -> list[str]:
    """The expected tools that were not called in this order (others may come between)."""
    problems: list[str] = []
    position = 0
    for tool in expected:
        try:
            position = used.index(tool, position) + 1
        except ValueError:
            problems.append(f"tool {tool} not called in order (called: {', '.join(used) or 'none'})")
    return problems


def check_expectations(expect: Expectations, snapshot: CallSnapshot, *, edge_hung_up: bool) -> list[str]:
    """What the call failed to show, as readable lines; empty when it went as scripted."""
    used = [call.name for entry in snapshot.transcript for call in entry.tool_calls]
    problems = tools_out_of_order(expect.tools, used)
    if expect.outcome is not None and snapshot.outcome != expect.outcome:
        problems.append(f"outcome {snapshot.outcome.value}, expected {expect.outcome.value}")
    missing = [s.value for s in expect.scenarios if s not in snapshot.scenarios]
    if missing:
        problems.append(f"scenarios missing: {', '.join(missing)}")
    said = " ".join(e.text for e in snapshot.transcript if e.role == Role.AGENT)
    for fragment in expect.agent_says:
        if fragment.lower() not in said.lower():
            problems.append(f"agent never said {fragment!r}")
    if expect.hangup_by == "agent" and not edge_hung_up:
        problems.append("the edge did not end the call")
    if expect.caller_turns is not None:
        taken = sum(1 for e in snapshot.transcript if e.role == Role.CALLER)
        if taken != expect.caller_turns:
            problems.append(f"{taken} caller turns recorded, expected {expect.caller_turns}")
    if expect.heard_interrupted and not any(
        e.role == Role.SYSTEM and "heard:" in e.text for e in snapshot.transcript
    ):
        problems.append("no barge-in with what the caller heard in the transcript")
    failed = [call for entry in snapshot.transcript for call in entry.tool_calls if call.error]
    for call in failed:
        problems.append(f"tool {call.name} failed: {call.error}")
    return problems
