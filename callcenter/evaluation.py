"""Dialogue evaluation: scripted Ukrainian conversations through the real call path, checked.

Each dialogue (YAML, tests/dialogues/README.md) is driven exactly as `callcenter chat` drives a
conversation: a real CallWorkflow on Temporal, its agent step on a private queue, the store over
HTTP, the call record in PostgreSQL. After the call the workflow's snapshot is checked against
the dialogue's expectations (tools and their arguments, outcome, scenarios, what the agent said,
an order or booking created in the store) and against rules every call must keep:

- every number the agent says before «грн»/«гривень» appears in some tool result of the call;
- no tool failed (unless the dialogue allows it) and no agent step failed;
- every caller turn got an answer, with at most one question in it.

    results = await run_dialogues(client, settings, load_dialogues(DIALOGUES_DIR), agent_queue=queue)
    callcenter eval [--engine rules|claude] [--filter NAME] [--json] [--min-pass-rate 1.0]
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import sys
import time
import uuid
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from temporalio.client import Client

from activities.brain.ukrainian.numbers import words_to_digits
from callcenter.settings import REPO_ROOT, LlmEngine, Settings
from callcenter.simulator.script import tools_out_of_order
from workflows.models import (
    CallerTurn,
    CallOutcome,
    CallSnapshot,
    ExpectedReply,
    NextAction,
    Role,
    Scenario,
    ToolCall,
    TurnResult,
)
from workflows.starter import end_call, new_call_start, send_turn, start_call

DIALOGUES_DIR = REPO_ROOT / "tests" / "dialogues"
TURN_TIMEOUT_S = 30.0
DEFAULT_CONCURRENCY = 4
_PRICE = re.compile(r"(\d+)\s*(?:грн|гривн[яіьею]|гривень)", re.IGNORECASE)
_THOUSANDS_SPACE = re.compile(r"(?<=\d)[ \u00a0\u202f](?=\d{3}(?!\d))")  # "3 200" → "3200"
_KINDS = (
    "happy", "correction", "interruption", "off_topic", "rude", "injection", "garbled", "declined",
    "dtmf", "refusal", "not_found",
)  # fmt: skip


# --- the dialogue format -----------------------------------------------------------------------


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TurnExpect(StrictModel):
    """What one caller turn must produce."""

    tools: list[str] | None = Field(default=None, description="Exactly these tools this turn, in order")
    args: dict[str, dict[str, Any]] = Field(default_factory=dict, description="tool → arguments it must include")
    says: list[str] = Field(default_factory=list, description="Fragments the agent says this turn")
    not_says: list[str] = Field(default_factory=list, description="Fragments it must not say this turn")
    reply: ExpectedReply | None = Field(default=None, description="What the reply asks for (open/yes_no/digits)")
    next: NextAction | None = None


class DialogueTurn(StrictModel):
    say: str = ""
    dtmf: str = Field(default="", pattern=r"^[0-9*#]*$")
    expect: TurnExpect = Field(default_factory=TurnExpect)

    @model_validator(mode="after")
    def _something(self) -> DialogueTurn:
        if not self.say.strip() and not self.dtmf.rstrip("#"):
            raise ValueError("a turn says words, presses keys, or both")
        return self

    @property
    def text(self) -> str:
        return self.say.strip() or self.dtmf.rstrip("#")


class CallExpect(StrictModel):
    """What the whole call must show."""

    tools: list[str] = Field(default_factory=list, description="Called in this order (others may come between)")
    never: list[str] = Field(default_factory=list, description="Tools that must not be called")
    outcome: CallOutcome | None = None
    scenarios: list[Scenario] = Field(default_factory=list, description="At least these")
    only_scenarios: bool = Field(default=False, description="Exactly the scenarios listed")
    says: list[str] = Field(default_factory=list)
    not_says: list[str] = Field(default_factory=list)
    order_created: bool | None = None
    booking_created: bool | None = None
    tool_errors: bool = Field(default=False, description="Tool errors are part of the dialogue")
    args: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="tool → arguments some call of it in the whole call must include"
    )


class Dialogue(StrictModel):
    name: str
    title: str = ""
    scenario: Scenario
    kind: str = "happy"
    # Default: a number of the dialogue's own that the store has never seen (no customer, no
    # orders), so dialogues that place orders cannot change what others find by phone.
    caller_number: str = ""
    turns: list[DialogueTurn] = Field(min_length=1)
    expect: CallExpect = Field(default_factory=CallExpect)
    source: str = ""
    # A file-level tag ("new_callers"): such dialogues are scored by their pass rate, not one by one.
    suite: str = ""

    @model_validator(mode="after")
    def _own_number(self) -> Dialogue:
        if not self.caller_number:
            digest = int(hashlib.sha256(self.name.encode()).hexdigest(), 16)
            self.caller_number = f"+38063{digest % 10**7:07d}"
        return self

    @field_validator("turns", mode="before")
    @classmethod
    def _plain_strings(cls, value: list) -> list:
        return [{"say": item} if isinstance(item, str) else item for item in value]

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in _KINDS:
            raise ValueError(f"kind must be one of {', '.join(_KINDS)}")
        return value


def load_dialogues(directory: Path = DIALOGUES_DIR, name_filter: str | None = None) -> list[Dialogue]:
    """Every dialogue under `directory` (a file holds one dialogue or a list under `dialogues:`)."""
    found: list[Dialogue] = []
    for path in sorted(directory.rglob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            raise ValueError(f"{path}: not valid YAML: {err}") from err
        if isinstance(data, dict) and "dialogues" in data:
            items = data["dialogues"]
            defaults = {k: v for k, v in data.items() if k != "dialogues"}
        else:
            items, defaults = [data], {}
        for item in items:
            try:
                dialogue = Dialogue.model_validate({**defaults, **item, "source": str(path.relative_to(directory))})
            except ValueError as err:
                raise ValueError(f"{path}: dialogue {item.get('name', '?')!r}: {err}") from err
            found.append(dialogue)
    names = Counter(d.name for d in found)
    duplicates = [n for n, c in names.items() if c > 1]
    if duplicates:
        raise ValueError(f"duplicate dialogue names: {', '.join(duplicates)}")
    if name_filter:
        found = [d for d in found if name_filter in d.name or name_filter == d.scenario.value or name_filter == d.kind
                 or name_filter == d.suite]
    return found


# --- running ------------------------------------------------------------------------------------


class TurnRecord(BaseModel):
    turn_id: int
    caller: str
    dtmf: str = ""
    reply: TurnResult | None = None
    error: str | None = None


class DialogueResult(BaseModel):
    name: str
    scenario: Scenario
    kind: str
    passed: bool
    problems: list[str] = Field(default_factory=list)
    turns: int = 0
    seconds: float = 0.0
    call_id: str = ""
    outcome: str = ""
    scenarios: list[str] = Field(default_factory=list)
    order_number: str | None = None
    booking_number: str | None = None
    transcript: list[str] = Field(default_factory=list)

    def report(self) -> str:
        lines = [f"dialogue {self.name} ({self.scenario.value}, {self.kind}): {len(self.problems)} problem(s)"]
        lines += [f"  ✗ {p}" for p in self.problems]
        lines.append("  transcript:")
        lines += [f"    {line}" for line in self.transcript]
        return "\n".join(lines)


async def run_dialogue(client: Client, settings: Settings, dialogue: Dialogue, *, agent_queue: str) -> DialogueResult:
    """One dialogue as a real call; never raises for a failed expectation (it is a problem)."""
    started = time.monotonic()
    call_id = str(uuid.uuid4())
    records: list[TurnRecord] = []
    problems: list[str] = []
    start = new_call_start(
        settings, call_id, caller_number=dialogue.caller_number, channel="eval", agent_task_queue=agent_queue,
        speak_replies=False,
    )
    snapshot: CallSnapshot | None = None
    try:
        await start_call(client, start)
        handle = client.get_workflow_handle(call_id, result_type=CallSnapshot)
        reason = "caller_hangup"
        for turn_id, turn in enumerate(dialogue.turns, start=1):
            record = TurnRecord(turn_id=turn_id, caller=turn.text, dtmf=turn.dtmf)
            records.append(record)
            try:
                record.reply = await asyncio.wait_for(
                    send_turn(handle, CallerTurn(turn_id=turn_id, text=turn.text, dtmf=turn.dtmf or None)),
                    TURN_TIMEOUT_S,
                )
            except Exception as err:  # noqa: BLE001 - reported as the dialogue's problem
                record.error = f"{type(err).__name__}: {err}"
                problems.append(f"turn {turn_id}: the call failed: {record.error}")
                break
            if record.reply.next != NextAction.LISTEN:
                reason = "transfer" if record.reply.next == NextAction.TRANSFER else "agent_hangup"
                if turn_id < len(dialogue.turns):
                    problems.append(
                        f"turn {turn_id}: the call ended ({record.reply.next.value}) with "
                        f"{len(dialogue.turns) - turn_id} caller turn(s) left"
                    )
                break
        await end_call(handle, reason)
        snapshot = await asyncio.wait_for(handle.result(), TURN_TIMEOUT_S)
    except Exception as err:  # noqa: BLE001
        problems.append(f"the call could not run: {type(err).__name__}: {err}")
    if snapshot is not None:
        problems += check_dialogue(dialogue, snapshot, records)
        problems += await _check_store(settings, dialogue, snapshot)
    return DialogueResult(
        name=dialogue.name,
        scenario=dialogue.scenario,
        kind=dialogue.kind,
        passed=not problems,
        problems=problems,
        turns=len(records),
        seconds=round(time.monotonic() - started, 2),
        call_id=call_id,
        outcome=snapshot.outcome.value if snapshot else "",
        scenarios=[s.value for s in snapshot.scenarios] if snapshot else [],
        order_number=snapshot.order_number if snapshot else None,
        booking_number=snapshot.booking_number if snapshot else None,
        transcript=_transcript_lines(snapshot) if snapshot else [f"Клієнт: {r.caller}" for r in records],
    )


async def run_dialogues(
    client: Client,
    settings: Settings,
    dialogues: list[Dialogue],
    *,
    agent_queue: str,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> list[DialogueResult]:
    """Every dialogue, a few at a time; results in the dialogues' order."""
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(dialogue: Dialogue) -> DialogueResult:
        async with gate:
            return await run_dialogue(client, settings, dialogue, agent_queue=agent_queue)

    return list(await asyncio.gather(*(one(d) for d in dialogues)))


def pass_rate(results: list[DialogueResult]) -> float:
    return sum(r.passed for r in results) / len(results) if results else 0.0


# --- checking -------------------------------------------------------------------------------------


def _turn_tools(snapshot: CallSnapshot, turn_id: int) -> list[ToolCall]:
    return [c for e in snapshot.transcript if e.turn_id == turn_id and e.role == Role.AGENT for c in e.tool_calls]


def _turn_said(snapshot: CallSnapshot, turn_id: int) -> str:
    return " ".join(e.text for e in snapshot.transcript if e.turn_id == turn_id and e.role == Role.AGENT and e.text)


def _numbers_in(value: Any, into: set[int]) -> None:
    """Every number in a tool result: ints, floats, and digit runs inside strings."""
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        into.add(int(value))
    elif isinstance(value, str):
        into.update(int(n) for n in re.findall(r"\d+", value))
    elif isinstance(value, dict):
        for item in value.values():
            _numbers_in(item, into)
    elif isinstance(value, list):
        for item in value:
            _numbers_in(item, into)


def spoken_prices(text: str) -> list[int]:
    """Amounts said before «грн»/«гривень», written in digits ("3200", "3 200") or in words."""
    digits = _THOUSANDS_SPACE.sub("", words_to_digits(text))
    return [int(n) for n in _PRICE.findall(digits)]


def _contains(haystack: str, fragment: str) -> bool:
    return fragment.lower().replace("’", "'") in haystack.lower().replace("’", "'")


_KYIV = ZoneInfo("Europe/Kyiv")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DATE_PLACEHOLDER = re.compile(r"\{(?:today([+-]\d+)?|next:(mon|tue|wed|thu|fri|sat|sun))\}")


def expand_dates(text: str, today: date | None = None) -> str:
    """Dates a dialogue cannot write down: "{today+1}" (ISO, Kyiv's today plus one day) and
    "{next:fri}" (the first Friday after today, never today itself)."""
    today = today or datetime.now(_KYIV).date()

    def one(match: re.Match) -> str:
        if match.group(2):
            ahead = (_WEEKDAYS.index(match.group(2)) - today.weekday() - 1) % 7 + 1
            return (today + timedelta(days=ahead)).isoformat()
        return (today + timedelta(days=int(match.group(1) or 0))).isoformat()

    return _DATE_PLACEHOLDER.sub(one, text)


def _args_match(actual: Any, wanted: Any) -> bool:
    """`wanted` is part of `actual`: dict keys recursively, lists item by item, strings ignoring case
    (date placeholders expanded; a string ending in "*" is a prefix)."""
    if isinstance(wanted, dict):
        return isinstance(actual, dict) and all(_args_match(actual.get(k), v) for k, v in wanted.items())
    if isinstance(wanted, list):
        return isinstance(actual, list) and len(actual) == len(wanted) and all(
            _args_match(a, w) for a, w in zip(actual, wanted, strict=True)
        )
    if isinstance(wanted, str) and isinstance(actual, str):
        wanted = expand_dates(wanted)
        if wanted.endswith("*"):
            return actual.lower().startswith(wanted[:-1].lower())
        return wanted.lower() == actual.lower()
    return actual == wanted


def check_dialogue(dialogue: Dialogue, snapshot: CallSnapshot, records: list[TurnRecord]) -> list[str]:
    """What the call failed to show, as readable lines; empty when it went as the dialogue says."""
    problems: list[str] = []
    expect = dialogue.expect
    known_numbers: set[int] = set()
    for record in records:
        turn_id = record.turn_id
        tools = _turn_tools(snapshot, turn_id)
        for call in tools:
            _numbers_in(call.result, known_numbers)
        said = _turn_said(snapshot, turn_id)
        want = dialogue.turns[turn_id - 1].expect
        names = [c.name for c in tools]
        if want.tools is not None and names != want.tools:
            problems.append(f"turn {turn_id}: tools {names}, expected {want.tools}")
        for tool, args in want.args.items():
            calls = [c for c in tools if c.name == tool]
            if not calls:
                if want.tools is None or tool in (want.tools or []):
                    problems.append(f"turn {turn_id}: {tool} not called (wanted arguments {args})")
            elif not any(_args_match(c.arguments, args) for c in calls):
                problems.append(f"turn {turn_id}: {tool} arguments {calls[0].arguments}, expected to include {args}")
        for fragment in want.says:
            if not _contains(said, fragment):
                problems.append(f"turn {turn_id}: agent did not say {fragment!r}")
        for fragment in want.not_says:
            if _contains(said, fragment):
                problems.append(f"turn {turn_id}: agent said {fragment!r}")
        reply = record.reply
        if reply is not None:
            if want.reply is not None and reply.expect != want.reply:
                problems.append(f"turn {turn_id}: reply expects {reply.expect.value}, expected {want.reply.value}")
            if want.next is not None and reply.next != want.next:
                problems.append(f"turn {turn_id}: next {reply.next.value}, expected {want.next.value}")
            if not (reply.reply_text or reply.say_text):
                problems.append(f"turn {turn_id}: the agent said nothing")
        # Generic rules: prices only from tools; one question at a time; nothing failed.
        for amount in spoken_prices(said):
            if amount not in known_numbers:
                problems.append(f"turn {turn_id}: agent said a price no tool gave: {amount} грн")
        for entry in snapshot.transcript:
            if entry.turn_id == turn_id and entry.role == Role.AGENT and entry.text.count("?") > 1:
                problems.append(f"turn {turn_id}: more than one question at once: {entry.text!r}")
        if not expect.tool_errors:
            for call in tools:
                if call.error:
                    problems.append(f"turn {turn_id}: tool {call.name} failed: {call.error}")
    for entry in snapshot.transcript:
        if entry.role == Role.SYSTEM and "agent step failed" in entry.text:
            problems.append(f"turn {entry.turn_id}: the agent step failed")

    used = [c.name for e in snapshot.transcript for c in e.tool_calls]
    problems += tools_out_of_order(expect.tools, used)
    for tool, args in expect.args.items():
        calls = [c for e in snapshot.transcript for c in e.tool_calls if c.name == tool]
        if not calls:
            problems.append(f"{tool} never called (wanted arguments {args})")
        elif not any(_args_match(c.arguments, args) for c in calls):
            problems.append(f"{tool} arguments {[c.arguments for c in calls]}, none includes {args}")
    for tool in expect.never:
        if tool in used:
            problems.append(f"tool {tool} was called")
    if expect.outcome is not None and snapshot.outcome != expect.outcome:
        problems.append(f"outcome {snapshot.outcome.value}, expected {expect.outcome.value}")
    missing = [s.value for s in expect.scenarios if s not in snapshot.scenarios]
    if missing:
        problems.append(f"scenarios missing: {', '.join(missing)} (got: {', '.join(s.value for s in snapshot.scenarios)})")
    if expect.only_scenarios:
        extra = [s.value for s in snapshot.scenarios if s not in expect.scenarios]
        if extra:
            problems.append(f"unexpected scenarios: {', '.join(extra)}")
    said_all = " ".join(e.text for e in snapshot.transcript if e.role == Role.AGENT)
    for fragment in expect.says:
        if not _contains(said_all, fragment):
            problems.append(f"agent never said {fragment!r}")
    for fragment in expect.not_says:
        if _contains(said_all, fragment):
            problems.append(f"agent said {fragment!r}")
    if expect.order_created is not None and bool(snapshot.order_number) != expect.order_created:
        problems.append(f"order created: {snapshot.order_number or 'none'}, expected {expect.order_created}")
    if expect.booking_created is not None and bool(snapshot.booking_number) != expect.booking_created:
        problems.append(f"booking created: {snapshot.booking_number or 'none'}, expected {expect.booking_created}")
    return problems


async def _check_store(settings: Settings, dialogue: Dialogue, snapshot: CallSnapshot) -> list[str]:
    """An order or booking number the call reports must exist in the store, for the caller's phone
    (or the phone the caller gave for the order)."""
    if not (snapshot.order_number or snapshot.booking_number):
        return []
    from activities.store_client import StoreClient

    problems: list[str] = []
    async with StoreClient(settings.store_url, timeout_s=settings.store_timeout_s) as store:
        if snapshot.order_number:
            order = await store.get_order(snapshot.order_number)
            if order is None:
                problems.append(f"order {snapshot.order_number} is not in the store")
            elif order.phone not in (dialogue.caller_number, *_phones_given(snapshot, "create_order")):
                problems.append(f"order {snapshot.order_number} has phone {order.phone}, not the caller's")
        if snapshot.booking_number:
            booking = await store.get_booking(snapshot.booking_number)
            if booking is None:
                problems.append(f"booking {snapshot.booking_number} is not in the store")
    return problems


def _phones_given(snapshot: CallSnapshot, tool: str) -> list[str]:
    return [c.arguments["phone"] for e in snapshot.transcript for c in e.tool_calls
            if c.name == tool and c.arguments.get("phone")]


def _transcript_lines(snapshot: CallSnapshot) -> list[str]:
    lines: list[str] = []
    for entry in snapshot.transcript:
        if entry.role == Role.CALLER:
            lines.append(f"[{entry.turn_id}] Клієнт: {entry.text}")
        elif entry.role == Role.AGENT:
            for call in entry.tool_calls:
                status = f"помилка: {call.error}" if call.error else "ok"
                lines.append(f"      ⚙ {call.name}({json.dumps(call.arguments, ensure_ascii=False)}) — {status}")
            if entry.text:
                lines.append(f"[{entry.turn_id}] Агент:  {entry.text}")
        else:
            lines.append(f"      · {entry.text}")
    lines.append(f"outcome: {snapshot.outcome.value}; scenarios: {', '.join(s.value for s in snapshot.scenarios) or '—'}")
    return lines


# --- reporting ----------------------------------------------------------------------------------------


def summary_table(results: list[DialogueResult]) -> str:
    width = max([len(r.name) for r in results] + [8])
    lines = [f"{'dialogue':<{width}}  {'scenario':<13} {'kind':<12} {'turns':>5} {'sec':>5}  result"]
    for r in results:
        verdict = "ok" if r.passed else f"FAIL: {r.problems[0]}" + (f" (+{len(r.problems) - 1})" if len(r.problems) > 1 else "")
        lines.append(f"{r.name:<{width}}  {r.scenario.value:<13} {r.kind:<12} {r.turns:>5} {r.seconds:>5.1f}  {verdict}")
    by_scenario = Counter(r.scenario.value for r in results)
    passed = sum(r.passed for r in results)
    lines.append("")
    lines.append("by scenario: " + ", ".join(f"{s} {n}" for s, n in sorted(by_scenario.items())))
    lines.append("by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(Counter(r.kind for r in results).items())))
    lines.append(f"passed {passed}/{len(results)}: pass rate {pass_rate(results):.1%}")
    return "\n".join(lines)


async def run_eval_cli(
    settings: Settings,
    *,
    engine: str,
    name_filter: str | None,
    as_json: bool,
    min_pass_rate: float | None,
    directory: Path = DIALOGUES_DIR,
    concurrency: int = DEFAULT_CONCURRENCY,
    embedded: bool = False,
    out: TextIO = sys.stdout,
) -> int:
    """`callcenter eval`: run the dialogues on an embedded stack of their own (or, asked for, a running
    one); exit 1 below the bar."""
    if engine == LlmEngine.CLAUDE.value and settings.anthropic_api_key is None:
        raise ValueError("--engine claude needs ANTHROPIC_API_KEY in the environment")
    settings = settings.model_copy(update={"llm_engine": LlmEngine(engine)})
    threshold = min_pass_rate if min_pass_rate is not None else (1.0 if engine == LlmEngine.RULES.value else 0.9)
    dialogues = load_dialogues(directory, name_filter)
    if not dialogues:
        raise ValueError(f"no dialogues match {name_filter!r} in {directory}")
    if embedded:
        results = await _run_embedded(settings, dialogues, concurrency)
    else:
        results = await _run_on_stack(settings, dialogues, concurrency)
    rate = pass_rate(results)
    if as_json:
        for result in results:
            out.write(json.dumps({"event": "dialogue", **result.model_dump(mode="json")}, ensure_ascii=False) + "\n")
        out.write(json.dumps({"event": "summary", "engine": engine, "dialogues": len(results),
                              "passed": sum(r.passed for r in results), "pass_rate": rate,
                              "min_pass_rate": threshold}) + "\n")
    else:
        for result in results:
            if not result.passed:
                out.write(result.report() + "\n\n")
        out.write(summary_table(results) + "\n")
        out.write(f"engine {engine}; required pass rate {threshold:.0%}\n")
    return 0 if rate >= threshold else 1


def confirm_running_stack(settings: Settings, *, assume_yes: bool, stdin: TextIO = sys.stdin,
                          err: TextIO = sys.stderr) -> bool:
    """``--against-running-stack``: the dialogues make real calls and orders in that stack's data
    (its call records, the store's orders and stock). Say so; ask unless ``--yes``."""
    err.write(
        f"callcenter eval: running the dialogues on the stack at {settings.temporal_address} "
        f"(store {settings.store_url}): they add test calls and orders to its data and use up its stock; "
        "`make reset` gives the demo fresh data.\n"
    )
    if assume_yes:
        return True
    if not stdin.isatty():
        err.write("callcenter eval: not a terminal, so not asking: add --yes to go on\n")
        return False
    err.write("Go on? [y/N] ")
    err.flush()
    return stdin.readline().strip().lower() in ("y", "yes", "т", "так")


async def _run_on_stack(settings: Settings, dialogues: list[Dialogue], concurrency: int) -> list[DialogueResult]:
    from callcenter.chat import agent_worker
    from temporal.client import connect

    from callcenter.reachability import require_calls_worker

    client = await connect(settings.temporal_address, settings.temporal_namespace)
    await require_calls_worker(client, settings)
    async with agent_worker(client, settings) as queue:
        return await run_dialogues(client, settings, dialogues, agent_queue=queue, concurrency=concurrency)


async def _run_embedded(settings: Settings, dialogues: list[Dialogue], concurrency: int) -> list[DialogueResult]:
    """Temporal dev server, embedded PostgreSQL, store and worker in a temporary directory."""
    import shutil
    import tempfile

    from callcenter.chat import agent_worker
    from callcenter.devstack.inprocess import running_system
    from callcenter.devstack.postgres import create_database, with_database
    from callcenter.devstack.stack import start_postgres, start_temporal
    from temporal.client import connect

    root = Path(tempfile.mkdtemp(prefix="callcenter-eval-"))
    temporal = pg = None
    try:
        temporal, pg = await asyncio.gather(
            start_temporal(root / "temporal", ui_port=None), start_postgres(root / "pgdata", durable=False)
        )
        await create_database(pg.url("postgres"), "eval")
        database_url = with_database(pg.url("postgres"), "eval")
        client = await connect(temporal.address, temporal.namespace)
        overrides: dict[str, Any] = {"llm_engine": settings.llm_engine}
        if settings.anthropic_api_key is not None:
            overrides["ANTHROPIC_API_KEY"] = settings.anthropic_api_key.get_secret_value()
        async with running_system(client, temporal.address, database_url, **overrides) as system:
            async with agent_worker(client, system.settings) as queue:
                return await run_dialogues(client, system.settings, dialogues, agent_queue=queue, concurrency=concurrency)
    finally:
        stops = [s.astop() for s in (temporal, pg) if s is not None]
        await asyncio.gather(*stops, return_exceptions=True)
        shutil.rmtree(root, ignore_errors=True)
